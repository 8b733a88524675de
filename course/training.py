"""A minibatch training loop that takes the model's loss and the optimizer as arguments.

Lessons 03–07 train softmax regression with different optimizers and schedules; the loop is
the same each time, so it lives here. It knows nothing of any particular optimizer: it calls
`step_fn(param, grad, state, **hparams) -> (param, state)` once per parameter array, keeping one
state per parameter, as torch.optim keeps one state per tensor.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from course.protocols import LossFunction, Optimizer, Params


@dataclass
class History:
    """What a run recorded. Per-step lists have one entry per optimizer step."""

    step_loss: list = field(default_factory=list)  # minibatch loss before each step
    step_lr: list = field(default_factory=list)  # learning rate used at each step
    epoch_loss: list = field(default_factory=list)  # mean minibatch loss over each epoch
    epoch_time: list = field(default_factory=list)  # wall-clock seconds since start, end of epoch
    val_accuracy: list = field(default_factory=list)  # after each epoch, if validation data given


def shuffled_batches(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Yield index arrays covering range(n) in a fresh random order; the last batch may be short."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


def train(
    loss_fn: LossFunction,
    params: Params,
    step_fn: Optimizer,
    hparams: dict[str, Any],
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    seed: int = 0,
    lr_schedule: Callable[[int], float] | None = None,
    schedule_per: str = "epoch",
    evaluate: Callable[[Params], float] | None = None,
    progress: bool = True,
    desc: str = "training",
) -> tuple[Params, History]:
    """Train `params` by minibatch gradient steps and return (params, History).

    loss_fn:   a course.protocols.LossFunction, loss_fn(params, X_batch, y_batch) -> (loss, grads).
    params:    dict of initial arrays; not modified (the loop works on new arrays).
    step_fn:   a course.protocols.Optimizer, applied to each array of params with its own state.
    hparams:   dict passed to step_fn; must contain "lr" when lr_schedule is used.
    X, y:      (N, D) inputs and (N,) labels.
    epochs:    passes over the data; batch_size B = N gives full-batch GD, B = 1 gives SGD.
    lr_schedule:  optional function t -> lr; t counts scheduler steps taken so far, as torch's
               scheduler.step() does. Stepped once per epoch (schedule_per="epoch") or once per
               optimizer step (schedule_per="batch", for cyclic and one-cycle schedules).
    evaluate:  optional function params -> accuracy, called after each epoch.
    """
    if schedule_per not in ("epoch", "batch"):
        raise ValueError(f"schedule_per must be 'epoch' or 'batch', got {schedule_per!r}")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
    rng = np.random.default_rng(seed)
    params = {name: np.array(value, copy=True) for name, value in params.items()}
    states = {name: None for name in params}
    history = History()
    scheduler_steps = 0
    start = time.perf_counter()
    n_batches = -(-len(X) // batch_size)
    bar = tqdm(total=epochs * n_batches, desc=desc, disable=not progress, leave=False)
    for _ in range(epochs):
        losses = []
        for index in shuffled_batches(len(X), batch_size, rng):
            step_hparams = dict(hparams)
            if lr_schedule is not None:
                step_hparams["lr"] = lr_schedule(scheduler_steps)
            loss, grads = loss_fn(params, X[index], y[index])
            for name in params:
                params[name], states[name] = step_fn(params[name], grads[name], states[name], **step_hparams)
            history.step_loss.append(float(loss))
            history.step_lr.append(step_hparams.get("lr"))
            losses.append(float(loss))
            if lr_schedule is not None and schedule_per == "batch":
                scheduler_steps += 1
            bar.update(1)
        if lr_schedule is not None and schedule_per == "epoch":
            scheduler_steps += 1
        history.epoch_loss.append(float(np.mean(losses)))
        history.epoch_time.append(time.perf_counter() - start)
        if evaluate is not None:
            history.val_accuracy.append(float(evaluate(params)))
        bar.set_postfix(loss=f"{history.epoch_loss[-1]:.4f}")
    bar.close()
    return params, history
