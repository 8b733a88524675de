"""Per-landscape hyperparameters that converge, for :class:`~course.widgets.OptimizerRace`.

A race built for Rosenbrock carries rates that explode on Beale or Himmelblau, so every
optimizer "diverges at step 2" after a switch. :data:`PRESETS` holds, for each landscape
of :mod:`course.landscapes` and each optimizer of the course, a learning rate tuned once
by ``benchmarks/tune_presets.py`` with :func:`tune_lr` (criteria there and below) on the
reference optimizers, 200 steps from the landscape's start, other hyperparameters as the
lessons use them (momentum 0.9, RMSProp alpha 0.99, Adadelta rho 0.9 and eps 1e-6,
Adam and Nadam betas (0.9, 0.999)). Quadratic rates are for condition number 20.

The race matches its optimizers to the table by name (:func:`preset_key`: "SGD" and "GD"
→ ``sgd``, "Nesterov" → ``nesterov``, "sign GD" → ``signgd``, …) and applies a preset on
every landscape switch, only to hyperparameters the optimizer has. An optimizer missing
from the table keeps its values. The landscape a race starts on uses the values the
lesson passed: those are its preset there ("reset to preset" returns to them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..landscapes import Landscape

#: Learning-rate grid of the tuning: 10^(k/10), 1e-4 … 100.
LR_GRID = tuple(float(f"{10.0 ** (k / 10):.3g}") for k in range(-40, 21))


def preset_key(name: str) -> str:
    """The table's key for an optimizer's display name: lower case, letters and digits only.

    Example::

        preset_key("Sign GD"), preset_key("GD"), preset_key("AdaGrad")   # 'signgd', 'sgd', 'adagrad'
    """
    key = re.sub(r"[^a-z0-9]", "", str(name).lower())
    return {
        "gd": "sgd",
        "gradientdescent": "sgd",
        "heavyball": "momentum",
        "signgradientdescent": "signgd",
    }.get(key, key)


def score_run(landscape: Landscape, path: np.ndarray, diverged: bool) -> float:
    """How well a run did (lower is better; inf: unusable).

    With a minimum: the final gap f(w_N) − f_min. On the saddle (f unbounded below): the
    step at which |w2| reaches 1.5 (escaped to the window's edge), provided that takes at
    least 10 steps (a path one can follow) and |w1| has halved by then.
    """
    if diverged or not np.all(np.isfinite(path)):
        return np.inf
    if landscape.f_min is None:
        escaped = np.nonzero(np.abs(path[:, 1]) >= 1.5)[0]
        if escaped.size == 0 or escaped[0] < 10 or abs(path[escaped[0], 0]) > 0.5 * abs(path[0, 0]):
            return np.inf
        return float(escaped[0])
    return max(float(landscape.f(path[-1]) - landscape.f_min), 0.0)


def tune_lr(
    step_fn: Callable[..., Any],
    hparams: dict[str, Any],
    landscape: Landscape,
    n_steps: int = 200,
    lrs: Sequence[float] = LR_GRID,
    x0: np.ndarray | None = None,
    slack: float = 10.0,
) -> tuple[float | None, float]:
    """The learning rate from ``lrs`` that serves a lecture best on ``landscape``, and its score.

    Runs ``step_fn`` with ``{**hparams, "lr": lr}`` from x0 (default ``landscape.x0``) for
    n_steps at every rate, scores each with :func:`score_run`, and returns
    ``(lr, score)``, or ``(None, score)`` when no rate makes progress (the best final gap
    above half the start's). With a minimum, when the best gap is below 1/1000 of the
    start's, the gaps within a factor 10 of it (or below 1e-10 of the start's gap, which
    counts as converged) are equally good and
    the *smallest* such rate is returned: divergence sits just above the fastest rate.
    ``slack=1`` returns the rate with the best gap itself (a method at its best).
    On the saddle the rate that escapes in the fewest steps.

    Example::

        from course.landscapes import quadratic
        lr, gap = tune_lr(momentum, {"momentum": 0.9}, quadratic(condition_number=100))
    """
    from .race import run_optimizer

    x0 = landscape.x0 if x0 is None else np.asarray(x0, dtype=float)
    span = max(landscape.xlim[1] - landscape.xlim[0], landscape.ylim[1] - landscape.ylim[0])
    scores = []
    for lr in lrs:
        try:
            path, diverged = run_optimizer(
                step_fn, {**hparams, "lr": float(lr)}, landscape.grad, x0, n_steps, 1e3 * span
            )
        except (ValueError, ArithmeticError):
            continue
        scores.append((score_run(landscape, path, diverged), float(lr)))
    finite = [s for s, _ in scores if np.isfinite(s)]
    if not finite:
        return None, np.inf
    best = min(finite)
    if landscape.f_min is None:
        return min(lr for s, lr in scores if s == best), best
    start_gap = float(landscape.f(x0) - landscape.f_min)
    if best > 0.5 * start_gap:
        return None, best
    # Slack only where the best run got close (below 1 % of the start's gap).
    good_enough = max(slack * best, 1e-10 * start_gap) if slack * best < 1e-2 * start_gap else best
    lr = min(lr for s, lr in scores if s <= good_enough)
    return lr, dict((r, s) for s, r in scores)[lr]


# Output of `python benchmarks/tune_presets.py` (see its docstring); comments: the score.
PRESETS = {
    "quadratic": {
        "sgd": {"lr": 0.316},  # f - f* after 200 steps: 2.9e-11
        "momentum": {"lr": 0.0251},  # f - f* after 200 steps: 8.8e-09
        "nesterov": {"lr": 0.0316},  # f - f* after 200 steps: 1.6e-10
        "adagrad": {"lr": 1.26},  # f - f* after 200 steps: 7.5e-13
        "rmsprop": {"lr": 0.1},  # f - f* after 200 steps: 1.5e-14
        "adadelta": {"lr": 12.6},  # f - f* after 200 steps: 0.11
        "adam": {"lr": 0.158},  # f - f* after 200 steps: 1.9e-09
        "nadam": {"lr": 0.2},  # f - f* after 200 steps: 8.1e-11
        "signgd": {"lr": 0.1},  # f - f* after 200 steps: 1.4e-29
    },
    "rosenbrock": {
        "sgd": {"lr": 0.002},  # f - f* after 200 steps: 0.00087
        "momentum": {"lr": 0.002},  # f - f* after 200 steps: 0.00052
        "nesterov": {"lr": 0.001},  # f - f* after 200 steps: 0.03
        "adagrad": {"lr": 2.0},  # f - f* after 200 steps: 0.071
        "rmsprop": {"lr": 0.2},  # f - f* after 200 steps: 0.065
        "adadelta": {"lr": 50.1},  # f - f* after 200 steps: 1.6
        "adam": {"lr": 1.26},  # f - f* after 200 steps: 0.034
        "nadam": {"lr": 3.98},  # f - f* after 200 steps: 0.0015
        "signgd": {"lr": 0.002},  # f - f* after 200 steps: 5.3
    },
    "saddle": {
        "sgd": {"lr": 0.0316},  # steps to escape: 1.2e+02
        "momentum": {"lr": 0.00631},  # steps to escape: 1e+02
        "nesterov": {"lr": 0.00501},  # steps to escape: 1.2e+02
        "adagrad": {"lr": 0.2},  # steps to escape: 11
        "rmsprop": {"lr": 0.02},  # steps to escape: 11
        # adadelta: no rate on the grid makes progress in 200 steps
        "adam": {"lr": 0.158},  # steps to escape: 11
        "nadam": {"lr": 0.126},  # steps to escape: 11
        "signgd": {"lr": 0.158},  # steps to escape: 10
    },
    "beale": {
        "sgd": {"lr": 0.0158},  # f - f* after 200 steps: 0.0067
        "momentum": {"lr": 0.00316},  # f - f* after 200 steps: 1.2e-05
        "nesterov": {"lr": 0.00316},  # f - f* after 200 steps: 1.8e-05
        "adagrad": {"lr": 1.26},  # f - f* after 200 steps: 0.0011
        "rmsprop": {"lr": 0.126},  # f - f* after 200 steps: 7.6e-05
        "adadelta": {"lr": 5.01},  # f - f* after 200 steps: 0.18
        "adam": {"lr": 0.501},  # f - f* after 200 steps: 2.8e-08
        "nadam": {"lr": 0.501},  # f - f* after 200 steps: 1.5e-11
        "signgd": {"lr": 0.0126},  # f - f* after 200 steps: 0.07
    },
    "himmelblau": {
        "sgd": {"lr": 0.00316},  # f - f* after 200 steps: 4.8e-11
        "momentum": {"lr": 0.00631},  # f - f* after 200 steps: 7e-09
        "nesterov": {"lr": 0.000316},  # f - f* after 200 steps: 1.2e-08
        "adagrad": {"lr": 0.316},  # f - f* after 200 steps: 5.2e-11
        "rmsprop": {"lr": 0.0251},  # f - f* after 200 steps: 9.2e-12
        "adadelta": {"lr": 3.16},  # f - f* after 200 steps: 6.6e-13
        "adam": {"lr": 0.1},  # f - f* after 200 steps: 1.7e-09
        "nadam": {"lr": 0.0398},  # f - f* after 200 steps: 3.3e-09
        "signgd": {"lr": 0.0158},  # f - f* after 200 steps: 0.00022
    },
}
