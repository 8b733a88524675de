"""nbgrader preprocessor `RestoreReleaseCells`: the release, not the student, says which cells are graded.

Runs first among nbgrader's sanitizing preprocessors (before OverwriteCells restores the locked
cells' source from the gradebook). A student's notebook may have deleted, duplicated, retyped or
renamed graded cells, or edited their nbgrader metadata (grade: false, other points, schema 0).
Here, against the released notebook:

- the first cell that carries a released grade_id gets exactly the release's cell type and
  nbgrader metadata (so points, grade, solution and locked flags are the instructor's);
- any other cell with nbgrader metadata (a duplicate, an id the release does not have) loses it
  and runs as ordinary student code;
- every released graded, solution or locked cell the student deleted is put back (the release's
  version) after the nearest released cell that precedes it, else at the top.

So editing the metadata can only change that student's own score, and never stops the grader.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from pathlib import Path

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from ..notebooks import grade_id, read_notebook


class RestoreReleaseCells(NbGraderPreprocessor):
    """Give a submission exactly the released notebook's graded cells and metadata."""

    def preprocess(self, nb, resources):
        released = self._released_notebook(resources)
        if released is None:
            return nb, resources
        nb.cells = restore_release_cells(nb.cells, released.cells)
        return nb, resources

    def _released_notebook(self, resources):
        from nbgrader.coursedir import CourseDirectory

        info = resources.get("nbgrader", {})
        coursedir = CourseDirectory(parent=self)
        for step in (coursedir.release_directory, coursedir.source_directory):
            folder = Path(coursedir.format_path(step, ".", info.get("assignment", "")))
            path = folder / f"{info.get('notebook', '')}.ipynb"
            if path.is_file():
                return read_notebook(path)
        self.log.warning("no released notebook found for %s: cell metadata not restored", info)
        return None


def restore_release_cells(
    cells: Sequence[NotebookNode], released_cells: Sequence[NotebookNode]
) -> list[NotebookNode]:
    """`cells` with the released graded cells restored (see the module docstring)."""
    released = {grade_id(cell): cell for cell in released_cells if grade_id(cell)}
    order = [grade_id(cell) for cell in released_cells if grade_id(cell)]
    kept, seen = [], set()
    for cell in cells:
        identifier = _grade_id_of(cell)
        if identifier in released and identifier not in seen:
            seen.add(identifier)
            kept.append(_as_released(cell, released[identifier]))
        else:
            kept.append(_plain(cell))
    for position, identifier in enumerate(order):
        if identifier in seen:
            continue
        anchor = next((order[i] for i in range(position - 1, -1, -1) if order[i] in seen), None)
        at = 0 if anchor is None else next(i for i, c in enumerate(kept) if grade_id(c) == anchor) + 1
        inserted = _fresh(released[identifier])
        if "id" in inserted:  # nbformat 4.5 cell ids must stay unique
            inserted["id"] = uuid.uuid4().hex[:12]
        kept.insert(at, inserted)
        seen.add(identifier)
    return kept


def _grade_id_of(cell):
    meta = cell.get("metadata", {}).get("nbgrader")
    if not isinstance(meta, dict):
        return None
    identifier = meta.get("grade_id")
    return identifier if isinstance(identifier, str) else None


def _as_released(cell, released):
    """The student's cell with the released type and nbgrader metadata (source kept unless locked)."""
    meta = released.metadata.get("nbgrader", {})
    source = cell.get("source", "")
    if not isinstance(source, str):
        source = "".join(source) if isinstance(source, list) else ""
    if meta.get("locked") or not (meta.get("solution") or meta.get("task")):
        source = released.source
    fresh = _fresh(released)
    fresh.source = source
    return fresh


def _fresh(released):
    cell = copy.deepcopy(released)
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    cell.setdefault("metadata", NotebookNode())
    return cell


def _plain(cell):
    """A cell without any nbgrader role: it runs (or shows) as the student wrote it."""
    cell = copy.deepcopy(cell)
    metadata = cell.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("nbgrader", None)
    if cell.get("cell_type") == "code":
        cell.setdefault("outputs", [])
        cell.setdefault("execution_count", None)
    return cell
