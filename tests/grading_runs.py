"""Grading runs shared by the test-suite: at most one autograde per lesson and per variant.

Executing a lesson costs up to a minute, so the demo test and the full/zero-marks test share one
graded class per lesson, cached for the whole pytest session (the cache lives in this module, so
every test module that asks gets the same run). The demo lesson gets the full demo class; every
other lesson only the two students the full/zero-marks test needs.
"""

import os
from pathlib import Path

from autograder.course import PACKAGE_ROOT, Course
from autograder.demo import DEMO_STUDENTS, pick_demo_assignment, run_demo
from autograder.grade import SandboxOptions
from autograder.grader import isolation
from autograder.grader.session import student_error

FULL_AND_ZERO = ("correct", "blank")
# The demo lesson's infinite loop costs one whole cell timeout, so it gets a short one; other
# lessons get nbgrader's grading default, so a slow CI machine does not turn into "timed out".
DEMO_CELL_TIMEOUT = 30
CELL_TIMEOUT = 120
TOTAL_TIMEOUT = 600
_RUNS = {}


def weak_isolation_accepted():
    """On a host without bubblewrap the grading tests still run, with weak isolation (verdicts
    are still decided outside the notebook's process); CI installs bubblewrap and requires the
    full sandbox. test_sandbox.py and test_hostile_class.py need it and skip without it."""
    return not isolation.detect().complete and not os.environ.get("CI")


def sandbox_options():
    return SandboxOptions(allow_weak_isolation=weak_isolation_accepted())


def sandbox_arguments():
    """The same for a `python -m autograder grade/demo` command line."""
    return ["--allow-weak-isolation"] if weak_isolation_accepted() else []


def repository_course():
    return Course.open(PACKAGE_ROOT)


def repository_lessons():
    """Lessons that exist in the repository right now (discovered, not listed)."""
    return repository_course().lessons()


def demo_lesson():
    lessons = repository_lessons()
    return pick_demo_assignment(repository_course()) if lessons else None


def graded_class(lesson, base_dir):
    """The DemoResult of `lesson`'s class graded under `base_dir`/`lesson` (computed once)."""
    if lesson not in _RUNS:
        is_demo = lesson == demo_lesson()
        _RUNS[lesson] = run_demo(
            lesson,
            source_course=repository_course(),
            into=Path(base_dir) / lesson,
            students=DEMO_STUDENTS if is_demo else FULL_AND_ZERO,
            workers=2,
            timeout=DEMO_CELL_TIMEOUT if is_demo else CELL_TIMEOUT,
            total_timeout=TOTAL_TIMEOUT,
            progress=False,
            sandbox=sandbox_options(),
        )
    return _RUNS[lesson]


def cell_grades(course_root, assignment, student):
    """{grade_id: Grade} for every graded cell of a student's notebooks, from the gradebook."""
    course = Course.open(course_root)
    grades = {}
    with course.api().gradebook as gradebook:
        for notebook in course.notebook_names(assignment):
            submission = gradebook.find_submission_notebook(notebook, assignment, student)
            for grade in submission.grades:
                grades[grade.name] = {
                    "score": grade.score,
                    "max_score": grade.max_score,
                    "auto_score": grade.auto_score,
                    "manual_score": grade.manual_score,
                    "cell_type": grade.cell_type,
                    "needs_manual_grade": grade.needs_manual_grade,
                }
    return grades


class DirectSession:
    """Stands in for the sandbox: calls the given functions in this process."""

    dead = False

    def __init__(self, functions):
        self.functions = functions

    def call(self, name, args, kwargs, deadline):
        try:
            return self.functions[name](*args, **kwargs)
        except Exception as error:
            raise student_error(type(error).__name__, str(error)) from None
