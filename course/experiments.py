"""Fair comparisons: a validation split, a learning-rate sweep on it, and runs over several seeds.

The lessons compare optimizers, weight decays and schedules. A comparison is fair when every
method gets its hyperparameters tuned by the same procedure on data that is neither the training
data nor the test set, and the same budget. This module gives that procedure once, so the
lessons and the claim tests in ``tests/test_claims.py`` run exactly the same experiment:

* ``split_validation`` carves a validation split out of the training data;
* ``fit`` trains with ``course.training.train`` and reports the validation loss and accuracy;
* ``sweep`` runs ``fit`` for each value of a grid and ``best`` picks the lowest validation loss.

The test set is not an argument of any of these functions: it is used once, at the end of a
lesson, on the settings the validation split chose.
"""

from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from course.data import load_cifar10
from course.mlp import mlp_evaluate
from course.protocols import LossFunction, Optimizer, Params
from course.training import train

Split = namedtuple("Split", "X_train y_train X_val y_val")

#: Training images of the full CIFAR-10 (what ``n_train=None`` asks for).
FULL_CIFAR10_TRAIN = 50_000

ClaimSize = namedtuple("ClaimSize", "n_train n_val epochs seeds")

#: The size at which ``tests/test_claims.py`` checks what lessons 04-07 claim about their
#: two-layer-network comparisons: training images (validation included), validation images,
#: epochs per run and seeds. Grading mode runs the lessons' comparisons smaller, as a smoke test;
#: the lessons print this size so that a reader knows where a claim was checked.
CLAIM_SIZE = ClaimSize(n_train=5_000, n_val=1_000, epochs=6, seeds=5)


def describe_claim_size(size: ClaimSize = CLAIM_SIZE) -> str:
    """One line for a lesson: where and at what size its claims are checked."""
    return (
        f"tests/test_claims.py checks this section's claims on {size.n_train - size.n_val:,} training and "
        f"{size.n_val:,} validation images, {size.epochs} epochs per run, over {size.seeds} seeds"
    )


#: The experiment tasks' fixed data (lesson 03 ``tuned_setting``, lesson 07
#: ``chosen_learning_rate``): the first training images, split in this order into the rows a run
#: trains on, the validation rows a student chooses by, and the rows the grader holds out.
TuningSize = namedtuple("TuningSize", "n_train n_val n_held_out")
TUNING_SIZE = TuningSize(n_train=3_000, n_val=1_000, n_held_out=1_000)


def tuning_data(data_dir: str | None = None, size: TuningSize = TUNING_SIZE) -> tuple[Split, Split]:
    """The data of the experiment tasks, the same in grading and full mode.

    The first n_train + n_val + n_held_out training images of CIFAR-10 (5,000 by default, which
    the course's subset holds too), scaled to [0, 1] and centred by the mean of the n_train rows
    only, so that neither the validation nor the held-out rows shape the inputs. The test set is
    not touched (lesson 03 uses it once, for its final table).
    Returns (tuning, held_out): Split(train rows, validation rows) for the student's choice, and
    Split(train rows, held-out rows) for the grader, which re-runs a choice there. Choosing by
    the held-out rows defeats the task: the grade compares with a reference on the same rows.
    """
    total = size.n_train + size.n_val + size.n_held_out
    data = load_cifar10(data_dir, n_train=total, n_test=1, center=False, progress=False)
    X = data.X_train - data.X_train[: size.n_train].mean(axis=0, dtype=np.float64).astype(np.float32)
    y = data.y_train
    train, val = slice(0, size.n_train), slice(size.n_train, size.n_train + size.n_val)
    held_out = slice(size.n_train + size.n_val, total)
    return Split(X[train], y[train], X[val], y[val]), Split(X[train], y[train], X[held_out], y[held_out])


def split_validation(X: np.ndarray, y: np.ndarray, n_val: int, *, seed: int = 0) -> Split:
    """Split (X, y) into a training part and a validation part of n_val rows, chosen at random."""
    if not 0 < n_val < len(X):
        raise ValueError(f"n_val must be between 1 and {len(X) - 1}, got {n_val}")
    order = np.random.default_rng(seed).permutation(len(X))
    val, keep = np.sort(order[:n_val]), np.sort(order[n_val:])
    return Split(X[keep], y[keep], X[val], y[val])


