"""nbgrader preprocessor `SandboxedExecute`: run a submission in its sandbox, decide verdicts here.

Registered in nbgrader_config.py in place of nbgrader's `Execute`, so `python -m autograder grade`,
plain `nbgrader autograde` and the formgrader all grade the same way:

- every code cell runs in the submission's sandbox (autograder.grader.isolation), except the
  hidden-test region of a test cell, which never enters it;
- the hidden-test region runs HERE, in the grader's process: the reference and the comparison are
  computed here, and each student function it names is a proxy that sends the inputs into the
  sandbox and receives the outputs as data. Whatever the student's code does inside, a hidden
  check can only see correct or wrong outputs;
- a test cell scores its points when its visible tests ran without an error and every hidden
  check passed; stderr output (warnings, logging) never costs points;
- statuses come from this side's own observation: a cell still running at the per-cell limit is
  "timed out", a process that exited while running a cell is "kernel died"; the student's
  exception names mean nothing here. A process that dies while serving hidden-test calls fails
  the calls it did not answer; later cells are not run and score nothing.

The verdict record (status, detail, per-test results, isolation) goes to the JSON file named by
the AUTOGRADER_RECORD environment variable (set by `grade`), when there is one.
"""

from __future__ import annotations

import ast
import builtins
import json
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Integer

from ..notebooks import BEGIN_HIDDEN, END_HIDDEN, grade_id, is_autograded_test, region_lines, without_region
from . import harness
from . import isolation as iso
from .session import SandboxSession, SandboxStartError, StudentRaised

