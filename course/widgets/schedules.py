"""ScheduleExplorer: learning rate against step for a chosen schedule, with overlays."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np

from ._controls import assemble, controls_for
from ._figure import WidgetBase, nice_upper
from ._style import PALETTE, scaled
from ._validate import check_optimizers

_OVERLAY_COLORS = PALETTE  # Okabe–Ito (course.widgets._style)
_MAX_OVERLAYS = len(_OVERLAY_COLORS)


def schedule_values(
    schedule: Callable[..., float], params: Mapping[str, Any], n_steps: int
) -> tuple[np.ndarray, str]:
    """lr_t = schedule(t, **params) for t = 0 … n_steps.

    Returns:
        (values, error): values has shape (n_steps + 1,), NaN where the schedule
        raised; error is the first exception's message ('' if none). Schedules
        that are undefined past a horizon (one_cycle after total_steps, as torch)
        end early this way instead of failing the whole plot.

    Example::

        values, error = schedule_values(step_decay, {"lr0": 0.1, "step_size": 30}, 100)
        values[29], values[30], error    # 0.1, 0.01, ''
    """
    values = np.full(int(n_steps) + 1, np.nan)
    error = ""
    for t in range(int(n_steps) + 1):
        try:
            values[t] = float(schedule(t, **params))
        except Exception as exc:  # noqa: BLE001 - reported to the caller, not swallowed
            if not error:
                error = f"t={t}: {type(exc).__name__}: {exc}"
    return values, error


class ScheduleExplorer(WidgetBase):
    """Learning rate against step for the schedule chosen in a dropdown.

    Args:
        schedules: ``{name: (schedule_fn, default_params)}`` with
            ``schedule_fn(t, **params) -> lr`` where t counts scheduler steps from 0
            (the project's schedule protocol; ``solutions.schedulers.SCHEDULES`` has
            this shape, for a lecturer's own notebook).
        n_steps: horizon of the plot, t = 0 … n_steps (also a slider).
        param_options: ``{param_name: [choices]}`` for string parameters, e.g.
            ``{"mode": ["triangular", "triangular2", "exp_range"]}`` (``mode`` and
            ``anneal_strategy`` are known already).

    Controls:
        ``schedule_dropdown``; ``sliders``: the current schedule's controls,
        ``{param: widget}`` (``all_sliders[name]`` holds every schedule's);
        ``horizon_slider`` (n_steps); ``log_checkbox`` (log y axis);
        ``add_button`` / ``clear_button`` for the overlay.

    Attributes:
        line: Line2D of the current schedule; ``line.get_ydata()[t]`` is lr_t.
        overlay_lines: list of Line2D kept by "add to overlay".
        values: the current lr_t as an array of shape (n_steps + 1,).

    Example::

        from course.widgets import ScheduleExplorer
        explorer = ScheduleExplorer(
            {"step_decay": (step_decay, {"lr0": 0.1, "step_size": 30, "gamma": 0.1}),
             "cosine_annealing": (cosine_annealing, {"lr0": 0.1, "T_max": 100, "eta_min": 0.0})},
            n_steps=100)                       # the lesson's schedule functions
        explorer
        explorer.schedule_dropdown.value = "cosine_annealing"
        explorer.sliders["T_max"].value = 50
        explorer.add_overlay()               # same as the "add to overlay" button
    """

    def __init__(self, schedules, n_steps=100, param_options=None):
        self.schedules = check_optimizers(schedules, max_count=64, argument="schedules")
        n_steps = int(n_steps)
        if n_steps < 1:
            raise ValueError(f"n_steps must be at least 1, got {n_steps}")
        self.all_sliders, self._layouts = {}, {}
        for name, (_, params) in self.schedules.items():
            self.all_sliders[name], self._layouts[name] = controls_for(params, param_options)
        self.schedule_dropdown = widgets.Dropdown(options=list(self.schedules), description="schedule")
        self.horizon_slider = widgets.IntSlider(
            value=n_steps, min=1, max=max(1000, 2 * n_steps), description="steps", continuous_update=True
        )
        self.log_checkbox = widgets.Checkbox(value=False, description="log scale", indent=False)
        self.add_button = widgets.Button(description="add to overlay", icon="plus")
        self.clear_button = widgets.Button(description="clear overlay", icon="trash")
        self.params_box = widgets.VBox()
        self.overlay_lines = []
        self.values = np.array([])
        self._make_status()
        self._build_figure()
        self._update(raise_errors=True)

        self.schedule_dropdown.observe(lambda _: self._safely(self._on_schedule), names="value")
        for controls in self.all_sliders.values():
            for control in controls.values():
                control.observe(lambda _: self._safely(self._update), names="value")
        self.horizon_slider.observe(lambda _: self._safely(self._update), names="value")
        self.log_checkbox.observe(lambda _: self._safely(self._update), names="value")
        self.add_button.on_click(lambda _: self._safely(self.add_overlay))
        self.clear_button.on_click(lambda _: self._safely(self.clear_overlay))
        self._on_schedule_box()
        self.ui = widgets.VBox(
            [
                widgets.HBox([self.schedule_dropdown, self.horizon_slider, self.log_checkbox]),
                self.params_box,
                widgets.HBox([self.add_button, self.clear_button]),
                self.figure.image,
                self.status,
            ]
        )

    # ----------------------------------------------------------------- public
    @property
    def sliders(self):
        """Controls of the schedule shown now: ``{param: widget}``."""
        return self.all_sliders[self.schedule_dropdown.value]

    @property
    def n_steps(self):
        return self.horizon_slider.value

    def params(self, name=None):
        """Current parameters of schedule ``name`` (default: the one shown)."""
        name = name or self.schedule_dropdown.value
        return assemble(self.all_sliders[name], self._layouts[name])

    def add_overlay(self):
        """Keep the current curve on the plot (up to 8), labelled with its parameters."""
        if len(self.overlay_lines) >= _MAX_OVERLAYS:
            raise ValueError(f"at most {_MAX_OVERLAYS} overlays: press 'clear overlay' first")
        name = self.schedule_dropdown.value
        label = f"{name}({self._short_params()})"
        (line,) = self.ax.plot(
            self.line.get_xdata(),
            self.line.get_ydata(),
            "-",
            lw=scaled(1.4),
            alpha=0.8,
            drawstyle="steps-post",
            color=_OVERLAY_COLORS[len(self.overlay_lines)],
            label=label,
        )
        self.overlay_lines.append(line)
        self._update_limits()
        self._refresh_legend()

    def clear_overlay(self):
        """Remove every overlaid curve."""
        for line in self.overlay_lines:
            line.remove()
        self.overlay_lines = []
        self._refresh_legend()

    # ---------------------------------------------------------------- events
    def _safely(self, action):
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - callbacks have no caller: show it
            self._set_status(f"{type(exc).__name__}: {html.escape(str(exc))}", error=True)

    def _on_schedule_box(self):
        self.params_box.children = [
            widgets.HBox(list(self.sliders.values()), layout=widgets.Layout(flex_flow="row wrap"))
        ]

    def _on_schedule(self):
        self._on_schedule_box()
        self._update()

    def _short_params(self):
        parts = []
        for key, value in self.params().items():
            parts.append(f"{key}={value:.3g}" if isinstance(value, float) else f"{key}={value}")
        return ", ".join(parts)

    # --------------------------------------------------------------- compute
    def _update(self, raise_errors=False):
        name = self.schedule_dropdown.value
        schedule, _ = self.schedules[name]
        params = self.params(name)
        values, error = schedule_values(schedule, params, self.n_steps)
        if raise_errors and np.all(np.isnan(values)):
            raise ValueError(f"schedule {name!r} failed at every step with its defaults: {error}")
        self.values = values
        self.line.set_data(np.arange(values.size), values)
        self.line.set_label(name)
        self._update_limits()
        title = f"{name}: learning rate against step"
        if self.ax.title.get_text() != title:
            self.ax.title.set_text(title)
            self.figure.invalidate_layer()
        if error:
            defined = int(np.sum(~np.isnan(values)))
            self._set_status(
                f"{html.escape(name)} is defined for {defined} of {values.size} steps; "
                f"first error at {html.escape(error)}",
                error=True,
            )
        else:
            finite = values[np.isfinite(values)]
            self._set_status(
                f"{html.escape(name)}: lr_0 = {values[0]:.4g}, min = {finite.min():.4g}, "
                f"max = {finite.max():.4g}, "
                f"lr_{values.size - 1} = {values[-1]:.4g}"
            )
        self.figure.render()

    # ------------------------------------------------------------------ draw
    def _rebuild_figure(self):
        # Overlays live on the old axes: a rebuild starts without them.
        self.overlay_lines = []
        self._build_figure()
        self._update()

    def _build_figure(self):
        self._new_figure(figsize=(9.0, 3.8))
        self.ax = self.figure.fig.subplots()
        self.ax.set_xlabel("step t (scheduler steps)")
        self.ax.set_ylabel("learning rate")
        self.ax.set_title(" ")
        self.figure.layer(self.ax.title)
        self.ax.grid(alpha=0.3)
        # steps-post: lr_t holds for the whole of step t, so step decays drop vertically.
        (self.line,) = self.ax.plot(
            [], [], "-", color="k", lw=scaled(2.2), label="current", drawstyle="steps-post"
        )
        self.figure.dynamic(self.line)
        self._limits = None
        self.figure.fig.subplots_adjust(left=0.09, right=0.98, bottom=0.14, top=0.9)

    def _refresh_legend(self):
        if self.overlay_lines:
            self.ax.legend(handles=self.overlay_lines, fontsize="small", loc="upper right", title="overlay")
        elif self.ax.get_legend() is not None:
            self.ax.get_legend().remove()
        self.figure.invalidate()
        self.figure.render()

    def _update_limits(self):
        ys = [self.values] + [line.get_ydata() for line in self.overlay_lines]
        all_values = np.concatenate([np.asarray(y, dtype=float) for y in ys])
        finite = all_values[np.isfinite(all_values)]
        xmax = max([self.n_steps] + [len(line.get_xdata()) - 1 for line in self.overlay_lines])
        log = self.log_checkbox.value
        if log:
            positive = finite[finite > 0]
            top = 10.0 ** math.ceil(math.log10(positive.max())) if positive.size else 1.0
            bottom = 10.0 ** math.floor(math.log10(positive.min())) if positive.size else top / 10
            ylim = (max(bottom, top * 1e-8), top)
        else:
            top = nice_upper(finite.max() * 1.05) if finite.size else 1.0
            ylim = (0.0, top)
        limits = ("log" if log else "linear", xmax, ylim)
        if limits != self._limits:
            self._limits = limits
            self.ax.set_yscale(limits[0])
            self.ax.set_xlim(0, xmax)
            self.ax.set_ylim(*ylim)
            self.figure.invalidate()
