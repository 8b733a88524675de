"""solutions.schedulers against torch.optim.lr_scheduler (committed golden values), plus errors.

The golden values are torch's get_last_lr()[0] after t = 0..n scheduler steps
(tests/golden/make_golden.py); tests/test_torch_live.py repeats this against an installed torch.
"""

import math

import golden  # tests/golden/, a package
import pytest

from solutions import schedulers
from solutions.schedulers import SCHEDULES, ReduceLROnPlateau

GOLDEN = golden.load_schedules_golden()
RTOL = 1e-12  # measured: at most 2e-15; cosine_annealing iterates torch's recursion and is exact


def _lr_scale(params):
    return max(params.get(key, 0.0) for key in ("lr0", "max_lr", "base_lr"))


def assert_lrs_match(ours, reference, lr_scale):
    """Relative to each value, or to the schedule's scale where torch reports exactly 0."""
    assert len(ours) == len(reference)
    for t, (got, expected) in enumerate(zip(ours, reference, strict=False)):
        tolerance = RTOL * (abs(expected) if expected != 0 else lr_scale)
        assert abs(got - expected) <= tolerance, f"t={t}: {got!r} != torch {expected!r}"


@pytest.mark.parametrize(
    "case", GOLDEN["schedules"], ids=lambda case: f"{case['schedule']}-{sorted(case['params'].items())}"
)
def test_schedule_matches_torch_golden(case):
    schedule = getattr(schedulers, case["schedule"])
    ours = [schedule(t, **case["params"]) for t in range(case["n"] + 1)]
    assert_lrs_match(ours, case["lrs"], _lr_scale(case["params"]))


def test_golden_schedules_cover_every_schedule_and_mode():
    covered = {case["schedule"] for case in GOLDEN["schedules"]}
    assert covered == set(SCHEDULES)
    modes = {
        case["params"].get("mode", "triangular")
        for case in GOLDEN["schedules"]
        if case["schedule"] == "cyclic"
    }
    assert modes == {"triangular", "triangular2", "exp_range"}
    cosine = [case for case in GOLDEN["schedules"] if case["schedule"] == "cosine_annealing"]
    assert any(case["n"] > 2 * case["params"]["T_max"] for case in cosine)  # behaviour past T_max


def test_cosine_annealing_past_T_max_is_a_cosine_of_period_2_T_max():
    """torch's behaviour past T_max (checked against it above): back up to lr0 at 2·T_max."""
    lr0, T_max = 0.1, 50
    assert schedulers.cosine_annealing(T_max, lr0, T_max) == pytest.approx(0.0, abs=1e-15)
    assert schedulers.cosine_annealing(2 * T_max, lr0, T_max) == pytest.approx(lr0, rel=1e-12)
    for t in (60, 75, 99, 130):
        expected = (1 + math.cos(math.pi * t / T_max)) / 2 * lr0
        assert schedulers.cosine_annealing(t, lr0, T_max) == pytest.approx(expected, rel=1e-12, abs=1e-16)


def test_cosine_annealing_memo_does_not_depend_on_call_order():
    case = next(c for c in GOLDEN["schedules"] if c["schedule"] == "cosine_annealing" and c["n"] > 1000)
    params = dict(case["params"])
    schedulers._COSINE_CACHE.clear()
    backwards = [schedulers.cosine_annealing(t, **params) for t in range(case["n"], -1, -1)][::-1]
    assert_lrs_match(backwards, case["lrs"], params["lr0"])
    for extra in range(schedulers._COSINE_CACHE_SIZE + 3):  # evict it, then recompute
        schedulers.cosine_annealing(3, 1.0 + extra, 10)
    assert len(schedulers._COSINE_CACHE) == schedulers._COSINE_CACHE_SIZE
    assert schedulers.cosine_annealing(case["n"], **params) == case["lrs"][-1]


@pytest.mark.parametrize("case", GOLDEN["plateaus"], ids=lambda case: str(sorted(case["params"].items())))
def test_reduce_lr_on_plateau_matches_torch_golden(case):
    plateau = ReduceLROnPlateau(case["lr0"], **case["params"])
    ours = [plateau.step(metric) for metric in GOLDEN["plateau_metrics"]]
    assert_lrs_match(ours, case["lrs"], case["lr0"])
    assert len(set(case["lrs"])) > 1 or case["params"].get("eps", 0) >= 1e-3  # the run did cut the lr


