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

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np


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
            f"b must have shape (K,) = ({W.shape[0]},) to match W of shape {W.shape}, "
            f"got shape {b.shape}"
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


def _check_reg(reg):
    if not np.isfinite(reg) or reg < 0:
        raise ValueError(f"reg must be a non-negative finite number, got reg={reg!r}")


def _validated(W, b, X, y, reg):
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    _check_params(W, b)
    _check_data(W, X, y)
    _check_reg(reg)
    return W, b, X, y


# ---------------------------------------------------------------- model


def softmax(scores):
    """Row-wise softmax, stable: subtracting the row maximum leaves it unchanged.

    scores: (N, K) or (K,) -> probabilities of the same shape, rows summing to 1.
    """
    scores = np.asarray(scores)
    shifted = scores - scores.max(axis=-1, keepdims=True)
    exp_shifted = np.exp(shifted)
    return exp_shifted / exp_shifted.sum(axis=-1, keepdims=True)


def init_params(K, D, std=1e-3, seed=0, dtype=np.float64):
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


def scores(W, b, X):
    """S = X W^T + b.  W (K, D), b (K,), X (N, D) -> (N, K)."""
    W, b, X = np.asarray(W), np.asarray(b), np.asarray(X)
    _check_params(W, b)
    _check_data(W, X)
    S = X @ W.T
    S += b
    return S


def predict(W, b, X):
    """Predicted labels argmax_k S_nk.  -> (N,) int."""
    return np.argmax(scores(W, b, X), axis=1)


def accuracy(W, b, X, y):
    """Fraction of samples whose predicted label equals y.  -> float in [0, 1]."""
    y = np.asarray(y)
    X = np.asarray(X)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape (N,) = ({X.shape[0]},) to match X, got {y.shape}")
    return float(np.mean(predict(W, b, X) == y))


# ---------------------------------------------------------------- loss


def softmax_loss_naive(W, b, X, y, reg=0.0):
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
    for xn, yn in zip(X, y):
        sn = (W @ xn + b).astype(dtype, copy=False)          # (K,)
        shifted = sn - sn.max()
        log_sum = np.log(np.sum(np.exp(shifted)))
        loss += log_sum - shifted[yn]                          # -log p_n[y_n]
        dbn = np.exp(shifted - log_sum)                        # p_n, (K,)
        dbn[yn] -= 1
        dW += np.outer(dbn, xn)                                # (K, 1)(1, D)
        db += dbn
    loss = loss / N + reg * np.sum(W * W, dtype=dtype)
    dW = dW / N + 2 * reg * W
    db = db / N
    return dtype.type(loss), dW.astype(dtype, copy=False), db.astype(dtype, copy=False)


def _block_rows(K, D):
    """Rows per block so that one (rows, D) x (D, K) product has M*N*K <= 1e6.

    OpenBLAS (numpy's BLAS) sends products that small to its small-matrix kernels, which
    skip packing and threading; on the course machine that made the loss 1.5-3x faster
    than one big product, and immune to other processes competing for the cores.
    D = 3072, K = 10 gives 32 rows. At least 32 rows, so a huge K*D never means a loop
    over single samples.
    """
    return max(32, 1_000_000 // (K * D))


def _accumulate_block(W, b, X_block, y_block, dW_sum, db_sum):
    """The vectorized softmax loss on one block of rows, as sums (not means).

    Args:
        W (K, D), b (K,), X_block (M, D), y_block (M,).
        dW_sum (K, D), db_sum (K,): running sums, incremented in place by
            sum_n (p_n - onehot(y_n)) x_n^T and sum_n (p_n - onehot(y_n)).

    Returns:
        sum over the block of -log p_n[y_n], as a float.
    """
    rows = np.arange(X_block.shape[0])
    S = X_block @ W.T                                          # (M, K), fresh array
    S += b
    S -= S.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(S).sum(axis=1))                    # (M,)
    block_loss = float(np.sum(log_sum - S[rows, y_block], dtype=np.float64))
    # S becomes P - Y in place: softmax = exp(shifted - log_sum), one-hot by indexing.
    S -= log_sum[:, None]
    np.exp(S, out=S)
    S[rows, y_block] -= 1
    dW_sum += S.T @ X_block                                    # (K, M)(M, D)
    db_sum += S.sum(axis=0)
    return block_loss


