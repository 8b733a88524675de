"""Two-dimensional test functions for optimizers, with analytic gradients.

Every landscape is a :class:`Landscape`: a name, ``f`` and ``grad`` vectorised over
the last axis (so one call evaluates a whole contour grid), a default start point,
a plot window and the known minima.

Shapes: ``f(W)`` takes ``W`` of shape (..., 2) and returns shape (...);
``grad(W)`` returns shape (..., 2). A single point is a 1-D array of shape (2,),
exactly what the optimizer protocol ``step(w, dw, state=None, **hparams)`` uses::

    from course.landscapes import rosenbrock
    land = rosenbrock()
    w = land.x0                      # array([-1.5, 2.0])
    land.f(w), land.grad(w)          # float, array of shape (2,)
    X, Y, Z = land.grid(200)         # Z[i, j] = f at (X[i, j], Y[i, j])

Available (see :data:`LANDSCAPES` and :func:`get_landscape`):

=====================  =================================================  =============================
name                   f(x1, x2)                                          minima
=====================  =================================================  =============================
``quadratic``          a·x1² + a·κ·x2²   (κ = condition number; a = 0.1    (0, 0)
                       and κ = 20 give the seeds' 0.1·x1² + 2·x2²)
``rosenbrock``         (a − x1)² + b·(x2 − x1²)²                          (a, a²)
``saddle``             x1² − x2²                                          none (saddle point at (0, 0))
``beale``              (1.5 − x1 + x1x2)² + (2.25 − x1 + x1x2²)²          (3, 0.5)
                       + (2.625 − x1 + x1x2³)²
``himmelblau``         (x1² + x2 − 11)² + (x1 + x2² − 7)²                 four, all with f = 0
=====================  =================================================  =============================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Landscape",
    "quadratic",
    "rosenbrock",
    "saddle",
    "beale",
    "himmelblau",
    "LANDSCAPES",
    "get_landscape",
]


def _as_points(W, name="W"):
    """Return W as a float array of shape (..., 2); ValueError otherwise."""
    W = np.asarray(W, dtype=float)
    if W.ndim == 0 or W.shape[-1] != 2:
        raise ValueError(
            f"{name} must have shape (..., 2) (a 2-D point or a grid of them), got shape {W.shape}"
        )
    return W


@dataclass(frozen=True)
class Landscape:
    """A 2-D test function with its analytic gradient and plotting defaults.

    Attributes:
        name: short display name, e.g. ``"Rosenbrock"``.
        f: ``f(W)`` for W of shape (..., 2) -> array of shape (...)
           (a float-like 0-d array for a single point of shape (2,)).
        grad: ``grad(W)`` for W of shape (..., 2) -> array of shape (..., 2).
        x0: default start point, shape (2,).
        xlim, ylim: default plot window ``(low, high)`` for x1 and x2.
        minima: known global minimisers, array of shape (M, 2); M = 0 when f is
            unbounded below (the saddle).
        f_min: the minimum value of f (``None`` when unbounded below). Loss plots
            use ``f(w) - f_min`` on a log scale.
        params: the parameters the landscape was built with (for titles).

    Example::

        land = quadratic(condition_number=50)
        land.f(np.array([1.0, 1.0]))     # 0.1 + 0.1*50 = 5.1
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    x0: np.ndarray
    xlim: tuple
    ylim: tuple
    minima: np.ndarray
    f_min: float | None
    params: dict = field(default_factory=dict)

    def grid(self, n=200, xlim=None, ylim=None):
        """Evaluate f on an n-by-n grid over the plot window.

        Returns:
            X, Y, Z: arrays of shape (n, n); Z[i, j] = f((X[i, j], Y[i, j])).
        """
        if int(n) < 2:
            raise ValueError(f"n must be at least 2 grid points per axis, got {n}")
        xlim = self.xlim if xlim is None else xlim
        ylim = self.ylim if ylim is None else ylim
        xs = np.linspace(xlim[0], xlim[1], int(n))
        ys = np.linspace(ylim[0], ylim[1], int(n))
        X, Y = np.meshgrid(xs, ys)
        Z = self.f(np.stack([X, Y], axis=-1))
        return X, Y, Z

    def contour_levels(self, Z, n_levels=25):
        """Contour levels for Z: log-spaced above f_min when f is bounded below, else linear.

        Log-spaced levels show both the narrow valley floor and the steep walls.
        """
        Z = np.asarray(Z, dtype=float)
        finite = Z[np.isfinite(Z)]
        if self.f_min is None:
            return np.linspace(finite.min(), finite.max(), n_levels)
        gap = finite - self.f_min
        low = max(np.percentile(gap, 0.5), 1e-6 * max(gap.max(), 1e-12), 1e-12)
        high = max(gap.max(), low * 10)
        return self.f_min + np.logspace(np.log10(low), np.log10(high), n_levels)

    def title(self):
        """Name with parameters, e.g. ``'quadratic (condition_number=20)'``."""
        shown = {k: v for k, v in self.params.items() if k != "scale"}
        if not shown:
            return self.name
        inner = ", ".join(f"{k}={v:g}" for k, v in shown.items())
        return f"{self.name} ({inner})"