def load_split(
    n_train: int | None,
    n_val: int,
    *,
    n_test: int | None = None,
    seed: int = 0,
    data_dir: str | None = None,
    announce: Callable[[str], object] = print,
) -> tuple[Any, Split]:
    """Load CIFAR-10 for a comparison and carve a validation split out of its training images.

    n_train: training images to load, the validation split included (None: all there are, 50,000
             for the full set); n_val: how many of them form the validation split; n_test: test
             images (None: all).
    When the folder holds fewer training images than n_train (the course's 5,085-image subset, in
    full mode), all of them are used and n_val is scaled by the same fraction; `announce` (print by
    default) receives one line that says so. Returns (data, split): the CIFAR10 tuple of
    course.data.load_cifar10 and a Split of its training images.
    """
    if not 0 < n_val < (n_train or FULL_CIFAR10_TRAIN):
        raise ValueError(f"n_val must be between 1 and n_train - 1, got n_val={n_val} for n_train={n_train}")
    try:
        data = load_cifar10(data_dir, n_train=n_train, n_test=n_test, progress=False)
    except ValueError:
        if n_train is None:
            raise
        data = load_cifar10(data_dir, n_train=None, n_test=n_test, progress=False)  # all there are
    wanted = n_train or FULL_CIFAR10_TRAIN
    found = len(data.y_train)
    if found < wanted:
        scaled = max(1, min(found - 1, round(n_val * found / wanted)))
        announce(
            f"asked for {wanted:,} training images, the CIFAR-10 folder holds {found:,} (a subset?): "
            f"using all {found:,}, {scaled:,} of them for validation (the fraction asked, "
            f"{n_val:,} of {wanted:,}); the results are noisier than with the full data"
        )
        n_val = scaled
    return data, split_validation(data.X_train, data.y_train, n_val, seed=seed)