def _loss_sums(W, b, X, y, rows, dtype):
    """Sums of the per-sample loss and gradients over the samples `rows`, block by block.

    Args:
        rows: (M,) indices into X and y, or a slice. A block of indices is gathered just
            before use, so the gathered rows are still in cache for the backward product:
            the batch is read from memory once.

    Returns:
        (loss_sum float, dW_sum (K, D), db_sum (K,)) in `dtype`.
    """
    dW_sum = np.zeros(W.shape, dtype=dtype)
    db_sum = np.zeros(b.shape, dtype=dtype)
    loss_sum = 0.0
    block = _block_rows(*W.shape)
    if isinstance(rows, slice):
        for start in range(rows.start, rows.stop, block):
            stop = min(start + block, rows.stop)
            loss_sum += _accumulate_block(W, b, X[start:stop], y[start:stop], dW_sum, db_sum)
    else:
        for start in range(0, rows.size, block):
            idx = rows[start:start + block]
            loss_sum += _accumulate_block(W, b, np.take(X, idx, axis=0), y[idx], dW_sum, db_sum)
    return loss_sum, dW_sum, db_sum


# Below this many rows, handing half the work to another thread costs more than it saves.
_PARALLEL_MIN_ROWS = 1024
_MAX_WORKERS = 8
_pool = None
_pool_size = 0


