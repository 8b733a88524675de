"""`report --items` (autograder.items): per test cell, hidden case and known mistake, from
verdict records constructed here as SandboxedExecute writes them."""

import csv
import json

from autograder.items import ANY_CHECK, item_counts, items_report


class FakeCourse:
    def __init__(self, root, status):
        self.root, self.state_dir, self.status = root, root / "grading", status

    def load_status(self):
        return self.status


def _check(name, results, mistakes=()):
    return {
        "test": name,
        "cases": len(results),
        "passed": all(results.values()),
        "case_results": [{"case": label, "passed": ok} for label, ok in results.items()],
        "misconceptions": [{"key": f"{name}/{m}", "title": m} for m in mistakes],
    }


def _record(momentum, nesterov, mistakes=(), status="graded"):
    checks = [_check("momentum", momentum, mistakes), _check("nesterov", nesterov)]
    return {
        "status": status,
        "tests": {
            "test_momentum": {"passed": all(momentum.values()), "checks": checks[:1]},
            "test_nesterov": {"passed": all(nesterov.values()), "checks": checks[1:]},
        },
    }


CLASS = {
    # student: (momentum cases, nesterov cases, misconceptions found, status)
    "ada": ({"a": True, "b": True}, {"c": True}, (), "graded"),
    "bo": ({"a": False, "b": True}, {"c": True}, ("dampening on the first buffer",), "graded"),
    "cy": ({"a": False, "b": False}, {"c": False}, ("dampening on the first buffer",), "graded"),
    "di": ({"a": False, "b": False}, {"c": False}, ("lr inside the buffer",), "graded"),
    "ed": ({"a": False, "b": False}, {"c": False}, (), "timed out"),  # not counted
}


def _course(tmp_path):
    folder = tmp_path / "grading" / "records" / "04_momentum"
    folder.mkdir(parents=True)
    status = {"04_momentum": {}}
    for student, (momentum, nesterov, mistakes, state) in CLASS.items():
        (folder / f"{student}.json").write_text(json.dumps(_record(momentum, nesterov, mistakes, state)))
        status["04_momentum"][student] = {"status": state}
    return FakeCourse(tmp_path, status)


def test_counts_per_test_case_and_misconception(tmp_path):
    course = _course(tmp_path)
    from autograder.items import graded_records

    records = graded_records(course, "04_momentum")
    assert [student for student, _ in records] == ["ada", "bo", "cy", "di"]
    counts = {(i.test, i.kind, i.item): (i.failed, i.students) for i in item_counts("04_momentum", records)}
    assert counts == {
        ("test_momentum", "test", ANY_CHECK): (3, 4),
        ("test_momentum", "case", "a"): (3, 4),
        ("test_momentum", "case", "b"): (2, 4),
        ("test_momentum", "misconception", "dampening on the first buffer"): (2, 4),
        ("test_momentum", "misconception", "lr inside the buffer"): (1, 4),
        ("test_nesterov", "test", ANY_CHECK): (2, 4),
        ("test_nesterov", "case", "c"): (2, 4),
    }


def test_items_report_prints_a_table_and_writes_the_csv(tmp_path):
    course = _course(tmp_path)
    text, any_items = items_report(course, ["04_momentum"], tmp_path / "grades-items.csv")
    assert any_items
    lines = text.splitlines()
    assert lines[0].startswith("04_momentum: 4 graded submission(s); failed: students who failed the item")
    assert lines[1].split() == ["test", "cell", "check", "hidden", "case", "failed"]
    assert any(line.split()[:2] == ["test_momentum", "(all"] and line.endswith("3 of 4") for line in lines)
    assert any(
        "known mistake: dampening on the first buffer" in line and line.endswith("2 of 4") for line in lines
    )
    rows = list(csv.DictReader(open(tmp_path / "grades-items.csv", encoding="utf-8")))
    assert len(rows) == 7 and set(rows[0]) == {
        "assignment",
        "test",
        "check",
        "kind",
        "item",
        "students",
        "failed",
    }
    assert {
        "test": "test_nesterov",
        "check": "nesterov",
        "kind": "case",
        "item": "c",
        "students": "4",
        "failed": "2",
    }.items() <= next(r for r in rows if r["item"] == "c").items()


def test_no_records_says_so(tmp_path):
    text, any_items = items_report(FakeCourse(tmp_path, {}), [], tmp_path / "x.csv")
    assert not any_items and "no verdict records" in text and not (tmp_path / "x.csv").exists()


def test_a_check_first_seen_in_a_later_record_stays_with_its_test_cell():
    blank = {"status": "graded", "tests": {"t1": {"passed": False, "checks": [_check("f", {"x": False})]}}}
    blank["tests"]["t2"] = {"passed": False, "checks": [_check("g", {"y": False})]}
    full = {"status": "graded", "tests": {"t1": {"passed": True, "checks": [_check("f", {"x": True})]}}}
    full["tests"]["t1"]["checks"].append(_check("f", {"left unchanged": True}))  # never reached by blank
    full["tests"]["t2"] = {"passed": True, "checks": [_check("g", {"y": True})]}
    order = [(i.test, i.item) for i in item_counts("L", [("blank", blank), ("full", full)])]
    assert order == [("t1", ANY_CHECK), ("t1", "x"), ("t1", "left unchanged"), ("t2", ANY_CHECK), ("t2", "y")]
