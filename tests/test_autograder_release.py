"""`release`: student versions without solutions, hidden tests or jupytext pairing, and a leak
check that fails loudly (file and cell named) when something secret gets through."""

import json

import nbformat
import pytest
from grading_runs import repository_course
from synthetic_lesson import SECRET_INPUTS, SYNTHETIC_LESSON, synthetic_notebook

from autograder.cli import main
from autograder.course import Course
from autograder.release import find_leaks, secret_lines

LESSON = SYNTHETIC_LESSON


def _course(root, notebook=None, extra_config=""):
    root.mkdir(parents=True, exist_ok=True)
    config = (repository_course().root / "nbgrader_config.py").read_text() + extra_config
    (root / "nbgrader_config.py").write_text(config)
    folder = root / "notebooks" / LESSON
    folder.mkdir(parents=True)
    notebook = notebook or synthetic_notebook()
    nbformat.write(notebook, str(folder / f"{LESSON}.ipynb"))
    return Course.open(root)


def _released_path(course):
    return course.assignment_dir("release", LESSON) / f"{LESSON}.ipynb"


def test_release_strips_solutions_hidden_tests_and_pairing(tmp_path, capsys):
    notebook = synthetic_notebook()
    notebook.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    course = _course(tmp_path / "course", notebook)
    (course.step_dir("source") / LESSON / f"{LESSON}.py").write_text("# the jupytext twin, with solutions\n")
    assert main(["release", "--course", str(course.root)]) == 0
    assert f"{LESSON}: released in" in capsys.readouterr().out
    released_text = _released_path(course).read_text()
    assert "jupytext" not in json.loads(released_text)["metadata"]
    for secret in ("squared_values", "total_of_entries", "check_against_reference", "BEGIN", *SECRET_INPUTS):
        assert secret not in released_text, secret
    assert (
        'raise NotImplementedError(\\"replace this line with your solution\\")' in released_text
    )  # JSON-escaped
    assert sorted(p.name for p in _released_path(course).parent.iterdir()) == [f"{LESSON}.ipynb"]


def test_a_twin_that_reaches_the_release_fails_it(tmp_path, capsys):
    """With the *.py ignore rule dropped from the config, the twin is copied: release must fail."""
    course = _course(
        tmp_path / "course", extra_config='\nc.CourseDirectory.ignore = [".ipynb_checkpoints"]\n'
    )
    twin = "def square(x):\n    ### BEGIN SOLUTION\n    squared_values = np.asarray(x, dtype=float) ** 2\n"
    (course.step_dir("source") / LESSON / f"{LESSON}.py").write_text(twin)
    assert main(["release", "--course", str(course.root)]) == 1
    err = capsys.readouterr().err
    assert f"LEAK, do not distribute release/{LESSON}" in err
    assert f"{LESSON}.py: line 2: nbgrader marker 'BEGIN SOLUTION'" in err
    assert f"{LESSON}.py: line 3: line from a solution or hidden test" in err


def test_leaks_in_a_tampered_release_name_file_and_cell(tmp_path):
    course = _course(tmp_path / "course")
    assert main(["release", "--course", str(course.root)]) == 0
    path = _released_path(course)
    released = nbformat.read(str(path), as_version=4)
    by_id = {
        cell.metadata.get("nbgrader", {}).get("grade_id"): index for index, cell in enumerate(released.cells)
    }
    released.cells[by_id["ex_square"]].source += "\n    squared_values = np.asarray(x, dtype=float) ** 2"
    released.cells[
        by_id["test_scaled_sum"]
    ].source += "\nfrom autograder.grader.harness import Case, check_against_reference"
    released.cells[0].source += "\n### END HIDDEN TESTS"
    nbformat.write(released, str(path))
    leaks = [str(leak) for leak in find_leaks(course.step_dir("source") / LESSON, path.parent)]
    assert len(leaks) == 3, leaks
    assert any(
        f"cell {by_id['ex_square']} (ex_square) source: line from a solution" in leak for leak in leaks
    )
    assert any(
        f"cell {by_id['test_scaled_sum']} (test_scaled_sum) source: line from a solution or hidden" in leak
        for leak in leaks
    )
    assert any("cell 0 source: nbgrader marker 'END HIDDEN TESTS'" in leak for leak in leaks)
    assert all(str(path) in leak for leak in leaks)


