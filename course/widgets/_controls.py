"""Controls derived from a hyperparameter's name and default value.

One rule table serves the optimizer race and the schedule explorer, so the same
name gets the same kind of slider everywhere:

- bool: Checkbox.
- int: IntSlider from 0 (from 1 if the default is >= 1) to max(10, 4·default).
- float named ``lr``, ``lr0``, ``base_lr``, ``max_lr`` or ``*_lr``: FloatLogSlider
  from default/1000 to default·100 (a learning rate must be positive).
- ``eps``: FloatLogSlider 1e-12 … 1.
- a float in [0, 1) named momentum, dampening, alpha, rho, beta1, beta2 (from
  ``betas``), gamma or mu: FloatSlider 0 … 0.9999 (0.99 … 0.999999 when the
  default is above 0.999).
- a float in [0, 1] named pct_start, start_factor, end_factor or factor:
  FloatSlider 0 … 1.
- ``weight_decay``: FloatSlider 0 … max(1, 10·default).
- any other float: FloatLogSlider default/100 … default·100 if positive,
  FloatSlider 0 … 1 if zero, FloatSlider 2·default … −2·default if negative.
- str: Dropdown when its options are known (``mode``, ``anneal_strategy``,
  ``threshold_mode``, or passed in), else Text.
- list or tuple of ints (``milestones``): Text, comma-separated, e.g. ``30, 60``.
- None (``step_size_down``): Text holding "None" or a number.

Sliders have ``continuous_update=True``: the plot follows the handle while dragging.

Browser-true values: a slider in the browser can only sit on its grid (``min + k·step``,
for a log slider ``base**(min + k·step)``), and when the kernel sets a value off that
grid the browser moves the handle to the nearest grid point and sends *that* value back,
late, overwriting what the code set (lesson 05's Adam lr 0.3 came back as 0.316; the
saddle's start 1e-3 came back as 0.0). So every float slider here is a
:class:`GridFloatSlider` or :class:`GridLogSlider`, whose value is snapped onto the grid
*in the kernel* the moment it is set: what the code reads back is what the browser shows,
and the value the browser returns snaps to the same float (no change, no rerun). Change
a range together with its value with :func:`set_slider`, which sends them to the browser
in one message (``hold_sync``) so the browser never clamps the old value into the new
range and sends that back.
"""

from __future__ import annotations

import builtins
import math
import numbers
import time
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
from traitlets import validate

LR_NAMES = {"lr", "lr0", "base_lr", "max_lr", "initial_lr"}
UNIT_INTERVAL_NAMES = {
    "momentum",
    "dampening",
    "alpha",
    "rho",
    "beta",
    "beta1",
    "beta2",
    "gamma",
    "mu",
}
#: Fractions where 1 is a sensible value too (linear warm-up's end_factor=1).
FRACTION_NAMES = {"pct_start", "start_factor", "end_factor", "factor"}

#: Options for string hyperparameters, so they get a dropdown instead of a text box.
KNOWN_OPTIONS = {
    "mode": ("triangular", "triangular2", "exp_range"),
    "anneal_strategy": ("cos", "linear"),
    "threshold_mode": ("rel", "abs"),
}

_STYLE = {"description_width": "initial"}
_LAYOUT = {"width": "330px"}


def _tidy(value, step=None):
    """The float a grid value is stored as: 12 significant digits (and, for a linear grid,
    no digits below step/10^6), so the kernel's and the browser's versions of one grid
    point, which may differ in the last bits, map to the same float."""
    if step:
        value = round(value, max(0, -math.floor(math.log10(abs(step)))) + 6)
    return float(f"{value:.12g}") + 0.0  # + 0.0 turns -0.0 into 0.0


