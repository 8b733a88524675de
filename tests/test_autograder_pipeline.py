"""release -> grade -> report -> feedback, end to end through the CLI, on a synthetic course.

One temporary course folder holds the synthetic lesson (three exercises, 2 + 3 + 1 points) and a
lesson whose hidden test loads a reference that does not exist. The class covers every status:
the demo students, a student who passes the visible tests but not the hidden ones while printing
and raising with the hidden inputs, a kernel deaf to interrupts (graded alone under a short
total limit, which must kill its process tree), an unreadable file, a folder without the
notebook, and a student who skipped the first lesson.
"""

import csv
import json
import re

import nbformat
import numpy as np
import psutil
import pytest
from grading_runs import repository_course, sandbox_arguments, sandbox_options
from synthetic_lesson import BROKEN_LESSON, POINTS, SECRET_INPUTS, SYNTHETIC_LESSON, write_synthetic_lesson

from autograder.cli import main
from autograder.course import Course
from autograder.demo import DEMO_STUDENTS, build_class, with_solutions
from autograder.feedback import page_text
from autograder.grade import grade
from autograder.grader.isolation import UID_BASE
from autograder.notebooks import BEGIN_HIDDEN, END_HIDDEN, read_notebook, region_lines

CELL_TIMEOUT, TOTAL_TIMEOUT, STUBBORN_LIMIT = 5, 60, 8
FULL = sum(POINTS.values())

SNEAKY_SOLUTIONS = {
    # Right on the visible inputs, wrong on large ones; prints its hidden inputs.
    "ex_square": (
        "def square(x):\n"
        "    print('square got', x)\n"
        "    return np.minimum(np.asarray(x, dtype=float) ** 2, 1e6)\n"
    ),
    # Raises with the hidden inputs in the message when the scale is not the default.
    "ex_scaled_sum": (
        "def scaled_sum(x, scale=2.0):\n"
        "    if scale != 2.0:\n"
        "        raise ValueError(f'cannot handle x={x!r} with scale={scale}')\n"
        "    return scale * float(np.sum(x))\n"
    ),
}
# A C loop that never returns to the bytecode loop: interrupts never run, and neither does
# ipykernel's parent poller, so the kernel survives its parent unless it is killed itself.
STUBBORN_PREFIX = "import itertools\nsum(itertools.count())\n"


def _write(course, assignment, student, notebook):
    folder = course.assignment_dir("submitted", assignment, student)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(folder / f"{assignment}.ipynb"))


def _released(course, assignment):
    return read_notebook(course.assignment_dir("release", assignment) / f"{assignment}.ipynb")


