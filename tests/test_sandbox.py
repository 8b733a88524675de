"""The sandbox and its boundary: what crosses it (data only) and what a graded notebook can reach.

The wire-format tests need nothing; the sandbox tests need bubblewrap (CI installs it) and skip
with the install command elsewhere.
"""

import os
import time
from pathlib import Path

import numpy as np
import pytest
from grading_runs import repository_course

from autograder.grader import isolation
from autograder.grader.execute import run_hidden, sandbox_env
from autograder.grader.harness import HiddenTestFailure
from autograder.grader.session import SandboxSession, StudentRaised
from autograder.sandbox import driver as wire

needs_sandbox = pytest.mark.skipif(
    not isolation.detect().complete and not os.environ.get("CI"),
    reason="needs bubblewrap: apt-get install bubblewrap (CI installs it)",
)


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        -(2**70),
        1.5,
        float("nan"),
        float("-inf"),
        2 + 3j,
        "text",
        (1, [2.0, {"a": (3,)}]),
        {1: "int key", "k": None},
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.array([True, False]),
        np.float64(0.25),
        np.int8(-3),
        np.zeros((0, 4)),
        np.array([1 + 2j]),
    ],
)
def test_values_cross_the_wire_unchanged(value):
    back = wire.decode(wire.encode(value))
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape and np.array_equal(back, value)
    elif isinstance(value, float) and value != value:
        assert back != back
    else:
        assert back == value and type(back) is type(value)


@pytest.mark.parametrize(
    "value",
    [
        object(),
        np.array(["a"]),
        np.array([object()]),
        {frozenset(): 1},
        np.zeros(2).view(np.recarray),
        lambda: 1,
    ],
)
def test_anything_else_is_refused(value):
    with pytest.raises(wire.WireError):
        wire.encode(value)


@pytest.mark.parametrize(
    "data",
    [
        {"$handle": [0, "call"]},  # the grader never accepts a callable back
        {"$array": ["|O", [1], "AAAAAAAAAAA="]},  # object arrays would unpickle
        {"$array": ["<f8", [3], "AAAAAAAAAAA="]},  # data shorter than the shape says
        {"$unknown": 1},
        {"$tuple": 1, "$dict": 2},
        {"$bigint": "9" * 6000},
    ],
)
def test_malformed_or_dangerous_data_is_refused(data):
    with pytest.raises((wire.WireError, ValueError)):
        wire.decode(data)


def test_deep_nesting_is_refused():
    value = []
    for _ in range(wire.MAX_DEPTH + 5):
        value = [value]
    with pytest.raises(wire.WireError):
        wire.encode(value)


def test_an_oversized_frame_is_refused_before_it_is_read():
    read_fd, write_fd = os.pipe()
    os.write(write_fd, wire.HEADER.pack(10**9))
    with pytest.raises(ValueError, match="limit"):
        wire.read_frame(read_fd, 1000)
    os.close(read_fd)
    os.close(write_fd)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    files = tmp_path_factory.mktemp("files")
    (files / "data.txt").write_text("the student's own file")
    with SandboxSession(
        files, env=sandbox_env(), isolation=isolation.require(False), limits=isolation.Limits()
    ) as s:
        yield s


def _run(session, source):
    result = session.run_cell(source, 0, 60)
    text = "".join(o.get("text", "") for o in result.outputs)
    return result, text


