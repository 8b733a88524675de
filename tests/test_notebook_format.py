"""Every lesson folder follows notebooks/README.md: committed without outputs, in sync with its
jupytext twin, and every exercise has a solution cell, a graded test cell with points and hidden
tests. Parametrised over the lesson folders that exist (NN_name under notebooks/)."""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from autograder.notebooks import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    grade_id,
    is_autograded_test,
    is_solution_cell,
    nbgrader_metadata,
    points,
    source_lines,
)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSON_FOLDERS = sorted(p for p in NOTEBOOKS.iterdir() if p.is_dir() and re.match(r"^\d{2}_\w+$", p.name))


def _notebook(folder):
    path = folder / f"{folder.name}.ipynb"
    if not path.is_file():
        pytest.fail(
            f"{folder.name}: no {path.name} (generate it with `jupytext --to ipynb {folder.name}.py`)"
        )
    return nbformat.read(str(path), as_version=4)


def _exercise_name(cell, prefix):
    identifier = grade_id(cell) or ""
    return identifier[len(prefix) :] if identifier.startswith(prefix) else None


pytestmark = pytest.mark.skipif(not LESSON_FOLDERS, reason="no lesson folder under notebooks/ yet")
lessons = pytest.mark.parametrize("folder", LESSON_FOLDERS, ids=[p.name for p in LESSON_FOLDERS])


@lessons
def test_committed_without_outputs(folder):
    notebook = _notebook(folder)
    with_outputs = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and c.outputs]
    with_counts = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and c.execution_count]
    assert not with_outputs, (
        f"{folder.name}: cells with outputs: {with_outputs} (clear them before committing)"
    )
    assert not with_counts, f"{folder.name}: cells with execution counts: {with_counts}"


@lessons
def test_matches_its_jupytext_twin(folder):
    twin = folder / f"{folder.name}.py"
    assert twin.is_file(), f"{folder.name}: no jupytext twin {twin.name} (the reviewable source)"
    notebook, paired = _notebook(folder), jupytext.read(str(twin), fmt="py:percent")
    assert len(notebook.cells) == len(paired.cells), (
        f"{folder.name}: {len(notebook.cells)} cells in the .ipynb, {len(paired.cells)} in the .py: "
        f"run `jupytext --sync {twin.name}`"
    )
    for index, (cell, twin_cell) in enumerate(zip(notebook.cells, paired.cells, strict=False)):
        assert (cell.cell_type, cell.source) == (twin_cell.cell_type, twin_cell.source), (
            f"{folder.name} cell {index}: .ipynb and .py differ: run `jupytext --sync {twin.name}`"
        )
        assert nbgrader_metadata(cell) == nbgrader_metadata(twin_cell), (
            f"{folder.name} cell {index}: nbgrader metadata differs between .ipynb and .py"
        )


@lessons
def test_grade_ids_are_unique(folder):
    identifiers = [grade_id(c) for c in _notebook(folder).cells if grade_id(c)]
    duplicates = sorted({i for i in identifiers if identifiers.count(i) > 1})
    assert not duplicates, f"{folder.name}: duplicate grade_ids {duplicates}"


@lessons
def test_every_exercise_has_solution_test_points_and_hidden_tests(folder):
    cells = _notebook(folder).cells
    solutions = {_exercise_name(c, "ex_"): c for c in cells if c.cell_type == "code" and is_solution_cell(c)}
    tests = {_exercise_name(c, "test_"): c for c in cells if is_autograded_test(c)}
    assert solutions, f"{folder.name}: no exercise (solution cell with grade_id ex_<name>)"
    assert None not in solutions, f"{folder.name}: a solution cell whose grade_id does not start with ex_"
    assert None not in tests, f"{folder.name}: a test cell whose grade_id does not start with test_"
    for name, cell in solutions.items():
        text = "\n".join(source_lines(cell))
        assert BEGIN_SOLUTION in text and END_SOLUTION in text, (
            f"{folder.name} ex_{name}: no solution markers"
        )
        assert name in tests, f"{folder.name}: exercise ex_{name} has no graded test cell test_{name}"
    for name, cell in tests.items():
        assert points(cell) > 0, f"{folder.name} test_{name}: no points"
        text = "\n".join(source_lines(cell))
        assert text.count(BEGIN_HIDDEN) == 1 and text.count(END_HIDDEN) == 1, (
            f"{folder.name} test_{name}: needs exactly one ### BEGIN/END HIDDEN TESTS block"
        )
        assert text.index(BEGIN_HIDDEN) < text.index(END_HIDDEN)
        visible = text[: text.index(BEGIN_HIDDEN)]
        assert visible.strip(), f"{folder.name} test_{name}: no visible test before the hidden block"


@lessons
def test_every_lesson_has_a_written_question_with_a_hidden_model_answer(folder):
    """notebooks/README.md: 1-3 manually graded answer cells per lesson (markdown, `solution` and
    `grade`, 2-3 points), each after the question's own markdown cell, the model answer and
    rubric between the solution markers so that the release replaces them by the answer stub."""
    cells = _notebook(folder).cells
    written = [(i, c) for i, c in enumerate(cells) if c.cell_type == "markdown" and is_solution_cell(c)]
    assert 1 <= len(written) <= 3, f"{folder.name}: {len(written)} written questions, expected 1 to 3"
    for index, cell in written:
        meta, name = nbgrader_metadata(cell), grade_id(cell)
        assert name and name.startswith("written_"), f"{folder.name}: written answer cell named {name!r}"
        assert meta.get("grade") and not meta.get("locked") and not meta.get("task"), (
            f"{folder.name} {name}: a manually graded answer is grade: true, unlocked, not a task"
        )
        assert 2 <= points(cell) <= 3, f"{folder.name} {name}: {points(cell)} points, expected 2 or 3"
        lines = source_lines(cell)
        assert BEGIN_SOLUTION in lines[0] and END_SOLUTION in lines[-1], (
            f"{folder.name} {name}: the whole answer cell must be the solution region"
        )
        assert "**Model answer.**" in cell.source and "**Rubric" in cell.source, (
            f"{folder.name} {name}: no model answer or rubric for the grader"
        )
        question = cells[index - 1]
        assert question.cell_type == "markdown" and "Written question" in question.source, (
            f"{folder.name} {name}: the question belongs in the markdown cell just before the answer"
        )
        assert f"({points(cell):g} points" in question.source, (
            f"{folder.name} {name}: the question's heading must state the cell's {points(cell):g} points"
        )
