"""Feedback pages readable offline (issue 14): math as MathML with no script from the network, a
table of contents naming each test by its grade_id, and tracebacks without the check helpers'
frames or the grading machine's paths. Fast: nbconvert on hand-made notebooks, no grading."""

import os
import re
import traceback
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from autograder.grader import nbgrader_settings
from autograder.grader.mathml import RenderMathOffline, latex_to_mathml, render_math
from autograder.grader.tracebacks import TidyTracebacks, short_path, tidy_traceback
from course.checks import assert_close

REPO = Path(__file__).resolve().parent.parent
REMOTE = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)


def test_formulas_become_mathml_and_code_keeps_its_dollars():
    text = (
        "Loss $L(\\boldsymbol\\theta)$, a price of \\$5, code `x = $y$`,\n"
        "$$\\frac{a}{b}$$\n\n```python\nprint('$z$')\n```\n"
    )
    out = render_math(text)
    assert out.count("<math ") == 2 and 'display="block"' in out and 'display="inline"' in out
    assert "`x = $y$`" in out and "print('$z$')" in out and "\\$5" in out
    assert "\\boldsymbol" not in out and "$$" not in out
    # the MathML's text cannot be read as markdown emphasis or links
    assert not re.search(r">[^<]*[*_\[\]`\\][^<]*<", latex_to_mathml("a_* + [b]"))


def test_formula_that_cannot_be_converted_stays_as_latex():
    assert latex_to_mathml("\\frac{") is None
    assert render_math("bad $\\frac{$ here") == "bad $\\frac{$ here"


def test_every_lesson_formula_converts():
    failures = []
    for path in sorted(REPO.glob("notebooks/*/*.ipynb")):
        for cell in nbformat.read(str(path), as_version=4).cells:
            if cell.cell_type == "markdown":
                rendered = render_math(cell.source)
                rest = re.sub(r"```.*?```|`[^`]*`", "", rendered, flags=re.S).replace("\\$", "")
                if "$" in rest:
                    failures.append(f"{path.name}: {rest[:120]!r}")
    assert not failures, failures


def test_submitted_markdown_shown_as_text_is_not_rendered():
    cell = new_markdown_cell("```text\n$x$ <b>student</b>\n```")
    notebook, _ = RenderMathOffline().preprocess(new_notebook(cells=[cell]), {})
    assert notebook.cells[0].source == cell.source


def _graded_test_cell(grade_id, score, points):
    cell = new_code_cell("assert_close(f(3.0), 6.001)")
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "grade_id": grade_id,
        "points": points,
        "score": score,
        "locked": True,
        "schema_version": 3,
    }
    return cell


def _feedback_html(notebook):
    """The page nbgrader's GenerateFeedback renders, with the course's template settings."""
    import nbgrader
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config(nbgrader_settings())
    config.HTMLExporter.template_name = "feedback"  # as NbGraderAPI.generate_feedback sets it
    bootstrap = Path(nbgrader.__file__).parent / "server_extensions/formgrader/static/node_modules/bootstrap"
    config.HTMLExporter.extra_template_paths = [str(bootstrap / "dist" / "css")]
    exporter = HTMLExporter(config=config)
    for preprocessor in (RenderMathOffline, TidyTracebacks):
        exporter.register_preprocessor(preprocessor, enabled=True)
    resources = {"nbgrader": {"notebook": "lesson", "score": 1.0, "max_score": 3.0, "late_penalty": 0}}
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    return body


def test_feedback_page_needs_no_network_and_names_tests():
    notebook = new_notebook(
        cells=[
            new_markdown_cell("The loss $L(\\boldsymbol\\theta) = \\frac{1}{n}\\sum_i \\ell_i$."),
            _graded_test_cell("test_forward_difference", 1.0, 1.0),
            _graded_test_cell("test_gradient_check", 0.0, 2.0),
        ]
    )
    page = _feedback_html(notebook)
    assert "<math " in page and "\\boldsymbol" not in page
    assert not REMOTE.findall(page), REMOTE.findall(page)
    assert "MathJax.Hub" not in page and not re.search(r"<script[^>]*\bsrc=", page)
    assert "Test cell" not in page
    for grade_id in ("test_forward_difference", "test_gradient_check"):
        assert f'<a href="#{grade_id}">Test <code>{grade_id}</code></a>' in page


def _real_failure():
    """The traceback text of a failing assert_close, as the sandbox driver formats it."""
    try:
        assert_close(6.0, 6.001, "forward_difference(x**2, 3, 0.001)")
    except AssertionError as error:
        return (
            "Traceback (most recent call last):\n"
            + "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))
            + "".join(traceback.format_exception_only(type(error), error))
        )
    raise AssertionError("assert_close did not fail")


def test_tracebacks_hide_check_helper_frames_and_absolute_paths():
    text = _real_failure()
    assert "course/checks.py" in text and str(REPO) in text  # the raw one shows both
    tidy = tidy_traceback(text)
    assert "checks.py" not in tidy and "raise AssertionError" not in tidy
    assert os.sep + "tests" + os.sep not in tidy and str(REPO) not in tidy
    assert 'File "test_feedback_page.py"' in tidy  # the caller's frame stays, short
    assert tidy.endswith(
        "AssertionError: forward_difference(x**2, 3, 0.001) = 6, expected 6.001 (rtol=1e-06, atol=1e-09)\n"
    )
    cell = new_code_cell("x")
    cell.outputs = [new_output("error", ename="AssertionError", evalue="e", traceback=[text])]
    notebook, _ = TidyTracebacks().preprocess(new_notebook(cells=[cell]), {})
    assert notebook.cells[0].outputs[0].traceback == [tidy]


def test_short_paths():
    assert short_path("<cell 3>") == "<cell 3>"
    assert short_path("/x/.venv/lib/python3.11/site-packages/numpy/_core/fromnumeric.py") == (
        "numpy/_core/fromnumeric.py"
    )
    assert short_path("/home/grader/optdl/course/data.py") == "course/data.py"
    assert short_path("/usr/lib/python3.11/json/decoder.py") == "json/decoder.py"
    assert short_path("/srv/elsewhere/helper.py") == "helper.py"