def snap_linear(value: float, low: float, high: float, step: float) -> float:
    """Nearest point of the grid low + k·step (k = 0, 1, …) or high itself, as noUiSlider snaps.

    Example::

        snap_linear(0.001, -2.0, 2.0, 0.01)    # 0.0: a start of 1e-3 needs a finer step
        snap_linear(0.3, 0.0, 1.0, 0.001)      # 0.3
    """
    value, low, high = float(value), float(low), float(high)
    if not math.isfinite(value) or value <= low:
        return low
    if value >= high:
        return high
    if not step or step <= 0:
        return value
    last = math.floor((high - low) / step + 1e-9)
    k = min(max(round((value - low) / step), 0), last)
    candidate = _tidy(low + k * step, step)
    # The last, partial step of the track ends at high.
    if k == last and abs(high - value) < abs(value - candidate):
        return high
    return candidate


def snap_log(value: float, low: float, high: float, step: float, base: float = 10.0) -> float:
    """Nearest value base**(low + k·step) (low, high: exponents), as a FloatLogSlider's handle sits.

    Example::

        snap_log(0.3, -4.0, 1.0, 0.05)     # 0.316227766017 (10**-0.5)
    """
    value = float(value)
    lowest, highest = float(base) ** low, float(base) ** high
    if not value > lowest:
        return _tidy(lowest)
    if value >= highest:
        return _tidy(highest)
    if not step or step <= 0:
        return value
    exponent = math.log(value) / math.log(base)
    last = math.floor((high - low) / step + 1e-9)
    k = min(max(round((exponent - low) / step), 0), last)
    if k == last and abs(high - exponent) < abs(exponent - (low + k * step)):
        return _tidy(highest)
    return _tidy(float(base) ** (low + k * step))


#: How long a value the kernel set can still come back from the browser as a stale echo.
ECHO_SECONDS = 60.0


class _StaleEchoFilter:
    """Drops the browser's stale echoes of values the kernel set and has since replaced.

    The browser answers every value the kernel sends with the value its handle now shows
    (noUiSlider fires "update" on programmatic moves too). When code changes a slider
    twice in a row (a landscape switch and back, a value set then restored), the echo of
    the first value reaches the kernel after the second was set, and used to overwrite
    it. Values the kernel set are remembered (for ECHO_SECONDS); a value from the browser
    equal to one of them is an echo: of the current value, harmless; of another one, stale,
    and ignored, and the current value is sent again so the handle shows it. The browser may
    answer one value more than once (a range change moves the handle too) and in any order,
    so a matched value stays remembered. Any other value from the browser is the user's: it
    is taken, and the memory is cleared (from then on the browser leads).
    """

    def _init_echo_filter(self):
        # [(value, monotonic time)], oldest first; the first echo answers the value the widget was made with.
        self._sent_values = [(self.value, time.monotonic())]
        self.stale_echoes_dropped = 0
        self.observe(self._remember_kernel_value, names="value")

    def _remember_kernel_value(self, change):
        if "value" not in self._property_lock:  # set in the kernel, not from the browser
            self._sent_values.append((change["new"], time.monotonic()))

    def set_state(self, sync_data):
        if "value" in sync_data and getattr(self, "_sent_values", None):
            now = time.monotonic()
            self._sent_values = [(v, t) for v, t in self._sent_values if now - t < ECHO_SECONDS]
            # Compared unsnapped: the grid may have moved since (a preset re-anchors a log slider).
            echoed = float(sync_data["value"])
            match = next(
                (
                    i
                    for i, (v, _) in enumerate(self._sent_values)
                    if math.isclose(v, echoed, rel_tol=1e-9, abs_tol=1e-12)
                ),
                None,
            )
            proposed = self._snap(echoed)
            if match is None:
                self._sent_values = []  # the user moved the handle: from now on the browser leads
            elif proposed != self.value:
                sync_data = {k: v for k, v in sync_data.items() if k != "value"}
                self.stale_echoes_dropped += 1
                self.send_state("value")  # show the browser ours; its echo is the current value
        if "value" in sync_data:
            proposed = self._snap(float(sync_data["value"]))
            # The same grid point again: not set at all (traitlets, holding notifications during
            # set_state, would otherwise report a "change" from 0.5 to 0.5 and the widget rerun).
            sync_data = (
                {k: v for k, v in sync_data.items() if k != "value"}
                if proposed == self.value
                else {**sync_data, "value": proposed}
            )
        super().set_state(sync_data)


