"""WeightDecayExplorer: Adam with L2 regularisation against AdamW's decoupled decay."""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np

from ._controls import log_slider
from ._figure import WidgetBase
from ._style import CONTOUR_CMAP, OKABE_ITO, scaled
from ._validate import call_step

L2_NAME = "Adam + L2"
DECOUPLED_NAME = "AdamW"
_COLORS = {L2_NAME: OKABE_ITO["vermillion"], DECOUPLED_NAME: OKABE_ITO["blue"]}


class WeightDecayExplorer(WidgetBase):
    """Adam + L2 against AdamW on f(w) = ½ Σ_i a_i (w_i − c_i)², curvatures a very different.

    With L2 (torch.optim.Adam's ``weight_decay``) the decay term λw is added to the
    gradient and then divided by √v̂ like the rest, so on the way the steep coordinate
    (large gradients, large v̂) is pulled in less per step than the flat one. Where it
    ends is simply the minimiser of f + ½λ‖w‖², w_i = a_i c_i / (a_i + λ), the same
    point SGD + L2 reaches. AdamW (torch.optim.AdamW) shrinks every weight by the same
    factor (1 − lr·λ) per step, outside the adaptive scaling, and so settles where that
    shrinkage balances Adam's normalised step: a different point. The left plot shows both
    paths on the contours of f, the right one the weight norms against step.

    Args:
        adam_l2_step: ``step(w, dw, state=None, *, lr, weight_decay, ...)`` whose
            weight_decay is L2 (added to the gradient), e.g. ``solutions.optim.adam``.
        adamw_step: the same protocol with decoupled decay, e.g. ``solutions.optim.adamw``.
        lr, weight_decay: initial slider values (log sliders).
        n_steps: steps per run.
        curvatures: (a_1, a_2) > 0; default (10, 0.1), a ratio of 100.
        target: (c_1, c_2), the minimiser of f; default (1, 1).
        x0: start point; default (−1, −1).
        hparams: further keyword arguments for both steps, e.g. ``{"betas": (0.9, 0.99)}``.

    Controls: ``sliders["lr"]``, ``sliders["weight_decay"]``.

    Attributes:
        trajectories: ``{"Adam + L2": array (n_steps+1, 2), "AdamW": ...}``.
        still_moving: ``{name: bool}``: the path moved more than 1e-4 over its last
            10 % of steps, so its end is a transient, not an end point; the plot says so.
        path_lines, norm_lines: ``{name: Line2D}`` (left: path, right: ‖w_t‖ against t).
        l2_minimum: w_i = a_i c_i / (a_i + λ) for the current λ, shape (2,).

    Example::

        from course.widgets import WeightDecayExplorer
        # adam (weight_decay as L2) and adamw (decoupled): the lesson's step functions
        wd = WeightDecayExplorer(adam, adamw, lr=0.05, weight_decay=0.1)
        wd
        wd.sliders["weight_decay"].value = 0.5
        wd.trajectories["AdamW"][-1], wd.l2_minimum
    """

    def __init__(
        self,
        adam_l2_step,
        adamw_step,
        *,
        lr=0.05,
        weight_decay=0.1,
        n_steps=300,
        curvatures=(10.0, 0.1),
        target=(1.0, 1.0),
        x0=(-1.0, -1.0),
        hparams=None,
    ):
        for name, fn in (("adam_l2_step", adam_l2_step), ("adamw_step", adamw_step)):
            if not callable(fn):
                raise ValueError(
                    f"{name} must be a step function step(w, dw, state=None, **hparams), got {fn!r}"
                )
        curvatures = np.asarray(curvatures, dtype=float)
        target = np.asarray(target, dtype=float)
        x0 = np.asarray(x0, dtype=float)
        for name, arr in (("curvatures", curvatures), ("target", target), ("x0", x0)):
            if arr.shape != (2,) or not np.all(np.isfinite(arr)):
                raise ValueError(f"{name} must be two finite numbers, got {arr!r}")
        if np.any(curvatures <= 0):
            raise ValueError(f"curvatures must be positive, got {curvatures}")
        if not float(lr) > 0:
            raise ValueError(f"lr must be positive, got {lr}")
        if not float(weight_decay) > 0:
            raise ValueError(f"weight_decay must be positive (log slider), got {weight_decay}")
        if int(n_steps) < 1:
            raise ValueError(f"n_steps must be at least 1, got {n_steps}")
        self.steps = {L2_NAME: adam_l2_step, DECOUPLED_NAME: adamw_step}
        self.curvatures, self.target, self.x0 = curvatures, target, x0
        self.n_steps = int(n_steps)
        self.extra_hparams = dict(hparams or {})
        self.sliders = {
            "lr": log_slider("lr", lr, 1e-3, 1.0),
            "weight_decay": log_slider("weight_decay λ", weight_decay, 1e-3, 10.0),
        }
        self.trajectories, self.errors = {}, {}
        self._make_status()
        self._build_figure()
        self._update(raise_errors=True)
        for slider in self.sliders.values():
            slider.observe(lambda _: self._update(), names="value")
        self.ui = widgets.VBox([widgets.HBox(list(self.sliders.values())), self.figure.image, self.status])

    # ----------------------------------------------------------------- public
    def f(self, W):
        """Data loss ½ Σ a_i (w_i − c_i)² for W of shape (..., 2)."""
        W = np.asarray(W, dtype=float)
        return 0.5 * np.sum(self.curvatures * (W - self.target) ** 2, axis=-1)

    def grad(self, w):
        """Gradient a ⊙ (w − c), shape (2,)."""
        return self.curvatures * (np.asarray(w, dtype=float) - self.target)

    @property
    def l2_minimum(self):
        lam = self.sliders["weight_decay"].value
        return self.curvatures * self.target / (self.curvatures + lam)

    # ---------------------------------------------------------------- compute
    def _run(self, step_fn, hparams):
        w = self.x0.copy()
        path = [w]
        state = None
        with np.errstate(all="ignore"):
            for _ in range(self.n_steps):
                w, state = call_step(step_fn, w, self.grad(w), state, hparams)
                path.append(w)
                if not np.all(np.isfinite(w)):
                    break
        return np.array(path)

    def _update(self, raise_errors=False):
        hparams = {
            **self.extra_hparams,
            "lr": self.sliders["lr"].value,
            "weight_decay": self.sliders["weight_decay"].value,
        }
        for name, step_fn in self.steps.items():
            try:
                self.trajectories[name] = self._run(step_fn, hparams)
                self.errors.pop(name, None)
            except Exception as exc:  # noqa: BLE001 - shown in the status line, re-raised at build time
                if raise_errors:
                    raise
                self.trajectories[name] = self.x0[None, :].copy()
                self.errors[name] = f"{type(exc).__name__}: {exc}"
        self.still_moving = {}
        for name, path in self.trajectories.items():
            k = max(1, self.n_steps // 10)
            self.still_moving[name] = len(path) > k and float(np.abs(path[-1] - path[-1 - k]).max()) > 1e-4
        self._update_artists()
        self.figure.render()

    # ------------------------------------------------------------------ draw
    def _rebuild_figure(self):
        self._build_figure()
        self._update()

    def _build_figure(self):
        self._new_figure(figsize=(10.5, 4.3))
        fig = self.figure.fig
        self.ax_path, self.ax_norm = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.1]})
        ax = self.ax_path
        span = max(np.abs(self.x0).max(), np.abs(self.target).max()) * 1.3
        xs = np.linspace(-span, span, 160)
        X, Y = np.meshgrid(xs, xs)
        Z = self.f(np.stack([X, Y], axis=-1))
        ax.contour(
            X, Y, Z, levels=np.geomspace(max(Z.min(), 1e-4), Z.max(), 18), cmap=CONTOUR_CMAP, linewidths=0.7
        )
        ax.plot(
            *self.target, "*", color="gold", mec="k", ms=scaled(15), label="minimum of f (no decay)", zorder=5
        )
        (self.l2_marker,) = ax.plot(
            [],
            [],
            "D",
            color=OKABE_ITO["vermillion"],
            mec="k",
            ms=scaled(8),
            label="minimum of f + ½λ‖w‖²",
            zorder=5,
        )
        self.figure.dynamic(self.l2_marker)
        ax.plot(*self.x0, "s", color="k", ms=scaled(7), label="start")
        self.path_lines, self.norm_lines, self.head_markers = {}, {}, {}
        for name, color in _COLORS.items():
            (self.path_lines[name],) = ax.plot([], [], "-", color=color, lw=scaled(1.8), label=name)
            (self.head_markers[name],) = ax.plot([], [], "o", color=color, ms=scaled(7), mec="k")
            (self.norm_lines[name],) = self.ax_norm.plot([], [], "-", color=color, lw=scaled(1.8), label=name)
            for artist in (self.path_lines[name], self.head_markers[name], self.norm_lines[name]):
                self.figure.dynamic(artist)
        ax.set_xlim(-span, span)
        ax.set_ylim(-span, span)
        ax.set_aspect("equal", adjustable="box")
        a1, a2 = self.curvatures
        ax.set_title(f"Paths on f = ½({a1:g}(w1−{self.target[0]:g})² + {a2:g}(w2−{self.target[1]:g})²)")
        ax.set_xlabel("w1 (steep)" if a1 > a2 else "w1 (flat)")
        ax.set_ylabel("w2 (flat)" if a1 > a2 else "w2 (steep)")
        ax.legend(loc="lower right", fontsize="x-small", framealpha=0.85)
        self.transient_text = self.figure.dynamic(
            ax.text(
                0.02,
                0.98,
                "",
                transform=ax.transAxes,
                va="top",
                ha="left",
                fontsize="small",
                bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.6"},
            )
        )

        an = self.ax_norm
        an.set_title("Weight norm against step")
        an.set_xlabel("step t")
        an.set_ylabel("‖w_t‖₂")
        an.set_xlim(0, self.n_steps)
        norms = [np.linalg.norm(self.x0), np.linalg.norm(self.target)]
        an.set_ylim(0, 1.25 * max(norms))
        an.grid(alpha=0.3)
        an.axhline(np.linalg.norm(self.target), color="gold", ls="--", lw=scaled(1.2), label="‖minimum of f‖")
        self.l2_norm_line = self.figure.dynamic(
            an.axhline(
                0.0, color=OKABE_ITO["vermillion"], ls=":", lw=scaled(1.2), label="‖minimum of f + ½λ‖w‖²‖"
            )
        )
        an.legend(loc="upper right", fontsize="small")
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9, wspace=0.2)

    def _update_artists(self):
        for name in self.steps:
            path = self.trajectories[name]
            self.path_lines[name].set_data(path[:, 0], path[:, 1])
            self.head_markers[name].set_data(path[-1:, 0], path[-1:, 1])
            self.norm_lines[name].set_data(np.arange(len(path)), np.linalg.norm(path, axis=1))
        l2_min = self.l2_minimum
        self.l2_marker.set_data([l2_min[0]], [l2_min[1]])
        self.l2_norm_line.set_ydata([np.linalg.norm(l2_min)] * 2)
        parts = []
        for name in self.steps:
            if name in self.errors:
                parts.append(f"<b>{name}</b> failed: {html.escape(self.errors[name])}")
            else:
                w = self.trajectories[name][-1]
                parts.append(f"{name}: w = ({w[0]:.3f}, {w[1]:.3f}), ‖w‖ = {np.linalg.norm(w):.3f}")
        parts.append(f"L2 minimum: ({l2_min[0]:.3f}, {l2_min[1]:.3f})")
        moving = [name for name in self.steps if self.still_moving.get(name)]
        self.transient_text.set_text(
            f"at t = {self.n_steps}: {' and '.join(moving)} still moving\n(a transient, not an end point)"
            if moving
            else f"t = {self.n_steps}: both at their end points"
        )
        if moving:
            parts.append(f"{' and '.join(moving)} still moving at t = {self.n_steps}")
        self._set_status(" &nbsp;|&nbsp; ".join(parts), error=bool(self.errors))