RECORD_ENV = "AUTOGRADER_RECORD"
GRADED, TIMED_OUT, KERNEL_DIED, GRADER_ERROR = "graded", "timed out", "kernel died", "grader error"
# Host settings a lesson run needs inside the sandbox; nothing else of the host's environment goes in.
PASSED_ENV = ("COURSE_GRADING_MODE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# Names a hidden-test block may use without importing them (besides the student's functions).
HIDDEN_GLOBALS = ("np",)


class SandboxedExecute(NbGraderPreprocessor):
    """Execute a submission in a sandbox; verdicts of hidden tests decided in this process."""

    timeout = Integer(120, help="Seconds one cell (or one test cell's hidden checks) may run.").tag(
        config=True
    )
    allow_weak_isolation = Bool(False, help="Grade even when an isolation layer is missing.").tag(config=True)
    memory_limit = Integer(iso.Limits.memory_bytes, help="Bytes of address space.").tag(config=True)
    process_limit = Integer(iso.Limits.processes, help="Processes and threads.").tag(config=True)
    file_size_limit = Integer(iso.Limits.file_size_bytes, help="Bytes per written file.").tag(config=True)
    open_files_limit = Integer(iso.Limits.open_files, help="Open file descriptors.").tag(config=True)
    cpu_time_limit = Integer(iso.Limits.cpu_seconds, help="CPU seconds in all.").tag(config=True)
    scratch_limit = Integer(iso.Limits.scratch_bytes, help="Bytes in the scratch folder and in /tmp.").tag(
        config=True
    )

    def limits(self):
        limits = iso.Limits(
            self.memory_limit,
            self.process_limit,
            self.file_size_limit,
            self.open_files_limit,
            self.cpu_time_limit,
            self.scratch_limit,
        )
        limits.check()
        return limits

    def preprocess(self, nb, resources):
        record = {"status": GRADED, "detail": "", "tests": {}, "isolation": ""}
        try:
            isolation = iso.require(self.allow_weak_isolation)
            record["isolation"] = isolation.describe()
            self._run(nb, resources, isolation, record)
        except (iso.IsolationUnavailable, SandboxStartError, harness.GraderError) as error:
            record.update(status=GRADER_ERROR, detail=f"{type(error).__name__}: {error}")
        finally:
            _write_record(record)
        if record["status"] == GRADER_ERROR:
            raise harness.GraderError(record["detail"])
        return nb, resources

    def _run(self, nb, resources, isolation, record):
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        with tempfile.TemporaryDirectory(prefix="autograder-files-") as files:
            _copy_submission(folder, Path(files))
            session = SandboxSession(files, env=sandbox_env(), isolation=isolation, limits=self.limits())
            record["sandbox_uid"] = session.uid
            # Written now too, so that even if this process is killed (total limit) the record
            # says which user id the sandbox ran as; "running" is not a status `grade` accepts.
            _write_record(dict(record, status="running"))
            with session:
                count = 0
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    count += 1
                    self._run_cell(session, cell, index, count, record)

    def _run_cell(self, session, cell, index, count, record):
        test = is_autograded_test(cell)
        visible, hidden = split_hidden(cell.source) if test else (cell.source, None)
        if session.dead:
            cell.outputs = [_error_output("NotRun", f"not run: {session.death}")]
            cell.execution_count = None
            if test:
                record["tests"][grade_id(cell)] = {"passed": False, "failures": [f"not run: {session.death}"]}
            return
        result = session.run_cell(visible, index, self.timeout)
        cell.execution_count = count
        outputs = list(result.outputs)
        if result.error is not None:
            outputs.append(
                _error_output(result.error["ename"], result.error["evalue"], result.error["traceback"])
            )
        if result.timed_out and record["status"] == GRADED:
            record.update(
                status=TIMED_OUT, detail=f"cell {index}" + _named(cell) + f" exceeded {self.timeout:g} s"
            )
            outputs.append(
                _error_output("TimeLimit", f"this cell was still running after {self.timeout:g} s")
            )
        elif result.exited and record["status"] == GRADED:
            record.update(
                status=KERNEL_DIED, detail=f"the notebook's process exited in cell {index}" + _named(cell)
            )
            outputs.append(
                _error_output("ProcessExited", "the notebook's process exited while running this cell")
            )
        if test:
            verdict = run_hidden(hidden, grade_id(cell), session, time.monotonic() + self.timeout)
            record["tests"][grade_id(cell)] = verdict
            outputs = [_harmless(output) for output in outputs]
            if not verdict["passed"]:
                outputs.append(_error_output("HiddenTestFailure", verdict["message"]))
        cell.outputs = outputs


def split_hidden(source: str) -> tuple[str, str]:
    """(visible part, hidden-test region) of a test cell's source; the region without markers."""
    return (
        without_region(source, BEGIN_HIDDEN, END_HIDDEN),
        "\n".join(region_lines({"source": source}, BEGIN_HIDDEN, END_HIDDEN)),
    )


def student_names(code: str) -> list[str]:
    """Names a hidden block uses but neither defines nor imports: the student's functions (and np)."""
    tree = ast.parse(code)
    bound, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return sorted(loaded - bound - set(dir(builtins)) - set(HIDDEN_GLOBALS))


class StudentFunction:
    """Stands for the notebook's function `name` in the hidden tests: calls cross into the sandbox."""

    def __init__(self, session, name, deadline):
        self.session, self.__name__, self.deadline = session, name, deadline

    def __call__(self, *args, **kwargs):
        return self.session.call(self.__name__, args, kwargs, self.deadline)

    def __repr__(self):
        return f"<the notebook's {self.__name__}>"


def run_hidden(code: str, test_name: str, session: Any, deadline: float) -> dict[str, Any]:
    """Run one hidden-test block here; {"passed", "failures", "message", "checks", "misconceptions"}.

    Each student function is a harness.StandIn around its sandbox proxy, so that a failed check
    can rerun the block's calls with the bank's known-wrong variants (here, never in the sandbox).
    "checks" holds each check's per-case results and the misconceptions it found.
    """
    import numpy

    namespace = {"__name__": "hidden_tests", "np": numpy}
    for name in student_names(code):
        namespace[name] = harness.StandIn(name, StudentFunction(session, name, deadline))
    message = ""
    with (
        harness.recording() as checks,
        harness.fingerprinting(namespace.values()),
        warnings.catch_warnings(),
        numpy.errstate(all="ignore"),
    ):
        warnings.simplefilter("ignore")
        try:
            exec(compile(code, f"<hidden tests of {test_name}>", "exec"), namespace)
        except harness.HiddenTestFailure as failure:
            message = str(failure)
        except harness.GraderError:
            raise
        except Exception as error:
            if not isinstance(error, StudentRaised):
                raise harness.GraderError(
                    f"the hidden tests of {test_name} failed: {type(error).__name__}: {error}"
                ) from None
            message = f"{test_name}: your code raised {_builtin_name(error)} outside a hidden check"
    failures = [f for check in checks for f in check["failures"]]
    passed = not message and all(check["passed"] for check in checks)
    return {
        "passed": passed,
        "failures": failures,
        "message": message or "; ".join(failures),
        "checks": checks,
        "misconceptions": sorted({m["key"] for check in checks for m in check.get("misconceptions", [])}),
    }


def _builtin_name(error):
    return next((k.__name__ for k in type(error).__mro__ if k.__module__ == "builtins"), "an error")


def sandbox_env() -> dict[str, str]:
    """The sandbox's whole environment: paths inside it, the grading settings, the data folder."""
    env = {
        "HOME": "/tmp",
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    env.update({key: os.environ[key] for key in PASSED_ENV if key in os.environ})
    data = cifar10_dir()
    if data:
        env["CIFAR10_DIR"] = data
    return env


def cifar10_dir() -> str | None:
    """The CIFAR-10 folder the grader can see ($CIFAR10_DIR or the user cache), made visible read-only."""
    try:
        from course.data import BATCH_FOLDER, DATA_DIR_ENV, default_cache_dir
    except ImportError:
        return None
    for folder in (os.environ.get(DATA_DIR_ENV), str(default_cache_dir() / BATCH_FOLDER)):
        if folder and (Path(folder) / "data_batch_1").is_file():
            return str(Path(folder).resolve())
    return None


def _copy_submission(folder, target):
    """The submission's files (not nbgrader's bookkeeping) into a folder the sandbox sees read-only."""
    for path in folder.iterdir() if folder.is_dir() else []:
        if path.is_symlink() or path.name in (".ipynb_checkpoints", "timestamp.txt"):
            continue
        if path.is_file():
            shutil.copy2(path, target / path.name)
        elif path.is_dir():
            shutil.copytree(path, target / path.name, symlinks=False, ignore_dangling_symlinks=True)
    os.chmod(target, 0o755)
    for path in target.rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def _harmless(output):
    """In a test cell: stderr is shown as ordinary text and a displayed value is not partial credit."""
    if output.get("output_type") == "stream" and output.get("name") == "stderr":
        return new_output("stream", name="stdout", text=output.get("text", ""))
    if output.get("output_type") == "execute_result":
        return new_output("display_data", data=output.get("data", {}))
    return output


def _error_output(ename, evalue, traceback=None):
    return new_output("error", ename=ename, evalue=evalue, traceback=traceback or [f"{ename}: {evalue}"])


def _named(cell):
    return f" ({grade_id(cell)})" if grade_id(cell) else ""


def _write_record(record):
    path = os.environ.get(RECORD_ENV)
    if path:
        temporary = f"{path}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(record, handle, default=str)
        os.replace(temporary, path)
