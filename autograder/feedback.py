"""`feedback`: HTML feedback per student that never shows the hidden tests.

The autograded notebook holds the hidden tests (nbgrader restores the locked test cells from the
gradebook before running them). `WithholdHiddenTests` runs inside nbgrader's GenerateFeedback,
right after GetGrades, and rewrites each notebook before it is rendered:

- a test cell's hidden region becomes one comment naming the test and its points;
- an error raised inside the hidden region keeps its name and, for HiddenTestFailure, the
  harness message (case labels, never inputs), minus the text of any exception the student's
  code raised (that text could carry the hidden inputs);
- an error raised by the visible tests keeps its traceback, minus any line of hidden source;
- printed output and results of a hidden-test cell are dropped (a student's debug print would
  show the hidden inputs);
- in every cell, an output line containing a line of hidden source or a distinctive number
  literal of the hidden tests is withheld.

Statuses other than "graded" get a short page saying why the submission was not graded. After
rendering, each page is checked again for hidden source, and files that the student's code may
have written next to the notebook are not passed on.
"""

import html
import re
from dataclasses import dataclass, field

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .grade import GRADED, GRADER_ERROR
from .notebooks import (BEGIN_HIDDEN, END_HIDDEN, MARKERS, grade_id, hidden_region_span,
                        nbgrader_metadata, read_notebook, region_lines, without_region)

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CELL_FRAME = re.compile(r"(?:Cell In\s*\[\d*\],\s*line\s+(\d+))|(?:Input In \[\d*\],\s*in <cell line: (\d+)>)")
TRACEBACK_CODE_LINE = re.compile(r"^\s*(?:-+>\s*)?\d+\s(.*)$")
NUMBER_LITERAL = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")
# Number literals at least this long are specific enough to look for in outputs ("123456.789").
MIN_SECRET_NUMBER_CHARS = 6
MIN_SECRET_LINE_CHARS = 8
RAISED_MESSAGE = re.compile(r"(raised [A-Za-z_][A-Za-z0-9_.]*): .*$")
WITHHELD_LINE = "[line withheld: it contained hidden test data]"


class WithholdHiddenTests(Preprocessor):
    """nbconvert preprocessor: remove hidden tests and what they reveal from an autograded notebook."""

    # nbconvert preprocessors are off unless enabled; this one must never be skipped.
    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        self.secrets = hidden_secrets(nb)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        span = hidden_region_span(cell)
        if span is not None:
            hidden = {line.strip() for line in region_lines(cell, BEGIN_HIDDEN, END_HIDDEN) if line.strip()}
            cell.outputs = [_withhold_in_error(output, span, hidden)
                            for output in cell.outputs if output.get("output_type") == "error"]
            cell.source = without_region(cell.source, BEGIN_HIDDEN, END_HIDDEN,
                                         replacement=_hidden_note(cell))
        cell.outputs = [_scrub_output(output, self.secrets) for output in cell.outputs]
        return cell, resources


def hidden_secrets(notebook):
    """Hidden source lines and distinctive number literals of every hidden region in `notebook`."""
    lines, numbers = set(), set()
    for cell in notebook.cells:
        for line in region_lines(cell, BEGIN_HIDDEN, END_HIDDEN):
            stripped = line.strip()
            if len(stripped) >= MIN_SECRET_LINE_CHARS:
                lines.add(stripped)
            code = line.split("#", 1)[0]
            numbers.update(n.lstrip("+-") for n in NUMBER_LITERAL.findall(code)
                           if len(n.lstrip("+-")) >= MIN_SECRET_NUMBER_CHARS)
    return {"lines": lines, "numbers": numbers}


def _hidden_note(cell):
    meta = nbgrader_metadata(cell)
    score, points = meta.get("score"), meta.get("points")
    scored = f": {score:g} of {points:g} points" if isinstance(score, (int, float)) and points is not None else ""
    return f"# [hidden tests of {grade_id(cell)}{scored}; their code and inputs are not shown]"


def _withhold_in_error(output, span, hidden):
    """An error output of a hidden-test cell, safe to show."""
    ename = output.get("ename", "Error")
    traceback = [ANSI.sub("", entry) for entry in output.get("traceback", [])]
    cell_line = _first_cell_frame_line(traceback)
    raised_in_hidden = cell_line is None or cell_line >= span[0]
    output = dict(output)
    if raised_in_hidden:
        if ename == "HiddenTestFailure":
            message = _without_student_messages(output.get("evalue", ""))
        else:
            message = "raised while the hidden tests ran; details withheld"
        output["evalue"] = message
        output["traceback"] = [f"{ename}: {message}"]
    else:
        output["traceback"] = [_without_hidden_lines(entry, hidden) for entry in output.get("traceback", [])]
    from nbformat import NotebookNode

    return NotebookNode(output)


def _first_cell_frame_line(traceback):
    for entry in traceback:
        match = CELL_FRAME.search(entry)
        if match:
            return int(match.group(1) or match.group(2))
    return None


def _without_student_messages(message):
    """Harness message with the text of exceptions raised by the student's code removed."""
    return "\n".join(RAISED_MESSAGE.sub(r"\1 (its message is withheld)", line) for line in message.split("\n"))