def test_one_cycle_stops_where_torch_stops():
    """torch raised on the step call number recorded in the golden file; we raise for that t."""
    overrun = GOLDEN["one_cycle_overrun"]
    total_steps, bad_t = overrun["total_steps"], overrun["raises_at_call"]
    assert bad_t == total_steps + 1
    schedulers.one_cycle(bad_t - 1, 0.1, total_steps)
    with pytest.raises(ValueError, match="total_steps"):
        schedulers.one_cycle(bad_t, 0.1, total_steps)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedules_table(name):
    schedule, params = SCHEDULES[name]
    lrs = [schedule(t, **params) for t in range(101)]
    assert all(math.isfinite(lr) and lr >= 0 for lr in lrs)
    assert max(lrs) > 0
    start = {
        "cyclic": params.get("base_lr"),
        "one_cycle": params.get("max_lr", 0) / params.get("div_factor", 1),
        "linear_warmup": params.get("lr0", 0) * params.get("start_factor", 1),
    }.get(name, params.get("lr0"))
    assert lrs[0] == pytest.approx(start, rel=1e-12)


def test_seed_003_multistep_recipe():
    """50 epochs at 0.1, 25 at 0.01, 25 at 0.001."""
    lrs = [schedulers.multistep_decay(t, 0.1, [50, 75]) for t in range(100)]
    assert lrs[:50] == [0.1] * 50
    assert all(lr == pytest.approx(0.01) for lr in lrs[50:75])
    assert all(lr == pytest.approx(0.001) for lr in lrs[75:])


# ----------------------------------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------------------------------

BAD_CALLS = [
    ("step_decay", dict(t=3, lr0=-0.1, step_size=10), "lr0"),
    ("step_decay", dict(t=3, lr0=0.1, step_size=0), "step_size"),
    ("step_decay", dict(t=-1, lr0=0.1, step_size=10), "t must be"),
    ("step_decay", dict(t=2.5, lr0=0.1, step_size=10), "t must be"),
    ("step_decay", dict(t="3", lr0=0.1, step_size=10), "t must be"),
    ("multistep_decay", dict(t=3, lr0=0.1, milestones=["a"]), "milestones"),
    ("exponential_decay", dict(t=3, lr0=0.1, gamma=0.0), "gamma"),
    ("inverse_time_decay", dict(t=3, lr0=0.1, decay=-0.5), "decay"),
    ("cosine_annealing", dict(t=3, lr0=0.1, T_max=0), "T_max"),
    ("cosine_annealing", dict(t=3, lr0=0.1, T_max=10, eta_min=-1.0), "eta_min"),
    ("cosine_warm_restarts", dict(t=3, lr0=0.1, T_0=0), "T_0"),
    ("cosine_warm_restarts", dict(t=3, lr0=0.1, T_0=5, T_mult=0), "T_mult"),
    ("cyclic", dict(t=3, base_lr=0.001, max_lr=0.1, mode="sawtooth"), "mode"),
    ("cyclic", dict(t=3, base_lr=-0.001, max_lr=0.1), "base_lr"),
    ("cyclic", dict(t=3, base_lr=0.001, max_lr=0.1, step_size_up=0), "step_size_up"),
    ("one_cycle", dict(t=3, max_lr=0.1, total_steps=0), "total_steps"),
    ("one_cycle", dict(t=3, max_lr=0.1, total_steps=100, pct_start=1.5), "pct_start"),
    ("one_cycle", dict(t=3, max_lr=0.1, total_steps=100, anneal_strategy="exp"), "anneal_strategy"),
    # torch raises ZeroDivisionError for these two (measured with torch 2.13)
    ("one_cycle", dict(t=0, max_lr=0.1, total_steps=10, pct_start=0.1), "phase of zero length"),
    ("one_cycle", dict(t=10, max_lr=0.1, total_steps=10, pct_start=1.0), "phase of zero length"),
    ("linear_warmup", dict(t=3, lr0=0.1, start_factor=0.0), "start_factor"),
    ("linear_warmup", dict(t=3, lr0=0.1, end_factor=1.5), "end_factor"),
    ("linear_warmup", dict(t=3, lr0=0.1, total_iters=0), "total_iters"),
]


@pytest.mark.parametrize("name, kwargs, message", BAD_CALLS, ids=lambda x: str(x))
def test_bad_arguments_raise_value_error_naming_them(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        getattr(schedulers, name)(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(lr0=-0.1), "lr0"),
        (dict(lr0=0.1, factor=1.0), "factor"),
        (dict(lr0=0.1, factor=0.0), "factor"),
        (dict(lr0=0.1, mode="lowest"), "mode"),
        (dict(lr0=0.1, threshold_mode="percent"), "threshold_mode"),
        (dict(lr0=0.1, patience=-1), "patience"),
        (dict(lr0=0.1, cooldown=1.5), "cooldown"),
        (dict(lr0=0.1, min_lr=-1.0), "min_lr"),
    ],
    ids=lambda x: str(x),
)
def test_reduce_lr_on_plateau_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ReduceLROnPlateau(**kwargs)
