"""Tests for solutions.finite_diff (lesson 01)."""

import numpy as np
import pytest

from solutions.finite_diff import (
    backward_difference,
    central_difference,
    forward_difference,
    gradient_check,
    graph_forward_backward,
    numerical_gradient,
    relative_error,
    steepest_descent_direction,
)


def square(x):
    return x**2


# ---------------------------------------------------------------- scalar differences


def test_seed_example_forward_difference_of_x_squared_at_3():
    # Seed 003: f(x) = x**2, x = 3, h = 0.001 -> 6.001 ((3.001**2 - 9) / 0.001 = 6 + h).
    assert forward_difference(square, 3.0, h=0.001) == pytest.approx(6.001, abs=1e-9)


def test_backward_and_central_on_x_squared():
    # For x**2 the errors are exactly -h and 0: (9 - 2.999**2)/h = 6 - h; central is exact.
    assert backward_difference(square, 3.0, h=0.001) == pytest.approx(5.999, abs=1e-9)
    assert central_difference(square, 3.0, h=0.001) == pytest.approx(6.0, abs=1e-9)


def _log_log_slope(method, hs):
    """Slope of log|error| against log h for d/dx exp(x) at x = 1."""
    errors = [abs(method(np.exp, 1.0, h) - np.e) for h in hs]
    return np.polyfit(np.log(hs), np.log(errors), 1)[0]


@pytest.mark.parametrize(
    "method, order",
    [(forward_difference, 1), (backward_difference, 1), (central_difference, 2)],
)
def test_truncation_error_order_from_log_log_slope(method, order):
    # h large enough that round-off (~eps/h) is negligible next to truncation.
    hs = np.logspace(-3, -1, 9)
    assert _log_log_slope(method, hs) == pytest.approx(order, abs=0.1)


def test_round_off_dominates_for_tiny_h():
    # Below the optimal h the error grows again as eps/h: slope about -1.
    hs = np.logspace(-13, -10, 7)
    assert _log_log_slope(central_difference, hs) < -0.5


@pytest.mark.parametrize("h", [0.0, -1e-3, np.nan])
def test_non_positive_step_raises(h):
    with pytest.raises(ValueError, match="h must be"):
        forward_difference(square, 1.0, h=h)


# ---------------------------------------------------------------- numerical gradient


def _quartic_sum(x):
    return float(np.sum(x**4) + np.sum(x[..., 0] * x[..., -1]))


def _quartic_sum_grad(x):
    grad = 4 * x**3
    grad[..., 0] += x[..., -1]
    grad[..., -1] += x[..., 0]
    return grad


@pytest.mark.parametrize(
    "method, h, tol", [("central", 1e-5, 1e-6), ("forward", 1e-6, 1e-4), ("backward", 1e-6, 1e-4)]
)
def test_numerical_gradient_matches_analytic_on_a_matrix(method, h, tol):
    x = np.random.default_rng(1).standard_normal((3, 4))
    numeric = numerical_gradient(_quartic_sum, x, h=h, method=method)
    assert numeric.shape == x.shape
    assert relative_error(numeric, _quartic_sum_grad(x)) < tol


def test_numerical_gradient_one_sided_differences_are_exact_formulas():
    # Forward difference of sum(x**2) is 2x + h per coordinate; backward is 2x - h.
    x = np.array([1.0, -2.0, 0.5])
    f = lambda v: float(np.sum(v**2))  # noqa: E731
    np.testing.assert_allclose(numerical_gradient(f, x, h=1e-3, method="forward"), 2 * x + 1e-3, atol=1e-9)
    np.testing.assert_allclose(numerical_gradient(f, x, h=1e-3, method="backward"), 2 * x - 1e-3, atol=1e-9)


@pytest.mark.parametrize("method", ["forward", "backward", "central"])
def test_numerical_gradient_does_not_mutate_x(method):
    x = np.random.default_rng(2).standard_normal((2, 3))
    before = x.copy()
    seen = []
    numerical_gradient(lambda v: seen.append(v is x) or float(np.sum(v**2)), x, method=method)
    np.testing.assert_array_equal(x, before)
    assert not any(seen), "f must receive a copy of x, not x itself"


