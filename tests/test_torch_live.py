"""The same comparisons as test_optim.py / test_schedulers.py, against an installed torch.

Skipped without torch. It also checks that the committed golden files still agree with the
installed torch (a newer torch that changed a convention would show up here first), and adds
cases that are not in the golden files: random hyperparameters, matrix-shaped parameters,
torch's usual float32 scalar state.
"""

import inspect

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch",
    reason="torch is not installed; to compare against torch live: .venv/bin/pip install torch==2.13.0",
)

import golden  # noqa: E402  (tests/golden/, a package)
from golden import make_golden  # noqa: E402

from solutions import optim, schedulers  # noqa: E402
from solutions.optim import OPTIMIZERS, default_hparams  # noqa: E402

META, ARRAYS = golden.load_optim_golden()
PROBLEM = golden.problem_from(ARRAYS)
SCHEDULES_GOLDEN = golden.load_schedules_golden()
TRAJECTORY_RTOL = 1e-6
# see test_optim.py: with default_dtype float32 torch keeps NAdam's mu_product in float32,
# which moves its trajectory by ~1e-10 relative (measured), still far inside 1e-6


def _ours(case, problem):
    return golden.solution_trajectory(
        OPTIMIZERS[case["optimizer"]], case, problem, META["lr_plans"], META["n_steps"]
    )


@pytest.mark.parametrize("default_dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", META["cases"], ids=lambda case: case["id"])
def test_golden_cases_against_live_torch(case, default_dtype):
    live, _ = make_golden.torch_trajectory(case, PROBLEM, META["n_steps"], default_dtype=default_dtype)
    ours, _ = _ours(case, PROBLEM)
    assert golden.trajectory_relative_error(ours, live) <= TRAJECTORY_RTOL
    stored = ARRAYS[f"{case['id']}/trajectory"]
    assert golden.trajectory_relative_error(stored, live) <= TRAJECTORY_RTOL, "golden file is stale"


def _random_hparams(name, rng):
    """A random but valid torch configuration for one optimizer."""
    lr = float(10 ** rng.uniform(-3, -1))
    weight_decay = float(rng.choice([0.0, 10 ** rng.uniform(-3, -1)]))
    beta1, beta2 = float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.9, 0.9999))
    choices = {
        "sgd": {"lr": lr, "weight_decay": weight_decay},
        "momentum": {
            "lr": lr,
            "momentum": float(rng.uniform(0.1, 0.99)),
            "dampening": float(rng.uniform(0, 0.5)),
            "weight_decay": weight_decay,
        },
        "nesterov": {"lr": lr, "momentum": float(rng.uniform(0.1, 0.99)), "weight_decay": weight_decay},
        "adagrad": {
            "lr": lr * 10,
            "lr_decay": float(rng.uniform(0, 0.05)),
            "weight_decay": weight_decay,
            "initial_accumulator_value": float(rng.uniform(0, 0.5)),
            "eps": float(10 ** rng.uniform(-10, -6)),
        },
        "rmsprop": {
            "lr": lr / 10,
            "alpha": float(rng.uniform(0.8, 0.999)),
            "eps": float(10 ** rng.uniform(-8, -5)),
            "weight_decay": weight_decay,
            "momentum": float(rng.choice([0.0, 0.9])),
            "centered": bool(rng.integers(2)),
        },
        "adadelta": {
            "lr": float(rng.uniform(0.1, 2)),
            "rho": float(rng.uniform(0.8, 0.99)),
            "eps": float(10 ** rng.uniform(-7, -4)),
            "weight_decay": weight_decay,
        },
        "adam": {
            "lr": lr,
            "betas": [beta1, beta2],
            "eps": float(10 ** rng.uniform(-9, -6)),
            "weight_decay": weight_decay,
            "amsgrad": bool(rng.integers(2)),
            "decoupled_weight_decay": bool(rng.integers(2)),
        },
        "adamw": {
            "lr": lr,
            "betas": [beta1, beta2],
            "weight_decay": weight_decay,
            "amsgrad": bool(rng.integers(2)),
        },
        "nadam": {
            "lr": lr,
            "betas": [beta1, beta2],
            "weight_decay": weight_decay,
            "momentum_decay": float(rng.uniform(0, 0.01)),
            "decoupled_weight_decay": bool(rng.integers(2)),
        },
    }
    return choices[name]


