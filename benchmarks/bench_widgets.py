"""Redraw time per slider change for every course.widgets widget (a script, not a test).

For each widget it changes one slider N times from Python, exactly as a front-end
slider drag does (the observer recomputes the run and re-renders the PNG in the
same call), and prints the median wall time per change. Runs are 200 steps where
a widget has runs. In the same process it measures, per widget:

- update:  the slider change as shipped (artists updated in place, blitted);
- redraw:  a full matplotlib draw of the same figure (artists reused, no blitting);
- rebuild: a new figure built from scratch and drawn, what a naive widget would
  do on every tick;

and prints rebuild/update. Goal: update < 100 ms for 200-step runs.

Usage:  python benchmarks/bench_widgets.py [--repeats N]

The widgets are fed the reference optimizers and schedules from `solutions` (a
lecture's load: they validate their inputs and copy their state). Timings include the
numerics of the runs; CPU contention from other processes inflates them (the load
average is printed first).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course.widgets import (  # noqa: E402
    BatchNoiseExplorer,
    GDStepper,
    OptimizerRace,
    ScheduleExplorer,
    WeightDecayExplorer,
)
from solutions.finite_diff import forward_difference  # noqa: E402
from solutions.optim import OPTIMIZERS, adam, adamw, default_hparams, momentum, sgd  # noqa: E402
from solutions.schedulers import cosine_annealing, step_decay  # noqa: E402

GOAL_SECONDS = 0.100


def cases():
    """(label, factory, slider getter, values to cycle through)."""

    def gd():
        stepper = GDStepper(derivative=forward_difference)
        stepper.step(100)  # a long table: each slider change replays 100 steps
        return stepper

    def race():
        return OptimizerRace(
            {
                "SGD": (sgd, {"lr": 1e-3}),
                "momentum": (momentum, {"lr": 1e-3, "momentum": 0.9}),
                "Adam": (adam, {"lr": 0.05, "betas": (0.9, 0.999)}),
            },
            landscape="rosenbrock",
            n_steps=200,
        )

    def race_quadratic():
        r = race()
        r.landscape_dropdown.value = "quadratic"
        return r

    def schedules():
        return ScheduleExplorer(
            {
                "cosine": (cosine_annealing, {"lr0": 0.1, "T_max": 200}),
                "step": (step_decay, {"lr0": 0.1, "step_size": 30}),
            },
            n_steps=200,
        )

    rows = [
        ("GDStepper (100 steps), lr", gd, lambda w: w.sliders["lr"], np.geomspace(0.05, 0.25, 9)),
        (
            "OptimizerRace (3 x 200 steps), SGD lr",
            race,
            lambda w: w.sliders["SGD"]["lr"],
            np.geomspace(2e-4, 1.5e-3, 9),
        ),
        ("OptimizerRace, play/step index", race, lambda w: w.step_slider, np.arange(20, 200, 20)),
        (
            "OptimizerRace, condition number",
            race_quadratic,
            lambda w: w.condition_slider,
            np.geomspace(10, 200, 9),
        ),
        (
            "ScheduleExplorer (200 steps), T_max",
            schedules,
            lambda w: w.sliders["T_max"],
            np.arange(100, 300, 20),
        ),
        (
            "BatchNoiseExplorer, batch size",
            lambda: BatchNoiseExplorer(n_draws=200),
            lambda w: w.sliders["batch_size"],
            [1, 2, 4, 8, 16, 32, 64, 128, 256],
        ),
        (
            "WeightDecayExplorer (2 x 200 steps), weight_decay",
            lambda: WeightDecayExplorer(adam, adamw, n_steps=200),
            lambda w: w.sliders["weight_decay"],
            np.geomspace(0.01, 1.0, 9),
        ),
    ]

    def reference_race():
        names = list(OPTIMIZERS)[:8]
        race = OptimizerRace(
            {n: (OPTIMIZERS[n], default_hparams(n)) for n in names}, landscape="rosenbrock", n_steps=200
        )
        race.landscape_dropdown.value = "quadratic"
        return race

    rows += [
        (
            "OptimizerRace, 8 reference optimizers, sgd lr",
            reference_race,
            lambda w: w.sliders["sgd"]["lr"],
            np.geomspace(1e-3, 1e-2, 9),
        ),
        (
            "OptimizerRace, 8 reference optimizers, condition",
            reference_race,
            lambda w: w.condition_slider,
            np.geomspace(10, 200, 9),
        ),
    ]
    return rows


def median_ms(samples):
    return 1e3 * statistics.median(samples)


def time_slider_changes(widget, slider, values, repeats):
    """Wall seconds per `slider.value = v` (the observer runs synchronously), its CPU seconds,
    and the wall seconds of its render alone."""
    samples, cpu, renders = [], [], []
    for _ in range(repeats):
        for value in values:
            value = value.item() if hasattr(value, "item") else value
            if slider.value == value:
                continue
            start, start_cpu = time.perf_counter(), time.process_time()
            slider.value = value
            samples.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            renders.append(widget.figure.last_render_seconds)
    return samples, cpu, renders


def time_calls(fn, n):
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="passes over each list of slider values")
    args = parser.parse_args(argv)

    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        f"course.widgets redraw benchmark  (cpus={os.cpu_count()}, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})"
    )
    print("times are medians in ms per slider change; goal: update < 100 ms\n")
    header = (
        f"{'widget, control':<52} {'n':>3} {'update':>8} {'cpu':>6} {'render':>8} {'redraw':>8} "
        f"{'rebuild':>8} "
        f"{'rebuild/update':>15}  goal"
    )
    print(header)
    print("-" * len(header))
    all_met = True
    for label, factory, get_slider, values in cases():
        widget = factory()
        slider = get_slider(widget)
        samples, cpu, renders = time_slider_changes(widget, slider, values, args.repeats)
        update = median_ms(samples)
        n_full = max(5, len(samples) // 3)
        redraw = median_ms(time_calls(lambda w=widget: w.figure.render(full=True), n_full))
        rebuild = median_ms(time_calls(widget._rebuild_figure, n_full))
        met = update < GOAL_SECONDS * 1e3
        all_met &= met
        print(
            f"{label:<52} {len(samples):>3} {update:8.1f} {median_ms(cpu):6.1f} "
            f"{median_ms(renders):8.1f} {redraw:8.1f} {rebuild:8.1f} "
            f"{rebuild / update:14.1f}x  {'met' if met else 'NOT met'}"
        )
        widget.close()
    print()
    print(
        "update = slider change as shipped (recompute + blitted render + PNG), wall time; cpu = its CPU time"
    )
    print(
        "(what it costs without contention: compare when the load average is high); render = its render part;"
    )
    print("redraw = full matplotlib draw reusing the artists; rebuild = new figure from scratch, drawn.")
    print(
        f"goal (< {GOAL_SECONDS * 1e3:.0f} ms per slider change): "
        f"{'met by every widget' if all_met else 'NOT met everywhere'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
