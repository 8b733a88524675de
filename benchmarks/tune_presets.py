"""Tune the race's per-landscape presets (course/widgets/presets.py) once, and print them.

For every optimizer of the course and every landscape of ``course.landscapes`` it runs
``course.widgets.presets.tune_lr`` on the reference optimizer (``solutions.optim``; other
hyperparameters at the values the lessons use: momentum 0.9, RMSProp alpha 0.99, Adadelta
rho 0.9 and eps 1e-6, Adam/Nadam betas (0.9, 0.999)): 200 steps from the landscape's
start for every learning rate 10^(k/10), 1e-4 … 100, scored by ``score_run`` (final gap
f − f*, or on the saddle the steps to escape), keeping the smallest rate within a factor
10 of the best gap (the fewest steps on the saddle).

Usage:  python benchmarks/tune_presets.py      (about 15 s; prints the PRESETS table)

The printed table is pasted into course/widgets/presets.py. Quadratic presets are tuned
at condition number 20 (the race's default).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course.landscapes import LANDSCAPES  # noqa: E402
from course.widgets.presets import tune_lr  # noqa: E402
from solutions.gd import sign_gd_step  # noqa: E402
from solutions.optim import adadelta, adagrad, adam, momentum, nadam, nesterov, rmsprop, sgd  # noqa: E402

N_STEPS = 200


def sign_gd(w, dw, state=None, *, lr):
    return sign_gd_step(w, dw, lr), state


OPTIMIZERS = {
    "sgd": (sgd, {}),
    "momentum": (momentum, {"momentum": 0.9}),
    "nesterov": (nesterov, {"momentum": 0.9}),
    "adagrad": (adagrad, {}),
    "rmsprop": (rmsprop, {"alpha": 0.99}),
    "adadelta": (adadelta, {"rho": 0.9, "eps": 1e-6}),
    "adam": (adam, {"betas": (0.9, 0.999)}),
    "nadam": (nadam, {"betas": (0.9, 0.999)}),
    "signgd": (sign_gd, {}),
}


def main():
    print("PRESETS = {")
    for land_name, factory in LANDSCAPES.items():
        land = factory()
        what = "steps to escape" if land.f_min is None else f"f - f* after {N_STEPS} steps"
        print(f"    {land_name!r}: {{")
        for opt_name, (step_fn, fixed) in OPTIMIZERS.items():
            lr, value = tune_lr(step_fn, fixed, land, N_STEPS)
            if lr is None:
                print(f"        # {opt_name}: no rate on the grid makes progress in {N_STEPS} steps")
                continue
            print(f"        {opt_name!r}: {{'lr': {lr!r}}},  # {what}: {value:.2g}")
        print("    },")
    print("}")


if __name__ == "__main__":
    main()
