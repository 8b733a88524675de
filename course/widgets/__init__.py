"""Widgets for live lectures: ipywidgets controls driving matplotlib figures in place.

Every widget takes its update rules as arguments (a lecture passes the reference
optimizers, a student their own) and follows the project's protocols:

- optimizer: ``step(w, dw, state=None, **hparams) -> (w_next, state)``, w a 1-D array;
- schedule: ``schedule(t, **params) -> lr``.

Widgets (each has ``.ui``, displays itself as a cell's last expression, and exposes
its controls and plotted artists for driving it from code):

- :class:`GDStepper` — gradient descent on a 1-D function, Step/Reset, the seeds' table.
- :class:`OptimizerRace` — optimizers racing on a 2-D landscape (quadratic with
  condition number, Rosenbrock, saddle, Beale, Himmelblau), play control.
- :class:`ScheduleExplorer` — learning rate against step, overlays.
- :class:`BatchNoiseExplorer` — minibatch gradients around the full gradient.
- :class:`WeightDecayExplorer` — Adam + L2 against AdamW.

Usage in a lesson's "Live lecture" section. Lessons never import ``solutions``
(notebooks/README.md): pass the lesson's own functions, i.e. the exercises the
student just wrote, or optimizers given in a plain cell. Each snippet is one cell;
the bare name on its last line displays the widget::

    from course.widgets import GDStepper
    stepper = GDStepper(derivative=forward_difference)          # x**4 + x + 2, lr 0.2, h 1e-3, x0 1
    stepper

    from course.widgets import OptimizerRace
    race = OptimizerRace({"SGD": (sgd, {"lr": 1e-3}),
                          "momentum": (momentum, {"lr": 1e-3, "momentum": 0.9}),
                          "Adam": (adam, {"lr": 0.05, "betas": (0.9, 0.999)})},
                         landscape="rosenbrock", n_steps=200)
    race

    from course.widgets import ScheduleExplorer
    ScheduleExplorer({"step": (step_decay, {"lr0": 0.1, "step_size": 30, "gamma": 0.1}),
                      "cosine": (cosine_annealing, {"lr0": 0.1, "T_max": 100, "eta_min": 0.0})},
                     n_steps=100)

    from course.widgets import BatchNoiseExplorer
    BatchNoiseExplorer()                                        # least squares, N = 512

    from course.widgets import WeightDecayExplorer
    WeightDecayExplorer(adam, adamw, lr=0.05, weight_decay=0.1)  # adam: L2 weight_decay; adamw: decoupled

Drive them from code to put numbers on record (every control is a public
attribute, and its observer runs synchronously on assignment)::

    race.sliders["Adam"]["lr"].value = 0.1       # per-optimizer hyperparameter controls
    race.landscape_dropdown.value = "quadratic"; race.condition_slider.value = 100
    race.trajectories["Adam"][-1], race.losses["Adam"][-1]

Presentation mode (one switch, for widgets built after it): ``course.widgets.presentation(scale=1.5)``
scales fonts and lines, shows plots as wide as the cell, and compacts the race's controls.
Colours: the colour-blind-safe Okabe–Ito palette, one colour per optimizer
(``OPTIMIZER_COLORS``, also for the lessons' static plots: ``optimizer_color("Adam")``).

Rendering: one matplotlib Figure per widget, drawn with Agg into an
``ipywidgets.Image``; artists are updated in place and blitted (see
``course.widgets._figure``), so it works in plain JupyterLab without ipympl.
``course`` never imports ``solutions``.
"""

from ._controls import GridFloatSlider, GridLogSlider, set_slider, snap_linear, snap_log
from ._style import (
    OKABE_ITO,
    OPTIMIZER_COLORS,
    format_number,
    optimizer_color,
    optimizer_colors,
    presentation,
    use_palette,
)
from .batch_noise import BatchNoiseExplorer, least_squares_problem
from .gd_stepper import GDStepper, quartic
from .presets import PRESETS, tune_lr
from .race import OptimizerRace, run_optimizer
from .schedules import ScheduleExplorer, schedule_values
from .weight_decay import WeightDecayExplorer

__all__ = [
    "GDStepper",
    "OptimizerRace",
    "ScheduleExplorer",
    "BatchNoiseExplorer",
    "WeightDecayExplorer",
    "quartic",
    "run_optimizer",
    "schedule_values",
    "least_squares_problem",
    "presentation",
    "OKABE_ITO",
    "OPTIMIZER_COLORS",
    "optimizer_color",
    "optimizer_colors",
    "use_palette",
    "format_number",
    "PRESETS",
    "tune_lr",
    "GridFloatSlider",
    "GridLogSlider",
    "set_slider",
    "snap_linear",
    "snap_log",
]
