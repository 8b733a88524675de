"""nbgrader's own views agree with `grade` (issue 14): on the demo class shared with the demo test,
the formgrader's data (NbGraderAPI, which its pages render) and `nbgrader export` show a score
only for graded submissions; the timed-out and killed students have none, not a 0."""

import csv
import subprocess
import sys

import pytest
from grading_runs import demo_lesson, graded_class

from autograder.course import Course
from autograder.gradebook import EXPORT_COLUMNS
from autograder.notebooks import autograded_points, read_notebook

DEMO_LESSON = demo_lesson()
pytestmark = pytest.mark.skipif(DEMO_LESSON is None, reason="no lesson under notebooks/ yet")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    return graded_class(DEMO_LESSON, tmp_path_factory.mktemp("graded-classes"))


def _full_points(run):
    return autograded_points(
        read_notebook(run.course_root / "notebooks" / DEMO_LESSON / f"{DEMO_LESSON}.ipynb")
    )


def test_formgrader_lists_only_graded_submissions_with_a_score(demo_run):
    submissions = {
        s["student"]: s for s in Course.open(demo_run.course_root).api().get_submissions(DEMO_LESSON)
    }
    assert set(submissions) == set(demo_run.actual)
    for student in ("infinite_loop", "kernel_dies"):
        # manage_submissions.js renders score and a "graded" label only when autograded is true
        assert submissions[student]["autograded"] is False, submissions[student]
        assert submissions[student]["submitted"] is True
    assert submissions["correct"]["autograded"] is True
    assert submissions["correct"]["score"] == pytest.approx(_full_points(demo_run))
    assert submissions["blank"]["score"] == 0.0 and submissions["blank"]["autograded"] is True


def test_nbgrader_export_writes_status_and_no_score_unless_graded(demo_run, tmp_path):
    destination = tmp_path / "export.csv"
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "export", "--to", str(destination)],
        cwd=demo_run.course_root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with open(destination, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == EXPORT_COLUMNS
        rows = {row["student_id"]: row for row in reader}
    assert set(rows) == set(demo_run.actual)
    full = _full_points(demo_run)
    assert (rows["correct"]["status"], float(rows["correct"]["score"])) == ("graded", full)
    with Course.open(demo_run.course_root).api().gradebook as gradebook:
        max_score = gradebook.find_assignment(DEMO_LESSON).max_score  # manual cells count too
    assert {float(row["max_score"]) for row in rows.values()} == {max_score}
    assert (rows["blank"]["status"], rows["blank"]["score"]) == ("graded", "0")
    for student, status in (("infinite_loop", "timed out"), ("kernel_dies", "kernel died")):
        row = rows[student]
        assert (row["status"], row["score"], row["raw_score"]) == (status, "", ""), row
        assert row["detail"], row
