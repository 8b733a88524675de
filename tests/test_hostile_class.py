"""A hostile class, graded in one batch with honest neighbours: nothing one student does reaches another.

Lesson 01 (12 points: forward 2, backward 1, central 2, numerical_gradient 3, relative_error 1,
gradient_check 3). Every attack knows the grading host's absolute paths (the worst case). Each
attack cell prints REACHED:<what> if it got through and BLOCKED:<what> if the sandbox stopped it;
the autograded notebooks are read for both markers. The batch must exit 0, every neighbour must
get exactly its grade, the gradebook and the status file must hold one row per student, no
process of a sandbox user may outlive the batch, and no feedback page may show hidden source,
the solutions, other students' data or the submission's own HTML.
"""

import json
import os
import socket
import sqlite3
import textwrap
import threading
import time
from html.parser import HTMLParser

import nbformat
import psutil
import pytest
from grading_runs import repository_course

from autograder.cli import main
from autograder.course import Course
from autograder.demo import make_course, with_solutions
from autograder.feedback import page_text
from autograder.grader import isolation
from autograder.notebooks import BEGIN_HIDDEN, END_HIDDEN, grade_id, read_notebook, region_lines
from autograder.report import grade_rows

LESSON = "01_finite_differences"
FULL, FORWARD = 12.0, 2.0
CELL_TIMEOUT = 30  # a loaded CI machine runs some honest cells for several seconds

pytestmark = pytest.mark.skipif(
    not isolation.detect().complete and not os.environ.get("CI"),
    reason="needs the full sandbox: install bubblewrap (apt-get install bubblewrap); "
    "CI installs it and runs this test",
)


def _attack(what, body):
    """A cell that prints REACHED:what when `body` runs to its end, else BLOCKED:what:<error>."""
    lines = textwrap.dedent(body).strip().split("\n")
    return "\n".join(
        ["try:"]
        + ["    " + line for line in lines]
        + [
            f'    print("REACHED:{what}")',
            "except BaseException as _error:",
            f'    print("BLOCKED:{what}:" + type(_error).__name__)',
        ]
    )


class ActiveContent(HTMLParser):
    """Script elements and event-handler or javascript: attributes a page would run."""

    def __init__(self):
        super().__init__()
        self.found, self.in_script = [], False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and "alert" in value or value.startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")
        self.in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and "alert(" in data:
            self.found.append(f"<script>{data[:60]}")


def _active_content(html):
    parser = ActiveContent()
    parser.feed(html)
    return parser.found


