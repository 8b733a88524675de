"""nbgrader's gradebook and exports agree with `grade`: no score for a submission that was not graded.

`grade` decides a status per (student, assignment) (see autograder.grade). nbgrader's own views
read only the gradebook, where a timed-out or crashed autograde can leave partial scores (a
timed-out student showed "graded 10 / 12" in the formgrader) and a student without a submission
is exported as 0. Two things keep them in line:

- `withdraw_score`: `grade` removes the gradebook submission of every student whose status is not
  "graded". The formgrader then lists that student as "needs autograding" with an empty score
  (its rule: a submission counts as autograded only when the gradebook holds it), its feedback
  button has no grades to render, and no export can read a score for it.
- `StatusCsvExportPlugin`: the exporter of `nbgrader export` (registered in nbgrader_config.py
  through `autograder.grader.nbgrader_settings`). nbgrader's CSV columns plus `status` and
  `detail`, one row per (student, assignment) from the same rows as `python -m autograder
  report`; the score columns are empty unless every notebook of the assignment was graded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nbgrader.plugins import ExportPlugin

if TYPE_CHECKING:
    from .course import Course

EXPORT_COLUMNS = (
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
    "status",
    "detail",
)
# SQLite waits this long for a grading worker's write instead of failing with "database is locked".
SQLITE_BUSY_SECONDS = 60


def gradebook_url(course: Course) -> str:
    url = course.coursedir().db_url
    if url.startswith("sqlite:///") and "?" not in url:
        url = f"{url}?timeout={SQLITE_BUSY_SECONDS}"
    return url


def withdraw_score(course: Course, assignment: str, student: str) -> bool:
    """Remove `student`'s submission of `assignment` from the gradebook; True if there was one."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(gradebook_url(course), course.coursedir().course_id) as gradebook:
        try:
            gradebook.remove_submission(assignment, student)
        except MissingEntry:
            return False
    return True


def assignment_rows(course: Course, gradebook: Any) -> list[dict[str, str]]:
    """One dict per (student, assignment) with EXPORT_COLUMNS, from `report`'s per-notebook rows.

    Students that the gradebook knows but `grade` never saw for an assignment are listed with no
    score, never as 0: "missing" without a submission, "not graded" when only nbgrader's own
    autograde (the formgrader's button) ran.
    """
    from nbgrader.api import MissingEntry

    from .report import grade_rows

    by_key = {}
    for row in grade_rows(course):
        by_key.setdefault((row.assignment, row.student), []).append(row)
    known_assignments = {a.name: a for a in gradebook.assignments}
    students = {s.id: s for s in gradebook.students}
    for assignment in known_assignments:
        for student in students:
            by_key.setdefault((assignment, student), [])

    rows = []
    for (assignment, student), notebook_rows in sorted(by_key.items()):
        record = students.get(student)
        row = dict.fromkeys(EXPORT_COLUMNS, "")
        row.update(assignment=assignment, student_id=student)
        if record is not None:
            row.update(last_name=record.last_name or "", first_name=record.first_name or "")
            row.update(email=record.email or "")
        if assignment in known_assignments:
            found = known_assignments[assignment]
            row["duedate"] = found.duedate or ""
            row["max_score"] = _number(found.max_score)
        not_graded = [r for r in notebook_rows if r.status != "graded"]
        if not notebook_rows and _has_submission(gradebook, assignment, student):
            row.update(
                status="not graded",
                detail="autograded outside `python -m autograder grade` (the formgrader's button?): "
                "run `grade` for a status and a score",
            )
        elif not notebook_rows:
            row.update(status="missing", detail="no submission")
        elif not_graded:
            row.update(
                status=not_graded[0].status,
                detail="; ".join(f"{r.notebook}: {r.detail}" if r.detail else r.notebook for r in not_graded),
            )
        else:
            raw = sum(r.score for r in notebook_rows)
            penalty = 0.0
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                pass
            else:
                penalty = float(submission.late_submission_penalty or 0.0)
                row["timestamp"] = submission.timestamp or ""
            row.update(
                status="graded",
                detail="; ".join(r.detail for r in notebook_rows if r.detail),
                raw_score=_number(raw),
                late_submission_penalty=_number(penalty),
                score=_number(max(0.0, raw - penalty)),
            )
        rows.append({key: str(value) for key, value in row.items()})
    return rows


class StatusCsvExportPlugin(ExportPlugin):
    """`nbgrader export`: nbgrader's CSV columns plus status and detail; no score unless graded."""

    def export(self, gradebook):
        import csv

        from .course import Course

        course = Course.open(self.parent.coursedir.root)
        destination = self.to or "grades.csv"
        rows = assignment_rows(course, gradebook)
        if self.assignment:
            rows = [row for row in rows if row["assignment"] in {str(a) for a in self.assignment}]
        if self.student:
            rows = [row for row in rows if row["student_id"] in {str(s) for s in self.student}]
        self.log.info("Exporting grades with their grading status to %s", destination)
        with open(destination, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)


def _has_submission(gradebook, assignment, student):
    from nbgrader.api import MissingEntry

    try:
        gradebook.find_submission(assignment, student)
    except MissingEntry:
        return False
    return True


def _number(value):
    return f"{float(value):g}" if value is not None else ""
