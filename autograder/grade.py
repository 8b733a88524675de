"""`grade`: autograde every submission of an assignment, each in its own killable process.

nbgrader's autograde turns a dead kernel or a timeout into an ordinary-looking 0 and exits 0 when
a hidden test could not even import the reference. Here each submission runs
`python -m autograder _autograde-one` in a new session, under a per-cell timeout (nbgrader's
Execute.timeout) and a total time limit (the whole process tree is killed), and the outcome is
classified from what nbgrader left behind:

    graded            nbgrader finished; every cell ran (test failures are the student's)
    timed out         a cell hit the per-cell timeout, or the submission hit the total limit
    kernel died       the kernel exited mid-run (os._exit, segfault, out of memory)
    invalid notebook  the submitted file is not a readable notebook
    missing           the student has no submission (or no notebook) for this assignment
    grader error      the grader failed: GraderError or an ImportError in a test cell, or nbgrader
                      itself failed. Never the student's zero: `grade` exits non-zero.

The status of each (student, assignment) is kept in grading/status.json for report and feedback.
Every submission whose status is not "graded" is removed from nbgrader's gradebook
(autograder.gradebook.withdraw_score), so the formgrader and `nbgrader export` show no score for it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .course import child_environment
from .grader.execute import RECORD_ENV
from .notebooks import InvalidNotebook, notebook_files, read_notebook
from .release import require_released

if TYPE_CHECKING:
    from .course import Course

GRADED = "graded"
TIMED_OUT = "timed out"
KERNEL_DIED = "kernel died"
INVALID = "invalid notebook"
MISSING = "missing"
GRADER_ERROR = "grader error"
NOT_GRADED = "not graded"
REFUSED = "refused by collect"
STATUSES = (GRADED, TIMED_OUT, KERNEL_DIED, INVALID, MISSING, GRADER_ERROR, NOT_GRADED, REFUSED)
DEFAULT_CELL_TIMEOUT = 120
DEFAULT_TOTAL_TIMEOUT = 900
# SQLite waits this long for another worker's write instead of failing with "database is locked".
SQLITE_BUSY_SECONDS = 60


@dataclass
class Outcome:
    student: str
    assignment: str
    status: str
    detail: str = ""
    seconds: float = 0.0
    missing_notebooks: list = field(default_factory=list)
    graded_at: str = ""
    isolation: str = ""
    tests: dict = field(default_factory=dict)

    def record(self):
        record = asdict(self)
        del record["student"], record["assignment"]
        return record


def students_of(course: Course) -> list[str]:
    """Every student with a folder under submitted/, sorted: the class as far as we know it."""
    submitted = course.step_dir("submitted")
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if p.is_dir() and not p.name.startswith("."))


def precheck(course: Course, assignment: str, student: str) -> Outcome | None:
    """An Outcome for submissions that cannot be run (missing, invalid), else None."""
    folder = course.assignment_dir("submitted", assignment, student)
    expected = course.notebook_names(assignment)
    present = [name for name in expected if (folder / f"{name}.ipynb").is_file()]
    if not present:
        return Outcome(
            student, assignment, MISSING, f"no {expected[0]}.ipynb submitted", missing_notebooks=expected
        )
    for name in present:
        try:
            read_notebook(folder / f"{name}.ipynb")
        except InvalidNotebook as error:
            return Outcome(student, assignment, INVALID, str(error))
    return None


def grade(
    course: Course,
    assignment: str,
    *,
    workers: int = 1,
    timeout: float = DEFAULT_CELL_TIMEOUT,
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
    students: Sequence[str] | None = None,
    progress: bool = True,
    grading_mode: bool = True,
    sandbox: SandboxOptions | None = None,
    dask_client: Any = None,
    only_missing: bool = False,
) -> list[Outcome]:
    """Grade every submission of `assignment`; returns [Outcome] sorted by student.

    workers:        submissions graded at the same time (each one process plus its sandbox).
    timeout:        seconds one cell (or one test cell's hidden checks) may run.
    total_timeout:  seconds one submission may take in all before its process tree is killed.
    sandbox:        SandboxOptions (limits; whether weaker isolation is accepted).
    dask_client:    a distributed.Client: grade each submission as a Dask task (autograder.cluster);
                    this process stays the only writer of the gradebook and status.json.
    only_missing:   skip submissions that already have a final status (anything but "not graded"
                    and "grader error"), e.g. after a coordinator crash.
    Raises IsolationUnavailable (before grading anything) when the host cannot sandbox and weak
    isolation was not accepted, and SandboxStartError when the sandbox cannot run the course.
    """
    sandbox = sandbox or SandboxOptions()
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers must be a positive number, got {workers!r}: use 1 or more (an integer)")
    _check_positive("timeout", timeout, "give the per-cell limit in seconds")
    _check_positive("total_timeout", total_timeout, "give the per-submission limit in seconds")
    require_released(course, assignment)
    from .gradebook import withdraw_score

    if dask_client is None:
        from .grader.preflight import check_sandbox

        check_sandbox(sandbox.allow_weak_isolation)
    else:  # every worker must be able to sandbox, before any student is graded there
        from .grader.preflight import check_sandbox

        dask_client.run(check_sandbox, sandbox.allow_weak_isolation)
    students = students_of(course) if students is None else list(students)
    if only_missing:
        done = course.load_status().get(assignment, {})
        students = [s for s in students if done.get(s, {}).get("status") in (None, NOT_GRADED, GRADER_ERROR)]
    expected = course.notebook_names(assignment)

    outcomes, to_run = [], []
    for student in students:
        outcome = precheck(course, assignment, student)
        if outcome is None:
            to_run.append(student)
        else:
            outcomes.append(outcome)

    status = course.load_status()
    by_assignment = status.setdefault(assignment, {})
    for outcome in outcomes:
        by_assignment[outcome.student] = outcome.record()
    # Until its result arrives, each queued submission is "not graded": if the batch stops, the
    # report still lists every student, with the reason.
    for student in to_run:
        by_assignment[student] = Outcome(
            student, assignment, NOT_GRADED, "the grading batch stopped before this submission was graded"
        ).record()
    course.save_status(status)
    # nbgrader's formgrader and exports read the gradebook: no score there unless graded now.
    # (Queued submissions keep theirs, manual grades included, until their own result arrives.)
    for outcome in outcomes:
        withdraw_score(course, assignment, outcome.student)

    from tqdm import tqdm

    bar = tqdm(
        total=len(students),
        desc=f"grading {assignment}",
        unit="submission",
        disable=not progress or None,
        file=sys.stderr,
    )
    for outcome in outcomes:
        _report_progress(bar, outcome, progress)

    def finish(outcome):
        present = {
            p.stem for p in notebook_files(course.assignment_dir("submitted", assignment, outcome.student))
        }
        outcome.missing_notebooks = [name for name in expected if name not in present]
        if outcome.status != GRADED:
            withdraw_score(course, assignment, outcome.student)
        outcomes.append(outcome)
        by_assignment[outcome.student] = outcome.record()
        course.save_status(status)
        _report_progress(bar, outcome, progress)

    if dask_client is not None:
        from .cluster import dashboard, grade_on_dask

        if progress and dashboard(dask_client):
            bar.write(f"  Dask dashboard: {dashboard(dask_client)}", file=sys.stderr)
        grade_on_dask(
            course,
            assignment,
            to_run,
            client=dask_client,
            timeout=timeout,
            total_timeout=total_timeout,
            grading_mode=grading_mode,
            sandbox=sandbox,
            on_result=finish,
        )
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {
                pool.submit(
                    grade_one, course, assignment, student, timeout, total_timeout, grading_mode, sandbox
                ): student
                for student in to_run
            }
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except Exception as error:  # a broken grader for one submission must not stop the batch
                    outcome = Outcome(
                        futures[future],
                        assignment,
                        GRADER_ERROR,
                        f"the grading driver failed: {error!r}",
                        graded_at=_now(),
                    )
                finish(outcome)
    bar.close()
    return sorted(outcomes, key=lambda o: o.student)


def _report_progress(bar, outcome, progress):
    bar.set_postfix_str(f"{outcome.student}: {outcome.status}")
    bar.update(1)
    if progress:
        detail = f" ({outcome.detail})" if outcome.detail and outcome.status != GRADED else ""
        bar.write(f"  {outcome.student:<24} {outcome.status}{detail}", file=sys.stderr)


def grade_one(
    course: Course,
    assignment: str,
    student: str,
    timeout: float,
    total_timeout: float,
    grading_mode: bool = True,
    sandbox: SandboxOptions | None = None,
) -> Outcome:
    """Run one submission's autograde in a subprocess and classify what happened."""
    sandbox = sandbox or SandboxOptions()
    logs = course.state_dir / "logs" / assignment
    records = course.state_dir / "records" / assignment
    for folder in (logs, records):
        folder.mkdir(parents=True, exist_ok=True)
    log_path, record_path = logs / f"{student}.log", records / f"{student}.json"
    record_path.unlink(missing_ok=True)

    env = {RECORD_ENV: str(record_path), "PYTHONUNBUFFERED": "1"}
    if grading_mode:
        env["COURSE_GRADING_MODE"] = "1"
    # Lessons multiply small matrices: a second BLAS thread per kernel gains nothing and, with
    # several workers sharing the cores, made lessons 10-30x slower. An explicit setting wins.
    if "OPENBLAS_NUM_THREADS" not in os.environ:
        env["OPENBLAS_NUM_THREADS"] = "1"
    command = [
        sys.executable,
        "-m",
        "autograder",
        "_autograde-one",
        "--course",
        str(course.root),
        assignment,
        student,
        "--timeout",
        str(int(timeout)),
        "--result",
        str(logs / f"{student}.run.json"),
    ]
    command += sandbox.arguments()
    start = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=child_environment(env),
            cwd=str(course.root),
        )
        try:
            process.wait(timeout=total_timeout)
        except subprocess.TimeoutExpired:
            kill_process_tree(process)
            return Outcome(
                student,
                assignment,
                TIMED_OUT,
                f"exceeded the total limit of {total_timeout:g} s; killed",
                seconds=time.perf_counter() - start,
                graded_at=_now(),
            )
    seconds = time.perf_counter() - start
    outcome = classify(course, assignment, student, record_path, process.returncode)
    outcome.seconds, outcome.graded_at = seconds, _now()
    return outcome


