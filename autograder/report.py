"""`report`: one CSV row per (student, assignment, notebook) with a status, a summary, a histogram.

Scores come from nbgrader's gradebook, statuses from grading/status.json written by `grade`.
Only a "graded" row has a score: a submission that timed out, crashed or was never graded has an
empty score, so nobody can mistake it for a real 0. Written answers that still await a grader in
the formgrader are neither 0 nor earned: their points are in `manual_pending`, the detail says
"needs manual grading", and the histogram measures the score against the points graded so far.
"""

from __future__ import annotations

import csv
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .collect import refusals
from .grade import GRADED, GRADER_ERROR, MISSING, REFUSED, STATUSES

if TYPE_CHECKING:
    from .course import Course

COLUMNS = ("student", "assignment", "notebook", "score", "max_score", "status", "detail", "manual_pending")
HISTOGRAM_BINS = 10


@dataclass
class Row:
    student: str
    assignment: str
    notebook: str
    score: object  # float for graded rows, None otherwise
    max_score: float
    status: str
    detail: str = ""
    manual_pending: float = 0.0  # points of answers not yet graded by hand (in max_score, not in score)

    @property
    def graded_max(self):
        """The points graded so far: max_score without those awaiting manual grading."""
        return None if self.max_score is None else self.max_score - self.manual_pending


def grade_rows(course: Course) -> list[Row]:
    """Rows for every (student, assignment) that `grade` has seen, sorted."""
    from nbgrader.api import MissingEntry

    status = course.load_status()
    for assignment, students in refusals(course).items():
        for student, reason in students.items():
            status.setdefault(assignment, {}).setdefault(student, {"status": REFUSED, "detail": reason})
    rows = []
    with course.api().gradebook as gradebook:
        for assignment in sorted(status):
            try:
                notebooks = sorted(n.name for n in gradebook.find_assignment(assignment).notebooks)
            except MissingEntry:
                notebooks = course.notebook_names(assignment)
            for student, record in sorted(status[assignment].items()):
                for notebook in notebooks:
                    rows.append(_row(gradebook, assignment, student, notebook, record))
    return rows


def _row(gradebook, assignment, student, notebook, record):
    from nbgrader.api import MissingEntry

    state, detail = record["status"], record.get("detail", "")
    if state == GRADED and notebook in record.get("missing_notebooks", []):
        state, detail = MISSING, f"no {notebook}.ipynb in the submission"
    try:
        max_score = float(gradebook.find_notebook(notebook, assignment).max_score)
    except MissingEntry:
        max_score = None
    score, pending = None, 0.0
    if state == GRADED:
        try:
            submission = gradebook.find_submission_notebook(notebook, assignment, student)
        except MissingEntry:
            state, detail = GRADER_ERROR, "graded, but the gradebook has no grades for it: grade again"
        else:
            score = float(submission.score)
            pending = manual_pending(submission)
            if pending:
                detail = f"needs manual grading: {_number(pending)} point(s) of written answers (formgrader)"
            elif submission.needs_manual_grade:
                detail = "needs manual review (a manual grade was changed by regrading)"
    isolation = record.get("isolation", "")
    if isolation.startswith("weak"):
        detail = "; ".join(part for part in (detail, f"graded with {isolation}") if part)
    return Row(student, assignment, notebook, score, max_score, state, detail, pending)


def manual_pending(submission: Any) -> float:
    """Points of a submitted notebook's cells that await a manual grade: no automatic and no manual
    score yet (nbgrader's `score` counts such a cell as 0, so it cannot tell)."""
    return float(
        sum(
            g.max_score
            for g in submission.grades
            if g.needs_manual_grade and g.manual_score is None and g.auto_score is None
        )
    )


