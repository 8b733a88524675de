"""Misconception fingerprints: a planted mistake is named in the feedback, nothing else is.

Each test plants one classic mistake in a student-style implementation written here (not the
bank's variant), runs the lesson's real hidden-test block on it the way the grader does
(autograder.grader.execute.run_hidden, with the sandbox replaced by direct calls), and checks
that the failure message and the verdict name exactly that mistake. A correct implementation,
a blank one (NotImplementedError) and a wrong one that is no known mistake get no such message.
"""

import re
import time
from functools import cache

import numpy as np
import pytest
from grading_runs import DirectSession, repository_course

from autograder.grader.execute import run_hidden, split_hidden, student_names
from autograder.grader.harness import known_mistakes, reference
from autograder.notebooks import grade_id, is_autograded_test, read_notebook
from solutions import misconceptions, schedulers

REPO = repository_course().root
CALLS = re.compile(r"""["'](solutions\.[a-z_]+):([a-z_]+)["']""")


@cache
def _hidden_blocks():
    """{exercise: (test cell id, hidden code)} of every hidden block, by the function it tests."""
    course = repository_course()
    blocks = {}
    for lesson in course.lessons():
        notebook = read_notebook(course.step_dir("source") / lesson / f"{lesson}.ipynb")
        for cell in notebook.cells:
            if is_autograded_test(cell):
                _, hidden = split_hidden(cell.source)
                for name in student_names(hidden):
                    blocks.setdefault(name, (grade_id(cell), hidden))
    return blocks


def _grade(exercise, function):
    """The verdict of `exercise`'s hidden block with `function` as the student's, the rest references."""
    test_name, code = _hidden_blocks()[exercise]
    functions = {name: reference(f"{module}:{name}") for module, name in CALLS.findall(code)}
    functions[exercise] = function
    return run_hidden(code, test_name, DirectSession(functions), time.monotonic() + 600)


# ---------------------------------------------------------------------------------------------
# Student-style implementations, each with switches that plant one mistake
# ---------------------------------------------------------------------------------------------


