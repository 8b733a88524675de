"""`similarity LESSON`: a planted near-copy ranks first among honest, distinct solutions of lesson 01.

The class: five students who each wrote lesson 01's exercises their own way (checked to be correct
against the reference before anything is compared), one who copied another and renamed the
variables, changed the comments and the spacing, and two who handed in the starter code unchanged.
No grading run: the submissions are written straight into submitted/<student>/<lesson>/.
"""

import csv
import textwrap

import nbformat
import numpy as np
import pytest

from autograder import cli
from autograder.demo import make_course
from autograder.notebooks import grade_id, is_solution_cell
from autograder.release import release
from autograder.similarity import similarity
from solutions import finite_diff
from tests.grading_runs import repository_course

LESSON = "01_finite_differences"
EXERCISES = (
    "forward_difference",
    "backward_difference",
    "central_difference",
    "numerical_gradient",
    "relative_error",
    "gradient_check",
)


def _bodies(**code):
    return {
        f"ex_{name}": textwrap.indent(textwrap.dedent(text).strip("\n"), "    ")
        for name, text in code.items()
    }


HONEST = {
    "ada": _bodies(
        forward_difference="""
            fx = f(x)
            fxh = f(x + h)
            return (fxh - fx) / h
        """,
        backward_difference="return (f(x) - f(x - h)) / h",
        central_difference="return (f(x + h) - f(x - h)) / (2 * h)",
        numerical_gradient="""
            x = np.array(x, dtype=float)
            g = np.zeros_like(x)
            base = f(x)
            for idx in np.ndindex(*x.shape):
                old = x[idx]
                x[idx] = old + h
                up = f(x)
                x[idx] = old - h
                down = f(x)
                x[idx] = old
                if method == "forward":
                    g[idx] = (up - base) / h
                elif method == "backward":
                    g[idx] = (base - down) / h
                else:
                    g[idx] = (up - down) / (2 * h)
            return g
        """,
        relative_error="""
            a = np.asarray(a, dtype=float)
            b = np.asarray(b, dtype=float)
            denom = np.maximum(np.abs(a) + np.abs(b), 1e-8)
            return float((np.abs(a - b) / denom).max())
        """,
        gradient_check="""
            g = np.asarray(analytic_grad, dtype=float)
            xc = np.array(x, dtype=float)
            rng = np.random.default_rng(seed)
            out = []
            for _ in range(n_checks):
                ix = tuple(int(rng.integers(n)) for n in xc.shape)
                keep = xc[ix]
                xc[ix] = keep + h
                fp = f(xc)
                xc[ix] = keep - h
                fm = f(xc)
                xc[ix] = keep
                out.append(relative_error((fp - fm) / (2 * h), g[ix]))
            return np.array(out)
        """,
    ),
    "ben": _bodies(
        forward_difference="return (f(x + h) - f(x)) * (1.0 / h)",
        backward_difference="""
            drop = f(x) - f(x - h)
            return drop / h
        """,
        central_difference="""
            half_sum = f(x + h) - f(x - h)
            return half_sum / h / 2
        """,
        numerical_gradient="""
            x0 = np.asarray(x, dtype=np.float64)
            flat = x0.ravel().copy()
            result = np.empty(flat.size)

            def at(v):
                return f(v.reshape(x0.shape))

            f0 = at(flat) if method != "central" else 0.0
            for k in range(flat.size):
                e = np.zeros(flat.size)
                e[k] = h
                plus = at(flat + e) if method != "backward" else f0
                minus = at(flat - e) if method != "forward" else f0
                result[k] = (plus - minus) / ((2 * h) if method == "central" else h)
            return result.reshape(x0.shape)
        """,
        relative_error="""
            a_arr, b_arr = np.asarray(a, float), np.asarray(b, float)
            num = np.abs(a_arr - b_arr)
            den = np.abs(a_arr) + np.abs(b_arr)
            den = np.where(den > 1e-8, den, 1e-8)
            return float(np.amax(num / den))
        """,
        gradient_check="""
            grad = np.asarray(analytic_grad, float)
            base = np.array(x, float)
            gen = np.random.default_rng(seed)
            errs = np.zeros(n_checks)
            for k in range(n_checks):
                pos = tuple(int(gen.integers(n)) for n in base.shape)
                up, down = base.copy(), base.copy()
                up[pos] += h
                down[pos] -= h
                errs[k] = relative_error((f(up) - f(down)) / (2 * h), grad[pos])
            return errs
        """,
    ),
    "cleo": _bodies(
        forward_difference="""
            slope = (f(x + h) - f(x)) / h
            return slope
        """,
        backward_difference="return -(f(x - h) - f(x)) / h",
        central_difference="return 0.5 * (f(x + h) - f(x - h)) / h",
        numerical_gradient="""
            point = np.array(x, dtype=float)
            gradient = np.zeros(point.shape)
            it = np.nditer(np.zeros(point.shape), flags=["multi_index"])
            while not it.finished:
                i = it.multi_index
                saved = float(point[i])

                def shifted(delta):
                    point[i] = saved + delta
                    value = f(point)
                    point[i] = saved
                    return value

                if method == "central":
                    gradient[i] = (shifted(h) - shifted(-h)) / (2.0 * h)
                elif method == "forward":
                    gradient[i] = (shifted(h) - f(point)) / h
                else:
                    gradient[i] = (f(point) - shifted(-h)) / h
                it.iternext()
            return gradient
        """,
        relative_error="""
            worst = 0.0
            for u, v in zip(np.ravel(a), np.ravel(b)):
                worst = max(worst, abs(u - v) / max(1e-8, abs(u) + abs(v)))
            return float(worst)
        """,
        gradient_check="""
            rng = np.random.default_rng(seed)
            coords = [tuple(int(rng.integers(n)) for n in np.shape(x)) for _ in range(n_checks)]
            point = np.array(x, dtype=float)

            def numeric(c):
                e = np.zeros_like(point)
                e[c] = h
                return (f(point + e) - f(point - e)) / (2 * h)

            exact = np.asarray(analytic_grad, float)
            return np.array([relative_error(numeric(c), exact[c]) for c in coords])
        """,
    ),
    "dara": _bodies(
        forward_difference="""
            numerator = f(x + h) - f(x)
            return numerator / h
        """,
        backward_difference="""
            here, before = f(x), f(x - h)
            return (here - before) / h
        """,
        central_difference="""
            right, left = f(x + h), f(x - h)
            return (right - left) / (h + h)
        """,
        numerical_gradient="""
            x_arr = np.array(x, dtype=float)
            n = x_arr.size
            basis = np.eye(n).reshape((n,) + x_arr.shape) * h
            schemes = {
                "forward": lambda d: (f(x_arr + d) - f(x_arr)) / h,
                "backward": lambda d: (f(x_arr) - f(x_arr - d)) / h,
                "central": lambda d: (f(x_arr + d) - f(x_arr - d)) / (2 * h),
            }
            step = schemes[method]
            return np.array([step(d) for d in basis]).reshape(x_arr.shape)
        """,
        relative_error="""
            diff = np.abs(np.subtract(a, b, dtype=float))
            scale = np.clip(np.abs(a) + np.abs(b), 1e-8, None)
            return float(np.max(diff / scale))
        """,
        gradient_check="""
            xs = np.array(x, dtype=float)
            ag = np.asarray(analytic_grad, dtype=float)
            rng = np.random.default_rng(seed)
            results = []
            while len(results) < n_checks:
                where = tuple(int(rng.integers(n)) for n in xs.shape)

                def along(t, where=where):
                    moved = xs.copy()
                    moved[where] = t
                    return f(moved)

                results.append(relative_error(central_difference(along, xs[where], h), ag[where]))
            return np.asarray(results)
        """,
    ),
    "eli": _bodies(
        forward_difference="return (f(h + x) - f(x)) / h",
        backward_difference="""
            value_now = f(x)
            value_back = f(x - h)
            return (value_now - value_back) / h
        """,
        central_difference="""
            return (f(x + h) - f(x - h)) / (2.0 * h)
        """,
        numerical_gradient="""
            base = np.array(x, dtype=float)
            shape = base.shape

            def partial(k):
                idx = np.unravel_index(k, shape)
                hi = base.copy()
                hi[idx] += h
                lo = base.copy()
                lo[idx] -= h
                if method == "forward":
                    return (f(hi) - f(base)) / h
                if method == "backward":
                    return (f(base) - f(lo)) / h
                return (f(hi) - f(lo)) / (2 * h)

            return np.array([partial(k) for k in range(base.size)], dtype=float).reshape(shape)
        """,
        relative_error="""
            pairs = np.broadcast(np.asarray(a, float), np.asarray(b, float))
            ratios = [abs(p - q) / max(abs(p) + abs(q), 1e-8) for p, q in pairs]
            return float(max(ratios))
        """,
        gradient_check="""
            point = np.array(x, dtype=float)
            exact = np.asarray(analytic_grad, dtype=float)
            rng = np.random.default_rng(seed)
            errors = np.empty(n_checks)
            i = 0
            while i < n_checks:
                at = tuple(int(rng.integers(n)) for n in point.shape)
                step = np.zeros(point.shape)
                step[at] = h
                approx = (f(point + step) - f(point - step)) / (2 * h)
                errors[i] = relative_error(approx, exact[at])
                i += 1
            return errors
        """,
    ),
}

