"""Softmax (multinomial logistic) regression: loss, gradients, minibatches (lesson 03).

cs231n conventions with a bias, as in seed 003:
    W (K, D) weights, b (K,) biases, X (N, D) samples in rows, y (N,) integer labels 0..K-1.
    scores S = X W^T + b                         (N, K)
    loss L = -1/N sum_n log softmax(S_n)[y_n] + reg * sum(W**2)     (reg never touches b)
    dL/dW = 1/N (P - Y)^T X + 2 reg W            (K, D)
    dL/db = 1/N sum_n (P - Y)_n                  (K,)
where P = softmax(S) row-wise and Y is the one-hot matrix of y.

Every function is pure: arguments are never modified. The loss functions compute in the
floating dtype of their inputs (float32 in -> float32 out), which halves memory traffic on
CIFAR-10-sized data.
"""

from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from solutions import _fast_softmax
from solutions._checks import integer, non_negative_finite, positive_finite

# ---------------------------------------------------------------- validation


def _float_dtype(*arrays):
    """Common floating dtype of the arrays (float64 if none of them is floating)."""
    dtype = np.result_type(*arrays)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def _check_params(W, b):
    if W.ndim != 2:
        raise ValueError(f"W must have shape (K, D), got shape {W.shape}")
    if b.shape != (W.shape[0],):
        raise ValueError(
            f"b must have shape (K,) = ({W.shape[0]},) to match W of shape {W.shape}, got shape {b.shape}"
        )


def _check_data(W, X, y=None):
    if X.ndim != 2 or X.shape[1] != W.shape[1]:
        raise ValueError(
            f"X must have shape (N, D) with D = {W.shape[1]} to match W of shape {W.shape}, "
            f"got shape {X.shape}; flatten images to rows first"
        )
    if X.shape[0] == 0:
        raise ValueError("X is empty: the loss is a mean over N >= 1 samples")
    if y is None:
        return
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape (N,) = ({X.shape[0]},) to match X, got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold integer class labels, got dtype {y.dtype}")
    K = W.shape[0]
    low, high = y.min(), y.max()
    if low < 0 or high >= K:
        raise ValueError(f"labels y must lie in 0..{K - 1} (K = {K}), got range {low}..{high}")


def _validated(W, b, X, y, reg):
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    _check_params(W, b)
    _check_data(W, X, y)
    non_negative_finite(reg, "reg")
    return W, b, X, y


# ---------------------------------------------------------------- model


def softmax(scores: ArrayLike) -> np.ndarray:
    """Row-wise softmax, stable: subtracting the row maximum leaves it unchanged.

    scores: (N, K) or (K,) -> probabilities of the same shape, rows summing to 1.
    """
    scores = np.asarray(scores)
    shifted = scores - scores.max(axis=-1, keepdims=True)
    exp_shifted = np.exp(shifted)
    return exp_shifted / exp_shifted.sum(axis=-1, keepdims=True)


def init_params(
    K: int, D: int, std: float = 1e-3, seed: int = 0, dtype: DTypeLike = np.float64
) -> tuple[np.ndarray, np.ndarray]:
    """W ~ N(0, std**2) of shape (K, D) and b ~ N(0, std**2) of shape (K,) (seed 003: std 0.001).

    With such small weights all scores are ~0, so the initial loss is ~ln K (2.3026 for K = 10).
    """
    if int(K) != K or K < 2:
        raise ValueError(f"K must be an integer number of classes >= 2, got K={K!r}")
    if int(D) != D or D < 1:
        raise ValueError(f"D must be a positive integer, got D={D!r}")
    if not std >= 0:
        raise ValueError(f"std must be non-negative, got std={std!r}")
    rng = np.random.default_rng(seed)
    W = (std * rng.standard_normal((int(K), int(D)))).astype(dtype, copy=False)
    b = (std * rng.standard_normal(int(K))).astype(dtype, copy=False)
    return W, b


