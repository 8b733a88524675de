"""Tests for solutions.gd (lesson 02)."""

import numpy as np
import pytest
from seed_tables import GD_QUARTIC_TABLE as SEED_TABLE

from solutions.gd import (
    gd_table,
    gradient_descent,
    newton_method,
    newton_step,
    numerical_gradient_descent,
    quadratic_2d,
    quadratic_2d_grad,
    sign_gd_step,
)


def quartic(x):
    return x**4 + x + 2


def test_gd_table_reproduces_the_seed_rows_to_three_decimals():
    rows = gd_table(quartic, 1.0, lr=0.2, n_steps=6, h=1e-3)
    assert len(rows) == len(SEED_TABLE)
    for row, seed_row in zip(rows, SEED_TABLE, strict=False):
        assert row[0] == seed_row[0]
        np.testing.assert_array_equal(np.round(row[1:], 3), seed_row[1:])


def test_gd_table_converges_to_the_forward_difference_fixed_point():
    # GD stops moving where the forward difference vanishes, not where f' does:
    # (f(x+h) - f(x))/h = 4x^3 + 6h x^2 + 4h^2 x + h^3 + 1 = 0, about x* - h/2.
    h = 1e-3
    roots = np.roots([4, 6 * h, 4 * h**2, h**3 + 1])
    fixed_point = roots[np.abs(roots.imag) < 1e-12].real[0]
    x_star = -1 / 2 ** (2 / 3)
    x_last = gd_table(quartic, 1.0, lr=0.2, n_steps=40, h=h)[-1][1]
    assert x_last == pytest.approx(fixed_point, abs=1e-9)
    assert fixed_point == pytest.approx(x_star - h / 2, abs=1e-5)


# ---------------------------------------------------------------- the 2-D example


def test_two_d_example_matches_the_syllabus_honest_numbers():
    trajectory, values, grads = numerical_gradient_descent(
        quadratic_2d, [-5.0, -7.5], lr=0.5, n_steps=40, h=1e-3
    )
    assert trajectory.shape == (41, 2)
    assert round(values[0], 2) == 14.06  # not the seed's 14.12
    np.testing.assert_array_equal(np.round(grads[0], 2), [-0.30, -3.55])  # gradient at t = 0
    np.testing.assert_array_equal(np.round(trajectory[1], 2), [-4.85, -5.73])
    np.testing.assert_array_equal(np.round(trajectory[40], 2), [-0.53, -0.06])


def test_two_d_example_equals_its_closed_form_recursion():
    # f = 1/2 x^T A x; the forward difference of a quadratic is exactly A x + (h/2) diag(A),
    # so x_{t+1} = (I - lr A) x_t - lr (h/2) diag(A): an independent way to get every row.
    A = np.array([[0.12, -0.04], [-0.04, 0.5]])
    lr, h = 0.5, 1e-3
    expected = [np.array([-5.0, -7.5])]
    for _ in range(40):
        expected.append(expected[-1] - lr * (A @ expected[-1] + h / 2 * np.diag(A)))
    trajectory, _, _ = numerical_gradient_descent(quadratic_2d, [-5.0, -7.5], lr=lr, n_steps=40, h=h)
    np.testing.assert_allclose(trajectory, np.array(expected), atol=1e-9)


def test_gd_table_on_an_array_start_gives_arrays():
    rows = gd_table(quadratic_2d, np.array([-5.0, -7.5]), lr=0.5, n_steps=2)
    t, x, fx, g = rows[1]
    assert t == 1 and x.shape == (2,) and g.shape == (2,)
    assert fx == pytest.approx(quadratic_2d(x))


def test_quadratic_2d_grad_is_its_gradient():
    x = np.array([0.7, -1.3])
    eps = 1e-6
    numeric = [(quadratic_2d(x + eps * e) - quadratic_2d(x - eps * e)) / (2 * eps) for e in np.eye(2)]
    np.testing.assert_allclose(quadratic_2d_grad(x), numeric, rtol=1e-8)


# ---------------------------------------------------------------- gradient_descent


def test_gradient_descent_on_a_parabola_equals_the_geometric_sequence():
    # f = 1.5 x**2: x_t = (1 - 3 lr)**t x0 exactly.
    trajectory = gradient_descent(lambda x: 3 * x, 2.0, lr=0.1, max_steps=25)
    assert trajectory.shape == (26, 1)
    np.testing.assert_allclose(trajectory[:, 0], 2.0 * 0.7 ** np.arange(26), rtol=1e-12)


def test_max_steps_rule():
    trajectory, reason = gradient_descent(quadratic_2d_grad, [-5.0, -7.5], 0.5, 7, return_reason=True)
    assert reason == "max_steps" and trajectory.shape == (8, 2)


