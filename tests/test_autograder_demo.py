"""`demo`: the instructor's first run. The synthetic class gets exactly the expected status and
score per student, on the synthetic lesson through the CLI and on the repository's demo lesson
(lesson 01 when it exists) through the run shared with the full/zero-marks test."""

import pytest
from grading_runs import demo_lesson, graded_class, repository_course, sandbox_arguments
from synthetic_lesson import POINTS, SYNTHETIC_LESSON, write_synthetic_lesson

from autograder.cli import main
from autograder.course import Course
from autograder.demo import DEMO_STUDENTS, pick_demo_assignment
from autograder.grade import GRADED, KERNEL_DIED, TIMED_OUT
from autograder.notebooks import autograded_points, manual_points, read_notebook

DEMO_LESSON = demo_lesson()


@pytest.fixture(scope="session")
def classes_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("graded-classes")


def test_demo_command_on_the_synthetic_lesson(tmp_path, capsys):
    source = tmp_path / "source-course"
    source.mkdir()
    (source / "nbgrader_config.py").write_text((repository_course().root / "nbgrader_config.py").read_text())
    write_synthetic_lesson(source / "notebooks", SYNTHETIC_LESSON)
    code = main(
        [
            "demo",
            SYNTHETIC_LESSON,
            "--course",
            str(source),
            "--into",
            str(tmp_path / "demo"),
            "--timeout",
            "5",
            "--workers",
            "2",
        ]
        + sandbox_arguments()
    )
    out = capsys.readouterr().out
    assert code == 0, out
    full = sum(POINTS.values())
    lines = {
        line.split()[0]: line
        for line in out.splitlines()
        if line.split() and line.split()[0] in DEMO_STUDENTS
    }
    assert lines["correct"].split()[1:5] == ["graded", f"{full:g}", "graded", f"{full:g}"]
    for student in DEMO_STUDENTS:
        assert " ok " in lines[student], lines[student]
    assert "every student got exactly the expected status and score" in out
    # --into keeps the course, so the demo also wrote the feedback pages and the grades CSV.
    assert f"feedback: {len(DEMO_STUDENTS)} page(s)" in out
    assert (tmp_path / "demo" / "grading" / "grades.csv").is_file()
    assert len(list((tmp_path / "demo" / "feedback").rglob("*.html"))) == len(DEMO_STUDENTS)


@pytest.mark.skipif(DEMO_LESSON is None, reason="no lesson under notebooks/ yet")
def test_demo_class_on_the_repository_demo_lesson(classes_dir):
    run = graded_class(DEMO_LESSON, classes_dir)
    source = read_notebook(run.course_root / "notebooks" / DEMO_LESSON / f"{DEMO_LESSON}.ipynb")
    full = autograded_points(source)
    assert run.actual["correct"] == (GRADED, full)
    assert run.actual["blank"] == (GRADED, 0.0)
    assert run.actual["infinite_loop"] == (TIMED_OUT, None)
    assert run.actual["kernel_dies"] == (KERNEL_DIED, None)
    bug_status, bug_score = run.actual["one_bug"]
    assert bug_status == GRADED and 0 < bug_score < full, "the planted bug must cost some points, not all"
    assert run.actual["one_bug"] == (run.expected["one_bug"].status, run.expected["one_bug"].score), run.text
    written = manual_points(source)
    assert written > 0 and run.pending == {
        "correct": written,
        "blank": 0.0,
        "one_bug": written,
        "infinite_loop": 0.0,
        "kernel_dies": 0.0,
    }, run.pending
    assert f"graded {full:g} + {written:g} needs manual grading" in run.text
    pages = {
        s: (run.course_root / "feedback" / s / DEMO_LESSON / f"{DEMO_LESSON}.html")
        for s in ("correct", "blank")
    }
    correct_page, blank_page = (pages[s].read_text(encoding="utf-8") for s in ("correct", "blank"))
    assert f"{written:g} point(s) of written answers need manual grading" in correct_page
    assert "Needs manual grading" in correct_page and "Needs manual grading" not in blank_page
    assert run.ok, run.text


def test_demo_picks_lesson_01_else_the_first_lesson(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        (repository_course().root / "nbgrader_config.py").read_text()
    )
    for name in ("03_later", "02_earlier"):
        write_synthetic_lesson(tmp_path / "notebooks", name)
    course = Course.open(tmp_path)
    assert pick_demo_assignment(course) == "02_earlier"
    write_synthetic_lesson(tmp_path / "notebooks", "01_first")
    assert pick_demo_assignment(course) == "01_first"
    assert pick_demo_assignment(course, "03_later") == "03_later"
