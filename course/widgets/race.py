"""OptimizerRace: several optimizers on one 2-D landscape, paths on a shared contour plot."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np

from ..landscapes import LANDSCAPES, Landscape
from ._controls import GridFloatSlider, assemble, controls_for, log_slider, set_control, set_slider
from ._figure import WidgetBase
from ._style import CONTOUR_CMAP, format_number, optimizer_colors, scaled
from ._validate import call_step, check_optimizers
from .presets import PRESETS, preset_key

#: An iterate farther than this many window sizes from the window's centre counts as diverged.
_DIVERGED_WINDOWS = 1e3
#: Below this time for rerunning every optimizer (numerics only; drawing adds ~20-40 ms),
#: the κ and start sliders follow the drag.
_FOLLOW_DRAG_SECONDS = 0.05
#: Most optimizers a race takes (one colour each, see ``course.widgets._style``).
_MAX_OPTIMIZERS = 8


def start_step(landscape: Landscape) -> float:
    """The coarsest slider step 10^-d (d >= 2) whose grid from the window's lower edge holds the start.

    The saddle starts at w2 = 1e-3, which a step of 0.01 would round to 0 in the browser
    (the start *on* the saddle point, which no gradient method leaves).
    """
    for digits in range(2, 7):
        step = 10.0**-digits
        on_grid = all(
            abs(round((value - low) / step) * step - (value - low)) < 1e-9
            for value, low in ((landscape.x0[0], landscape.xlim[0]), (landscape.x0[1], landscape.ylim[0]))
        )
        if on_grid:
            return step
    return 1e-6


def run_optimizer(
    step_fn: Callable[..., Any],
    hparams: dict[str, Any],
    grad: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    n_steps: int,
    divergence_radius: float = np.inf,
) -> tuple[np.ndarray, bool]:
    """Run ``step_fn`` from x0 for n_steps on a gradient function.

    Args:
        step_fn: ``step(w, dw, state=None, **hparams) -> (w_next, state)``.
        hparams: keyword arguments for every call.
        grad: ``grad(w) -> dw`` for w of shape (D,).
        x0: start, shape (D,).
        n_steps: number of steps.
        divergence_radius: stop early once ``|w|`` exceeds it or w is not finite.

    Returns:
        (path, diverged): path of shape (k+1, D) with k <= n_steps (the diverging
        iterate is kept, so plots show where it went); diverged is a bool.

    Example::

        from course.landscapes import rosenbrock
        land = rosenbrock()
        path, diverged = run_optimizer(sgd, {"lr": 1e-3}, land.grad, land.x0, 200)
        path.shape, land.f(path[-1])     # (201, 2), the final loss
    """
    w = np.array(x0, dtype=float)
    path = [w]
    state = None
    n_steps = int(n_steps)
    with np.errstate(all="ignore"):
        for t in range(n_steps):
            if t == 0:  # the first call checks the protocol; later calls run bare (speed)
                w, state = call_step(step_fn, w, grad(w), state, hparams)
            else:
                w, state = step_fn(w, grad(w), state, **hparams)
            path.append(
                np.array(w, dtype=float)
            )  # a copy: a step that mutates w in place can't rewrite history
            # One reduction: NaN fails "<=", inf exceeds any radius.
            if not np.abs(w).max() <= divergence_radius:
                return np.array(path, dtype=float), True
    path = np.array(path, dtype=float)
    if path.shape != (n_steps + 1, w.size) or w.shape != np.shape(x0):
        raise ValueError(
            f"{getattr(step_fn, '__name__', 'step function')} changed the shape of w during the run"
        )
    return path, False


class OptimizerRace(WidgetBase):
    """Race optimizers on a 2-D landscape: shared contour plot, loss on a log scale.

    Args:
        optimizers: ``{name: (step_fn, default_hparams)}`` where
            ``step_fn(w, dw, state=None, **hparams) -> (w_next, state)`` is the
            project's update-rule protocol (w a 1-D array) and ``default_hparams``
            a dict of keyword arguments, e.g. ``{"lr": 1e-3, "betas": (0.9, 0.999)}``.
            Up to 8 optimizers.
        landscape: a name from :data:`course.landscapes.LANDSCAPES` (``"quadratic"``,
            ``"rosenbrock"``, ``"saddle"``, ``"beale"``, ``"himmelblau"``) or a
            :class:`~course.landscapes.Landscape` (then it is added to the dropdown).
        n_steps: steps per run (the play control animates 0 … n_steps).
        condition_number: initial value of the quadratic's condition-number slider.
        x0: start point, shape (2,); default: the landscape's ``x0``.
        presets: per-landscape hyperparameters applied on every landscape switch:
            ``True`` (default) for :data:`course.widgets.presets.PRESETS` (matched by
            optimizer name), ``False`` for none, or ``{landscape: {opt_name: hparams}}``.
            On the landscape the race starts on, the values passed in ``optimizers``
            are the preset.

    Controls:
        ``sliders[opt_name][hparam]``: one control per hyperparameter, derived
        from its default (log slider for ``lr``; ``betas`` become ``"beta1"``,
        ``"beta2"``; bools become checkboxes; rules in ``course.widgets._controls``).
        ``landscape_dropdown``, ``condition_slider`` (quadratic only),
        ``start_sliders["x1"/"x2"]``, ``play`` and ``step_slider`` (linked; the
        shown step index), ``animate_button`` (a labelled toggle for ``play.playing``;
        the Play widget's own icon buttons are hidden), ``enabled[opt_name]``
        checkboxes ("show <name>"), ``reset_button`` ("reset to preset"). Every control
        has a text label and works from the keyboard (Tab, arrows, Home/End, Space).

    Every value lies on its control's grid, so the browser shows exactly what the
    kernel holds (see ``course.widgets._controls``); a landscape switch sets the start
    sliders to the landscape's ``x0`` exactly (their step is fine enough, see
    :func:`start_step`) and applies the landscape's presets.

    Attributes:
        trajectories: ``{name: array (k+1, 2)}`` full runs (k < n_steps if it diverged).
        losses: ``{name: array (k+1,)}`` f along the run.
        path_lines, loss_lines: ``{name: Line2D}``; plotted data up to the step
            index, e.g. ``race.path_lines["adam"].get_xydata()``.
        diverged: ``{name: bool}``; errors: ``{name: message}`` from step functions.
        landscape: the current :class:`~course.landscapes.Landscape`.

    Per-optimizer sliders rerun one optimizer and follow the drag. The κ and
    start sliders rerun all of them: they follow the drag when running all took
    under 50 ms at build time (``recompute_seconds``), else they update on release.

    A step function that raises while the widget is built propagates (you see the
    traceback at once); raising later, from a slider, shows in the status line.

    Example::

        from course.widgets import OptimizerRace
        # sgd, momentum, adam: the lesson's step functions (exercises or a plain cell)
        race = OptimizerRace(
            {"SGD": (sgd, {"lr": 1e-3}),
             "momentum": (momentum, {"lr": 1e-3, "momentum": 0.9}),
             "Adam": (adam, {"lr": 0.05, "betas": (0.9, 0.999)})},
            landscape="rosenbrock", n_steps=200)
        race                                     # shows the controls and the plot
        race.sliders["Adam"]["lr"].value = 0.1   # drives it from code, too
        race.landscape_dropdown.value = "quadratic"; race.condition_slider.value = 100
    """

    def __init__(
        self, optimizers, landscape="rosenbrock", n_steps=200, condition_number=20.0, x0=None, presets=True
    ):
        self.optimizers = check_optimizers(optimizers, max_count=_MAX_OPTIMIZERS)
        n_steps = int(n_steps)
        if n_steps < 1:
            raise ValueError(f"n_steps must be at least 1, got {n_steps}")
        self.n_steps = n_steps
        self._landscapes = dict(LANDSCAPES)
        if isinstance(landscape, Landscape):
            self._landscapes[landscape.name] = landscape
            landscape_name = landscape.name
        elif landscape in LANDSCAPES:
            landscape_name = landscape
        else:
            raise ValueError(
                f"landscape must be one of {sorted(LANDSCAPES)} or a Landscape, got {landscape!r}"
            )
        condition_number = float(condition_number)
        if not 1.0 <= condition_number <= 1e4:
            raise ValueError(f"condition_number must be in [1, 1e4], got {condition_number}")

        self.sliders = {}
        self._layouts = {}
        self.enabled = {}
        for name, (_, hparams) in self.optimizers.items():
            self.sliders[name], self._layouts[name] = controls_for(hparams)
            self.enabled[name] = widgets.Checkbox(value=True, description=f"show {name}", indent=False)
        self.presets = self._build_presets(presets, landscape_name)
        self.landscape_dropdown = widgets.Dropdown(
            options=list(self._landscapes), value=landscape_name, description="landscape"
        )
        self.condition_slider = log_slider(
            "condition number κ", condition_number, 1.0, 1e4, readout_format=".2g"
        )
        self.start_sliders = {
            "x1": GridFloatSlider(description="start x1", readout_format=".2f", step=0.01, min=-1e3, max=1e3),
            "x2": GridFloatSlider(description="start x2", readout_format=".2f", step=0.01, min=-1e3, max=1e3),
        }
        self.reset_button = widgets.Button(
            description="reset to preset",
            icon="undo",
            tooltip="set every optimizer's hyperparameters to this landscape's preset",
        )
        self.play = widgets.Play(value=n_steps, min=0, max=n_steps, step=1, interval=60, description="play")
        self.step_slider = widgets.IntSlider(value=n_steps, min=0, max=n_steps, description="step")
        # A kernel-side link (not jslink) so setting either from Python updates both.
        self._play_link = widgets.link((self.play, "value"), (self.step_slider, "value"))
        # Play's own buttons are icons without a text name (screen readers announce "button"):
        # a labelled toggle drives it instead; the Play widget stays, hidden, as the timer.
        self.play.layout.display = "none"
        self.animate_button = widgets.ToggleButton(
            value=False,
            description="animate",
            icon="play",
            tooltip="play the runs step by step (pause: press again)",
        )
        self._animate_link = widgets.link((self.animate_button, "value"), (self.play, "playing"))

        self.trajectories, self.losses, self.diverged, self.errors = {}, {}, {}, {}
        self._updating = False
        self._make_status()
        self._build_figure()
        self._set_landscape(self._make_landscape(), reset_start=x0 is None, x0=x0)
        start = time.perf_counter()
        self._recompute(raise_errors=True)
        self.recompute_seconds = time.perf_counter() - start
        self._update_artists()
        self.figure.render()
        # Controls that rerun every optimizer follow the drag only if that is quick;
        # otherwise they update on release, so a slow race never queues up stale frames.
        follow_drag = self.recompute_seconds < _FOLLOW_DRAG_SECONDS
        for slider in (self.condition_slider, *self.start_sliders.values()):
            slider.continuous_update = follow_drag

        for name in self.optimizers:
            for control in self.sliders[name].values():
                control.observe(
                    lambda _, n=name: None if self._updating else self._on_hparam(n), names="value"
                )
            self.enabled[name].observe(lambda _: self._safely(self._refresh), names="value")
        self.landscape_dropdown.observe(lambda _: self._safely(self._on_landscape), names="value")
        self.condition_slider.observe(lambda _: self._safely(self._on_condition), names="value")
        for slider in self.start_sliders.values():
            slider.observe(lambda _: self._safely(self._on_start), names="value")
        self.step_slider.observe(lambda _: self._safely(self._refresh), names="value")
        self.reset_button.on_click(lambda _: self._safely(self.reset_to_preset))

        self.ui = self._build_ui()

    # ----------------------------------------------------------------- public
    def hparams(self, name):
        """Current hyperparameters of optimizer ``name`` as passed to its step function."""
        return assemble(self.sliders[name], self._layouts[name])

    def preset(self, name, landscape_name=None):
        """The preset hyperparameters of optimizer ``name`` on a landscape (default: the current one).

        Only the hyperparameters the optimizer has; ``{}`` when the table has none.
        """
        landscape_name = landscape_name or self.landscape_dropdown.value
        table = self.presets.get(landscape_name, {})
        values = table.get(name, table.get(preset_key(name), {}))
        return {k: v for k, v in values.items() if k in self._layouts[name]}

    def apply_presets(self):
        """Set every optimizer's controls to the current landscape's preset (no rerun)."""
        self._updating = True  # one recompute afterwards, not one per control
        try:
            for name in self.optimizers:
                for key, value in self.preset(name).items():
                    source = self._layouts[name][key]
                    if isinstance(source, tuple):
                        for control_name, element in zip(source, value, strict=False):
                            set_control(self.sliders[name][control_name], element)
                    else:
                        set_control(self.sliders[name][source], value)
        finally:
            self._updating = False

    def reset_to_preset(self):
        """The "reset to preset" button: this landscape's presets, rerun, redraw."""
        self.apply_presets()
        self._recompute()
        self._refresh()

    @property
    def step_index(self):
        """The step shown (0 … n_steps), i.e. ``step_slider.value``."""
        return self.step_slider.value

    # ---------------------------------------------------------------- compute
    def _build_presets(self, presets, landscape_name):
        if presets is True:
            table = {
                land: {preset_key(n): dict(v) for n, v in entry.items()} for land, entry in PRESETS.items()
            }
        elif presets in (False, None):
            table = {}
        elif isinstance(presets, dict):
            table = {land: {n: dict(v) for n, v in entry.items()} for land, entry in presets.items()}
        else:
            raise ValueError(
                f"presets must be True, False or {{landscape: {{optimizer: hparams}}}}, got {presets!r}"
            )
        # On the starting landscape the lesson's own values are the preset.
        table[landscape_name] = {name: dict(hparams) for name, (_, hparams) in self.optimizers.items()}
        return table

    def _make_landscape(self):
        entry = self._landscapes[self.landscape_dropdown.value]
        if isinstance(entry, Landscape):
            return entry
        if entry is LANDSCAPES["quadratic"]:
            return entry(condition_number=self.condition_slider.value)
        return entry()

    def _set_landscape(self, landscape, reset_start=True, x0=None):
        self.landscape = landscape
        self.condition_slider.layout.display = "" if landscape.name == "quadratic" else "none"
        start = landscape.x0 if (reset_start or x0 is None) else np.asarray(x0, dtype=float)
        if start.shape != (2,):
            raise ValueError(f"x0 must have shape (2,), got {start.shape}")
        step = start_step(landscape)
        digits = max(2, int(round(-np.log10(step))))
        self._updating = True  # the start sliders move below: no recompute per slider
        try:
            for key, (low, high), value in (
                ("x1", landscape.xlim, start[0]),
                ("x2", landscape.ylim, start[1]),
            ):
                slider = self.start_sliders[key]
                slider.readout_format = f".{digits}f"
                # Range, step and value reach the browser in one message, so it never clamps the
                # old value into the new range and sends that back.
                set_slider(slider, float(np.clip(value, low, high)), min=low, max=high, step=step)
        finally:
            self._updating = False
        # What the sliders hold: the start on their grid (landscape.x0 exactly for a switch).
        on_grid = np.array([self.start_sliders["x1"].value, self.start_sliders["x2"].value])
        self.x0 = on_grid if reset_start or x0 is None else start.astype(float)
        self._draw_landscape()

    def _recompute(self, names=None, raise_errors=False):
        land = self.landscape
        span = max(land.xlim[1] - land.xlim[0], land.ylim[1] - land.ylim[0])
        radius = _DIVERGED_WINDOWS * span
        for name in names or self.optimizers:
            step_fn, _ = self.optimizers[name]
            try:
                path, diverged = run_optimizer(
                    step_fn, self.hparams(name), land.grad, self.x0, self.n_steps, radius
                )
                self.errors.pop(name, None)
            except Exception as exc:  # noqa: BLE001 - shown in the status line, re-raised at build time
                if raise_errors:
                    raise
                path, diverged = self.x0[None, :].copy(), False
                self.errors[name] = f"{type(exc).__name__}: {exc}"
            self.trajectories[name] = path
            self.diverged[name] = diverged
            with np.errstate(all="ignore"):
                self.losses[name] = np.asarray(land.f(path), dtype=float)
        self._update_loss_limits()
        self._update_status()

    def _loss_values(self, losses):
        """What the loss axis shows: f − f_min (log scale), or f itself when unbounded."""
        if self.landscape.f_min is None:
            return losses
        return np.maximum(losses - self.landscape.f_min, 1e-16)

    # --------------------------------------------------------------- events
    def _safely(self, action):
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - callbacks have no caller: show it
            self._set_status(f"{type(exc).__name__}: {html.escape(str(exc))}", error=True)

    def _on_hparam(self, name):
        def action():
            self._recompute([name])
            self._refresh()

        self._safely(action)

    def _on_landscape(self):
        self._set_landscape(self._make_landscape())
        self.apply_presets()
        self._recompute()
        self._refresh()

    def _on_condition(self):
        # Same landscape family, new κ: keep the start the lecturer chose.
        self._set_landscape(self._make_landscape(), reset_start=False, x0=self.x0)
        self._recompute()
        self._refresh()

    def _on_start(self):
        if self._updating:
            return
        start = np.array([self.start_sliders["x1"].value, self.start_sliders["x2"].value])
        if np.array_equal(start, self.x0):
            return
        self.x0 = start
        self._recompute()
        self._refresh()

    def _refresh(self):
        self._update_artists()
        self.figure.render()

    # ------------------------------------------------------------------ draw
    def _rebuild_figure(self):
        self._build_figure()
        self._draw_landscape()
        self._update_loss_limits()
        self._update_artists()
        self.figure.render()

    def _build_figure(self):
        self._new_figure(figsize=(10.5, 4.3), presentation_figsize=(12.0, 4.4))
        fig = self.figure.fig
        self.ax_path, self.ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1.0]})
        # The title names κ, which a slider changes: drawn as a layer, not re-laid-out.
        self.ax_path.set_title(" ")
        self.figure.layer(self.ax_path.title)
        self.ax_path.set_xlabel("w1")
        self.ax_path.set_ylabel("w2")
        self.ax_loss.set_xlabel("step t")
        self.ax_loss.set_title("Loss against step")
        self.ax_loss.set_xlim(0, self.n_steps)
        self.ax_loss.grid(alpha=0.3, which="both")
        self._contour = None
        self._minima_markers = None
        self.path_lines, self.head_markers, self.loss_lines = {}, {}, {}
        for name, color in optimizer_colors(self.optimizers).items():
            (self.path_lines[name],) = self.ax_path.plot([], [], "-", color=color, lw=scaled(1.6), label=name)
            (self.head_markers[name],) = self.ax_path.plot(
                [], [], "o", color=color, ms=scaled(6), mec="k", mew=scaled(0.6)
            )
            (self.loss_lines[name],) = self.ax_loss.plot([], [], "-", color=color, lw=scaled(1.6), label=name)
            for artist in (self.path_lines[name], self.head_markers[name], self.loss_lines[name]):
                self.figure.dynamic(artist)
        (self.start_marker,) = self.ax_path.plot([], [], "s", color="k", ms=scaled(7), label="start")
        self.figure.dynamic(self.start_marker)
        self.step_line = self.figure.dynamic(
            self.ax_loss.axvline(self.n_steps, color="0.5", lw=scaled(1), ls=":")
        )
        if self.presentation:  # large fonts: the legend goes beside the plots, not over the paths
            fig.legend(
                handles=[*self.path_lines.values(), self.start_marker],
                loc="center right",
                fontsize="small",
                frameon=False,
            )
            fig.subplots_adjust(left=0.075, right=0.855, bottom=0.15, top=0.9, wspace=0.25)
        else:
            self.figure.on_top(self.ax_path.legend(loc="upper right", fontsize="small", framealpha=0.9))
            fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.91, wspace=0.22)

    def _draw_landscape(self):
        land = self.landscape
        # Read before contour(), which autoscales the axes to the grid.
        old_limits = (tuple(self.ax_path.get_xlim()), tuple(self.ax_path.get_ylim()))
        if self._contour is not None:
            self.figure.forget(self._contour)
        if self._minima_markers is not None:
            self.figure.forget(self._minima_markers)
        X, Y, Z = land.grid(160)
        self._contour = self.ax_path.contour(
            X, Y, Z, levels=land.contour_levels(Z, 22), cmap=CONTOUR_CMAP, linewidths=0.7, alpha=0.9
        )
        if len(land.minima):
            (self._minima_markers,) = self.ax_path.plot(
                land.minima[:, 0], land.minima[:, 1], "*", color="gold", mec="k", ms=scaled(13), zorder=5
            )
        else:
            (self._minima_markers,) = self.ax_path.plot([0.0], [0.0], "x", color="k", ms=scaled(9), zorder=5)
        self.figure.layer(self._contour)
        self.figure.layer(self._minima_markers)
        self.ax_path.title.set_text(f"Paths on {self._landscape_title()}")
        self.figure.invalidate_layer()
        self.ax_path.set_xlim(*land.xlim)
        self.ax_path.set_ylim(*land.ylim)
        if old_limits != (tuple(land.xlim), tuple(land.ylim)):
            self.figure.invalidate()
        scale = "log" if land.f_min is not None else "symlog"
        if self.ax_loss.get_yscale() != scale:
            if scale == "symlog":
                self.ax_loss.set_yscale("symlog", linthresh=1e-2)
                self.ax_loss.set_ylabel("f(w_t)  (symlog)")
            else:
                self.ax_loss.set_yscale("log")
                self.ax_loss.set_ylabel("f(w_t) − f*  (log scale)")
            self.figure.invalidate()

    def _landscape_title(self):
        land = self.landscape
        if land.name == "quadratic" and "condition_number" in land.params:
            return f"quadratic, κ = {format_number(land.params['condition_number'])}"
        return land.title()

    def _update_loss_limits(self):
        """Loss-axis limits that change rarely, so most updates only blit.

        The top is the decade above the start's loss; the bottom the decade below
        the smallest loss reached, kept within 1e-14 … 1e-3 of the top. Diverging
        runs leave through the top instead of stretching the axis.
        """
        start_gap = float(self._loss_values(np.atleast_1d(self.landscape.f(self.x0)))[0])
        values = (
            np.concatenate([self._loss_values(v) for v in self.losses.values()])
            if self.losses
            else np.array([])
        )
        values = values[np.isfinite(values)]
        if self.landscape.f_min is None:
            top = 10.0 ** np.ceil(np.log10(max(abs(start_gap), 1e-2)))
            lowest = values.min() if values.size else -top
            bottom = -min(10.0 ** np.ceil(np.log10(max(-lowest, 1e-2))), 1e6 * top) if lowest < 0 else -top
            limits = (bottom, top)
        else:
            top = 10.0 ** np.ceil(np.log10(max(start_gap, 1e-12)) + 1e-9)
            lowest = values[values > 0].min() if np.any(values > 0) else top * 1e-14
            bottom = 10.0 ** np.floor(np.log10(lowest))
            limits = (float(np.clip(bottom, top * 1e-14, top * 1e-3)), float(top))
        if tuple(self.ax_loss.get_ylim()) != tuple(limits):
            self.ax_loss.set_ylim(*limits)
            self.figure.invalidate()

    def _update_artists(self):
        k = self.step_slider.value
        for name in self.optimizers:
            visible = self.enabled[name].value
            path = self.trajectories[name][: k + 1]
            loss = self._loss_values(self.losses[name][: k + 1])
            self.path_lines[name].set_data(path[:, 0], path[:, 1])
            self.head_markers[name].set_data(path[-1:, 0], path[-1:, 1])
            self.loss_lines[name].set_data(np.arange(len(loss)), loss)
            for artist in (self.path_lines[name], self.head_markers[name], self.loss_lines[name]):
                artist.set_visible(visible)
        self.start_marker.set_data([self.x0[0]], [self.x0[1]])
        self.step_line.set_xdata([k, k])

    def _update_status(self):
        notes = []
        for name in self.optimizers:
            if name in self.errors:
                notes.append(f"<b>{html.escape(name)}</b> failed: {html.escape(self.errors[name])}")
            elif self.diverged[name]:
                notes.append(
                    f"<b>{html.escape(name)}</b> diverged at step {len(self.trajectories[name]) - 1}"
                )
        finals = ", ".join(
            f"{html.escape(n)}: {format_number(self.losses[n][-1])}"
            for n in self.optimizers
            if n not in self.errors
        )
        text = f"final f — {finals}" + ("<br>" + "<br>".join(notes) if notes else "")
        self._set_status(text, error=bool(self.errors))

    def _build_ui(self):
        if self.presentation:
            return self._build_compact_ui()
        columns = []
        for name in self.optimizers:
            header = widgets.HTML(f"<b>{html.escape(name)}</b>")
            columns.append(
                widgets.VBox([widgets.HBox([header, self.enabled[name]]), *self.sliders[name].values()])
            )
        landscape_box = widgets.HBox(
            [self.landscape_dropdown, self.reset_button, self.condition_slider, *self.start_sliders.values()],
            layout=widgets.Layout(flex_flow="row wrap"),
        )
        player = widgets.HBox([self.animate_button, self.play, self.step_slider])
        return widgets.VBox(
            [
                landscape_box,
                widgets.HBox(columns, layout=widgets.Layout(flex_flow="row wrap")),
                player,
                self.figure.image,
                self.status,
            ]
        )

    def _build_compact_ui(self):
        """Presentation layout: one optimizer's sliders at a time (picked in a menu), 4 rows of controls."""
        self.optimizer_dropdown = widgets.Dropdown(
            options=list(self.optimizers),
            description="tune",
            layout=widgets.Layout(width="190px"),
            style={"description_width": "initial"},
        )
        narrow = widgets.Layout(width="250px")
        for controls in self.sliders.values():
            for control in controls.values():
                if isinstance(control, widgets.FloatSlider):
                    control.layout = narrow
        params = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))

        def show_params(_=None):
            params.children = list(self.sliders[self.optimizer_dropdown.value].values())

        show_params()
        self.optimizer_dropdown.observe(show_params, names="value")
        self.condition_slider.layout = widgets.Layout(width="400px")
        for slider in self.start_sliders.values():
            slider.layout = widgets.Layout(width="300px")
        for checkbox in self.enabled.values():
            checkbox.layout = widgets.Layout(width="auto")
        row = widgets.Layout(flex_flow="row wrap", align_items="center")
        return widgets.VBox(
            [
                widgets.HBox(
                    [
                        self.landscape_dropdown,
                        self.reset_button,
                        self.condition_slider,
                        *self.start_sliders.values(),
                    ],
                    layout=row,
                ),
                widgets.HBox([self.optimizer_dropdown, params], layout=row),
                widgets.HBox(
                    [*self.enabled.values(), self.animate_button, self.play, self.step_slider], layout=row
                ),
                self.figure.image,
                self.status,
            ],
            layout=widgets.Layout(width="100%"),
        )
