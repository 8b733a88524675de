"""autograder.grader.harness: verdicts, messages that hide the inputs, mutation checks, grader errors."""

import numpy as np
import pytest

from autograder.grader.harness import (
    Case,
    GraderError,
    HiddenTestFailure,
    check_against_reference,
    check_that,
    recording,
    reference,
)


def doubled(x):
    return 2 * np.asarray(x)


def doubled_in_place(x):
    x *= 2
    return x


SECRET = np.array([1234.5, -987.25])
CASES = [Case("a vector", (SECRET,)), Case("a scalar", (3.0,))]


def test_correct_function_passes():
    assert check_against_reference("double", lambda x: 2 * np.asarray(x), doubled, CASES) is None


def test_wrong_answer_names_the_case_but_not_the_inputs():
    with pytest.raises(HiddenTestFailure) as caught:
        check_against_reference("double", lambda x: 3 * np.asarray(x), doubled, CASES)
    message = str(caught.value)
    assert "2 of 2 hidden cases failed" in message and "a vector" in message and "a scalar" in message
    assert "1234" not in message and "987" not in message


def test_in_place_modification_is_caught_even_when_the_answer_is_right():
    with pytest.raises(HiddenTestFailure, match="modified its input"):
        check_against_reference("double", doubled_in_place, doubled, [Case("a vector", (SECRET.copy(),))])


def test_functions_as_arguments_are_not_mistaken_for_mutation():
    check_against_reference("apply", lambda f, x: f(x), lambda f, x: f(x), [Case("square", (np.square, 3.0))])


def test_stub_and_crash_messages():
    def stub(x):
        raise NotImplementedError()

    def crash(x):
        return x["missing"]

    with pytest.raises(HiddenTestFailure, match="not implemented yet"):
        check_against_reference("double", stub, doubled, CASES)
    with pytest.raises(HiddenTestFailure, match="raised (IndexError|TypeError|KeyError)"):
        check_against_reference("double", crash, doubled, CASES)


def test_shape_structure_and_nan_are_reported():
    with pytest.raises(HiddenTestFailure, match=r"shape \(1, 2\), expected \(2,\)"):
        check_against_reference("double", lambda x: doubled(x).reshape(1, -1), doubled, CASES[:1])
    with pytest.raises(HiddenTestFailure, match="sequence of length 2"):
        check_against_reference("pair", lambda x: (x,), lambda x: (x, x), CASES[:1])
    with pytest.raises(HiddenTestFailure, match="NaN"):
        check_against_reference("double", lambda x: doubled(x) * np.nan, doubled, CASES[:1])


def test_a_broken_reference_is_a_grader_error_not_a_failure():
    with pytest.raises(GraderError, match="no_such_module"):
        reference("no_such_module:thing")
    with pytest.raises(GraderError):
        check_against_reference("double", doubled, "solutions.finite_diff:no_such_function", CASES)
    assert not issubclass(GraderError, AssertionError), "nbgrader must not count it as a student's failure"


def test_check_that():
    check_that("positive", lambda: True, "always")
    with pytest.raises(HiddenTestFailure, match="always: condition not met"):
        check_that("positive", lambda: False, "always")


def test_verdicts_are_recorded_while_recording():
    check_against_reference("before", doubled, doubled, CASES)  # outside: not recorded
    with recording() as lines:
        check_against_reference("double", doubled, doubled, CASES)
        with pytest.raises(HiddenTestFailure):
            check_against_reference("triple", doubled, lambda x: 3 * np.asarray(x), CASES)
    assert [(line["test"], line["passed"], line["cases"]) for line in lines] == [
        ("double", True, 2),
        ("triple", False, 2),
    ]
    assert lines[1]["failures"] and all("values differ" in f for f in lines[1]["failures"])


def sgd_pure(w, dw, state=None, lr=0.1):
    return w - lr * dw, {"step": (state or {"step": 0})["step"] + 1}


def sgd_in_place(w, dw, state=None, lr=0.1):
    w -= lr * dw
    return w, {"step": 1}


def test_optimizer_run_compares_whole_runs_and_catches_in_place_updates():
    from autograder.grader.harness import optimizer_run

    rng = np.random.default_rng(0)
    cases = [
        Case(
            "quadratic",
            (rng.normal(size=3), rng.normal(size=(20, 3)), {"lr": 0.1}, np.array([1.0, 2.0, 3.0])),
        ),
        Case(
            "changing lr", (rng.normal(size=2), rng.normal(size=(10, 2)), {}, 0.5, np.linspace(0.1, 0.01, 10))
        ),
    ]
    check_against_reference("sgd", optimizer_run(sgd_pure), optimizer_run(sgd_pure), cases)
    with pytest.raises(HiddenTestFailure, match="in place"):
        check_against_reference("sgd", optimizer_run(sgd_in_place), optimizer_run(sgd_pure), cases)
    path, state = optimizer_run(sgd_pure)(np.zeros(2), np.ones((4, 2)), {"lr": 0.5})
    np.testing.assert_allclose(path[:, 0], [0, -0.5, -1, -1.5, -2])
    assert state == {"step": 4}


def test_schedule_values_and_check_raises():
    from autograder.grader.harness import check_raises, schedule_values

    def halving(t, lr0):
        if lr0 < 0:
            raise ValueError("lr0 must be non-negative")
        return lr0 * 0.5**t

    assert schedule_values(halving)([0, 1, 3], lr0=1.0) == [1.0, 0.5, 0.125]
    check_raises("halving", lambda: halving(0, -1.0), "negative lr0")
    with pytest.raises(HiddenTestFailure, match="did not raise ValueError"):
        check_raises("halving", lambda: halving(0, 1.0), "positive lr0")
