"""The grader's side of one sandboxed submission: run its cells, call its functions, read replies as data.

Everything that comes back from the sandbox is untrusted: frames are size-limited JSON, values are
decoded by `driver.decode` into numbers, strings, containers and numeric arrays only, and every
status (timed out, exited) comes from what this process observed with its own clock and its own
view of the child process, never from names the student's code can raise or print.
"""

from __future__ import annotations

import builtins
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..sandbox import driver as wire
from . import isolation as iso

MAX_FRAME_BYTES = 64 * iso.MIB
START_SECONDS = 60
# After its own alarm the driver needs a moment to answer; past this the sandbox is killed.
GRACE_SECONDS = 5
MAX_OUTPUTS_PER_CELL = 200
MAX_TEXT = wire.MAX_TEXT_PER_CELL


class StudentRaised:
    """Mixin of every exception that stands for something the student's code raised or did."""


_STUDENT_ERRORS = {}


def student_error(ename: str, message: str) -> Exception:
    """An exception for a student's failure: an instance of the builtin class `ename` names
    (so `check_raises(..., ValueError)` can tell), marked StudentRaised; never a grader error."""
    base = getattr(builtins, ename, None) if ename in wire.REPORTED_EXCEPTIONS else None
    if base is None or ename == "StopIteration":
        base = Exception
    if base not in _STUDENT_ERRORS:
        try:
            # Named like the builtin, so messages read "raised ValueError: ...".
            _STUDENT_ERRORS[base] = type(base.__name__, (base, StudentRaised), {})
        except TypeError:  # a builtin whose layout forbids a second base
            _STUDENT_ERRORS[base] = type("Exception", (Exception, StudentRaised), {})
    return _STUDENT_ERRORS[base](message)


@dataclass
class CellResult:
    outputs: list = field(default_factory=list)
    error: dict = None
    timed_out: bool = False
    exited: bool = False
    seconds: float = 0.0


