"""`report --items`: the class, exercise by exercise and hidden case by hidden case.

For every test cell, every hidden check in it and every hidden case of that check: how many
graded students failed it; and for every known mistake the grader recognised (the misconception
bank, solutions.misconceptions): how many students' results matched it. The data are the verdict
records that SandboxedExecute writes for each grading (grading/records/<lesson>/<student>.json),
which hold each check's per-case results and misconceptions; nbgrader's gradebook holds only
per-cell scores. Only submissions whose status is "graded" count (a timed-out or crashed
submission did not run all its checks).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .grade import GRADED

if TYPE_CHECKING:
    from .course import Course

ITEM_COLUMNS = ("assignment", "test", "check", "kind", "item", "students", "failed")
# kind: "test" (the cell's hidden checks as a whole), "case" (one hidden case of a check),
# "misconception" (a known mistake; `failed` counts the students whose results matched it).
ANY_CHECK = "(all hidden checks of the cell)"


@dataclass
class Item:
    assignment: str
    test: str
    check: str
    kind: str
    item: str
    students: int = 0
    failed: int = 0


def graded_records(course: Course, assignment: str) -> list[dict[str, Any]]:
    """[(student, verdict record)] of the submissions of `assignment` graded so far, by student."""
    folder = course.state_dir / "records" / assignment
    status = course.load_status().get(assignment, {})
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        student = path.stem
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        state = status.get(student, {}).get("status", record.get("status"))
        if state == GRADED and record.get("status") == GRADED:
            found.append((student, record))
    return found


def item_counts(assignment: str, records: Sequence[dict[str, Any]]) -> list[Item]:
    """Items of one assignment from its graded verdict records, in the notebook's order."""
    items = {}

    def count(key, kind, failed, test, check, label):
        item = items.setdefault(key, Item(assignment, test, check, kind, label))
        item.students += 1
        item.failed += bool(failed)

    for _, record in records:
        for test, verdict in record.get("tests", {}).items():
            count((test, "", "test", ANY_CHECK), "test", not verdict.get("passed"), test, "", ANY_CHECK)
            cases, mistakes = {}, {}
            for check in verdict.get("checks", []):
                for result in check.get("case_results", []):
                    key = (test, check["test"], "case", result["case"])
                    cases[key] = cases.get(key, False) or not result["passed"]
                for mistake in check.get("misconceptions", []):
                    mistakes[(test, check["test"], "misconception", mistake["title"])] = True
            for key, failed in cases.items():
                count(key, "case", failed, key[0], key[1], key[3])
            for key in mistakes:
                count(key, "misconception", True, key[0], key[1], key[3])
    for item in items.values():  # a misconception counts among every student graded on that test
        if item.kind == "misconception":
            item.students = items[(item.test, "", "test", ANY_CHECK)].students
    # grouped by test cell (in the order first seen), each cell's items in the order first seen:
    # a check that a failed student's block never reached is first seen in a later record
    tests = list(dict.fromkeys(item.test for item in items.values()))
    return sorted(items.values(), key=lambda item: tests.index(item.test))


def items(course: Course, assignments: Sequence[str] | None) -> list[Item]:
    """Items of every assignment in `assignments` (or every one with records)."""
    if not assignments:
        folder = course.state_dir / "records"
        assignments = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    found = []
    for assignment in assignments:
        found += item_counts(assignment, graded_records(course, assignment))
    return found


def write_items_csv(rows: Sequence[Item], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=ITEM_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))


def items_table(rows: Sequence[Item]) -> str:
    """The items as a text table: one block per assignment, one line per item."""
    lines = []
    for assignment in dict.fromkeys(row.assignment for row in rows):
        mine = [row for row in rows if row.assignment == assignment]
        graded = max((row.students for row in mine if row.kind == "test"), default=0)
        lines.append(
            f"{assignment}: {graded} graded submission(s); failed: students who failed the item, "
            "of those whose hidden tests reached it"
        )
        shown = [
            (
                row.test,
                row.check,
                f"known mistake: {row.item}" if row.kind == "misconception" else row.item,
                f"{row.failed} of {row.students}",
            )
            for row in mine
        ]
        header = ("test cell", "check", "hidden case", "failed")
        widths = [max(len(line[i]) for line in [header, *shown]) for i in range(4)]
        lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
        previous = None
        for line in shown:
            test = line[0] if line[0] != previous else ""
            previous = line[0]
            cells = (test, *line[1:])
            lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    return "\n".join(lines)


def items_report(course: Course, assignments: Sequence[str] | None, csv_path: str | Path) -> tuple[str, bool]:
    """Write the items CSV; return (table text, any items?)."""
    rows = items(course, assignments)
    if not rows:
        return "no verdict records of graded submissions yet: run `python -m autograder grade` first", False
    write_items_csv(rows, csv_path)
    return f"{items_table(rows)}\nwrote {csv_path}", True