def _check_positive(value, name):
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return value


def quadratic(condition_number: float = 20.0, scale: float = 0.1) -> Landscape:
    """Ill-conditioned quadratic f = scale·x1² + scale·condition_number·x2².

    The Hessian is diag(2·scale, 2·scale·condition_number), so its condition number
    is ``condition_number``. The defaults give the seeds' example 0.1·x1² + 2·x2².
    Gradient descent is stable for lr < 1 / (scale·condition_number).

    Example::

        land = quadratic(condition_number=100)
        land.grad(np.array([1.0, 1.0]))   # array([0.2, 20.0])
    """
    kappa = _check_positive(condition_number, "condition_number")
    if kappa < 1:
        raise ValueError(f"condition_number must be >= 1, got {kappa}")
    a = _check_positive(scale, "scale")
    curv = np.array([a, a * kappa])

    def f(W):
        W = _as_points(W)
        return (curv * W**2).sum(axis=-1)

    def grad(W):
        W = _as_points(W)
        return 2.0 * curv * W

    # The window keeps its aspect as kappa grows, so the valley visibly narrows.
    return Landscape(
        name="quadratic",
        f=f,
        grad=grad,
        x0=np.array([-8.0, 2.0]),
        xlim=(-10.0, 10.0),
        ylim=(-4.0, 4.0),
        minima=np.zeros((1, 2)),
        f_min=0.0,
        params={"condition_number": kappa, "scale": a},
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Landscape:
    """Rosenbrock's banana f = (a − x1)² + b·(x2 − x1²)², minimum (a, a²) with f = 0.

    Example::

        land = rosenbrock()
        land.f(np.array([1.0, 1.0]))      # 0.0
    """
    a = float(a)
    b = _check_positive(b, "b")

    def f(W):
        W = _as_points(W)
        x, y = W[..., 0], W[..., 1]
        return (a - x) ** 2 + b * (y - x**2) ** 2

    def grad(W):
        W = _as_points(W)
        x, y = W[..., 0], W[..., 1]
        inner = y - x**2
        return np.stack([-2.0 * (a - x) - 4.0 * b * x * inner, 2.0 * b * inner], axis=-1)

    return Landscape(
        name="rosenbrock",
        f=f,
        grad=grad,
        x0=np.array([-1.5, 2.0]),
        xlim=(-2.0, 2.0),
        ylim=(-1.0, 3.0),
        minima=np.array([[a, a * a]]),
        f_min=0.0,
        params={"a": a, "b": b} if (a, b) != (1.0, 100.0) else {},
    )


def saddle() -> Landscape:
    """The saddle f = x1² − x2²: a stationary point at (0, 0) that is not a minimum.

    f is unbounded below, so ``minima`` is empty and ``f_min`` is None. The default
    start lies just off the x1-axis, so plain gradient descent first heads for the
    saddle and only slowly escapes along x2.

    Example::

        land = saddle()
        land.grad(np.array([1.0, 1.0]))   # array([ 2., -2.])
    """

    def f(W):
        W = _as_points(W)
        return W[..., 0] ** 2 - W[..., 1] ** 2

    def grad(W):
        W = _as_points(W)
        return np.stack([2.0 * W[..., 0], -2.0 * W[..., 1]], axis=-1)

    return Landscape(
        name="saddle",
        f=f,
        grad=grad,
        x0=np.array([-1.8, 1e-3]),
        xlim=(-2.0, 2.0),
        ylim=(-2.0, 2.0),
        minima=np.zeros((0, 2)),
        f_min=None,
    )


_BEALE_C = np.array([1.5, 2.25, 2.625])


def beale() -> Landscape:
    """Beale's function, minimum (3, 0.5) with f = 0; flat plateaus and steep edges.

    f = Σ_{k=1..3} (c_k − x1 + x1·x2^k)², c = (1.5, 2.25, 2.625).

    Example::

        land = beale()
        land.f(np.array([3.0, 0.5]))      # 0.0
    """

    def f(W):
        W = _as_points(W)
        x, y = W[..., 0], W[..., 1]
        return sum((c - x + x * y**k) ** 2 for k, c in enumerate(_BEALE_C, start=1))

    def grad(W):
        W = _as_points(W)
        x, y = W[..., 0], W[..., 1]
        gx = np.zeros_like(x)
        gy = np.zeros_like(y)
        for k, c in enumerate(_BEALE_C, start=1):
            r = c - x + x * y**k
            gx = gx + 2.0 * r * (y**k - 1.0)
            gy = gy + 2.0 * r * (k * x * y ** (k - 1))
        return np.stack([gx, gy], axis=-1)

    return Landscape(
        name="beale",
        f=f,
        grad=grad,
        x0=np.array([1.0, 1.5]),
        xlim=(-4.5, 4.5),
        ylim=(-4.5, 4.5),
        minima=np.array([[3.0, 0.5]]),
        f_min=0.0,
    )


# Literature values (six decimals); tests check the gradient vanishes there.
_HIMMELBLAU_MINIMA = np.array(
    [
        [3.0, 2.0],
        [-2.805118, 3.131312],
        [-3.779310, -3.283186],
        [3.584428, -1.848126],
    ]
)


def himmelblau() -> Landscape:
    """Himmelblau's function: four global minima, all with f = 0.

    f = (x1² + x2 − 11)² + (x1 + x2² − 7)². Which minimum an optimizer finds
    depends on its start and its hyperparameters.

    Example::

        land = himmelblau()
        land.f(np.array([3.0, 2.0]))      # 0.0
    """

    def f(W):
        W = _as_points(W)
        x, y = W[..., 0], W[..., 1]
        return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2

    def grad(W):
        W = _as_points(W)
        x, y = W[..., 0], W[..., 1]
        r1 = x**2 + y - 11.0
        r2 = x + y**2 - 7.0
        return np.stack([4.0 * x * r1 + 2.0 * r2, 2.0 * r1 + 4.0 * y * r2], axis=-1)

    return Landscape(
        name="himmelblau",
        f=f,
        grad=grad,
        x0=np.array([0.0, -0.5]),
        xlim=(-5.0, 5.0),
        ylim=(-5.0, 5.0),
        minima=_HIMMELBLAU_MINIMA.copy(),
        f_min=0.0,
    )


#: name -> factory; each factory's keyword arguments are the landscape's parameters.
LANDSCAPES = {
    "quadratic": quadratic,
    "rosenbrock": rosenbrock,
    "saddle": saddle,
    "beale": beale,
    "himmelblau": himmelblau,
}


def get_landscape(name: str | Landscape, **params: float) -> Landscape:
    """Build a landscape by name, e.g. ``get_landscape("quadratic", condition_number=50)``.

    A :class:`Landscape` passed as ``name`` is returned unchanged (params must be empty).
    """
    if isinstance(name, Landscape):
        if params:
            raise ValueError("params cannot be combined with a ready-made Landscape")
        return name
    if name not in LANDSCAPES:
        raise ValueError(f"name must be one of {sorted(LANDSCAPES)}, got {name!r}")
    return LANDSCAPES[name](**params)
