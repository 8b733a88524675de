"""Status classification and the report, on hand-made nbgrader leftovers (no kernel runs here).

The real runs that produce these leftovers are in test_autograder_pipeline.py."""

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.course import Course, CourseError
from autograder.grade import classify, grade, precheck
from autograder.report import Row, histogram_counts, text_histogram, write_csv
from synthetic_lesson import SYNTHETIC_LESSON, write_synthetic_lesson
from grading_runs import repository_course

LESSON = SYNTHETIC_LESSON


@pytest.fixture
def course(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text((repository_course().root / "nbgrader_config.py").read_text())
    write_synthetic_lesson(tmp_path / "notebooks", LESSON)
    return Course.open(tmp_path)


def _run_file(tmp_path, success, log="", error=""):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"success": success, "log": log, "error": error}))
    return path


def _autograded(course, student, *cells):
    folder = course.assignment_dir("autograded", LESSON, student)
    folder.mkdir(parents=True)
    nbformat.write(new_notebook(cells=list(cells)), str(folder / f"{LESSON}.ipynb"))


def _cell(grade_id, outputs, test=True):
    cell = new_code_cell("pass")
    cell.metadata["nbgrader"] = {"grade": test, "solution": not test, "grade_id": grade_id, "points": 1,
                                 "locked": test, "schema_version": 3}
    cell.outputs = outputs
    return cell


def _error(ename, evalue="message"):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def test_no_result_file_is_a_grader_error(course, tmp_path):
    outcome = classify(course, LESSON, "ann", tmp_path / "absent.json", -9, 30)
    assert outcome.status == "grader error" and "exited with code -9" in outcome.detail


@pytest.mark.parametrize("log, status", [
    ("nbclient.exceptions.DeadKernelError: Kernel died", "kernel died"),
    ("UnresponsiveKernelError: the kernel became unresponsive", "timed out"),
    ("nbclient.exceptions.CellTimeoutError: A cell timed out", "timed out"),
    ("sqlalchemy.exc.OperationalError: database is locked", "grader error"),
    ("RuntimeError: Kernel died before replying to kernel_info", "grader error"),
])
def test_nbgrader_failures_are_classified_from_its_log(course, tmp_path, log, status):
    outcome = classify(course, LESSON, "ann", _run_file(tmp_path, False, log=log), 1, 30)
    assert outcome.status == status
    if status == "grader error":
        assert log.split(": ", 1)[1] in outcome.detail


def test_a_timed_out_cell_is_named(course, tmp_path):
    _autograded(course, "ann", _cell("ex_square", [_error("CellTimeoutError", "")], test=False))
    outcome = classify(course, LESSON, "ann", _run_file(tmp_path, True), 0, 12)
    assert outcome.status == "timed out" and outcome.detail == f"{LESSON} cell 0 (ex_square) exceeded 12 s"


@pytest.mark.parametrize("ename", ["GraderError", "ImportError", "ModuleNotFoundError"])
def test_grader_failures_in_test_cells_are_grader_errors(course, tmp_path, ename):
    _autograded(course, "ann", _cell("ex_square", [_error("CellTimeoutError", "")], test=False),
                _cell("test_square", [_error(ename, "No module named 'solutions.gone'")]))
    outcome = classify(course, LESSON, "ann", _run_file(tmp_path, True), 0, 30)
    assert outcome.status == "grader error"  # takes precedence over the timeout
    assert f"test_square): {ename}: No module named 'solutions.gone'" in outcome.detail


def test_student_errors_are_graded_not_grader_errors(course, tmp_path):
    _autograded(course, "ann", _cell("ex_square", [_error("ModuleNotFoundError", "No module named 'torch'")], test=False),
                _cell("test_square", [_error("HiddenTestFailure"), _error("NameError")]))
    assert classify(course, LESSON, "ann", _run_file(tmp_path, True), 0, 30).status == "graded"


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
    rows = [Row("a", LESSON, LESSON, 0.0, 6.0, "graded"), Row("b", LESSON, LESSON, None, 6.0, "kernel died", "x")]
    write_csv(rows, tmp_path / "grades.csv")
    lines = (tmp_path / "grades.csv").read_text().splitlines()
    assert lines == ["student,assignment,notebook,score,max_score,status,detail",
                     f"a,{LESSON},{LESSON},0,6,graded,", f"b,{LESSON},{LESSON},,6,kernel died,x"]


def test_one_crashing_grading_does_not_stop_the_batch(course, monkeypatch):
    import autograder.grade as grade_module

    for student in ("ann", "bob", "cid"):
        folder = course.assignment_dir("submitted", LESSON, student)
        folder.mkdir(parents=True)
        (folder / f"{LESSON}.ipynb").write_text(nbformat.writes(new_notebook()))

    def fake_grade_one(course, assignment, student, *args):
        if student == "bob":
            raise OSError("disk full")
        return grade_module.Outcome(student, assignment, "graded", seconds=1.0)

    monkeypatch.setattr(grade_module, "require_released", lambda course, assignment: None)
    monkeypatch.setattr(grade_module, "grade_one", fake_grade_one)
    outcomes = grade(course, LESSON, workers=2, progress=False)
    assert [(o.student, o.status) for o in outcomes] == [("ann", "graded"), ("bob", "grader error"),
                                                          ("cid", "graded")]
    assert "disk full" in outcomes[1].detail
    assert course.load_status()[LESSON]["bob"]["status"] == "grader error"
    with pytest.raises(ValueError, match="workers must be a positive number"):
        grade(course, LESSON, workers=1.5, progress=False)
