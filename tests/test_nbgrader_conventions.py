"""autograder.notebooks reads cells and regions exactly as nbgrader does (issue 16, item 7).

autograder.notebooks keeps its own cell predicates and delimiter constants instead of importing
nbgrader (see its docstring for the measured reason); these tests hold them to nbgrader's own
`nbgrader.utils` predicates and to the delimiters nbgrader's preprocessors read from this
repository's nbgrader_config.py, so the two cannot drift apart.
"""

import itertools

import nbformat
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions
from traitlets.config import PyFileConfigLoader

from autograder import notebooks

FLAGS = ("solution", "grade", "locked", "task")


def _cells():
    for cell_type, values in itertools.product(
        ("code", "markdown"), itertools.product((None, False, True), repeat=4)
    ):
        meta = {flag: value for flag, value in zip(FLAGS, values, strict=True) if value is not None}
        make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
        yield make("x = 1", metadata={"nbgrader": meta})
    yield nbformat.v4.new_code_cell("x = 1")  # no nbgrader metadata at all


def test_cell_predicates_agree_with_nbgrader_utils():
    cells = list(_cells())
    assert len(cells) == 2 * 81 + 1
    for cell in cells:
        solution, grade = bool(utils.is_solution(cell)), bool(utils.is_grade(cell))
        assert notebooks.is_solution_cell(cell) == solution, cell.metadata
        assert notebooks.is_autograded_test(cell) == (cell.cell_type == "code" and grade and not solution)
        assert notebooks.is_manual_answer(cell) == (grade and solution), cell.metadata


def test_cell_predicates_survive_metadata_that_nbgrader_utils_does_not():
    hostile = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": None})
    assert not notebooks.is_solution_cell(hostile) and not notebooks.is_autograded_test(hostile)


def test_delimiters_are_the_ones_nbgrader_uses_with_this_repositorys_config(repo_root):
    config = PyFileConfigLoader("nbgrader_config.py", path=str(repo_root)).load_config()
    solutions, hidden = ClearSolutions(config=config), ClearHiddenTests(config=config)
    assert notebooks.BEGIN_SOLUTION == solutions.begin_solution_delimeter
    assert notebooks.END_SOLUTION == solutions.end_solution_delimeter
    assert notebooks.BEGIN_HIDDEN == hidden.begin_test_delimeter
    assert notebooks.END_HIDDEN == hidden.end_test_delimeter
