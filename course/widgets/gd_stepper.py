"""GDStepper: gradient descent on a 1-D function, one click at a time."""

from __future__ import annotations

import html
import math

import ipywidgets as widgets
import numpy as np

from ._controls import GridFloatSlider, log_slider
from ._figure import WidgetBase
from ._style import OKABE_ITO, scaled


def quartic(x: float | np.ndarray) -> float | np.ndarray:
    """The seeds' example f(x) = x⁴ + x + 2 (minimum at x* = -1/2^(2/3) ≈ -0.62996)."""
    return x**4 + x + 2


#: An iterate farther than this many window widths from 0 counts as diverged.
_DIVERGED_WINDOWS = 1e6


_CELL = "padding:1px 12px; text-align:right"


def f_label_is_name(label: str) -> bool:
    """True for labels like 'f(x)' or 'loss(x)' that already name the function."""
    return label.endswith("(x)") and label[:-3].isidentifier()


class GDStepper(WidgetBase):
    """Gradient descent x ← x − lr·f'(x) on a 1-D function, with a numerical derivative.

    The table under the plot is the seeds' table (lesson 02): one row per iterate
    with t, x_t, f(x_t) and the derivative at x_t. With the defaults, six steps
    reproduce it (x_6 = -0.629).

    Args:
        f: the function of one float, e.g. ``lambda x: x**4 + x + 2``. ``None``
            (default) uses x⁴ + x + 2.
        derivative: ``derivative(f, x, h) -> float``, e.g. the student's
            ``forward_difference``. Required.
        x0: start point (slider range: ``xlim``).
        lr: learning rate γ (log slider 1e-3 … 3, on a grid through lr).
        h: finite-difference step (log slider 1e-8 … 1, on a grid through h).
        xlim: plot window for x; f is drawn over it.
        max_steps: the Step button stops here.
        f_label: how f is named in the title and legend, e.g. ``"x⁴ + x + 2"``
            (default: that for the default f, else the function's name).
        x_star: the minimiser, if known. Then the left plot marks it, and the right
            plot shows the distance |x_t − x*| on a log scale instead of f(x_t), so a
            bias from the derivative's h (a plateau above 0) is visible.

    Controls (all in ``self.sliders``): ``"lr"``, ``"h"``, ``"x0"``. Changing a
    slider replays the same number of steps with the new value, so the table is
    always the run from x0 with the current settings. A run stops as diverged
    when an iterate is not finite or |x_t| exceeds 1e6 times the window's extent
    (``self.diverged``); the Step button is then disabled. Buttons: Step (one more
    step) and Reset (back to t = 0).

    Attributes:
        rows: list of (t, x_t, f(x_t), f'(x_t)) tuples, one per iterate.
        trajectory: array of shape (t+1,) with x_0 … x_t.
        iterates_line: Line2D of the iterates on f (``get_xydata()`` is (t+1, 2)).
        loss_line: Line2D of f(x_t) against t.
        table: ``ipywidgets.HTML`` with the table.
        ui: the ipywidgets container (a bare ``stepper`` on the last line shows it).

    Example::

        from course.widgets import GDStepper
        stepper = GDStepper(derivative=forward_difference)   # x**4 + x + 2, lr=0.2, h=1e-3, x0=1
        stepper.step(6)          # or click Step six times
        stepper                  # shows sliders, buttons, plot, table
        stepper.rows[-1]         # (6, -0.629..., 1.528..., 0.005...)
    """

    def __init__(
        self,
        f=None,
        derivative=None,
        *,
        x0=1.0,
        lr=0.2,
        h=1e-3,
        xlim=(-2.0, 2.0),
        max_steps=100,
        f_label=None,
        x_star=None,
    ):
        if derivative is None or not callable(derivative):
            raise ValueError(
                "derivative must be a function derivative(f, x, h) -> float, "
                "e.g. your forward_difference; got " + repr(derivative)
            )
        if f is not None and not callable(f):
            raise ValueError(f"f must be a function of one float (or None for x**4 + x + 2), got {f!r}")
        xlim = tuple(float(v) for v in xlim)
        if len(xlim) != 2 or not xlim[0] < xlim[1]:
            raise ValueError(f"xlim must be (low, high) with low < high, got {xlim}")
        if not xlim[0] <= float(x0) <= xlim[1]:
            raise ValueError(f"x0 must lie inside xlim={xlim}, got {x0}")
        if not float(lr) > 0:
            raise ValueError(f"lr must be positive, got {lr}")
        if not float(h) > 0:
            raise ValueError(f"h must be positive, got {h}")
        if int(max_steps) < 1:
            raise ValueError(f"max_steps must be at least 1, got {max_steps}")

        self.x_star = None if x_star is None else float(x_star)
        self.f = quartic if f is None else f
        self.derivative = derivative
        if f_label is None:
            name = getattr(f, "__name__", "f")
            f_label = "x⁴ + x + 2" if f is None else (f"{name}(x)" if name.isidentifier() else "f(x)")
        self.f_label = f_label
        self.xlim = xlim
        self._divergence_radius = _DIVERGED_WINDOWS * max(abs(xlim[0]), abs(xlim[1]))
        self.max_steps = int(max_steps)
        self.n_steps = 0
        self.rows = []
        self.diverged = False

        self.sliders = {
            # Grids through the given values, so the seeds' lr=0.2 and h=1e-3 stay exact.
            "lr": log_slider("lr (γ)", lr, 1e-3, 3.0, step=0.01),
            "h": log_slider("h", h, 1e-8, 1.0, step=0.1, readout_format=".1e"),
            "x0": GridFloatSlider(
                value=float(x0),
                min=xlim[0],
                max=xlim[1],
                step=0.01,
                description="x0",
                readout_format=".2f",
                continuous_update=True,
            ),
        }
        self.step_button = widgets.Button(description="Step", button_style="primary", icon="step-forward")
        self.reset_button = widgets.Button(description="Reset", icon="undo")
        self.step_button.on_click(lambda _: self._safely(self.step))
        self.reset_button.on_click(lambda _: self._safely(self.reset))
        for slider in self.sliders.values():
            slider.observe(lambda _: self._safely(self._replay), names="value")

        self.table = widgets.HTML()
        self._make_status()
        self._build_figure()
        self._replay()  # errors from f or derivative surface here, at construction
        self.ui = widgets.VBox(
            [
                widgets.HBox([self.step_button, self.reset_button]),
                widgets.HBox(list(self.sliders.values())),
                self.figure.image,
                self.status,
                self.table,
            ]
        )

    # ----------------------------------------------------------------- public
    @property
    def trajectory(self):
        """x_0 … x_t as an array of shape (t+1,)."""
        return np.array([row[1] for row in self.rows])

    def step(self, n=1):
        """Take n more gradient steps (stops at ``max_steps`` or on divergence)."""
        n = int(n)
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        self.n_steps = min(self.n_steps + n, self.max_steps)
        self._replay()

    def reset(self):
        """Back to t = 0 at the current x0."""
        self.n_steps = 0
        self._replay()

    # ---------------------------------------------------------------- compute
    def _evaluate(self, x, h):
        with np.errstate(all="ignore"):
            try:
                fx = float(self.f(np.float64(x)))
            except OverflowError:
                fx = math.inf
            try:
                dfdx = float(self.derivative(self.f, np.float64(x), h))
            except OverflowError:
                dfdx = math.nan
        return fx, dfdx

    def _run(self, n_steps):
        lr = float(self.sliders["lr"].value)
        h = float(self.sliders["h"].value)
        x = float(self.sliders["x0"].value)
        rows = []
        diverged = False
        for t in range(n_steps + 1):
            fx, dfdx = self._evaluate(x, h)
            rows.append((t, x, fx, dfdx))
            if t == n_steps:
                break
            x_next = x - lr * dfdx
            if not math.isfinite(x_next) or abs(x_next) > self._divergence_radius:
                diverged = True
                break
            x = x_next
        return rows, diverged

    def _replay(self):
        self.rows, self.diverged = self._run(self.n_steps)
        self.n_steps = len(self.rows) - 1
        self.step_button.disabled = self.diverged or self.n_steps >= self.max_steps
        self._update_artists()
        self._update_table()
        if self.diverged:
            self._set_status(f"diverged after t = {self.n_steps}: lower lr and press Reset", error=True)
        else:
            self._set_status("")
        self.figure.render()

    def _safely(self, action):
        # Button and slider callbacks have no caller to raise to: show the error instead.
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - any error in user code is shown, not swallowed
            self._set_status(f"{type(exc).__name__}: {html.escape(str(exc))}", error=True)

    # ------------------------------------------------------------------ draw
    def _rebuild_figure(self):
        self._build_figure()
        self._update_artists()
        self.figure.render()

    def _build_figure(self):
        self._new_figure(figsize=(10.0, 3.8))
        fig = self.figure.fig
        self.ax_f, self.ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1.0]})
        xs = np.linspace(self.xlim[0], self.xlim[1], 400)
        with np.errstate(all="ignore"):
            ys = np.array([float(self.f(np.float64(x))) for x in xs])
        (self.curve_line,) = self.ax_f.plot(
            xs,
            ys,
            color="0.35",
            lw=scaled(1.5),
            label=self.f_label if f_label_is_name(self.f_label) else f"f(x) = {self.f_label}",
        )
        finite = ys[np.isfinite(ys)]
        low, high = (finite.min(), finite.max()) if finite.size else (-1.0, 1.0)
        pad = 0.08 * (high - low if high > low else 1.0)
        self.ylim = (low - pad, high + pad)
        self.ax_f.set_xlim(*self.xlim)
        self.ax_f.set_ylim(*self.ylim)
        self.ax_f.set_title(
            f"Gradient descent on {self.f_label}"
            if f_label_is_name(self.f_label)
            else f"Gradient descent on f(x) = {self.f_label}"
        )
        self.ax_f.set_xlabel("x")
        self.ax_f.set_ylabel("f(x)")
        self.ax_f.grid(alpha=0.3)
        (self.iterates_line,) = self.ax_f.plot(
            [],
            [],
            "o-",
            color=OKABE_ITO["vermillion"],
            ms=scaled(5),
            lw=scaled(1),
            alpha=0.8,
            label="iterates x_t",
        )
        (self.current_point,) = self.ax_f.plot(
            [], [], "o", color=OKABE_ITO["vermillion"], ms=scaled(11), mfc="none", mew=scaled(2)
        )
        self.figure.dynamic(self.iterates_line)
        self.figure.dynamic(self.current_point)
        if self.x_star is not None:
            self.ax_f.axvline(
                self.x_star, color="0.2", ls="--", lw=scaled(1.2), label=f"x* = {self.x_star:.4f}"
            )
        self.ax_f.legend(loc="upper center", fontsize="small")

        self.ax_loss.set_xlabel("step t")
        self.ax_loss.grid(alpha=0.3, which="both")
        self._distance_ylim = None
        if self.x_star is None:
            self.ax_loss.set_title("f(x_t) against step")
            self.ax_loss.set_ylabel("f(x_t)")
            self.ax_loss.set_ylim(*self.ylim)
        else:
            self.ax_loss.set_title("Distance to the minimiser")
            self.ax_loss.set_ylabel("|x_t − x*|  (log scale)")
            self.ax_loss.set_yscale("log")
        self._loss_xmax = None
        (self.loss_line,) = self.ax_loss.plot(
            [], [], "o-", color=OKABE_ITO["vermillion"], ms=scaled(4), lw=scaled(1)
        )
        self.figure.dynamic(self.loss_line)
        fig.tight_layout()

    def _update_artists(self):
        xs = np.array([row[1] for row in self.rows])
        fs = np.array([row[2] for row in self.rows])
        self.iterates_line.set_data(xs, fs)
        self.current_point.set_data(xs[-1:], fs[-1:])
        xmax = max(10, 5 * math.ceil((self.n_steps + 1) / 5))
        if xmax != self._loss_xmax:
            self.ax_loss.set_xlim(-0.5, xmax)
            self._loss_xmax = xmax
            self.figure.invalidate()
        if self.x_star is None:
            self.loss_line.set_data(np.arange(len(fs)), fs)
            return
        distance = np.maximum(np.abs(xs - self.x_star), 1e-16)
        self.loss_line.set_data(np.arange(len(xs)), distance)
        finite = distance[np.isfinite(distance)]
        # Decades around the run, at least 1e-6 … 10, so a plateau (bias) and the start both show.
        top = 10.0 ** max(1.0, math.ceil(math.log10(finite.max()))) if finite.size else 10.0
        bottom = 10.0 ** min(-6.0, math.floor(math.log10(finite.min()))) if finite.size else 1e-6
        ylim = (max(bottom, 1e-16), top)
        if ylim != self._distance_ylim:
            self.ax_loss.set_ylim(*ylim)
            self._distance_ylim = ylim
            self.figure.invalidate()

    def _update_table(self):
        def fmt(v):
            return f"{v:.3f}" if math.isfinite(v) and abs(v) < 1e6 else f"{v:.3g}"

        shown = self.rows if len(self.rows) <= 12 else self.rows[:3] + [None] + self.rows[-8:]
        body = []
        for row in shown:
            if row is None:
                body.append('<tr><td colspan="4" style="text-align:center">⋮</td></tr>')  # rows skipped
                continue
            t, x, fx, d = row
            cells = "".join(f'<td style="{_CELL}">{v}</td>' for v in (t, fmt(x), fmt(fx), fmt(d)))
            body.append(f"<tr>{cells}</tr>")
        head = "".join(
            f'<th style="{_CELL}; border-bottom:1px solid #888">{h}</th>' for h in ("t", "x", "f(x)", "df/dx")
        )
        self.table.value = (
            '<table style="border-collapse:collapse; font-family:monospace">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
