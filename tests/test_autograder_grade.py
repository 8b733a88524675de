"""Status classification and the report, on hand-made nbgrader leftovers (no kernel runs here).

The real runs that produce these leftovers are in test_autograder_pipeline.py."""

import json

import nbformat
import pytest
from grading_runs import repository_course
from nbformat.v4 import new_notebook
from synthetic_lesson import SYNTHETIC_LESSON, write_synthetic_lesson

from autograder.course import Course, CourseError
from autograder.grade import classify, grade, precheck
from autograder.report import Row, histogram_counts, summary, text_histogram, write_csv

LESSON = SYNTHETIC_LESSON


@pytest.fixture
def course(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        (repository_course().root / "nbgrader_config.py").read_text()
    )
    write_synthetic_lesson(tmp_path / "notebooks", LESSON)
    return Course.open(tmp_path)


def _record(tmp_path, **record):
    path = tmp_path / "record.json"
    path.write_text(
        json.dumps({"status": "graded", "detail": "", "tests": {}, "isolation": "full", **record})
    )
    return path


def test_no_record_is_a_grader_error(course, tmp_path):
    outcome = classify(course, LESSON, "ann", tmp_path / "absent.json", -9)
    assert outcome.status == "grader error" and "exited with code -9" in outcome.detail


@pytest.mark.parametrize("status", ["graded", "timed out", "kernel died", "grader error"])
def test_the_status_is_the_one_the_grader_recorded(course, tmp_path, status):
    outcome = classify(course, LESSON, "ann", _record(tmp_path, status=status, detail="why"), 0)
    assert (outcome.status, outcome.detail) == (status, "why")


def test_an_unknown_recorded_status_is_a_grader_error(course, tmp_path):
    assert classify(course, LESSON, "ann", _record(tmp_path, status="excellent"), 0).status == "grader error"
    (tmp_path / "bad.json").write_text("{not json")
    assert classify(course, LESSON, "ann", tmp_path / "bad.json", 0).status == "grader error"


def test_graded_but_nbgrader_failed_to_save_is_a_grader_error(course, tmp_path):
    outcome = classify(course, LESSON, "ann", _record(tmp_path), 1)
    assert outcome.status == "grader error" and "could not save the grades" in outcome.detail


def test_per_test_verdicts_and_isolation_are_kept(course, tmp_path):
    record = _record(
        tmp_path,
        tests={"test_square": {"passed": False, "failures": ["big: wrong"], "checks": []}},
        isolation="weak isolation, missing namespaces",
    )
    outcome = classify(course, LESSON, "ann", record, 0)
    assert outcome.tests == {"test_square": {"passed": False, "failures": ["big: wrong"]}}
    assert outcome.isolation.startswith("weak isolation")


def test_precheck_finds_missing_and_invalid_submissions(course):
    assert precheck(course, LESSON, "nobody").status == "missing"
    folder = course.assignment_dir("submitted", LESSON, "bea")
    folder.mkdir(parents=True)
    (folder / f"{LESSON}.ipynb").write_bytes(b"\xff\xfe not text")
    outcome = precheck(course, LESSON, "bea")
    assert outcome.status == "invalid notebook" and "not UTF-8" in outcome.detail
    (folder / f"{LESSON}.ipynb").write_text(nbformat.writes(new_notebook()))
    assert precheck(course, LESSON, "bea") is None


def test_grading_before_release_says_so(course):
    with pytest.raises(CourseError, match="release"):
        grade(course, LESSON, progress=False)


def test_histogram_bins_cover_zero_to_full_marks():
    rows = [Row("a", LESSON, LESSON, score, 10.0, "graded") for score in (0, 0.5, 5, 9.99, 10)]
    rows.append(Row("b", LESSON, LESSON, None, 10.0, "timed out"))
    counts = histogram_counts(rows)
    assert [c for _, _, c in counts] == [2, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    assert counts[-1][:2] == (90.0, 100.0)
    text = text_histogram(rows)
    assert "[ 90.0, 100.0]    2" in text and "[  0.0,  10.0)    2" in text


def test_csv_leaves_the_score_empty_unless_graded(tmp_path):
    rows = [
        Row("a", LESSON, LESSON, 0.0, 6.0, "graded"),
        Row("b", LESSON, LESSON, None, 6.0, "kernel died", "x"),
    ]
    write_csv(rows, tmp_path / "grades.csv")
    lines = (tmp_path / "grades.csv").read_text().splitlines()
    assert lines == [
        "student,assignment,notebook,score,max_score,status,detail,manual_pending",
        f"a,{LESSON},{LESSON},0,6,graded,,0",
        f"b,{LESSON},{LESSON},,6,kernel died,x,",
    ]


def test_points_awaiting_manual_grading_are_neither_zero_nor_earned(tmp_path):
    """12 of 15 points autograded, 3 for a written answer nobody has graded yet: the CSV says so,
    the summary counts them, and the histogram puts 12/12 at full marks (not 80 %)."""
    pending = "needs manual grading: 3 point(s) of written answers (formgrader)"
    rows = [
        Row("a", LESSON, LESSON, 12.0, 15.0, "graded", pending, 3.0),
        Row("b", LESSON, LESSON, 6.0, 15.0, "graded"),
    ]
    write_csv(rows, tmp_path / "grades.csv")
    assert (tmp_path / "grades.csv").read_text().splitlines()[
        1
    ] == f"a,{LESSON},{LESSON},12,15,graded,{pending},3"
    assert [c for _, _, c in histogram_counts(rows)] == [0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
    assert "1 row(s) need manual grading: 3 point(s) of written answers" in summary(rows)
    assert "need manual grading" not in summary(rows[1:])


def test_one_crashing_grading_does_not_stop_the_batch(course, monkeypatch):
    import autograder.grade as grade_module

    for student in ("ann", "bob", "cid"):
        folder = course.assignment_dir("submitted", LESSON, student)
        folder.mkdir(parents=True)
        (folder / f"{LESSON}.ipynb").write_text(nbformat.writes(new_notebook()))

    def fake_grade_one(course, assignment, student, *args):  # noqa: ARG001
        if student == "bob":
            raise OSError("disk full")
        return grade_module.Outcome(student, assignment, "graded", seconds=1.0)

    monkeypatch.setattr(grade_module, "require_released", lambda course, assignment: None)
    import autograder.grader.preflight as preflight

    monkeypatch.setattr(preflight, "check_sandbox", lambda allow_weak: None)
    monkeypatch.setattr(grade_module, "grade_one", fake_grade_one)
    outcomes = grade(course, LESSON, workers=2, progress=False)
    assert [(o.student, o.status) for o in outcomes] == [
        ("ann", "graded"),
        ("bob", "grader error"),
        ("cid", "graded"),
    ]
    assert "disk full" in outcomes[1].detail
    assert course.load_status()[LESSON]["bob"]["status"] == "grader error"
    with pytest.raises(ValueError, match="workers must be a positive number"):
        grade(course, LESSON, workers=1.5, progress=False)
