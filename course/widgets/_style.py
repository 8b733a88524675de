"""One look for every widget and the lessons' static plots: palette, number format, presentation mode.

Palette: the Okabe–Ito colours (Okabe & Ito, "Color Universal Design", 2008), told apart
with every common colour-vision deficiency, one colour per optimizer, the same in every
widget and in the lessons' static plots (``from course.widgets import OPTIMIZER_COLORS``).
The eighth colour, for Nadam, is Paul Tol's olive (Okabe–Ito's yellow is unreadable on
white). Contours are drawn in greys so no path colour disappears on them.

Presentation mode (:func:`presentation`) scales fonts, line widths and marker sizes for a
projector, lets the plot image fill the cell's width, and gives the race compact controls
(one optimizer's sliders at a time, picked from a menu), so a 7-optimizer race fits a
1280×720 screen with its plot. It applies to widgets built after the call.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator

import matplotlib
import numpy as np
from matplotlib.colors import ListedColormap

from .presets import preset_key

#: Okabe–Ito colours by name.
OKABE_ITO = {
    "vermillion": "#D55E00",
    "blue": "#0072B2",
    "bluish green": "#009E73",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "reddish purple": "#CC79A7",
    "black": "#000000",
    "yellow": "#F0E442",
}

#: One colour per optimizer of the course, keyed by :func:`course.widgets.presets.preset_key`.
OPTIMIZER_COLORS = {
    "sgd": OKABE_ITO["vermillion"],
    "momentum": OKABE_ITO["blue"],
    "nesterov": OKABE_ITO["bluish green"],
    "adagrad": OKABE_ITO["orange"],
    "rmsprop": OKABE_ITO["sky blue"],
    "adadelta": OKABE_ITO["reddish purple"],
    "adam": OKABE_ITO["black"],
    "nadam": "#999933",  # Paul Tol's olive
    "adamw": OKABE_ITO["blue"],
    "adaml2": OKABE_ITO["vermillion"],
    "signgd": OKABE_ITO["blue"],
    "amsgrad": "#882255",  # Paul Tol's wine
}
#: Colours in the order a widget hands them to names the table does not know.
PALETTE = (
    OKABE_ITO["vermillion"],
    OKABE_ITO["blue"],
    OKABE_ITO["bluish green"],
    OKABE_ITO["orange"],
    OKABE_ITO["sky blue"],
    OKABE_ITO["reddish purple"],
    OKABE_ITO["black"],
    "#999933",
)

#: Greys for contour lines (light to mid), so coloured paths stand out on every landscape.
CONTOUR_CMAP = ListedColormap(
    matplotlib.colormaps["Greys"](np.linspace(0.3, 0.75, 256)), name="course_contours"
)


def optimizer_color(name: str) -> str | None:
    """The colour of an optimizer by name, None if no table entry matches.

    The longest table key contained in the name (normalised as by ``preset_key``) wins, so
    "momentum 0.9" and "SGD + momentum" get momentum's colour, "Nadam" Nadam's, "AdamW"
    AdamW's.

    Example::

        optimizer_color("Nesterov 0.9") == OPTIMIZER_COLORS["nesterov"]   # True
    """
    key = preset_key(name)
    if key in OPTIMIZER_COLORS:
        return OPTIMIZER_COLORS[key]
    found = [k for k in OPTIMIZER_COLORS if k in key]
    return OPTIMIZER_COLORS[max(found, key=len)] if found else None


def optimizer_colors(names: Iterable[str]) -> dict[str, str]:
    """``{name: colour}``, distinct: the table's colour where free, else the next unused of PALETTE."""
    colors, used = {}, set()
    for name in names:
        color = optimizer_color(name)
        if color is not None and color not in used:
            colors[name] = color
            used.add(color)
    spare = [c for c in PALETTE if c not in used]
    for name in names:
        if name not in colors:
            colors[name] = spare.pop(0) if spare else PALETTE[len(colors) % len(PALETTE)]
    return {name: colors[name] for name in names}


def use_palette() -> list[str]:
    """Make PALETTE (Okabe–Ito) matplotlib's colour cycle, for a lesson's static plots.

    Plots that pass no colour, and the colours "C0", "C1", ..., then come from PALETTE (C0 is
    vermillion, C1 blue, ...); plots of optimizers take :func:`optimizer_color` on top. Affects
    figures made afterwards in this process. Returns the colours of the cycle.

    Example::

        from course.widgets import use_palette
        use_palette()
        plt.plot(x, y)          # drawn in "#D55E00"
    """
    from cycler import cycler

    matplotlib.rcParams["axes.prop_cycle"] = cycler(color=list(PALETTE))
    return list(PALETTE)