# Written by "fay"; "gus" hands in the same code with other names, comments and spacing.
FAY = _bodies(
    forward_difference="""
        ahead = f(x + h)
        return (ahead - f(x)) / h
    """,
    backward_difference="""
        behind = f(x - h)
        return (f(x) - behind) / h
    """,
    central_difference="""
        ahead, behind = f(x + h), f(x - h)
        return (ahead - behind) / (2 * h)
    """,
    numerical_gradient="""
        # work on a float copy so that x is not modified
        work = np.array(x, dtype=float)
        grads = np.zeros(work.shape)
        centre = f(work)
        coordinates = list(np.ndindex(work.shape))
        for coord in coordinates:
            kept = work[coord]
            work[coord] = kept + h
            ahead = f(work) if method in ("forward", "central") else centre
            work[coord] = kept - h
            behind = f(work) if method in ("backward", "central") else centre
            work[coord] = kept
            span = 2 * h if method == "central" else h
            grads[coord] = (ahead - behind) / span
        return grads
    """,
    relative_error="""
        first = np.asarray(a, dtype=float)
        second = np.asarray(b, dtype=float)
        gap = np.abs(first - second)
        size = np.abs(first) + np.abs(second)
        return float(np.max(gap / np.maximum(size, 1e-8)))
    """,
    gradient_check="""
        exact = np.asarray(analytic_grad, dtype=float)
        work = np.array(x, dtype=float)
        generator = np.random.default_rng(seed)
        found = []
        for trial in range(n_checks):
            coord = tuple(int(generator.integers(n)) for n in work.shape)
            kept = work[coord]
            work[coord] = kept + h
            ahead = f(work)
            work[coord] = kept - h
            behind = f(work)
            work[coord] = kept
            found.append(relative_error((ahead - behind) / (2 * h), exact[coord]))
        return np.array(found)
    """,
)
GUS = _bodies(
    forward_difference="""
        nxt = f(x+h)
        return (nxt-f(x))/h
    """,
    backward_difference="""
        prv = f(x-h)
        return (f(x)-prv)/h
    """,
    central_difference="""
        nxt, prv = f(x+h), f(x-h)   # two evaluations
        return (nxt-prv)/(2*h)
    """,
    numerical_gradient="""
        arr = np.array(x, dtype=float)
        out = np.zeros(arr.shape)
        mid = f(arr)
        # visit every coordinate
        spots = list(np.ndindex(arr.shape))
        for s in spots:
            orig = arr[s]
            arr[s] = orig+h
            nxt = f(arr) if method in ("forward", "central") else mid

            arr[s] = orig-h
            prv = f(arr) if method in ("backward", "central") else mid
            arr[s] = orig   # restore
            width = 2*h if method == "central" else h
            out[s] = (nxt-prv)/width
        return out
    """,
    relative_error="""
        u = np.asarray(a, dtype=float)
        v = np.asarray(b, dtype=float)
        d = np.abs(u-v)
        m = np.abs(u)+np.abs(v)
        return float(np.max(d/np.maximum(m, 1e-8)))
    """,
    gradient_check="""
        g = np.asarray(analytic_grad, dtype=float)
        arr = np.array(x, dtype=float)
        r = np.random.default_rng(seed)
        res = []
        for t in range(n_checks):
            s = tuple(int(r.integers(n)) for n in arr.shape)
            orig = arr[s]
            arr[s] = orig+h
            nxt = f(arr)
            arr[s] = orig-h
            prv = f(arr)
            arr[s] = orig
            res.append(relative_error((nxt-prv)/(2*h), g[s]))   # relative error here
        return np.array(res)
    """,
)
SOLVED = {**HONEST, "fay": FAY, "gus": GUS}
BLANK = ("hal", "ivy")


