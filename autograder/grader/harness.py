"""Hidden-test harness: compare a student's function with the reference, case by case.

Runs in the GRADER's process, never in the student's: the autograder executes each hidden-test
block here, with the student's functions standing in as proxies that send the inputs into the
sandbox and bring the outputs back as data (autograder.grader.session). Hidden test cells call
these functions instead of bare asserts, for three reasons:
- the failure message names the case and what went wrong, never the hidden inputs;
- inputs are checked for mutation, which a bare assert forgets;
- every verdict is also recorded (see `recording`) for the grader's verdict record.

A failed check raises `HiddenTestFailure` (an AssertionError, so nbgrader takes the points).
If the reference itself cannot be imported or raises, that is the grader's fault, not the
student's: `GraderError` is raised instead, and the autograder refuses to report that grade.
"""

import copy
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

_RECORDS = []


class HiddenTestFailure(AssertionError):
    """The student's code gave a wrong answer, raised, or mutated its inputs."""


class GraderError(RuntimeError):
    """The grading infrastructure failed (reference missing or broken): not the student's fault."""


@dataclass
class Case:
    """One hidden input: `label` is what the student sees, `args`/`kwargs` stay hidden."""

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


def reference(qualified_name):
    """Import and return the reference object named "module:attribute" (e.g. "solutions.gd:gd_table").

    Raises GraderError, not ImportError, so a broken grader never looks like a student's zero.
    """
    module_name, _, attribute = qualified_name.partition(":")
    try:
        module = __import__(module_name, fromlist=[attribute])
        return getattr(module, attribute)
    except Exception as error:  # any failure here is the grader's, whatever its type
        raise GraderError(f"reference {qualified_name!r} could not be loaded: {error!r}") from None


def check_against_reference(
    name, student_fn, reference_fn, cases, *, rtol=1e-6, atol=1e-9, check_mutation=True
):
    """Call `student_fn` and `reference_fn` on every case and compare the results.

    name:          the test's name as the student sees it, e.g. "forward_difference".
    student_fn:    the student's function.
    reference_fn:  the reference function, or a "module:attribute" string for `reference`.
    cases:         list of Case (or (label, args) / (label, args, kwargs) tuples).
    Results may be numbers, arrays, or nested tuples/lists/dicts of them; they are compared
    with np.allclose(rtol, atol) and must have the same structure and shapes.
    Returns None and raises HiddenTestFailure listing the failed labels. Never a number: nbgrader
    reads a number left as a test cell's last expression as the cell's partial credit (and fails
    the whole autograde when it exceeds the cell's points).
    """
    if isinstance(reference_fn, str):
        reference_fn = reference(reference_fn)
    cases = [_as_case(case) for case in cases]
    failures = []
    for case in cases:
        try:
            expected = reference_fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        except Exception as error:
            raise GraderError(f"{name}: the reference raised on case {case.label!r}: {error!r}") from None
        args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
        try:
            actual = student_fn(*args, **kwargs)
        except NotImplementedError:
            failures.append(f"{case.label}: not implemented yet")
            continue
        except Exception as error:
            failures.append(f"{case.label}: raised {type(error).__name__}: {_short(error)}")
            continue
        problem = _difference(actual, expected, rtol, atol)
        if problem is None and check_mutation and not _same((args, kwargs), (case.args, case.kwargs)):
            problem = "modified its input arrays (work on a copy)"
        if problem is not None:
            failures.append(f"{case.label}: {problem}")
    _record(name, len(cases), failures)
    if failures:
        raise HiddenTestFailure(
            f"{name}: {len(failures)} of {len(cases)} hidden cases failed\n  - " + "\n  - ".join(failures)
        )
    return None


def check_that(name, condition_fn, label):
    """A hidden check that is not a comparison: `condition_fn()` must return True.

    Exceptions from the student's code count as a failure of this case. Returns None (see
    check_against_reference for why never a number).
    """
    try:
        ok = bool(condition_fn())
        problem = None if ok else "condition not met"
    except NotImplementedError:
        problem = "not implemented yet"
    except Exception as error:
        problem = f"raised {type(error).__name__}: {_short(error)}"
    failures = [] if problem is None else [f"{label}: {problem}"]
    _record(name, 1, failures)
    if failures:
        raise HiddenTestFailure(f"{name}: 1 of 1 hidden cases failed\n  - {failures[0]}")
    return None


def check_raises(name, call, label, error=ValueError):
    """A hidden check that `call()` raises `error` (e.g. ValueError for a negative lr)."""
    try:
        call()
    except error:
        problem = None
    except NotImplementedError:
        problem = "not implemented yet"
    except Exception as other:
        problem = f"raised {type(other).__name__} instead of {error.__name__}"
    else:
        problem = f"did not raise {error.__name__}"
    failures = [] if problem is None else [f"{label}: {problem}"]
    _record(name, 1, failures)
    if failures:
        raise HiddenTestFailure(f"{name}: 1 of 1 hidden cases failed\n  - {failures[0]}")


