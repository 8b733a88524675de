"""Optimizers as pure functions of (parameters, gradient, state), numerically equal to torch.optim.

Every optimizer is a ``course.protocols.Optimizer``: ``w_next, state = name(w, dw, state=None,
**hparams)``, pure (optax style: nothing passed in is modified), with hyperparameters that may
change from one call to the next. The docstrings below give only what each adds to it.

Conventions are torch.optim's (torch 2.x, ``foreach=False``/single-tensor code path):

- names and defaults of the hyperparameters (``lr``, ``betas``, ``eps``, ``weight_decay``, ...),
- names of the state entries (``step``, ``momentum_buffer``, ``sum``, ``square_avg``,
  ``grad_avg``, ``acc_delta``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``, ``mu_product``),
- where ``eps`` acts (outside the square root for Adagrad/RMSprop/Adam/NAdam, inside for Adadelta),
- where weight decay acts (L2: ``λ·w`` added to the gradient, no factor 2; decoupled for AdamW:
  ``w ← w − lr·λ·w`` before the update),
- momentum: ``buf ← μ·buf + (1 − dampening)·g`` with ``buf = g`` on the first step and the
  learning rate applied at the update, so changing ``lr`` mid-run does not rescale the buffer.

One addition: every state carries ``step`` (an int), also for SGD where torch stores none.
``adam_no_bias_correction`` and ``nesterov_lookahead`` are teaching variants, not torch optimizers.
"""

import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course.protocols import OptimizerState
from solutions._checks import in_interval, non_negative, positive, real

__all__ = [
    "sgd",
    "momentum",
    "nesterov",
    "nesterov_lookahead",
    "adagrad",
    "rmsprop",
    "adadelta",
    "adam",
    "adamw",
    "nadam",
    "adam_no_bias_correction",
    "sgdw",
    "OPTIMIZERS",
    "default_hparams",
]


# ----------------------------------------------------------------------------------------------
# Building blocks: argument checks, state, weight decay, moving averages
# ----------------------------------------------------------------------------------------------


def _as_float_array(x, name):
    """Return ``x`` as a floating-point ndarray (integers become float64); never a view to write."""
    array = np.asarray(x)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)
    ):
        raise ValueError(f"{name} must be a real numeric array, got dtype {array.dtype}")
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    return array


def _params_and_grad(w, dw):
    """Validate ``w`` and ``dw``; return them as float arrays of one shape and dtype."""
    w = _as_float_array(w, "w")
    dw = _as_float_array(dw, "dw")
    if dw.shape != w.shape:
        raise ValueError(
            f"dw must have the shape of w {w.shape}, got {dw.shape}; "
            "pass the gradient of the loss with respect to w"
        )
    dtype = np.result_type(w, dw)
    return w.astype(dtype, copy=False), dw.astype(dtype, copy=False)


def _betas(betas):
    """(beta1, beta2) as floats, each in [0, 1)."""
    try:
        beta1, beta2 = betas
    except (TypeError, ValueError):
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}") from None
    beta1 = in_interval(beta1, "betas[0]", 0.0, 1.0, high_open=True)
    beta2 = in_interval(beta2, "betas[1]", 0.0, 1.0, high_open=True)
    return beta1, beta2


def _state(state, w, optimizer_name, buffers, fill=0.0, scalars=None):
    """The state to update: a fresh one when ``state`` is None, else a checked deep copy of it.

    A fresh state is step 0, one array of w's shape filled with ``fill`` per name in
    ``buffers`` (``fill=None``: the buffer is None until the first step creates it, like
    torch's momentum buffer) and the non-array entries ``scalars`` ({name: starting value}).
    The copy is what makes the optimizers pure: they update the copy, never the caller's dict.
    """
    scalars = scalars or {}
    if state is None:
        fresh = {"step": 0}
        for name in buffers:
            fresh[name] = None if fill is None else np.full_like(w, fill)
        return fresh | scalars
    if not isinstance(state, dict):
        raise ValueError(
            f"state must be None or the dict returned by {optimizer_name}, got {type(state).__name__}"
        )
    missing = [key for key in ("step", *buffers, *scalars) if key not in state]
    if missing:
        raise ValueError(
            f"state is missing {missing}: pass the state returned by the previous call of "
            f"{optimizer_name} (or None to start fresh)"
        )
    copied = {}
    for key, value in state.items():
        if isinstance(value, np.ndarray):
            if value.shape != w.shape:
                raise ValueError(
                    f"state[{key!r}] has shape {value.shape} but w has shape {w.shape}; "
                    "pass the state that belongs to these parameters"
                )
            copied[key] = value.copy()
        else:
            copied[key] = value
    return copied


