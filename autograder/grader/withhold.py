"""nbgrader preprocessor `WithholdHiddenTests`: what a feedback page may show of an autograded notebook.

Runs inside nbgrader's GenerateFeedback (registered in nbgrader_config.py, so plain
`nbgrader generate_feedback` and the formgrader's button are safe too), right after GetGrades.
Hidden tests never ran in the student's process (see autograder.grader.execute), so a test cell's
outputs are its visible tests' outputs plus the grader's own verdict. Before rendering:

- a test cell's hidden region becomes one comment naming the test and its points;
- the verdict keeps the harness message (case labels, never inputs) without the text of
  exceptions the student's code raised (that text could carry hidden inputs);
- every output line showing a line of hidden source or a distinctive number literal of the
  hidden tests is withheld;
- everything that came from the submission is shown as text: outputs other than plain text and
  PNG images are dropped, markdown that is not the release's own and raw cells are shown as
  preformatted text, so a submission's HTML or script never reaches the page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool

from ..notebooks import (
    BEGIN_HIDDEN,
    END_HIDDEN,
    grade_id,
    hidden_region_span,
    nbgrader_metadata,
    read_notebook,
    region_lines,
    without_region,
)

# Not nbconvert.filters.strip_ansi, for a security reason: its pattern (ESC [ then anything up
# to the first letter) would also swallow "ESC[0.1234 x", so a submission could print a hidden
# input after a bare ESC[ and slip it past the secret check below. This one removes only
# well-formed colour codes and leaves everything else to be checked.
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
NUMBER_LITERAL = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")
# Number literals at least this long are specific enough to look for in outputs ("123456.789").
MIN_SECRET_NUMBER_CHARS = 6
MIN_SECRET_LINE_CHARS = 8
RAISED_MESSAGE = re.compile(r"(raised [A-Za-z_][A-Za-z0-9_.]*): .*$")
WITHHELD_LINE = "[line withheld: it contained hidden test data]"
SAFE_MIME_TYPES = ("text/plain", "image/png")


class WithholdHiddenTests(Preprocessor):
    """nbconvert preprocessor: remove hidden tests and what they reveal; render submissions as text."""

    # nbconvert preprocessors are off unless enabled; this one must never be skipped.
    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        self.secrets = hidden_secrets(nb)
        self.trusted_markdown = self._released_markdown(resources)
        return super().preprocess(nb, resources)

    def _released_markdown(self, resources):
        """Markdown sources of the released notebook: the instructor's, rendered as markdown."""
        info = (resources or {}).get("nbgrader", {})
        if not info.get("assignment"):
            return set()
        try:
            from nbgrader.coursedir import CourseDirectory

            coursedir = CourseDirectory(parent=self)
            for step in (coursedir.release_directory, coursedir.source_directory):
                path = (
                    Path(coursedir.format_path(step, ".", info["assignment"]))
                    / f"{info.get('notebook')}.ipynb"
                )
                if path.is_file():
                    return {cell.source for cell in read_notebook(path).cells if cell.cell_type == "markdown"}
        except Exception as error:  # no course folder: render every markdown cell as text
            self.log.warning("released notebook not found (%s): all markdown shown as text", error)
        return set()

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "raw" or (
            cell.cell_type == "markdown" and cell.source not in self.trusted_markdown
        ):
            return as_text_cell(cell), resources
        if cell.cell_type != "code":
            return cell, resources
        if hidden_region_span(cell) is not None:
            cell.source = without_region(
                cell.source, BEGIN_HIDDEN, END_HIDDEN, replacement=_hidden_note(cell)
            )
            cell.outputs = [_verdict_without_student_messages(output) for output in cell.outputs]
        cell.outputs = [_scrub_output(output, self.secrets) for output in cell.outputs if _shown(output)]
        return cell, resources


def as_text_cell(cell: NotebookNode) -> NotebookNode:
    """A markdown cell that shows `cell`'s source verbatim as preformatted text (no HTML, no links)."""
    source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
    longest = max((len(run) for run in re.findall(r"`+", source)), default=0)
    fence = "`" * max(3, longest + 1)
    # Only nbgrader's metadata is kept (the release's, restored at grading, plus the score GetGrades
    # added): a written answer keeps its heading and score or "needs manual grading" on the page.
    metadata = {"nbgrader": cell.metadata["nbgrader"]} if "nbgrader" in cell.get("metadata", {}) else {}
    text = NotebookNode(
        {"cell_type": "markdown", "metadata": metadata, "source": f"{fence}text\n{source}\n{fence}"}
    )
    if "id" in cell:
        text["id"] = cell["id"]
    return text


def hidden_secrets(notebook: NotebookNode) -> dict[str, Any]:
    """Hidden source lines and distinctive number literals of every hidden region in `notebook`."""
    lines, numbers = set(), set()
    for cell in notebook.cells:
        for line in region_lines(cell, BEGIN_HIDDEN, END_HIDDEN):
            stripped = line.strip()
            if len(stripped) >= MIN_SECRET_LINE_CHARS:
                lines.add(stripped)
            code = line.split("#", 1)[0]
            numbers.update(
                n.lstrip("+-")
                for n in NUMBER_LITERAL.findall(code)
                if len(n.lstrip("+-")) >= MIN_SECRET_NUMBER_CHARS
            )
    return {"lines": lines, "numbers": numbers}


def _hidden_note(cell):
    meta = nbgrader_metadata(cell)
    score, points = meta.get("score"), meta.get("points")
    scored = (
        f": {score:g} of {points:g} points" if isinstance(score, (int, float)) and points is not None else ""
    )
    return f"# [hidden tests of {grade_id(cell)}{scored}; their code and inputs are not shown]"


def _shown(output):
    return output.get("output_type") in ("stream", "error", "display_data", "execute_result")


def _verdict_without_student_messages(output):
    """The grader's HiddenTestFailure verdict with the student's exception messages withheld."""
    if output.get("output_type") != "error" or output.get("ename") != "HiddenTestFailure":
        return output
    message = "\n".join(
        RAISED_MESSAGE.sub(r"\1 (its message is withheld)", line)
        for line in (output.get("evalue") or "").split("\n")
    )
    return NotebookNode(dict(output, evalue=message, traceback=[f"HiddenTestFailure: {message}"]))


def _scrub_output(output, secrets):
    """Only text and PNG data, and every line that shows a hidden line or literal withheld."""

    def scrub(text):
        return "\n".join(
            WITHHELD_LINE if _shows_secret(ANSI.sub("", line), secrets) else line for line in text.split("\n")
        )

    output = NotebookNode(dict(output))
    if "text" in output:
        output["text"] = scrub(output["text"] if isinstance(output["text"], str) else "".join(output["text"]))
    if "traceback" in output:
        output["traceback"] = [scrub(entry) for entry in output["traceback"]]
    if "evalue" in output:
        output["evalue"] = scrub(output["evalue"])
    if "data" in output:
        data = {}
        for mime in SAFE_MIME_TYPES:
            value = output["data"].get(mime)
            if value is None:
                continue
            text = (
                value if isinstance(value, str) else "".join(value) if isinstance(value, list) else str(value)
            )
            data[mime] = scrub(text) if mime == "text/plain" else text
        output["data"] = NotebookNode(data)
        output["metadata"] = NotebookNode({})
    return output


def _shows_secret(text, secrets):
    if not text.strip():
        return False
    if any(line in text for line in secrets["lines"]):
        return True
    return any(number in text for number in secrets["numbers"])