@needs_sandbox
@pytest.mark.parametrize(
    "what, source",
    [
        ("solutions", "import solutions"),
        ("grader", "import autograder"),
        ("source notebook", "open({source!r})"),
        ("gradebook", "import sqlite3; sqlite3.connect({gradebook!r}).execute('select 1')"),
        ("another student's folder", "open({submitted!r})"),
        ("the instructor's home", "open({home_file!r})"),
        ("a write outside the scratch folder", "open({course_package!r} + '/planted.py', 'w')"),
    ],
)
def test_the_sandbox_cannot_reach(session, what, source):
    root = repository_course().root
    paths = {
        "source": str(root / "notebooks" / "01_finite_differences" / "01_finite_differences.ipynb"),
        "gradebook": str(root / "gradebook.db"),
        "submitted": str(root / "submitted"),
        "course_package": str(root / "course"),
        "home_file": next((str(p) for p in Path.home().iterdir() if p.is_file()), str(Path.home() / ".x")),
    }
    result, _ = _run(session, source.format(**paths))
    assert result.error is not None, what
    assert result.error["ename"] in (
        "ModuleNotFoundError",
        "FileNotFoundError",
        "PermissionError",
        "OperationalError",
        "OSError",
    ), result.error


@needs_sandbox
def test_inside_it_is_another_user_in_its_own_namespaces_with_limits(session):
    _, text = _run(
        session,
        "import os, resource, socket\n"
        "print(os.getuid(), os.getpid(), resource.getrlimit(resource.RLIMIT_AS)[0])\n"
        "print(sorted(os.listdir('/proc'))[:0], open('data.txt').read())\n"
        "print(len([p for p in os.listdir('/proc') if p.isdigit()]))",
    )
    uid, pid, memory = (int(v) for v in text.split("\n")[0].split())
    assert uid != 0 and uid == session.uid
    assert pid < 10  # a fresh PID namespace
    assert memory == isolation.Limits().memory_bytes
    assert "the student's own file" in text
    assert int(text.strip().split("\n")[-1]) < 10  # sees only its own processes


@needs_sandbox
def test_hidden_checks_see_only_outputs(session):
    _run(
        session,
        "import numpy as np\n"
        "np.allclose = lambda *a, **k: True\n"
        "class Always:\n    def __eq__(self, other): return True\n"
        "def square(x): return Always()\n"
        "def cube(x): return np.asarray(x) ** 3\n",
    )
    code = (
        "from autograder.grader.harness import Case, check_against_reference\n"
        "check_against_reference('square', square, lambda x: np.asarray(x) ** 2,\n"
        "                        [Case('a', (np.arange(3.0),))])\n"
    )
    verdict = run_hidden(code, "test_square", session, time.monotonic() + 30)
    assert not verdict["passed"] and "cannot be graded" in verdict["message"]
    code = (
        "from autograder.grader.harness import Case, check_against_reference\n"
        "check_against_reference('cube', cube, lambda x: np.asarray(x) ** 3,\n"
        "                        [Case('a', (np.arange(3.0),))])\n"
    )
    assert run_hidden(code, "test_cube", session, time.monotonic() + 30)["passed"]


@needs_sandbox
def test_student_exceptions_are_student_errors_never_grader_errors(session):
    _run(
        session,
        "class GraderError(Exception): pass\n"
        "def bad(x): raise GraderError('blame the grader')\n"
        "def picky(x):\n    raise ValueError('negative')\n",
    )
    with pytest.raises(Exception) as raised:
        session.call("bad", (1,), {}, time.monotonic() + 10)
    assert isinstance(raised.value, StudentRaised) and not isinstance(raised.value, HiddenTestFailure)
    with pytest.raises(ValueError):
        session.call("picky", (1,), {}, time.monotonic() + 10)


@needs_sandbox
def test_callables_and_iterators_are_served_from_the_grader(session):
    _run(session, "def apply(f, xs):\n    return [f(x) for x in xs]\n")
    assert session.call("apply", (lambda x: 2 * x, iter([1, 2, 3])), {}, time.monotonic() + 10) == [2, 4, 6]


@needs_sandbox
def test_in_place_changes_are_seen_by_the_grader(session):
    _run(session, "def scale(w):\n    w *= 2\n    return None\n")
    w = np.ones(3)
    session.call("scale", (w,), {}, time.monotonic() + 10)
    assert np.array_equal(w, [2, 2, 2])
