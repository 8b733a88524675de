"""A tiny synthetic lesson in the course's conventions, for testing the pipeline without a real lesson.

Three exercises (the third calls the first, so a bug in `square` costs two tests), each with a
visible test and a hidden block written through the harness. `broken=True` makes the first hidden
test load a reference that does not exist: the grader's failure, which must never become a zero.
The hidden inputs include SECRET_INPUTS, distinctive numbers that tests look for in feedback.
"""

from pathlib import Path

import nbformat

SYNTHETIC_LESSON = "90_synthetic"
BROKEN_LESSON = "91_broken_grader"
SECRET_INPUTS = ("123456.789", "987654.321")
POINTS = {"test_square": 2, "test_scaled_sum": 3, "test_sum_of_squares": 1}


def _code(source, **nbgrader):
    cell = nbformat.v4.new_code_cell(source)
    if nbgrader:
        cell.metadata["nbgrader"] = {"schema_version": 3, "task": False, **nbgrader}
    return cell


def _solution(name, source):
    return _code(source, grade=False, grade_id=f"ex_{name}", locked=False, solution=True)


def _test(name, source):
    return _code(
        source,
        grade=True,
        grade_id=f"test_{name}",
        locked=True,
        solution=False,
        points=POINTS[f"test_{name}"],
    )


def synthetic_notebook(broken=False):
    """The source notebook (solutions and hidden tests in place) as an nbformat node."""
    square_reference = (
        "'solutions.does_not_exist:square'" if broken else "lambda x: np.asarray(x, dtype=float) ** 2"
    )
    cells = [
        nbformat.v4.new_markdown_cell("# A synthetic lesson\nUsed by the autograder's own tests."),
        _code("import numpy as np\nfrom course.checks import assert_close"),
        _solution(
            "square",
            (
                "def square(x):\n"
                '    """Elementwise x**2. x: number or array, any shape; returns float, same shape."""\n'
                "    ### BEGIN SOLUTION\n"
                "    squared_values = np.asarray(x, dtype=float) ** 2\n"
                "    return squared_values\n"
                "    ### END SOLUTION"
            ),
        ),
        _test(
            "square",
            (
                'assert_close(square(3.0), 9.0, "square(3.0)")\n'
                'assert_close(square(np.array([1.0, -2.0])), [1.0, 4.0], "square([1, -2])")\n'
                "### BEGIN HIDDEN TESTS\n"
                "from autograder.grader.harness import Case, check_against_reference\n"
                "hidden_rng = np.random.default_rng(7)\n"
                f'check_against_reference("square", square, {square_reference},\n'
                '    [Case("a random matrix", (hidden_rng.normal(size=(3, 4)),)),\n'
                f'     Case("a large number", ({SECRET_INPUTS[0]},))])\n'
                "### END HIDDEN TESTS"
            ),
        ),
        _solution(
            "scaled_sum",
            (
                "def scaled_sum(x, scale=2.0):\n"
                '    """scale * sum(x) as a float. x: array of any shape."""\n'
                "    ### BEGIN SOLUTION\n"
                "    total_of_entries = float(np.sum(x))\n"
                "    return scale * total_of_entries\n"
                "    ### END SOLUTION"
            ),
        ),
        _test(
            "scaled_sum",
            (
                'assert_close(scaled_sum(np.array([1.0, 2.0])), 6.0, "scaled_sum([1, 2])")\n'
                "### BEGIN HIDDEN TESTS\n"
                "from autograder.grader.harness import Case, check_against_reference\n"
                'check_against_reference("scaled_sum", scaled_sum,\n'
                "    lambda x, scale=2.0: scale * float(np.sum(x)),\n"
                f'    [Case("a vector and a scale", (np.array([{SECRET_INPUTS[1]}, 1.0]),),\n'
                '          {"scale": 0.5})])\n'
                "### END HIDDEN TESTS"
            ),
        ),
        _solution(
            "sum_of_squares",
            (
                "def sum_of_squares(x):\n"
                '    """Sum of x**2 over all entries, using square. x: array of any shape."""\n'
                "    ### BEGIN SOLUTION\n"
                "    return float(np.sum(square(x)))\n"
                "    ### END SOLUTION"
            ),
        ),
        _test(
            "sum_of_squares",
            (
                'assert_close(sum_of_squares(np.array([3.0, 4.0])), 25.0, "sum_of_squares([3, 4])")\n'
                "### BEGIN HIDDEN TESTS\n"
                "from autograder.grader.harness import check_that\n"
                'check_that("sum_of_squares", lambda: sum_of_squares(np.ones((2, 5))) == 10.0,\n'
                '           "a 2x5 matrix of ones")\n'
                "### END HIDDEN TESTS"
            ),
        ),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


def write_synthetic_lesson(source_dir, name=SYNTHETIC_LESSON, broken=False):
    """Write notebooks/<name>/<name>.ipynb under `source_dir`; returns the notebook path."""
    folder = Path(source_dir) / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    nbformat.write(synthetic_notebook(broken=broken), str(path))
    return path
