"""`feedback`: HTML feedback per student that never shows the hidden tests.

Rendering goes through nbgrader's generate_feedback with
`autograder.grader.withhold.WithholdHiddenTests` in its preprocessors (see that module for what a
page may show: never hidden source, only text and PNG outputs, the submission's own markdown as
plain text).

Statuses other than "graded" get a short page saying why the submission was not graded. After
rendering, each page is checked again for hidden source, and files that the student's code may
have written next to the notebook are not passed on.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .grade import GRADED, GRADER_ERROR
from .grader.withhold import hidden_secrets
from .notebooks import MARKERS, read_notebook

if TYPE_CHECKING:
    from .course import Course


@dataclass
class FeedbackResult:
    written: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def feedback_config() -> Any:
    """The course's nbgrader settings (WithholdHiddenTests in GenerateFeedback, after GetGrades)."""
    from .grader import nbgrader_settings

    return nbgrader_settings()


def feedback(course: Course, assignments: Sequence[str] | None = None) -> FeedbackResult:
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
                result.errors.append(
                    f"{student}/{assignment}: grader error ({record.get('detail', '')}); "
                    f"no feedback until it is graded again"
                )
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


def rendered_leaks(html_path: Path, autograded_notebook: Path) -> list[str]:
    """Hidden source lines that appear in the rendered page's text (should be none)."""
    if not autograded_notebook.exists():
        return []
    text = page_text(html_path.read_text(encoding="utf-8"))
    secrets = hidden_secrets(read_notebook(autograded_notebook))
    found = [line for line in secrets["lines"] if line in text]
    found += [marker for marker in MARKERS if marker in text.upper()]
    return found


class _VisibleText(HTMLParser):
    """Collects the text between tags, skipping <script> and <style>; entities are decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def page_text(page: str) -> str:
    """The visible text of an HTML page: tags (syntax-highlighting spans too) removed, entities decoded."""
    parser = _VisibleText()
    parser.feed(page)
    parser.close()
    return "".join(parser.parts)


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
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(notebook)}</title></head><body>\n"
        f"<h1>{html.escape(assignment)}: not graded</h1>\n"
        f"<p>Status: <b>{html.escape(record['status'])}</b>" + (f" ({detail})" if detail else "") + "</p>\n"
        f"<p>{html.escape(advice)}</p>\n</body></html>\n",
        encoding="utf-8",
    )
    return path