def _weight_decay(w, dw, lr, weight_decay, decoupled=False):
    """torch.optim's weight decay; returns (w, g), the parameters and the gradient to step with.

    L2 (the default): ``g = dw + weight_decay·w`` (no factor 2). Decoupled (AdamW): the
    parameters shrink first, ``w ← w·(1 − lr·weight_decay)``, and ``g = dw``.
    """
    if weight_decay == 0:
        return w, dw
    if decoupled:
        return w * (1 - lr * weight_decay), dw
    return w, dw + weight_decay * w


def _moving_average(average, value, beta):
    """Exponential moving average ``beta·average + (1 − beta)·value`` (Adam's m and v, the
    square_avg of RMSprop and Adadelta)."""
    return beta * average + (1 - beta) * value


# ----------------------------------------------------------------------------------------------
# SGD family
# ----------------------------------------------------------------------------------------------


def _momentum_buffer(buffer: np.ndarray | None, grad: np.ndarray, momentum: float, dampening: float = 0.0):
    """torch's momentum buffer: ``grad`` itself on the first step (dampening does not apply
    there), then ``momentum·buffer + (1 − dampening)·grad``."""
    if buffer is None:
        return grad.copy()
    return momentum * buffer + (1 - dampening) * grad


def sgd(
    w: ArrayLike,
    dw: ArrayLike,
    state: OptimizerState | None = None,
    *,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
) -> tuple[np.ndarray, OptimizerState]:
    """Plain (stochastic) gradient descent: ``w ← w − lr·(dw + weight_decay·w)``.

    Equals ``torch.optim.SGD(params, lr, momentum=0, weight_decay=weight_decay)``.

    A ``course.protocols.Optimizer``; its state only counts steps.
    """
    lr = non_negative(lr, "lr")
    weight_decay = non_negative(weight_decay, "weight_decay")
    w, dw = _params_and_grad(w, dw)
    state = _state(state, w, "sgd", buffers=())
    state["step"] += 1
    w, grad = _weight_decay(w, dw, lr, weight_decay)
    return w - lr * grad, state


def momentum(
    w: ArrayLike,
    dw: ArrayLike,
    state: OptimizerState | None = None,
    *,
    lr: float = 1e-3,
    momentum: float = 0.9,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
) -> tuple[np.ndarray, OptimizerState]:
    """Heavy-ball momentum in torch's notation.

    ``g = dw + weight_decay·w``; ``buf ← momentum·buf + (1 − dampening)·g`` (``buf = g`` on the
    first step); ``w ← w − lr·buf``. Equals ``torch.optim.SGD(params, lr, momentum, dampening,
    weight_decay)``. torch's SGD defaults to momentum=0 (plain SGD); here the default is 0.9,
    the usual choice (seed 001's γ = 0.9). With momentum=0 it is plain SGD, as in torch:
    dampening is ignored and the buffer is left as it is.

    Because lr multiplies the buffer only at the update, this is the seed-000/001 form
    ``v ← γ·v + lr·g, w ← w − v`` only while lr is constant.

    A ``course.protocols.Optimizer``; state["momentum_buffer"] has w's shape (None until a step with
    momentum > 0).
    """
    lr = non_negative(lr, "lr")
    momentum = non_negative(momentum, "momentum")
    dampening = real(dampening, "dampening")
    weight_decay = non_negative(weight_decay, "weight_decay")
    w, dw = _params_and_grad(w, dw)
    state = _state(state, w, "momentum", buffers=("momentum_buffer",), fill=None)
    state["step"] += 1
    w, grad = _weight_decay(w, dw, lr, weight_decay)
    if momentum == 0:  # torch's SGD skips the buffer (and so dampening) when momentum is 0
        return w - lr * grad, state
    state["momentum_buffer"] = _momentum_buffer(state["momentum_buffer"], grad, momentum, dampening)
    return w - lr * state["momentum_buffer"], state


