"""solutions._fast_softmax: the same loss and gradients as the plain softmax_loss_vectorized.

The plain form is itself tested against the definition, the naive loop and finite differences
(tests/test_softmax.py); here the fast engine is held to it, serial and threaded, over the
shapes where its row chunks and thread slices change.
"""

import numpy as np
import pytest
from softmax_problem import make_problem as _make_problem

import solutions._fast_softmax as fast
from solutions.finite_diff import relative_error
from solutions.softmax import sgd_epoch, softmax_loss_naive, softmax_loss_vectorized


def make_problem(N, D, K, seed, dtype=np.float64):
    """Small weights (scale 0.01), as a trained-from-zero model has early on."""
    return _make_problem(N, D, K, seed, scale=0.01, dtype=dtype)


@pytest.fixture
def count_threaded_calls(monkeypatch):
    """The worker counts of the threaded path's calls, in order."""
    calls = []
    original = fast._parallel_loss_sums
    monkeypatch.setattr(fast, "_parallel_loss_sums", lambda *args: calls.append(args[-1]) or original(*args))
    return calls


@pytest.mark.parametrize(
    "N, D, K, reg",
    [
        (1, 5, 3, 0.0),  # one sample
        (20, 7, 5, 0.1),  # one chunk (the chunk is at least 32 rows)
        (70, 3072, 10, 0.5),  # CIFAR shapes: two 32-row chunks and a partial one
        (300, 200, 4, 2.0),  # 1,250-row chunks for K·D = 800: still one chunk
    ],
)
def test_serial_engine_equals_the_plain_loss(N, D, K, reg, count_threaded_calls, monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    W, b, X, y = make_problem(N, D, K, seed=N)
    plain = softmax_loss_vectorized(W, b, X, y, reg)
    ours = fast.loss_and_grads(W, b, X, y, reg)
    assert count_threaded_calls == []
    for a, c in zip(plain, ours, strict=False):  # measured: up to 7e-12 (sums in another order)
        assert relative_error(a, c) < 1e-10


@pytest.mark.parametrize("workers", [2, 3])
def test_threaded_engine_equals_the_plain_and_the_naive_loss(workers, count_threaded_calls, monkeypatch):
    # From 1024 rows on the rows are split among threads (one per BLAS thread); 1100 rows of
    # 32-row chunks over 3 threads give uneven slices.
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", str(workers))
    W, b, X, y = make_problem(N=1100, D=3072, K=10, seed=8)
    ours = fast.loss_and_grads(W, b, X, y, 0.5)
    assert count_threaded_calls == [workers]
    for reference in (softmax_loss_vectorized(W, b, X, y, 0.5), softmax_loss_naive(W, b, X, y, 0.5)):
        for a, c in zip(reference, ours, strict=False):
            assert relative_error(a, c) < 1e-10


def test_threaded_and_serial_agree_to_rounding(count_threaded_calls, monkeypatch):
    W, b, X, y = make_problem(N=1100, D=3072, K=10, seed=8)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    threaded = fast.loss_and_grads(W, b, X, y, 0.5)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    serial = fast.loss_and_grads(W, b, X, y, 0.5)
    assert count_threaded_calls == [3]
    for a, c in zip(serial, threaded, strict=False):
        assert relative_error(a, c) < 1e-12


def test_dtypes_follow_the_plain_loss():
    W, b, X, y = make_problem(N=64, D=40, K=10, seed=5, dtype=np.float32)
    plain = softmax_loss_vectorized(W, b, X, y, 0.5)
    ours = fast.loss_and_grads(W, b, X, y, 0.5)
    assert [np.asarray(v).dtype for v in ours] == [np.float32] * 3
    np.testing.assert_allclose(ours[0], plain[0], rtol=1e-6)
    np.testing.assert_allclose(ours[1], plain[1], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ours[2], plain[2], rtol=1e-5, atol=1e-7)
    # float32 data with float64 parameters, and raw uint8 pixels: float64, as the plain loss
    W, b, X, y = make_problem(N=40, D=3072, K=10, seed=9)
    pixels = np.random.default_rng(9).integers(0, 256, size=(40, 3072)).astype(np.uint8)
    for data in (X.astype(np.float32), pixels):
        plain = softmax_loss_vectorized(W * 1e-2, b, data, y)
        ours = fast.loss_and_grads(W * 1e-2, b, data, y)
        assert ours[1].dtype == ours[2].dtype == np.float64
        for a, c in zip(plain, ours, strict=False):
            assert relative_error(a, c) < 1e-10


def test_full_batch_sgd_epoch_in_threads_is_one_plain_gradient_step(count_threaded_calls, monkeypatch):
    # sgd_epoch takes its gradients from the engine; one batch of all 1100 shuffled rows goes
    # through the threaded path and must be the plain loss's gradient step.
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    W, b, X, y = make_problem(N=1100, D=3072, K=10, seed=8)
    _, dW, db = softmax_loss_vectorized(W, b, X, y, 0.5)
    W1, b1, losses = sgd_epoch(W, b, X, y, lr=0.1, batch_size=2000, rng=np.random.default_rng(0), reg=0.5)
    assert count_threaded_calls == [3] and losses.shape == (1,)
    # shuffled rows sum in another order: equal to rounding (|W| ~ 0.01, |dW| ~ 0.01)
    np.testing.assert_allclose(W1, W - 0.1 * dW, rtol=0, atol=1e-15)
    np.testing.assert_allclose(b1, b - 0.1 * db, rtol=0, atol=1e-15)
