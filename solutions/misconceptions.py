"""Known-wrong variants of the exercises: the misconception bank of the hidden tests.

Instructor side, like the rest of `solutions`: masked in the grading sandbox, never released.
When a student's function fails a hidden comparison, the grader (autograder.grader.harness, in
its own process) reruns the test's calls with each variant of that exercise listed here; if one
reproduces the student's results within the test's tolerance, the feedback names the mistake
and points to the lesson section that explains it, and the verdict record counts it.

Each `Misconception` has:
- key: stable id for records and reports, e.g. "adam/no-bias-correction";
- exercise: the notebook function it belongs to (the name the hidden test calls);
- title: what the mistake is, completing "your results match a known mistake, ...";
- explanation: one sentence for the student: what the right update does instead;
- lesson, section: where the lesson explains it ("05_adaptive_methods", "5. Adam": the heading);
- variant: the wrong function, with the exercise's signature.
A variant is the reference with the one mistake, built from the reference's own building blocks,
so that it differs from the reference in that mistake only.
"""

import math
from dataclasses import dataclass

import numpy as np

from solutions import finite_diff, optim, schedulers, sgd_theory, softmax
from solutions.optim import _betas, _moving_average, _params_and_grad, _state, _weight_decay

__all__ = ["Misconception", "MISCONCEPTIONS", "for_exercise"]


@dataclass(frozen=True)
class Misconception:
    key: str
    exercise: str
    title: str
    explanation: str
    lesson: str
    section: str
    variant: object

    @property
    def where(self):
        """'lesson 05, §5 Adam': what the feedback points the student to."""
        number, _, title = self.section.partition(". ")
        return f"lesson {self.lesson[:2]}, §{number} {title}"


# ----------------------------------------------------------------------------------------------
# Adam family: one implementation with a switch per mistake
# ----------------------------------------------------------------------------------------------