def fit(
    loss_fn: LossFunction,
    params0: Params,
    step_fn: Optimizer,
    hparams: dict[str, Any],
    split: Split,
    *,
    epochs: int,
    batch_size: int,
    seed: int = 0,
    lr_schedule: Callable[[int], float] | None = None,
    schedule_per: str = "epoch",
    evaluate: Callable[[Params, np.ndarray, np.ndarray], tuple[float, float]] = mlp_evaluate,
) -> dict[str, Any]:
    """Train on split.X_train and measure on split.X_val.

    evaluate(params, X, y) -> (loss, accuracy); the default suits course.mlp.
    Returns a dict: params, history, train_loss (mean over the last epoch), val_loss,
    val_accuracy. A run that overflows has val_loss = inf (it never wins a sweep).
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        params, history = train(
            loss_fn,
            params0,
            step_fn,
            hparams,
            split.X_train,
            split.y_train,
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            lr_schedule=lr_schedule,
            schedule_per=schedule_per,
            progress=False,
        )
        finite = all(np.all(np.isfinite(value)) for value in params.values())
        val_loss, val_accuracy = evaluate(params, split.X_val, split.y_val) if finite else (np.inf, 0.0)
    if not np.isfinite(val_loss):
        val_loss = np.inf
    train_loss = history.epoch_loss[-1] if np.isfinite(history.epoch_loss[-1]) else np.inf
    return {
        "params": params,
        "history": history,
        "train_loss": float(train_loss),
        "val_loss": float(val_loss),
        "val_accuracy": float(val_accuracy),
    }


def sweep(run: Callable[[Any], dict[str, Any]], values: Iterable[Any]) -> list[tuple[Any, dict[str, Any]]]:
    """[(value, run(value)) for each value]: run maps one grid value to a result of `fit`."""
    return [(value, run(value)) for value in values]


def best(results: Sequence[tuple[Any, dict[str, Any]]], key: str = "val_loss") -> tuple[Any, dict[str, Any]]:
    """The (value, result) pair of a sweep with the lowest result[key]."""
    return min(results, key=lambda pair: pair[1][key])


def sweep_table(results: Sequence[tuple[Any, dict[str, Any]]], name: str = "lr") -> str:
    """The sweep as text lines: value, training loss, validation loss and accuracy; best marked."""
    chosen = best(results)[0]
    lines = [f"{name:>10s} {'train loss':>11s} {'val loss':>9s} {'val acc':>8s}"]
    for value, result in results:
        mark = "  <- lowest validation loss" if value == chosen else ""
        lines.append(
            f"{value:10.3g} {result['train_loss']:11.4f} {result['val_loss']:9.4f} "
            f"{result['val_accuracy']:8.3f}{mark}"
        )
    return "\n".join(lines)


def method(
    step_fn: Optimizer,
    hparams: dict[str, Any] | None = None,
    *,
    tune: str = "lr",
    grid: Sequence[Any] = (),
    schedule: Callable[..., float] | None = None,
    schedule_per: str = "epoch",
) -> dict[str, Any]:
    """One entry of a comparison: an optimizer, its fixed hyperparameters and the grid to tune.

    tune, grid: the hyperparameter tuned on the validation split and the values tried.
    schedule:   optional function hparams -> lr_schedule (t -> lr), built once the tuned value is
                known, e.g. ``lambda h: lambda t: cosine(t, h["lr"], epochs)``.
    """
    return {
        "step_fn": step_fn,
        "hparams": dict(hparams or {}),
        "tune": tune,
        "grid": list(grid),
        "schedule": schedule,
        "schedule_per": schedule_per,
    }


def _fit_method(spec, value, loss_fn, init_fn, split, seed, epochs, batch_size, evaluate):
    hparams = dict(spec["hparams"], **{spec["tune"]: value})
    schedule = spec["schedule"](hparams) if spec["schedule"] is not None else None
    return fit(
        loss_fn,
        init_fn(seed),
        spec["step_fn"],
        hparams,
        split,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        lr_schedule=schedule,
        schedule_per=spec["schedule_per"],
        evaluate=evaluate,
    )


def tune_and_compare(
    methods: dict[str, dict[str, Any]],
    loss_fn: LossFunction,
    init_fn: Callable[[int], Params],
    split: Split,
    *,
    epochs: int,
    batch_size: int,
    seeds: Sequence[int] = (1, 2, 3, 4, 5),
    tune_seed: int = 0,
    evaluate: Callable[[Params, np.ndarray, np.ndarray], tuple[float, float]] = mlp_evaluate,
) -> dict[str, dict[str, Any]]:
    """Tune each method on the validation split (seed tune_seed), then rerun it at its chosen value.

    methods: {name: method(...)}; init_fn(seed) -> initial params. Every run has the same budget
    (epochs x batches of batch_size: the same number of gradient evaluations).
    Returns {name: {"sweep": [(value, fit result)], "chosen": value, "runs": [fit result per seed]}}.
    """
    out = {}
    for name, spec in methods.items():
        results = sweep(
            lambda value: _fit_method(
                spec, value, loss_fn, init_fn, split, tune_seed, epochs, batch_size, evaluate
            ),
            spec["grid"],
        )
        chosen = best(results)[0]
        runs = [
            _fit_method(spec, chosen, loss_fn, init_fn, split, seed, epochs, batch_size, evaluate)
            for seed in seeds
        ]
        out[name] = {"sweep": results, "chosen": chosen, "runs": runs}
    return out


def seed_table(comparison: dict[str, dict[str, Any]], name: str = "method", key: str = "val_loss") -> str:
    """Per-seed validation losses of tune_and_compare's reruns, with mean and standard deviation."""
    n_seeds = len(next(iter(comparison.values()))["runs"])
    lines = [
        f"{name:>26s} {'chosen':>8s} "
        + " ".join(f"{'seed ' + str(k + 1):>8s}" for k in range(n_seeds))
        + f" {'mean':>8s} {'std':>7s}"
    ]
    for label, entry in comparison.items():
        values = np.array([run[key] for run in entry["runs"]])
        lines.append(
            f"{label:>26s} {entry['chosen']:8.3g} "
            + " ".join(f"{v:8.4f}" for v in values)
            + f" {values.mean():8.4f} {values.std(ddof=1):7.4f}"
        )
    return "\n".join(lines)


def wins(comparison: dict[str, dict[str, Any]], better: str, worse: str, key: str = "val_loss") -> int:
    """In how many seeds `better` ends with a lower result[key] than `worse` (same seed, paired)."""
    pairs = zip(comparison[better]["runs"], comparison[worse]["runs"], strict=False)
    return sum(a[key] < b[key] for a, b in pairs)
