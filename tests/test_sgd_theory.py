"""Tests for solutions.sgd_theory (lesson 08): expected values come from finite differences,
exhaustive enumeration of minibatches, or closed forms worked by hand, never from the code."""

import itertools

import numpy as np
import pytest

from solutions.sgd_theory import (
    LOSSES,
    finite_sum_loss,
    grid_search,
    minibatch_gradient,
    minibatch_gradient_variance,
    per_example_gradients,
    random_search,
    run_sgd,
)


def _problem(loss, n=7, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    y = rng.normal(size=n) if loss == "least_squares" else rng.integers(0, 2, size=n).astype(float)
    return w, X, y


def _numerical_gradient(f, w, h=1e-6):
    grad = np.zeros_like(w)
    for j in range(w.size):
        step = np.zeros_like(w)
        step[j] = h
        grad[j] = (f(w + step) - f(w - step)) / (2 * h)
    return grad


# ---------------------------------------------------------------- gradients


def test_least_squares_gradient_by_hand():
    # f_1(w) = 1/2 (1*2 + 2*(-1) - 3)^2: residual -3, gradient -3 * (1, 2)
    G = per_example_gradients(np.array([2.0, -1.0]), np.array([[1.0, 2.0]]), np.array([3.0]))
    np.testing.assert_allclose(G, [[-3.0, -6.0]])


def test_logistic_gradient_at_zero_by_hand():
    # sigmoid(0) = 1/2: gradient (1/2 - y) x
    X = np.array([[2.0, 4.0], [1.0, -1.0]])
    G = per_example_gradients(np.zeros(2), X, np.array([1.0, 0.0]), loss="logistic")
    np.testing.assert_allclose(G, [[-1.0, -2.0], [0.5, -0.5]])


@pytest.mark.parametrize("loss", LOSSES)
def test_per_example_gradients_match_finite_differences(loss):
    w, X, y = _problem(loss)
    G = per_example_gradients(w, X, y, loss)
    assert G.shape == X.shape
    for i in range(X.shape[0]):
        expected = _numerical_gradient(lambda v: finite_sum_loss(v, X[i : i + 1], y[i : i + 1], loss), w)
        np.testing.assert_allclose(G[i], expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("loss", LOSSES)
def test_full_batch_is_the_gradient_of_the_finite_sum(loss):
    w, X, y = _problem(loss, n=11)
    full = minibatch_gradient(w, X, y, np.arange(11), loss)
    expected = _numerical_gradient(lambda v: finite_sum_loss(v, X, y, loss), w)
    np.testing.assert_allclose(full, expected, rtol=1e-6, atol=1e-8)


def test_logistic_loss_is_finite_for_huge_scores():
    X = np.array([[1e4], [-1e4]])
    assert np.isfinite(finite_sum_loss(np.array([1.0]), X, np.array([0.0, 1.0]), "logistic"))
    assert np.all(np.isfinite(per_example_gradients(np.array([1.0]), X, np.array([0.0, 1.0]), "logistic")))


def test_repeated_indices_count_twice():
    w, X, y = _problem("least_squares")
    G = per_example_gradients(w, X, y)
    np.testing.assert_allclose(minibatch_gradient(w, X, y, [2, 2, 5]), (2 * G[2] + G[5]) / 3)


@pytest.mark.parametrize("batch_size", [1, 2, 3])
def test_minibatch_gradient_is_unbiased_over_all_subsets(batch_size):
    # E[g_B] over every B-subset (sampling without replacement) equals the full gradient
    w, X, y = _problem("logistic", n=6)
    subsets = itertools.combinations(range(6), batch_size)
    mean = np.mean([minibatch_gradient(w, X, y, list(s), "logistic") for s in subsets], axis=0)
    np.testing.assert_allclose(mean, minibatch_gradient(w, X, y, np.arange(6), "logistic"), rtol=1e-12)


def test_inputs_are_not_modified():
    w, X, y = _problem("least_squares")
    copies = (w.copy(), X.copy(), y.copy())
    per_example_gradients(w, X, y)
    minibatch_gradient(w, X, y, [0, 1])
    finite_sum_loss(w, X, y)
    for before, after in zip(copies, (w, X, y), strict=False):
        np.testing.assert_array_equal(before, after)


# ---------------------------------------------------------------- variance


def _enumerated_variance(G, batch_size, replace):
    """E||g_B - mean||^2 by listing every equally likely minibatch."""
    n = G.shape[0]
    batches = (
        itertools.product(range(n), repeat=batch_size)
        if replace
        else itertools.combinations(range(n), batch_size)
    )
    full = G.mean(axis=0)
    return np.mean([np.sum((G[list(b)].mean(axis=0) - full) ** 2) for b in batches])


@pytest.mark.parametrize("replace", [True, False])
@pytest.mark.parametrize("batch_size", [1, 2, 3, 5])
def test_variance_formula_equals_enumeration(batch_size, replace):
    G = np.random.default_rng(batch_size).normal(size=(5, 2))
    expected = _enumerated_variance(G, batch_size, replace)
    assert minibatch_gradient_variance(G, batch_size, replace) == pytest.approx(expected, rel=1e-12)


def test_variance_without_replacement_vanishes_for_the_full_batch():
    G = np.random.default_rng(0).normal(size=(8, 3))
    assert minibatch_gradient_variance(G, 8, replace=False) == pytest.approx(0.0, abs=1e-15)
    assert minibatch_gradient_variance(G, 8, replace=True) > 0


def test_variance_falls_as_one_over_batch_size():
    G = np.random.default_rng(0).normal(size=(50, 4))
    ratios = [minibatch_gradient_variance(G, 1) / minibatch_gradient_variance(G, b) for b in (2, 4, 16)]
    np.testing.assert_allclose(ratios, [2, 4, 16])


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_variance_rejects_bad_batch_size(bad):
    with pytest.raises(ValueError, match="batch_size"):
        minibatch_gradient_variance(np.ones((4, 2)), bad)


def test_variance_rejects_too_large_batch_without_replacement():
    with pytest.raises(ValueError, match="batch_size"):
        minibatch_gradient_variance(np.ones((4, 2)), 5, replace=False)


# ---------------------------------------------------------------- SGD


def test_run_sgd_on_a_quadratic_matches_the_closed_form():
    # f(w) = a/2 w^2 with the exact gradient: w_t = (1 - lr a)^t w_0
    path = run_sgd(lambda w, t: 3.0 * w, np.array([2.0]), 10, 0.1)
    np.testing.assert_allclose(path[:, 0], 2.0 * 0.7 ** np.arange(11))


def test_run_sgd_with_harmonic_steps_computes_a_running_mean():
    # f_i(w) = 1/2 (w - a_i)^2 with lr_t = 1/(t+1): w_T is the mean of the sampled a_i
    a = np.random.default_rng(0).normal(size=40)
    order = np.random.default_rng(1).integers(0, 40, size=25)
    path = run_sgd(lambda w, t: w - a[order[t]], np.array([7.0]), 25, lambda t: 1.0 / (t + 1))
    np.testing.assert_allclose(path[1:, 0], np.cumsum(a[order]) / np.arange(1, 26))


def test_run_sgd_scalar_start_and_zero_steps():
    path = run_sgd(lambda w, t: w, 1.5, 0, 0.1)
    assert path.shape == (1, 1) and path[0, 0] == 1.5


def test_run_sgd_does_not_modify_the_start():
    w0 = np.array([1.0, 2.0])
    run_sgd(lambda w, t: w, w0, 3, 0.5)
    np.testing.assert_array_equal(w0, [1.0, 2.0])


def test_run_sgd_constant_step_plateaus_and_decreasing_step_keeps_improving():
    rng = np.random.default_rng(0)
    a = rng.normal(size=200)
    draws = rng.integers(0, 200, size=20_000)

    def grad(w, t):
        return w - a[draws[t]]

    def final_error(lr):
        return abs(run_sgd(grad, np.array([5.0]), 20_000, lr)[-1000:, 0] - a.mean()).mean()

    constant, decreasing = final_error(0.1), final_error(lambda t: 1.0 / (t + 1))
    assert decreasing < constant / 5


@pytest.mark.parametrize("bad_lr", [-0.1, 0.0, lambda t: -1.0])
def test_run_sgd_rejects_non_positive_steps(bad_lr):
    with pytest.raises(ValueError, match="lr"):
        run_sgd(lambda w, t: w, np.ones(2), 3, bad_lr)


def test_run_sgd_rejects_bad_step_count():
    with pytest.raises(ValueError, match="n_steps"):
        run_sgd(lambda w, t: w, np.ones(2), -1, 0.1)


# ---------------------------------------------------------------- search


def test_grid_search_order_and_best():
    best, value, points, values = grid_search(
        lambda p: (p[0] - 1) ** 2 + (p[1] + 2) ** 2, [0.0, -3.0], [2.0, 3.0], [3, 7]
    )
    assert points.shape == (21, 2)
    np.testing.assert_allclose(points[:3], [[0, -3], [0, -2], [0, -1]])  # first axis slowest
    np.testing.assert_allclose(best, [1.0, -2.0])
    assert value == 0.0 and values.shape == (21,)


def test_grid_search_log_axis_uses_decades():
    _, _, points, _ = grid_search(lambda p: p[0], [1e-4], [1e0], 5, log_scale=True)
    np.testing.assert_allclose(points[:, 0], [1e-4, 1e-3, 1e-2, 1e-1, 1.0])


def test_random_search_reproducible_within_bounds_and_best_is_min():
    def objective(p):
        return np.sin(3 * p[0]) + p[1] ** 2

    first = random_search(objective, [-1, -2], [1, 2], 64, seed=3)
    second = random_search(objective, [-1, -2], [1, 2], 64, seed=3)
    np.testing.assert_array_equal(first[2], second[2])
    points, values = first[2], first[3]
    assert np.all(points >= [-1, -2]) and np.all(points <= [1, 2])
    assert first[1] == values.min() and np.array_equal(first[0], points[np.argmin(values)])
    np.testing.assert_allclose(values, [objective(p) for p in points])


def test_random_search_log_axis_fills_every_decade_evenly():
    _, _, points, _ = random_search(lambda p: 0.0, [1e-6], [1.0], 6000, seed=0, log_scale=True)
    counts = np.histogram(np.log10(points[:, 0]), bins=6, range=(-6, 0))[0]
    assert np.all(np.abs(counts - 1000) < 120)


def test_random_search_covers_an_important_axis_better_than_a_grid():
    # Bergstra & Bengio: with 9 trials a 3x3 grid tries 3 values of the axis that matters
    _, _, grid_points, _ = grid_search(lambda p: 0.0, [0, 0], [1, 1], 3)
    _, _, random_points, _ = random_search(lambda p: 0.0, [0, 0], [1, 1], 9, seed=0)
    assert len(np.unique(grid_points[:, 0])) == 3
    assert len(np.unique(random_points[:, 0])) == 9


@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(low=[1.0], high=[0.0]), "low"),
        (dict(low=[0.0], high=[1.0], log_scale=True), "log_scale"),
        (dict(low=[0.0, 0.0], high=[1.0]), "low and high"),
    ],
)
def test_search_rejects_bad_bounds(kwargs, word):
    with pytest.raises(ValueError, match=word):
        random_search(lambda p: 0.0, n_trials=3, **kwargs)
    with pytest.raises(ValueError, match=word):
        grid_search(lambda p: 0.0, n_per_axis=3, **kwargs)


def test_search_rejects_bad_counts():
    with pytest.raises(ValueError, match="n_trials"):
        random_search(lambda p: 0.0, [0.0], [1.0], 0)
    with pytest.raises(ValueError, match="n_per_axis"):
        grid_search(lambda p: 0.0, [0.0], [1.0], 0)


def test_bad_loss_name():
    with pytest.raises(ValueError, match="loss"):
        per_example_gradients(np.zeros(2), np.zeros((3, 2)), np.zeros(3), loss="hinge")
