"""A small non-convex model for lessons 04–07: a two-layer perceptron (one hidden ReLU layer).

Softmax regression (lesson 03) is convex, so on it the choice of optimizer or schedule barely
matters. This network is the smallest model on which it does: scores
``s = W2 · relu(W1 x + b1) + b2``, softmax, cross-entropy averaged over the batch. The forward and
backward passes are written by hand in numpy; the parameters are a dict of arrays

    {"W1": (H, D), "b1": (H,), "W2": (K, H), "b2": (K,)}

(weights stored (out, in), as ``torch.nn.Linear`` stores them), so ``course.training.train`` and
every optimizer of the course, ``step(w, dw, state, **hparams) -> (w, state)``, drive it as they
drive softmax regression. Arrays keep the parameters' dtype (float32 by default).

It is not an exercise: no lesson asks students to write it.
"""

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from course.protocols import Params

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def init_mlp(
    n_inputs: int, n_hidden: int, n_classes: int, *, seed: int = 0, dtype: DTypeLike = np.float32
) -> Params:
    """He-initialised weights (std sqrt(2 / fan_in)) and zero biases, as a dict of `dtype` arrays."""
    for name, value in (("n_inputs", n_inputs), ("n_hidden", n_hidden), ("n_classes", n_classes)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    rng = np.random.default_rng(seed)
    return {
        "W1": (np.sqrt(2.0 / n_inputs) * rng.standard_normal((n_hidden, n_inputs))).astype(dtype),
        "b1": np.zeros(n_hidden, dtype=dtype),
        "W2": (np.sqrt(2.0 / n_hidden) * rng.standard_normal((n_classes, n_hidden))).astype(dtype),
        "b2": np.zeros(n_classes, dtype=dtype),
    }


def _check(params, X, y=None):
    missing = [name for name in PARAM_NAMES if name not in params]
    if missing:
        raise KeyError(f"params lacks {missing}; init_mlp makes {list(PARAM_NAMES)}")
    if X.ndim != 2 or X.shape[1] != params["W1"].shape[1]:
        raise ValueError(f"X has shape {X.shape}, expected (N, {params['W1'].shape[1]})")
    if y is not None and len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")


def mlp_scores(params: Params, X: ArrayLike) -> np.ndarray:
    """Class scores (N, K) of the rows of X."""
    _check(params, X)
    hidden = X @ params["W1"].T
    hidden += params["b1"]
    np.maximum(hidden, 0, out=hidden)
    return hidden @ params["W2"].T + params["b2"]


def mlp_loss(params: Params, X: ArrayLike, y: ArrayLike) -> tuple[float, Params]:
    """Mean softmax cross-entropy of the network on (X, y) and its gradients.

    params: dict from init_mlp; X: (N, D); y: (N,) ints in 0..K-1.
    Returns (loss as a Python float, grads) with grads a dict of arrays shaped and typed like params.
    """
    _check(params, X, y)
    dtype = params["W1"].dtype
    X = np.asarray(X, dtype=dtype)
    n = len(y)
    rows = np.arange(n)
    pre = X @ params["W1"].T
    pre += params["b1"]
    hidden = np.maximum(pre, 0)
    scores = hidden @ params["W2"].T + params["b2"]
    scores -= scores.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(scores).sum(axis=1))
    loss = float(np.mean(log_sum - scores[rows, y], dtype=np.float64))
    d_scores = np.exp(scores - log_sum[:, None])  # softmax probabilities
    d_scores[rows, y] -= 1
    d_scores /= n  # dL/dscores = (P - Y) / N
    d_hidden = d_scores @ params["W2"]
    d_hidden *= pre > 0  # ReLU passes the gradient where it was active
    grads = {
        "W1": d_hidden.T @ X,
        "b1": d_hidden.sum(axis=0),
        "W2": d_scores.T @ hidden,
        "b2": d_scores.sum(axis=0),
    }
    return loss, {name: grad.astype(dtype, copy=False) for name, grad in grads.items()}


def mlp_evaluate(params: Params, X: ArrayLike, y: ArrayLike, chunk: int = 4096) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of the network on all of (X, y), in chunks of rows."""
    _check(params, X, y)
    total_loss, correct = 0.0, 0
    for start in range(0, len(X), chunk):
        scores = mlp_scores(params, X[start : start + chunk]).astype(np.float64)
        labels = y[start : start + chunk]
        top = scores.max(axis=1)
        log_sum = top + np.log(np.exp(scores - top[:, None]).sum(axis=1))
        total_loss += float(np.sum(log_sum - scores[np.arange(len(labels)), labels]))
        correct += int(np.sum(np.argmax(scores, axis=1) == labels))
    return total_loss / len(X), correct / len(X)


def mlp_accuracy(params: Params, X: ArrayLike, y: ArrayLike) -> float:
    """Fraction of rows of X whose highest score is the label y."""
    return mlp_evaluate(params, X, y)[1]
