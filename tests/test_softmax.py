"""Tests for solutions.softmax (lesson 03). Synthetic data only: CIFAR-10 is never needed."""

import numpy as np
import pytest
from softmax_problem import make_problem

from solutions.finite_diff import numerical_gradient, relative_error
from solutions.softmax import (
    accuracy,
    init_params,
    iterate_minibatches,
    predict,
    sgd_epoch,
    shuffled_batches,
    softmax,
    softmax_loss_naive,
    softmax_loss_vectorized,
)

LOSSES = [softmax_loss_naive, softmax_loss_vectorized]


def reference_loss(W, b, X, y, reg):
    """Loss straight from the definition, one sample at a time, in float64 (for tests only)."""
    total = 0.0
    for xn, yn in zip(X, y, strict=False):
        s = W @ xn + b
        total += -s[yn] + s.max() + np.log(np.sum(np.exp(s - s.max())))
    return total / len(y) + reg * np.sum(W**2)


# ---------------------------------------------------------------- softmax


def test_softmax_rows_sum_to_one_and_are_shift_invariant():
    s = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -1000.0]])
    p = softmax(s)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())
    np.testing.assert_allclose(p[1], [0.5, 0.5, 0.0], atol=1e-300)
    np.testing.assert_allclose(softmax(s[0] + 50.0), p[0])


# ---------------------------------------------------------------- loss values and gradients


@pytest.mark.parametrize("loss_fn", LOSSES)
@pytest.mark.parametrize("reg", [0.0, 0.1, 100.0])
def test_loss_equals_the_definition(loss_fn, reg):
    W, b, X, y = make_problem()
    loss, _, _ = loss_fn(W, b, X, y, reg)
    assert loss == pytest.approx(reference_loss(W, b, X, y, reg), rel=1e-12)


@pytest.mark.parametrize("loss_fn", LOSSES)
@pytest.mark.parametrize("reg", [0.0, 100.0])  # a small reg would hide a missing 2*reg*W
def test_analytic_gradient_matches_numerical(loss_fn, reg):
    W, b, X, y = make_problem()
    _, dW, db = loss_fn(W, b, X, y, reg)
    num_dW = numerical_gradient(lambda w: loss_fn(w, b, X, y, reg)[0], W)
    num_db = numerical_gradient(lambda v: loss_fn(W, v, X, y, reg)[0], b)
    # At reg = 100 the loss is ~2e3, so round-off in the differences is ~eps * 2e3 / h.
    assert relative_error(dW, num_dW) < 1e-6
    assert relative_error(db, num_db) < 1e-6


def test_regularisation_gradient_would_be_caught():
    # The gradient check above can fail: dropping 2*reg*W gives a large error at reg = 100.
    W, b, X, y = make_problem()
    _, dW, _ = softmax_loss_vectorized(W, b, X, y, 100.0)
    num_dW = numerical_gradient(lambda w: softmax_loss_vectorized(w, b, X, y, 100.0)[0], W)
    assert relative_error(dW - 200.0 * W, num_dW) > 0.5


def test_bias_is_not_regularised():
    W, b, X, y = make_problem()
    _, _, db0 = softmax_loss_vectorized(W, b, X, y, 0.0)
    _, _, db1 = softmax_loss_vectorized(W, b, X, y, 100.0)
    np.testing.assert_allclose(db0, db1, rtol=1e-14)


@pytest.mark.parametrize("reg", [0.0, 3.0])
def test_naive_equals_vectorized_in_float64(reg):
    W, b, X, y = make_problem(N=50, D=30, K=10, seed=4)
    naive = softmax_loss_naive(W, b, X, y, reg)
    fast = softmax_loss_vectorized(W, b, X, y, reg)
    for a, c in zip(naive, fast, strict=False):
        assert relative_error(a, c) < 1e-10


def test_naive_equals_vectorized_on_cifar_shapes_across_row_blocks():
    # D = 3072, K = 10: the vectorized loss works in blocks of 32 rows; 70 rows make
    # two full blocks and a partial one.
    W, b, X, y = make_problem(N=70, D=3072, K=10, seed=7, scale=0.01)
    naive = softmax_loss_naive(W, b, X, y, 0.5)
    fast = softmax_loss_vectorized(W, b, X, y, 0.5)
    for a, c in zip(naive, fast, strict=False):
        assert relative_error(a, c) < 1e-10


