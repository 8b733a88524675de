"""`report --format canvas|moodle`: exact gradebook-import CSVs from grade rows and a roster.

The grade rows are built directly (no grading run): what matters here is the mapping of statuses
and roster entries to the cells each LMS imports, checked against files written out by hand.
"""

import csv
import shutil

import nbformat
import pytest

from autograder import cli, lms
from autograder.course import CONFIG_NAME, PACKAGE_ROOT
from autograder.grade import GRADED, KERNEL_DIED, MISSING, TIMED_OUT
from autograder.report import Row

L1, L2 = "01_finite_differences", "02_gradient_descent"

ROWS = [
    Row("alice", L1, L1, 10.0, 12.0, GRADED),
    Row("alice", L2, "02a", 4.0, 5.0, GRADED),
    Row("alice", L2, "02b", 3.0, 3.0, GRADED),
    Row("bob", L1, L1, None, 12.0, KERNEL_DIED, "the kernel exited"),
    Row("bob", L2, "02a", 5.0, 5.0, GRADED),
    Row("bob", L2, "02b", 2.0, 3.0, GRADED),
    Row("zoe-capek", L1, L1, 12.0, 12.0, GRADED),
    Row("zoe-capek", L2, "02a", 0.0, 5.0, GRADED),
    Row("zoe-capek", L2, "02b", None, 3.0, MISSING, "no 02b.ipynb in the submission"),
    Row("eve", L1, L1, 9.5, 12.0, GRADED),
    Row("eve", L2, "02a", None, 5.0, TIMED_OUT),
    Row("eve", L2, "02b", None, 3.0, TIMED_OUT),
    Row("bob_b", L1, L1, 6.0, 12.0, GRADED),  # an id as `demo` writes it: matched as written
]

ROSTER = (
    "student_id,name,lms_id,sis_user_id,sis_login_id,section,email,id_number\n"
    'alice,"Lovelace, Alice",1001,S1,alice,A,alice@example.edu,S1\n'
    'bob,"Babbage, Bob",1002,S2,bob,B,bob@example.edu,\n'
    'Zoë Čapek,"Čapek, Zoë",1003,,zoe,A,zoe@example.edu,S3\n'
    "\n"
    'dave,"Dijkstra, Dave",1004,S4,dave,B,dave@example.edu,S4\n'
    'bob_b,"Boole, Bob",1005,S5,boole,B,boole@example.edu,S5\n'
)

CANVAS = (
    "Student,ID,SIS User ID,SIS Login ID,Section,01_finite_differences (501),02_gradient_descent\r\n"
    "Points Possible,,,,,12,8\r\n"
    '"Lovelace, Alice",1001,S1,alice,A,10,7\r\n'
    '"Babbage, Bob",1002,S2,bob,B,,7\r\n'
    '"Čapek, Zoë",1003,,zoe,A,12,\r\n'
    '"Dijkstra, Dave",1004,S4,dave,B,,\r\n'
    '"Boole, Bob",1005,S5,boole,B,6,\r\n'
)

MOODLE = (
    "Full name,Email address,ID number,01_finite_differences,02_gradient_descent\r\n"
    '"Lovelace, Alice",alice@example.edu,S1,10,7\r\n'
    '"Babbage, Bob",bob@example.edu,,,7\r\n'
    '"Čapek, Zoë",zoe@example.edu,S3,12,\r\n'
    '"Dijkstra, Dave",dave@example.edu,S4,,\r\n'
    '"Boole, Bob",boole@example.edu,S5,6,\r\n'
)

NOTES = [
    ("bob", "Babbage, Bob", L1, KERNEL_DIED, "", f"{L1}: kernel died (the kernel exited)"),
    ("zoe-capek", "Čapek, Zoë", L2, MISSING, "", "02b: missing (no 02b.ipynb in the submission)"),
    ("dave", "Dijkstra, Dave", L1, "no submission", "", ""),
    ("dave", "Dijkstra, Dave", L2, "no submission", "", ""),
    ("bob_b", "Boole, Bob", L2, "no submission", "", ""),
    ("eve", "", L1, "not in roster", "9.5", "graded"),
    ("eve", "", L2, "not in roster", "", "02a: timed out; 02b: timed out"),
]