def test_tol_f_rule_stops_at_the_first_small_loss_change():
    tol_f = 1e-4
    trajectory, reason = gradient_descent(
        quadratic_2d_grad, [-5.0, -7.5], 0.5, 1000, tol_f=tol_f, f=quadratic_2d, return_reason=True
    )
    assert reason == "tol_f"
    changes = np.abs(np.diff([quadratic_2d(x) for x in trajectory]))
    assert changes[-1] < tol_f
    assert np.all(changes[:-1] >= tol_f)
    assert len(trajectory) < 1001


def test_tol_x_rule_stops_at_the_first_short_step():
    tol_x = 1e-3
    trajectory, reason = gradient_descent(
        quadratic_2d_grad, [-5.0, -7.5], 0.5, 1000, tol_x=tol_x, return_reason=True
    )
    assert reason == "tol_x"
    step_lengths = np.linalg.norm(np.diff(trajectory, axis=0), axis=1)
    assert step_lengths[-1] < tol_x
    assert np.all(step_lengths[:-1] >= tol_x)


def test_divergence_stops_and_keeps_the_non_finite_row():
    # f = x**4 + x + 2 with lr = 2 overshoots further every step.
    trajectory, reason = gradient_descent(
        lambda x: 4 * x**3 + 1, 1.0, lr=2.0, max_steps=100, return_reason=True
    )
    assert reason == "diverged"
    assert not np.all(np.isfinite(trajectory[-1]))
    assert np.all(np.isfinite(trajectory[:-1]))
    assert len(trajectory) < 101


def test_learning_rate_regimes_too_small_right_too_large():
    # f = x**2 / 2: lr < 2 converges (slowly for tiny lr), lr > 2 diverges.
    grad = lambda x: x  # noqa: E731
    slow = gradient_descent(grad, 1.0, 0.01, 50)[-1, 0]
    good = gradient_descent(grad, 1.0, 0.9, 50)[-1, 0]
    bad = gradient_descent(grad, 1.0, 2.5, 50)[-1, 0]
    assert abs(good) < 1e-10 < 0.5 < abs(slow) < 1 < abs(bad)


def test_tol_f_without_f_raises():
    with pytest.raises(ValueError, match="tol_f needs the loss"):
        gradient_descent(quadratic_2d_grad, [1.0, 1.0], 0.1, 10, tol_f=1e-3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(lr=0.0), "lr must be"),
        (dict(lr=-1.0), "lr must be"),
        (dict(max_steps=-1), "max_steps must be"),
        (dict(tol_x=0.0), "tol_x must be"),
    ],
)
def test_gradient_descent_bad_arguments_raise(kwargs, match):
    args = dict(grad=quadratic_2d_grad, x0=[1.0, 1.0], lr=0.1, max_steps=5) | kwargs
    with pytest.raises(ValueError, match=match):
        gradient_descent(**args)


def test_gradient_descent_does_not_mutate_x0():
    x0 = np.array([-5.0, -7.5])
    gradient_descent(quadratic_2d_grad, x0, 0.5, 5)
    np.testing.assert_array_equal(x0, [-5.0, -7.5])


# ---------------------------------------------------------------- Newton and sign-GD


def test_newton_solves_a_quadratic_in_one_step():
    A = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, -1.0], [0.0, -1.0, 2.0]])
    c = np.array([1.0, -2.0, 0.5])
    grad = lambda x: A @ x - c  # noqa: E731  f = 1/2 x^T A x - c^T x
    hess = lambda x: A  # noqa: E731
    x1 = newton_step(grad, hess, np.array([10.0, -7.0, 3.0]))
    np.testing.assert_allclose(A @ x1, c, atol=1e-12)
    np.testing.assert_allclose(newton_method(grad, hess, np.zeros(3), 3)[1:], [x1] * 3, atol=1e-12)


def test_newton_on_the_quartic_converges_quadratically():
    x_star = -1 / 2 ** (2 / 3)
    errors = np.abs(newton_method(lambda x: 4 * x**3 + 1, lambda x: 12 * x**2, -1.0, 8)[:, 0] - x_star)
    assert errors[-1] < 1e-15
    # e_{t+1} ~ C e_t**2 with C = f'''(x*) / (2 f''(x*)) = 1/|x*| ~ 1.59.
    for t in (2, 3, 4):
        assert errors[t + 1] < 2 * errors[t] ** 2


def test_newton_singular_hessian_raises():
    with pytest.raises(ValueError, match="singular"):
        newton_step(lambda x: x, lambda x: np.zeros((2, 2)), np.ones(2))


def test_sign_gd_step_moves_every_coordinate_by_lr():
    x = np.array([1.0, 2.0, 3.0])
    g = np.array([-1e-9, 5.0, 0.0])
    np.testing.assert_array_equal(sign_gd_step(x, g, 0.1), [1.1, 1.9, 3.0])
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="same shape"):
        sign_gd_step(x, g[:2], 0.1)
