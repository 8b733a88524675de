"""Learning-rate schedules as plain functions of the step count, equal to torch.optim.lr_scheduler.

Every schedule is a ``course.protocols.Schedule``: ``lr = name(t, lr0, ...)``, t the number of
``scheduler.step()`` calls so far, lr what torch's ``get_last_lr()[0]`` reports then. Closed
forms are used where they agree with torch's chained (recursive) updates (measured: ≤ 2e-15
relative in the tested ranges, e.g. exponential decay over 2,000 steps); CosineAnnealingLR's
recursion is iterated (memoized) because its closed form drifts from it by ~3e-16·t relative
to lr0.

The training-loop pattern these assume (seed 000): optimizer step per batch, scheduler step per
epoch, so ``t`` usually counts epochs, except for cyclic and one_cycle which step per batch.

ReduceLROnPlateau depends on the metric history, so it is a small class with a ``step(metric)``
method instead of a function of t.
"""

import math
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable

from solutions._checks import in_interval, integer, non_negative, one_of, positive, step_count

__all__ = [
    "step_decay",
    "multistep_decay",
    "exponential_decay",
    "inverse_time_decay",
    "cosine_annealing",
    "cosine_warm_restarts",
    "cyclic",
    "one_cycle",
    "linear_warmup",
    "ReduceLROnPlateau",
    "SCHEDULES",
]


# ----------------------------------------------------------------------------------------------
# Decays
# ----------------------------------------------------------------------------------------------