def student_adam(
    w, dw, state=None, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, mistake=None
):
    beta1, beta2 = betas
    w = np.asarray(w, dtype=float)
    g = dw + weight_decay * w
    if state is None:
        state = {"step": 0, "exp_avg": np.zeros_like(w), "exp_avg_sq": np.zeros_like(w)}
        if amsgrad:
            state["max_exp_avg_sq"] = np.zeros_like(w)
    t = state["step"] + 1
    m = beta1 * state["exp_avg"] + (1 - beta1) * g
    v = beta2 * state["exp_avg_sq"] + (1 - beta2) * g**2
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    if mistake == "no bias correction":
        m_hat, v_hat = m, v
    if amsgrad:
        if mistake == "max of corrected":
            new["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], v_hat)
            v_hat = new["max_exp_avg_sq"]
        else:
            new["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], v)
            v_hat = new["max_exp_avg_sq"] / (1 if mistake == "no bias correction" else 1 - beta2**t)
    if mistake == "eps inside":
        return w - lr * m_hat / np.sqrt(v_hat + eps), new
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), new


def student_adamw(
    w,
    dw,
    state=None,
    *,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=1e-2,
    amsgrad=False,
    mistake=None,
):
    w = np.asarray(w, dtype=float)
    if mistake == "L2":
        return student_adam(
            w, dw, state, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad
        )
    shrink = weight_decay if mistake == "decay without lr" else lr * weight_decay
    return student_adam(
        w - shrink * w, dw, state, lr=lr, betas=betas, eps=eps, amsgrad=amsgrad, mistake=mistake
    )


def student_rmsprop(
    w,
    dw,
    state=None,
    *,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
    mistake=None,
):
    w = np.asarray(w, dtype=float)
    g = dw + weight_decay * w
    state = dict(state or {"step": 0, "square_avg": np.zeros_like(w)})
    state["step"] += 1
    state["square_avg"] = alpha * state["square_avg"] + (1 - alpha) * g * g
    variance = state["square_avg"]
    if centered:
        state["grad_avg"] = alpha * state.get("grad_avg", 0 * w) + (1 - alpha) * g
        variance = variance - state["grad_avg"] ** 2
    denom = np.sqrt(variance + eps) if mistake == "eps inside" else np.sqrt(variance) + eps
    if momentum > 0:
        state["momentum_buffer"] = momentum * state.get("momentum_buffer", 0 * w) + g / denom
        return w - lr * state["momentum_buffer"], state
    return w - lr * g / denom, state


def student_momentum(
    w, dw, state=None, *, lr=1e-3, momentum=0.9, dampening=0.0, weight_decay=0.0, mistake=None
):
    g = dw + weight_decay * np.asarray(w, dtype=float)
    if momentum == 0:
        return w - lr * g, {"momentum_buffer": None}
    scale = lr if mistake == "lr inside" else 1.0
    if state is None or state["momentum_buffer"] is None:
        buffer = scale * g * ((1 - dampening) if mistake == "damp first" else 1.0)
    else:
        buffer = momentum * state["momentum_buffer"] + scale * (1 - dampening) * g
    step = buffer if mistake == "lr inside" else lr * buffer
    return w - step, {"momentum_buffer": buffer}


def student_nesterov(w, dw, state=None, *, lr=1e-3, momentum=0.9, weight_decay=0.0, mistake=None):
    g = dw + weight_decay * np.asarray(w, dtype=float)
    buffer = g if state is None else momentum * state["momentum_buffer"] + g
    sign = -1.0 if mistake == "sign" else 1.0
    return w - lr * (g + sign * momentum * buffer), {"momentum_buffer": buffer}


def student_nesterov_lookahead(grad_fn, w, state=None, *, lr=1e-3, momentum=0.9, mistake=None):
    v = np.zeros_like(np.asarray(w, dtype=float)) if state is None else state["velocity"]
    ahead = w - momentum * v if mistake == "sign" else w + momentum * v
    v = momentum * v - lr * np.asarray(grad_fn(ahead))
    return w + v, {"velocity": v}


def student_step_decay(t, lr0, step_size, gamma=0.1, mistake=None):
    if step_size <= 0:
        raise ValueError("step_size must be positive")
    if mistake == "late":
        return lr0 * gamma ** (max(t - 1, 0) // step_size)
    if mistake == "early":
        return lr0 * gamma ** ((t + 1) // step_size)
    return lr0 * gamma ** (t // step_size)


def student_exponential_decay(t, lr0, gamma, mistake=None):
    return lr0 * gamma ** (max(t - 1, 0) if mistake == "late" else t)


def student_variance(per_example_grads, batch_size, replace=True, mistake=None):
    G = np.asarray(per_example_grads, dtype=float)
    n = len(G)
    if not replace and batch_size > n:
        raise ValueError("a batch without replacement holds at most N examples")
    sigma2 = np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1))
    if replace:
        return sigma2 / batch_size
    return sigma2 / batch_size * (n - batch_size) / (n if mistake == "N" else max(n - 1, 1))


def student_central_difference(f, x, h=1e-5, mistake=None):
    return (f(x + h) - f(x - h)) / (h if mistake == "over h" else 2 * h)


def student_softmax_loss(W, b, X, y, reg=0.0, mistake=None):
    scores = X @ W.T + b
    scores = scores - scores.max(axis=1, keepdims=True)
    log_p = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    p, n = np.exp(log_p), len(y)
    loss = -log_p[np.arange(n), y].mean() + reg * np.sum(W * W)
    p[np.arange(n), y] -= 1
    dW = p.T @ X / n + (1 if mistake == "reg W" else 2) * reg * W
    return loss, dW, p.mean(axis=0)


def _with(function, mistake):
    def planted(*args, **kwargs):
        return function(*args, mistake=mistake, **kwargs)

    return planted


# (exercise, student implementation, planted mistake, the bank's key for it)
PLANTED = [
    ("adam", student_adam, "eps inside", "adam/eps-inside-root"),
    ("adam", student_adam, "no bias correction", "adam/no-bias-correction"),
    ("adam", student_adam, "max of corrected", "adam/amsgrad-max-of-corrected"),
    ("rmsprop", student_rmsprop, "eps inside", "rmsprop/eps-inside-root"),
    ("adamw", student_adamw, "L2", "adamw/l2-instead-of-decoupled"),
    ("adamw", student_adamw, "decay without lr", "adamw/decay-without-lr"),
    ("adamw", student_adamw, "no bias correction", "adamw/no-bias-correction"),
    ("momentum", student_momentum, "damp first", "momentum/dampening-on-first-buffer"),
    ("momentum", student_momentum, "lr inside", "momentum/lr-inside-buffer"),
    ("nesterov", student_nesterov, "sign", "nesterov/look-ahead-sign"),
    ("nesterov_lookahead", student_nesterov_lookahead, "sign", "nesterov_lookahead/look-ahead-sign"),
    ("step_decay", student_step_decay, "late", "step_decay/one-step-late"),
    ("step_decay", student_step_decay, "early", "step_decay/one-step-early"),
    ("exponential_decay", student_exponential_decay, "late", "exponential_decay/one-step-late"),
    ("minibatch_gradient_variance", student_variance, "N", "minibatch_gradient_variance/population-n"),
    ("central_difference", student_central_difference, "over h", "central_difference/over-h"),
    (
        "softmax_loss_vectorized",
        student_softmax_loss,
        "reg W",
        "softmax_loss_vectorized/regularization-gradient-without-2",
    ),
]
STUDENTS = {exercise: function for exercise, function, _, _ in PLANTED}


@pytest.mark.parametrize("exercise, function, mistake, key", PLANTED, ids=[p[3] for p in PLANTED])
def test_a_planted_mistake_is_named(exercise, function, mistake, key):
    verdict = _grade(exercise, _with(function, mistake))
    title = next(m.title for m in misconceptions.MISCONCEPTIONS if m.key == key)
    assert not verdict["passed"]
    assert verdict["misconceptions"] == [key], verdict["message"]
    assert f"Your results match a known mistake, {title}:" in verdict["message"]
    assert verdict["message"].count("known mistake") == 1


@pytest.mark.parametrize(
    "exercise",
    [
        "adam",
        "momentum",
        "step_decay",
        "minibatch_gradient_variance",
        "central_difference",
        "softmax_loss_vectorized",
    ],
)
def test_correct_blank_and_unknown_bugs_name_no_mistake(exercise):
    correct = _grade(exercise, _with(STUDENTS[exercise], None))
    assert correct["passed"], correct["message"]

    def blank(*args, **kwargs):
        raise NotImplementedError

    def tripled(*args, **kwargs):  # wrong, but not a known mistake: the result times 3
        result = _with(STUDENTS[exercise], None)(*args, **kwargs)
        return (3 * np.asarray(result[0]), *result[1:]) if isinstance(result, tuple) else 3 * result

    for wrong in (blank, tripled):
        verdict = _grade(exercise, wrong)
        assert not verdict["passed"]
        assert verdict["misconceptions"] == [] and "known mistake" not in verdict["message"]


def test_the_ten_named_mistakes_are_in_the_bank_with_explanations_and_sections():
    keys = {m.key for m in misconceptions.MISCONCEPTIONS}
    assert {key for *_, key in PLANTED} <= keys
    for mistake in misconceptions.MISCONCEPTIONS:
        assert mistake in known_mistakes(mistake.exercise)
        assert mistake.explanation.endswith(".") and len(mistake.explanation) < 300, mistake.key
        twin = REPO / "notebooks" / mistake.lesson / f"{mistake.lesson}.py"
        headings = re.findall(r"^# ## (.+)$", twin.read_text(encoding="utf-8"), re.M)
        assert mistake.section in headings, f"{mistake.key}: no heading {mistake.section!r} in {twin.name}"
        assert mistake.exercise in _hidden_blocks(), f"{mistake.key}: no hidden test calls {mistake.exercise}"
    assert known_mistakes("forward_difference") == []


@pytest.mark.parametrize("name", sorted(misconceptions.REFERENCES))
def test_each_variant_differs_from_its_reference_only_by_its_mistake(name):
    """With the mistake switched off the variant's code is the reference (checked on one run)."""
    rng = np.random.default_rng(5)
    if name in ("adam", "adamw"):
        make = misconceptions._adam_variant if name == "adam" else misconceptions._adamw_variant
        base, ref = make(), misconceptions.REFERENCES[name]
        for amsgrad in (False, True):
            w, state_a, state_b = rng.normal(size=3), None, None
            wa = wb = w
            for _ in range(5):
                dw = rng.normal(size=3)
                wa, state_a = base(wa, dw, state_a, lr=0.1, weight_decay=0.1, amsgrad=amsgrad)
                wb, state_b = ref(wb, dw, state_b, lr=0.1, weight_decay=0.1, amsgrad=amsgrad)
            np.testing.assert_allclose(wa, wb, rtol=1e-13)
    elif name == "momentum":
        base = misconceptions._momentum_variant()
        w, sa, sb = rng.normal(size=3), None, None
        wa = wb = w
        for _ in range(5):
            dw = rng.normal(size=3)
            wa, sa = base(wa, dw, sa, lr=0.1, dampening=0.3)
            wb, sb = misconceptions.REFERENCES[name](wb, dw, sb, lr=0.1, dampening=0.3)
        np.testing.assert_allclose(wa, wb, rtol=1e-13)
    elif name in schedulers.__all__:
        late = next(m for m in misconceptions.for_exercise(name) if m.key.endswith("late")).variant
        ref = misconceptions.REFERENCES[name]
        args = {"cyclic": (0.1, 0.5, 3), "multistep_decay": (0.5, [2, 4]), "linear_warmup": (0.5,)}.get(
            name, (0.5, 3)
        )
        assert [late(t, *args) for t in range(1, 8)] == [ref(t, *args) for t in range(7)]