def _without_hidden_lines(entry, hidden):
    kept = []
    for line in entry.split("\n"):
        plain = ANSI.sub("", line)
        match = TRACEBACK_CODE_LINE.match(plain)
        code = (match.group(1) if match else plain).strip()
        if code in hidden or any(marker in plain.upper() for marker in MARKERS):
            continue
        kept.append(line)
    return "\n".join(kept)


def _scrub_output(output, secrets):
    """Withhold every output line that shows a hidden source line or a hidden number literal."""
    from nbformat import NotebookNode

    def scrub(text):
        lines = []
        for line in text.split("\n"):
            plain = ANSI.sub("", line)
            if _shows_secret(plain, secrets):
                lines.append(WITHHELD_LINE)
            else:
                lines.append(line)
        return "\n".join(lines)

    output = NotebookNode(dict(output))
    if "text" in output:
        output["text"] = scrub(output["text"] if isinstance(output["text"], str) else "".join(output["text"]))
    if "traceback" in output:
        output["traceback"] = [scrub(entry) for entry in output["traceback"]]
    if "evalue" in output:
        output["evalue"] = scrub(output["evalue"])
    if "data" in output:
        data = dict(output["data"])
        for mime in list(data):
            value = data[mime]
            if mime.startswith("text/") or mime in ("application/json",):
                text = value if isinstance(value, str) else "".join(value) if isinstance(value, list) else str(value)
                data[mime] = scrub(text)
        output["data"] = NotebookNode(data)
    return output


def _shows_secret(text, secrets):
    stripped = text.strip()
    if not stripped:
        return False
    if any(line in text for line in secrets["lines"]):
        return True
    return any(number in text for number in secrets["numbers"])


@dataclass
class FeedbackResult:
    written: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def feedback_config():
    """Config putting WithholdHiddenTests into nbgrader's GenerateFeedback, after GetGrades."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades
    from traitlets.config import Config

    config = Config()
    config.GenerateFeedback.preprocessors = [GetGrades, WithholdHiddenTests, CSSHTMLHeaderPreprocessor]
    return config


def feedback(course, assignments=None):
    """Write feedback/<student>/<assignment>/<notebook>.html for every student `grade` has seen."""
    status = course.load_status()
    assignments = sorted(status) if not assignments else list(assignments)
    result = FeedbackResult()
    api = course.api(feedback_config())
    for assignment in assignments:
        if assignment not in status:
            result.errors.append(f"{assignment}: nothing graded yet; run `grade {assignment}` first")
            continue
        for student, record in sorted(status[assignment].items()):
            folder = course.assignment_dir("feedback", assignment, student)
            if record["status"] == GRADER_ERROR:
                result.errors.append(f"{student}/{assignment}: grader error ({record.get('detail', '')}); "
                                     f"no feedback until it is graded again")
                continue
            if record["status"] != GRADED:
                for name in course.notebook_names(assignment):
                    path = _write_status_page(folder, name, assignment, record)
                    result.written.append(str(path.relative_to(course.root)))
                continue
            outcome = api.generate_feedback(assignment, student, force=True)
            if not outcome["success"]:
                last = (outcome.get("error") or "no error text").strip().splitlines()[-1]
                result.errors.append(f"{student}/{assignment}: nbgrader could not render feedback: {last}")
                continue
            _keep_only_html(folder)
            autograded = course.assignment_dir("autograded", assignment, student)
            for path in sorted(folder.glob("*.html")):
                leaks = rendered_leaks(path, autograded / f"{path.stem}.ipynb")
                if leaks:
                    path.unlink()
                    result.errors.append(f"{path}: removed, it showed hidden test content: {leaks[0]!r}")
                else:
                    result.written.append(str(path.relative_to(course.root)))
    return result


def rendered_leaks(html_path, autograded_notebook):
    """Hidden source lines that appear in the rendered page's text (should be none)."""
    if not autograded_notebook.exists():
        return []
    text = page_text(html_path.read_text(encoding="utf-8"))
    secrets = hidden_secrets(read_notebook(autograded_notebook))
    found = [line for line in secrets["lines"] if line in text]
    found += [marker for marker in MARKERS if marker in text.upper()]
    return found


def page_text(page):
    """The visible text of an HTML page: tags (syntax-highlighting spans too) removed, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _keep_only_html(folder):
    """GenerateFeedback copies every file beside the autograded notebook, including any the
    student's code wrote while it ran; only the rendered pages go back to the student."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and path.suffix != ".html":
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def _write_status_page(folder, notebook, assignment, record):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook}.html"
    detail = html.escape(record.get("detail") or "")
    advice = {
        "timed out": "A cell ran longer than the time limit (often an endless loop). "
                     "Run your notebook top to bottom, fix the slow cell and resubmit.",
        "kernel died": "Python itself stopped while running your notebook (for example os._exit, "
                       "a crash in a library, or running out of memory). Fix it and resubmit.",
        "invalid notebook": "The file you submitted is not a readable Jupyter notebook. "
                            "Resubmit the .ipynb file saved from Jupyter.",
        "missing": "No notebook was received for this assignment.",
    }.get(record["status"], "")
    path.write_text(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(notebook)}</title></head><body>\n"
        f"<h1>{html.escape(assignment)}: not graded</h1>\n"
        f"<p>Status: <b>{html.escape(record['status'])}</b>" + (f" ({detail})" if detail else "") + "</p>\n"
        f"<p>{html.escape(advice)}</p>\n</body></html>\n", encoding="utf-8")
    return path