def _matrix_problem(rng, n_steps):
    """Parameters of shape (2, 3): gradient H @ (W − W*) + noise with H (2, 2) SPD."""
    a = rng.normal(size=(2, 2))
    return {
        "H": a @ a.T + 0.1 * np.eye(2),
        "w_star": rng.normal(size=(2, 3)),
        "w0": rng.normal(size=(2, 3)),
        "noise": rng.normal(size=(n_steps, 2, 3)) * 0.3,
    }


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", sorted(make_golden.TORCH_EQUIVALENT))
def test_random_hyperparameters_and_matrix_parameters_against_live_torch(name, seed):
    rng = np.random.default_rng([seed, sorted(make_golden.TORCH_EQUIVALENT).index(name)])
    problem = _matrix_problem(rng, META["n_steps"])
    case = {
        "optimizer": name,
        "hparams": _random_hparams(name, rng),
        "grad_scale": float(rng.choice([1.0, 1e-3, 1e-6])),
        "lr_plan": "changing",
    }
    live, live_state = make_golden.torch_trajectory(case, problem, META["n_steps"])
    ours, state = _ours(case, problem)
    assert ours.shape == live.shape == (META["n_steps"] + 1, 2, 3)
    assert golden.trajectory_relative_error(ours, live) <= TRAJECTORY_RTOL, case
    for key, value in live_state.items():
        if isinstance(value, np.ndarray):
            assert golden.state_relative_error(state[key], value) <= 1e-4, key


@pytest.mark.parametrize("name", sorted(make_golden.TORCH_EQUIVALENT))
def test_defaults_against_live_torch(name):
    torch_class = getattr(torch.optim, make_golden.TORCH_EQUIVALENT[name][0])
    torch_defaults = {key: p.default for key, p in inspect.signature(torch_class.__init__).parameters.items()}
    for key, value in default_hparams(name).items():
        assert key in torch_defaults, f"{name}: torch has no hyperparameter {key}"
        if (name, key) not in {("momentum", "momentum"), ("nesterov", "momentum")}:
            assert value == torch_defaults[key], f"{name}.{key}"


def test_momentum_zero_with_dampening_against_live_torch():
    """torch's SGD ignores dampening and keeps no buffer when momentum is 0 (issue 16)."""
    case = {
        "optimizer": "momentum",
        "hparams": {"lr": 0.05, "momentum": 0.0, "dampening": 0.5, "weight_decay": 0.01},
        "grad_scale": 1.0,
        "lr_plan": "changing",
    }
    live, live_state = make_golden.torch_trajectory(case, PROBLEM, META["n_steps"])
    ours, _ = _ours(case, PROBLEM)
    assert "momentum_buffer" not in live_state
    assert golden.trajectory_relative_error(ours, live) <= TRAJECTORY_RTOL


