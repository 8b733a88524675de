"""Start the sandbox a submission runs in, after finding out which isolation layers this host has.

Layers (each checked at start-up, never assumed):
    namespaces    bubblewrap (`bwrap`) gives the submission its own mount, PID, network (loopback
                  only), IPC and UTS namespaces: it sees a filesystem made of the Python
                  installation, the `course` package, the data set, all read-only, and a private
                  scratch folder; `solutions/`, the source notebooks, the gradebook, other students'
                  folders and the instructor's home are simply not there. When the submission's
                  process ends, the PID namespace ends and nothing it started survives.
    unprivileged  as root: `setpriv` drops to a user id of its own (100000 + the grader's pid, so
                  concurrent submissions never share one) with no groups, no capabilities and
                  no_new_privs. As another user: the instructor's own (unprivileged) id in a user
                  namespace.
    limits        setrlimit: address space (memory), processes, file size, open files, CPU time,
                  no core files; the scratch folder and /tmp are size-limited tmpfs.
A missing layer is reported by name; `grade` refuses to run without every layer unless the
instructor accepts weaker isolation explicitly (`--allow-weak-isolation`).
"""

from __future__ import annotations

import importlib.util
import os
import resource
import shutil
import signal
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DRIVER = Path(__file__).resolve().parent.parent / "sandbox" / "driver.py"
DRIVER_IN_SANDBOX = "/opt/autograder/driver.py"
WORKDIR_IN_SANDBOX = "/submission"
FILES_IN_SANDBOX = "/opt/submitted"
UID_BASE = 100000
GIB = 1 << 30
MIB = 1 << 20
LAYERS = ("namespaces", "unprivileged", "limits")
# Packages that must never be visible inside: the answer key and the grader itself.
HIDDEN_PACKAGES = ("solutions", "autograder")


@dataclass
class Limits:
    """Per-submission limits (the wall-clock limits are the grader's: per cell and in total)."""

    memory_bytes: int = 2 * GIB
    processes: int = 64
    file_size_bytes: int = 64 * MIB
    open_files: int = 256
    cpu_seconds: int = 1800
    scratch_bytes: int = 256 * MIB

    def check(self):
        for name, value in vars(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"sandbox limit {name} must be a positive integer, got {value!r}")


@dataclass
class Isolation:
    """What this host supports: `missing` maps each missing layer to the reason."""

    layers: dict = field(default_factory=dict)
    missing: dict = field(default_factory=dict)

    @property
    def complete(self):
        return not self.missing

    def describe(self):
        if self.complete:
            return "full isolation: " + "; ".join(f"{k}: {v}" for k, v in self.layers.items())
        return "weak isolation, missing " + "; ".join(f"{k} ({v})" for k, v in self.missing.items())


class IsolationUnavailable(RuntimeError):
    """The host lacks a layer and the instructor has not accepted weaker isolation."""


@lru_cache(maxsize=1)
def detect() -> Isolation:
    """Which layers work here, found by trying them (cached for the process)."""
    isolation = Isolation()
    bwrap = shutil.which("bwrap")
    root = os.geteuid() == 0
    if bwrap is None:
        isolation.missing["namespaces"] = (
            "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
        )
    else:
        probe = [
            bwrap,
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--ro-bind",
            "/",
            "/",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "true",
        ]
        if not root:
            probe.insert(1, "--unshare-user")
        result = subprocess.run(probe, capture_output=True, text=True, timeout=30)
        if result.returncode == 0:
            isolation.layers["namespaces"] = "bubblewrap: mount, pid, net, ipc, uts"
        else:
            isolation.missing["namespaces"] = "bubblewrap cannot create namespaces here: " + (
                result.stderr.strip() or f"exit {result.returncode}"
            )
    if root:
        if shutil.which("setpriv") is None:
            isolation.missing["unprivileged"] = "running as root, but setpriv (util-linux) is missing"
        else:
            isolation.layers["unprivileged"] = (
                "setpriv: own uid per submission, no capabilities, no_new_privs"
            )
    elif "namespaces" in isolation.layers:
        isolation.layers["unprivileged"] = (
            f"the instructor's unprivileged uid {os.geteuid()} in a user namespace"
        )
    else:
        isolation.missing["unprivileged"] = (
            "the submission would run as the instructor's own user with full file access"
        )
    isolation.layers["limits"] = "setrlimit: memory, processes, file size, open files, CPU time"
    return isolation


def require(allow_weak: bool) -> Isolation:
    """The host's Isolation; IsolationUnavailable when a layer is missing and `allow_weak` is False."""
    isolation = detect()
    if not isolation.complete and not allow_weak:
        missing = "; ".join(f"{layer}: {reason}" for layer, reason in isolation.missing.items())
        raise IsolationUnavailable(
            f"cannot sandbox submissions on this host ({missing}). Install what is missing, or pass "
            f"--allow-weak-isolation to grade anyway (the report marks those rows)"
        )
    return isolation


MATPLOTLIB_CACHE_IN_SANDBOX = "/opt/matplotlib-cache"


def matplotlib_font_cache() -> Path | None:
    """The grader's matplotlib font list (fontlist-v*.json), if it has one: copied into each
    sandbox so that matplotlib does not rebuild it for every submission (about a second)."""
    folders = [
        os.environ.get("MPLCONFIGDIR"),
        os.path.join(Path.home(), ".cache", "matplotlib"),
        os.path.join(Path.home(), ".matplotlib"),
    ]
    for folder in folders:
        if folder and Path(folder).is_dir():
            found = sorted(Path(folder).glob("fontlist-v*.json"))
            if found:
                return found[-1]
    return None