def nesterov(
    w: ArrayLike,
    dw: ArrayLike,
    state: OptimizerState | None = None,
    *,
    lr: float = 1e-3,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
) -> tuple[np.ndarray, OptimizerState]:
    """Nesterov momentum as torch computes it (gradient at the current, shifted, parameters).

    ``buf ← momentum·buf + g`` (``buf = g`` first); ``w ← w − lr·(g + momentum·buf)``.
    Equals ``torch.optim.SGD(params, lr, momentum, nesterov=True, weight_decay)``. This is
    seed 003's reformulation of NAG in shifted parameters ŵ = w + momentum·v; see
    nesterov_lookahead for the original form.

    A ``course.protocols.Optimizer``.
    """
    lr = non_negative(lr, "lr")
    momentum = positive(momentum, "momentum", note="torch requires it for Nesterov momentum")
    weight_decay = non_negative(weight_decay, "weight_decay")
    w, dw = _params_and_grad(w, dw)
    state = _state(state, w, "nesterov", buffers=("momentum_buffer",), fill=None)
    state["step"] += 1
    w, grad = _weight_decay(w, dw, lr, weight_decay)
    state["momentum_buffer"] = _momentum_buffer(state["momentum_buffer"], grad, momentum)
    return w - lr * (grad + momentum * state["momentum_buffer"]), state


def sgdw(
    w: ArrayLike,
    dw: ArrayLike,
    state: OptimizerState | None = None,
    *,
    lr: float = 1e-3,
    momentum: float = 0.9,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
) -> tuple[np.ndarray, OptimizerState]:
    """SGD with momentum and decoupled weight decay (SGDW, Loshchilov & Hutter 2019).

    ``w ← (1 − lr·weight_decay)·w``, then ``torch.optim.SGD(params, lr, momentum, dampening,
    nesterov=nesterov, weight_decay=0)`` on ``dw``: the decay never enters the momentum buffer.
    torch.optim has no SGDW; this is exactly what AdamW is to Adam. With momentum=0 it equals
    ``sgd(weight_decay=weight_decay)`` (L2 and weight decay coincide for plain SGD); with momentum
    the two differ.

    A ``course.protocols.Optimizer``; state["momentum_buffer"] has w's shape (None until a step with
    momentum > 0). Raises ValueError for nesterov without momentum or with dampening, as torch.
    """
    lr = non_negative(lr, "lr")
    momentum = non_negative(momentum, "momentum")
    dampening = real(dampening, "dampening")
    weight_decay = non_negative(weight_decay, "weight_decay")
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError(
            f"Nesterov momentum requires momentum > 0 and dampening = 0, got momentum={momentum!r}, "
            f"dampening={dampening!r}"
        )
    w, dw = _params_and_grad(w, dw)
    state = _state(state, w, "sgdw", buffers=("momentum_buffer",), fill=None)
    state["step"] += 1
    w, grad = _weight_decay(w, dw, lr, weight_decay, decoupled=True)
    if momentum == 0:
        return w - lr * grad, state
    state["momentum_buffer"] = _momentum_buffer(state["momentum_buffer"], grad, momentum, dampening)
    step = grad + momentum * state["momentum_buffer"] if nesterov else state["momentum_buffer"]
    return w - lr * step, state


def nesterov_lookahead(
    grad_fn: Callable[[np.ndarray], ArrayLike],
    w: ArrayLike,
    state: OptimizerState | None = None,
    *,
    lr: float = 1e-3,
    momentum: float = 0.9,
) -> tuple[np.ndarray, OptimizerState]:
    """Nesterov accelerated gradient in its original look-ahead form (seed 003, notation α = momentum).

    ``v ← α·v − lr·∇L(w + α·v)``; ``w ← w + v``, starting from v = 0.

    It needs the gradient at a point other than w, so it takes ``grad_fn`` instead of a gradient
    and does not fit the ``(w, dw, state)`` API; that is why frameworks use the shifted form
    (``nesterov``). With a constant lr the two are the same algorithm: the iterates of
    ``nesterov`` started at w0 are exactly ``w + α·v`` of this one.

    Inputs:
    - grad_fn: callable mapping parameters (w's shape) to the gradient there (same shape).
    - w: parameters; state: None or the previous call's dict.
    Returns (w_next, state) with state["velocity"] = v (shape of w). ``velocity`` is the
    seed's v, which is −lr·momentum_buffer of torch when lr is constant.
    """
    lr = non_negative(lr, "lr")
    momentum = non_negative(momentum, "momentum")
    if not callable(grad_fn):
        raise ValueError("grad_fn must be a callable returning the gradient at given parameters")
    w = _as_float_array(w, "w")
    state = _state(state, w, "nesterov_lookahead", buffers=("velocity",))
    state["step"] += 1
    lookahead = w + momentum * state["velocity"]
    grad = _as_float_array(grad_fn(lookahead), "grad_fn(w)")
    if grad.shape != w.shape:
        raise ValueError(f"grad_fn must return an array of w's shape {w.shape}, got {grad.shape}")
    state["velocity"] = momentum * state["velocity"] - lr * grad
    return w + state["velocity"], state


