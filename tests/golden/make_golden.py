"""Regenerate the PyTorch golden data the optimizer and scheduler tests compare against.

Run from the repository root (needs torch; the tests themselves do not):

    .venv/bin/python tests/golden/make_golden.py

Writes, next to this file:
- optim_golden.json   cases (optimizer, hyperparameters, gradient scale, lr plan), the problem,
                      torch's own default hyperparameters and the torch version used;
- optim_golden.npz    per case the torch trajectory w_0..w_T and torch's final state buffers;
- schedules_golden.json  torch's get_last_lr()[0] after t = 0..n scheduler steps per parameter
                      set, and ReduceLROnPlateau's lr after each metric of a fixed sequence.

Everything here is computed by torch; nothing from solutions/ is used, so the files are an
independent reference. Trajectories use float64 tensors and torch.set_default_dtype(float64)
(so torch's scalar state, e.g. NAdam's mu_product, is float64 too) and foreach=False.

The functions torch_trajectory, torch_schedule and torch_plateau are also imported by
tests/test_torch_live.py to recompute against the installed torch.
"""

import inspect
import json
import pathlib
import warnings

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
OPTIM_JSON = HERE / "optim_golden.json"
OPTIM_NPZ = HERE / "optim_golden.npz"
SCHEDULES_JSON = HERE / "schedules_golden.json"

N_STEPS = 300

# ----------------------------------------------------------------------------------------------
# The problem: gradient of a fixed ill-conditioned quadratic at the current iterate plus a fixed
# noise sequence, times a scale (1 or 1e-6, the latter is where eps matters). The trajectory
# therefore depends on the optimizer's own iterates.
# ----------------------------------------------------------------------------------------------