class SandboxSession:
    """One submission's sandbox: start() once, then run_cell() and call(), then close()."""

    def __init__(self, files_dir, *, env, isolation, limits):
        self.files_dir, self.env, self.isolation, self.limits = Path(files_dir), dict(env), isolation, limits
        self.process, self.dead, self.death = None, False, ""
        self.uid = iso.sandbox_uid()

    # -- life cycle
    def start(self):
        os.chmod(self.files_dir, 0o755)  # the sandbox's own user reads the submission's files
        request_read, self.request_write = os.pipe()
        self.reply_read, reply_write = os.pipe()
        sandboxed = "namespaces" in self.isolation.layers
        driver_path = iso.DRIVER_IN_SANDBOX if sandboxed else str(iso.DRIVER)
        env = dict(self.env)
        env["AUTOGRADER_FILES"] = iso.FILES_IN_SANDBOX if sandboxed else str(self.files_dir)
        command = iso.sandbox_command(
            ["-I", "-X", "utf8", driver_path, str(request_read), str(reply_write), str(MAX_FRAME_BYTES)],
            files_dir=self.files_dir,
            env=env,
            isolation=self.isolation,
            limits=self.limits,
            uid=self.uid,
        )
        self.workdir = None
        cwd = None
        if not sandboxed:
            self.workdir = tempfile.TemporaryDirectory(prefix="autograder-weak-")
            cwd = self.workdir.name
        self.log = tempfile.TemporaryFile()
        base = _process_count() if os.geteuid() != 0 else 0
        self.process = subprocess.Popen(
            command,
            pass_fds=(request_read, reply_write),
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=self.log,
            cwd=cwd,
            env=env if not sandboxed else _host_env(),
            preexec_fn=iso.limit_resources(self.limits, base),
        )
        os.close(request_read)
        os.close(reply_write)
        try:
            hello = wire.read_frame(self.reply_read, MAX_FRAME_BYTES, time.monotonic() + START_SECONDS)
        except (EOFError, TimeoutError, ValueError) as error:
            self.close()
            raise SandboxStartError(f"the sandbox did not start ({error}): {self.log_tail()}") from None
        if hello.get("op") != "hello":
            self.close()
            raise SandboxStartError(f"the sandbox answered {hello!r} instead of hello")
        if os.geteuid() == 0 and "unprivileged" in self.isolation.layers and hello.get("uid") == 0:
            self.close()
            raise SandboxStartError("the sandboxed process runs as root: refusing to run student code")
        self.hello = hello
        return self

    def close(self):
        if self.process is not None:
            try:
                if not self.dead:
                    wire.write_frame(self.request_write, {"op": "bye"})
            except OSError:
                pass
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.kill()
        for fd in ("request_write", "reply_read"):
            if hasattr(self, fd):
                try:
                    os.close(getattr(self, fd))
                except OSError:
                    pass
                delattr(self, fd)
        if os.geteuid() == 0 and "unprivileged" in self.isolation.layers:
            iso.kill_uid(self.uid)
        if getattr(self, "workdir", None) is not None:
            self.workdir.cleanup()
            self.workdir = None

    def kill(self):
        """End the sandbox and everything in it (its own session and PID namespace)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.kill()
        except ProcessLookupError:
            pass
        self.process.wait()
        if os.geteuid() == 0 and "unprivileged" in self.isolation.layers:
            iso.kill_uid(self.uid)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def log_tail(self, size=2000):
        try:
            self.log.seek(0, 2)
            end = self.log.tell()
            self.log.seek(max(0, end - size))
            return self.log.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""

    def _mark_dead(self, why):
        self.dead, self.death = True, why
        self.kill()

    # -- requests
    def run_cell(self, source, index, timeout):
        """Run one cell; a CellResult whose status flags come from this side's observation."""
        result = CellResult()
        if self.dead:
            result.exited = True
            return result
        start = time.monotonic()
        try:
            wire.write_frame(
                self.request_write, {"op": "exec", "source": source, "cell": index, "seconds": timeout}
            )
            while True:
                reply = wire.read_frame(self.reply_read, MAX_FRAME_BYTES, start + timeout + GRACE_SECONDS)
                if reply.get("op") == "callback":  # no grader input is live outside a call
                    wire.write_frame(
                        self.request_write,
                        {
                            "op": "callback_error",
                            "ename": "RuntimeError",
                            "evalue": "no grader call is running",
                        },
                    )
                    continue
                break
        except TimeoutError:
            result.timed_out = True
            self._mark_dead(f"cell {index} ran past {timeout:g} s and did not stop when interrupted")
        except (EOFError, OSError):
            result.exited = True
            self._mark_dead(f"the notebook's process exited while running cell {index}")
        except ValueError as error:
            result.exited = True
            self._mark_dead(
                f"the notebook's process sent unreadable data while running cell {index} ({error})"
            )
        else:
            result.outputs = _outputs(reply.get("outputs"))
            result.error = _error(reply.get("error"))
        result.seconds = time.monotonic() - start
        if result.seconds >= timeout:
            result.timed_out = True
        return result

    def call(self, name, args, kwargs, deadline):
        """Call the notebook's function `name`; its return value as data, or a StudentRaised error."""
        if self.dead:
            raise student_error("RuntimeError", f"not run: {self.death}")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise student_error("RuntimeError", "not run: the hidden tests of this cell ran out of time")
        handles = []
        try:
            request = {
                "op": "call",
                "name": name,
                "args": wire.encode(tuple(args), handles),
                "kwargs": wire.encode(dict(kwargs), handles),
                "seconds": remaining,
            }
        except wire.WireError as error:
            from .harness import GraderError

            raise GraderError(f"a hidden input of {name} cannot be sent to the sandbox: {error}") from None
        try:
            wire.write_frame(self.request_write, request)
            while True:
                reply = wire.read_frame(self.reply_read, MAX_FRAME_BYTES, deadline + GRACE_SECONDS)
                if reply.get("op") != "callback":
                    break
                self._serve_callback(reply, handles)
        except TimeoutError:
            self._mark_dead(f"{name} ran past the time limit and did not stop when interrupted")
            raise student_error("RuntimeError", "did not finish within the time limit") from None
        except (EOFError, OSError):
            self._mark_dead(f"the notebook's process exited during a call of {name}")
            raise student_error("RuntimeError", "the notebook's process exited during this call") from None
        except ValueError as error:
            self._mark_dead(f"the notebook's process sent unreadable data during a call of {name}")
            raise student_error("RuntimeError", f"sent unreadable data ({error})") from None
        if time.monotonic() >= deadline:
            raise student_error("RuntimeError", "did not finish within the time limit")
        if reply.get("op") == "raised":
            raise student_error(str(reply.get("ename")), _text(reply.get("evalue"), 2000))
        if reply.get("op") != "returned":
            raise student_error("RuntimeError", "answered with something that is not a result")
        try:
            value = wire.decode(reply.get("value"))
            args_after = wire.decode(reply.get("args_after"))
            kwargs_after = wire.decode(reply.get("kwargs_after"))
        except (wire.WireError, ValueError, TypeError, RecursionError) as error:
            raise student_error("TypeError", f"returned a value that cannot be graded ({error})") from None
        _write_back(list(args), args_after if isinstance(args_after, tuple) else ())
        _write_back(kwargs, kwargs_after)
        return value

    def _serve_callback(self, message, handles):
        try:
            target = handles[int(message.get("handle"))]
            if message.get("method") == "next":
                value = next(target)
            else:
                args = wire.decode(message.get("args"))
                kwargs = wire.decode(message.get("kwargs"))
                value = target(
                    *(args if isinstance(args, tuple) else ()), **(kwargs if isinstance(kwargs, dict) else {})
                )
            reply = {"op": "callback_result", "value": wire.encode(value, handles)}
        except StopIteration:
            reply = {"op": "callback_error", "ename": "StopIteration", "evalue": ""}
        except Exception as error:  # the instructor's input function failed on the student's data
            name = type(error).__name__
            reply = {
                "op": "callback_error",
                "ename": name if name in wire.REPORTED_EXCEPTIONS else "RuntimeError",
                "evalue": str(error)[:500],
            }
        wire.write_frame(self.request_write, reply)