def test_a_solution_line_that_is_also_public_is_not_a_leak(tmp_path):
    notebook = synthetic_notebook()
    cell = next(
        c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex_scaled_sum"
    )
    cell.source = (
        "def scaled_sum(x, scale=2.0):\n    if scale is None:\n        raise ValueError('scale')\n"
        "    ### BEGIN SOLUTION\n    if scale is None:\n        scale = 2.0\n"
        "    return scale * float(np.sum(x))\n    ### END SOLUTION"
    )
    course = _course(tmp_path / "course", notebook)
    secrets = secret_lines(course.step_dir("source") / LESSON)
    assert "if scale is None:" not in secrets  # it is in the public part too
    assert "return scale * float(np.sum(x))" in secrets
    assert main(["release", "--course", str(course.root)]) == 0


def test_unknown_assignment_and_missing_config_are_clear_errors(tmp_path, capsys):
    course = _course(tmp_path / "course")
    assert main(["release", "99_nothing", "--course", str(course.root)]) == 2
    assert "unknown assignment '99_nothing'" in capsys.readouterr().err
    assert main(["release", "--course", str(tmp_path)]) == 2
    assert "no nbgrader_config.py" in capsys.readouterr().err


@pytest.mark.parametrize("bad", [["--workers", "0"], ["--timeout", "-1"]])
def test_bad_grading_options_are_clear_errors(tmp_path, capsys, bad):
    course = _course(tmp_path / "course")
    assert main(["release", "--course", str(course.root)]) == 0
    folder = course.assignment_dir("submitted", LESSON, "ann")
    folder.mkdir(parents=True)
    (folder / f"{LESSON}.ipynb").write_text(_released_path(course).read_text())
    capsys.readouterr()
    assert main(["grade", LESSON, "--course", str(course.root)] + bad) == 2
    err = capsys.readouterr().err
    assert ("workers must be a positive number" in err) or ("timeout must be a positive number" in err)


def test_a_written_answer_is_released_as_the_stub_and_its_rubric_is_a_secret(tmp_path):
    """A manually graded markdown answer: the release keeps only nbgrader's "YOUR ANSWER HERE", and
    a rubric line that reaches a released file anyway is a leak naming the cell."""
    notebook = synthetic_notebook()
    notebook.cells.append(nbformat.v4.new_markdown_cell("### Written question (2 points): why?"))
    rubric = "- 1 point: names the cancellation of the even-order terms"
    answer = nbformat.v4.new_markdown_cell(
        "### BEGIN SOLUTION\n**Model answer.** The even terms cancel.\n\n"
        f"**Rubric.**\n{rubric}\n### END SOLUTION"
    )
    answer.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "written_why",
        "locked": False,
        "points": 2,
        "schema_version": 3,
        "solution": True,
        "task": False,
    }
    notebook.cells.append(answer)
    course = _course(tmp_path / "course", notebook)
    assert main(["release", "--course", str(course.root)]) == 0
    path = _released_path(course)
    released = nbformat.read(str(path), as_version=4)
    assert released.cells[-1].source == "YOUR ANSWER HERE"
    assert "Rubric" not in path.read_text() and "even terms cancel" not in path.read_text()
    assert rubric in secret_lines(course.step_dir("source") / LESSON)
    released.cells[-2].source += "\n" + rubric
    nbformat.write(released, str(path))
    leaks = [str(leak) for leak in find_leaks(course.step_dir("source") / LESSON, path.parent)]
    assert leaks == [
        f"{path}: cell {len(released.cells) - 2} source: line from a solution or hidden test: {rubric!r}"
    ]


def test_nbgraders_own_generate_runs_the_release_checks(tmp_path):
    """The formgrader's Generate button calls NbGraderAPI.generate_assignment with the course's
    config: the pairing is removed there too, and a leaking release is refused and deleted."""
    notebook = synthetic_notebook()
    notebook.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    course = _course(tmp_path / "clean", notebook)
    outcome = course.api().generate_assignment(LESSON, force=True, create=True)
    assert outcome["success"], outcome["log"] + outcome["error"]
    assert "jupytext" not in json.loads(_released_path(course).read_text())["metadata"]

    course = _course(tmp_path / "leaky", extra_config='\nc.CourseDirectory.ignore = [".ipynb_checkpoints"]\n')
    twin = "def square(x):\n    ### BEGIN SOLUTION\n    squared_values = np.asarray(x, dtype=float) ** 2\n"
    (course.step_dir("source") / LESSON / f"{LESSON}.py").write_text(twin)
    outcome = course.api().generate_assignment(LESSON, force=True, create=True)
    assert not outcome["success"]
    log = outcome["log"] + outcome["error"]
    assert "ReleaseLeakError: 2 leak(s) in the release" in log, log
    assert f"{LESSON}.py: line 2: nbgrader marker 'BEGIN SOLUTION'" in log
    assert not course.assignment_dir("release", LESSON).exists()