def format_number(value: float, digits: int = 2) -> str:
    """A number for titles and readouts: ``8.9e3``, ``1.0e-06`` style for large/small, else ``0.05``.

    Example::

        format_number(8912.5), format_number(1e-6), format_number(0.05), format_number(-3.2e-12)
        # ('8.9e3', '1.0e-6', '0.05', '-3.2e-12')
    """
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    if 1e-2 <= abs(value) < 1e3:
        return f"{value:.{digits + 1}g}"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


class _Settings:
    scale = 1.0
    enabled = False


SETTINGS = _Settings()


def presentation(scale: float = 1.5, enabled: bool = True) -> _Settings:
    """Presentation mode for widgets built from now on: ``scale`` times the fonts and lines.

    ``presentation(enabled=False)`` switches it off again. Returns the settings.

    Example::

        import course.widgets as cw
        cw.presentation(scale=1.5)
        race = cw.OptimizerRace(...)      # large fonts, image as wide as the cell, compact controls
    """
    scale = float(scale)
    if not 0.5 <= scale <= 4:
        raise ValueError(f"scale must be in [0.5, 4], got {scale}")
    SETTINGS.enabled = bool(enabled)
    SETTINGS.scale = scale if enabled else 1.0
    return SETTINGS


#: CSS class of a widget's outer box in presentation mode: presentation_css scales the controls in it.
PRESENTATION_CLASS = "course-presentation"

# ipywidgets 8 sizes its controls with these CSS variables (defaults of JupyterLab's widget
# theme, px). Only Button, ToggleButton, Label and HTML take ``style.font_size``; sliders,
# dropdowns and checkboxes do not, so the controls are scaled through the variables instead.
_CONTROL_SIZES_PX = {
    "--jp-widgets-font-size": 13,
    "--jp-widgets-inline-height": 28,
    "--jp-widgets-inline-label-width": 80,
    "--jp-widgets-slider-handle-size": 16,
    "--jp-widgets-slider-track-thickness": 4,
}


def presentation_css(scale: float) -> str:
    """A ``<style>`` that scales the text, label width and slider handles of the ipywidgets
    controls inside an element of class PRESENTATION_CLASS by ``scale``, their row height by
    (1 + scale) / 2 (widths of sliders stay: the race's compact layout must still fit a
    1280x720 screen; buttons grow with their text).

    Example::

        presentation_css(1.5)   # '<style>.course-presentation { --jp-widgets-font-size: 19.5px; ...'
    """
    scale = float(scale)
    if not 0.5 <= scale <= 4:
        raise ValueError(f"scale must be in [0.5, 4], got {scale}")
    sizes = {name: size * scale for name, size in _CONTROL_SIZES_PX.items()}
    # Rows grow by half as much as the text (28 px holds 13 px text with room to spare), so that
    # the 7-optimizer race and its plot still fit a 1280x720 screen together.
    sizes["--jp-widgets-inline-height"] = round(
        _CONTROL_SIZES_PX["--jp-widgets-inline-height"] * (1 + scale) / 2
    )
    rules = " ".join(f"{name}: {size:g}px;" for name, size in sizes.items())
    return (
        f"<style>.{PRESENTATION_CLASS} {{ {rules} }} "
        f".{PRESENTATION_CLASS} .widget-readout {{ font-size: var(--jp-widgets-font-size); }} "
        f".{PRESENTATION_CLASS} .jupyter-button {{ width: auto; }}</style>"  # buttons fit their larger text
    )


def scaled(size: float) -> float:
    """A font size, line width or marker size for the current mode."""
    return size * SETTINGS.scale


def rc_params(scale: float | None = None) -> dict[str, float]:
    """matplotlib rcParams for a widget figure at ``scale`` (default: the current mode's)."""
    scale = SETTINGS.scale if scale is None else scale
    return {
        "font.size": 10 * scale,
        "axes.titlesize": 11 * scale,
        "axes.labelsize": 10 * scale,
        "xtick.labelsize": 9 * scale,
        "ytick.labelsize": 9 * scale,
        "legend.fontsize": 8.5 * scale,
        "lines.linewidth": 1.5 * scale,
        "lines.markersize": 6 * scale,
        "axes.linewidth": 0.8 * scale,
        "grid.linewidth": 0.8 * scale,
        "xtick.major.width": 0.8 * scale,
        "ytick.major.width": 0.8 * scale,
    }


@contextlib.contextmanager
def figure_style(scale: float) -> Iterator[None]:
    """rcParams of a widget's figure while it is built and drawn (ticks are made at draw time)."""
    with matplotlib.rc_context(rc_params(scale)):
        yield