def sandbox_command(
    python_args: Sequence[str],
    *,
    files_dir: str | Path,
    env: dict[str, str],
    isolation: Isolation,
    limits: Limits,
    uid: int | None,
) -> list[str]:
    """The argv that starts `python python_args...` in the sandbox (or plainly, in weak mode)."""
    if "namespaces" not in isolation.layers:
        return [sys.executable, *python_args]
    root = os.geteuid() == 0
    command = [
        "bwrap",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
    ]
    if not root:
        command.append("--unshare-user")
    for key, value in env.items():
        command += ["--setenv", key, value]
    for name in ("usr", "etc"):
        command += ["--ro-bind", f"/{name}", f"/{name}"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            command += ["--ro-bind", str(path), str(path)]
    command += [
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--size",
        str(limits.scratch_bytes),
        "--tmpfs",
        "/tmp",
        "--perms",
        "1777",
        "--size",
        str(limits.scratch_bytes),
        "--tmpfs",
        WORKDIR_IN_SANDBOX,
    ]
    made = {"/", "/usr", "/etc", "/tmp", "/proc", "/dev", WORKDIR_IN_SANDBOX}
    binds = visible_paths()
    for path in binds:
        command += _parents(path, made) + ["--ro-bind", path, path]
    for path in hidden_paths(binds):
        command += ["--tmpfs", path]  # an empty folder over anything answer-bearing below a bind
    command += _parents(DRIVER_IN_SANDBOX, made) + ["--ro-bind", str(DRIVER), DRIVER_IN_SANDBOX]
    command += _parents(FILES_IN_SANDBOX, made) + ["--ro-bind", str(files_dir), FILES_IN_SANDBOX]
    font_cache = matplotlib_font_cache()
    if font_cache is not None:
        inside = f"{MATPLOTLIB_CACHE_IN_SANDBOX}/{font_cache.name}"
        command += _parents(inside, made) + [
            "--ro-bind",
            str(font_cache),
            inside,
            "--setenv",
            "AUTOGRADER_MPL_FONT_CACHE",
            inside,
        ]
    data = env.get("CIFAR10_DIR")
    if data:
        command += _parents(data, made) + ["--ro-bind", data, data]
    command += ["--chdir", WORKDIR_IN_SANDBOX, "--"]
    if root:
        command += [
            "setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--no-new-privs",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--",
        ]
    return command + [sys.executable, *python_args]


def visible_paths() -> list[str]:
    """Host folders the sandbox sees read-only: the interpreter, its packages and `course`."""
    candidates = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        str(Path(sys.executable).resolve().parent.parent),
    }
    for key in ("purelib", "platlib", "stdlib", "platstdlib"):
        candidates.add(sysconfig.get_paths().get(key, ""))
    for entry in sys.path:
        if entry and Path(entry).name in ("site-packages", "dist-packages"):
            candidates.add(entry)
    course = importlib.util.find_spec("course")
    if course is not None and course.submodule_search_locations:
        candidates.add(list(course.submodule_search_locations)[0])
    resolved = set()
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            path = str(Path(candidate).resolve())
            if not path.startswith(("/usr/", "/etc/")) and path not in ("/usr", "/etc", "/"):
                resolved.add(path)
    # Keep only outermost folders: binding a parent after its child would hide the child's bind.
    outermost = [p for p in sorted(resolved) if not any(p != q and p.startswith(q + "/") for q in resolved)]
    return outermost


def hidden_paths(binds: Sequence[str]) -> list[str]:
    """Folders of `solutions`/`autograder` that lie inside a visible folder (a non-editable install)."""
    hidden = []
    for name in HIDDEN_PACKAGES:
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            path = str(Path(location).resolve())
            if any(path == b or path.startswith(b + "/") for b in binds) or path.startswith("/usr/"):
                hidden.append(path)
    return hidden


def _parents(path, made):
    """bwrap arguments that create each missing parent folder of `path` world-traversable."""
    arguments = []
    parts = Path(path).parts
    for depth in range(2, len(parts)):
        parent = str(Path(*parts[:depth]))
        if parent not in made:
            made.add(parent)
            arguments += ["--perms", "0755", "--dir", parent]
    return arguments


def limit_resources(limits: Limits, processes_base: int = 0) -> Callable[[], None]:
    """preexec_fn: the limits, set in the child before it execs the sandbox (inherited from there)."""

    def apply():
        os.setsid()
        for which, value in (
            (resource.RLIMIT_AS, limits.memory_bytes),
            (resource.RLIMIT_NPROC, processes_base + limits.processes),
            (resource.RLIMIT_FSIZE, limits.file_size_bytes),
            (resource.RLIMIT_NOFILE, limits.open_files),
            (resource.RLIMIT_CPU, limits.cpu_seconds),
            (resource.RLIMIT_CORE, 0),
        ):
            resource.setrlimit(which, (value, value))
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)

    return apply


def sandbox_uid() -> int:
    """A user id no other running grading shares: derived from this (trusted) process's pid."""
    return UID_BASE + os.getpid()


def kill_uid(uid: int) -> None:
    """SIGKILL every process of `uid` (belt and braces: the PID namespace already ends them)."""
    try:
        import psutil
    except ImportError:
        return
    for process in psutil.process_iter(["uids"]):
        try:
            if process.info["uids"] and process.info["uids"].real == uid:
                process.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
