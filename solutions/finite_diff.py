"""Finite differences, numerical gradients and gradient checking (lesson 01).

Conventions
-----------
* Scalar differences (`forward_difference`, ...) take a function of one float and a float.
* `numerical_gradient` takes a function from an array of any shape to a float and returns an
  array of the same shape. It perturbs a private copy of `x`; the caller's array is never touched.
* Defaults for `h`: 1e-3 for the one-sided differences (the seeds' value, which reproduces the
  lecture tables) and 1e-5 for the central difference (close to the float64 optimum
  eps**(1/3) ~ 6e-6, where truncation O(h**2) meets round-off O(eps/h)).
"""

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from solutions._checks import integer, one_of, positive_finite

METHODS = ("forward", "backward", "central")


def forward_difference(f: Callable[..., Any], x: ArrayLike, h: float = 1e-3) -> Any:
    """(f(x + h) - f(x)) / h, truncation error O(h).

    Seed example: f(x) = x**2 at x = 3 with h = 0.001 gives 6.001.
    """
    positive_finite(h, "h")
    return (f(x + h) - f(x)) / h


def backward_difference(f: Callable[..., Any], x: ArrayLike, h: float = 1e-3) -> Any:
    """(f(x) - f(x - h)) / h, truncation error O(h)."""
    positive_finite(h, "h")
    return (f(x) - f(x - h)) / h


def central_difference(f: Callable[..., Any], x: ArrayLike, h: float = 1e-5) -> Any:
    """(f(x + h) - f(x - h)) / (2h), truncation error O(h**2): the even terms cancel."""
    positive_finite(h, "h")
    return (f(x + h) - f(x - h)) / (2 * h)


def _central_partial(f, x_work, index, h):
    """Central-difference partial derivative of f at x_work along coordinate `index`.

    x_work is a private float copy; it is restored exactly before returning, so one copy
    serves all coordinates.
    """
    original = x_work[index]
    x_work[index] = original + h
    f_plus = f(x_work)
    x_work[index] = original - h
    f_minus = f(x_work)
    x_work[index] = original
    return (f_plus - f_minus) / (2 * h)


def numerical_gradient(
    f: Callable[..., Any], x: ArrayLike, h: float = 1e-5, method: str = "central"
) -> np.ndarray:
    """Numerical gradient of a scalar function of an array.

    Args:
        f: callable taking an array shaped like x and returning a float.
        x: array of any shape (D,), (K, D), ... ; not modified.
        h: finite-difference step.
        method: "forward", "backward" or "central".

    Returns:
        grad: float array shaped like x; grad[i] ~ df/dx[i].

    Costs one (forward/backward: plus one shared) or two evaluations of f per coordinate;
    for softmax regression on CIFAR-10 that is K*D + K = 30,730 coordinates, which is why
    it is only used to *check* an analytic gradient.
    """
    one_of(method, "method", METHODS)
    positive_finite(h, "h")
    x_work = np.array(x, dtype=np.float64, copy=True)
    grad = np.zeros_like(x_work)
    if method == "central":
        for index in np.ndindex(x_work.shape):
            grad[index] = _central_partial(f, x_work, index, h)
        return grad
    # One-sided: f(x) is shared by every coordinate, evaluate it once.
    f_x = f(x_work)
    sign = 1.0 if method == "forward" else -1.0
    for index in np.ndindex(x_work.shape):
        original = x_work[index]
        x_work[index] = original + sign * h
        f_shifted = f(x_work)
        x_work[index] = original
        grad[index] = sign * (f_shifted - f_x) / h
    return grad


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    """max_i |a_i - b_i| / max(1e-8, |a_i| + |b_i|): scale-free, and 0 when both are 0.

    Rules of thumb (float64, central differences): < 1e-7 fine, 1e-7..1e-4 suspicious
    unless the function has kinks, > 1e-4 usually a bug.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        raise ValueError("a and b must not be empty")
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def gradient_check(
    f: Callable[..., Any],
    analytic_grad: ArrayLike,
    x: ArrayLike,
    n_checks: int = 10,
    h: float = 1e-5,
    seed: int = 0,
) -> np.ndarray:
    """Compare an analytic gradient with central differences at random coordinates.

    Args:
        f: callable, array shaped like x -> float.
        analytic_grad: array shaped like x, the analytic gradient of f at x.
        x: array of any shape; not modified.
        n_checks: number of coordinates sampled (with replacement) by
            np.random.default_rng(seed).
        h: central-difference step.

    Returns:
        errors: (n_checks,) relative errors, one per sampled coordinate.

    Costs 2 * n_checks evaluations of f instead of 2 * x.size.
    """
    analytic_grad = np.asarray(analytic_grad, dtype=np.float64)
    x_work = np.array(x, dtype=np.float64, copy=True)
    if analytic_grad.shape != x_work.shape:
        raise ValueError(
            f"analytic_grad must be shaped like x: got {analytic_grad.shape}, x is {x_work.shape}"
        )
    n_checks = integer(n_checks, "n_checks", minimum=1)
    positive_finite(h, "h")
    rng = np.random.default_rng(seed)
    errors = np.empty(n_checks)
    for i in range(n_checks):
        index = tuple(int(rng.integers(n)) for n in x_work.shape)
        numeric = _central_partial(f, x_work, index, h)
        errors[i] = relative_error(numeric, analytic_grad[index])
    return errors


def graph_forward_backward(a: float, b: float) -> tuple[float, float, float]:
    """Reverse-mode autodiff by hand on seed 002's graph c = a + b, d = b + 1, e = c * d.

    Forward pass stores the intermediate values; the backward pass starts from de/de = 1
    and multiplies local derivatives along each edge, summing where paths meet (b feeds
    both c and d).

    Returns:
        (e, de_da, de_db) as floats.
    """
    # forward
    c = a + b
    d = b + 1
    e = c * d
    # backward: local derivatives de/dc = d, de/dd = c, dc/da = dc/db = 1, dd/db = 1
    de_de = 1.0
    de_dc = de_de * d
    de_dd = de_de * c
    de_da = de_dc * 1.0
    de_db = de_dc * 1.0 + de_dd * 1.0
    return float(e), float(de_da), float(de_db)


def steepest_descent_direction(g: ArrayLike) -> np.ndarray:
    """Unit vector d = -g / ||g||, the direction of fastest decrease (Cauchy-Schwarz).

    Args:
        g: gradient array of any shape.

    Returns:
        array shaped like g with Euclidean norm 1.
    """
    g = np.asarray(g, dtype=np.float64)
    norm = np.linalg.norm(g)
    if not np.isfinite(norm):
        raise ValueError("gradient g must be finite to define a descent direction")
    if norm == 0:
        raise ValueError("gradient g is zero: x is a stationary point and no direction is steepest")
    return -g / norm
