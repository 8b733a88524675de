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

Rendering: one matplotlib Figure per widget, drawn with Agg into an
``ipywidgets.Image``; artists are updated in place and blitted (see
``course.widgets._figure``), so it works in plain JupyterLab without ipympl.
``course`` never imports ``solutions``.
"""

from .batch_noise import BatchNoiseExplorer, least_squares_problem, minibatch_gradient_variance
from .gd_stepper import GDStepper, quartic
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
    "minibatch_gradient_variance",
]
