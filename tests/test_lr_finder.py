"""Tests for solutions.lr_finder: expected values are worked by hand or follow from the update rule."""

import numpy as np
import pytest

from solutions.lr_finder import lr_range_test


def _scalar_quadratic(params, X_batch, y_batch):
    """f(w) = 1/2 (w - c)^2 where the batch carries c: gradient w - c."""
    c = float(np.mean(X_batch))
    w = params["w"]
    return 0.5 * float(np.sum((w - c) ** 2)), {"w": w - c}


def test_hand_worked_two_steps():
    # w0 = 4, c = 0: loss 8; step lr = 10**0 = 1 -> w = 4 - 4 = 0; loss 0
    batches = [(np.zeros(1), None), (np.zeros(1), None)]
    losses = lr_range_test(_scalar_quadratic, {"w": np.array([4.0])}, batches, [0.0, 0.0])
    np.testing.assert_allclose(losses, [8.0, 0.0])


def test_loss_is_recorded_before_the_update():
    # lr = 10**-1 contracts w by 0.9 on f = w^2/2: losses 1/2 * 0.81^i
    batches = [(np.zeros(1), None)] * 5
    losses = lr_range_test(_scalar_quadratic, {"w": np.array([1.0])}, batches, np.full(5, -1.0))
    np.testing.assert_allclose(losses, 0.5 * 0.81 ** np.arange(5))


def test_learning_rate_follows_the_exponents():
    # with c = 0 and lr_i = 10**e_i: w_{i+1} = (1 - lr_i) w_i
    exponents = np.array([-2.0, -1.0, np.log10(0.5)])
    batches = [(np.zeros(1), None)] * 3
    losses = lr_range_test(_scalar_quadratic, {"w": np.array([2.0])}, batches, exponents)
    w = [2.0, 2.0 * 0.99, 2.0 * 0.99 * 0.9]
    np.testing.assert_allclose(losses, 0.5 * np.square(w))


def test_each_step_takes_its_own_batch():
    batches = [(np.array([c]), None) for c in (0.0, 10.0, 20.0)]
    losses = lr_range_test(_scalar_quadratic, {"w": np.array([0.0])}, batches, [-8.0, -8.0, -8.0])
    np.testing.assert_allclose(losses, [0.0, 50.0, 200.0], rtol=1e-6)


def test_accepts_an_iterator_and_leaves_params_alone():
    params = {"w": np.array([1.0, 2.0])}
    lr_range_test(_scalar_quadratic, params, iter([(np.zeros(2), None)] * 3), [-1.0, -1.0, -1.0])
    np.testing.assert_array_equal(params["w"], [1.0, 2.0])


def test_float32_parameters_stay_float32_at_every_step():
    """The rates come from a float64 array; the parameters keep their float32 dtype, as torch's
    do (issue 16: they were float64 from step 2 on). Each step sees float32 parameters."""
    seen = []

    def float32_quadratic(params, X_batch, y_batch):
        seen.append(params["w"].dtype)
        return _scalar_quadratic(params, X_batch, y_batch)

    batches = [(np.zeros(2, np.float32), None)] * 4
    losses = lr_range_test(
        float32_quadratic, {"w": np.array([1.0, 2.0], np.float32)}, batches, np.linspace(-3.0, -1.0, 4)
    )
    assert seen == [np.float32] * 4
    # w_{i+1} = (1 - 10**e_i) w_i with e = -3, -7/3, -5/3 before the last three losses
    w = np.array([1.0, 2.0])
    expected = []
    for exponent in np.linspace(-3.0, -1.0, 4):
        expected.append(0.5 * np.sum(w**2))
        w = (1 - 10**exponent) * w
    np.testing.assert_allclose(losses, expected, rtol=1e-6)


def test_too_few_batches_is_a_clear_error():
    with pytest.raises(ValueError, match="batches ran out after 2"):
        lr_range_test(_scalar_quadratic, {"w": np.zeros(1)}, [(np.zeros(1), None)] * 2, [0.0, 0.0, 0.0])


def test_bad_exponents_and_params():
    with pytest.raises(ValueError, match="exponents"):
        lr_range_test(_scalar_quadratic, {"w": np.zeros(1)}, [], [])
    with pytest.raises(ValueError, match="params"):
        lr_range_test(_scalar_quadratic, {}, [(np.zeros(1), None)], [0.0])


def test_softmax_range_test_shape_of_the_curve():
    # a separable 3-class problem: the loss starts at ln 3, falls at useful rates, and blows up at huge ones
    rng = np.random.default_rng(0)
    centers = np.array([[4.0, 0.0], [-2.0, 3.5], [-2.0, -3.5]])
    y = rng.integers(0, 3, size=3000)
    X = centers[y] + rng.normal(size=(3000, 2))

    def loss_fn(params, Xb, yb):
        scores = Xb @ params["W"].T + params["b"]
        scores = scores - scores.max(axis=1, keepdims=True)
        log_p = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
        p = np.exp(log_p)
        p[np.arange(len(yb)), yb] -= 1
        return -log_p[np.arange(len(yb)), yb].mean(), {"W": p.T @ Xb / len(yb), "b": p.mean(axis=0)}

    batches = [(X[i : i + 30], y[i : i + 30]) for i in range(0, 3000, 30)]
    exponents = np.linspace(-5, 2, 100)
    losses = lr_range_test(loss_fn, {"W": np.zeros((3, 2)), "b": np.zeros(3)}, batches, exponents)
    assert losses[0] == pytest.approx(np.log(3))
    assert losses[:20].min() > 0.9 * np.log(3)  # lr <= 10**-3.6: nothing happens yet
    assert losses.min() < 0.2  # useful rates fit the separable data
    assert losses[-5:].max() > 5 * losses.min()  # lr ~ 10**2: divergence
