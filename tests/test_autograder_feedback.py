"""WithholdHiddenTests on hand-made autograded notebooks: what stays, what goes.

The end-to-end check (real nbgrader feedback, grep of the HTML) is in test_autograder_pipeline.py.
"""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.grader.withhold import WITHHELD_LINE, WithholdHiddenTests, hidden_secrets

TEST_SOURCE = "\n".join(
    [
        "assert_close(square(3.0), 9.0)",  # line 1: visible
        "print('visible check done')",  # line 2
        "### BEGIN HIDDEN TESTS",  # line 3
        "secret_point = 314159.2653",  # line 4
        "check_against_reference('square', square, ref, [Case('big', (secret_point,))])",  # line 5
        "### END HIDDEN TESTS",
    ]
)
HIDDEN_CALL = "check_against_reference('square', square, ref, [Case('big', (secret_point,))])"


def _traceback(code_line):
    return [
        "Traceback (most recent call last):\n"
        f'  File "<cell 7>", line 1, in <module>\n    {code_line}\n'
        "AssertionError: square(3.0) = 18.0, expected 9.0\n"
    ]


def _test_cell(outputs, score=0.0, points=2.0):
    cell = new_code_cell(TEST_SOURCE)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "grade_id": "test_square",
        "points": points,
        "score": score,
        "locked": True,
        "schema_version": 3,
    }
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
    assert (
        "# [hidden tests of test_square: 0 of 2 points; their code and inputs are not shown]" in cell.source
    )
    assert cell.source.startswith("assert_close(square(3.0), 9.0)\nprint('visible check done')")


def test_visible_failure_keeps_its_traceback():
    error = new_output(
        "error",
        ename="AssertionError",
        evalue="square(3.0) = 18.0, expected 9.0",
        traceback=_traceback("assert_close(square(3.0), 9.0)"),
    )
    cell = _run(_test_cell([error])).cells[0]
    (output,) = cell.outputs
    assert "assert_close(square(3.0), 9.0)" in "\n".join(output.traceback)
    assert output.evalue == "square(3.0) = 18.0, expected 9.0"


def test_hidden_failure_shows_only_the_harness_message_without_student_exception_text():
    message = (
        "square: 2 of 2 hidden cases failed\n  - big: values differ from the reference (max relative "
        "error 1)\n  - huge: raised ValueError: got x=314159.2653"
    )
    error = new_output(
        "error", ename="HiddenTestFailure", evalue=message, traceback=[f"HiddenTestFailure: {message}"]
    )
    cell = _run(_test_cell([error])).cells[0]
    (output,) = cell.outputs
    assert output.traceback == [f"HiddenTestFailure: {output.evalue}"]
    assert "big: values differ from the reference" in output.evalue
    assert "huge: raised ValueError (its message is withheld)" in output.evalue
    assert "314159" not in _all_text(cell) and "check_against_reference" not in _all_text(cell)


def test_visible_output_of_a_test_cell_is_kept_but_not_its_secrets():
    printed = new_output("stream", name="stdout", text="visible check done\nsquare got [314159.2653]\n")
    cell = _run(_test_cell([printed])).cells[0]
    assert cell.outputs[0].text == f"visible check done\n{WITHHELD_LINE}\n"


def test_only_text_and_png_outputs_reach_the_page():
    rich = new_output(
        "display_data",
        data={
            "text/html": "<script>alert(1)</script>",
            "text/plain": "ok",
            "application/javascript": "alert(2)",
            "image/png": "iVBORw0KGgo=",
        },
    )
    other = new_code_cell("display(x)")
    other.outputs = [rich]
    (output,) = _run(other).cells[0].outputs
    assert set(output.data) == {"text/plain", "image/png"}


def test_markdown_and_raw_cells_of_the_submission_are_shown_as_text():
    markdown = nbformat.v4.new_markdown_cell(
        "Answer <img src=x onerror=alert(1)> and [x](javascript:alert(2)) ```"
    )
    raw = nbformat.v4.new_raw_cell("<script>alert(3)</script>")
    raw.metadata["raw_mimetype"] = "text/html"
    notebook = _run(markdown, raw)
    for cell in notebook.cells:
        assert cell.cell_type == "markdown"
        first, *_, last = cell.source.split("\n")
        fence = first[: -len("text")]
        assert first.endswith("text") and set(fence) == {"`"} and last == fence and len(fence) >= 3
    assert notebook.cells[0].source.startswith("````text")  # longer than the answer's own ``` run
    html = nbconvert_html(notebook)
    assert "<img" not in html.split("<body")[-1].replace("&lt;img", "") and "<script>alert" not in html
    assert "javascript:alert" not in html.replace("javascript:alert(2)) ", "").split("href=")[-1][:20]


def nbconvert_html(notebook):
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="classic").from_notebook_node(notebook)
    return body


def test_hidden_literals_are_withheld_from_every_other_cell():
    other = new_code_cell("print(stash)")
    other.outputs = [new_output("stream", name="stdout", text="harmless line\nstash = [314159.2653]\n")]
    notebook = _run(_test_cell([]), other)
    assert notebook.cells[1].outputs[0].text == f"harmless line\n{WITHHELD_LINE}\n"


def test_secrets_are_hidden_lines_and_long_number_literals():
    secrets = hidden_secrets(new_notebook(cells=[_test_cell([])]))
    assert "secret_point = 314159.2653" in secrets["lines"]
    assert secrets["numbers"] == {"314159.2653"}
