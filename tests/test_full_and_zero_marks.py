"""Every lesson that exists: the reference solutions score full marks, the release scores zero.

Written answers are graded by hand: the reference's model answers are left for the formgrader
(neither 0 nor earned, reported as points awaiting manual grading), the release's unanswered stubs
score 0 with nothing to grade by hand.

Each lesson is released into a temporary course folder and graded by `grade` (grading mode, the
course's own pipeline) with two submissions: "correct" (the source notebook's solutions in the
released notebook) and "blank" (the release as students receive it). One autograde run per lesson
and per variant, shared with the demo test through autograder.testing.
"""

import json

import pytest
from grading_runs import cell_grades, graded_class, repository_lessons

from autograder.grade import GRADED
from autograder.notebooks import (
    grade_id,
    is_autograded_test,
    is_manual_answer,
    manual_points,
    notebook_files,
    read_notebook,
)

LESSONS = repository_lessons()


@pytest.fixture(scope="session")
def classes_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("graded-classes")


def _source(run, lesson):
    return read_notebook(run.course_root / "notebooks" / lesson / f"{lesson}.ipynb")


def _autograded_notebooks(run, student):
    return notebook_files(run.course_root / "autograded" / student / run.assignment)


@pytest.mark.skipif(not LESSONS, reason="no lesson under notebooks/ yet")
@pytest.mark.parametrize("lesson", LESSONS)
def test_reference_solutions_score_full_marks(lesson, classes_dir):
    run = graded_class(lesson, classes_dir)
    status, score = run.actual["correct"]
    assert status == GRADED, f"{lesson}: the reference submission was not graded: {status}"
    grades = cell_grades(run.course_root, lesson, "correct")
    autograded = {
        name: g for name, g in grades.items() if g["cell_type"] == "code" and not g["needs_manual_grade"]
    }
    assert autograded, f"{lesson}: no autograded test cell"
    short = {
        name: (g["score"], g["max_score"]) for name, g in autograded.items() if g["score"] != g["max_score"]
    }
    assert not short, f"{lesson}: test cells below full marks with the reference solutions: {short}"
    assert score == run.expected["correct"].score
    source = _source(run, lesson)
    written = {grade_id(c) for c in source.cells if is_manual_answer(c)}
    manual = {
        name: (g["auto_score"], g["manual_score"]) for name, g in grades.items() if g["needs_manual_grade"]
    }
    assert written and manual == dict.fromkeys(written, (None, None)), (
        f"{lesson}: the model answers must await manual grading with no score (not 0, not earned): {manual}"
    )
    assert run.pending["correct"] == manual_points(source) == run.expected["correct"].manual > 0


@pytest.mark.skipif(not LESSONS, reason="no lesson under notebooks/ yet")
@pytest.mark.parametrize("lesson", LESSONS)
def test_release_scores_zero_on_every_graded_cell(lesson, classes_dir):
    run = graded_class(lesson, classes_dir)
    status, score = run.actual["blank"]
    assert status == GRADED, f"{lesson}: the blank release was not graded: {status}"
    grades = cell_grades(run.course_root, lesson, "blank")
    assert grades, f"{lesson}: no graded cell"
    nonzero = {name: g["score"] for name, g in grades.items() if g["score"]}
    assert not nonzero, f"{lesson}: graded cells that the unchanged release already passes: {nonzero}"
    assert score == 0
    waiting = [name for name, g in grades.items() if g["needs_manual_grade"]]
    assert not waiting and run.pending["blank"] == 0, (
        f"{lesson}: unanswered questions left to grade: {waiting}"
    )


@pytest.mark.skipif(not LESSONS, reason="no lesson under notebooks/ yet")
@pytest.mark.parametrize("lesson", LESSONS)
def test_no_test_cell_leaves_a_value_as_partial_credit(lesson, classes_dir):
    """nbgrader reads a number left as a test cell's last expression as partial credit."""
    run = graded_class(lesson, classes_dir)
    offenders = []
    for path in _autograded_notebooks(run, "correct"):
        for index, cell in enumerate(read_notebook(path).cells):
            if is_autograded_test(cell) and any(
                o.get("output_type") == "execute_result" for o in cell.outputs
            ):
                offenders.append(f"{path.name} cell {index}")
    assert not offenders, (
        f"{lesson}: test cells ending in an expression (read as partial credit): {offenders}"
    )


@pytest.mark.skipif(not LESSONS, reason="no lesson under notebooks/ yet")
@pytest.mark.parametrize("lesson", LESSONS)
def test_every_hidden_check_of_the_reference_passes(lesson, classes_dir):
    """The grader's record holds every test cell, each with at least one hidden check, all passed
    for the reference (none silently skipped)."""
    run = graded_class(lesson, classes_dir)
    record_path = run.course_root / "grading" / "records" / lesson / "correct.json"
    assert record_path.exists(), f"{lesson}: no verdict record"
    tests = json.loads(record_path.read_text())["tests"]
    source = read_notebook(run.course_root / "notebooks" / lesson / f"{lesson}.ipynb")
    assert set(tests) == {grade_id(c) for c in source.cells if is_autograded_test(c)}
    unchecked = [name for name, test in tests.items() if not test["checks"]]
    failed = {name: test["message"] for name, test in tests.items() if not test["passed"]}
    assert not unchecked and not failed, f"{lesson}: {unchecked or failed}"