def test_float32_in_float32_out_and_close_to_float64():
    W, b, X, y = make_problem(N=64, D=40, K=10, seed=5)
    ref = softmax_loss_vectorized(W, b, X, y, 0.5)
    for loss_fn in LOSSES:
        loss, dW, db = loss_fn(W.astype(np.float32), b.astype(np.float32), X.astype(np.float32), y, 0.5)
        assert loss.dtype == dW.dtype == db.dtype == np.float32
        np.testing.assert_allclose(loss, ref[0], rtol=1e-5)
        np.testing.assert_allclose(dW, ref[1], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(db, ref[2], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_mixed_dtypes_compute_in_the_wider_type(loss_fn):
    # float32 data with float64 parameters, and raw uint8 pixels: float64 results.
    W, b, X, y = make_problem(N=40, D=3072, K=10, seed=9, scale=0.01)
    ref = softmax_loss_vectorized(W, b, X.astype(np.float32).astype(np.float64), y)
    loss, dW, db = loss_fn(W, b, X.astype(np.float32), y)
    assert dW.dtype == db.dtype == np.float64
    assert relative_error(dW, ref[1]) < 1e-10 and loss == pytest.approx(ref[0], rel=1e-12)
    pixels = np.random.default_rng(9).integers(0, 256, size=(40, 3072)).astype(np.uint8)
    loss, dW, _ = loss_fn(W * 1e-2, b, pixels, y)
    ref = softmax_loss_vectorized(W * 1e-2, b, pixels.astype(np.float64), y)
    assert dW.dtype == np.float64 and relative_error(dW, ref[1]) < 1e-10


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_stable_for_scores_of_order_1e4(loss_fn):
    # Two classes, one feature: scores (1e4, 0). exp(1e4) overflows a naive softmax.
    W = np.array([[1e4], [0.0]])
    b = np.zeros(2)
    X = np.ones((2, 1))
    y = np.array([1, 0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        loss, dW, db = loss_fn(W, b, X, y)
    # Sample 0 (label 1) pays -log p = 1e4 + log(1 + e^-1e4) = 1e4; sample 1 pays ~0.
    assert loss == pytest.approx(1e4 / 2, rel=1e-12)
    # p = (1, 0) for both samples: P - Y = (1, -1) and (0, 0); averaged over N = 2.
    np.testing.assert_allclose(dW, [[0.5], [-0.5]], atol=1e-12)
    np.testing.assert_allclose(db, [0.5, -0.5], atol=1e-12)


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_large_random_scores_stay_finite_and_agree(loss_fn):
    W, b, X, y = make_problem(N=30, D=10, K=6, seed=6, scale=3e3)  # scores ~1e4
    loss, dW, db = loss_fn(W, b, X, y)
    assert np.isfinite(loss) and np.all(np.isfinite(dW)) and np.all(np.isfinite(db))
    assert loss == pytest.approx(reference_loss(W, b, X, y, 0.0), rel=1e-10)


def test_initial_loss_is_about_ln_k():
    K, D, N = 10, 3072, 200
    W, b = init_params(K, D, std=1e-3, seed=0)
    X = np.random.default_rng(1).standard_normal((N, D))  # centred, unit-scale pixels
    y = np.random.default_rng(2).integers(0, K, N)
    loss, _, _ = softmax_loss_vectorized(W, b, X, y)
    assert loss == pytest.approx(np.log(K), abs=0.01)


def test_init_params_shapes_scale_and_seed():
    W, b = init_params(10, 3072, seed=3)
    assert W.shape == (10, 3072) and b.shape == (10,)
    assert W.std() == pytest.approx(1e-3, rel=0.05)
    np.testing.assert_array_equal(W, init_params(10, 3072, seed=3)[0])
    assert init_params(10, 5, dtype=np.float32)[0].dtype == np.float32


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_loss_does_not_mutate_inputs(loss_fn):
    args = make_problem()
    copies = [a.copy() for a in args]
    loss_fn(*args, reg=1.0)
    for a, c in zip(args, copies, strict=False):
        np.testing.assert_array_equal(a, c)


# ---------------------------------------------------------------- bad input


def _bad_inputs():
    W, b, X, y = make_problem(N=6, D=4, K=3)
    return [
        ((W[0], b, X, y), r"W must have shape \(K, D\)"),
        ((W, b[:2], X, y), r"b must have shape \(K,\) = \(3,\)"),
        ((W, b, X[:, :3], y), r"X must have shape \(N, D\) with D = 4.*got shape \(6, 3\)"),
        ((W, b, X, y[:5]), r"y must have shape \(N,\) = \(6,\).*\(5,\)"),
        ((W, b, X, y.astype(float)), "integer class labels"),
        ((W, b, X, np.array([0, 1, 2, 3, 0, 1])), r"labels y must lie in 0..2"),
        ((W, b, X, np.array([0, -1, 2, 1, 0, 1])), r"labels y must lie in 0..2"),
    ]


@pytest.mark.parametrize("loss_fn", LOSSES)
@pytest.mark.parametrize("case", range(7))
def test_bad_shapes_and_labels_raise_value_error(loss_fn, case):
    args, match = _bad_inputs()[case]
    with pytest.raises(ValueError, match=match):
        loss_fn(*args)


def test_negative_reg_raises():
    with pytest.raises(ValueError, match="reg must be"):
        softmax_loss_vectorized(*make_problem(), reg=-1.0)


# ---------------------------------------------------------------- predict, accuracy


def test_predict_and_accuracy():
    W = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    b = np.zeros(3)
    X = np.array([[2.0, 1.0], [0.0, 3.0], [-1.0, -2.0], [5.0, 0.0]])
    np.testing.assert_array_equal(predict(W, b, X), [0, 1, 2, 0])
    assert accuracy(W, b, X, np.array([0, 1, 2, 1])) == 0.75


# ---------------------------------------------------------------- minibatches and SGD


def test_shuffled_batches_cover_each_index_once_and_keep_the_last_partial_batch():
    batches = list(shuffled_batches(10, 4, np.random.default_rng(0)))
    assert [len(batch) for batch in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(10))


def test_shuffled_batches_reshuffle_every_epoch_and_are_reproducible():
    rng = np.random.default_rng(0)
    epoch1 = np.concatenate(list(shuffled_batches(100, 32, rng)))
    epoch2 = np.concatenate(list(shuffled_batches(100, 32, rng)))
    assert not np.array_equal(epoch1, epoch2)
    again = np.concatenate(list(shuffled_batches(100, 32, np.random.default_rng(0))))
    np.testing.assert_array_equal(epoch1, again)


def test_iterate_minibatches_pairs_samples_with_their_labels():
    X = np.arange(14.0).reshape(7, 2)
    y = np.arange(7)
    seen = []
    for xb, yb in iterate_minibatches(X, y, 3, np.random.default_rng(1)):
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)
        seen.extend(yb)
    assert sorted(seen) == list(range(7))
    ordered = [yb.tolist() for _, yb in iterate_minibatches(X, y, 3, None, shuffle=False)]
    assert ordered == [[0, 1, 2], [3, 4, 5], [6]]


@pytest.mark.parametrize("batch_size", [0, -3, 2.5])
def test_bad_batch_size_raises(batch_size):
    with pytest.raises(ValueError, match="batch_size must be"):
        list(shuffled_batches(10, batch_size, np.random.default_rng(0)))


def test_missing_rng_raises_when_shuffling():
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        list(iterate_minibatches(np.zeros((4, 2)), np.zeros(4, int), 2, None))


def test_full_batch_epoch_is_one_gradient_step():
    W, b, X, y = make_problem(N=12)
    _, dW, db = softmax_loss_vectorized(W, b, X, y, 0.01)
    W1, b1, losses = sgd_epoch(W, b, X, y, lr=0.3, batch_size=100, rng=np.random.default_rng(0), reg=0.01)
    np.testing.assert_allclose(W1, W - 0.3 * dW, rtol=1e-12)
    np.testing.assert_allclose(b1, b - 0.3 * db, rtol=1e-12)
    assert losses.shape == (1,)


def test_sgd_epochs_learn_separable_data_without_touching_inputs():
    rng = np.random.default_rng(0)
    K, D, N = 4, 20, 400
    centres = 3 * rng.standard_normal((K, D))
    y = rng.integers(0, K, N)
    X = (centres[y] + rng.standard_normal((N, D))).astype(np.float32)
    W, b = init_params(K, D, dtype=np.float32)
    W0, b0, X0 = W.copy(), b.copy(), X.copy()
    start = softmax_loss_vectorized(W, b, X, y)[0]
    W1, b1 = W, b
    for _ in range(3):
        W1, b1, batch_losses = sgd_epoch(W1, b1, X, y, lr=0.05, batch_size=32, rng=rng)
    assert len(batch_losses) == 13  # 12 full batches and one of 16
    assert W1.dtype == np.float32
    assert softmax_loss_vectorized(W1, b1, X, y)[0] < 0.2 * start
    assert accuracy(W1, b1, X, y) > 0.95
    np.testing.assert_array_equal(W, W0)
    np.testing.assert_array_equal(b, b0)
    np.testing.assert_array_equal(X, X0)