def test_numerical_gradient_of_a_scalar_input():
    assert numerical_gradient(lambda v: float(v**3), 2.0) == pytest.approx(12.0, rel=1e-8)


def test_numerical_gradient_unknown_method_raises():
    with pytest.raises(ValueError, match="method must be one of"):
        numerical_gradient(square, np.ones(2), method="symmetric")


# ---------------------------------------------------------------- relative error


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (1.0, 1.0, 0.0),
        (1.0, -1.0, 1.0),
        (2.0, 1.0, 1.0 / 3.0),
        (0.0, 0.0, 0.0),  # both zero: the 1e-8 floor avoids 0/0
        (1e-10, 0.0, 1e-2),  # tiny numbers: denominator floored at 1e-8
        ([1.0, 3.0], [1.0, 1.0], 0.5),  # max over elements
    ],
)
def test_relative_error_known_cases(a, b, expected):
    assert relative_error(a, b) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_relative_error_shape_mismatch_raises():
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.ones(2), np.ones(3))


# ---------------------------------------------------------------- gradient check


def test_gradient_check_small_for_correct_and_large_for_wrong_gradient():
    x = np.random.default_rng(3).standard_normal((4, 5))
    before = x.copy()
    good = gradient_check(_quartic_sum, _quartic_sum_grad(x), x, n_checks=12, seed=0)
    wrong_grad = _quartic_sum_grad(x)
    wrong_grad[..., 0] -= x[..., -1]  # forget one term of the product rule
    wrong = gradient_check(_quartic_sum, wrong_grad, x, n_checks=40, seed=0)
    assert good.shape == (12,)
    assert good.max() < 1e-7
    assert wrong.max() > 1e-2
    np.testing.assert_array_equal(x, before)


def test_gradient_check_is_reproducible_with_seed():
    x = np.linspace(-1, 1, 30)
    grad = _quartic_sum_grad(x) * 1.01
    np.testing.assert_array_equal(
        gradient_check(_quartic_sum, grad, x, seed=5), gradient_check(_quartic_sum, grad, x, seed=5)
    )


def test_gradient_check_shape_mismatch_raises():
    with pytest.raises(ValueError, match="shaped like x"):
        gradient_check(_quartic_sum, np.ones(3), np.ones(4))


# ---------------------------------------------------------------- graph and steepest descent


@pytest.mark.parametrize("a, b", [(2.0, 1.0), (-0.5, 3.0), (0.0, -1.0)])
def test_graph_forward_backward_matches_central_differences(a, b):
    e, de_da, de_db = graph_forward_backward(a, b)
    forward = lambda a_, b_: (a_ + b_) * (b_ + 1)  # noqa: E731  seed 002's graph, composed
    assert e == pytest.approx(forward(a, b))
    assert de_da == pytest.approx(central_difference(lambda t: forward(t, b), a), rel=1e-8, abs=1e-8)
    assert de_db == pytest.approx(central_difference(lambda t: forward(a, t), b), rel=1e-8, abs=1e-8)


def test_graph_seed_values():
    # a = 2, b = 1: c = 3, d = 2, e = 6; de/da = d = 2, de/db = d + c = 5.
    assert graph_forward_backward(2.0, 1.0) == (6.0, 2.0, 5.0)


def test_steepest_descent_direction_beats_random_unit_directions():
    g = np.array([3.0, -4.0, 1.0])
    d = steepest_descent_direction(g)
    assert np.linalg.norm(d) == pytest.approx(1.0)
    np.testing.assert_allclose(d, -g / np.sqrt(26.0))
    random_dirs = np.random.default_rng(0).standard_normal((1000, 3))
    random_dirs /= np.linalg.norm(random_dirs, axis=1, keepdims=True)
    # Directional derivative g.d is smallest (= -||g||) along d: Cauchy-Schwarz.
    assert g @ d == pytest.approx(-np.linalg.norm(g))
    assert np.all(random_dirs @ g >= g @ d)


def test_steepest_descent_direction_zero_gradient_raises():
    with pytest.raises(ValueError, match="gradient g is zero"):
        steepest_descent_direction(np.zeros(3))
