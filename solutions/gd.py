"""Gradient descent, its stopping rules, Newton's step and sign-gradient descent (lesson 02).

Conventions
-----------
* Iterates are 1-D float arrays of shape (D,). A scalar x0 is treated as D = 1.
* `grad(x)`, `f(x)` and `hess(x)` receive that (D,) array; `grad` returns D numbers,
  `f` a float, `hess` a (D, D) array.
* Trajectories have shape (steps + 1, D): row 0 is x0.
"""

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from solutions._checks import positive, positive_finite, step_count
from solutions.finite_diff import forward_difference, numerical_gradient

STOP_REASONS = ("tol_f", "tol_x", "max_steps", "diverged")


def _as_vector(x0, name="x0"):
    """x0 as a fresh float64 array of shape (D,); a scalar becomes shape (1,)."""
    x = np.array(x0, dtype=np.float64, copy=True)
    if x.ndim == 0:
        x = x.reshape(1)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"{name} must be a scalar or a non-empty 1-D array, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def gd_step(x: ArrayLike, g: ArrayLike, lr: float) -> np.ndarray:
    """One gradient-descent update x - lr * g.  x, g: (D,) -> (D,)."""
    return np.asarray(x, dtype=np.float64) - lr * np.asarray(g, dtype=np.float64)


def gd_table(
    f: Callable[..., Any], x0: ArrayLike, lr: float, n_steps: int, h: float = 1e-3
) -> list[tuple[int, Any, float, Any]]:
    """Gradient descent with forward-difference derivatives, as the lecture tables show it.

    Row t holds the iterate x_t, f(x_t) and the forward-difference derivative at x_t that
    produces x_{t+1} = x_t - lr * df/dx.

    Args:
        f: scalar x -> float (x0 scalar), or (D,) array -> float (x0 an array).
        x0: starting point, scalar or (D,).
        lr: learning rate (gamma in seed 003).
        n_steps: number of updates; the table has n_steps + 1 rows.
        h: forward-difference step.

    Returns:
        list of (t, x, f(x), df/dx) tuples, t = 0..n_steps. Scalar x0 gives floats;
        an array x0 gives x and df/dx as (D,) arrays.

    Seed example: f = x**4 + x + 2, x0 = 1, lr = 0.2, h = 1e-3 gives x_6 = -0.629, close to
    the true minimum -1/2**(2/3) = -0.62996.
    """
    positive_finite(lr, "lr")
    n_steps = step_count(n_steps, "n_steps")
    if np.ndim(x0) != 0:
        return _numerical_gd_rows(f, _as_vector(x0), lr, n_steps, h, "forward")
    x = float(x0)
    rows = []
    for t in range(n_steps + 1):
        slope = float(forward_difference(f, x, h))
        rows.append((t, x, float(f(x)), slope))
        x = x - lr * slope
    return rows


def _numerical_gd_rows(f, x, lr, n_steps, h, method):
    """Rows (t, x_t, f(x_t), numerical gradient at x_t) of finite-difference GD from x (D,)."""
    rows = []
    for t in range(n_steps + 1):
        slope = numerical_gradient(f, x, h=h, method=method)
        rows.append((t, x.copy(), float(f(x)), slope))
        x = x - lr * slope
    return rows


def gradient_descent(
    grad: Callable[[np.ndarray], ArrayLike],
    x0: ArrayLike,
    lr: float,
    max_steps: int,
    tol_f: float | None = None,
    tol_x: float | None = None,
    f: Callable[[np.ndarray], float] | None = None,
    return_reason: bool = False,
) -> np.ndarray | tuple[np.ndarray, str]:
    """Gradient descent w_{t+1} = w_t - lr * grad(w_t) with seed 001's stopping rules.

    Stops after the first update w_t -> w_{t+1} for which
      * |f(w_{t+1}) - f(w_t)| < tol_f   (needs f), or
      * ||w_{t+1} - w_t|| < tol_x, or
      * w_{t+1} is not finite (divergence; that row is kept so plots show where it blew
        up), or
      * max_steps updates have been made (the rule t > H).
    Checks are made in that order; divergence is checked first of all.

    Args:
        grad: (D,) -> (D,) gradient.
        x0: scalar or (D,) start.
        lr: learning rate.
        max_steps: maximum number of updates.
        tol_f, tol_x: optional positive tolerances.
        f: (D,) -> float, required if tol_f is given.
        return_reason: also return why it stopped, one of STOP_REASONS.

    Returns:
        trajectory: (steps + 1, D) array, row 0 = x0; with return_reason, (trajectory, reason).
    """
    positive_finite(lr, "lr")
    max_steps = step_count(max_steps, "max_steps")
    for name, tol in (("tol_f", tol_f), ("tol_x", tol_x)):
        if tol is not None:
            positive(tol, name, note="or None")
    if tol_f is not None and f is None:
        raise ValueError("tol_f needs the loss: pass f=<callable> or drop tol_f")
    x = _as_vector(x0)
    trajectory = [x.copy()]
    f_x = float(f(x)) if f is not None and tol_f is not None else None
    reason = "max_steps"
    # A divergent run overflows on its way to inf; the non-finite row is the message.
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(max_steps):
            g = np.asarray(grad(x), dtype=np.float64).reshape(x.shape)
            x_next = x - lr * g
            trajectory.append(x_next.copy())
            if not np.all(np.isfinite(x_next)):
                reason = "diverged"
                break
            if f_x is not None:
                f_next = float(f(x_next))
                if abs(f_next - f_x) < tol_f:
                    reason = "tol_f"
                    break
                f_x = f_next
            if tol_x is not None and np.linalg.norm(x_next - x) < tol_x:
                reason = "tol_x"
                break
            x = x_next
    trajectory = np.array(trajectory)
    return (trajectory, reason) if return_reason else trajectory