def scores(W: ArrayLike, b: ArrayLike, X: ArrayLike) -> np.ndarray:
    """S = X W^T + b.  W (K, D), b (K,), X (N, D) -> (N, K)."""
    W, b, X = np.asarray(W), np.asarray(b), np.asarray(X)
    _check_params(W, b)
    _check_data(W, X)
    S = X @ W.T
    S += b
    return S


def predict(W: ArrayLike, b: ArrayLike, X: ArrayLike) -> np.ndarray:
    """Predicted labels argmax_k S_nk.  -> (N,) int."""
    return np.argmax(scores(W, b, X), axis=1)


def accuracy(W: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike) -> float:
    """Fraction of samples whose predicted label equals y.  -> float in [0, 1]."""
    y = np.asarray(y)
    X = np.asarray(X)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape (N,) = ({X.shape[0]},) to match X, got {y.shape}")
    return float(np.mean(predict(W, b, X) == y))


# ---------------------------------------------------------------- loss


def softmax_loss_naive(
    W: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float = 0.0
) -> tuple[np.floating, np.ndarray, np.ndarray]:
    """Softmax loss and gradients with a Python loop over samples (seed 003's numpy code).

    Per sample n: s_n = W x_n + b, p_n = softmax(s_n), l_n = -log p_n[y_n],
    db_n = p_n - onehot(y_n), dW_n = db_n x_n^T; accumulate and average. The one change
    from the seed is log-sum-exp, so large scores do not overflow.

    Args:
        W (K, D), b (K,), X (N, D), y (N,) int in 0..K-1, reg >= 0.

    Returns:
        loss (scalar of the input float dtype), dW (K, D), db (K,).
    """
    W, b, X, y = _validated(W, b, X, y, reg)
    dtype = _float_dtype(W, b, X)
    N = X.shape[0]
    loss = dtype.type(0)
    dW = np.zeros(W.shape, dtype=dtype)
    db = np.zeros(b.shape, dtype=dtype)
    for xn, yn in zip(X, y, strict=False):
        sn = (W @ xn + b).astype(dtype, copy=False)  # (K,)
        shifted = sn - sn.max()
        log_sum = np.log(np.sum(np.exp(shifted)))
        loss += log_sum - shifted[yn]  # -log p_n[y_n]
        dbn = np.exp(shifted - log_sum)  # p_n, (K,)
        dbn[yn] -= 1
        dW += np.outer(dbn, xn)  # (K, 1)(1, D)
        db += dbn
    loss = loss / N + reg * np.sum(W * W, dtype=dtype)
    dW = dW / N + 2 * reg * W
    db = db / N
    return dtype.type(loss), dW.astype(dtype, copy=False), db.astype(dtype, copy=False)


def softmax_loss_vectorized(
    W: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float = 0.0
) -> tuple[np.floating, np.ndarray, np.ndarray]:
    """Softmax loss and gradients without a loop over samples.

    S = X W^T + b, P = softmax(S) row-wise (log-sum-exp, finite for any finite scores),
    L = mean(-log P[n, y_n]) + reg * sum(W**2), dW = (P - Y)^T X / N + 2 reg W,
    db = sum_n (P - Y)_n / N. Works in the inputs' float dtype: float32 in gives float32 out.
    (solutions._fast_softmax computes the same numbers faster, for training loops.)

    Args:
        W (K, D), b (K,), X (N, D), y (N,) int in 0..K-1, reg >= 0.

    Returns:
        loss (scalar of the input float dtype), dW (K, D), db (K,).
    """
    W, b, X, y = _validated(W, b, X, y, reg)
    dtype = _float_dtype(W, b, X)
    N = X.shape[0]
    rows = np.arange(N)
    S = (X @ W.T + b).astype(dtype, copy=False)  # (N, K) scores
    S = S - S.max(axis=1, keepdims=True)  # log-sum-exp: no overflow
    log_sum = np.log(np.sum(np.exp(S), axis=1))  # (N,)
    loss = np.sum(log_sum - S[rows, y]) / N + reg * np.sum(W * W)
    dS = np.exp(S - log_sum[:, None])  # P, (N, K)
    dS[rows, y] -= 1  # P - Y, one-hot by indexing
    dS /= N
    dW = dS.T @ X + 2 * reg * W  # (K, D)
    db = np.sum(dS, axis=0)  # (K,)
    return dtype.type(loss), dW.astype(dtype, copy=False), db.astype(dtype, copy=False)