def _filled(released, bodies):
    """The released notebook with each solution cell's stub replaced by the student's code."""
    notebook = nbformat.from_dict(released)
    for cell in notebook.cells:
        if is_solution_cell(cell) and grade_id(cell) in bodies:
            lines = cell.source.split("\n")
            stub = next(i for i, line in enumerate(lines) if "# YOUR CODE HERE" in line)
            assert "raise NotImplementedError" in lines[stub + 1]
            cell.source = "\n".join(lines[:stub] + [bodies[grade_id(cell)]] + lines[stub + 2 :])
    return notebook


def _functions(notebook):
    """The student's functions, run with the notebook's argument checks stubbed out."""
    namespace = {"np": np}
    for name in ("check_step", "check_method", "check_same_shape", "check_gradient_arguments"):
        namespace[name] = lambda *args: None
    for cell in notebook.cells:
        if cell.cell_type == "code" and is_solution_cell(cell):
            exec(cell.source, namespace)
    return namespace


@pytest.fixture(scope="module")
def planted_class(tmp_path_factory):
    """The course with lesson 01 released (by the real `release`) and the class submitted."""
    root = tmp_path_factory.mktemp("similarity") / "course"
    course = make_course(repository_course(), [LESSON], root)
    assert all(result.ok for result in release(course, [LESSON]))
    released = nbformat.read(course.step_dir("release") / LESSON / f"{LESSON}.ipynb", as_version=4)
    notebooks = {student: _filled(released, bodies) for student, bodies in SOLVED.items()}
    notebooks.update({student: released for student in BLANK})
    for student, notebook in notebooks.items():
        folder = course.step_dir("submitted") / student / LESSON
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{LESSON}.ipynb")
    return course, notebooks


