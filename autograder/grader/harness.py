"""Hidden-test harness: compare a student's function with the reference, case by case.

Runs in the GRADER's process, never in the student's: the autograder executes each hidden-test
block here, with the student's functions standing in as proxies that send the inputs into the
sandbox and bring the outputs back as data (autograder.grader.session). Hidden test cells call
these functions instead of bare asserts, for four reasons:
- the failure message says in words what differs (which output, the first step at which a
  trajectory leaves the reference, by how much), never the hidden inputs;
- inputs are checked for mutation, which a bare assert forgets;
- a failed comparison is matched against the known mistakes of that exercise (the misconception
  bank, solutions.misconceptions): "your results match Adam without bias correction";
- every verdict, case by case, is also recorded (see `recording`) for the grader's verdict record.

A failed check raises `HiddenTestFailure` (an AssertionError, so nbgrader takes the points).
If the reference itself cannot be imported or raises, that is the grader's fault, not the
student's: `GraderError` is raised instead, and the autograder refuses to report that grade.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course.checks import format_value

_RECORDS = []
_STAND_INS = []
# Where the known-wrong variants live: instructor side, masked in the sandbox, never released.
MISCONCEPTION_BANK = "solutions.misconceptions:for_exercise"
# Significant digits of the relative errors quoted in messages.
ERROR_DIGITS = 2


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


@dataclass(frozen=True)
class Output:
    """How one result is named in failure messages.

    name:  what the student reads, e.g. "iterates", "final state", "stop reason".
    steps: set when axis 0 of the result runs over consecutive steps (a trajectory): how one of
           them is named, a format with {} for its label ("step {}", "row {}", "t = {}"); the
           message then names the first one that differs.
    at:    optional function (args, kwargs) -> the label of each step (e.g. the t requested);
           default 0, 1, 2, ...
    parts: names of the entries of each step when a step is a tuple (a table's columns).
    """

    name: str
    steps: str = None
    at: object = None
    parts: tuple = None


# Names of the results of the hidden tests' functions, by test name (the part before " ("):
# one Output for a single result, a tuple of Outputs for a tuple result; several alternatives
# when the shape of the result depends on the arguments (gradient_descent's return_reason).
OUTPUTS = {
    "gd_table": (Output("table", "row {}", parts=("t", "x", "f(x)", "df/dx")),),
    "gradient_descent": (
        Output("trajectory", "step {}"),
        (Output("trajectory", "step {}"), Output("stop reason")),
    ),
    "newton_step": (Output("next iterate"),),
    "sign_gd_step": (Output("next iterate"),),
    "softmax_loss_naive": ((Output("loss"), Output("dW"), Output("db")),),
    "softmax_loss_vectorized": ((Output("loss"), Output("dW"), Output("db")),),
    "nesterov_lookahead": ((Output("iterates", "step {}"), Output("final velocity")),),
    "lr_range_test": (Output("losses", "step {}"),),
    "run_sgd": (Output("path", "step {}"),),
    "grid_search": ((Output("best point"), Output("best value"), Output("points"), Output("values")),),
    "random_search": ((Output("best point"), Output("best value"), Output("points"), Output("values")),),
    "gradient_check": (Output("relative errors"),),
}


def reference(qualified_name: str) -> Any:
    """Import and return the reference object named "module:attribute" (e.g. "solutions.gd:gd_table").

    Raises GraderError, not ImportError, so a broken grader never looks like a student's zero.
    """
    module_name, _, attribute = qualified_name.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except Exception as error:  # any failure here is the grader's, whatever its type
        raise GraderError(f"reference {qualified_name!r} could not be loaded: {error!r}") from None


def check_against_reference(
    name: str,
    student_fn: Callable[..., Any],
    reference_fn: Callable[..., Any] | str,
    cases: Sequence[Case | tuple],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    check_mutation: bool = True,
) -> None:
    """Call `student_fn` and `reference_fn` on every case and compare the results.

    name:          the test's name as the student sees it, e.g. "forward_difference".
    student_fn:    the student's function.
    reference_fn:  the reference function, or a "module:attribute" string for `reference`.
    cases:         list of Case (or (label, args) / (label, args, kwargs) tuples).
    Results may be numbers, arrays, or nested tuples/lists/dicts of them; they are compared
    with np.allclose(rtol, atol) and must have the same structure and shapes. Messages name
    the results as `reference_fn.outputs` or OUTPUTS[name] say (default "the result").
    When a case fails and a student function of this block is a `StandIn` (see
    `fingerprinting`), the known mistakes of its exercise are tried on the same cases.
    Returns None and raises HiddenTestFailure listing the failed labels. Never a number: nbgrader
    reads a number left as a test cell's last expression as the cell's partial credit (and fails
    the whole autograde when it exceeds the cell's points).
    """
    if isinstance(reference_fn, str):
        reference_fn = reference(reference_fn)
    cases = [_as_case(case) for case in cases]
    alternatives = _output_alternatives(name, reference_fn)
    failures, failed_labels, outcomes = [], [], []
    for case in cases:
        try:
            expected = reference_fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        except Exception as error:
            raise GraderError(f"{name}: the reference raised on case {case.label!r}: {error!r}") from None
        args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
        outcome = None
        try:
            actual = student_fn(*args, **kwargs)
        except NotImplementedError:
            problem = "not implemented yet"
        except Exception as error:
            problem = f"raised {type(error).__name__}: {_short(error)}"
        else:
            problem = _difference(actual, expected, rtol, atol, _spec(alternatives, expected), case)
            outcome = (actual, expected, problem is None)
            if problem is None and check_mutation and not _same((args, kwargs), (case.args, case.kwargs)):
                problem = "modified its input arrays (work on a copy)"
        outcomes.append(outcome)
        if problem is not None:
            failures.append(f"{case.label}: {problem}")
            failed_labels.append(case.label)
    found = _misconceptions(student_fn, cases, outcomes, rtol, atol) if failures else []
    _record(name, [case.label for case in cases], failed_labels, failures, found)
    if failures:
        raise HiddenTestFailure(
            f"{name}: {len(failures)} of {len(cases)} hidden cases failed\n  - "
            + "\n  - ".join(failures)
            + "".join(f"\n{_mistake_message(mistake)}" for mistake in found)
        )
    return None


def check_that(name: str, condition_fn: Callable[[], object], label: str) -> None:
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
    _single_verdict(name, label, problem)


def check_raises(
    name: str, call: Callable[[], object], label: str, error: type[BaseException] = ValueError
) -> None:
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
    _single_verdict(name, label, problem)


def _single_verdict(name, label, problem):
    failures = [] if problem is None else [f"{label}: {problem}"]
    _record(name, [label], [label] if failures else [], failures, [])
    if failures:
        raise HiddenTestFailure(f"{name}: 1 of 1 hidden cases failed\n  - {failures[0]}")


def optimizer_run(
    step_fn: Callable[..., Any], state_keys: Sequence[str] | None = None
) -> Callable[..., tuple[np.ndarray, Any]]:
    """Wrap an optimizer so that check_against_reference can compare whole runs of it.

    The returned function takes (w0, noise, hparams, curvature=0.0, lrs=None): at step t the
    gradient is curvature * w_t + noise[t] (so it depends on the iterates), and when `lrs` is
    given the learning rate changes every step, where momentum conventions differ.
    It returns (iterates (T + 1, *w0.shape), final state), and rejects any in-place change
    to w, dw or the state, which a caller of a pure optimizer would not notice until later.
    state_keys: compare only these entries of the final state (e.g. ("momentum_buffer",) when
    students are not asked to keep torch's step counter); None compares the whole state.
    Failure messages call the results "iterates" (by step) and "final state".
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

    run.outputs = (Output("iterates", "step {}"), Output("final state"))
    return run


def schedule_run(schedule: Callable[..., float]) -> Callable[..., list[float]]:
    """Wrap a schedule so that check_against_reference compares it over many steps.

    The returned function takes (ts, **params) and returns [schedule(t, **params) for t in ts];
    failure messages name the first t whose learning rate is wrong.
    """

    def values(ts, **params):
        return [float(schedule(int(t), **params)) for t in ts]

    values.outputs = Output("learning rates", "t = {}", at=lambda args, kwargs: list(args[0]))
    return values


# ----------------------------------------------------------------------------------------------
# Misconception fingerprints
# ----------------------------------------------------------------------------------------------


class StandIn:
    """A student's function as a hidden block calls it; the grader can swap in a known-wrong variant.

    Calls go to `function` (in grading, the proxy into the sandbox) except inside
    `swapped(variant)`, where they go to the variant, here in the grader's process. So the
    bank's variants run on exactly the calls the hidden test makes, through whatever adapter
    the test wraps around the function (optimizer_run, schedule_run, a lambda).
    """

    def __init__(self, name, function):
        self.__name__ = name
        self.function = function
        self.variant = None
        self.variant_calls = 0

    def __call__(self, *args, **kwargs):
        if self.variant is None:
            return self.function(*args, **kwargs)
        self.variant_calls += 1
        return self.variant(*args, **kwargs)

    @contextmanager
    def swapped(self, variant):
        self.variant, self.variant_calls = variant, 0
        try:
            yield self
        finally:
            self.variant = None

    def __repr__(self):
        return repr(self.function)


@contextmanager
def fingerprinting(stand_ins: Sequence[object]) -> Iterator[None]:
    """While active, a failed comparison tries the known mistakes of each StandIn's exercise."""
    _STAND_INS.append([s for s in stand_ins if isinstance(s, StandIn)])
    try:
        yield
    finally:
        _STAND_INS.pop()


def known_mistakes(exercise: str) -> list[Any]:
    """The bank's misconceptions of `exercise` (objects with key, title, explanation, where, variant)."""
    return list(reference(MISCONCEPTION_BANK)(exercise))


def _misconceptions(student_fn, cases, outcomes, rtol, atol):
    """Known mistakes whose variant reproduces the student's results on every comparable case.

    A case is comparable when the student's function returned (a raise says nothing about
    values). On a case the student got wrong the variant must give the student's result within
    the test's tolerance; on a case the student got right it must be right too (or equal the
    student's). At least one case must be wrong, and the variant must actually have been called.
    """
    if not _STAND_INS or not any(outcome is not None and not outcome[2] for outcome in outcomes):
        return []
    found = []
    for stand_in in _STAND_INS[-1]:
        for mistake in known_mistakes(stand_in.__name__):
            if _reproduces(stand_in, mistake.variant, student_fn, cases, outcomes, rtol, atol):
                found.append(mistake)
    return found


def _reproduces(stand_in, variant, student_fn, cases, outcomes, rtol, atol):
    with stand_in.swapped(variant), np.errstate(all="ignore"):
        for case, outcome in zip(cases, outcomes, strict=True):
            if outcome is None:
                continue
            actual, expected, passed = outcome
            try:
                produced = student_fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
            except Exception:
                return False
            if _difference(actual, produced, rtol, atol) is None:
                continue
            if passed and _difference(produced, expected, rtol, atol) is None:
                continue
            return False
        return stand_in.variant_calls > 0


def _mistake_message(mistake):
    return f"Your results match a known mistake, {mistake.title}: {mistake.explanation} See {mistake.where}."


# ----------------------------------------------------------------------------------------------
# Comparison and its wording
# ----------------------------------------------------------------------------------------------


def _as_case(case):
    if isinstance(case, Case):
        return case
    label, args, *rest = case
    return Case(label, tuple(args), dict(rest[0]) if rest else {})


def _short(error, limit=160):
    text = str(error).splitlines()[0] if str(error) else ""
    return text if len(text) <= limit else text[:limit] + "..."


def _output_alternatives(name, reference_fn):
    outputs = getattr(reference_fn, "outputs", None)
    if outputs is not None:
        return (outputs,)
    return OUTPUTS.get(name.split(" (")[0], ())


def _spec(alternatives, expected):
    """The alternative that fits the reference's result: a tuple of names for a tuple of that length."""
    for spec in alternatives:
        if isinstance(spec, tuple) and isinstance(expected, (tuple, list)) and len(spec) == len(expected):
            return spec
    return next((spec for spec in alternatives if isinstance(spec, Output)), None)


def _difference(actual, expected, rtol, atol, spec=None, case=None):
    """None if equal within tolerance, else what differs, in words, revealing no inputs."""
    if isinstance(spec, tuple):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            names = ", ".join(part.name for part in spec)
            return f"expected {len(expected)} results ({names}), got {_kind(actual)}"
        problems = [
            _compare(a, e, rtol, atol, part, case) for a, e, part in zip(actual, expected, spec, strict=True)
        ]
        return "; ".join(p for p in problems if p) or None
    return _compare(actual, expected, rtol, atol, spec or Output("the result"), case)


def _compare(actual, expected, rtol, atol, out, case):
    name = out.name
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{name}: expected a dict, got {_kind(actual)}"
        if set(actual) != set(expected):
            return f"{name}: expected the keys {sorted(map(str, expected))}, got {sorted(map(str, actual))}"
        problems = [
            _compare(actual[k], expected[k], rtol, atol, Output(f"{name}[{k!r}]"), case) for k in expected
        ]
        return "; ".join(p for p in problems if p) or None
    if out.steps is not None and isinstance(expected, (tuple, list, np.ndarray)) and len(expected):
        return _trajectory(actual, expected, rtol, atol, out, case)
    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            return f"{name}: expected a sequence of length {len(expected)}, got {_kind(actual)}"
        problems = []
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            if out.parts and index < len(out.parts):
                part = out.parts[index]
            elif name == "the result":
                part = f"returned value {index + 1} of {len(expected)}"
            else:
                part = f"{name}[{index}]"
            problems.append(_compare(a, e, rtol, atol, Output(part), case))
        return "; ".join(p for p in problems if p) or None
    if callable(expected):  # functions passed as arguments (deepcopy keeps them as they are)
        return None if actual is expected else f"{name}: expected the same function back"
    if expected is None or isinstance(expected, (str, bool)):
        try:
            equal = type(actual) is not np.ndarray and bool(actual == expected)
        except Exception:
            equal = False
        return None if equal else f"{name}: got {_shown(actual)}, expected {_shown(expected)}"
    try:
        actual_array = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        return f"{name}: expected a number or an array, got {_kind(actual)}"
    expected_array = np.asarray(expected, dtype=float)
    if actual_array.shape != expected_array.shape:
        return f"{name} has shape {actual_array.shape}, expected {expected_array.shape}"
    problem = _numeric_problem(actual_array, expected_array, rtol, atol)
    return None if problem is None else f"{name} {problem}"


def _trajectory(actual, expected, rtol, atol, out, case):
    """Where a sequence of steps first leaves the reference, and by how much."""
    name, n = out.name, len(expected)
    labels = list(out.at(case.args, case.kwargs)) if out.at is not None and case is not None else range(n)
    where = (lambda k: out.steps.format(labels[k])) if len(labels) == n else (lambda k: out.steps.format(k))
    total = f" of {n - 1}" if out.at is None and out.steps.startswith("step") else ""
    try:
        expected_array = np.asarray(expected, dtype=float)
        numeric = expected_array.dtype != object
    except (TypeError, ValueError):
        numeric = False
    if numeric:
        try:
            actual_array = np.asarray(actual, dtype=float)
        except (TypeError, ValueError):
            return f"{name}: expected a number or an array, got {_kind(actual)}"
        if actual_array.shape != expected_array.shape:
            return f"{name} has shape {actual_array.shape}, expected {expected_array.shape}"
        with np.errstate(invalid="ignore"):
            close = np.isclose(actual_array, expected_array, rtol=rtol, atol=atol, equal_nan=True)
        wrong = np.flatnonzero(~close.reshape(n, -1).all(axis=1))
        for k in wrong[:1]:
            problem = _numeric_problem(actual_array[k], expected_array[k], rtol, atol)
            if problem is not None:
                worst = _relative(actual_array, expected_array, atol)
                there = _relative(actual_array[k], expected_array[k], atol)
                if "relative error" not in problem:
                    return f"{name}: first difference at {where(k)}{total}: {problem}"
                return (
                    f"{name}: first difference at {where(k)}{total} "
                    f"(relative error {_error(there)} there, {_error(worst)} at worst)"
                )
        return None
    if not isinstance(actual, (tuple, list)) or len(actual) != n:
        return f"{name}: expected {n} entries, got {_kind(actual)}"
    for k in range(n):
        problem = _compare(actual[k], expected[k], rtol, atol, Output("", parts=out.parts), case)
        if problem is not None:
            return f"{name}: first difference at {where(k)}{total}: {problem.strip()}"
    return None


def _numeric_problem(actual, expected, rtol, atol):
    if np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True):
        return None
    if np.any(np.isnan(actual) != np.isnan(expected)):
        return "is NaN where the reference has a number (or the reverse)"
    if np.any(np.isinf(actual) & ~np.isinf(expected)):
        return "is infinite where the reference is finite (overflow?)"
    return f"differs from the reference (relative error {_error(_relative(actual, expected, atol))})"


def _relative(actual, expected, atol):
    """Largest |actual - expected| / max(|expected|, atol), NaNs and infinities ignored."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.abs(np.asarray(actual) - expected) / np.maximum(np.abs(expected), atol)
    ratio = np.asarray(ratio, dtype=float)
    finite = ratio[np.isfinite(ratio)]
    return float(finite.max()) if finite.size else float("inf")


def _error(value):
    return format_value(value, digits=ERROR_DIGITS)


def _kind(value):
    """What a value is, without its content (which could echo an input)."""
    if value is None:
        return "None"
    if isinstance(value, (bool, np.bool_)):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a dict"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of length {len(value)}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}" if value.ndim else "a number"
    if isinstance(value, (int, float, np.number)):
        return "a number"
    return f"a {type(value).__name__}"


def _shown(value, limit=40):
    """Strings, booleans and None as themselves (stop reasons, modes); anything else by kind."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return repr(bool(value) if value is not None else None)
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= limit else text[: limit - 4] + "...'"
    return _kind(value)


def _same(a, b):
    """Exactly equal (NaN equal to NaN), structure included: the mutation checks' test."""
    if isinstance(b, dict):
        return isinstance(a, dict) and set(a) == set(b) and all(_same(a[k], b[k]) for k in b)
    if isinstance(b, (tuple, list)):
        return isinstance(a, (tuple, list)) and len(a) == len(b) and all(map(_same, a, b))
    if callable(b):
        return a is b
    if b is None or isinstance(b, (str, bool)):
        try:
            return type(a) is not np.ndarray and bool(a == b)
        except Exception:
            return False
    if type(a) in (int, float) and type(b) in (int, float):
        return a == b or (a != a and b != b)
    if type(a) is np.ndarray and type(b) is np.ndarray and a.dtype == b.dtype and a.shape == b.shape:
        if a.tobytes() == b.tobytes():  # the usual case, and fast
            return True
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


@contextmanager
def recording() -> Iterator[list[dict[str, Any]]]:
    """Collect the verdict of every check made inside the block: yields the list it fills."""
    records = []
    _RECORDS.append(records)
    try:
        yield records
    finally:
        _RECORDS.remove(records)


def _record(name, labels, failed_labels, failures, mistakes):
    failed = set(failed_labels)
    line = {
        "test": name,
        "cases": len(labels),
        "passed": not failures,
        "failures": list(failures),
        "case_results": [{"case": label, "passed": label not in failed} for label in labels],
        "misconceptions": [{"key": m.key, "title": m.title} for m in mistakes],
    }
    for records in _RECORDS:
        records.append(line)
