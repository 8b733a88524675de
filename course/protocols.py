"""The three call conventions the course is built on, written once as typing.Protocols.

Lessons, widgets, `course.training`, the answer key (`solutions`) and the autograder's harness
all pass functions around in these shapes; their docstrings refer here instead of
re-describing them. The Protocols are for readers and type checkers: any plain function with
the right call signature satisfies one (nothing needs to inherit from them), and
`isinstance` checks are not offered because they could only check that a thing is callable.

Optimizer (lessons 02, 04-07; `solutions.optim`)::

    w_next, state = step(w, dw, state=None, *, lr=..., **hyperparameters)

Schedule (lesson 07; `solutions.schedulers`)::

    lr = schedule(t, lr0, ...)          # t: number of scheduler steps taken so far, t >= 0

LossFunction (lessons 03-07; `course.training.train`, `solutions.lr_finder`)::

    loss, grads = loss_fn(params, X_batch, y_batch)
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

#: An optimizer's state: None before the first step, then the dict the previous step returned
#: (torch.optim's names: "step", "momentum_buffer", "exp_avg", ...).
OptimizerState = dict[str, Any]
#: Named parameter arrays, e.g. {"W": (K, D), "b": (K,)}, and gradients with the same keys.
Params = dict[str, NDArray[np.floating]]

__all__ = ["LossFunction", "Optimizer", "OptimizerState", "Params", "Schedule"]


class Optimizer(Protocol):
    """One step of an optimizer, as a pure function: ``step(w, dw, state=None, **hparams)``.

    - ``w``: the parameters, a float array of any shape; ``dw``: the gradient of the loss at
      ``w``, the same shape.
    - ``state``: None on the first call, afterwards the dict the previous call returned.
    - keyword-only hyperparameters, torch.optim's names and defaults (``lr``, ``momentum``,
      ``betas``, ``eps``, ``weight_decay``, ...). They may change between calls: that is how a
      learning-rate schedule is applied.

    Returns ``(w_next, state)``: new parameters of ``w``'s shape and dtype, and the state to
    pass to the next call. ``w``, ``dw`` and the state passed in are never modified (the
    returned state is a new dict of new arrays). Bad hyperparameters raise ValueError.
    """

    def __call__(
        self,
        w: NDArray[np.floating],
        dw: NDArray[np.floating],
        state: OptimizerState | None = None,
        /,
        **hyperparameters: Any,
    ) -> tuple[NDArray[np.floating], OptimizerState]: ...


class Schedule(Protocol):
    """A learning-rate schedule as a function of the step count: ``schedule(t, lr0, ...)``.

    ``t`` is the number of ``scheduler.step()`` calls made so far (0 right after construction);
    the result is the float that torch's ``scheduler.get_last_lr()[0]`` reports at that moment.
    The other arguments (the initial rate ``lr0`` or ``max_lr``, ``step_size``, ``gamma``, ...)
    are the schedule's own. Bad arguments raise ValueError.
    """

    def __call__(self, t: int, /, *args: Any, **params: Any) -> float: ...


class LossFunction(Protocol):
    """The loss of a model on one minibatch and its gradients: ``loss_fn(params, X, y)``.

    - ``params``: dict of parameter arrays, e.g. {"W": (K, D), "b": (K,)}; not modified.
    - ``X_batch``: (B, D) inputs; ``y_batch``: (B,) integer labels.

    Returns ``(loss, grads)``: the mean loss over the batch as a float, and a dict with the
    same keys and shapes as ``params`` holding the gradient of that loss.
    """

    def __call__(
        self, params: Params, X_batch: NDArray[np.floating], y_batch: NDArray[np.integer], /
    ) -> tuple[float, Params]: ...