def optimizer_run(step_fn, state_keys=None):
    """Wrap an optimizer so that check_against_reference can compare whole runs of it.

    The returned function takes (w0, noise, hparams, curvature=0.0, lrs=None): at step t the
    gradient is curvature * w_t + noise[t] (so it depends on the iterates), and when `lrs` is
    given the learning rate changes every step, where momentum conventions differ.
    It returns (iterates (T + 1, *w0.shape), final state), and rejects any in-place change
    to w, dw or the state, which a caller of a pure optimizer would not notice until later.
    state_keys: compare only these entries of the final state (e.g. ("momentum_buffer",) when
    students are not asked to keep torch's step counter); None compares the whole state.
    """

    def run(w0, noise, hparams, curvature=0.0, lrs=None):
        w, state = np.array(w0, dtype=float), None
        path = [w.copy()]
        for t in range(len(noise)):
            dw = curvature * w + noise[t]
            step_hparams = dict(hparams) if lrs is None else dict(hparams, lr=float(lrs[t]))
            before = copy.deepcopy((w, dw, state))
            w_next, state_next = step_fn(w, dw, state, **step_hparams)
            if not _same((w, dw, state), before):
                raise AssertionError("changed w, dw or the state in place: build new arrays and a new dict")
            w, state = np.array(w_next, dtype=float), state_next
            path.append(w.copy())
        if state_keys is not None:
            try:
                state = {key: state[key] for key in state_keys}
            except (KeyError, TypeError):
                raise AssertionError(f"the state must be a dict with the keys {list(state_keys)}") from None
        return np.stack(path), state

    return run


def schedule_values(schedule):
    """Wrap a schedule so that check_against_reference compares it over many steps.

    The returned function takes (ts, **params) and returns [schedule(t, **params) for t in ts].
    """

    def values(ts, **params):
        return [float(schedule(int(t), **params)) for t in ts]

    return values


def _as_case(case):
    if isinstance(case, Case):
        return case
    label, args, *rest = case
    return Case(label, tuple(args), dict(rest[0]) if rest else {})


def _short(error, limit=160):
    text = str(error).splitlines()[0] if str(error) else ""
    return text if len(text) <= limit else text[:limit] + "..."


def _difference(actual, expected, rtol, atol):
    """None if equal within tolerance, else a short description that reveals no inputs."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(actual) != set(expected):
            return f"expected a dict with keys {sorted(expected)}"
        for key in expected:
            problem = _difference(actual[key], expected[key], rtol, atol)
            if problem:
                return f"[{key!r}] {problem}"
        return None
    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            return f"expected a sequence of length {len(expected)}"
        for index, (a, e) in enumerate(zip(actual, expected, strict=False)):
            problem = _difference(a, e, rtol, atol)
            if problem:
                return f"item {index}: {problem}"
        return None
    if callable(expected):  # functions passed as arguments (deepcopy keeps them as they are)
        return None if actual is expected else "expected the same function back"
    if expected is None or isinstance(expected, (str, bool)):
        return None if actual == expected else "wrong value"
    try:
        actual_array = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        return f"expected a number or array, got {type(actual).__name__}"
    expected_array = np.asarray(expected, dtype=float)
    if actual_array.shape != expected_array.shape:
        return f"shape {actual_array.shape}, expected {expected_array.shape}"
    if not np.allclose(actual_array, expected_array, rtol=rtol, atol=atol, equal_nan=True):
        if np.any(np.isnan(actual_array) != np.isnan(expected_array)):
            return "NaN where the reference has a number (or the reverse)"
        if np.any(np.isinf(actual_array) & ~np.isinf(expected_array)):
            return "infinite where the reference is finite (overflow?)"
        scale = np.maximum(np.abs(expected_array), atol)
        with np.errstate(invalid="ignore"):
            worst = float(np.nanmax(np.abs(actual_array - expected_array) / scale))
        return f"values differ from the reference (max relative error {worst:.2g})"
    return None


def _same(a, b):
    return _difference(a, b, rtol=0.0, atol=0.0) is None


@contextmanager
def recording():
    """Collect the verdict of every check made inside the block: yields the list it fills."""
    records = []
    _RECORDS.append(records)
    try:
        yield records
    finally:
        _RECORDS.remove(records)


def _record(name, n_cases, failures):
    line = {"test": name, "cases": n_cases, "passed": not failures, "failures": list(failures)}
    for records in _RECORDS:
        records.append(line)