def _class(course, root):
    release = read_notebook(course.assignment_dir("release", LESSON) / f"{LESSON}.ipynb")
    source = read_notebook(course.step_dir("source") / LESSON / f"{LESSON}.ipynb")
    correct = with_solutions(release, source)
    paths = {
        "root": str(root),
        "gradebook": str(root / "gradebook.db"),
        "source": str(course.step_dir("source") / LESSON / f"{LESSON}.ipynb"),
        "other": str(root / "submitted" / "aaa-correct" / LESSON / f"{LESSON}.ipynb"),
        "autograded": str(root / "autograded" / "aaa-correct" / LESSON / f"{LESSON}.ipynb"),
        "status": str(root / "grading" / "status.json"),
        "solutions": str(repository_course().root / "solutions" / "finite_diff.py"),
    }

    def edited(base, solution=None, extra=(), first=(), markdown=()):
        notebook = nbformat.from_dict(json.loads(json.dumps(base)))
        for cell in notebook.cells:
            if solution and grade_id(cell) == "ex_forward_difference":
                cell.source = solution
        notebook.cells[0:0] = [nbformat.v4.new_code_cell(code) for code in first]
        notebook.cells += [nbformat.v4.new_code_cell(code) for code in extra]
        notebook.cells += [nbformat.v4.new_markdown_cell(text) for text in markdown]
        return notebook

    def forward(body):
        return "def forward_difference(f, x, h=1e-3):\n" + textwrap.indent(
            textwrap.dedent(body).strip(), "    "
        )

    cls = {}
    # Honest neighbours, first and last in alphabetical order.
    cls["aaa-correct"] = (correct, "graded", FULL)
    cls["aab-blank"] = (release, "graded", 0.0)
    cls["zzz-one-bug"] = (edited(correct, forward("return 0.0")), "graded", FULL - FORWARD)
    cls["zzz-correct"] = (correct, "graded", FULL)
    # Honest failures.
    cls["syntax-error"] = (edited(correct, extra=["def broken(:\n    pass"]), "graded", FULL)
    cls["infinite-loop"] = (edited(correct, first=["while True:\n    pass"]), "timed out", None)
    cls["ignores-sigint"] = (
        edited(
            correct,
            first=["import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"],
        ),
        "timed out",
        None,
    )
    cls["os-exit"] = (edited(correct, first=["import os\nos._exit(1)"]), "kernel died", None)
    cls["sys-exit"] = (edited(correct, extra=["import sys\nsys.exit(0)"]), "graded", FULL)
    cls["nan"] = (edited(correct, forward("return float('nan')")), "graded", FULL - FORWARD)
    cls["warnings"] = (
        edited(
            correct,
            forward("""
        import logging, warnings, sys
        warnings.warn("a harmless warning")
        logging.warning("a harmless log line")
        print("to stderr", file=sys.stderr)
        return (f(x + h) - f(x)) / h"""),
            extra=["import numpy as np\nnp.log(np.zeros(2))"],
        ),
        "graded",
        FULL,
    )
    cls["invalid-json"] = ('{"cells": [ not json', "invalid notebook", None)
    # Resource attacks, bounded so that a broken sandbox could not hurt the machine either.
    cls["memory-bomb"] = (
        edited(
            correct,
            extra=[
                _attack("memory", "block = bytearray(3 * 1024**3)\nblock[::4096] = b'x' * len(block[::4096])")
            ],
        ),
        "graded",
        FULL,
    )
    cls["fork-bomb"] = (
        edited(
            correct,
            extra=[
                _attack(
                    "fork",
                    """
        import os, time
        children = []
        for _ in range(200):
            pid = os.fork()
            if pid == 0:
                time.sleep(30)
                os._exit(0)
            children.append(pid)""",
                )
            ],
        ),
        "graded",
        FULL,
    )
    cls["output-flood"] = (edited(correct, extra=["print('x' * 100_000_000)"]), "graded", FULL)
    cls["socket"] = (
        edited(
            correct,
            extra=[
                _attack("socket", "import socket\nsocket.create_connection(('127.0.0.1', PORT), timeout=2)")
            ],
        ),
        "graded",
        FULL,
    )
    cls["internet"] = (
        edited(
            correct,
            extra=[
                _attack("internet", "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=2)")
            ],
        ),
        "graded",
        FULL,
    )
    # Forging one's own grade (blank submissions that try to pass).
    cls["patched-numpy"] = (
        edited(
            release,
            first=[
                "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
                "np.testing.assert_allclose = lambda *a, **k: None"
            ],
        ),
        "graded",
        0.0,
    )
    cls["replaced-harness"] = (
        edited(
            release,
            first=[
                _attack(
                    "harness",
                    """
        import autograder.grader.harness as h
        h.check_against_reference = lambda *a, **k: None""",
                )
            ],
        ),
        "graded",
        0.0,
    )
    cls["input-transformer"] = (
        edited(
            release,
            first=[
                _attack(
                    "transformer",
                    """
        ip = get_ipython()
        ip.input_transformers_post.append(
            lambda lines: [l for l in lines if 'check_against_reference' not in l])
        import ast
        ip.ast_transformers.append(ast.NodeTransformer())""",
                )
            ],
        ),
        "graded",
        0.0,
    )
    cls["imports-solutions"] = (
        edited(release, first=[_attack("solutions", "from solutions.finite_diff import *")]),
        "graded",
        0.0,
    )
    cls["reads-source"] = (
        edited(release, first=[_attack("source", f"open({paths['source']!r}).read()")]),
        "graded",
        0.0,
    )
    cls["caller-frame"] = (
        edited(release, forward("import sys\nreturn sys._getframe(1).f_locals['expected']")),
        "graded",
        0.0,
    )
    cls["always-equal"] = (
        edited(
            correct,
            forward("""
        class Always:
            def __eq__(self, other): return True
            def __float__(self): return 0.0
        return Always()"""),
        ),
        "graded",
        FULL - FORWARD,
    )
    cls["fake-timeout"] = (
        edited(correct, first=["class CellTimeoutError(Exception): pass\nraise CellTimeoutError('x')"]),
        "graded",
        FULL,
    )
    cls["fake-grader-error"] = (
        edited(
            correct,
            forward("""
        class GraderError(RuntimeError): pass
        if x != 3.0:
            raise GraderError("blame the grader")
        raise ModuleNotFoundError("No module named 'solutions.gone'")"""),
        ),
        "graded",
        FULL - FORWARD,
    )
    cls["exits-in-hidden"] = (
        edited(
            correct,
            forward("""
        import os
        if getattr(f, "__name__", "").startswith("grader_input"):  # only while hidden tests call
            os._exit(3)
        return (f(x + h) - f(x)) / h"""),
        ),
        "graded",
        0.0,
    )
    # Reaching other students and the instructor.
    cls["writes-gradebook"] = (
        edited(
            release,
            first=[
                _attack(
                    "gradebook",
                    f"""
        import sqlite3
        db = sqlite3.connect({paths["gradebook"]!r})
        db.execute("update grade set auto_score = 0")
        db.commit()""",
                )
            ],
        ),
        "graded",
        0.0,
    )
    cls["writes-others"] = (
        edited(
            release,
            first=[
                _attack(
                    "others",
                    f"""
        open({paths["other"]!r}, 'w').write('{{}}')
        open({paths["autograded"]!r}, 'w').write('{{}}')""",
                )
            ],
        ),
        "graded",
        0.0,
    )
    cls["plants-startup"] = (
        edited(
            release,
            first=[
                _attack(
                    "startup",
                    """
        import os, site, sys
        for folder in site.getsitepackages() + [os.path.expanduser('~/.ipython/profile_default/startup')]:
            os.makedirs(folder, exist_ok=True)
            open(os.path.join(folder, 'sitecustomize.py'), 'w').write(
                'import numpy; numpy.allclose = lambda *a, **k: True')""",
                )
            ],
        ),
        "graded",
        0.0,
    )
    cls["edits-solutions"] = (
        edited(release, first=[_attack("edit-solutions", f"open({paths['solutions']!r}, 'a').write('# x')")]),
        "graded",
        0.0,
    )
    cls["daemon"] = (
        edited(
            correct,
            extra=[
                f"""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(600):
            try:
                open({paths["status"]!r}, 'w').write('{{}}')
            except OSError:
                pass
            time.sleep(0.1)
        os._exit(0)
    os._exit(0)
time.sleep(0.2)"""
            ],
        ),
        "graded",
        FULL,
    )
    cls["kills-grader"] = (
        edited(
            correct,
            extra=[
                _attack(
                    "kill",
                    """
        import os, signal
        hits = 0
        for pid in [int(p) for p in os.listdir('/proc') if p.isdigit()]:
            try:
                line = open(f'/proc/{pid}/cmdline', 'rb').read()
            except OSError:
                continue
            if b'autograder' in line and b'driver.py' not in line or pid == 1:
                for sig in (signal.SIGSTOP, signal.SIGKILL):
                    try:
                        os.kill(pid, sig); hits += 1
                    except OSError:
                        pass
        os.kill(os.getppid(), signal.SIGKILL)
        assert hits > 0""",
                )
            ],
        ),
        "graded",
        FULL,
    )
    cls["leaks-hidden"] = (
        edited(
            release,
            extra=[
                "print([s[::-1] for s in globals().get('In', []) if 'HIDDEN' in s])",
                "import base64, glob\n"
                "for top in ('/work', '/root', '/opt', '/tmp', '/submission', '/home'):\n"
                "    for p in (glob.glob(top + '/**/finite_diff*.py', recursive=True)\n"
                "              + glob.glob(top + '/**/01_*.ipynb', recursive=True)):\n"
                "        print(p, base64.b64encode(open(p, 'rb').read()).decode())",
            ],
        ),
        "graded",
        0.0,
    )
    cls["html-script"] = (
        edited(
            correct,
            extra=[
                "from IPython.display import HTML, display\ndisplay(HTML('<script>alert(1)</script>'))\n"
                "print('<script>alert(2)</script>')"
            ],
            markdown=["Look <img src=x onerror=alert(3)> <script>alert(4)</script>"],
        ),
        "graded",
        FULL,
    )
    # Graded cells deleted, duplicated, retyped; metadata edited.
    cls["edits-cells"] = (_edited_cells(correct), "graded", FULL)
    cls["edits-metadata"] = (_edited_metadata(correct), "graded", FULL)
    return cls