class GridFloatSlider(_StaleEchoFilter, widgets.FloatSlider):
    """A FloatSlider whose value is always a point of its grid (see :func:`snap_linear`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_echo_filter()

    def _snap(self, value):
        return snap_linear(value, self.min, self.max, self.step)

    @validate("value")
    def _validate_value(self, proposal):
        return self._snap(proposal["value"])


class GridLogSlider(_StaleEchoFilter, widgets.FloatLogSlider):
    """A FloatLogSlider whose value is always a point of its grid (see :func:`snap_log`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_echo_filter()

    def _snap(self, value):
        return snap_log(value, self.min, self.max, self.step, self.base)

    @validate("value")
    def _validate_value(self, proposal):
        return self._snap(proposal["value"])


def set_slider(
    slider: widgets.FloatSlider,
    value: float | None = None,
    *,
    min: float | None = None,
    max: float | None = None,
    step: float | None = None,
) -> float:  # noqa: A002 - ipywidgets' names
    """Set a slider's range, step and value together; the browser gets them in one message.

    The range is widened before it is narrowed, so no intermediate state clamps the value,
    and the value is set last, onto the new grid. Returns the value the slider holds.

    Example::

        set_slider(race.start_sliders["x2"], 1e-3, min=-2, max=2, step=1e-3)
    """
    with slider.hold_sync():
        if step is not None:
            slider.step = step
        new_min = slider.min if min is None else min
        new_max = slider.max if max is None else max
        slider.min, slider.max = builtins.min(new_min, slider.min), builtins.max(new_max, slider.max)
        slider.min, slider.max = new_min, new_max
        slider.value = slider.value if value is None else value
    return slider.value


def retarget_log_slider(
    slider: widgets.FloatSlider, value: float, low: float | None = None, high: float | None = None
) -> float:
    """Move a log slider's grid so that ``value`` lies on it, and set it there.

    The new range is [low, high] (default: the old range) widened to include value, on
    a grid through value with the old step; sent with :func:`set_slider`. Returns the value.
    """
    value = float(value)
    base = slider.base
    low = base**slider.min if low is None else low
    high = base**slider.max if high is None else high
    low, high = min(low, value), max(high, value)
    center = math.log(value) / math.log(base)
    below = math.floor((center - math.log(low) / math.log(base)) / slider.step + 1e-9)
    above = math.floor((math.log(high) / math.log(base) - center) / slider.step + 1e-9)
    set_slider(slider, value, min=center - below * slider.step, max=center + above * slider.step)
    return slider.value


def set_control(control: widgets.ValueWidget, value: Any) -> Any:
    """Set a hyperparameter control to value: a log slider's grid moves to pass through it."""
    if isinstance(control, widgets.FloatLogSlider) and value > 0:
        return retarget_log_slider(control, value)
    if isinstance(control, widgets.FloatSlider):
        return set_slider(control, value, min=min(control.min, value), max=max(control.max, value))
    if isinstance(control, widgets.Text):
        kind = getattr(control, "_course_kind", None)
        if kind == "int_list":
            control.value = ", ".join(str(int(v)) for v in value)
        else:
            control.value = str(value)
        return control.value
    control.value = value
    return control.value


def is_lr_name(name: str) -> bool:
    return name in LR_NAMES or name.endswith("_lr")


def log_slider(
    description: str,
    value: float,
    low: float,
    high: float,
    step: float = 0.05,
    readout_format: str = ".3g",
    **kwargs: Any,
) -> widgets.FloatLogSlider:
    """A FloatLogSlider on a grid of 10^step ratios that passes through ``value`` exactly.

    A FloatLogSlider's handle sits on 10^(min + k·step). With min and max chosen
    so that log10(value) is on that grid, the readout shows the default exactly
    (0.05, not 0.0501) and dragging back to it restores it. The range is the
    largest such grid inside [low, high], widened to include value if needed.
    Note that ``min``/``max`` of a FloatLogSlider are exponents, and that
    ipywidgets clamps a value set outside them.

    Example::

        log_slider("lr", 0.05, 5e-5, 5.0)   # handle positions 0.05·10^(0.05k)
    """
    value, low, high = float(value), float(low), float(high)
    if not 0 < low <= high:
        raise ValueError(f"log slider {description!r} needs 0 < low <= high, got low={low}, high={high}")
    if not value > 0:
        raise ValueError(f"log slider {description!r} needs a positive value, got {value}")
    low, high = min(low, value), max(high, value)
    center = math.log10(value)
    below = math.floor((center - math.log10(low)) / step + 1e-9)
    above = math.floor((math.log10(high) - center) / step + 1e-9)
    kwargs.setdefault("style", _STYLE)
    kwargs.setdefault("continuous_update", True)
    return GridLogSlider(
        value=value,
        base=10,
        min=center - below * step,
        max=center + above * step,
        step=step,
        description=description,
        readout_format=readout_format,
        **kwargs,
    )


def _log_slider(name, value, low, high):
    return log_slider(name, value, low, high, layout=_LAYOUT)


def _linear_slider(name, value, low, high, step):
    return GridFloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=name,
        readout_format=".4g",
        continuous_update=True,
        style=_STYLE,
        layout=_LAYOUT,
    )


