"""The learning-rate range test ("learning rate finder") of seed 003, lesson 07.

Seed 003's recipe (after Smith 2017): start from the initial parameters, take one minibatch per
step, and raise the learning rate geometrically, lr = 10**e for e in np.linspace(-8, 0, 200);
record the minibatch loss at every step and plot it against e. The loss stays flat while the
rate is too small to matter, falls where the rate is useful, and explodes where it is too
large; a good constant rate sits where the fall is steepest, somewhat below the minimum.

The loss on step i is measured *before* step i's update, which uses lr = 10**e_i (the seed's
loop records the loss, then sets the rate and calls optimizer.step()). Plain SGD without
momentum, as the seed's torch.optim.SGD(model.parameters(), lr) is.
"""

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike

from course.protocols import LossFunction, Params


def lr_range_test(
    loss_fn: LossFunction,
    params: Params,
    batches: Iterable[tuple[ArrayLike, ArrayLike]],
    exponents: ArrayLike,
) -> np.ndarray:
    """Run the range test; return the minibatch loss recorded at each step.

    loss_fn:   a course.protocols.LossFunction: loss_fn(params, X_batch, y_batch) -> (loss, grads).
    params:    dict of initial arrays, e.g. {"W": (K, D), "b": (K,)}; not modified.
    batches:   an iterable of (X_batch, y_batch) pairs, at least len(exponents) of them; step i
               uses the i-th pair (a list, or an iterator such as iter(loader)).
    exponents: (S,) base-10 exponents; step i records loss_i at the current parameters, then
               updates every array p <- p - 10**exponents[i] * grads[name].
    Returns losses, a float array of shape (S,).
    """
    exponents = np.asarray(exponents, dtype=float)
    if exponents.ndim != 1 or exponents.size == 0:
        raise ValueError(f"exponents must be a non-empty 1-D array, got shape {exponents.shape}")
    if not isinstance(params, dict) or not params:
        raise ValueError("params must be a non-empty dict of arrays, e.g. {'W': W, 'b': b}")
    params = {name: np.array(value, copy=True) for name, value in params.items()}
    batch_iterator = iter(batches)
    losses = np.empty(exponents.size)
    for i, exponent in enumerate(exponents):
        try:
            X_batch, y_batch = next(batch_iterator)
        except StopIteration:
            raise ValueError(
                f"batches ran out after {i} minibatches; the test needs one per exponent ({exponents.size})"
            ) from None
        loss, grads = loss_fn(params, X_batch, y_batch)
        losses[i] = float(loss)
        # a Python float: numpy >= 2 would promote float32 parameters to the dtype of a numpy
        # float64 scalar such as exponents[i], where torch keeps the parameters' dtype
        lr = 10.0 ** float(exponent)
        params = {name: value - lr * grads[name] for name, value in params.items()}
    return losses


def chosen_learning_rate() -> float:
    """Lesson 07's experiment task: the instructor's constant rate for its protocol (softmax
    regression, plain SGD, B = 128, 5 epochs, the first 3,000 training images, seeds 0).

    Checked on a validation split among 0.01, 0.03, 0.1, 0.3 (the range test's lowest-loss rate is
    near the top of that range); the hidden test asks a student's rate to reach 90% of this one's
    held-out accuracy.
    """
    return 0.1