@pytest.mark.parametrize("student", sorted(SOLVED))
def test_every_solved_submission_is_a_correct_solution(planted_class, student):
    """The honest students really solved the exercises (so the test is about style, not bugs)."""
    mine = _functions(planted_class[1][student])
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(3, 4))

    def loss(v):
        return float(np.sum(np.sin(v) * v**2))

    for name in EXERCISES[:3]:
        assert mine[name](np.cos, 0.7, 1e-4) == pytest.approx(getattr(finite_diff, name)(np.cos, 0.7, 1e-4))
    for method in ("forward", "backward", "central"):
        got = mine["numerical_gradient"](loss, matrix, 1e-5, method)
        np.testing.assert_allclose(got, finite_diff.numerical_gradient(loss, matrix, 1e-5, method), atol=1e-6)
    other = matrix + rng.normal(scale=1e-3, size=matrix.shape)
    assert mine["relative_error"](matrix, other) == pytest.approx(finite_diff.relative_error(matrix, other))
    assert mine["relative_error"](0.0, 0.0) == 0.0
    analytic = np.sin(matrix) * 2 * matrix + np.cos(matrix) * matrix**2
    np.testing.assert_allclose(
        mine["gradient_check"](loss, analytic, matrix, 7, 1e-5, 4),
        finite_diff.gradient_check(loss, analytic, matrix, 7, 1e-5, 4),
        atol=1e-7,
    )