def _source(course, assignment):
    return read_notebook(course.step_dir("source") / assignment / f"{assignment}.ipynb")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic-course")
    (root / "nbgrader_config.py").write_text((repository_course().root / "nbgrader_config.py").read_text())
    write_synthetic_lesson(root / "notebooks", SYNTHETIC_LESSON)
    write_synthetic_lesson(root / "notebooks", BROKEN_LESSON, broken=True)
    runs = {"release": main(["release", "--course", str(root)])}
    course = Course.open(root)

    expected = build_class(course, SYNTHETIC_LESSON, DEMO_STUDENTS)
    correct = with_solutions(_released(course, SYNTHETIC_LESSON), _source(course, SYNTHETIC_LESSON))
    sneaky = nbformat.from_dict(correct)
    for cell in sneaky.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in SNEAKY_SOLUTIONS:
            cell.source = SNEAKY_SOLUTIONS[cell.metadata["nbgrader"]["grade_id"]]
    _write(course, SYNTHETIC_LESSON, "sneaky", sneaky)
    stubborn = nbformat.from_dict(correct)
    first = next(c for c in stubborn.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex_square")
    first.source = STUBBORN_PREFIX + first.source
    garbled = course.assignment_dir("submitted", SYNTHETIC_LESSON, "garbled")
    garbled.mkdir(parents=True)
    (garbled / f"{SYNTHETIC_LESSON}.ipynb").write_text('{"cells": [ this is not json')
    no_notebook = course.assignment_dir("submitted", SYNTHETIC_LESSON, "no-notebook")
    no_notebook.mkdir(parents=True)
    (no_notebook / "notes.txt").write_text("forgot the notebook")
    _write(
        course,
        BROKEN_LESSON,
        "late-starter",
        with_solutions(_released(course, BROKEN_LESSON), _source(course, BROKEN_LESSON)),
    )

    options = [
        "--course",
        str(root),
        "--workers",
        "2",
        "--timeout",
        str(CELL_TIMEOUT),
        "--total-timeout",
        str(TOTAL_TIMEOUT),
    ] + sandbox_arguments()
    runs["grade"] = main(["grade", SYNTHETIC_LESSON] + options)
    runs["grade_broken"] = main(["grade", BROKEN_LESSON] + options)
    # A kernel deaf to interrupts, under a cell limit it never reaches: only the total limit
    # (killing the process tree, kernel included) stops it.
    _write(course, SYNTHETIC_LESSON, "stubborn", stubborn)
    grade(
        course,
        SYNTHETIC_LESSON,
        students=["stubborn"],
        timeout=60,
        total_timeout=STUBBORN_LIMIT,
        progress=False,
        sandbox=sandbox_options(),
    )
    runs["report"] = main(
        [
            "report",
            "--course",
            str(root),
            "--csv",
            str(root / "grades.csv"),
            "--png",
            str(root / "grades.png"),
        ]
    )
    runs["feedback"] = main(["feedback", "--course", str(root)])
    return {"root": root, "course": course, "runs": runs, "expected": expected}


def _rows(pipeline):
    with open(pipeline["root"] / "grades.csv", newline="") as handle:
        return {(row["student"], row["assignment"]): row for row in csv.DictReader(handle)}


def test_release_passes_its_leak_check(pipeline):
    assert pipeline["runs"]["release"] == 0


def test_every_status_and_score_is_exact(pipeline):
    rows = _rows(pipeline)
    got = {
        student: (row["status"], row["score"])
        for (student, lesson), row in rows.items()
        if lesson == SYNTHETIC_LESSON
    }
    assert got == {
        "correct": ("graded", f"{FULL:g}"),
        "blank": ("graded", "0"),
        "one_bug": ("graded", f"{FULL - POINTS['test_square'] - POINTS['test_sum_of_squares']:g}"),
        "infinite_loop": ("timed out", ""),
        "kernel_dies": ("kernel died", ""),
        "sneaky": ("graded", f"{POINTS['test_sum_of_squares']:g}"),
        "stubborn": ("timed out", ""),
        "garbled": ("invalid notebook", ""),
        "no-notebook": ("missing", ""),
        "late-starter": ("missing", ""),
    }


def test_demo_expectations_match_the_independent_point_count(pipeline):
    expected = pipeline["expected"]
    assert expected["correct"].score == FULL
    assert expected["one_bug"].score == FULL - POINTS["test_square"] - POINTS["test_sum_of_squares"]


def test_the_total_limit_killed_the_stubborn_kernel(pipeline):
    record = pipeline["course"].load_status()[SYNTHETIC_LESSON]["stubborn"]
    assert record["status"] == "timed out"
    assert "total limit" in record["detail"]
    assert STUBBORN_LIMIT <= record["seconds"] < STUBBORN_LIMIT + 10
    started = json.loads(
        (pipeline["root"] / "grading" / "records" / SYNTHETIC_LESSON / "stubborn.json").read_text()
    )
    assert started["status"] == "running" and started["sandbox_uid"] >= UID_BASE  # killed before it finished
    survivors = [
        p.info["pid"]
        for p in psutil.process_iter(["pid", "uids", "cmdline"])
        if p.info["uids"]
        and p.info["uids"].real == started["sandbox_uid"]
        or "stubborn" in " ".join(p.info["cmdline"] or [])
    ]
    assert not survivors, f"processes of the killed submission still run: {survivors}"


def test_a_per_cell_timeout_names_the_cell(pipeline):
    record = pipeline["course"].load_status()[SYNTHETIC_LESSON]["infinite_loop"]
    assert record["status"] == "timed out"
    assert "ex_square" in record["detail"] and f"{CELL_TIMEOUT} s" in record["detail"]


def test_grader_error_is_not_a_zero_and_fails_the_command(pipeline):
    assert pipeline["runs"]["grade"] == 0
    assert pipeline["runs"]["grade_broken"] == 1
    row = _rows(pipeline)[("late-starter", BROKEN_LESSON)]
    assert row["status"] == "grader error" and row["score"] == ""
    assert "GraderError" in row["detail"] and "does_not_exist" in row["detail"]
    others = [
        row
        for (student, lesson), row in _rows(pipeline).items()
        if lesson == BROKEN_LESSON and student != "late-starter"
    ]
    assert others and all(row["status"] == "missing" and row["score"] == "" for row in others)


def test_report_columns_summary_and_png(pipeline):
    with open(pipeline["root"] / "grades.csv", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[:6] == ["student", "assignment", "notebook", "score", "max_score", "status"]
    assert pipeline["runs"]["report"] == 0
    assert (pipeline["root"] / "grades.png").stat().st_size > 1000
    for row in _rows(pipeline).values():
        assert (row["score"] == "") == (row["status"] != "graded")
        assert row["max_score"] == f"{FULL:g}"


def test_status_is_persisted_beside_the_gradebook(pipeline):
    status = json.loads((pipeline["root"] / "grading" / "status.json").read_text())
    assert set(status) == {SYNTHETIC_LESSON, BROKEN_LESSON}
    assert status[SYNTHETIC_LESSON]["garbled"]["status"] == "invalid notebook"
    assert (pipeline["root"] / "gradebook.db").exists()


def _hidden_source_lines(pipeline, lesson):
    notebook = _source(pipeline["course"], lesson)
    return [
        line.strip()
        for cell in notebook.cells
        for line in region_lines(cell, BEGIN_HIDDEN, END_HIDDEN)
        if len(line.strip()) > 3
    ]


def _hidden_random_values():
    """The random matrix the hidden test of `square` draws (seed 7, shape (3, 4))."""
    return [f"{abs(v):.6f}" for v in np.random.default_rng(7).normal(size=(3, 4)).ravel()]


def test_feedback_never_shows_hidden_source_or_inputs(pipeline):
    root = pipeline["root"]
    pages = sorted((root / "feedback").rglob("*.html"))
    assert pages
    hidden_lines = _hidden_source_lines(pipeline, SYNTHETIC_LESSON)
    secrets = list(SECRET_INPUTS) + _hidden_random_values()
    for page in pages:
        text = page_text(page.read_text())
        shown = [line for line in hidden_lines if line in text]
        assert not shown, f"{page}: hidden test source in feedback: {shown}"
        assert BEGIN_HIDDEN not in text and END_HIDDEN not in text
        leaked = [value for value in secrets if value in text]
        assert not leaked, f"{page}: hidden inputs in feedback: {leaked}"


def test_the_sneaky_student_did_expose_inputs_before_sanitising(pipeline):
    """The leak channels were exercised: what the student's code printed while the hidden tests
    called it never left the sandbox; its exception message is in the autograded notebook (the
    grader's verdict) and withheld from feedback."""
    notebook = read_notebook(
        pipeline["root"] / "autograded" / "sneaky" / SYNTHETIC_LESSON / f"{SYNTHETIC_LESSON}.ipynb"
    )
    autograded = nbformat.writes(
        nbformat.v4.new_notebook(
            cells=[
                nbformat.v4.new_code_cell("", outputs=cell.outputs)
                for cell in notebook.cells
                if cell.cell_type == "code"
            ]
        )
    )
    assert SECRET_INPUTS[0] not in autograded  # printed by the student's square during a hidden call
    assert "square got" in autograded  # ... but its prints in the visible tests are kept
    assert "raised ValueError: cannot handle x=" in autograded  # the student's message, with its input


def test_feedback_shows_test_names_points_and_harness_messages(pipeline):
    page = pipeline["root"] / "feedback" / "sneaky" / SYNTHETIC_LESSON / f"{SYNTHETIC_LESSON}.html"
    text = page_text(page.read_text())
    assert "hidden tests of test_square: 0 of 2 points" in text
    assert "hidden tests of test_sum_of_squares: 1 of 1 points" in text
    assert "square: 1 of 2 hidden cases failed" in text
    assert "a large number: the result differs from the reference (relative error " in text
    assert re.search(r"a vector and a scale: raised ValueError \(its message is withheld\)", text)


def test_feedback_for_failed_gradings_explains_the_status(pipeline):
    root = pipeline["root"]
    for student, status in [
        ("infinite_loop", "timed out"),
        ("kernel_dies", "kernel died"),
        ("garbled", "invalid notebook"),
        ("no-notebook", "missing"),
    ]:
        page = root / "feedback" / student / SYNTHETIC_LESSON / f"{SYNTHETIC_LESSON}.html"
        assert status in page_text(page.read_text()), student
    assert not (root / "feedback" / "late-starter" / BROKEN_LESSON).exists()
    assert pipeline["runs"]["feedback"] == 1  # the grader error is reported, not papered over


def test_visible_test_tracebacks_are_kept_without_hidden_lines(pipeline):
    page = pipeline["root"] / "feedback" / "blank" / SYNTHETIC_LESSON / f"{SYNTHETIC_LESSON}.html"
    text = page_text(page.read_text())
    assert "NotImplementedError" in text and "Traceback" in text
    assert "assert_close(square(3.0), 9.0" in text  # the visible test, with its failing line
