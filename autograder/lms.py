"""`report --format canvas|moodle`: the grades as a gradebook CSV that Canvas or Moodle imports.

The instructor provides a roster (CSV, one row per enrolled student) that maps the autograder's
student ids (the `submitted/<student>/` folder names) to the LMS's identifiers:

| column | needed for | what |
|---|---|---|
| `student_id` | both | the autograder's id, the `submitted/` folder name (or its raw form: `Zoë Čapek`) |
| `name` | both | the student's name as the LMS shows it (Canvas: `Last, First`) |
| `lms_id` | Canvas (this or a SIS id) | Canvas user ID (the `ID` column of a Canvas gradebook export) |
| `sis_user_id`, `sis_login_id` | Canvas, optional | the SIS ids, if your Canvas has them |
| `section` | Canvas, optional | section name |
| `email` | Moodle (this or `id_number`) | the email address of the Moodle account |
| `id_number` | Moodle, optional | the Moodle user's "ID number" field |

One column per assignment holds the assignment's score (the sum over its notebooks). A score is
written only when every notebook of that assignment has the status "graded" and no written answer
awaiting a manual grade; anything else (timed out, kernel died, not submitted, written answers not
graded yet, ...) is a blank cell, never 0, and is listed. Students graded but
absent from the roster cannot be matched by the LMS (Moodle aborts the whole import on an unknown
user), so they are not rows of the import file: they are listed with their scores. Every listed
case goes to stderr and to a notes file beside the export (`<name>-notes.csv`).
"""

from __future__ import annotations

import csv
import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .collect import sanitize_student_id
from .grade import GRADED

FORMATS = ("canvas", "moodle")
ROSTER_COLUMNS = (
    "student_id",
    "name",
    "lms_id",
    "sis_user_id",
    "sis_login_id",
    "section",
    "email",
    "id_number",
)
# Canvas's importer (GradebookImporter) reads these five student columns, in this order.
CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "Points Possible"
MOODLE_STUDENT_COLUMNS = ("Full name", "Email address", "ID number")
NOTES_COLUMNS = ("student_id", "name", "assignment", "issue", "score", "detail")
NOT_IN_ROSTER = "not in roster"
NO_SUBMISSION = "no submission"
NEEDS_MANUAL = "needs manual grading"
CANVAS_ID_PATTERN = re.compile(r"^\d+$")


class RosterError(ValueError):
    """The roster file is unusable: missing column, duplicate or empty id."""


@dataclass
class RosterEntry:
    student_id: str
    name: str
    lms_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    email: str = ""
    id_number: str = ""


@dataclass
class Export:
    header: list
    rows: list  # lists of cells, the Points Possible row (Canvas) included
    notes: list = field(default_factory=list)  # dicts with NOTES_COLUMNS


