"""The softmax loss of solutions.softmax, computed fast: row chunks and threads.

solutions.softmax.softmax_loss_vectorized is the plain cs231n matrix form, written to be read.
This module computes the same loss and gradients for the places where speed matters, the
training loop (solutions.softmax.sgd_epoch) and benchmarks/bench_softmax.py, and is tested
equal to the plain form (tests/test_fast_softmax.py). Nothing here is specific to a lesson.

Its one public function is loss_and_grads(W, b, X, y, reg); it checks no arguments.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import ArrayLike

# How it is made fast (benchmarks/bench_softmax.py measures it):
# * The two products X W^T and dS^T X run on chunks of 32 rows (for K = 10, D = 3072).
#   OpenBLAS, numpy's BLAS, handles products that small with kernels that skip packing;
#   on the course machine this was 1.5-2x faster than one big product.
# * np.dot is used, not @: np.dot releases the GIL, so several threads can run products
#   at once. From 1024 rows on, the rows are split among threads (one per core).
# * Everything between the two products is done once per thread on all its scores, so
#   the threads rarely wait for the GIL.


def _chunk_rows(K, D):
    """Rows per product so that one (rows, D) x (D, K) product has M*N*K <= 1e6.

    D = 3072, K = 10 gives 32 rows. At least 32, so a huge K*D never means a loop over
    single samples.
    """
    return max(32, 1_000_000 // (K * D))


def _scores_chunked(W, b, X, dtype):
    """S = X W^T + b, product by product over row chunks.  -> (N, K) in dtype."""
    chunk = _chunk_rows(*W.shape)
    S = np.empty((X.shape[0], W.shape[0]), dtype=dtype)
    # Writing straight into S needs np.dot's own result dtype; mixed inputs take a copy.
    direct = X.dtype == W.dtype == dtype
    for start in range(0, X.shape[0], chunk):
        if direct:
            np.dot(X[start : start + chunk], W.T, out=S[start : start + chunk])
        else:
            S[start : start + chunk] = np.dot(X[start : start + chunk], W.T)
    S += b
    return S


def _softmax_cross_entropy_backward(S, y):
    """Turn scores into dL/dS, in place, and return the summed cross-entropy.

    S (N, K) becomes P - Y (softmax minus one-hot; not yet divided by N).

    Returns:
        sum over the N rows of -log softmax(S_n)[y_n], as a float.
    """
    rows = np.arange(S.shape[0])
    S -= S.max(axis=1, keepdims=True)  # log-sum-exp: no overflow
    log_sum = np.log(np.exp(S).sum(axis=1))  # (N,)
    loss_sum = float(np.sum(log_sum - S[rows, y], dtype=np.float64))
    S -= log_sum[:, None]
    np.exp(S, out=S)  # P
    S[rows, y] -= 1  # P - Y, one-hot by indexing
    return loss_sum


def _weight_grad_chunked(dS, X, dtype):
    """dS^T X, product by product over row chunks.  dS (N, K), X (N, D) -> (K, D)."""
    chunk = _chunk_rows(dS.shape[1], X.shape[1])
    dW = np.zeros((dS.shape[1], X.shape[1]), dtype=dtype)
    for start in range(0, X.shape[0], chunk):
        dW += np.dot(dS[start : start + chunk].T, X[start : start + chunk])
    return dW


def _loss_sums(W, b, X, y, dtype):
    """Sums over the rows of X of the per-sample loss and gradients.

    Returns:
        (loss_sum float, dW_sum (K, D), db_sum (K,)) in dtype.
    """
    S = _scores_chunked(W, b, X, dtype)
    loss_sum = _softmax_cross_entropy_backward(S, y)
    return loss_sum, _weight_grad_chunked(S, X, dtype), S.sum(axis=0)


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


def _parallel_loss_sums(W, b, X, y, dtype, workers):
    """_loss_sums over `workers` contiguous slices of the rows: the calling thread takes
    the first slice, pool threads the others."""
    global _pool, _pool_size
    if _pool is None or _pool_size < workers - 1:
        _pool = ThreadPoolExecutor(max_workers=workers - 1, thread_name_prefix="softmax-loss")
        _pool_size = workers - 1
    chunk = _chunk_rows(*W.shape)
    n_chunks = -(-X.shape[0] // chunk)
    # Slices start on chunk boundaries, so the products are the same as serially.
    bounds = [min(X.shape[0], n_chunks * i // workers * chunk) for i in range(workers + 1)]
    slices = [(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=False) if hi > lo]
    futures = [_pool.submit(_loss_sums, W, b, X[lo:hi], y[lo:hi], dtype) for lo, hi in slices[1:]]
    lo, hi = slices[0]
    parts = [_loss_sums(W, b, X[lo:hi], y[lo:hi], dtype)] + [future.result() for future in futures]
    return tuple(sum(values) for values in zip(*parts, strict=False))


def loss_and_grads(
    W: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float = 0.0
) -> tuple[np.floating, np.ndarray, np.ndarray]:
    """The numbers of solutions.softmax.softmax_loss_vectorized, faster; no argument checks.

    W (K, D), b (K,), X (N, D), y (N,) int in 0..K-1 must be arrays that have been checked
    (solutions.softmax.sgd_epoch checks them once per epoch, not once per batch), reg >= 0.
    Returns (loss, dW, db) in the inputs' float dtype, equal to the plain loss up to rounding.
    """
    dtype = np.result_type(W, b, X)
    if not np.issubdtype(dtype, np.floating):
        dtype = np.dtype(np.float64)
    N = X.shape[0]
    workers = _n_workers()
    if workers > 1 and N >= _PARALLEL_MIN_ROWS:
        loss_sum, dW, db = _parallel_loss_sums(W, b, X, y, dtype, workers)
    else:
        loss_sum, dW, db = _loss_sums(W, b, X, y, dtype)
    dW *= dtype.type(1.0 / N)
    db = db * dtype.type(1.0 / N)
    loss = loss_sum / N
    if reg:
        loss += reg * float(np.vdot(W, W))
        dW += (2 * reg) * W
    return dtype.type(loss), dW, db.astype(dtype, copy=False)