@pytest.mark.parametrize("name", sorted(make_golden.TORCH_EQUIVALENT))
def test_float32_parameters_with_numpy_float64_hyperparameters_against_live_torch(name):
    """float32 parameters, numpy float64 hyperparameters: torch's trajectory, in float32 (issue 16)."""
    rng = np.random.default_rng(sorted(make_golden.TORCH_EQUIVALENT).index(name))
    hparams = _random_hparams(name, rng)
    numpy_hparams = {
        key: (
            tuple(np.float64(v) for v in value)
            if key == "betas"
            else np.float64(value)
            if isinstance(value, float)
            else value
        )
        for key, value in hparams.items()
    }
    torch_kwargs = make_golden._torch_kwargs({"optimizer": name, "hparams": hparams})
    w0 = rng.normal(size=(2, 3)).astype(np.float32)
    gradients = rng.normal(size=(20, 2, 3)).astype(np.float32)
    param = torch.nn.Parameter(torch.tensor(w0))
    torch_optimizer = getattr(torch.optim, make_golden.TORCH_EQUIVALENT[name][0])(
        [param], foreach=False, **torch_kwargs
    )
    w, state = w0, None
    for g in gradients:
        param.grad = torch.tensor(g + 0.5 * param.detach().numpy())
        torch_optimizer.step()
        w, state = OPTIMIZERS[name](w, g + 0.5 * w, state, **numpy_hparams)
        assert w.dtype == np.float32
    np.testing.assert_allclose(w, param.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_nesterov_lookahead_against_live_torch_nesterov():
    """The look-ahead form, shifted by momentum·velocity, lands on torch's nesterov=True iterates."""
    hessian = np.array([[0.2, 0.05], [0.05, 4.0]])
    lr, mu = 0.05, 0.9
    param = torch.nn.Parameter(torch.tensor([-5.0, -2.0], dtype=torch.float64))
    torch_sgd = torch.optim.SGD([param], lr=lr, momentum=mu, nesterov=True, foreach=False)
    w, state = np.array([-5.0, -2.0]), None
    for _ in range(300):
        param.grad = torch.tensor(hessian @ param.detach().numpy())
        torch_sgd.step()
        w, state = optim.nesterov_lookahead(lambda v: hessian @ v, w, state, lr=lr, momentum=mu)
        np.testing.assert_allclose(w + mu * state["velocity"], param.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", SCHEDULES_GOLDEN["schedules"], ids=lambda case: case["schedule"])
def test_schedules_against_live_torch(case):
    live = make_golden.torch_schedule(case["schedule"], case["params"], case["n"])
    assert live == case["lrs"], "golden file is stale"  # same torch, same float operations
    ours = [getattr(schedulers, case["schedule"])(t, **case["params"]) for t in range(case["n"] + 1)]
    _assert_lrs_close(ours, live, case["params"])


def _assert_lrs_close(ours, live, params):
    """1e-12 relative, or relative to the schedule's scale where torch gives exactly 0."""
    scale = max(params.get(key, 0.0) for key in ("lr0", "max_lr", "base_lr"))
    assert len(ours) == len(live)
    for t, (got, expected) in enumerate(zip(ours, live, strict=False)):
        assert abs(got - expected) <= 1e-12 * (abs(expected) if expected != 0 else scale), t


RANDOM_SCHEDULES = [
    ("step_decay", {"lr0": 0.37, "step_size": 13, "gamma": 0.7}, 300),
    ("multistep_decay", {"lr0": 0.2, "milestones": [7, 7, 40, 90], "gamma": 0.3}, 150),
    ("cosine_annealing", {"lr0": 0.3, "T_max": 33, "eta_min": 0.01}, 400),
    ("cosine_warm_restarts", {"lr0": 0.3, "T_0": 3, "T_mult": 3, "eta_min": 0.0}, 300),
    (
        "cyclic",
        {
            "base_lr": 0.02,
            "max_lr": 0.2,
            "step_size_up": 7,
            "step_size_down": 3,
            "mode": "exp_range",
            "gamma": 0.995,
        },
        300,
    ),
    ("one_cycle", {"max_lr": 0.3, "total_steps": 99, "pct_start": 0.5, "anneal_strategy": "linear"}, 99),
    ("linear_warmup", {"lr0": 0.3, "start_factor": 0.5, "end_factor": 0.1, "total_iters": 20}, 40),
]


@pytest.mark.parametrize("schedule, params, n", RANDOM_SCHEDULES, ids=lambda x: str(x))
def test_more_schedules_against_live_torch(schedule, params, n):
    live = make_golden.torch_schedule(schedule, params, n)
    ours = [getattr(schedulers, schedule)(t, **params) for t in range(n + 1)]
    _assert_lrs_close(ours, live, params)


@pytest.mark.parametrize(
    "case", SCHEDULES_GOLDEN["plateaus"], ids=lambda case: str(sorted(case["params"].items()))
)
def test_plateau_against_live_torch(case):
    metrics = SCHEDULES_GOLDEN["plateau_metrics"]
    live = make_golden.torch_plateau(case["lr0"], case["params"], metrics)
    assert live == case["lrs"], "golden file is stale"
    plateau = schedulers.ReduceLROnPlateau(case["lr0"], **case["params"])
    assert [plateau.step(metric) for metric in metrics] == pytest.approx(live, rel=1e-12)
