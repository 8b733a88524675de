"""Stochastic gradient descent in theory and practice (lesson 08).

The finite-sum problem (seed 004):

    f(w) = 1/N sum_i f_i(w),      w of shape (D,), data X (N, D), y (N,)

with two per-example losses:

    "least_squares":  f_i(w) = 1/2 (x_i^T w - y_i)^2              grad = (x_i^T w - y_i) x_i
    "logistic":       f_i(w) = log(1 + e^{x_i^T w}) - y_i x_i^T w  grad = (sigmoid(x_i^T w) - y_i) x_i
                      (labels y_i in {0, 1})

A minibatch gradient is the mean of B per-example gradients; with indices drawn uniformly it is
an unbiased estimate of grad f(w), and its variance falls as 1/B. `run_sgd` iterates
w_{t+1} = w_t - lr_t g_t with a constant or decreasing step; `grid_search` and `random_search`
are the two baseline hyperparameter searches of seed 002 (Bergstra & Bengio 2012).

Every function is pure: array arguments are never modified.
"""

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from solutions._checks import integer, one_of

LOSSES = ("least_squares", "logistic")


# ---------------------------------------------------------------- validation


def _check_problem(w, X, y):
    """Return w, X, y as float arrays after checking that their shapes agree."""
    w = np.asarray(w, dtype=float)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if w.ndim != 1:
        raise ValueError(f"w must have shape (D,), got shape {w.shape}")
    if X.ndim != 2 or X.shape[1] != w.shape[0]:
        raise ValueError(f"X must have shape (N, D) with D = {w.shape[0]} to match w, got shape {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape (N,) = ({X.shape[0]},) to match X, got shape {y.shape}")
    return w, X, y


def _sigmoid(z):
    """Logistic function, without overflow for large |z|."""
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    exp_z = np.exp(z[~positive])
    out[~positive] = exp_z / (1.0 + exp_z)
    return out


# ---------------------------------------------------------------- the finite-sum problem


def finite_sum_loss(w: ArrayLike, X: ArrayLike, y: ArrayLike, loss: str = "least_squares") -> float:
    """f(w) = 1/N sum_i f_i(w), a float.

    w: (D,) parameters; X: (N, D) inputs; y: (N,) targets (labels in {0, 1} for "logistic").
    """
    one_of(loss, "loss", LOSSES)
    w, X, y = _check_problem(w, X, y)
    z = X @ w
    if loss == "least_squares":
        return float(0.5 * np.mean((z - y) ** 2))
    # log(1 + e^z) = logaddexp(0, z), finite for any finite z
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def per_example_gradients(
    w: ArrayLike, X: ArrayLike, y: ArrayLike, loss: str = "least_squares"
) -> np.ndarray:
    """The gradients of every f_i at w, one per row.

    w: (D,); X: (N, D); y: (N,). Returns G of shape (N, D) with G[i] = grad f_i(w).
    """
    one_of(loss, "loss", LOSSES)
    w, X, y = _check_problem(w, X, y)
    z = X @ w
    residual = z - y if loss == "least_squares" else _sigmoid(z) - y
    return residual[:, None] * X


def minibatch_gradient(
    w: ArrayLike, X: ArrayLike, y: ArrayLike, indices: ArrayLike, loss: str = "least_squares"
) -> np.ndarray:
    """The minibatch gradient 1/B sum_{i in indices} grad f_i(w).

    w: (D,); X: (N, D); y: (N,); indices: (B,) integers in 0..N-1, repeats allowed (sampling
    with replacement counts a repeated example twice). Returns (D,).
    With all N indices it is the full gradient grad f(w).
    """
    one_of(loss, "loss", LOSSES)
    w, X, y = _check_problem(w, X, y)
    indices = np.asarray(indices)
    if indices.ndim != 1 or indices.size == 0:
        raise ValueError(f"indices must be a non-empty 1-D array of row numbers, got shape {indices.shape}")
    if not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(f"indices must be integers, got dtype {indices.dtype}")
    if indices.min() < 0 or indices.max() >= X.shape[0]:
        raise ValueError(
            f"indices must lie in 0..{X.shape[0] - 1}, got range {indices.min()}..{indices.max()}"
        )
    return per_example_gradients(w, X[indices], y[indices], loss).mean(axis=0)


def minibatch_gradient_variance(per_example_grads: ArrayLike, batch_size: int, replace: bool = True) -> float:
    """Exact E||g_B - grad f||^2 of a minibatch gradient g_B of B uniformly drawn examples.

    per_example_grads: (N, D) matrix G whose rows are grad f_i(w); grad f = G.mean(axis=0).
    batch_size: B >= 1 (B <= N when replace=False).
    With sigma^2 = 1/N sum_i ||g_i - grad f||^2 (the variance of a single-example gradient):
        replace=True  (indices i.i.d. uniform):       sigma^2 / B
        replace=False (B distinct indices, a shuffled
                       epoch's minibatch):            sigma^2 / B * (N - B) / (N - 1)
    The second vanishes at B = N: the whole data set is the full gradient. Returns a float.
    """
    G = np.asarray(per_example_grads, dtype=float)
    if G.ndim != 2 or G.shape[0] == 0:
        raise ValueError(f"per_example_grads must have shape (N, D) with N >= 1, got shape {G.shape}")
    batch_size = integer(batch_size, "batch_size", minimum=1)
    n = G.shape[0]
    if not replace and batch_size > n:
        raise ValueError(
            f"batch_size={batch_size} exceeds N={n}: without replacement a batch holds at most N examples"
        )
    sigma2 = float(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)))
    if replace:
        return sigma2 / batch_size
    if n == 1:
        return 0.0
    return sigma2 / batch_size * (n - batch_size) / (n - 1)