def _edited_cells(correct):
    notebook = nbformat.from_dict(json.loads(json.dumps(correct)))
    cells = []
    for cell in notebook.cells:
        gid = grade_id(cell)
        if gid == "test_forward_difference":
            continue  # deleted
        if gid == "test_backward_difference":
            cells += [cell, nbformat.from_dict(json.loads(json.dumps(cell)))]  # duplicated
            continue
        if gid == "test_central_difference":
            cell.cell_type = "markdown"  # retyped
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
        cells.append(cell)
    notebook.cells = cells
    return notebook


def _edited_metadata(correct):
    notebook = nbformat.from_dict(json.loads(json.dumps(correct)))
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if grade_id(cell) == "test_forward_difference":
            meta["points"] = 100
        elif grade_id(cell) == "test_backward_difference":
            meta["grade"] = False
        elif grade_id(cell) == "test_central_difference":
            meta["grade_id"] = "test_central_difference_renamed"
        elif grade_id(cell) == "test_numerical_gradient":
            meta["schema_version"] = 0
    return notebook


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    connections, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connections.append(listener.accept()[0])
            except (TimeoutError, OSError):
                pass

    threading.Thread(target=accept, daemon=True).start()

    course = make_course(repository_course(), [LESSON], root)
    assert main(["release", "--course", str(root)]) == 0
    cls = _class(course, root)
    for student, (notebook, _, _) in cls.items():
        folder = course.assignment_dir("submitted", LESSON, student)
        folder.mkdir(parents=True)
        path = folder / f"{LESSON}.ipynb"
        if isinstance(notebook, str):
            path.write_text(notebook)
        else:
            text = nbformat.writes(notebook).replace("PORT", str(listener.getsockname()[1]))
            path.write_text(text)
    exit_code = main(
        [
            "grade",
            LESSON,
            "--course",
            str(root),
            "--workers",
            "2",
            "--timeout",
            str(CELL_TIMEOUT),
            "--total-timeout",
            "240",
        ]
    )
    status_after = (root / "grading" / "status.json").read_text()
    time.sleep(3)  # a surviving daemon would rewrite the status file now
    stop.set()
    records = (root / "grading" / "records" / LESSON).glob("*.json")
    uids = {json.loads(path.read_text()).get("sandbox_uid") for path in records} - {None}
    survivors = [
        p.info
        for p in psutil.process_iter(["pid", "uids", "cmdline"])
        if p.info["uids"] and p.info["uids"].real in uids
    ]
    feedback_code = main(["feedback", "--course", str(root)])
    return {
        "root": root,
        "course": Course.open(root),
        "cls": cls,
        "exit": exit_code,
        "survivors": survivors,
        "uids": uids,
        "status_before": status_after,
        "status_after": (root / "grading" / "status.json").read_text(),
        "connections": connections,
        "feedback": feedback_code,
    }


