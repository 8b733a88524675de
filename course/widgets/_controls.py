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
Ranges can be changed afterwards from Python, e.g. ``slider.max = 3``.
"""

from __future__ import annotations

import math
import numbers

import ipywidgets as widgets

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


def is_lr_name(name):
    return name in LR_NAMES or name.endswith("_lr")


def log_slider(description, value, low, high, step=0.05, readout_format=".3g", **kwargs):
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
    return widgets.FloatLogSlider(
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
    return widgets.FloatSlider(
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


def make_control(name, value, options=None):
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
                raise ValueError(f"hyperparameter {name!r} is a learning rate and must be positive, got {value}")
            return _log_slider(name, value, value / 1000, value * 100)
        if base == "eps":
            return _log_slider(name, min(max(value, 1e-12), 1.0), 1e-12, 1.0)
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


def control_value(control):
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


def controls_for(hparams, options=None):
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
            names = [f"beta{i + 1}" for i in range(len(value))] if name == "betas" else [
                f"{name}[{i}]" for i in range(len(value))
            ]
            for control_name, element in zip(names, value):
                controls[control_name] = make_control(control_name, element)
            layout[name] = tuple(names)
        else:
            controls[name] = make_control(name, value, options.get(name))
            layout[name] = name
    return controls, layout


def assemble(controls, layout):
    """Rebuild the hyperparameter dict from the controls (inverse of :func:`controls_for`)."""
    result = {}
    for name, source in layout.items():
        if isinstance(source, tuple):
            result[name] = tuple(control_value(controls[c]) for c in source)
        else:
            result[name] = control_value(controls[source])
    return result