# ---------------------------------------------------------------- minibatches and SGD


def shuffled_batches(N: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """One epoch of minibatch indices: a fresh permutation of 0..N-1 cut into batches.

    The same as course.training.shuffled_batches (which `train` uses), with checked arguments.

    Each call draws a new permutation from rng, so calling it once per epoch reshuffles
    every epoch (seed 001). The last batch keeps the remainder (N % batch_size samples).

    Yields:
        (B,) int index arrays, B = batch_size except possibly the last.
    """
    if int(N) != N or N < 1:
        raise ValueError(f"N must be a positive integer number of samples, got N={N!r}")
    batch_size = integer(batch_size, "batch_size", minimum=1)
    if not hasattr(rng, "permutation"):
        raise ValueError(
            f"rng must be a numpy Generator such as np.random.default_rng(seed), got {rng!r}; "
            "create it once and reuse it so that every epoch gets a new shuffle"
        )
    order = rng.permutation(int(N))
    for start in range(0, int(N), batch_size):
        yield order[start : start + batch_size]


def iterate_minibatches(
    X: ArrayLike, y: ArrayLike, batch_size: int, rng: np.random.Generator, shuffle: bool = True
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch over (X, y) in minibatches.

    Args:
        X (N, ...), y (N,): data; not modified.
        batch_size: B; the last batch keeps the remainder.
        rng: np.random.Generator, advanced by one permutation per epoch when shuffling.
        shuffle: False walks the data in order (useful for evaluation).

    Yields:
        (X_batch (B, ...), y_batch (B,)) copies.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y must have the same number of samples, got {X.shape[0]} and {y.shape[0]}")
    if shuffle:
        batches = shuffled_batches(X.shape[0], batch_size, rng)
    else:
        batch_size = integer(batch_size, "batch_size", minimum=1)
        batches = (np.arange(s, min(s + batch_size, X.shape[0])) for s in range(0, X.shape[0], batch_size))
    for idx in batches:
        yield X[idx], y[idx]


def sgd_epoch(
    W: ArrayLike,
    b: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    lr: float,
    batch_size: int,
    rng: np.random.Generator,
    reg: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One epoch of minibatch SGD on the softmax loss: W <- W - lr dW, b <- b - lr db.

    Batch size 1 is SGD, batch_size >= N is full-batch GD (seed 003's naming table).
    The gradients are softmax_loss_vectorized's, computed by solutions._fast_softmax, which
    gives the same numbers faster (training is where the speed matters).

    Args:
        W (K, D), b (K,), X (N, D), y (N,), lr > 0, batch_size B, rng for the shuffle.

    Returns:
        W_new (K, D), b_new (K,), batch_losses (n_batches,) float64 — losses before each
        update. W and b are not modified.
    """
    positive_finite(lr, "lr")
    X, y = np.asarray(X), np.asarray(y)
    W = np.array(W, copy=True)
    b = np.array(b, copy=True)
    _check_params(W, b)
    _check_data(W, X, y)
    non_negative_finite(reg, "reg")
    batch_losses = []
    for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng):
        loss, dW, db = _fast_softmax.loss_and_grads(W, b, X_batch, y_batch, reg)
        batch_losses.append(loss)
        W -= lr * dW  # our own copies, updated in place
        b -= lr * db
    return W, b, np.array(batch_losses, dtype=np.float64)


def tuned_setting() -> dict[str, float]:
    """Lesson 03's experiment task: the instructor's choice of {"lr", "reg"} for its protocol
    (minibatch SGD, B = 128, 5 epochs, the first 3,000 training images, seeds 0).

    Chosen on a validation split among lr in {0.01, 0.03, 0.1, 0.3} x reg in {0, 1e-3, 1e-2, 1e-1};
    the hidden test asks a student's setting to reach 90% of this one's held-out accuracy.
    """
    return {"lr": 0.1, "reg": 1e-3}