def _n_workers():
    """Threads for the loss: the BLAS thread setting if one is given, else the usable cores."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(variable, "").strip()
        if value.isdigit() and int(value) > 0:
            return min(int(value), _MAX_WORKERS)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(cores or 1, _MAX_WORKERS)


def _parallel_loss_sums(W, b, X, y, rows, dtype, workers):
    """_loss_sums over `workers` contiguous parts of `rows`, one per thread.

    The small block products run single-threaded inside OpenBLAS, so without this the
    loss would use one core. numpy releases the GIL inside matmul, so the threads overlap.
    """
    global _pool, _pool_size
    if _pool is None or _pool_size < workers:
        _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="softmax-loss")
        _pool_size = workers
    offset, n = (rows.start, rows.stop - rows.start) if isinstance(rows, slice) else (0, rows.size)
    block = _block_rows(*W.shape)
    n_blocks = -(-n // block)
    # Parts start on block boundaries, so each thread sees the same blocks as serially.
    bounds = [min(n, n_blocks * i // workers * block) for i in range(workers + 1)]
    parts = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if hi > lo:
            part = slice(offset + lo, offset + hi) if isinstance(rows, slice) else rows[lo:hi]
            parts.append(_pool.submit(_loss_sums, W, b, X, y, part, dtype))
    sums = [future.result() for future in parts]
    return tuple(sum(values) for values in zip(*sums))


def _loss_and_grads(W, b, X, y, reg, rows=None):
    """softmax_loss_vectorized on validated inputs, for the samples `rows` (default all)."""
    dtype = _float_dtype(W, b, X)
    rows = slice(0, X.shape[0]) if rows is None else rows
    N = rows.stop - rows.start if isinstance(rows, slice) else rows.size
    workers = _n_workers()
    if workers > 1 and N >= _PARALLEL_MIN_ROWS:
        loss_sum, dW, db = _parallel_loss_sums(W, b, X, y, rows, dtype, workers)
    else:
        loss_sum, dW, db = _loss_sums(W, b, X, y, rows, dtype)
    dW *= dtype.type(1.0 / N)
    db *= dtype.type(1.0 / N)
    loss = loss_sum / N
    if reg:
        loss += reg * float(np.vdot(W, W))
        dW += (2 * reg) * W
    return dtype.type(loss), dW, db


def softmax_loss_vectorized(W, b, X, y, reg=0.0):
    """Softmax loss and gradients without a loop over samples.

    The math is the one-shot matrix form (S = X W^T + b, P = softmax(S),
    dW = (P - Y)^T X / N, db = sum_n (P - Y)_n / N), applied to blocks of rows (32 for
    CIFAR-10: see _block_rows) so each block of X is still in cache when the backward
    product reads it again; from 1024 rows on, the blocks are shared among threads (one
    per BLAS thread, see _n_workers). Finite for any finite scores (log-sum-exp). Works in
    the inputs' float dtype: float32 in gives float32 out (half the memory traffic of
    float64).

    Args:
        W (K, D), b (K,), X (N, D), y (N,) int in 0..K-1, reg >= 0.

    Returns:
        loss (scalar of the input float dtype), dW (K, D), db (K,).
    """
    W, b, X, y = _validated(W, b, X, y, reg)
    return _loss_and_grads(W, b, X, y, reg)


# ---------------------------------------------------------------- minibatches and SGD


def _check_batch_size(batch_size):
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got batch_size={batch_size!r}")
    return int(batch_size)


def minibatches(N, batch_size, rng):
    """One epoch of minibatch indices: a fresh permutation of 0..N-1 cut into batches.

    Each call draws a new permutation from rng, so calling it once per epoch reshuffles
    every epoch (seed 001). The last batch keeps the remainder (N % batch_size samples).

    Yields:
        (B,) int index arrays, B = batch_size except possibly the last.
    """
    if int(N) != N or N < 1:
        raise ValueError(f"N must be a positive integer number of samples, got N={N!r}")
    batch_size = _check_batch_size(batch_size)
    if not hasattr(rng, "permutation"):
        raise ValueError(
            f"rng must be a numpy Generator such as np.random.default_rng(seed), got {rng!r}; "
            "create it once and reuse it so that every epoch gets a new shuffle"
        )
    order = rng.permutation(int(N))
    for start in range(0, int(N), batch_size):
        yield order[start:start + batch_size]


def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
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
        raise ValueError(
            f"X and y must have the same number of samples, got {X.shape[0]} and {y.shape[0]}"
        )
    if shuffle:
        batches = minibatches(X.shape[0], batch_size, rng)
    else:
        batch_size = _check_batch_size(batch_size)
        batches = (np.arange(s, min(s + batch_size, X.shape[0]))
                   for s in range(0, X.shape[0], batch_size))
    for idx in batches:
        yield X[idx], y[idx]


def sgd_epoch(W, b, X, y, lr, batch_size, rng, reg=0.0):
    """One epoch of minibatch SGD on the softmax loss: W <- W - lr dW, b <- b - lr db.

    Batch size 1 is SGD, batch_size >= N is full-batch GD (seed 003's naming table).

    Args:
        W (K, D), b (K,), X (N, D), y (N,), lr > 0, batch_size B, rng for the shuffle.

    Returns:
        W_new (K, D), b_new (K,), batch_losses (n_batches,) float64 — losses before each
        update. W and b are not modified.
    """
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive finite learning rate, got lr={lr!r}")
    X, y = np.asarray(X), np.asarray(y)
    W = np.array(W, copy=True)
    b = np.array(b, copy=True)
    _check_params(W, b)
    _check_data(W, X, y)
    batch_size = _check_batch_size(batch_size)
    _check_reg(reg)
    n_batches = -(-X.shape[0] // batch_size)
    batch_losses = np.empty(n_batches)
    for i, idx in enumerate(minibatches(X.shape[0], batch_size, rng)):
        # Validated once above; the loss gathers each block of the batch just before use.
        loss, dW, db = _loss_and_grads(W, b, X, y, reg, rows=idx)
        batch_losses[i] = loss
        W -= lr * dW    # our own copies, updated in place
        b -= lr * db
    return W, b, batch_losses