def make_control(name: str, value: Any, options: Mapping[str, Any] | None = None) -> widgets.ValueWidget:
    """Build the control for one hyperparameter (see the module's rule table).

    Args:
        name: hyperparameter name, e.g. ``"lr"``; shown as the description.
        value: its default; the control starts there.
        options: for str values, the allowed choices (a Dropdown); else ignored.

    Returns:
        An ipywidgets control whose ``.value`` is the hyperparameter (lists are
        parsed back by :func:`control_value`).

    Raises:
        ValueError: a learning rate that is not positive, or a value of a type no
            control exists for (e.g. a dict).
    """
    base = name.rsplit("[", 1)[0]
    if isinstance(value, bool):
        return widgets.Checkbox(value=value, description=name, style=_STYLE, indent=False)
    if isinstance(value, numbers.Integral):
        value = int(value)
        low = 1 if value >= 1 else min(0, value)
        return widgets.IntSlider(
            value=value,
            min=low,
            max=max(10, 4 * value),
            description=name,
            continuous_update=True,
            style=_STYLE,
            layout=_LAYOUT,
        )
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"hyperparameter {name!r} must be finite, got {value}")
        if is_lr_name(base):
            if value <= 0:
                raise ValueError(
                    f"hyperparameter {name!r} is a learning rate and must be positive, got {value}"
                )
            return _log_slider(name, value, value / 1000, value * 100)
        if base == "eps":  # readout 1.0e-06, not a clipped 0.00000100
            return log_slider(
                name, min(max(value, 1e-12), 1.0), 1e-12, 1.0, readout_format=".1e", layout=_LAYOUT
            )
        if base == "weight_decay":
            return _linear_slider(name, value, 0.0, max(1.0, 10 * value), 1e-3)
        if base in FRACTION_NAMES and 0 <= value <= 1:
            return _linear_slider(name, value, 0.0, 1.0, 1e-3)
        if base in UNIT_INTERVAL_NAMES and 0 <= value < 1:
            if value > 0.999:  # e.g. exp_range gamma=0.99994 needs a finer, narrower slider
                return _linear_slider(name, value, 0.99, 0.999999, 1e-6)
            return _linear_slider(name, value, 0.0, 0.9999, 1e-4)
        if value > 0:
            return _log_slider(name, value, value / 100, value * 100)
        if value == 0:
            return _linear_slider(name, value, 0.0, 1.0, 1e-3)
        return _linear_slider(name, value, 2 * value, -2 * value, -value / 100)
    if isinstance(value, str):
        choices = tuple(options) if options else KNOWN_OPTIONS.get(base)
        if choices and value in choices:
            return widgets.Dropdown(options=list(choices), value=value, description=name, style=_STYLE)
        return widgets.Text(value=value, description=name, style=_STYLE, continuous_update=False)
    if isinstance(value, (list, tuple)) and all(isinstance(v, numbers.Integral) for v in value):
        text = widgets.Text(
            value=", ".join(str(int(v)) for v in value),
            description=name,
            style=_STYLE,
            continuous_update=False,
        )
        text._course_kind = "int_list"
        return text
    if value is None:
        # e.g. cyclic's step_size_down=None: "None" (or empty) keeps None, a number replaces it.
        text = widgets.Text(value="None", description=name, style=_STYLE, continuous_update=False)
        text._course_kind = "optional_number"
        return text
    raise ValueError(
        f"hyperparameter {name!r} has a value of type {type(value).__name__} ({value!r}); "
        "use a number, bool, str, None, or list of ints"
    )