def step_decay(t: int, lr0: float, step_size: int, gamma: float = 0.1) -> float:
    """lr0·gamma^⌊t/step_size⌋: multiply by gamma every step_size steps (torch StepLR)."""
    t = step_count(t, "t")
    non_negative(lr0, "lr0")
    step_size = integer(step_size, "step_size", minimum=1)
    positive(gamma, "gamma")
    return lr0 * gamma ** (t // step_size)


def multistep_decay(t: int, lr0: float, milestones: Iterable[int], gamma: float = 0.1) -> float:
    """lr0·gamma^(number of milestones ≤ t) (torch MultiStepLR; a repeated milestone counts twice).

    Seed 003's recipe (50 epochs at 0.1, 25 at 0.01, 25 at 0.001) is
    ``multistep_decay(t, 0.1, [50, 75])``.
    """
    t = step_count(t, "t")
    non_negative(lr0, "lr0")
    positive(gamma, "gamma")
    try:
        milestones = sorted(int(m) for m in milestones)
    except (TypeError, ValueError):
        raise ValueError(f"milestones must be an iterable of integers, got {milestones!r}") from None
    return lr0 * gamma ** bisect_right(milestones, t)


def exponential_decay(t: int, lr0: float, gamma: float) -> float:
    """lr0·gamma^t (torch ExponentialLR); seed 000's lr0·e^(−k·t) is gamma = e^(−k)."""
    t = step_count(t, "t")
    non_negative(lr0, "lr0")
    positive(gamma, "gamma")
    return lr0 * gamma**t


def inverse_time_decay(t: int, lr0: float, decay: float) -> float:
    """lr0/(1 + decay·t) (seed 002); in torch a LambdaLR with ``lambda t: 1/(1 + decay*t)``.

    decay > 0 satisfies Robbins–Monro: Σ lr_t = ∞ and Σ lr_t² < ∞.
    """
    t = step_count(t, "t")
    non_negative(lr0, "lr0")
    non_negative(decay, "decay")
    return lr0 / (1 + decay * t)


# ----------------------------------------------------------------------------------------------
# Cosine schedules
# ----------------------------------------------------------------------------------------------


def cosine_annealing(t: int, lr0: float, T_max: int, eta_min: float = 0.0) -> float:
    """torch CosineAnnealingLR: eta_min + (lr0 − eta_min)·(1 + cos(π·t/T_max))/2.

    Up to t = T_max this is the half cosine from lr0 down to eta_min. torch does not stop
    there: its chained update keeps going, so for t > T_max the lr climbs back to lr0 at
    t = 2·T_max, a cosine of period 2·T_max (use cosine_warm_restarts for restarts).

    The value returned is torch's recursion, iterated, not the closed form above: the two
    drift apart by about 3e-16·t relative to lr0 (1e-12 after ~3000 steps). The sequence is
    memoized per (lr0, T_max, eta_min), so evaluating t = 0..N costs O(N) in total.
    """
    t = step_count(t, "t")
    non_negative(lr0, "lr0")
    T_max = integer(T_max, "T_max", minimum=1)
    non_negative(eta_min, "eta_min")
    return _cosine_annealing_sequence(float(lr0), T_max, float(eta_min), t)[t]


_COSINE_CACHE = OrderedDict()
_COSINE_CACHE_SIZE = 32  # parameter sets kept; a widget sweeping sliders creates many


def _cosine_annealing_sequence(lr0, T_max, eta_min, t):
    """The list of torch's CosineAnnealingLR values for steps 0..(at least) t."""
    key = (lr0, T_max, eta_min)
    sequence = _COSINE_CACHE.pop(key, None) or [lr0]
    for epoch in range(len(sequence), t + 1):
        sequence.append(_cosine_annealing_recursion(sequence[-1], lr0, epoch, T_max, eta_min))
    _COSINE_CACHE[key] = sequence
    while len(_COSINE_CACHE) > _COSINE_CACHE_SIZE:
        _COSINE_CACHE.popitem(last=False)
    return sequence


def _cosine_annealing_recursion(lr, lr0, epoch, T_max, eta_min):
    """One chained CosineAnnealingLR update as torch writes it (lr is the previous value)."""
    if (epoch - 1 - T_max) % (2 * T_max) == 0:
        # one step past the bottom the ratio below would be 0/0, so torch adds the increment
        return lr + (lr0 - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
    ratio = (1 + math.cos(math.pi * epoch / T_max)) / (1 + math.cos(math.pi * (epoch - 1) / T_max))
    return ratio * (lr - eta_min) + eta_min


def cosine_warm_restarts(t: int, lr0: float, T_0: int, T_mult: int = 1, eta_min: float = 0.0) -> float:
    """SGDR (Loshchilov & Hutter 2017), torch CosineAnnealingWarmRestarts.

    A half cosine from lr0 to eta_min over T_i steps, then a restart at lr0; the period is
    T_0 first and is multiplied by T_mult after each restart.
    """
    t = step_count(t, "t")
    non_negative(lr0, "lr0")
    T_0 = integer(T_0, "T_0", minimum=1)
    T_mult = integer(T_mult, "T_mult", minimum=1)
    non_negative(eta_min, "eta_min")
    T_cur, T_i = t, T_0
    while T_cur >= T_i:
        T_cur -= T_i
        T_i *= T_mult
    return eta_min + (lr0 - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2


# ----------------------------------------------------------------------------------------------
# Cyclic and one-cycle (stepped per batch)
# ----------------------------------------------------------------------------------------------

_CYCLIC_MODES = ("triangular", "triangular2", "exp_range")


def cyclic(
    t: int,
    base_lr: float,
    max_lr: float,
    step_size_up: int = 2000,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
) -> float:
    """Cyclical learning rate (Smith 2017), torch CyclicLR with cycle_momentum=False.

    A triangle between base_lr and max_lr: step_size_up steps up, step_size_down (default the
    same) down. The amplitude is scaled per cycle by 1 (triangular), 1/2^(cycle−1)
    (triangular2) or per step by gamma^t (exp_range).
    """
    t = step_count(t, "t")
    non_negative(base_lr, "base_lr")
    non_negative(max_lr, "max_lr")
    positive(step_size_up, "step_size_up")
    if step_size_down is not None:
        positive(step_size_down, "step_size_down")
    one_of(mode, "mode", _CYCLIC_MODES)
    positive(gamma, "gamma")
    step_size_up = float(step_size_up)
    step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
    total_size = step_size_up + step_size_down
    step_ratio = step_size_up / total_size
    cycle = math.floor(1 + t / total_size)
    x = 1.0 + t / total_size - cycle
    if x <= step_ratio:
        scale_factor = x / step_ratio
    else:
        scale_factor = (x - 1) / (step_ratio - 1)
    base_height = (max_lr - base_lr) * scale_factor
    if mode == "triangular":
        return base_lr + base_height * 1.0
    if mode == "triangular2":
        return base_lr + base_height * (1 / (2.0 ** (cycle - 1)))
    return base_lr + base_height * gamma**t


def _anneal(start, end, pct, strategy):
    if strategy == "cos":
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
    return (end - start) * pct + start


def one_cycle(
    t: int,
    max_lr: float,
    total_steps: int,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
) -> float:
    """One-cycle policy (Smith & Topin 2018), torch OneCycleLR with cycle_momentum=False.

    Warm up from max_lr/div_factor to max_lr over pct_start of total_steps, then anneal to
    max_lr/(div_factor·final_div_factor). three_phase=True comes back down to the initial lr
    symmetrically before the final annealing. Defined for 0 ≤ t ≤ total_steps; like torch
    (which raises once it is stepped more than total_steps times), larger t is an error.
    """
    t = step_count(t, "t")
    non_negative(max_lr, "max_lr")
    total_steps = integer(total_steps, "total_steps", minimum=1)
    in_interval(pct_start, "pct_start", 0.0, 1.0)
    one_of(anneal_strategy, "anneal_strategy", ("cos", "linear"))
    positive(div_factor, "div_factor")
    positive(final_div_factor, "final_div_factor")
    if t > total_steps:
        raise ValueError(
            f"t must be <= total_steps={total_steps} (torch's OneCycleLR raises past the end), got {t}"
        )
    initial_lr = max_lr / div_factor
    min_lr = initial_lr / final_div_factor
    warmup_end = float(pct_start * total_steps) - 1
    if three_phase:
        phases = [
            (warmup_end, initial_lr, max_lr),
            (float(2 * pct_start * total_steps) - 2, max_lr, initial_lr),
            (total_steps - 1, initial_lr, min_lr),
        ]
    else:
        phases = [(warmup_end, initial_lr, max_lr), (total_steps - 1, max_lr, min_lr)]
    start_step = 0.0
    for index, (end_step, start_lr, end_lr) in enumerate(phases):
        if t <= end_step or index == len(phases) - 1:
            if end_step == start_step:
                raise ValueError(
                    f"total_steps={total_steps} with pct_start={pct_start} gives a phase of zero "
                    "length (torch divides by zero here); use more steps or another pct_start"
                )
            pct = (t - start_step) / (end_step - start_step)
            return _anneal(start_lr, end_lr, pct, anneal_strategy)
        start_step = end_step
    raise AssertionError("unreachable: the last phase always matches")


def linear_warmup(
    t: int, lr0: float, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5
) -> float:
    """torch LinearLR: the factor goes linearly from start_factor to end_factor over total_iters
    steps, then stays: lr0·(start + (end − start)·min(t, total_iters)/total_iters)."""
    t = step_count(t, "t")
    non_negative(lr0, "lr0")
    in_interval(start_factor, "start_factor", 0.0, 1.0, low_open=True)
    in_interval(end_factor, "end_factor", 0.0, 1.0)
    total_iters = integer(total_iters, "total_iters", minimum=1)
    return lr0 * (start_factor + (end_factor - start_factor) * min(total_iters, t) / total_iters)


# ----------------------------------------------------------------------------------------------
# ReduceLROnPlateau
# ----------------------------------------------------------------------------------------------


class ReduceLROnPlateau:
    """Cut the lr by ``factor`` when a metric has stopped improving; torch ReduceLROnPlateau.

    ``step(metric)`` records one epoch's metric and returns the lr to use next. A metric is an
    improvement when it beats the best so far by the threshold (``rel``: best·(1 ∓ threshold),
    ``abs``: best ∓ threshold). After more than ``patience`` epochs without improvement the lr
    becomes max(lr·factor, min_lr) (changes smaller than eps are skipped), and the next
    ``cooldown`` epochs are not counted as bad.

    >>> plateau = ReduceLROnPlateau(0.1, patience=1)
    >>> [plateau.step(loss) for loss in (1.0, 1.0, 1.0)]
    [0.1, 0.1, 0.010000000000000002]
    """

    def __init__(
        self,
        lr0,
        mode="min",
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0.0,
        eps=1e-8,
    ):
        non_negative(lr0, "lr0")
        one_of(mode, "mode", ("min", "max"))
        one_of(threshold_mode, "threshold_mode", ("rel", "abs"))
        in_interval(
            factor, "factor", 0.0, 1.0, low_open=True, high_open=True, note="torch requires factor < 1"
        )
        integer(patience, "patience", minimum=0)
        integer(cooldown, "cooldown", minimum=0)
        non_negative(threshold, "threshold")
        non_negative(min_lr, "min_lr")
        non_negative(eps, "eps")
        self.lr = lr0
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.cooldown = cooldown
        self.min_lr = min_lr
        self.eps = eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    def _is_better(self, metric):
        if self.mode == "min" and self.threshold_mode == "rel":
            return metric < self.best * (1.0 - self.threshold)
        if self.mode == "min":
            return metric < self.best - self.threshold
        if self.threshold_mode == "rel":
            return metric > self.best * (self.threshold + 1.0)
        return metric > self.best + self.threshold

    def step(self, metric):
        """Record the metric of one epoch; return the learning rate after it."""
        metric = float(metric)
        if self._is_better(metric):
            self.best = metric
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            new_lr = max(self.lr * self.factor, self.min_lr)
            if self.lr - new_lr > self.eps:
                self.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        return self.lr


# ----------------------------------------------------------------------------------------------
# Table for lessons and widgets
# ----------------------------------------------------------------------------------------------

SCHEDULES = {
    "step_decay": (step_decay, {"lr0": 0.1, "step_size": 30, "gamma": 0.1}),
    "multistep_decay": (multistep_decay, {"lr0": 0.1, "milestones": (50, 75), "gamma": 0.1}),
    "exponential_decay": (exponential_decay, {"lr0": 0.1, "gamma": 0.95}),
    "inverse_time_decay": (inverse_time_decay, {"lr0": 0.1, "decay": 0.05}),
    "cosine_annealing": (cosine_annealing, {"lr0": 0.1, "T_max": 100, "eta_min": 0.0}),
    "cosine_warm_restarts": (cosine_warm_restarts, {"lr0": 0.1, "T_0": 20, "T_mult": 2, "eta_min": 0.0}),
    "cyclic": (
        cyclic,
        {
            "base_lr": 0.001,
            "max_lr": 0.1,
            "step_size_up": 10,
            "step_size_down": None,
            "mode": "triangular",
            "gamma": 1.0,
        },
    ),
    "one_cycle": (
        one_cycle,
        {
            "max_lr": 0.1,
            "total_steps": 100,
            "pct_start": 0.3,
            "anneal_strategy": "cos",
            "div_factor": 25.0,
            "final_div_factor": 1e4,
            "three_phase": False,
        },
    ),
    "linear_warmup": (
        linear_warmup,
        {"lr0": 0.1, "start_factor": 1.0 / 3, "end_factor": 1.0, "total_iters": 5},
    ),
}
"""name -> (function of t, default keyword arguments); every entry is defined for t = 0..100
(the multistep default is seed 003's 100-epoch recipe)."""
