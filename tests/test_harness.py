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
    assert lines[1]["failures"] == [
        "a vector: the result differs from the reference (relative error 0.33)",
        "a scalar: the result differs from the reference (relative error 0.33)",
    ]
    assert lines[1]["case_results"] == [
        {"case": "a vector", "passed": False},
        {"case": "a scalar", "passed": False},
    ]
    assert lines[0]["misconceptions"] == lines[1]["misconceptions"] == []


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


def test_schedule_run_and_check_raises():
    from autograder.grader.harness import check_raises, schedule_run

    def halving(t, lr0):
        if lr0 < 0:
            raise ValueError("lr0 must be non-negative")
        return lr0 * 0.5**t

    assert schedule_run(halving)([0, 1, 3], lr0=1.0) == [1.0, 0.5, 0.125]
    check_raises("halving", lambda: halving(0, -1.0), "negative lr0")
    with pytest.raises(HiddenTestFailure, match="did not raise ValueError"):
        check_raises("halving", lambda: halving(0, 1.0), "positive lr0")


# --- the wording of failures: what differs, in words, where a trajectory first departs ----------


def student_momentum(w, dw, state=None, *, lr=1e-3, momentum=0.9, dampening=0.0, weight_decay=0.0, bug=None):
    """A student's heavy-ball momentum; `bug` plants a classic mistake."""
    g = dw + weight_decay * w
    scale = lr if bug == "lr inside" else 1.0
    if state is None:
        buffer = scale * g * ((1 - dampening) if bug == "damp first" else 1.0)
    else:
        buffer = momentum * state["momentum_buffer"] + scale * (1 - dampening) * g
    return w - (buffer if bug == "lr inside" else lr * buffer), {"momentum_buffer": buffer}


def _momentum_failure(bug, cases):
    from autograder.grader.harness import optimizer_run

    def student(*args, **kwargs):
        return student_momentum(*args, bug=bug, **kwargs)

    with pytest.raises(HiddenTestFailure) as caught:
        check_against_reference(
            "momentum",
            optimizer_run(student, ("momentum_buffer",)),
            optimizer_run(reference("solutions.optim:momentum"), ("momentum_buffer",)),
            cases,
        )
    return str(caught.value)


def test_a_failing_momentum_run_names_the_first_differing_step_and_the_quantity():
    rng = np.random.default_rng(3)
    damped = Case(
        "dampening 0.3", (rng.normal(size=4), rng.normal(size=(40, 4)), {"lr": 0.02, "dampening": 0.3})
    )
    message = _momentum_failure("damp first", [damped])
    # the first update already uses the damped buffer: the iterates part at step 1 of 40
    assert "  - dampening 0.3: iterates: first difference at step 1 of 40 (relative error " in message
    assert "final state['momentum_buffer'] differs from the reference (relative error " in message
    assert "item" not in message

    constant = Case("constant lr", (rng.normal(size=3), rng.normal(size=(30, 3)), {"lr": 0.1}))
    changed = Case(
        "lr changed mid-run",
        (rng.normal(size=3), rng.normal(size=(30, 3)), {}, 0.0, np.where(np.arange(30) < 20, 0.1, 0.01)),
    )
    message = _momentum_failure("lr inside", [constant, changed])
    # with a constant lr, lr·b is the same step: only the stored buffer differs
    assert (
        "  - constant lr: final state['momentum_buffer'] differs from the reference (relative error 0.9)\n"
        in message
    )
    # lr changes at update 21 (index 20): the old lr inside the buffer shows from step 21 on
    assert "  - lr changed mid-run: iterates: first difference at step 21 of 30 (relative error " in message


def test_numbers_in_messages_are_short_and_outputs_are_named():
    from autograder.grader.harness import schedule_run

    with pytest.raises(HiddenTestFailure) as caught:
        check_against_reference("double", lambda x: 2 * np.asarray(x) * (1 + 1 / 3), doubled, CASES[:1])
    assert str(caught.value).endswith("a vector: the result differs from the reference (relative error 0.33)")

    def gd(stop):
        return lambda x0: (np.array([x0, x0 / 2]), stop)

    with pytest.raises(HiddenTestFailure, match=r"tol_f case: stop reason: got 'tol_x', expected 'tol_f'$"):
        check_against_reference("gradient_descent", gd("tol_x"), gd("tol_f"), [Case("tol_f case", (1.0,))])

    def halving(t, lr0):
        return lr0 * 0.5**t

    def late_halving(t, lr0):
        return lr0 * 0.5 ** max(t - 1, 0) if t >= 3 else halving(t, lr0)

    cases = [Case("t = 2..9", (np.arange(2, 10),), {"lr0": 0.3})]
    with pytest.raises(HiddenTestFailure) as caught:
        check_against_reference("halving", schedule_run(late_halving), schedule_run(halving), cases)
    assert "t = 2..9: learning rates: first difference at t = 3 (relative error 1 there, 1 at worst)" in str(
        caught.value
    )

    with pytest.raises(HiddenTestFailure, match=r"returned value 2 of 2 differs from the reference"):
        check_against_reference("pair", lambda x: (x, x), lambda x: (x, 2 * x), CASES[:1])
    with pytest.raises(
        HiddenTestFailure, match=r"final velocity: expected a number or an array, got a string"
    ):
        check_against_reference(
            "nesterov_lookahead", lambda x: (np.ones((3, 2)), "v"), lambda x: (np.ones((3, 2)), x), CASES[:1]
        )


def test_a_matching_known_mistake_is_named_with_its_lesson_section():
    from autograder.grader.harness import StandIn, fingerprinting, optimizer_run

    rng = np.random.default_rng(4)
    cases = [
        Case("dampening", (rng.normal(size=3), rng.normal(size=(20, 3)), {"lr": 0.05, "dampening": 0.5}))
    ]
    planted = StandIn("momentum", lambda *args, **kwargs: student_momentum(*args, bug="damp first", **kwargs))
    with recording() as lines, fingerprinting([planted]), pytest.raises(HiddenTestFailure) as caught:
        check_against_reference(
            "momentum",
            optimizer_run(planted, ("momentum_buffer",)),
            optimizer_run(reference("solutions.optim:momentum"), ("momentum_buffer",)),
            cases,
        )
    last_line = str(caught.value).splitlines()[-1]
    assert last_line.startswith(
        "Your results match a known mistake, dampening applied to the first momentum buffer: "
    )
    assert last_line.endswith(" See lesson 04, §2 Heavy-ball momentum.")
    assert lines[0]["misconceptions"] == [
        {
            "key": "momentum/dampening-on-first-buffer",
            "title": "dampening applied to the first momentum buffer",
        }
    ]