# ----------------------------------------------------------------------------------------------
# Adaptive methods
# ----------------------------------------------------------------------------------------------


def adagrad(
    w: ArrayLike,
    dw: ArrayLike,
    state: OptimizerState | None = None,
    *,
    lr: float = 1e-2,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
) -> tuple[np.ndarray, OptimizerState]:
    """AdaGrad: per-coordinate step lr/(√(Σ g²) + eps); equals ``torch.optim.Adagrad``.

    ``sum ← sum + g²``; ``w ← w − clr·g/(√sum + eps)`` with ``clr = lr/(1 + (step − 1)·lr_decay)``.
    The accumulator starts at ``initial_accumulator_value`` (fixed at the first call, as in torch
    where it is set at construction).

    A ``course.protocols.Optimizer``; its state holds "sum" (w's shape).
    """
    lr = non_negative(lr, "lr")
    lr_decay = non_negative(lr_decay, "lr_decay")
    weight_decay = non_negative(weight_decay, "weight_decay")
    initial_accumulator_value = non_negative(initial_accumulator_value, "initial_accumulator_value")
    eps = non_negative(eps, "eps")
    w, dw = _params_and_grad(w, dw)
    state = _state(state, w, "adagrad", buffers=("sum",), fill=initial_accumulator_value)
    state["step"] += 1
    w, grad = _weight_decay(w, dw, lr, weight_decay)
    decayed_lr = lr / (1 + (state["step"] - 1) * lr_decay)
    state["sum"] = state["sum"] + grad * grad
    return w - decayed_lr * grad / (np.sqrt(state["sum"]) + eps), state


def rmsprop(
    w: ArrayLike,
    dw: ArrayLike,
    state: OptimizerState | None = None,
    *,
    lr: float = 1e-2,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
) -> tuple[np.ndarray, OptimizerState]:
    """RMSProp (Hinton 2012); equals ``torch.optim.RMSprop``.

    ``square_avg ← α·square_avg + (1 − α)·g²``; denominator ``√square_avg + eps``, or, when
    centered, ``√(square_avg − grad_avg²) + eps`` with ``grad_avg`` the moving average of g.
    Without momentum ``w ← w − lr·g/denom``; with momentum
    ``momentum_buffer ← momentum·momentum_buffer + g/denom`` (starts at 0, unlike SGD's) and
    ``w ← w − lr·momentum_buffer``.

    A ``course.protocols.Optimizer``; its state holds square_avg (and grad_avg, momentum_buffer when used).
    """
    lr = non_negative(lr, "lr")
    eps = non_negative(eps, "eps")
    momentum = non_negative(momentum, "momentum")
    weight_decay = non_negative(weight_decay, "weight_decay")
    alpha = non_negative(alpha, "alpha")
    w, dw = _params_and_grad(w, dw)
    state = _state(state, w, "rmsprop", buffers=("square_avg",))
    # like torch, keep grad_avg only when centered and momentum_buffer only with momentum;
    # switching either on mid-run starts that buffer at zero
    if centered:
        state.setdefault("grad_avg", np.zeros_like(w))
    if momentum > 0:
        state.setdefault("momentum_buffer", np.zeros_like(w))
    state["step"] += 1
    w, grad = _weight_decay(w, dw, lr, weight_decay)
    state["square_avg"] = _moving_average(state["square_avg"], grad * grad, alpha)
    if centered:
        state["grad_avg"] = _moving_average(state["grad_avg"], grad, alpha)
        denom = np.sqrt(state["square_avg"] - state["grad_avg"] ** 2) + eps
    else:
        denom = np.sqrt(state["square_avg"]) + eps
    if momentum > 0:
        state["momentum_buffer"] = momentum * state["momentum_buffer"] + grad / denom
        return w - lr * state["momentum_buffer"], state
    return w - lr * grad / denom, state


