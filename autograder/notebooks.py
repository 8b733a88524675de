"""Reading nbgrader notebooks: cell roles, solution and hidden-test regions, points.

The cell predicates mean what nbgrader.utils' is_solution / is_grade mean, and the delimiters
are the ones nbgrader's ClearSolutions / ClearHiddenTests use with this repository's
nbgrader_config.py; tests/test_nbgrader_conventions.py checks both against nbgrader itself.
They are not imported from nbgrader, for two reasons: `import nbgrader.utils` imports all of
nbgrader, measured at 4.2-5.0 s (load average 6.8, 2 cores) against 0.7 s for this whole
module, and this module runs in every autograder command and grading worker; and
nbgrader.utils raises AttributeError on a cell whose metadata says `"nbgrader": null`, which a
hostile submission can send, where these treat it as an ordinary cell.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import nbformat

BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"
BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)


class InvalidNotebook(ValueError):
    """A file that is not a readable Jupyter notebook (bad JSON or bad notebook structure)."""


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """Read a notebook file as nbformat v4, or raise InvalidNotebook saying why."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidNotebook(f"{path.name}: not UTF-8 text, so not a notebook") from None
    return parse_notebook(text, name=path.name)


def parse_notebook(text: str | bytes, name: str = "notebook") -> nbformat.NotebookNode:
    """Parse notebook JSON text (str or bytes), or raise InvalidNotebook saying why."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidNotebook(f"{name}: not UTF-8 text, so not a notebook") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidNotebook(f"{name}: not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(raw, dict) or "cells" not in raw or "nbformat" not in raw:
        raise InvalidNotebook(f"{name}: JSON, but not a Jupyter notebook (no 'cells'/'nbformat')")
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # nbformat raises several types for malformed notebooks
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InvalidNotebook(f"{name}: not a valid notebook ({first_line})") from None
    return notebook


def nbgrader_metadata(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell: dict) -> str | None:
    return nbgrader_metadata(cell).get("grade_id")


def is_solution_cell(cell: dict) -> bool:
    return bool(nbgrader_metadata(cell).get("solution"))


def is_autograded_test(cell: dict) -> bool:
    """A code cell nbgrader grades automatically: `grade: true`, not a solution, not a task."""
    meta = nbgrader_metadata(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def points(cell: dict) -> float:
    return float(nbgrader_metadata(cell).get("points") or 0.0)


def autograded_points(notebook: nbformat.NotebookNode) -> float:
    """Total points of the autograded test cells: the most a correct submission can get unassisted."""
    return sum(points(cell) for cell in notebook.cells if is_autograded_test(cell))


def is_manual_answer(cell: dict) -> bool:
    """A cell graded by hand in the formgrader: `grade` and `solution` (a written answer)."""
    meta = nbgrader_metadata(cell)
    return bool(meta.get("grade")) and bool(meta.get("solution"))


def manual_points(notebook: nbformat.NotebookNode) -> float:
    """Total points of the cells graded by hand (written answers): pending until a grader scores them."""
    return sum(points(cell) for cell in notebook.cells if is_manual_answer(cell))


def source_lines(cell: dict) -> list[str]:
    source = cell.get("source", "")
    return (source if isinstance(source, str) else "".join(source)).split("\n")


def region_lines(cell: dict, begin: str, end: str) -> list[str]:
    """Lines strictly between `begin` and `end` marker lines (all regions of the cell, in order)."""
    inside, lines = False, []
    for line in source_lines(cell):
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            lines.append(line)
    return lines


def public_lines(
    cell: dict,
    regions: Iterable[tuple[str, str]] = ((BEGIN_SOLUTION, END_SOLUTION), (BEGIN_HIDDEN, END_HIDDEN)),
) -> list[str]:
    """Lines outside every begin..end region, markers excluded: what a release keeps of the cell."""
    kept, closing = [], None
    for line in source_lines(cell):
        if closing is None:
            opening = next((end for begin, end in regions if begin in line), None)
            if opening is not None:
                closing = opening
            elif not any(end in line for _, end in regions):
                kept.append(line)
        elif closing in line:
            closing = None
    return kept


def hidden_region_span(cell: dict) -> tuple[int, int] | None:
    """(first, last) 1-based line numbers of the hidden-test region, markers included; None if absent."""
    first = last = None
    for number, line in enumerate(source_lines(cell), start=1):
        if BEGIN_HIDDEN in line and first is None:
            first = number
        if END_HIDDEN in line:
            last = number
    if first is None:
        return None
    return first, (last if last is not None else len(source_lines(cell)))


def without_region(source: str, begin: str, end: str, replacement: str | None = None) -> str:
    """`source` with every begin..end region (markers included) removed, or replaced by one line."""
    kept, inside = [], False
    for line in source.split("\n"):
        if begin in line:
            inside = True
            if replacement is not None:
                indent = line[: len(line) - len(line.lstrip())]
                kept.append(indent + replacement)
        elif end in line and inside:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def without_marker_lines(source: str, begin: str, end: str) -> str:
    """`source` with the marker lines themselves removed and the region's body kept."""
    return "\n".join(line for line in source.split("\n") if begin not in line and end not in line)


def notebook_files(folder: str | Path) -> list[Path]:
    """Notebook paths directly inside `folder`, sorted, checkpoints excluded."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if not p.name.startswith("."))