def make_problem(n_steps=N_STEPS, dim=3, seed=2024):
    """Return dict(H (dim, dim) SPD, w_star (dim,), w0 (dim,), noise (n_steps, dim))."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    eigenvalues = np.geomspace(0.05, 5.0, dim)  # condition number 100
    return {
        "H": (q * eigenvalues) @ q.T,
        "w_star": rng.normal(size=dim),
        "w0": rng.normal(size=dim) * 2.0,
        "noise": rng.normal(size=(n_steps, dim)) * 0.3,
    }


def gradient(problem, w, t, scale):
    """Gradient fed at step t (0-based) when the parameters are w; shape of w."""
    return scale * (problem["H"] @ (w - problem["w_star"]) + problem["noise"][t])


# lr multiplier as a function of the step: piecewise constant; "changing" lowers it and then
# raises it above the start, which is where momentum conventions differ.
LR_PLANS = {
    "constant": [[0, 1.0]],
    "changing": [[0, 1.0], [100, 0.2], [200, 2.0]],
}


def lr_multiplier(plan, t):
    """Multiplier of the base lr at step t for a plan [[start_step, factor], ...]."""
    factor = 1.0
    for start, value in LR_PLANS[plan]:
        if t >= start:
            factor = value
    return factor


# Our optimizer name -> torch class name and fixed torch kwargs. momentum/nesterov are SGD with
# our default momentum 0.9 (torch's SGD default momentum is 0, i.e. plain SGD).
TORCH_EQUIVALENT = {
    "sgd": ("SGD", {}),
    "momentum": ("SGD", {"momentum": 0.9}),
    "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}),
    "adagrad": ("Adagrad", {}),
    "rmsprop": ("RMSprop", {}),
    "adadelta": ("Adadelta", {}),
    "adam": ("Adam", {}),
    "adamw": ("AdamW", {}),
    "nadam": ("NAdam", {}),
}

NON_DEFAULT = {
    "sgd": [{"lr": 0.05, "weight_decay": 0.1}],
    "momentum": [{"lr": 0.02, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.05}],
    "nesterov": [{"lr": 0.02, "momentum": 0.95, "weight_decay": 0.05}],
    "adagrad": [
        {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.05, "initial_accumulator_value": 0.1, "eps": 1e-8}
    ],
    "rmsprop": [
        {"lr": 0.003, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.01, "momentum": 0.8, "centered": True},
        {"lr": 0.005, "centered": True},
        {"lr": 0.002, "momentum": 0.9},
    ],
    "adadelta": [{"lr": 0.5, "rho": 0.95, "eps": 1e-5, "weight_decay": 0.02}],
    "adam": [
        {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.05, "amsgrad": True},
        {"lr": 0.02, "amsgrad": True},
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True},
    ],
    "adamw": [{"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}, {"lr": 0.03, "betas": [0.5, 0.9]}],
    "nadam": [
        {"lr": 0.01, "betas": [0.85, 0.995], "weight_decay": 0.05, "momentum_decay": 0.01},
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True},
    ],
}


def optimizer_cases():
    """All golden cases: defaults and non-defaults, gradient scale 1 and 1e-6, lr constant and changing."""
    cases = []
    for name in TORCH_EQUIVALENT:
        cases.append({"optimizer": name, "hparams": {}, "grad_scale": 1.0, "lr_plan": "constant"})
        cases.append({"optimizer": name, "hparams": {}, "grad_scale": 1e-6, "lr_plan": "changing"})
        for index, hparams in enumerate(NON_DEFAULT[name]):
            cases.append({"optimizer": name, "hparams": hparams, "grad_scale": 1.0, "lr_plan": "changing"})
            if index == 0:
                cases.append(
                    {"optimizer": name, "hparams": hparams, "grad_scale": 1e-6, "lr_plan": "constant"}
                )
    for number, case in enumerate(cases):
        case["id"] = f"{number:02d}_{case['optimizer']}"
    return cases


def _torch_kwargs(case):
    kwargs = dict(TORCH_EQUIVALENT[case["optimizer"]][1])
    for key, value in case["hparams"].items():
        kwargs[key] = tuple(value) if key == "betas" else value
    return kwargs


def torch_trajectory(case, problem, n_steps=N_STEPS, default_dtype="float64"):
    """Run torch.optim on the golden problem; return (trajectory (n_steps+1, *w0.shape), final state).

    The base lr is whatever the torch optimizer was constructed with (its default when the case
    does not set lr); the plan multiplies it at each step by writing param_group["lr"].
    Parameters are float64 tensors; default_dtype ("float64" or torch's usual "float32") sets
    the dtype torch gives its scalar state (step, NAdam's mu_product).
    """
    import torch

    previous_dtype = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default_dtype))
    try:
        class_name, _ = TORCH_EQUIVALENT[case["optimizer"]]
        param = torch.nn.Parameter(torch.tensor(problem["w0"], dtype=torch.float64))
        optimizer = getattr(torch.optim, class_name)([param], foreach=False, **_torch_kwargs(case))
        base_lr = optimizer.param_groups[0]["lr"]
        trajectory = [param.detach().numpy().copy()]
        for t in range(n_steps):
            w = param.detach().numpy().copy()
            param.grad = torch.tensor(gradient(problem, w, t, case["grad_scale"]), dtype=torch.float64)
            optimizer.param_groups[0]["lr"] = base_lr * lr_multiplier(case["lr_plan"], t)
            optimizer.step()
            trajectory.append(param.detach().numpy().copy())
        state = {}
        for key, value in optimizer.state[param].items():
            if value is None:
                continue
            state[key] = float(value) if value.ndim == 0 else value.detach().numpy().copy()
        return np.array(trajectory), state
    finally:
        torch.set_default_dtype(previous_dtype)


def torch_default_hparams():
    """torch's own constructor defaults for each class used, as JSON-friendly dicts."""
    import torch

    defaults = {}
    for class_name in sorted({entry[0] for entry in TORCH_EQUIVALENT.values()}):
        signature = inspect.signature(getattr(torch.optim, class_name).__init__)
        defaults[class_name] = {
            name: (list(p.default) if isinstance(p.default, tuple) else p.default)
            for name, p in signature.parameters.items()
            if p.default is not inspect.Parameter.empty and isinstance(p.default, (int, float, bool, tuple))
        }
    return defaults


# ----------------------------------------------------------------------------------------------
# Schedules
# ----------------------------------------------------------------------------------------------

SCHEDULE_CASES = [
    {"schedule": "step_decay", "params": {"lr0": 0.1, "step_size": 30, "gamma": 0.1}, "n": 200},
    {"schedule": "step_decay", "params": {"lr0": 1.0, "step_size": 7, "gamma": 0.5}, "n": 200},
    {"schedule": "multistep_decay", "params": {"lr0": 0.1, "milestones": [50, 75], "gamma": 0.1}, "n": 120},
    {
        "schedule": "multistep_decay",
        "params": {"lr0": 0.3, "milestones": [25, 3, 10, 10], "gamma": 0.5},
        "n": 60,
    },
    {"schedule": "exponential_decay", "params": {"lr0": 0.1, "gamma": 0.95}, "n": 300},
    {"schedule": "exponential_decay", "params": {"lr0": 1.0, "gamma": 0.999}, "n": 2000},
    {"schedule": "inverse_time_decay", "params": {"lr0": 0.1, "decay": 0.05}, "n": 300},
    {"schedule": "inverse_time_decay", "params": {"lr0": 1.0, "decay": 1.0}, "n": 300},
    {"schedule": "cosine_annealing", "params": {"lr0": 0.1, "T_max": 50, "eta_min": 0.0}, "n": 260},
    {"schedule": "cosine_annealing", "params": {"lr0": 0.05, "T_max": 17, "eta_min": 0.001}, "n": 200},
    {"schedule": "cosine_annealing", "params": {"lr0": 1.0, "T_max": 7, "eta_min": 0.0}, "n": 5000},
    {"schedule": "cosine_annealing", "params": {"lr0": 0.1, "T_max": 1, "eta_min": 0.0}, "n": 10},
    {
        "schedule": "cosine_warm_restarts",
        "params": {"lr0": 0.1, "T_0": 10, "T_mult": 1, "eta_min": 0.0},
        "n": 100,
    },
    {
        "schedule": "cosine_warm_restarts",
        "params": {"lr0": 0.1, "T_0": 5, "T_mult": 2, "eta_min": 0.001},
        "n": 200,
    },
    {"schedule": "cyclic", "params": {"base_lr": 0.001, "max_lr": 0.006, "step_size_up": 20}, "n": 200},
    {
        "schedule": "cyclic",
        "params": {
            "base_lr": 0.01,
            "max_lr": 0.1,
            "step_size_up": 10,
            "step_size_down": 30,
            "mode": "triangular2",
        },
        "n": 200,
    },
    {
        "schedule": "cyclic",
        "params": {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 15, "mode": "exp_range", "gamma": 0.99},
        "n": 200,
    },
    {"schedule": "one_cycle", "params": {"max_lr": 0.1, "total_steps": 100}, "n": 100},
    {
        "schedule": "one_cycle",
        "params": {
            "max_lr": 1.0,
            "total_steps": 157,
            "pct_start": 0.25,
            "anneal_strategy": "linear",
            "div_factor": 10.0,
            "final_div_factor": 100.0,
            "three_phase": True,
        },
        "n": 157,
    },
    {
        "schedule": "one_cycle",
        "params": {"max_lr": 0.5, "total_steps": 64, "pct_start": 0.4, "three_phase": True},
        "n": 64,
    },
    {"schedule": "linear_warmup", "params": {"lr0": 0.1}, "n": 20},
    {
        "schedule": "linear_warmup",
        "params": {"lr0": 0.5, "start_factor": 0.1, "end_factor": 1.0, "total_iters": 10},
        "n": 40,
    },
    {
        "schedule": "linear_warmup",
        "params": {"lr0": 1.0, "start_factor": 1.0, "end_factor": 0.25, "total_iters": 8},
        "n": 20,
    },
]


def _torch_scheduler(schedule, params, optimizer):
    from torch.optim import lr_scheduler

    p = dict(params)
    if schedule == "step_decay":
        return lr_scheduler.StepLR(optimizer, p["step_size"], p.get("gamma", 0.1))
    if schedule == "multistep_decay":
        return lr_scheduler.MultiStepLR(optimizer, p["milestones"], p.get("gamma", 0.1))
    if schedule == "exponential_decay":
        return lr_scheduler.ExponentialLR(optimizer, p["gamma"])
    if schedule == "inverse_time_decay":
        decay = p["decay"]
        return lr_scheduler.LambdaLR(optimizer, lambda t: 1.0 / (1.0 + decay * t))
    if schedule == "cosine_annealing":
        return lr_scheduler.CosineAnnealingLR(optimizer, p["T_max"], p.get("eta_min", 0.0))
    if schedule == "cosine_warm_restarts":
        return lr_scheduler.CosineAnnealingWarmRestarts(
            optimizer, p["T_0"], p.get("T_mult", 1), p.get("eta_min", 0.0)
        )
    if schedule == "cyclic":
        del p["base_lr"], p["max_lr"]
        return lr_scheduler.CyclicLR(
            optimizer, params["base_lr"], params["max_lr"], cycle_momentum=False, **p
        )
    if schedule == "one_cycle":
        del p["max_lr"], p["total_steps"]
        return lr_scheduler.OneCycleLR(
            optimizer, params["max_lr"], params["total_steps"], cycle_momentum=False, **p
        )
    if schedule == "linear_warmup":
        del p["lr0"]
        return lr_scheduler.LinearLR(optimizer, **p)
    raise ValueError(f"unknown schedule {schedule!r}")


def torch_schedule(schedule, params, n):
    """torch's get_last_lr()[0] after 0, 1, ..., n scheduler steps; list of n+1 floats."""
    import torch

    param = torch.nn.Parameter(torch.zeros(1))
    # the lr before the scheduler touches it; CyclicLR and OneCycleLR overwrite it anyway
    optimizer = torch.optim.SGD([param], lr=params.get("lr0", 0.123))
    scheduler = _torch_scheduler(schedule, params, optimizer)
    lrs = [float(scheduler.get_last_lr()[0])]
    for _ in range(n):
        optimizer.step()  # no gradient: a no-op that keeps torch's call-order check quiet
        scheduler.step()
        lrs.append(float(scheduler.get_last_lr()[0]))
    return lrs


def plateau_metrics(n=120):
    """A fixed metric sequence with improvements, plateaus and noise (deterministic formula)."""
    t = np.arange(n)
    return (
        1.0 / (1.0 + 0.05 * t)
        + 0.02 * np.sin(1.3 * t) * np.exp(-0.01 * t)
        + 0.1 * (t > 60) * (1 - np.exp(-(t - 60) / 10.0))
    ).tolist()


PLATEAU_CASES = [
    {"lr0": 0.1, "params": {}},
    {
        "lr0": 0.1,
        "params": {
            "mode": "min",
            "factor": 0.5,
            "patience": 3,
            "threshold": 0.01,
            "threshold_mode": "abs",
            "cooldown": 2,
            "min_lr": 1e-3,
        },
    },
    {
        "lr0": 1.0,
        "params": {
            "mode": "max",
            "factor": 0.3,
            "patience": 2,
            "threshold": 1e-3,
            "threshold_mode": "rel",
            "cooldown": 1,
        },
    },
    {
        "lr0": 1.0,
        "params": {
            "mode": "max",
            "factor": 0.7,
            "patience": 0,
            "threshold": 0.0,
            "threshold_mode": "abs",
            "min_lr": 0.05,
        },
    },
    # min_lr stops the cut at 0.0999; with eps=1e-3 that last small cut (1e-4) is skipped
    {"lr0": 0.1, "params": {"patience": 1, "factor": 0.5, "min_lr": 0.0999, "eps": 1e-8}},
    {"lr0": 0.1, "params": {"patience": 1, "factor": 0.5, "min_lr": 0.0999, "eps": 1e-3}},
]


def torch_plateau(lr0, params, metrics):
    """lr after each torch ReduceLROnPlateau.step(metric); list of floats."""
    import torch

    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=lr0)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **params)
    lrs = []
    for metric in metrics:
        scheduler.step(metric)
        lrs.append(float(scheduler.get_last_lr()[0]))
    return lrs