def numerical_gradient_descent(
    f: Callable[..., Any], x0: ArrayLike, lr: float, n_steps: int, h: float = 1e-3, method: str = "forward"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradient descent that only knows f: derivatives by finite differences.

    This is how seed 003 computes its 2-D example (forward differences, h = 0.001).

    Args:
        f: (D,) -> float.
        x0: (D,) start.
        lr, n_steps: learning rate and number of updates.
        h, method: passed to numerical_gradient.

    Returns:
        trajectory (n_steps + 1, D), values (n_steps + 1,) of f, gradients (n_steps + 1, D)
        (row t is the numerical gradient at x_t; the last row is not used for a step).
    """
    positive_finite(lr, "lr")
    n_steps = step_count(n_steps, "n_steps")
    rows = _numerical_gd_rows(f, _as_vector(x0), lr, n_steps, h, method)
    trajectory = np.array([row[1] for row in rows])
    values = np.array([row[2] for row in rows])
    gradients = np.array([row[3] for row in rows])
    return trajectory, values, gradients


def newton_step(
    grad: Callable[[np.ndarray], ArrayLike], hess: Callable[[np.ndarray], ArrayLike], x: ArrayLike
) -> np.ndarray:
    """One Newton step x - H(x)^{-1} g(x), computed by solving H d = g (never inverting H).

    Args:
        grad: (D,) -> (D,); hess: (D,) -> (D, D). Scalar x is D = 1 (hess may return a
            scalar).
        x: scalar or (D,) point.

    Returns:
        (D,) next iterate. On a quadratic with positive definite H this is the minimiser.
    """
    x = _as_vector(x, name="x")
    g = np.asarray(grad(x), dtype=np.float64).reshape(x.shape)
    H = np.asarray(hess(x), dtype=np.float64).reshape(x.size, x.size)
    try:
        direction = np.linalg.solve(H, g)
    except np.linalg.LinAlgError as error:
        raise ValueError(
            "hess(x) is singular at this x: Newton's step is undefined; "
            "use gradient descent or add damping (H + lambda*I)"
        ) from error
    return x - direction


def newton_method(
    grad: Callable[[np.ndarray], ArrayLike],
    hess: Callable[[np.ndarray], ArrayLike],
    x0: ArrayLike,
    n_steps: int,
) -> np.ndarray:
    """Newton iterations from x0.  Returns the trajectory (n_steps + 1, D)."""
    n_steps = step_count(n_steps, "n_steps")
    x = _as_vector(x0)
    trajectory = [x]
    for _ in range(n_steps):
        x = newton_step(grad, hess, x)
        trajectory.append(x)
    return np.array(trajectory)


def sign_gd_step(x: ArrayLike, g: ArrayLike, lr: float) -> np.ndarray:
    """Sign-gradient descent x - lr * sign(g) (seed 002): every coordinate moves by lr.

    x, g: arrays of the same shape -> array of that shape. sign(0) = 0 leaves a
    coordinate with zero gradient in place.
    """
    x = np.asarray(x, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    if x.shape != g.shape:
        raise ValueError(f"x and g must have the same shape, got {x.shape} and {g.shape}")
    positive_finite(lr, "lr")
    return x - lr * np.sign(g)


def quadratic_2d(x: ArrayLike) -> float:
    """Seed 003's 2-D example f(x) = 0.06 x1**2 + 0.25 x2**2 - 0.04 x1 x2.  x: (2,) -> float."""
    x1, x2 = x[0], x[1]
    return 0.06 * x1**2 + 0.25 * x2**2 - 0.04 * x1 * x2


def quadratic_2d_grad(x: ArrayLike) -> np.ndarray:
    """Exact gradient of quadratic_2d.  x: (2,) -> (2,)."""
    x1, x2 = x[0], x[1]
    return np.array([0.12 * x1 - 0.04 * x2, 0.5 * x2 - 0.04 * x1])