@dataclass
class SandboxOptions:
    """How submissions are isolated: the limits, and whether weaker isolation is accepted."""

    allow_weak_isolation: bool = False
    memory_mb: int = 2048
    processes: int = 64

    def arguments(self):
        arguments = ["--memory-mb", str(self.memory_mb), "--processes", str(self.processes)]
        return arguments + (["--allow-weak-isolation"] if self.allow_weak_isolation else [])

    def config(self, timeout):
        from traitlets.config import Config

        config = Config()
        config.SandboxedExecute.timeout = int(timeout)
        config.SandboxedExecute.allow_weak_isolation = bool(self.allow_weak_isolation)
        config.SandboxedExecute.memory_limit = int(self.memory_mb) * 1024 * 1024
        config.SandboxedExecute.process_limit = int(self.processes)
        return config


def kill_process_tree(process: subprocess.Popen) -> None:
    """SIGKILL a worker, its process group and every descendant (sandboxes run in their own session)."""
    import psutil

    try:
        descendants = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:  # the worker is already gone, and with it the list
        descendants = []
    for child in descendants:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # its group is gone already, or it is not a group leader we may signal
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def classify(course: Course, assignment: str, student: str, record_path: Path, returncode: int) -> Outcome:
    """The Outcome of a finished worker, from the verdict record SandboxedExecute wrote.

    Every status in the record was observed by the grader itself (its clock, the child process);
    nothing the student's code prints or raises is read here.
    """
    if not Path(record_path).exists():
        return Outcome(
            student,
            assignment,
            GRADER_ERROR,
            f"the grading process exited with code {returncode} before reporting; "
            f"see grading/logs/{assignment}/{student}.log",
        )
    try:
        record = json.loads(Path(record_path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        return Outcome(student, assignment, GRADER_ERROR, f"unreadable verdict record: {error}")
    if record.get("status") == "running":
        return Outcome(
            student,
            assignment,
            GRADER_ERROR,
            f"the grading process stopped before it finished (exit code {returncode}); "
            f"see grading/logs/{assignment}/{student}.log",
        )
    status = record.get("status") if record.get("status") in STATUSES else GRADER_ERROR
    if status == GRADED and returncode != 0:
        return Outcome(
            student,
            assignment,
            GRADER_ERROR,
            f"nbgrader could not save the grades (exit {returncode}); "
            f"see grading/logs/{assignment}/{student}.log",
        )
    outcome = Outcome(student, assignment, status, record.get("detail", ""))
    outcome.isolation = record.get("isolation", "")
    outcome.tests = {
        name: {"passed": test.get("passed"), "failures": test.get("failures", [])}
        for name, test in record.get("tests", {}).items()
    }
    return outcome


def autograde_one(
    course: Course,
    assignment: str,
    student: str,
    timeout: float,
    result_path: Path,
    sandbox: SandboxOptions | None = None,
) -> int:
    """Body of the worker process: one nbgrader autograde through the API, result as JSON."""
    sandbox = sandbox or SandboxOptions()
    extra = sandbox.config(timeout)
    coursedir = course.coursedir()
    if coursedir.db_url.startswith("sqlite:///") and "?" not in coursedir.db_url:
        extra.CourseDirectory.db_url = f"{coursedir.db_url}?timeout={SQLITE_BUSY_SECONDS}"
    api = course.api(extra)
    result = api.autograde(assignment, student, force=True, create=True)
    result_path.write_text(
        json.dumps(
            {
                "success": bool(result.get("success")),
                "log": result.get("log", ""),
                "error": result.get("error", ""),
            }
        ),
        encoding="utf-8",
    )
    sys.stdout.write(result.get("log", "") + result.get("error", ""))
    return 0 if result.get("success") else 1


def summarize_times(outcomes: Sequence[Outcome]) -> dict[str, float] | None:
    """Median and total seconds of the submissions that ran."""
    ran = [o.seconds for o in outcomes if o.seconds > 0]
    if not ran:
        return None
    return {"median_s": statistics.median(ran), "total_s": sum(ran), "count": len(ran)}


def _last_error_line(text):
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        if "Error" in line or "error" in line:
            return line[:300]
    return lines[-1][:300] if lines else "no log"


def _check_positive(name, value, hint):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}: {hint}")


def _now():
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