def adadelta(
    w: ArrayLike,
    dw: ArrayLike,
    state: OptimizerState | None = None,
    *,
    lr: float = 1.0,
    rho: float = 0.9,
    eps: float = 1e-6,
    weight_decay: float = 0.0,
) -> tuple[np.ndarray, OptimizerState]:
    """Adadelta (Zeiler 2012, seed 004); equals ``torch.optim.Adadelta``.

    ``square_avg ← ρ·square_avg + (1 − ρ)·g²``;
    ``delta = √(acc_delta + eps)/√(square_avg + eps)·g`` (eps inside both roots);
    ``acc_delta ← ρ·acc_delta + (1 − ρ)·delta²``; ``w ← w − lr·delta``.
    The "no learning rate" method of the paper is lr = 1 (torch's default).

    A ``course.protocols.Optimizer``; its state holds square_avg and acc_delta of w's shape.
    """
    lr = non_negative(lr, "lr")
    rho = in_interval(rho, "rho", 0.0, 1.0)
    eps = non_negative(eps, "eps")
    weight_decay = non_negative(weight_decay, "weight_decay")
    w, dw = _params_and_grad(w, dw)
    state = _state(state, w, "adadelta", buffers=("square_avg", "acc_delta"))
    state["step"] += 1
    w, grad = _weight_decay(w, dw, lr, weight_decay)
    state["square_avg"] = _moving_average(state["square_avg"], grad * grad, rho)
    delta = np.sqrt(state["acc_delta"] + eps) / np.sqrt(state["square_avg"] + eps) * grad
    state["acc_delta"] = _moving_average(state["acc_delta"], delta * delta, rho)
    return w - lr * delta, state


