"""BatchNoiseExplorer: minibatch gradients scattered around the full gradient."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import numpy as np

from ._figure import WidgetBase
from ._style import OKABE_ITO, scaled


def least_squares_problem(
    n_examples: int = 512, seed: int = 0, noise: float = 0.5
) -> tuple[Callable[[np.ndarray], np.ndarray], np.ndarray, np.ndarray]:
    """A 2-parameter least-squares problem: its per-example gradient function and data.

    Loss per example: ½(x_iᵀw − y_i)², so its gradient is (x_iᵀw − y_i)·x_i.
    Inputs x_i ~ N(0, diag(1, 0.25)) with a correlation, targets y = Xw* + noise,
    w* = (2, −1).

    Returns:
        (per_example_grads, X, y): per_example_grads(w) maps w of shape (2,) to
        an array of shape (n_examples, 2); X has shape (n_examples, 2), y (n_examples,).

    Example::

        grads, X, y = least_squares_problem(256)
        grads(np.zeros(2)).mean(axis=0)   # the full-batch gradient at w = 0
    """
    n_examples = int(n_examples)
    if n_examples < 2:
        raise ValueError(f"n_examples must be at least 2, got {n_examples}")
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_examples, 2)) @ np.array([[1.0, 0.3], [0.0, 0.5]])
    y = X @ np.array([2.0, -1.0]) + noise * rng.normal(size=n_examples)

    def per_example_grads(w):
        w = np.asarray(w, dtype=float)
        residual = X @ w - y
        return residual[:, None] * X

    return per_example_grads, X, y


def default_batch_sizes(n_examples: int) -> list[int]:
    """Powers of two below n_examples, then n_examples itself (the full batch)."""
    sizes = [1]
    while sizes[-1] * 2 < n_examples:
        sizes.append(sizes[-1] * 2)
    if sizes[-1] != n_examples:
        sizes.append(n_examples)
    return sizes


class BatchNoiseExplorer(WidgetBase):
    """Minibatch gradients around the full gradient; their spread shrinks as 1/B.

    Args:
        per_example_grads: ``per_example_grads(w) -> array (N, 2)`` of the gradients
            of the N per-example losses at w (2 parameters, so a gradient is a point).
            Default: :func:`least_squares_problem` with N = 512.
        w: the point where gradients are taken, shape (2,); default (0, 0).
        batch_sizes: the batch sizes the slider offers; default powers of two up
            to N, then N.
        n_draws: minibatches drawn per batch size (a slider, 10 … 2000).
        seed: seed of the draws ("resample" adds 1).
        replace: sample each minibatch with replacement (default: without, as an
            epoch of shuffled minibatches does).
        variance: ``variance(per_example, batch_size, replace=...) -> float``, the
            theoretical tr Cov of a minibatch mean: your ``minibatch_gradient_variance``
            from lesson 08 (``course`` does not hold the answer). Its values are drawn as
            the "theory" line and stored in ``theory_variance``. Without it (None) the
            right panel shows the measured values and a 1/B guide through the measured
            B = 1 value, and ``theory_variance`` is None.
        axis_labels: the scatter plot's (x, y) axis labels, i.e. what the two gradient
            components are; default ("∂L/∂w1", "∂L/∂w2"). Lesson 03 passes the
            components along its two directions U1, U2.

    Controls:
        ``sliders["batch_size"]``, ``sliders["n_draws"]``, ``replace_checkbox``,
        ``resample_button``.

    Attributes:
        full_grad: array (2,), the mean of the per-example gradients.
        minibatch_grads: array (n_draws, 2) for the current batch size.
        scatter: the PathCollection of the left plot (``get_offsets()`` equals
            ``minibatch_grads``).
        measured_variance: ``{B: tr Cov}`` over batch sizes, measured from the draws.
        theory_variance: ``{B: variance(per_example, B, replace)}``, or None without
            ``variance``.

    Example::

        from course.widgets import BatchNoiseExplorer
        noise = BatchNoiseExplorer()                    # least squares, N = 512
        noise
        noise.sliders["batch_size"].value = 64
        noise.minibatch_grads.mean(axis=0), noise.full_grad   # unbiased: close

        # your own problem: per-example gradients of logistic regression, say
        noise = BatchNoiseExplorer(lambda w: my_per_example_grads(w, X, y), w=np.array([0.5, -1.0]))

        # lesson 08: compare the draws with your formula
        noise = BatchNoiseExplorer(variance=minibatch_gradient_variance)
    """

    def __init__(
        self,
        per_example_grads=None,
        w=None,
        batch_sizes=None,
        n_draws=200,
        seed=0,
        replace=False,
        variance=None,
        axis_labels=("∂L/∂w1", "∂L/∂w2"),
    ):
        if per_example_grads is None:
            per_example_grads, _, _ = least_squares_problem()
        if not callable(per_example_grads):
            raise ValueError(
                f"per_example_grads must be a function w -> array (N, 2), got {per_example_grads!r}"
            )
        if variance is not None and not callable(variance):
            raise ValueError(
                f"variance must be a function (per_example, batch_size, replace=...) -> float, "
                f"such as your minibatch_gradient_variance, or None; got {variance!r}"
            )
        self.variance = variance
        if len(axis_labels) != 2 or not all(isinstance(label, str) for label in axis_labels):
            raise ValueError(f"axis_labels must be two strings (x label, y label), got {axis_labels!r}")
        self.axis_labels = tuple(axis_labels)
        w = np.zeros(2) if w is None else np.asarray(w, dtype=float)
        if w.shape != (2,):
            raise ValueError(f"w must have shape (2,), got {w.shape}")
        G = np.asarray(per_example_grads(w), dtype=float)
        if G.ndim != 2 or G.shape[1] != 2 or G.shape[0] < 2:
            raise ValueError(
                f"per_example_grads(w) must return an array of shape (N, 2) with N >= 2, got shape {G.shape}"
            )
        if not np.all(np.isfinite(G)):
            raise ValueError("per_example_grads(w) returned non-finite values")
        n = G.shape[0]
        batch_sizes = default_batch_sizes(n) if batch_sizes is None else [int(b) for b in batch_sizes]
        if not batch_sizes or min(batch_sizes) < 1 or max(batch_sizes) > n:
            raise ValueError(f"batch_sizes must be integers in [1, N={n}], got {batch_sizes}")
        batch_sizes = sorted(set(batch_sizes))
        if not 10 <= int(n_draws) <= 2000:
            raise ValueError(f"n_draws must be in [10, 2000], got {n_draws}")

        self.w = w
        self.per_example = G
        self.n_examples = n
        self.full_grad = G.mean(axis=0)
        self.batch_sizes = batch_sizes
        self.seed = int(seed)
        self.sliders = {
            "batch_size": widgets.SelectionSlider(
                options=batch_sizes,
                value=batch_sizes[0],
                description="batch size B",
                continuous_update=True,
                style={"description_width": "initial"},
            ),
            "n_draws": widgets.IntSlider(
                value=int(n_draws), min=10, max=2000, step=10, description="draws", continuous_update=False
            ),
        }
        self.replace_checkbox = widgets.Checkbox(
            value=bool(replace), description="with replacement", indent=False
        )
        self.resample_button = widgets.Button(description="resample", icon="refresh")
        self._make_status()
        self._build_figure()
        self._draw_all()
        self._show_batch()

        self.sliders["batch_size"].observe(lambda _: self._show_batch(), names="value")
        self.sliders["n_draws"].observe(lambda _: self._resample(), names="value")
        self.replace_checkbox.observe(lambda _: self._resample(), names="value")
        self.resample_button.on_click(lambda _: self.resample())
        self.ui = widgets.VBox(
            [
                widgets.HBox(
                    [
                        self.sliders["batch_size"],
                        self.sliders["n_draws"],
                        self.replace_checkbox,
                        self.resample_button,
                    ]
                ),
                self.figure.image,
                self.status,
            ]
        )

    # ----------------------------------------------------------------- public
    @property
    def batch_size(self):
        return self.sliders["batch_size"].value

    def resample(self):
        """New random minibatches (seed + 1)."""
        self.seed += 1
        self._resample()

    # ---------------------------------------------------------------- compute
    def _draw_all(self):
        """Draw n_draws minibatches once and read every batch size off prefix sums."""
        rng = np.random.default_rng(self.seed)
        n_draws = self.sliders["n_draws"].value
        replace = self.replace_checkbox.value
        if replace:
            index = rng.integers(0, self.n_examples, size=(n_draws, self.n_examples))
        else:
            # Each row is a random permutation; its first B entries are a uniform B-subset.
            index = rng.permuted(np.tile(np.arange(self.n_examples), (n_draws, 1)), axis=1)
        prefix = np.cumsum(self.per_example[index], axis=1)  # (n_draws, N, 2)
        self._draws = {b: prefix[:, b - 1] / b for b in self.batch_sizes}
        # Round-off leaves ~1e-30 at B = N without replacement, where the noise is exactly 0.
        floor = 1e-12 * float(np.sum(self.per_example.var(axis=0)))
        self.measured_variance = {}
        for b, d in self._draws.items():
            value = float(np.sum(d.var(axis=0)))
            self.measured_variance[b] = value if value > floor else 0.0
        self.theory_variance = None if self.variance is None else self._theory(replace)
        self._update_variance_plot()

    def _theory(self, replace):
        theory = {}
        for b in self.batch_sizes:
            value = self.variance(self.per_example, b, replace=replace)
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ValueError(
                    f"variance(per_example, {b}, replace={replace}) returned {value!r}, not a number"
                ) from None
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(
                    f"variance(per_example, {b}, replace={replace}) returned {value}: "
                    "a variance is finite and >= 0"
                )
            theory[b] = value
        return theory

    def _resample(self):
        self._draw_all()
        self._show_batch()

    def _show_batch(self):
        b = self.batch_size
        self.minibatch_grads = self._draws[b]
        self.scatter.set_offsets(self.minibatch_grads)
        mean = self.minibatch_grads.mean(axis=0)
        self.mean_marker.set_data([mean[0]], [mean[1]])
        self.ellipse_line.set_data(*self._ellipse(np.cov(self.minibatch_grads.T), mean))
        self.current_point.set_data([b], [max(self.measured_variance[b], 1e-300)])
        self.current_point.set_visible(self.measured_variance[b] > 0)
        theory = (
            f"theory {self.theory_variance[b]:.4g}"
            if self.theory_variance is not None
            else "theory: pass variance=your minibatch_gradient_variance"
        )
        self.ax_scatter.title.set_text(f"{len(self.minibatch_grads)} minibatch gradients, B = {b}")
        self.figure.invalidate_layer()
        self._set_status(
            f"B = {b}: mean of minibatch gradients ({mean[0]:+.4f}, {mean[1]:+.4f}) vs full gradient "
            f"({self.full_grad[0]:+.4f}, {self.full_grad[1]:+.4f}); "
            f"tr Cov measured {self.measured_variance[b]:.4g}, {theory}"
        )
        self.figure.render()

    @staticmethod
    def _ellipse(cov, center, n_sigma=2.0, n_points=80):
        """Points of the n_sigma covariance ellipse, as (xs, ys)."""
        values, vectors = np.linalg.eigh(cov)
        radii = n_sigma * np.sqrt(np.maximum(values, 0))
        angle = np.linspace(0, 2 * np.pi, n_points)
        circle = np.stack([np.cos(angle), np.sin(angle)])  # (2, n_points)
        points = vectors @ (radii[:, None] * circle) + center[:, None]
        return points[0], points[1]

    # ------------------------------------------------------------------ draw
    def _rebuild_figure(self):
        self._build_figure()
        self._variance_axes_state = None
        self._update_variance_plot()
        self._show_batch()

    def _build_figure(self):
        self._new_figure(figsize=(10.5, 4.3))
        fig = self.figure.fig
        self.ax_scatter, self.ax_var = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.0]})
        ax = self.ax_scatter
        ax.set_title(" ")
        self.figure.layer(ax.title)
        ax.set_xlabel(self.axis_labels[0])
        ax.set_ylabel(self.axis_labels[1])
        ax.grid(alpha=0.3)
        # Fixed window: the B = 1 cloud (±3 std around the full gradient), so shrinking shows.
        spread = 3.0 * np.sqrt(np.linalg.eigvalsh(np.cov(self.per_example.T)).max())
        ax.set_xlim(self.full_grad[0] - spread, self.full_grad[0] + spread)
        ax.set_ylim(self.full_grad[1] - spread, self.full_grad[1] + spread)
        ax.set_aspect("equal", adjustable="box")
        self.scatter = self.figure.dynamic(
            ax.scatter([], [], s=9, color=OKABE_ITO["blue"], alpha=0.45, label="minibatch gradients")
        )
        (self.ellipse_line,) = ax.plot(
            [], [], "-", color=OKABE_ITO["blue"], lw=scaled(1.2), label="2σ ellipse of draws"
        )
        self.figure.dynamic(self.ellipse_line)
        ax.plot(
            [self.full_grad[0]],
            [self.full_grad[1]],
            "*",
            color=OKABE_ITO["vermillion"],
            ms=scaled(16),
            mec="k",
            label="full gradient",
            zorder=4,
        )
        (self.mean_marker,) = ax.plot(
            [], [], "P", color="gold", mec="k", ms=scaled(10), label="mean of draws", zorder=5
        )
        self.figure.dynamic(self.mean_marker)
        ax.legend(loc="upper right", fontsize="small", framealpha=0.85)

        av = self.ax_var
        av.set_xscale("log", base=2)
        av.set_yscale("log")
        av.set_title("Gradient noise against batch size")
        av.set_xlabel("batch size B")
        av.set_ylabel("tr Cov[minibatch gradient]")
        av.grid(alpha=0.3, which="both")
        (self.theory_line,) = av.plot(
            [], [], "-", color="k", lw=scaled(1.2), label="theory: tr Σ / B · (N−B)/(N−1)"
        )
        (self.measured_line,) = av.plot([], [], "o", color=OKABE_ITO["blue"], ms=scaled(5), label="measured")
        self.figure.layer(self.theory_line)
        self.figure.layer(self.measured_line)
        (self.current_point,) = av.plot(
            [],
            [],
            "o",
            color=OKABE_ITO["vermillion"],
            ms=scaled(11),
            mfc="none",
            mew=scaled(2),
            label="current B",
        )
        self.figure.dynamic(self.current_point)
        av.legend(loc="lower left", fontsize="small")
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.13, top=0.9, wspace=0.28)

    def _update_variance_plot(self):
        sizes = np.array(self.batch_sizes, dtype=float)
        measured = np.array([self.measured_variance[b] for b in self.batch_sizes])
        if self.theory_variance is not None:
            theory = np.array([self.theory_variance[b] for b in self.batch_sizes])
            label = "theory: tr Σ / B" + ("" if self.replace_checkbox.value else " · (N−B)/(N−1)")
        else:  # a guide, not the formula: the measured B = 1 value divided by B
            theory = self.measured_variance[self.batch_sizes[0]] * self.batch_sizes[0] / sizes
            label = f"1/B guide through B = {self.batch_sizes[0]}"
        keep = theory > 0  # B = N without replacement has no noise: not on a log axis
        self.theory_line.set_data(sizes[keep], theory[keep])
        self.measured_line.set_data(sizes[measured > 0], measured[measured > 0])
        self.theory_line.set_label(label)
        positive = np.concatenate([theory[keep], measured[measured > 0]])
        limits = (10.0 ** np.floor(np.log10(positive.min())), 10.0 ** np.ceil(np.log10(positive.max())))
        xlim = (sizes.min() / 1.5, sizes.max() * 1.5)
        state = (limits, xlim, label)
        if state != getattr(self, "_variance_axes_state", None):
            self._variance_axes_state = state
            self.ax_var.set_ylim(*limits)
            self.ax_var.set_xlim(*xlim)
            self.ax_var.legend(loc="lower left", fontsize="small")
            self.figure.invalidate()
        self.figure.invalidate_layer()