def _involves_blank(student_a, student_b):
    return bool({student_a, student_b} & set(BLANK))


def test_the_planted_copy_ranks_first_in_the_course_reports(planted_class, capsys):
    """`python -m autograder similarity` on the released lesson: CSV and HTML in grading/similarity/."""
    course, _ = planted_class
    assert cli.main(["similarity", LESSON, "--course", str(course.root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("    1. 100.0%  fay / gus"), out
    assert [line for line in out if line.startswith("note:")] == [
        f"note: {student}: no code of their own (starter code only)" for student in BLANK
    ]
    with open(course.state_dir / "similarity" / f"{LESSON}.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    students = len(SOLVED) + len(BLANK)
    assert len(rows) == students * (students - 1) // 2
    assert (rows[0]["rank"], rows[0]["student_a"], rows[0]["student_b"]) == ("1", "fay", "gus")
    top, runner_up = float(rows[0]["similarity"]), float(rows[1]["similarity"])
    assert top > 0.9 and runner_up < top - 0.3, rows[:3]
    assert [float(r["similarity"]) for r in rows] == sorted(
        (float(r["similarity"]) for r in rows), reverse=True
    )
    # The starter code is excluded: a submission left as released shares nothing with anyone.
    blank_rows = [r for r in rows if _involves_blank(r["student_a"], r["student_b"])]
    assert len(blank_rows) == 15
    assert {(r["share_of_a_in_b"], r["share_of_b_in_a"], r["tokens"]) for r in blank_rows} == {
        ("0.000", "0.000", "0")
    }
    page = (course.state_dir / "similarity" / f"{LESSON}.html").read_text(encoding="utf-8")
    assert "<span class='hl'>" in page and "1. fay / gus: 100.0%" in page
    assert "<script" not in page and "http" not in page  # self-contained, works offline

    assert cli.main(["similarity", "02_gradient_descent", "--course", str(course.root)]) == 2
    assert "unknown assignment" in capsys.readouterr().err


def test_before_a_release_the_starter_is_derived_from_the_source(planted_class, tmp_path):
    """Without release/, the source with its solutions stubbed out is excluded: the same code as the
    real release (above), so blank submissions still share nothing."""
    course, _ = planted_class
    release_dir = course.step_dir("release")
    aside = release_dir.with_name("release-aside")
    release_dir.rename(aside)
    try:
        result = similarity(course, LESSON, out_dir=tmp_path)
    finally:
        aside.rename(release_dir)
    assert result.starter_origin.startswith("the source of")
    first, second = result.pairs[:2]
    assert (first.student_a, first.student_b, first.share_a, first.share_b) == ("fay", "gus", 1.0, 1.0)
    assert second.similarity < first.similarity - 0.3
    for pair in result.pairs:
        if _involves_blank(pair.student_a, pair.student_b):
            assert (pair.share_a, pair.share_b, pair.tokens) == (0.0, 0.0, 0), pair
    assert result.csv_path == tmp_path / f"{LESSON}.csv" and result.html_path.is_file()