def read_roster(path: str | Path, lms: str) -> list[RosterEntry]:
    """The roster's entries, in file order; RosterError naming the column or line at fault."""
    path = Path(path)
    if lms not in FORMATS:
        raise ValueError(f"unknown LMS format {lms!r}: use one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise RosterError(f"roster {path} not found")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = [name.strip() for name in (reader.fieldnames or [])]
        _check_columns(path, columns, lms)
        entries, seen = [], {}
        for line, raw in enumerate(reader, start=2):
            values = {name.strip(): (value or "").strip() for name, value in raw.items() if name is not None}
            if not any(values.values()):
                continue
            entries.append(_entry(path, line, values, lms, seen))
    if not entries:
        raise RosterError(f"roster {path} has no student rows")
    return entries


def _check_columns(path, columns, lms):
    for name in ("student_id", "name"):
        if name not in columns:
            raise RosterError(_missing_column(path, name, columns))
    if lms == "canvas" and not {"lms_id", "sis_user_id", "sis_login_id"} & set(columns):
        raise RosterError(
            _missing_column(path, "lms_id", columns)
            + " (Canvas matches students by lms_id, sis_user_id or sis_login_id: give one of them)"
        )
    if lms == "moodle" and not {"email", "id_number"} & set(columns):
        raise RosterError(
            _missing_column(path, "email", columns)
            + " (Moodle matches students by email or id_number: give one of them)"
        )


def _missing_column(path, name, columns):
    found = ", ".join(columns) if columns else "none"
    return f"roster {path} has no column {name!r} (its columns: {found})"


def _entry(path, line, values, lms, seen):
    student_id = values.get("student_id", "")
    if not student_id:
        raise RosterError(f"roster {path}, line {line}: empty student_id")
    if student_id in seen:
        raise RosterError(
            f"roster {path}, lines {seen[student_id]} and {line}: both are student {student_id!r}"
        )
    seen[student_id] = line
    entry = RosterEntry(student_id, **{name: values.get(name, "") for name in ROSTER_COLUMNS[1:]})
    keys = ("lms_id", "sis_user_id", "sis_login_id") if lms == "canvas" else ("email", "id_number")
    if not any(getattr(entry, key) for key in keys):
        raise RosterError(
            f"roster {path}, line {line}: student {student_id!r} has no {' / '.join(keys)}: "
            f"the LMS could not match this row"
        )
    if lms == "canvas" and entry.lms_id and not CANVAS_ID_PATTERN.match(entry.lms_id):
        raise RosterError(
            f"roster {path}, line {line}: lms_id {entry.lms_id!r} is not a Canvas user ID (digits only)"
        )
    return entry


def assignment_results(
    rows: Sequence[Any], assignments: Sequence[str] | None
) -> tuple[dict[str, Any], dict[str, float | None]]:
    """({(student, assignment): (score or None, status, detail)}, {assignment: points possible or None}).

    `rows` are report.Row objects (one per student, assignment and notebook). The score is the sum
    over the assignment's notebooks when all of them are graded, else None with the statuses.
    """
    by_pair = OrderedDict()
    notebook_points = {assignment: {} for assignment in assignments}
    for row in rows:
        if row.assignment not in notebook_points:
            continue
        by_pair.setdefault((row.student, row.assignment), []).append(row)
        if row.max_score is not None:
            notebook_points[row.assignment][row.notebook] = row.max_score
        else:
            notebook_points[row.assignment].setdefault(row.notebook, None)
    results = {}
    for pair, mine in by_pair.items():
        failed = [(row, _not_final(row)) for row in mine if _not_final(row)]
        if failed:
            status = ", ".join(dict.fromkeys(state for _, state in failed))
            detail = "; ".join(f"{row.notebook}: {_reason(row, state)}" for row, state in failed)
            results[pair] = (None, status, detail)
        else:
            results[pair] = (sum(row.score for row in mine), GRADED, "")
    points = {}
    for assignment, per_notebook in notebook_points.items():
        values = list(per_notebook.values())
        points[assignment] = sum(values) if values and None not in values else None
    return results, points


def _not_final(row):
    """Why the row's score is not a final grade (its status, or written answers awaiting a manual
    grade, whose points are neither earned nor 0 yet); "" when it is."""
    if row.status != GRADED or row.score is None:
        return row.status
    if getattr(row, "manual_pending", 0):
        return NEEDS_MANUAL
    return ""


def _reason(row, state):
    if row.detail.startswith(state):
        return row.detail
    return state + (f" ({row.detail})" if row.detail else "")


def graded_assignments(rows: Sequence[Any]) -> list[str]:
    """Assignments present in the rows, sorted (lesson names sort in course order)."""
    return sorted({row.assignment for row in rows})


def matched(roster: Sequence[RosterEntry], rows: Sequence[Any]) -> list[RosterEntry]:
    """The roster with each student_id as the rows spell it: as written when a row has it, else as
    `collect` normalises it (`Zoë Čapek` is `zoe-capek`) when a row has that; RosterError when two
    entries name one student."""
    students = {row.student for row in rows}
    entries, owner = [], {}
    for entry in roster:
        student_id = entry.student_id
        if student_id not in students:
            try:
                normalised = sanitize_student_id(student_id)
            except ValueError:
                normalised = student_id
            if normalised in students:
                student_id = normalised
        if student_id in owner:
            first, second = owner[student_id], entry.student_id
            raise RosterError(f"roster entries {first!r} and {second!r} are both student {student_id!r}")
        owner[student_id] = entry.student_id
        entries.append(replace(entry, student_id=student_id))
    return entries


def canvas_export(
    rows: Sequence[Any],
    roster: Sequence[RosterEntry],
    assignments: Sequence[str] | None,
    canvas_ids: dict[str, str] | None = None,
) -> Export:
    """Canvas's gradebook import: the five student columns, one column per assignment
    (`name (Canvas assignment id)` when the id is known), a Points Possible row, one row per
    roster entry."""
    canvas_ids = canvas_ids or {}
    header = list(CANVAS_STUDENT_COLUMNS) + [
        f"{a} ({canvas_ids[a]})" if a in canvas_ids else a for a in assignments
    ]
    roster = matched(roster, rows)
    results, points = assignment_results(rows, assignments)
    table = [[CANVAS_POINTS_ROW, "", "", "", ""] + [_cell(points[a]) for a in assignments]]
    for entry in roster:
        identity = [entry.name, entry.lms_id, entry.sis_user_id, entry.sis_login_id, entry.section]
        table.append(identity + [_cell(results.get((entry.student_id, a), (None,))[0]) for a in assignments])
    return Export(header, table, _notes(results, roster, assignments))


def moodle_export(
    rows: Sequence[Any], roster: Sequence[RosterEntry], assignments: Sequence[str] | None
) -> Export:
    """Moodle's CSV grade import: name, email and ID number (map "Email address" to the user's
    email, or "ID number" to the user's ID number, in the import form), then one column per
    assignment, mapped to a grade item (or "new grade item") there."""
    header = list(MOODLE_STUDENT_COLUMNS) + list(assignments)
    roster = matched(roster, rows)
    results, _ = assignment_results(rows, assignments)
    table = []
    for entry in roster:
        identity = [entry.name, entry.email, entry.id_number]
        table.append(identity + [_cell(results.get((entry.student_id, a), (None,))[0]) for a in assignments])
    return Export(header, table, _notes(results, roster, assignments))


def _notes(results, roster, assignments):
    """Every blank cell and every graded student missing from the roster, with the reason."""
    notes = []
    for entry in roster:
        for assignment in assignments:
            if (entry.student_id, assignment) not in results:
                notes.append(_note(entry.student_id, entry.name, assignment, NO_SUBMISSION))
                continue
            score, status, detail = results[(entry.student_id, assignment)]
            if score is None:
                notes.append(_note(entry.student_id, entry.name, assignment, status, detail=detail))
    known = {entry.student_id for entry in roster}
    for (student, assignment), (score, status, detail) in sorted(results.items()):
        if student not in known:
            notes.append(
                _note(student, "", assignment, NOT_IN_ROSTER, score=_cell(score), detail=detail or status)
            )
    return notes


def _note(student, name, assignment, issue, score="", detail=""):
    return {
        "student_id": student,
        "name": name,
        "assignment": assignment,
        "issue": issue,
        "score": score,
        "detail": detail,
    }


def write_export(export: Export, path: str | Path) -> Path | None:
    """Write the import CSV at `path` and, if there is anything to list, the notes beside it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(export.header)
        writer.writerows(export.rows)
    notes_path = notes_path_for(path)
    if export.notes:
        with open(notes_path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=NOTES_COLUMNS)
            writer.writeheader()
            writer.writerows(export.notes)
    elif notes_path.exists():
        notes_path.unlink()  # a stale list from an earlier export would mislead
    return notes_path if export.notes else None


def notes_path_for(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(f"{path.stem}-notes.csv")


def notes_summary(notes: Sequence[Any]) -> str:
    """Counts per issue, then one line per note."""
    if not notes:
        return (
            "every roster student has a score for every assignment, and every graded student is in the roster"
        )
    counts = OrderedDict()
    for note in notes:
        counts[note["issue"]] = counts.get(note["issue"], 0) + 1
    lines = ["blank or unmatched: " + ", ".join(f"{n} {issue}" for issue, n in counts.items())]
    for note in notes:
        who = note["student_id"] + (f" ({note['name']})" if note["name"] else "")
        extra = f", score {note['score']}" if note["score"] else ""
        detail = f": {note['detail']}" if note["detail"] and note["detail"] != note["issue"] else ""
        lines.append(f"  {note['assignment']}: {who}: {note['issue']}{extra}{detail}")
    return "\n".join(lines)


def parse_canvas_ids(pairs: Iterable[str] | None, assignments: Sequence[str] | None) -> dict[str, str]:
    """{assignment: Canvas assignment id} from ["01_finite_differences=1234", ...]."""
    ids = {}
    for pair in pairs or ():
        assignment, sep, number = pair.partition("=")
        assignment, number = assignment.strip(), number.strip()
        if not sep or not assignment or not CANVAS_ID_PATTERN.match(number):
            raise ValueError(
                f"--canvas-id {pair!r}: expected ASSIGNMENT=NUMBER, e.g. 01_finite_differences=1234"
            )
        if assignment not in assignments:
            raise ValueError(
                f"--canvas-id {pair!r}: {assignment!r} is not an exported assignment "
                f"({', '.join(assignments) or 'none'})"
            )
        ids[assignment] = number
    return ids


def export_grades(
    rows: Sequence[Any],
    lms: str,
    roster_path: str | Path,
    out_path: str | Path,
    assignments: Sequence[str] | None = None,
    canvas_ids: Iterable[str] = (),
) -> tuple[str, str | None]:
    """Build and write the `lms` export of `rows`; return (text for stdout, notes text, notes path)."""
    roster = read_roster(roster_path, lms)
    assignments = list(assignments) if assignments else graded_assignments(rows)
    if not assignments:
        raise ValueError("no graded assignment to export: run `python -m autograder grade` first")
    if lms == "canvas":
        export = canvas_export(rows, roster, assignments, parse_canvas_ids(canvas_ids, assignments))
    else:
        if canvas_ids:
            raise ValueError("--canvas-id applies to --format canvas only")
        export = moodle_export(rows, roster, assignments)
    notes_path = write_export(export, out_path)
    students = len(export.rows) - (1 if lms == "canvas" else 0)
    text = f"wrote {out_path}: {students} roster student(s) x {len(assignments)} assignment(s) for {lms}"
    if notes_path is not None:
        text += f"\nwrote {notes_path}: {len(export.notes)} blank or unmatched case(s), listed on stderr"
    return text, notes_summary(export.notes) if export.notes else "", notes_path


def _cell(value):
    return "" if value is None else f"{value:g}"