def adam(
    w: ArrayLike,
    dw: ArrayLike,
    state: OptimizerState | None = None,
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    decoupled_weight_decay: bool = False,
) -> tuple[np.ndarray, OptimizerState]:
    """Adam with bias correction (Kingma & Ba 2015); equals ``torch.optim.Adam``.

    ``m ← β1·m + (1 − β1)·g``, ``v ← β2·v + (1 − β2)·g²`` (state exp_avg, exp_avg_sq);
    ``w ← w − lr/(1 − β1^t) · m / (√v/√(1 − β2^t) + eps)``.
    weight_decay is L2 (added to g, then divided by √v like the data gradient) unless
    decoupled_weight_decay=True, which is AdamW. amsgrad=True uses the running maximum of v
    (state max_exp_avg_sq) in the denominator (Reddi et al. 2018).

    A ``course.protocols.Optimizer``.
    """
    lr = non_negative(lr, "lr")
    beta1, beta2 = _betas(betas)
    eps = non_negative(eps, "eps")
    weight_decay = non_negative(weight_decay, "weight_decay")
    w, dw = _params_and_grad(w, dw)
    buffers = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if amsgrad else ("exp_avg", "exp_avg_sq")
    state = _state(state, w, "adamw" if decoupled_weight_decay else "adam", buffers)
    state["step"] += 1
    w, grad = _weight_decay(w, dw, lr, weight_decay, decoupled=decoupled_weight_decay)
    state["exp_avg"] = _moving_average(state["exp_avg"], grad, beta1)
    state["exp_avg_sq"] = _moving_average(state["exp_avg_sq"], grad * grad, beta2)
    if amsgrad:
        state["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], state["exp_avg_sq"])
        second_moment = state["max_exp_avg_sq"]
    else:
        second_moment = state["exp_avg_sq"]
    bias_correction1 = 1 - beta1 ** state["step"]
    bias_correction2 = 1 - beta2 ** state["step"]
    # eps is added after the bias correction of the root: √v̂ + eps, not √(v̂ + eps)
    denom = np.sqrt(second_moment) / math.sqrt(bias_correction2) + eps
    return w - (lr / bias_correction1) * state["exp_avg"] / denom, state


def adamw(
    w: ArrayLike,
    dw: ArrayLike,
    state: OptimizerState | None = None,
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 1e-2,
    amsgrad: bool = False,
) -> tuple[np.ndarray, OptimizerState]:
    """AdamW (Loshchilov & Hutter); equals ``torch.optim.AdamW``.

    Decoupled weight decay: first ``w ← w − lr·weight_decay·w``, then the Adam step on the data
    gradient alone. Note the decay is scaled by lr (torch's convention), not by a separate factor.
    It is adam with decoupled_weight_decay=True, as torch's AdamW is Adam with that flag.

    A ``course.protocols.Optimizer``.
    """
    return adam(
        w,
        dw,
        state,
        lr=lr,
        betas=betas,
        eps=eps,
        weight_decay=weight_decay,
        amsgrad=amsgrad,
        decoupled_weight_decay=True,
    )


def nadam(
    w: ArrayLike,
    dw: ArrayLike,
    state: OptimizerState | None = None,
    *,
    lr: float = 2e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum_decay: float = 4e-3,
    decoupled_weight_decay: bool = False,
) -> tuple[np.ndarray, OptimizerState]:
    """NAdam (Dozat 2016): Adam with a Nesterov look-ahead; equals ``torch.optim.NAdam``.

    Momentum schedule ``μ_t = β1·(1 − ½·0.96^(t·momentum_decay))`` and its running product
    (state mu_product = Π μ_i). With ``v̂ = v/(1 − β2^t)`` and ``denom = √v̂ + eps``:
    ``w ← w − lr·(1 − μ_t)/(1 − Πμ_{≤t}) · g/denom − lr·μ_{t+1}/(1 − Πμ_{≤t+1}) · m/denom``.

    A ``course.protocols.Optimizer``.
    """
    lr = non_negative(lr, "lr")
    beta1, beta2 = _betas(betas)
    eps = non_negative(eps, "eps")
    weight_decay = non_negative(weight_decay, "weight_decay")
    momentum_decay = non_negative(momentum_decay, "momentum_decay")
    w, dw = _params_and_grad(w, dw)
    state = _state(state, w, "nadam", ("exp_avg", "exp_avg_sq"), scalars={"mu_product": 1.0})
    state["step"] += 1
    step = state["step"]
    w, grad = _weight_decay(w, dw, lr, weight_decay, decoupled=decoupled_weight_decay)
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
    mu_product = state["mu_product"] * mu
    mu_product_next = mu_product * mu_next
    state["mu_product"] = mu_product
    state["exp_avg"] = _moving_average(state["exp_avg"], grad, beta1)
    state["exp_avg_sq"] = _moving_average(state["exp_avg_sq"], grad * grad, beta2)
    denom = np.sqrt(state["exp_avg_sq"] / (1 - beta2**step)) + eps
    gradient_part = lr * (1.0 - mu) / (1.0 - mu_product) * grad / denom
    momentum_part = lr * mu_next / (1.0 - mu_product_next) * state["exp_avg"] / denom
    return w - gradient_part - momentum_part, state


def adam_no_bias_correction(
    w: ArrayLike,
    dw: ArrayLike,
    state: OptimizerState | None = None,
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
) -> tuple[np.ndarray, OptimizerState]:
    """The simplified Adam of seeds 001 and 003 (NOT a torch optimizer): no bias correction.

    ``m ← β1·m + (1 − β1)·g``, ``v ← β2·v + (1 − β2)·g²``, ``w ← w − lr·m/(√v + eps)``.
    With m = v = 0 at the start the first steps are too small by (1 − β1)/√(1 − β2) ≈ 3.2 at
    the defaults; this is what bias correction fixes. weight_decay is L2 as in adam.

    A ``course.protocols.Optimizer``.
    """
    lr = non_negative(lr, "lr")
    beta1, beta2 = _betas(betas)
    eps = non_negative(eps, "eps")
    weight_decay = non_negative(weight_decay, "weight_decay")
    w, dw = _params_and_grad(w, dw)
    state = _state(state, w, "adam_no_bias_correction", ("exp_avg", "exp_avg_sq"))
    state["step"] += 1
    w, grad = _weight_decay(w, dw, lr, weight_decay)
    state["exp_avg"] = _moving_average(state["exp_avg"], grad, beta1)
    state["exp_avg_sq"] = _moving_average(state["exp_avg_sq"], grad * grad, beta2)
    return w - lr * state["exp_avg"] / (np.sqrt(state["exp_avg_sq"]) + eps), state


# ----------------------------------------------------------------------------------------------
# Table for lessons, widgets and table-driven tests
# ----------------------------------------------------------------------------------------------

OPTIMIZERS = {
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adadelta": adadelta,
    "adam": adam,
    "adamw": adamw,
    "nadam": nadam,
    "adam_no_bias_correction": adam_no_bias_correction,
}
"""Every optimizer with the (w, dw, state) signature, by name. nesterov_lookahead is not here:
it takes a gradient function instead of a gradient."""


def default_hparams(name: str) -> dict[str, Any]:
    """Default hyperparameters of OPTIMIZERS[name] as a dict, read from its signature.

    >>> default_hparams("adam")["betas"]
    (0.9, 0.999)
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"name must be one of {sorted(OPTIMIZERS)}, got {name!r}")
    signature = inspect.signature(OPTIMIZERS[name])
    return {
        param.name: param.default
        for param in signature.parameters.values()
        if param.kind is inspect.Parameter.KEYWORD_ONLY
    }
