"""`grade --dask-local 2`: the same grades as local grading, one writer, a lost worker survived.

A synthetic class of 21 submissions (the demo's kinds in several copies, and hostile ones) is
graded twice from identical copies of one course: locally with two workers, and on a real
LocalCluster of two single-threaded workers, one of which is killed while the batch runs.
"""

import json
import shutil
import sqlite3
import threading
import time

import nbformat
import pytest
from grading_runs import repository_course, sandbox_options
from synthetic_lesson import SYNTHETIC_LESSON, write_synthetic_lesson

from autograder.cli import main
from autograder.course import Course
from autograder.demo import DEMO_STUDENTS, build_class
from autograder.grade import grade
from autograder.notebooks import grade_id, read_notebook
from autograder.report import grade_rows

distributed = pytest.importorskip("distributed", reason="needs dask.distributed: pip install -e '.[cluster]'")

LESSON = SYNTHETIC_LESSON
HOSTILE = {
    "patched-numpy": "import numpy as np\nnp.allclose = lambda *a, **k: True\n",
    "imports-solutions": "from solutions.finite_diff import *\n",
    "fake-grader-error": "class GraderError(Exception): pass\nraise GraderError('x')\n",
    "writes-stderr": "import sys, warnings\nwarnings.warn('w')\nprint('e', file=sys.stderr)\n",
    "sys-exit": "import sys\nsys.exit(3)\n",
}


def _write(course, student, notebook):
    folder = course.assignment_dir("submitted", LESSON, student)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(folder / f"{LESSON}.ipynb"))


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    base = tmp_path_factory.mktemp("dask")
    local_root = base / "local"
    local_root.mkdir()
    (local_root / "nbgrader_config.py").write_text(
        (repository_course().root / "nbgrader_config.py").read_text()
    )
    write_synthetic_lesson(local_root / "notebooks", LESSON)
    assert main(["release", "--course", str(local_root)]) == 0
    local = Course.open(local_root)
    build_class(local, LESSON, DEMO_STUDENTS)
    submitted = local.step_dir("submitted")
    for copy in range(1, 3):  # more of each kind
        for student in DEMO_STUDENTS:
            shutil.copytree(submitted / student, submitted / f"{student}-{copy}")
    blank = read_notebook(local.assignment_dir("submitted", LESSON, "blank") / f"{LESSON}.ipynb")
    correct = read_notebook(local.assignment_dir("submitted", LESSON, "correct") / f"{LESSON}.ipynb")
    for name, code in HOSTILE.items():
        notebook = nbformat.from_dict(json.loads(nbformat.writes(blank)))
        notebook.cells.insert(0, nbformat.v4.new_code_cell(code))
        _write(local, name, notebook)
    edited = nbformat.from_dict(json.loads(nbformat.writes(correct)))
    for cell in edited.cells:
        if grade_id(cell) == "test_square":
            cell.metadata["nbgrader"]["points"] = 100
    _write(local, "edited-metadata", edited)
    dask_root = base / "dask"
    shutil.copytree(local_root, dask_root)
    return Course.open(local_root), Course.open(dask_root)


@pytest.fixture(scope="module")
def graded(courses):
    local, on_dask = courses
    options = dict(timeout=5, total_timeout=120, progress=False, sandbox=sandbox_options())
    local_outcomes = grade(local, LESSON, workers=2, **options)

    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    killed = {}

    def kill_one_worker_mid_run():
        while (
            len([r for r in on_dask.load_status().get(LESSON, {}).values() if r["status"] != "not graded"])
            < 3
        ):
            time.sleep(0.2)
        address = sorted(client.scheduler_info()["workers"])[0]
        try:
            client.run(lambda: __import__("os")._exit(1), workers=[address])
        except Exception:  # the worker dies before it can answer
            pass
        killed["address"] = address

    killer = threading.Thread(target=kill_one_worker_mid_run, daemon=True)
    killer.start()
    try:
        dask_outcomes = grade(on_dask, LESSON, dask_client=client, **options)
    finally:
        client.close()
        cluster.close()
    killer.join(timeout=5)
    return {"local": local_outcomes, "dask": dask_outcomes, "killed": killed}


def _grades(course):
    return {row.student: (row.status, row.score) for row in grade_rows(course)}


def test_a_worker_was_killed_mid_run(graded):
    assert graded["killed"]


def test_dask_grades_equal_local_grades(courses, graded):
    local, on_dask = courses
    assert len(_grades(local)) == 21
    assert _grades(on_dask) == _grades(local)
    assert {s: (o.status, o.detail) for s, o in ((o.student, o) for o in graded["dask"])} == {
        s: (o.status, o.detail) for s, o in ((o.student, o) for o in graded["local"])
    }


def test_the_expected_kinds_got_their_grades(courses, graded):
    grades = _grades(courses[1])
    assert {grades[f"correct-{i}"] for i in (1, 2)} == {grades["correct"]} and grades["correct"][1] > 0
    assert grades["infinite_loop"][0] == "timed out" and grades["kernel_dies"][0] == "kernel died"
    assert all(grades[name] == ("graded", 0.0) for name in HOSTILE)
    assert grades["edited-metadata"] == grades["correct"]


def test_the_gradebook_has_one_row_per_submission(courses, graded):
    on_dask = courses[1]
    db = sqlite3.connect(on_dask.root / "gradebook.db")
    rows = db.execute("select student_id, count(*) from submitted_assignment group by student_id").fetchall()
    status = on_dask.load_status()[LESSON]
    assert len(status) == 21 and all(record["status"] != "not graded" for record in status.values())
    # one row per graded submission; none for the others (no score in nbgrader's views, issue 14)
    graded_ones = {student for student, record in status.items() if record["status"] == "graded"}
    assert dict(rows) == {student: 1 for student in graded_ones}
    assert {"infinite_loop", "kernel_dies"} & set(dict(rows)) == set()


def test_only_missing_regrades_nothing_when_all_is_graded(courses, graded):
    on_dask = courses[1]
    assert grade(on_dask, LESSON, only_missing=True, progress=False, sandbox=sandbox_options()) == []