# ----------------------------------------------------------------------------------------------


def main():
    import torch

    warnings.simplefilter("ignore")  # deprecation chatter from schedulers is irrelevant here
    problem = make_problem()
    cases = optimizer_cases()
    arrays = {f"problem/{key}": value for key, value in problem.items()}
    for case in cases:
        trajectory, state = torch_trajectory(case, problem)
        arrays[f"{case['id']}/trajectory"] = trajectory
        case["torch_state_scalars"] = {k: v for k, v in state.items() if isinstance(v, float)}
        for key, value in state.items():
            if isinstance(value, np.ndarray):
                arrays[f"{case['id']}/state/{key}"] = value
    np.savez_compressed(OPTIM_NPZ, **arrays)
    OPTIM_JSON.write_text(
        json.dumps(
            {
                "torch_version": torch.__version__,
                "n_steps": N_STEPS,
                "lr_plans": LR_PLANS,
                "torch_equivalent": TORCH_EQUIVALENT,
                "torch_defaults": torch_default_hparams(),
                "cases": cases,
            },
            indent=1,
        )
        + "\n"
    )

    schedules = [
        dict(case, lrs=torch_schedule(case["schedule"], case["params"], case["n"])) for case in SCHEDULE_CASES
    ]
    metrics = plateau_metrics()
    plateaus = [dict(case, lrs=torch_plateau(case["lr0"], case["params"], metrics)) for case in PLATEAU_CASES]
    one_cycle_limit = _one_cycle_overrun()
    SCHEDULES_JSON.write_text(
        json.dumps(
            {
                "torch_version": torch.__version__,
                "schedules": schedules,
                "plateau_metrics": metrics,
                "plateaus": plateaus,
                "one_cycle_overrun": one_cycle_limit,
            },
            indent=1,
        )
        + "\n"
    )
    sizes = {path.name: path.stat().st_size for path in (OPTIM_JSON, OPTIM_NPZ, SCHEDULES_JSON)}
    print(
        f"wrote {len(cases)} optimizer cases, {len(schedules)} schedules, {len(plateaus)} plateau runs; "
        f"sizes {sizes}"
    )


def _one_cycle_overrun(total_steps=10):
    """Number of step() calls after which torch's OneCycleLR raises (recorded, not assumed)."""
    import torch

    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=0.1)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, 0.1, total_steps, cycle_momentum=False)
    calls = 0
    while calls <= 10 * total_steps:
        try:
            optimizer.step()
            scheduler.step()
        except ValueError:
            return {"total_steps": total_steps, "raises_at_call": calls + 1}
        calls += 1
    return {"total_steps": total_steps, "raises_at_call": None}


if __name__ == "__main__":
    main()
