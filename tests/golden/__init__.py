"""The committed torch golden data: load it and run the numpy solutions on the same problem.

An importable package (pytest puts tests/ on sys.path, as for tests/seed_tables.py):
``import golden`` gives these loaders, ``from golden import make_golden`` the generator
that regenerates the files with torch. Used by tests/test_optim.py, tests/test_schedulers.py
and tests/test_torch_live.py. Needs no torch.
"""

import json
import pathlib

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent


def load_optim_golden():
    """Return (meta dict from optim_golden.json, dict of arrays from optim_golden.npz)."""
    meta = json.loads((HERE / "optim_golden.json").read_text())
    with np.load(HERE / "optim_golden.npz") as data:
        arrays = {key: data[key] for key in data.files}
    return meta, arrays


def load_schedules_golden():
    return json.loads((HERE / "schedules_golden.json").read_text())


def problem_from(arrays):
    return {key.split("/", 1)[1]: value for key, value in arrays.items() if key.startswith("problem/")}


def lr_multiplier(lr_plans, plan, t):
    factor = 1.0
    for start, value in lr_plans[plan]:
        if t >= start:
            factor = value
    return factor


def solution_trajectory(optimizer, case, problem, lr_plans, n_steps):
    """Run one of solutions.optim's functions like the golden torch run.

    Returns (trajectory (n_steps+1, dim), final state). The base lr is the case's lr or the
    optimizer's own default, so a wrong default lr shows up as a wrong trajectory.
    """
    import inspect

    hparams = {key: (tuple(value) if key == "betas" else value) for key, value in case["hparams"].items()}
    base_lr = hparams.pop("lr", inspect.signature(optimizer).parameters["lr"].default)
    w = problem["w0"].copy()
    state = None
    trajectory = [w]
    for t in range(n_steps):
        dw = case["grad_scale"] * (problem["H"] @ (w - problem["w_star"]) + problem["noise"][t])
        lr = base_lr * lr_multiplier(lr_plans, case["lr_plan"], t)
        w, state = optimizer(w, dw, state, lr=lr, **hparams)
        trajectory.append(w)
    return np.array(trajectory), state


def trajectory_relative_error(ours, reference):
    """max_t ‖w_t − w_t^ref‖_∞ relative to how far the reference moved, max_t ‖w_t^ref − w_0‖_∞.

    Relative to the displacement rather than to |w|, so that tiny steps (gradient scale 1e-6
    with plain SGD moves w by ~1e-9 per step) are still compared to 1e-6 of their own size.
    """
    moved = np.max(np.abs(reference - reference[0]))
    return float(np.max(np.abs(ours - reference)) / moved)


def state_relative_error(value, reference):
    """‖value − reference‖_∞ / ‖reference‖_∞ (absolute when the reference is 0)."""
    value = np.asarray(value, dtype=float)
    reference = np.asarray(reference, dtype=float)
    scale = np.max(np.abs(reference))
    difference = np.max(np.abs(value - reference))
    return float(difference / scale) if scale > 0 else float(difference)