def _roster(tmp_path, text=ROSTER, name="roster.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _text(path):
    """The file's exact text (csv writes \r\n line ends, as both LMSs accept)."""
    return path.read_bytes().decode("utf-8")


def _notes(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return [tuple(row[c] for c in lms.NOTES_COLUMNS) for row in csv.DictReader(handle)]


def test_canvas_export_has_canvas_columns_points_row_and_blank_non_graded_cells(tmp_path):
    out = tmp_path / "canvas.csv"
    text, summary, notes_path = lms.export_grades(
        ROWS, "canvas", _roster(tmp_path), out, canvas_ids=[f"{L1}=501"]
    )
    assert _text(out) == CANVAS
    assert notes_path == tmp_path / "canvas-notes.csv"
    assert _notes(notes_path) == NOTES
    assert "5 roster student(s) x 2 assignment(s)" in text
    assert summary.splitlines()[0] == (
        "blank or unmatched: 1 kernel died, 1 missing, 3 no submission, 2 not in roster"
    )
    assert f"  {L1}: eve: not in roster, score 9.5: graded" in summary.splitlines()


def test_moodle_export_has_identifier_columns_and_one_column_per_assignment(tmp_path):
    out = tmp_path / "moodle.csv"
    _, _, notes_path = lms.export_grades(ROWS, "moodle", _roster(tmp_path), out)
    assert _text(out) == MOODLE
    assert _notes(notes_path) == NOTES


def test_only_the_named_assignments_are_exported(tmp_path):
    out = tmp_path / "moodle.csv"
    lms.export_grades(ROWS, "moodle", _roster(tmp_path), out, assignments=[L2])
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "Full name,Email address,ID number,02_gradient_descent"
    assert lines[1:] == [
        '"Lovelace, Alice",alice@example.edu,S1,7',
        '"Babbage, Bob",bob@example.edu,,7',
        '"Čapek, Zoë",zoe@example.edu,S3,',
        '"Dijkstra, Dave",dave@example.edu,S4,',
        '"Boole, Bob",boole@example.edu,S5,',
    ]


def test_a_complete_class_writes_no_notes_and_removes_stale_ones(tmp_path):
    roster = _roster(tmp_path, "student_id,name,email\nalice,Alice,alice@example.edu\n")
    out = tmp_path / "moodle.csv"
    stale = lms.notes_path_for(out)
    stale.write_text("old\n")
    _, summary, notes_path = lms.export_grades(ROWS[:3], "moodle", roster, out)
    assert notes_path is None and summary == "" and not stale.exists()
    assert out.read_text(encoding="utf-8").splitlines() == [
        "Full name,Email address,ID number,01_finite_differences,02_gradient_descent",
        "Alice,alice@example.edu,,10,7",
    ]


@pytest.mark.parametrize(
    "lms_name, text, message",
    [
        ("canvas", "name,lms_id\nAlice,1\n", "has no column 'student_id' (its columns: name, lms_id)"),
        ("moodle", "student_id,email\na,a@x\n", "has no column 'name'"),
        ("canvas", "student_id,name,email\na,A,a@x\n", "has no column 'lms_id'"),
        ("moodle", "student_id,name,lms_id\na,A,1\n", "has no column 'email'"),
        ("canvas", "student_id,name,lms_id\na,A,1\na,B,2\n", "lines 2 and 3: both are student 'a'"),
        ("canvas", "student_id,name,lms_id,sis_user_id\na,A,,\n", "line 2: student 'a' has no lms_id"),
        ("canvas", "student_id,name,lms_id\na,A,u-17\n", "lms_id 'u-17' is not a Canvas user ID"),
        ("moodle", "student_id,name,email\n,A,a@x\n", "line 2: empty student_id"),
        ("moodle", "student_id,name,email\n", "has no student rows"),
    ],
)
def test_bad_rosters_are_refused_naming_the_problem(tmp_path, lms_name, text, message):
    with pytest.raises(lms.RosterError) as error:
        lms.read_roster(_roster(tmp_path, text), lms_name)
    assert message in str(error.value)


def test_written_answers_awaiting_a_manual_grade_leave_the_cell_blank(tmp_path):
    """A score without the written answers' points is not a grade yet: blank and listed, not sent."""
    pending = Row("alice", L1, L1, 10.0, 12.0, GRADED, "needs manual grading: 2 point(s)")
    pending.manual_pending = 2.0
    roster = _roster(tmp_path, "student_id,name,email\nalice,Alice,alice@example.edu\n")
    out = tmp_path / "moodle.csv"
    _, summary, notes_path = lms.export_grades([pending], "moodle", roster, out)
    assert (
        _text(out)
        == "Full name,Email address,ID number,01_finite_differences\r\nAlice,alice@example.edu,,\r\n"
    )
    assert _notes(notes_path) == [
        (
            "alice",
            "Alice",
            L1,
            "needs manual grading",
            "",
            f"{L1}: needs manual grading: 2 point(s)",
        )
    ]


def test_two_roster_entries_for_one_student_are_refused(tmp_path):
    roster = _roster(tmp_path, "student_id,name,email\nZoë Čapek,Z,z@x\nzoe-capek,Z2,z2@x\n")
    with pytest.raises(lms.RosterError, match="'Zoë Čapek' and 'zoe-capek' are both student 'zoe-capek'"):
        lms.export_grades(ROWS, "moodle", roster, tmp_path / "m.csv")


def test_bad_canvas_ids_are_refused(tmp_path):
    for pair, message in [
        ("01=x", "expected ASSIGNMENT=NUMBER"),
        ("99_nope=5", "not an exported assignment"),
    ]:
        with pytest.raises(ValueError, match=message):
            lms.export_grades(ROWS, "canvas", _roster(tmp_path), tmp_path / "c.csv", canvas_ids=[pair])


@pytest.fixture
def course_dir(tmp_path, monkeypatch):
    """A course folder (config and two empty lessons) whose grade rows are ROWS."""
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy2(PACKAGE_ROOT / CONFIG_NAME, root / CONFIG_NAME)
    for lesson in (L1, L2):
        (root / "notebooks" / lesson).mkdir(parents=True)
        nbformat.write(nbformat.v4.new_notebook(), root / "notebooks" / lesson / f"{lesson}.ipynb")
    monkeypatch.setattr("autograder.report.grade_rows", lambda course: list(ROWS))
    return root


def test_cli_writes_the_canvas_file_and_lists_blank_cells_on_stderr(course_dir, tmp_path, capsys):
    roster = _roster(tmp_path)
    code = cli.main(
        ["report", "--course", str(course_dir), "--format", "canvas", "--roster", str(roster)]
        + ["--canvas-id", f"{L1}=501"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert _text(course_dir / "grading" / "grades-canvas.csv") == CANVAS
    assert "bob (Babbage, Bob): kernel died" in captured.err
    assert "eve: not in roster, score 9.5" in captured.err

    code = cli.main(
        ["report", L2, "--course", str(course_dir), "--format", "moodle", "--roster", str(roster)]
    )
    assert code == 0
    header = (course_dir / "grading" / "grades-moodle.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "Full name,Email address,ID number,02_gradient_descent"


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--format", "canvas"], "--format canvas needs --roster FILE"),
        (["--roster", "r.csv"], "--roster and --canvas-id apply to --format canvas or moodle"),
        (["99_unknown", "--format", "moodle", "--roster", "r.csv"], "unknown assignment '99_unknown'"),
        (["--format", "moodle", "--roster", "absent.csv"], "not found"),
        (
            ["--format", "canvas", "--roster", "r.csv", "--items"],
            "--png and --items apply to --format csv only",
        ),
    ],
)
def test_cli_refuses_incomplete_or_wrong_options(course_dir, capsys, arguments, message):
    assert cli.main(["report", "--course", str(course_dir), *arguments]) == 2
    assert message in capsys.readouterr().err