def _outputs_text(batch, student):
    path = batch["course"].assignment_dir("autograded", LESSON, student) / f"{LESSON}.ipynb"
    notebook = read_notebook(path)
    return "\n".join(
        str(output.get("text", "")) + str(output.get("evalue", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def test_the_batch_exits_0_and_every_student_gets_the_expected_status_and_score(batch):
    assert batch["exit"] == 0
    rows = {row.student: row for row in grade_rows(batch["course"])}
    wrong = {
        student: (rows[student].status, rows[student].score, rows[student].detail)
        for student, (_, status, score) in batch["cls"].items()
        if (rows[student].status, rows[student].score) != (status, score)
    }
    assert wrong == {}
    assert len(batch["cls"]) >= 35


def test_the_gradebook_and_the_status_file_hold_one_row_per_student(batch):
    status = json.loads(batch["status_after"])
    assert sorted(status[LESSON]) == sorted(batch["cls"])
    db = sqlite3.connect(batch["root"] / "gradebook.db")
    rows = db.execute(
        "select student.id, count(*) from submitted_assignment join student "
        "on submitted_assignment.student_id = student.id group by student.id"
    ).fetchall()
    # one row per graded submission; a timed-out or killed one has none, so nbgrader's formgrader
    # and exports show no score for it (issue 14)
    graded = {s for s, (_, status, _) in batch["cls"].items() if status == "graded"}
    assert dict(rows) == {student: 1 for student in graded}


def test_nothing_outlives_the_batch_or_rewrites_it_afterwards(batch):
    assert batch["uids"] and batch["survivors"] == []
    assert batch["status_after"] == batch["status_before"]


@pytest.mark.parametrize(
    "attack",
    [
        "memory",
        "fork",
        "socket",
        "internet",
        "harness",
        "transformer",
        "solutions",
        "source",
        "gradebook",
        "others",
        "startup",
        "edit-solutions",
        "kill",
    ],
)
def test_each_attack_was_blocked_inside_the_sandbox(batch, attack):
    students = [
        s
        for s, (nb, _, _) in batch["cls"].items()
        if not isinstance(nb, str) and any(f'"REACHED:{attack}"' in cell.source for cell in nb.cells)
    ]
    assert students, attack
    for student in students:
        text = _outputs_text(batch, student)
        assert f"BLOCKED:{attack}:" in text and f"REACHED:{attack}" not in text, (student, text[-500:])


def test_the_fork_bomb_stopped_at_the_process_limit(batch):
    assert "BLOCKED:fork:BlockingIOError" in _outputs_text(batch, "fork-bomb")


def test_no_connection_reached_the_grading_host(batch):
    assert batch["connections"] == []


def test_feedback_shows_no_hidden_source_no_answers_and_no_submitted_html(batch):
    assert batch["feedback"] == 0
    source = read_notebook(batch["course"].step_dir("source") / LESSON / f"{LESSON}.ipynb")
    hidden = {
        line.strip()
        for cell in source.cells
        for line in region_lines(cell, BEGIN_HIDDEN, END_HIDDEN)
        if len(line.strip()) > 12
    }
    pages = list((batch["root"] / "feedback").rglob("*.html"))
    assert len(pages) == len(batch["cls"])
    for page in pages:
        html = page.read_text(encoding="utf-8")
        text = page_text(html)
        assert not [line for line in hidden if line in text], page
        assert _active_content(html) == [], page
    leaks = page_text(next(p for p in pages if "leaks-hidden" in str(p)).read_text(encoding="utf-8"))
    assert "return (f(x + h) - f(x - h)) / (2 * h)" not in leaks
    # It printed every file it could find by name: only its own copy of the release was there.
    assert "finite_diff.py" not in leaks and "notebooks/01_finite" not in leaks
    assert "/submission/01_finite_differences.ipynb" in leaks