def control_value(control: widgets.ValueWidget) -> Any:
    """The hyperparameter value a control stands for (parses comma-separated int lists).

    Raises:
        ValueError: a list text box that does not hold comma-separated integers.
    """
    if getattr(control, "_course_kind", None) == "int_list":
        text = control.value.strip()
        if not text:
            return []
        try:
            return [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
        except ValueError as exc:
            raise ValueError(
                f"{control.description} must be comma-separated integers, e.g. '30, 60', got {text!r}"
            ) from exc
    if getattr(control, "_course_kind", None) == "optional_number":
        text = control.value.strip()
        if text in ("", "None", "none"):
            return None
        try:
            number = float(text)
        except ValueError as exc:
            raise ValueError(f"{control.description} must be a number or None, got {text!r}") from exc
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    return control.value


def controls_for(
    hparams: Mapping[str, Any], options: Mapping[str, Any] | None = None
) -> tuple[dict[str, widgets.ValueWidget], dict[str, list[str]]]:
    """Controls for a dict of hyperparameters; tuples of numbers get one control per element.

    ``betas=(0.9, 0.999)`` becomes controls ``"beta1"`` and ``"beta2"``; another tuple
    ``name=(a, b)`` becomes ``"name[0]"`` and ``"name[1]"``.

    Returns:
        (controls, layout): controls is {control_name: widget}; layout maps each
        hyperparameter name to the control names that rebuild it, for
        :func:`assemble`.
    """
    options = options or {}
    controls = {}
    layout = {}
    for name, value in hparams.items():
        numeric_tuple = (
            isinstance(value, tuple)
            and len(value) > 0
            and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)
            and not all(isinstance(v, numbers.Integral) for v in value)
        )
        if numeric_tuple:
            names = (
                [f"beta{i + 1}" for i in range(len(value))]
                if name == "betas"
                else [f"{name}[{i}]" for i in range(len(value))]
            )
            for control_name, element in zip(names, value, strict=False):
                controls[control_name] = make_control(control_name, element)
            layout[name] = tuple(names)
        else:
            controls[name] = make_control(name, value, options.get(name))
            layout[name] = name
    return controls, layout


def assemble(controls: dict[str, widgets.ValueWidget], layout: dict[str, list[str]]) -> dict[str, Any]:
    """Rebuild the hyperparameter dict from the controls (inverse of :func:`controls_for`)."""
    result = {}
    for name, source in layout.items():
        if isinstance(source, tuple):
            result[name] = tuple(control_value(controls[c]) for c in source)
        else:
            result[name] = control_value(controls[source])
    return result