class SandboxStartError(RuntimeError):
    """The sandbox could not be started: a problem of the grading host, not of the student."""


def _write_back(original, after):
    """Copy in-place changes the student's code made to its inputs onto the grader's objects,
    so the harness's mutation checks see them (a pure function changes nothing here). `after`
    holds None where a value could not be sent back (the grader's own functions): unchanged."""
    if isinstance(original, dict) and isinstance(after, dict):
        for key in list(original):
            if key not in after and type(key) in (str, int):
                del original[key]
        for key, changed in after.items():
            if key in original and (changed is None or _updated_in_place(original[key], changed)):
                continue
            original[key] = changed
    elif isinstance(original, list) and isinstance(after, (list, tuple)):
        for index, (item, changed) in enumerate(zip(original, after, strict=False)):
            if changed is None or _updated_in_place(item, changed):
                continue
            original[index] = changed
        if len(after) != len(original):
            original[len(after) :] = []
            original.extend(after[len(original) :])


def _updated_in_place(item, changed):
    """True when `item` now holds `changed` (arrays copied into, containers updated); False
    when the caller must put `changed` in its place (numbers, strings, a reshaped array)."""
    import numpy as np

    if isinstance(item, np.ndarray):
        if isinstance(changed, np.ndarray) and item.shape == changed.shape and item.flags.writeable:
            np.copyto(item, changed, casting="unsafe")
            return True
        return False
    if (
        isinstance(item, dict)
        and isinstance(changed, dict)
        or isinstance(item, list)
        and isinstance(changed, (list, tuple))
    ):
        _write_back(item, changed)
        return True
    if isinstance(item, tuple) and isinstance(changed, (list, tuple)) and len(item) == len(changed):
        # a tuple cannot change, what it holds can
        for part, changed_part in zip(item, changed, strict=False):
            if changed_part is not None:
                _updated_in_place(part, changed_part)
        return True
    return False


def _text(value, limit=MAX_TEXT):
    return value[:limit] if isinstance(value, str) else ""


def _outputs(raw_outputs):
    """Notebook outputs rebuilt from the driver's reply: streams, text and PNG images only."""
    import base64
    import binascii

    from nbformat.v4 import new_output

    outputs = []
    for raw in raw_outputs if isinstance(raw_outputs, list) else []:
        if len(outputs) >= MAX_OUTPUTS_PER_CELL or not isinstance(raw, dict):
            break
        kind = raw.get("output_type")
        if kind == "stream" and raw.get("name") in ("stdout", "stderr"):
            outputs.append(new_output("stream", name=raw["name"], text=_text(raw.get("text"))))
        elif kind in ("display_data", "execute_result") and isinstance(raw.get("data"), dict):
            data = {"text/plain": _text(raw["data"].get("text/plain"))}
            png = raw["data"].get("image/png")
            if isinstance(png, str) and len(png) <= 2 * wire.MAX_PNG_BYTES:
                try:
                    if base64.b64decode(png, validate=True).startswith(b"\x89PNG\r\n\x1a\n"):
                        data["image/png"] = png
                except (binascii.Error, ValueError):
                    pass
            if kind == "execute_result":
                outputs.append(new_output("execute_result", data=data, execution_count=None))
            else:
                outputs.append(new_output("display_data", data=data))
    return outputs


def _error(raw):
    if not isinstance(raw, dict):
        return None
    traceback = raw.get("traceback")
    traceback = [_text(line, 50_000) for line in traceback[:5]] if isinstance(traceback, list) else []
    return {
        "ename": _text(raw.get("ename"), 200) or "Error",
        "evalue": _text(raw.get("evalue"), 5000),
        "traceback": traceback,
    }


def _host_env():
    """bwrap's own environment (the sandbox gets a clean one through --setenv)."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}


def _process_count():
    try:
        import psutil

        uid = os.getuid()
        return sum(1 for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == uid)
    except Exception:
        return 0