def write_csv(rows: Sequence[Row], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            values = asdict(row)
            values["score"] = "" if row.score is None else _number(row.score)
            values["max_score"] = "" if row.max_score is None else _number(row.max_score)
            values["manual_pending"] = _number(row.manual_pending) if row.status == GRADED else ""
            writer.writerow(values)


def summary(rows: Sequence[Row]) -> str:
    """Counts per status and score statistics of graded rows, per assignment, as text."""
    lines = []
    for assignment in sorted({row.assignment for row in rows}):
        mine = [row for row in rows if row.assignment == assignment]
        counts = {state: sum(row.status == state for row in mine) for state in STATUSES}
        lines.append(
            f"{assignment}: {len(mine)} row(s): "
            + ", ".join(f"{n} {state}" for state, n in counts.items() if n)
        )
        scores = [row.score for row in mine if row.score is not None]
        if scores:
            lines.append(
                f"  graded scores: mean {statistics.mean(scores):.2f}, median "
                f"{statistics.median(scores):.2f}, min {min(scores):g}, max {max(scores):g} "
                f"(of {_number(mine[0].max_score)})"
            )
        waiting = [row for row in mine if row.manual_pending]
        if waiting:
            points = _number(sum(row.manual_pending for row in waiting))
            lines.append(
                f"  {len(waiting)} row(s) need manual grading: {points} "
                "point(s) of written answers, neither earned nor lost yet (grade them in the formgrader)"
            )
        not_graded = [row for row in mine if row.status != GRADED]
        for row in not_graded:
            lines.append(f"  {row.student}: {row.status}" + (f" ({row.detail})" if row.detail else ""))
    return "\n".join(lines)


def histogram_counts(
    rows: Sequence[Row], bins: Sequence[float] = HISTOGRAM_BINS
) -> list[tuple[float, float, int]]:
    """Counts of graded rows per score bin in percent of max_score: [(low, high, count)]."""
    edges = [100.0 * i / bins for i in range(bins + 1)]
    counts = [0] * bins
    for row in rows:
        if row.score is None or not row.graded_max:
            continue
        percent = 100.0 * row.score / row.graded_max
        index = min(int(percent / (100.0 / bins)), bins - 1)
        counts[max(index, 0)] += 1
    return [(edges[i], edges[i + 1], counts[i]) for i in range(bins)]


def text_histogram(rows: Sequence[Row], width: int = 40) -> str:
    counts = histogram_counts(rows)
    tallest = max((count for _, _, count in counts), default=0)
    lines = ["score histogram (graded rows, % of the points graded so far):"]
    for low, high, count in counts:
        bar = "#" * (round(width * count / tallest) if tallest else 0)
        closing = "]" if high == 100.0 else ")"
        lines.append(f"  [{low:5.1f}, {high:5.1f}{closing} {count:4d} {bar}")
    return "\n".join(lines)


def plot_histogram(rows: Sequence[Row], path: str | Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    percents = [
        100.0 * row.score / row.graded_max for row in rows if row.score is not None and row.graded_max
    ]
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.hist(percents, bins=HISTOGRAM_BINS, range=(0, 100), edgecolor="black")
    axes.set_title(f"Score distribution ({len(percents)} graded notebooks)")
    axes.set_xlabel("score (% of the points graded so far)")
    axes.set_ylabel("number of notebooks")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def report(
    course: Course,
    csv_path: str | Path,
    png_path: str | Path | None = None,
    assignments: Sequence[str] | None = None,
) -> tuple[str, bool]:
    """Write the CSV (and optionally the PNG); return (summary and histogram text, any rows?)."""
    rows = [row for row in grade_rows(course) if not assignments or row.assignment in assignments]
    if not rows:
        return "nothing graded yet: run `python -m autograder grade` first", False
    write_csv(rows, csv_path)
    parts = [summary(rows), text_histogram(rows), f"wrote {csv_path}"]
    if png_path is not None:
        plot_histogram(rows, png_path)
        parts.append(f"wrote {png_path}")
    return "\n".join(parts), True


def _number(value):
    return f"{value:g}"
