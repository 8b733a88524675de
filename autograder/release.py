"""`release`: student versions of the lessons, then a check that nothing secret got through.

nbgrader's generate_assignment writes release/<assignment>/. Afterwards every released file is
scanned for
- nbgrader's solution and hidden-test markers, and
- the distinctive lines of the source's solution and hidden-test regions: lines that occur in a
  region but nowhere in the public part of the source. A released notebook is the public part plus
  nbgrader's stubs, so such a line in the release can only have come from a region.
Non-notebook files (a stray .py twin, a data file) are scanned the same way.

The same checks run inside nbgrader as GenerateAssignment preprocessors
(autograder.grader.release_checks), so the formgrader's Generate button is checked too.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from .course import CourseError
from .notebooks import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    MARKERS,
    grade_id,
    is_solution_cell,
    notebook_files,
    public_lines,
    read_notebook,
    region_lines,
    source_lines,
)

if TYPE_CHECKING:
    from .course import Course

# Shorter region lines ("return x", ")") are too common to prove where a non-notebook line came from.
MIN_DISTINCTIVE_CHARS = 8


@dataclass
class Leak:
    path: Path
    where: str
    what: str

    def __str__(self):
        return f"{self.path}: {self.where}: {self.what}"


@dataclass
class ReleaseResult:
    assignment: str
    seconds: float
    leaks: list = field(default_factory=list)
    error: str = ""

    @property
    def ok(self):
        return not self.error and not self.leaks


def release(course: Course, assignments: Sequence[str]) -> list[ReleaseResult]:
    """Generate the student version of each assignment and check it; returns [ReleaseResult]."""
    from traitlets.config import Config

    # nbgrader_config.py registers the same scan as a GenerateAssignment preprocessor, which
    # deletes a leaking release; here the whole folder is scanned afterwards instead, so that every
    # leak is listed and the folder stays for inspection.
    extra = Config()
    extra.CheckReleaseForLeaks.enabled = False
    api = course.api(extra)
    results = []
    for assignment in assignments:
        start = time.perf_counter()
        outcome = api.generate_assignment(assignment, force=True, create=True)
        if not outcome["success"]:
            results.append(
                ReleaseResult(
                    assignment,
                    time.perf_counter() - start,
                    error=_last_lines(outcome.get("log", "") + outcome.get("error", "")),
                )
            )
            continue
        release_dir = course.assignment_dir("release", assignment)
        for path in notebook_files(release_dir):
            strip_jupytext_metadata(path)
        leaks = find_leaks(course.step_dir("source") / assignment, release_dir)
        results.append(ReleaseResult(assignment, time.perf_counter() - start, leaks))
    return results


def strip_jupytext_metadata(path: str | Path) -> None:
    """Drop the jupytext pairing so a student's Jupyter does not write a .py twin beside it."""
    notebook = nbformat.read(str(path), as_version=4)
    if "jupytext" in notebook.metadata:
        del notebook.metadata["jupytext"]
        nbformat.write(notebook, str(path))


def secret_lines(source_folder: str | Path) -> set[str]:
    """Distinctive lines of the solution and hidden-test regions of the source notebooks."""
    region, public = set(), set()
    for path in notebook_files(source_folder):
        for cell in read_notebook(path).cells:
            region.update(line.strip() for line in _region_of(cell))
            if not _replaced_whole(cell):
                public.update(line.strip() for line in public_lines(cell))
    return {line for line in region - public if len(line) >= MIN_DISTINCTIVE_CHARS}


def _replaced_whole(cell):
    """nbgrader replaces a solution cell without markers by the stub entirely."""
    return is_solution_cell(cell) and not any(BEGIN_SOLUTION in line for line in source_lines(cell))


def _region_of(cell):
    if _replaced_whole(cell):
        return source_lines(cell)
    return region_lines(cell, BEGIN_SOLUTION, END_SOLUTION) + region_lines(cell, BEGIN_HIDDEN, END_HIDDEN)


def find_leaks(source_folder: str | Path, release_folder: str | Path) -> list[Leak]:
    """Every marker or secret line found in any file under `release_folder`, as Leak objects."""
    secrets = secret_lines(source_folder)
    leaks = []
    for path in sorted(p for p in Path(release_folder).rglob("*") if p.is_file()):
        if path.suffix == ".ipynb":
            leaks.extend(_notebook_leaks(path, secrets))
        else:
            leaks.extend(_file_leaks(path, secrets))
    return leaks


def _notebook_leaks(path, secrets, notebook=None):
    """Leaks in the notebook at `path` (or in `notebook`, its contents, named by `path`)."""
    notebook = read_notebook(path) if notebook is None else notebook
    leaks = []
    for index, cell in enumerate(notebook.cells):
        where = f"cell {index}" + (f" ({grade_id(cell)})" if grade_id(cell) else "")
        texts = [("source", source_lines(cell))]
        for output in cell.get("outputs", []):
            texts.append(("output", _output_text(output).split("\n")))
        for kind, lines in texts:
            for line in lines:
                problem = _line_problem(line, secrets)
                if problem:
                    leaks.append(Leak(path, f"{where} {kind}", problem))
    return leaks


def _file_leaks(path, secrets):
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    leaks = []
    for number, line in enumerate(text.split("\n"), start=1):
        problem = _line_problem(line, secrets)
        if problem:
            leaks.append(Leak(path, f"line {number}", problem))
    return leaks


def _line_problem(line, secrets):
    upper = line.upper()
    for marker in MARKERS:
        if marker in upper:
            return f"nbgrader marker {marker!r}"
    if line.strip() in secrets:
        return f"line from a solution or hidden test: {line.strip()!r}"
    return None


def _output_text(output):
    if "text" in output:
        text = output["text"]
        return text if isinstance(text, str) else "".join(text)
    parts = []
    for value in output.get("data", {}).values():
        parts.append(value if isinstance(value, str) else "".join(value) if isinstance(value, list) else "")
    parts.extend(output.get("traceback", []))
    return "\n".join(parts)


def _last_lines(text, count=15):
    return "\n".join(text.strip().splitlines()[-count:])


def require_released(course: Course, assignment: str) -> None:
    """Raise CourseError unless `assignment` is in the gradebook (i.e. was released)."""
    from nbgrader.api import MissingEntry

    with course.api().gradebook as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(
                f"assignment {assignment!r} is not in the gradebook: run `python -m autograder release "
                f"{assignment}` first"
            ) from None