# ---------------------------------------------------------------- SGD with a step schedule


def run_sgd(
    stochastic_grad: Callable[[np.ndarray, int], ArrayLike],
    w0: ArrayLike,
    n_steps: int,
    lr: float | Callable[[int], float],
) -> np.ndarray:
    """Iterate w_{t+1} = w_t - lr_t * stochastic_grad(w_t, t) for t = 0, ..., n_steps - 1.

    stochastic_grad: function (w (D,), t int) -> (D,) gradient estimate at w on step t
                     (the step number lets a caller fix the sampled minibatch per step).
    w0:      (D,) start (a scalar is treated as D = 1).
    n_steps: number of steps T >= 0.
    lr:      a positive number (constant step) or a function t -> lr_t > 0 (a schedule).
    Returns the path, shape (T + 1, D): row 0 is w0, row t is w_t.
    """
    w = np.atleast_1d(np.array(w0, dtype=float))
    if w.ndim != 1:
        raise ValueError(f"w0 must be a scalar or have shape (D,), got shape {w.shape}")
    n_steps = integer(n_steps, "n_steps", minimum=0)
    schedule = lr if callable(lr) else (lambda t: lr)
    path = np.empty((n_steps + 1, w.shape[0]))
    path[0] = w
    for t in range(n_steps):
        step = float(schedule(t))
        if not step > 0:
            raise ValueError(f"lr must be positive, got lr={step!r} at step t={t}")
        g = np.asarray(stochastic_grad(w.copy(), t), dtype=float)
        if g.shape != w.shape:
            raise ValueError(f"stochastic_grad returned shape {g.shape}, expected {w.shape}")
        w = w - step * g
        path[t + 1] = w
    return path


# ---------------------------------------------------------------- hyperparameter search


def _check_bounds(low, high, log_scale):
    low = np.atleast_1d(np.asarray(low, dtype=float))
    high = np.atleast_1d(np.asarray(high, dtype=float))
    if low.ndim != 1 or low.shape != high.shape:
        raise ValueError(
            f"low and high must be 1-D arrays of the same shape, got {low.shape} and {high.shape}"
        )
    if not np.all(low < high):
        raise ValueError(f"every low must be below its high, got low={low} and high={high}")
    log_scale = np.broadcast_to(np.asarray(log_scale, dtype=bool), low.shape)
    if np.any(log_scale & (low <= 0)):
        raise ValueError(f"log_scale axes need low > 0, got low={low} with log_scale={log_scale}")
    return low, high, log_scale


def _evaluate(objective, points):
    values = np.array([float(objective(point.copy())) for point in points])
    best = int(np.argmin(values))
    return points[best].copy(), float(values[best]), points, values


def grid_search(
    objective: Callable[[np.ndarray], float],
    low: ArrayLike,
    high: ArrayLike,
    n_per_axis: int,
    log_scale: bool = False,
) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Evaluate `objective` on a Cartesian grid and return the best point.

    objective:  function (d,) array -> float, to be minimised.
    low, high:  (d,) bounds (scalars for d = 1).
    n_per_axis: grid points per axis, an int or (d,) ints, each >= 1 (1 means the axis midpoint
                is not used: np.linspace(low, high, 1) gives low).
    log_scale:  bool or (d,) bools: geometric spacing on that axis (np.geomspace), for
                parameters such as a learning rate.
    Axis j holds np.linspace(low[j], high[j], n[j]) (or np.geomspace); points are taken in
    itertools.product order (the first axis changes slowest).
    Returns (best_point (d,), best_value, points (M, d), values (M,)) with M = prod(n);
    ties go to the first minimum (np.argmin).
    """
    low, high, log_scale = _check_bounds(low, high, log_scale)
    n = np.broadcast_to(np.asarray(n_per_axis), low.shape)
    if not np.issubdtype(n.dtype, np.integer) or np.any(n < 1):
        raise ValueError(f"n_per_axis must be integers >= 1, got {n_per_axis!r}")
    axes = [
        (np.geomspace if log else np.linspace)(lo, hi, int(count))
        for lo, hi, count, log in zip(low, high, n, log_scale, strict=False)
    ]
    mesh = np.meshgrid(*axes, indexing="ij")
    points = np.stack([m.ravel() for m in mesh], axis=1)
    return _evaluate(objective, points)


def random_search(
    objective: Callable[[np.ndarray], float],
    low: ArrayLike,
    high: ArrayLike,
    n_trials: int,
    seed: int = 0,
    log_scale: bool = False,
) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Evaluate `objective` at uniformly random points and return the best one.

    objective: function (d,) array -> float, to be minimised.
    low, high: (d,) bounds (scalars for d = 1).
    n_trials:  number of points M >= 1.
    seed:      the points are drawn as
                   u = np.random.default_rng(seed).random((n_trials, d))
                   point = low + u * (high - low)       on linear axes
                   point = low * (high / low) ** u      on log_scale axes (log-uniform)
    Returns (best_point (d,), best_value, points (M, d), values (M,)); ties go to the first minimum.
    """
    low, high, log_scale = _check_bounds(low, high, log_scale)
    n_trials = integer(n_trials, "n_trials", minimum=1)
    u = np.random.default_rng(seed).random((n_trials, low.shape[0]))
    linear = low + u * (high - low)
    with np.errstate(divide="ignore", invalid="ignore"):
        geometric = low * (high / low) ** u
    points = np.where(log_scale, geometric, linear)
    return _evaluate(objective, points)
