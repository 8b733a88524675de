"""`grade --dask ADDRESS` / `--dask-local N`: the same sandboxed grading, one Dask task per submission.

Each task gets what one grading needs as bytes (the course's config, the released and source
lesson, a snapshot of the gradebook, the student's submitted files), rebuilds a private course
folder on the worker, and runs exactly the local grading there (`grade_one`: `_autograde-one` in
a child process, the student's code in its sandbox, never in the worker itself). It returns the
executed notebooks, the verdict record and the log as bytes, so workers need no shared
filesystem. Only this coordinating process writes the gradebook and grading/status.json, one
result at a time, as results arrive: nbgrader's SaveAutoGrades runs here on the executed
notebook the worker sent back (`autograder.grader.load.LoadExecutedNotebook`), nothing is run
again. Tasks are idempotent; Dask reschedules a task whose worker was lost, and a task that
still fails for an infrastructure reason is a grader error for that student only.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .grade import GRADER_ERROR, NOT_GRADED, Outcome, _now, grade_one

if TYPE_CHECKING:
    from .course import Course
    from .grade import SandboxOptions

TASK_RETRIES = 2


def course_payload(course: Course, assignment: str) -> dict[str, bytes]:
    """{relative path: bytes} of what a worker needs to grade `assignment` (not the submissions)."""
    files = {"nbgrader_config.py": (course.root / "nbgrader_config.py").read_bytes()}
    for step in ("source", "release"):
        folder = course.assignment_dir(step, assignment)
        for path in sorted(folder.rglob("*")):
            if path.is_file() and ".ipynb_checkpoints" not in path.parts:
                files[str(path.relative_to(course.root))] = path.read_bytes()
    gradebook = course.root / "gradebook.db"
    if gradebook.exists():
        files["gradebook.db"] = gradebook.read_bytes()
    return files


def submission_payload(course: Course, assignment: str, student: str) -> dict[str, bytes]:
    folder = course.assignment_dir("submitted", assignment, student)
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def grade_task(
    course_files: dict[str, bytes],
    submission_files: dict[str, bytes],
    assignment: str,
    student: str,
    settings: dict[str, Any],
) -> dict[str, Any]:
    """Runs on a worker: grade one submission in a private course folder; results as bytes."""
    from .course import Course
    from .grade import SandboxOptions

    with tempfile.TemporaryDirectory(prefix="autograder-task-") as folder:
        root = Path(folder)
        for relative, data in course_files.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(data)
        course = Course.open(root)
        submitted = course.assignment_dir("submitted", assignment, student)
        for relative, data in submission_files.items():
            (submitted / relative).parent.mkdir(parents=True, exist_ok=True)
            (submitted / relative).write_bytes(data)
        outcome = grade_one(
            course,
            assignment,
            student,
            settings["timeout"],
            settings["total_timeout"],
            settings["grading_mode"],
            SandboxOptions(**settings["sandbox"]),
        )
        autograded = course.assignment_dir("autograded", assignment, student)
        notebooks = (
            {p.name: p.read_bytes() for p in sorted(autograded.glob("*.ipynb"))}
            if autograded.is_dir()
            else {}
        )
        log = course.state_dir / "logs" / assignment / f"{student}.log"
        record = course.state_dir / "records" / assignment / f"{student}.json"
        return {
            "outcome": outcome.__dict__,
            "notebooks": notebooks,
            "log": log.read_bytes() if log.exists() else b"",
            "record": record.read_bytes() if record.exists() else b"",
            "worker": os.uname().nodename,
        }


def open_client(address: str | None = None, local_workers: int | None = None) -> tuple[Any, Any]:
    """A distributed.Client on `address`, or on a new LocalCluster of single-threaded workers."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError(
            "grading on Dask needs dask.distributed: pip install 'optdl-course[cluster]'"
        ) from None
    if address:
        return Client(address), None
    cluster = LocalCluster(
        n_workers=local_workers, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    return Client(cluster), cluster


def grade_on_dask(
    course: Course,
    assignment: str,
    to_run: Sequence[str],
    *,
    client: Any,
    timeout: float,
    total_timeout: float,
    grading_mode: bool,
    sandbox: SandboxOptions | None,
    on_result: Callable[[Outcome], object],
) -> None:
    """Grade `to_run` on `client`; calls on_result(outcome) here, in order of arrival."""
    from distributed import as_completed

    settings = {
        "timeout": timeout,
        "total_timeout": total_timeout,
        "grading_mode": grading_mode,
        "sandbox": {
            "allow_weak_isolation": sandbox.allow_weak_isolation,
            "memory_mb": sandbox.memory_mb,
            "processes": sandbox.processes,
        },
    }
    course_files = client.scatter(course_payload(course, assignment), broadcast=True)
    futures = {}
    for student in to_run:
        future = client.submit(
            grade_task,
            course_files,
            submission_payload(course, assignment, student),
            assignment,
            student,
            settings,
            key=f"grade-{assignment}-{student}-{os.getpid()}",
            retries=TASK_RETRIES,
            pure=False,
        )
        futures[future] = student
    for future in as_completed(futures):
        student = futures[future]
        try:
            result = future.result()
        except Exception as error:  # lost workers past Dask's retries, or a broken worker environment
            on_result(
                Outcome(
                    student, assignment, GRADER_ERROR, f"the Dask task failed: {error!r}", graded_at=_now()
                )
            )
            continue
        on_result(record_result(course, assignment, student, result))


def record_result(course: Course, assignment: str, student: str, result: dict[str, Any]) -> Outcome:
    """Write one worker's result into the course: executed notebooks, log, record, gradebook."""
    outcome = Outcome(**result["outcome"])
    logs = course.state_dir / "logs" / assignment
    records = course.state_dir / "records" / assignment
    for folder in (logs, records):
        folder.mkdir(parents=True, exist_ok=True)
    (logs / f"{student}.log").write_bytes(result["log"])
    if result["record"]:
        (records / f"{student}.json").write_bytes(result["record"])
    if outcome.status in (GRADER_ERROR, NOT_GRADED) or not result["notebooks"]:
        return outcome
    with tempfile.TemporaryDirectory(prefix="autograder-executed-") as staging:
        for name, data in result["notebooks"].items():
            (Path(staging) / name).write_bytes(data)
        problem = save_grades(course, assignment, student, staging)
    if problem:
        outcome.status, outcome.detail = GRADER_ERROR, f"the grades could not be saved: {problem}"
    return outcome


def save_grades(course: Course, assignment: str, student: str, staging: Path) -> str | None:
    """nbgrader's autograde in this process with the executed notebooks from `staging` instead of
    running anything: SaveAutoGrades writes the gradebook (the single writer). None, or the error."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )
    from traitlets.config import Config

    from .grader.load import EXECUTED_ENV, LoadExecutedNotebook

    config = Config()
    config.Autograde.autograde_preprocessors = [
        LoadExecutedNotebook,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    previous = os.environ.get(EXECUTED_ENV)
    os.environ[EXECUTED_ENV] = staging
    try:
        result = course.api(config).autograde(assignment, student, force=True, create=True)
    finally:
        if previous is None:
            os.environ.pop(EXECUTED_ENV, None)
        else:
            os.environ[EXECUTED_ENV] = previous
    if result.get("success"):
        return None
    return (result.get("error") or result.get("log") or "nbgrader failed").strip().splitlines()[-1][:300]


def dashboard(client: Any) -> str | None:
    try:
        return client.dashboard_link
    except Exception:  # no dashboard (bokeh missing): nothing to show
        return None


def close(client: Any, cluster: Any) -> None:
    client.close()
    if cluster is not None:
        cluster.close()
