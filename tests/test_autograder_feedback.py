"""WithholdHiddenTests on hand-made autograded notebooks: what stays, what goes.

The end-to-end check (real nbgrader feedback, grep of the HTML) is in test_autograder_pipeline.py.
"""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.feedback import WITHHELD_LINE, WithholdHiddenTests, hidden_secrets

TEST_SOURCE = "\n".join([
    "assert_close(square(3.0), 9.0)",                     # line 1: visible
    "print('visible check done')",                         # line 2
    "### BEGIN HIDDEN TESTS",                              # line 3
    "secret_point = 314159.2653",                          # line 4
    "check_against_reference('square', square, ref, [Case('big', (secret_point,))])",  # line 5
    "### END HIDDEN TESTS",
])
HIDDEN_CALL = "check_against_reference('square', square, ref, [Case('big', (secret_point,))])"


def _traceback(cell_line, code_line):
    return ["\x1b[31m-------------------\x1b[39m",
            f"\x1b[36mCell\x1b[39m \x1b[32mIn[7]\x1b[39m\x1b[32m, line {cell_line}\x1b[39m\n"
            f"\x1b[32m----> \x1b[39m\x1b[32m{cell_line}\x1b[39m {code_line}\n"
            "\x1b[32m      3\x1b[39m ### BEGIN HIDDEN TESTS\n"
            "\x1b[32m      4\x1b[39m secret_point = 314159.2653\n"
            f"\x1b[32m      5\x1b[39m {HIDDEN_CALL}\n"]


def _test_cell(outputs, score=0.0, points=2.0):
    cell = new_code_cell(TEST_SOURCE)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_square", "points": points,
                                 "score": score, "locked": True, "schema_version": 3}
    cell.outputs = outputs
    return cell


def _run(*cells):
    notebook = new_notebook(cells=list(cells))
    notebook, _ = WithholdHiddenTests().preprocess(notebook, {})
    return notebook


def _all_text(cell):
    return cell.source + "\n" + nbformat.writes(new_notebook(cells=[cell]))


def test_hidden_region_becomes_a_note_with_name_and_points():
    cell = _run(_test_cell([], score=0.0, points=2.0)).cells[0]
    assert "secret_point" not in cell.source and "HIDDEN TESTS" not in cell.source
    assert "# [hidden tests of test_square: 0 of 2 points; their code and inputs are not shown]" in cell.source
    assert cell.source.startswith("assert_close(square(3.0), 9.0)\nprint('visible check done')")


def test_visible_failure_keeps_its_traceback_without_hidden_lines():
    error = new_output("error", ename="AssertionError", evalue="square(3.0) = 18.0, expected 9.0",
                       traceback=_traceback(1, "assert_close(square(3.0), 9.0)"))
    cell = _run(_test_cell([error])).cells[0]
    (output,) = cell.outputs
    text = "\n".join(output.traceback)
    assert "assert_close(square(3.0), 9.0)" in text and "In[7]" in text
    assert "secret_point" not in text and "314159" not in text and "HIDDEN" not in text
    assert output.evalue == "square(3.0) = 18.0, expected 9.0"


def test_hidden_failure_shows_only_the_harness_message_without_student_exception_text():
    message = ("square: 2 of 2 hidden cases failed\n  - big: values differ from the reference (max relative "
               "error 1)\n  - huge: raised ValueError: got x=314159.2653")
    error = new_output("error", ename="HiddenTestFailure", evalue=message, traceback=_traceback(5, HIDDEN_CALL))
    cell = _run(_test_cell([error])).cells[0]
    (output,) = cell.outputs
    assert output.traceback == [f"HiddenTestFailure: {output.evalue}"]
    assert "big: values differ from the reference" in output.evalue
    assert "huge: raised ValueError (its message is withheld)" in output.evalue
    assert "314159" not in _all_text(cell) and "check_against_reference" not in _all_text(cell)


def test_other_errors_inside_hidden_tests_are_withheld():
    error = new_output("error", ename="IndexError", evalue="index 314159 is out of bounds",
                       traceback=_traceback(5, HIDDEN_CALL))
    (output,) = _run(_test_cell([error])).cells[0].outputs
    assert output.ename == "IndexError"
    assert output.evalue == "raised while the hidden tests ran; details withheld"
    assert output.traceback == ["IndexError: raised while the hidden tests ran; details withheld"]


def test_unrecognised_traceback_is_treated_as_hidden():
    error = new_output("error", ename="RuntimeError", evalue="boom", traceback=["something unusual"])
    (output,) = _run(_test_cell([error])).cells[0].outputs
    assert output.evalue == "raised while the hidden tests ran; details withheld"


def test_printed_output_of_a_hidden_test_cell_is_dropped():
    printed = new_output("stream", name="stdout", text="visible check done\nsquare got [0.1234567 1.2]\n")
    result = new_output("execute_result", data={"text/plain": "2"}, execution_count=7)
    cell = _run(_test_cell([printed, result])).cells[0]
    assert cell.outputs == []


def test_hidden_literals_are_withheld_from_every_other_cell():
    other = new_code_cell("print(stash)")
    other.outputs = [new_output("stream", name="stdout", text="harmless line\nstash = [314159.2653]\n")]
    notebook = _run(_test_cell([]), other)
    assert notebook.cells[1].outputs[0].text == f"harmless line\n{WITHHELD_LINE}\n"


def test_secrets_are_hidden_lines_and_long_number_literals():
    secrets = hidden_secrets(new_notebook(cells=[_test_cell([])]))
    assert "secret_point = 314159.2653" in secrets["lines"]
    assert secrets["numbers"] == {"314159.2653"}