def _adam(
    w,
    dw,
    state=None,
    *,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    decoupled=False,
    eps_inside_root=False,
    bias_correction=True,
    max_of_corrected=False,
    decay_with_lr=True,
):
    """solutions.optim.adam with switches that each plant one mistake (all off: the reference)."""
    beta1, beta2 = _betas(betas)
    w, dw = _params_and_grad(w, dw)
    buffers = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if amsgrad else ("exp_avg", "exp_avg_sq")
    state = _state(state, w, "adam", buffers)
    state["step"] += 1
    if decoupled and not decay_with_lr:
        w, grad = w * (1 - weight_decay), dw
    else:
        w, grad = _weight_decay(w, dw, lr, weight_decay, decoupled=decoupled)
    state["exp_avg"] = _moving_average(state["exp_avg"], grad, beta1)
    state["exp_avg_sq"] = _moving_average(state["exp_avg_sq"], grad * grad, beta2)
    correction1 = 1 - beta1 ** state["step"] if bias_correction else 1.0
    correction2 = 1 - beta2 ** state["step"] if bias_correction else 1.0
    if amsgrad and max_of_corrected:
        # the running maximum is taken over v̂ = v / (1 − β2^t), which is then used as it is
        state["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], state["exp_avg_sq"] / correction2)
        second_moment, correction2 = state["max_exp_avg_sq"], 1.0
    elif amsgrad:
        state["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], state["exp_avg_sq"])
        second_moment = state["max_exp_avg_sq"]
    else:
        second_moment = state["exp_avg_sq"]
    if eps_inside_root:
        denom = np.sqrt(second_moment / correction2 + eps)
    else:
        denom = np.sqrt(second_moment) / math.sqrt(correction2) + eps
    return w - (lr / correction1) * state["exp_avg"] / denom, state


def _adam_variant(**mistake):
    def adam(w, dw, state=None, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
        return _adam(
            w, dw, state, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, **mistake
        )

    return adam


def _adamw_variant(**mistake):
    def adamw(w, dw, state=None, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        mistake.setdefault("decoupled", True)
        return _adam(
            w, dw, state, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, **mistake
        )

    return adamw


def _rmsprop_eps_inside_root(
    w, dw, state=None, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False
):
    """solutions.optim.rmsprop with √(square_avg + eps) instead of √square_avg + eps."""
    w, dw = _params_and_grad(w, dw)
    state = _state(state, w, "rmsprop", buffers=("square_avg",))
    if centered:
        state.setdefault("grad_avg", np.zeros_like(w))
    if momentum > 0:
        state.setdefault("momentum_buffer", np.zeros_like(w))
    state["step"] += 1
    w, grad = _weight_decay(w, dw, lr, weight_decay)
    state["square_avg"] = _moving_average(state["square_avg"], grad * grad, alpha)
    variance = state["square_avg"]
    if centered:
        state["grad_avg"] = _moving_average(state["grad_avg"], grad, alpha)
        variance = state["square_avg"] - state["grad_avg"] ** 2
    denom = np.sqrt(variance + eps)
    if momentum > 0:
        state["momentum_buffer"] = momentum * state["momentum_buffer"] + grad / denom
        return w - lr * state["momentum_buffer"], state
    return w - lr * grad / denom, state


# ----------------------------------------------------------------------------------------------
# Momentum and Nesterov
# ----------------------------------------------------------------------------------------------


def _momentum(
    w,
    dw,
    state=None,
    *,
    lr=1e-3,
    momentum=0.9,
    dampening=0.0,
    weight_decay=0.0,
    damp_first=False,
    lr_inside=False,
):
    """solutions.optim.momentum with switches that each plant one mistake."""
    w, dw = _params_and_grad(w, dw)
    state = _state(state, w, "momentum", buffers=("momentum_buffer",), fill=None)
    state["step"] += 1
    w, grad = _weight_decay(w, dw, lr, weight_decay)
    if momentum == 0:
        return w - lr * grad, state
    scale = lr if lr_inside else 1.0
    if state["momentum_buffer"] is None:
        first = (1 - dampening) * grad if damp_first else grad
        state["momentum_buffer"] = scale * first
    else:
        state["momentum_buffer"] = momentum * state["momentum_buffer"] + scale * (1 - dampening) * grad
    return w - (1.0 if lr_inside else lr) * state["momentum_buffer"], state


def _momentum_variant(**mistake):
    def momentum(w, dw, state=None, *, lr=1e-3, momentum=0.9, dampening=0.0, weight_decay=0.0):
        return _momentum(
            w, dw, state, lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, **mistake
        )

    return momentum


def _nesterov_sign(w, dw, state=None, *, lr=1e-3, momentum=0.9, weight_decay=0.0):
    """solutions.optim.nesterov with the look-ahead term subtracted: w − lr·(g − μ·buf)."""
    w, dw = _params_and_grad(w, dw)
    state = _state(state, w, "nesterov", buffers=("momentum_buffer",), fill=None)
    state["step"] += 1
    w, grad = _weight_decay(w, dw, lr, weight_decay)
    if state["momentum_buffer"] is None:
        state["momentum_buffer"] = grad.copy()
    else:
        state["momentum_buffer"] = momentum * state["momentum_buffer"] + grad
    return w - lr * (grad - momentum * state["momentum_buffer"]), state


def _nesterov_lookahead_sign(grad_fn, w, state=None, *, lr=1e-3, momentum=0.9):
    """solutions.optim.nesterov_lookahead with the gradient taken at w − α·v instead of w + α·v."""
    w = np.asarray(w, dtype=float)
    velocity = np.zeros_like(w) if state is None else np.asarray(state["velocity"], dtype=float)
    grad = np.asarray(grad_fn(w - momentum * velocity), dtype=float)
    velocity = momentum * velocity - lr * grad
    step = 1 if state is None else state.get("step", 0) + 1
    return w + velocity, {"step": step, "velocity": velocity}


# ----------------------------------------------------------------------------------------------
# Schedules and SGD theory
# ----------------------------------------------------------------------------------------------


def _shifted(schedule, shift):
    """`schedule` evaluated at t + shift (clamped at 0): one step late (-1) or early (+1)."""

    def shifted(t, *args, **kwargs):
        return schedule(max(int(t) + shift, 0), *args, **kwargs)

    shifted.__name__ = schedule.__name__
    return shifted


def _variance_with_n(per_example_grads, batch_size, replace=True):
    """solutions.sgd_theory.minibatch_gradient_variance with (N − B)/N instead of (N − B)/(N − 1)."""
    G = np.asarray(per_example_grads, dtype=float)
    n = G.shape[0]
    sigma2 = float(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)))
    if replace:
        return sigma2 / batch_size
    return sigma2 / batch_size * (n - batch_size) / n


def _central_over_h(f, x, h=1e-5):
    """solutions.finite_diff.central_difference divided by h instead of 2h."""
    return (f(x + h) - f(x - h)) / h


def _softmax_half_reg_gradient(reference):
    """A softmax loss whose dW has reg·W where d/dW of reg·ΣW² is 2·reg·W."""

    def loss(W, b, X, y, reg=0.0):
        value, dW, db = reference(W, b, X, y, reg)
        return value, dW - reg * np.asarray(W, dtype=np.asarray(dW).dtype), db

    return loss


# ----------------------------------------------------------------------------------------------
# The bank
# ----------------------------------------------------------------------------------------------

_ADAM = ("05_adaptive_methods", "5. Adam")
_ADAMW = ("06_weight_decay", "3. Adam with L2 against AdamW")
_EPS_INSIDE = (
    "eps inside the square root",
    "torch adds eps after the root, √v̂ + eps, so eps matters only where √v̂ is below eps; inside the "
    "root, √(v̂ + eps), it already damps steps whose √v̂ is near √eps (1e-4 at the default).",
)
_NO_CORRECTION = (
    "Adam without bias correction",
    "m and v start at 0, so their averages are too small in the first steps; dividing by 1 − β1^t "
    "and 1 − β2^t corrects that, and it is part of torch's Adam.",
)
_MAX_CORRECTED = (
    "AMSGrad's maximum taken over the bias-corrected v̂",
    "torch keeps the running maximum of the raw v (max_exp_avg_sq) and applies the bias correction "
    "1 − β2^t to that maximum afterwards.",
)


def _adam_family(exercise, make):
    return [
        Misconception(
            f"{exercise}/eps-inside-root", exercise, *_EPS_INSIDE, *_ADAM, make(eps_inside_root=True)
        ),
        Misconception(
            f"{exercise}/no-bias-correction", exercise, *_NO_CORRECTION, *_ADAM, make(bias_correction=False)
        ),
        Misconception(
            f"{exercise}/amsgrad-max-of-corrected",
            exercise,
            *_MAX_CORRECTED,
            *_ADAM,
            make(max_of_corrected=True),
        ),
    ]


_SCHEDULES = (
    "step_decay",
    "multistep_decay",
    "exponential_decay",
    "inverse_time_decay",
    "cosine_annealing",
    "cosine_warm_restarts",
    "linear_warmup",
    "cyclic",
)
_LOOP = ("07_lr_schedules", "1. The training-loop pattern")

MISCONCEPTIONS = [
    *_adam_family("adam", _adam_variant),
    *_adam_family("adamw", _adamw_variant),
    Misconception(
        "rmsprop/eps-inside-root",
        "rmsprop",
        "eps inside the square root",
        "torch adds eps after the root, √square_avg + eps, so eps matters only where the root is below "
        "eps; inside the root it already damps steps whose root is near √eps (1e-4 at the default).",
        *_ADAM,
        _rmsprop_eps_inside_root,
    ),
    Misconception(
        "adamw/l2-instead-of-decoupled",
        "adamw",
        "L2 folded into Adam's gradient instead of decoupled weight decay",
        "adding λ·w to the gradient sends the decay through m and √v̂, so large-gradient weights are "
        "barely decayed; AdamW shrinks w by lr·λ·w directly and runs Adam on the data gradient alone.",
        *_ADAMW,
        _adamw_variant(decoupled=False),
    ),
    Misconception(
        "adamw/decay-without-lr",
        "adamw",
        "AdamW's decay without the learning rate",
        "torch's AdamW shrinks w by lr·weight_decay·w, so the decay follows the learning rate and its "
        "schedule; w ← w − weight_decay·w decays far too fast at the usual λ = 0.01.",
        *_ADAMW,
        _adamw_variant(decay_with_lr=False),
    ),
    Misconception(
        "momentum/dampening-on-first-buffer",
        "momentum",
        "dampening applied to the first momentum buffer",
        "on the first step torch sets the buffer to g itself; dampening scales only the gradients "
        "added on later steps, b ← μ·b + (1 − dampening)·g.",
        "04_momentum_nesterov",
        "2. Heavy-ball momentum",
        _momentum_variant(damp_first=True),
    ),
    Misconception(
        "momentum/lr-inside-buffer",
        "momentum",
        "momentum with the learning rate inside the buffer",
        "torch's buffer is a sum of gradients without lr, and lr multiplies it only in the update "
        "w − lr·b; the lectures' v = lr·b form is the same only while lr is constant.",
        "04_momentum_nesterov",
        "2. Heavy-ball momentum",
        _momentum_variant(lr_inside=True),
    ),
    Misconception(
        "nesterov/look-ahead-sign",
        "nesterov",
        "Nesterov's look-ahead term with the wrong sign",
        "the shifted form steps by w − lr·(g + μ·b): the momentum term adds to the gradient, it looks "
        "further ahead along the buffer.",
        "04_momentum_nesterov",
        "3. Nesterov momentum",
        _nesterov_sign,
    ),
    Misconception(
        "nesterov_lookahead/look-ahead-sign",
        "nesterov_lookahead",
        "Nesterov's look-ahead point with the wrong sign",
        "the gradient is taken where momentum is about to carry w, at w + α·v (v points downhill), "
        "not at w − α·v.",
        "04_momentum_nesterov",
        "3. Nesterov momentum",
        _nesterov_lookahead_sign,
    ),
    *[
        Misconception(
            f"{name}/one-step-late",
            name,
            "a schedule one step late",
            "t counts the scheduler.step() calls made so far, so the value at t = 0 is the initial "
            "learning rate and the first change is visible at t = 1, not one step later.",
            *_LOOP,
            _shifted(getattr(schedulers, name), -1),
        )
        for name in _SCHEDULES
    ],
    *[
        Misconception(
            f"{name}/one-step-early",
            name,
            "a schedule one step early",
            "t counts the scheduler.step() calls made so far, starting at t = 0 with the initial "
            "learning rate: counting steps from 1 moves every change one step early.",
            *_LOOP,
            _shifted(getattr(schedulers, name), +1),
        )
        for name in _SCHEDULES
    ],
    Misconception(
        "central_difference/over-h",
        "central_difference",
        "the central difference divided by h instead of 2h",
        "x + h and x − h are 2h apart, so (f(x + h) − f(x − h)) is divided by 2h; dividing by h "
        "doubles every derivative.",
        "01_finite_differences",
        "2. Forward, backward and central differences",
        _central_over_h,
    ),
    *[
        Misconception(
            f"{name}/regularization-gradient-without-2",
            name,
            "the regularization gradient reg·W instead of 2·reg·W",
            "the loss adds reg·ΣW², whose derivative with respect to W is 2·reg·W (torch's "
            "weight_decay is the other convention, with no 2).",
            "03_softmax_cifar10",
            "4. The analytic gradient",
            _softmax_half_reg_gradient(getattr(softmax, name)),
        )
        for name in ("softmax_loss_naive", "softmax_loss_vectorized")
    ],
    Misconception(
        "minibatch_gradient_variance/population-n",
        "minibatch_gradient_variance",
        "the finite-population correction with N instead of N − 1",
        "without replacement the variance is σ²/B·(N − B)/(N − 1): with N in the denominator it "
        "would not be exact, e.g. at B = 1 it must equal σ², the variance of one example's gradient.",
        "08_sgd_theory",
        "3. Variance against batch size",
        _variance_with_n,
    ),
]

_BY_EXERCISE = {}
for _m in MISCONCEPTIONS:
    _BY_EXERCISE.setdefault(_m.exercise, []).append(_m)
del _m


def for_exercise(exercise: str) -> list[Misconception]:
    """The known mistakes of the notebook function `exercise` (an empty list if none)."""
    return list(_BY_EXERCISE.get(exercise, ()))


# the variants must stay comparable to these references (signatures, state keys): see
# tests/test_misconceptions.py
REFERENCES = {
    "adam": optim.adam,
    "adamw": optim.adamw,
    "rmsprop": optim.rmsprop,
    "momentum": optim.momentum,
    "nesterov": optim.nesterov,
    "nesterov_lookahead": optim.nesterov_lookahead,
    "minibatch_gradient_variance": sgd_theory.minibatch_gradient_variance,
    "central_difference": finite_diff.central_difference,
    "softmax_loss_naive": softmax.softmax_loss_naive,
    "softmax_loss_vectorized": softmax.softmax_loss_vectorized,
    **{name: getattr(schedulers, name) for name in _SCHEDULES},
}
