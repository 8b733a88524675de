# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 04 — Momentum and Nesterov
#
# Stochastic gradient descent moves against the gradient it sees *now*. This lesson adds
# memory: **momentum** keeps a running sum of past gradients, and **Nesterov's** variant looks
# ahead before it corrects. Both are two lines of code, yet the lecturers write them in four
# different notations, and those notations are not quite the same algorithm once the learning
# rate changes during training.
#
# 1. What goes wrong with plain (stochastic) gradient descent: ill-conditioning, local minima,
#    saddle points, gradient noise;
# 2. heavy-ball momentum in the notations of the three lectures and of `torch.optim.SGD`; when
#    they agree and when they do not; momentum as an exponential average of past gradients;
# 3. Nesterov momentum: the look-ahead form, the shifted-parameter form that PyTorch computes,
#    and Sutskever's "jump, then correct" picture;
# 4. momentum and Nesterov on the ill-conditioned quadratic and on Rosenbrock's function;
# 5. Nesterov's accelerated gradient for convex functions: $O(1/k^2)$ against $O(1/k)$;
# 6. momentum on CIFAR-10 with a small two-layer network, each optimizer tuned on a validation
#    split.
#
# **Exercises** (10 points): `momentum` (4), `nesterov` (3), `nesterov_lookahead` (3). Every
# optimizer in this course is a pure function `step(w, dw, state=None, **hparams) -> (w_next,
# state)`: it gets the parameters and the gradient, returns new parameters and a new state dict,
# and never modifies its arguments (the same contract as `optax`; the numbers are those of
# `torch.optim`).

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from course.checks import assert_close, assert_unchanged
from course.config import pick
from course.landscapes import quadratic, rosenbrock, saddle

np.set_printoptions(precision=5, suppress=True)


# %% [markdown]
# Plain gradient descent, the baseline of the whole lesson, is given in the project's optimizer
# form (its state is unused), together with a helper that runs any optimizer on a 2-D landscape
# from `course.landscapes`.

# %%
def sgd(w, dw, state=None, *, lr=1e-3, weight_decay=0.0):
    """Plain gradient descent: w - lr * (dw + weight_decay * w). Equals torch.optim.SGD(momentum=0).

    The state only counts steps: {"step": number of calls so far}."""
    if not lr >= 0:
        raise ValueError(f"lr must be non-negative, got lr={lr!r}")
    w, dw = np.asarray(w), np.asarray(dw)
    state = {"step": 0} if state is None else dict(state)
    state["step"] += 1
    return w - lr * (dw + weight_decay * w), state


def run_on_landscape(step_fn, landscape, n_steps, x0=None, **hparams):
    """Iterates of step_fn on landscape.grad from x0 (default landscape.x0).

    Returns:
        path (n_steps + 1, 2) and the losses f(path) (n_steps + 1,). A run that overflows stops
        early; its path keeps the last finite iterate.
    """
    w = np.array(landscape.x0 if x0 is None else x0, dtype=float)
    path, state = [w], None
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(n_steps):
            w, state = step_fn(w, landscape.grad(w), state, **hparams)
            if not np.all(np.isfinite(w)) or np.abs(w).max() > 1e6:
                break
            path.append(np.array(w, dtype=float))
    path = np.array(path)
    return path, landscape.f(path)


def contour_axes(ax, landscape, title, n_levels=25):
    """Contour plot of the landscape on ax, with labels and the known minima."""
    X, Y, Z = landscape.grid(200)
    ax.contour(X, Y, Z, levels=landscape.contour_levels(Z, n_levels), cmap="Greys", linewidths=0.7)
    if len(landscape.minima):
        ax.plot(*landscape.minima.T, "k*", ms=12, label="minimum")
    ax.set(title=title, xlabel="$x_1$", ylabel="$x_2$", xlim=landscape.xlim, ylim=landscape.ylim)


# %% [markdown]
# ## 1. Problems of SGD
#
# **Ill-conditioning.** The lectures' example is $f(\mathbf x) = 0.1x_1^2 + 2x_2^2$: twenty
# times steeper along $x_2$ than along $x_1$. Its Hessian is $\operatorname{diag}(0.2, 4)$, so
# gradient descent multiplies the error along each axis by $1 - 0.2\gamma$ and $1 - 4\gamma$ per
# step. Stability needs $|1 - 4\gamma| < 1$, i.e. $\gamma < 0.5$: the steep direction limits the
# step, and along the flat direction each step then removes at most $0.2\cdot 0.5 = 10\%$ of the
# error. Close to the limit, the iterates bounce from wall to wall across the valley.

# %%
valley = quadratic(condition_number=20, scale=0.1)       # 0.1 x1^2 + 2 x2^2
print(f"f(1, 1) = {valley.f(np.array([1.0, 1.0])):.1f}, gradient at (1, 1) = {valley.grad(np.array([1.0, 1.0]))}")
fig, axes = plt.subplots(1, 3, figsize=(16, 4.2))
for ax, lr in zip(axes, (0.1, 0.45, 0.505), strict=False):
    path, losses = run_on_landscape(sgd, valley, 40, lr=lr)
    contour_axes(ax, valley, f"GD on $0.1x_1^2+2x_2^2$, $\\gamma$ = {lr}")
    ax.plot(*path.T, "o-", ms=3, color="tab:red", label=f"40 steps, f = {losses[-1]:.2g}")
    ax.legend(loc="lower right", fontsize=8)
fig.tight_layout()
plt.show()
for lr in (0.1, 0.45, 0.505):
    print(f"γ = {lr:5}: error factors per step along x1: {abs(1 - 0.2 * lr):.3f}, along x2: {abs(1 - 4 * lr):.3f}")

# %% [markdown]
# With $\gamma = 0.1$ the steep direction is solved in a few steps but $x_1$ creeps; with
# $\gamma=0.45$ the $x_2$ error flips sign each step (zig-zag) while $x_1$ is still slow; just
# above $0.5$ the zig-zag grows and the run diverges. The number that matters is the
# **condition number** $\kappa = 4/0.2 = 20$, the ratio of the largest to the smallest
# curvature: the best fixed step still needs on the order of $\kappa$ steps per digit of
# accuracy.
#
# **Local minima and saddle points.** Gradient descent stops wherever the gradient vanishes.
# In one dimension that can be a local minimum that is not the global one; in many dimensions
# it is more often a **saddle point**, a minimum along some directions and a maximum along
# others. On $f = x_1^2 - x_2^2$, a start just off the $x_1$-axis first rushes towards the saddle
# at the origin and leaves it only slowly, because the gradient near the saddle is tiny.
#
# **Gradient noise.** With minibatches the gradient is only an estimate. Below, the exact
# gradient of the valley plus Gaussian noise of the same size as the gradient at the start: the
# iterates do not settle, they keep jittering around the minimum.

# %%
def bumpy(x):
    """A 1-D function with a local minimum near x = 1.13 and the global one near x = -1.30."""
    return x**4 - 3 * x**2 + x


def bumpy_slope(x):
    return 4 * x**3 - 6 * x + 1


fig, (ax_local, ax_saddle, ax_noise) = plt.subplots(1, 3, figsize=(16, 4.2))
xs = np.linspace(-2, 2, 400)
ax_local.plot(xs, bumpy(xs), color="grey")
for x0, color in ((1.9, "tab:red"), (-0.5, "tab:blue")):
    x, path = x0, [x0]
    for _ in range(60):
        x = x - 0.02 * bumpy_slope(x)
        path.append(x)
    path = np.array(path)
    ax_local.plot(path, bumpy(path), "o-", ms=3, color=color, label=f"start {x0}: stops at x = {path[-1]:.3f}")
ax_local.set(title="GD ends in the minimum nearest the start", xlabel="x", ylabel="$x^4 - 3x^2 + x$")
ax_local.legend(fontsize=8)

saddle_land = saddle()
lr_saddle, x2_start = 0.1, 1e-3
path_saddle, _ = run_on_landscape(sgd, saddle_land, 40, x0=np.array([-1.5, x2_start]), lr=lr_saddle)
contour_axes(ax_saddle, saddle_land, "GD near the saddle of $x_1^2 - x_2^2$")
ax_saddle.plot(*path_saddle.T, "o-", ms=3, color="tab:red", label="start (-1.5, 0.001), γ = 0.1")
ax_saddle.legend(loc="lower right", fontsize=8)
near_saddle = np.linalg.norm(path_saddle, axis=1) < 0.1
growth = 1 + 2 * lr_saddle                               # x2 <- x2 + lr * 2 * x2
print(f"saddle: {near_saddle.sum()} of {len(path_saddle)} iterates within 0.1 of the saddle point; x2 grows by "
      f"{growth:.1f}x per step from {x2_start:.0e}, so reaching |x2| = 1 takes ~{np.log(1 / x2_start) / np.log(growth):.0f} steps")

rng = np.random.default_rng(0)
noise_scale = np.linalg.norm(valley.grad(valley.x0))
w, noisy_path = valley.x0.copy(), [valley.x0.copy()]
for _ in range(200):
    w = w - 0.1 * (valley.grad(w) + noise_scale * 0.3 * rng.standard_normal(2))
    noisy_path.append(w)
noisy_path = np.array(noisy_path)
exact_path, _ = run_on_landscape(sgd, valley, 200, lr=0.1)
contour_axes(ax_noise, valley, "Exact against noisy gradients, γ = 0.1")
ax_noise.plot(*exact_path.T, "-", color="tab:blue", label="exact gradient")
ax_noise.plot(*noisy_path.T, ".-", ms=2, lw=0.6, color="tab:red", label="gradient + noise")
ax_noise.legend(loc="lower right", fontsize=8)
fig.tight_layout()
plt.show()
print(f"after 200 steps: exact f = {valley.f(exact_path[-1]):.1e}, noisy f = {valley.f(noisy_path[-1]):.1e} "
      f"(mean over the last 100 steps {valley.f(noisy_path[-100:]).mean():.1e})")

# %% [markdown]
# Momentum addresses the first and the last problem: it averages out noise and zig-zags and
# builds up speed along consistent directions. It also helps roll through flat regions and past
# small bumps, although no local method guarantees the global minimum.
#
# ## 2. Heavy-ball momentum
#
# Momentum remembers the previous update and adds the new gradient to it: like a heavy ball
# rolling downhill, it keeps its velocity and gathers speed along directions where the gradient
# keeps pointing the same way. The three lectures write it differently:
#
# | source | update | momentum | learning rate |
# |---|---|---|---|
# | lecture 000 | $\Delta\omega \leftarrow \eta\,\Delta\omega - \alpha\,\frac{\partial L}{\partial\omega}$, $\ \omega \leftarrow \omega + \Delta\omega$ | $\eta$ | $\alpha$ |
# | lecture 001 | $v_t = \gamma\,v_{t-1} + \varepsilon\,\nabla L(w_t)$, $\ w_{t+1} = w_t - v_t$ ($\gamma = 0.9$ by default) | $\gamma$ | $\varepsilon$ |
# | lecture 003 | $v_{t+1} = \alpha\,v_t - \gamma\,\nabla L(\theta_t)$, $\ \theta_{t+1} = \theta_t + v_{t+1}$ (e.g. $\alpha = 0.95$) | $\alpha$ | $\gamma$ |
# | `torch.optim.SGD` | $b_t = \mu\,b_{t-1} + (1-\tau)\,g_t$ ($b_1 = g_1$), $\ \theta_t = \theta_{t-1} - \text{lr}\cdot b_t$ | $\mu$ (`momentum`) | lr (`lr`) |
#
# Note the letters: $\alpha$ is the learning rate in lecture 000 but the momentum in lecture
# 003, and $\gamma$ is the momentum in lecture 001 but the learning rate in lecture 003. Lectures
# 000 and 003 store the **velocity** (the update itself, pointing downhill), lecture 001 stores
# its negative. PyTorch stores the **momentum buffer** $b$, a sum of gradients *without* the
# learning rate, and multiplies by lr only when it updates the parameters. It also has a
# `dampening` $\tau$ (default 0) that scales the new gradient, except on the first step, where
# the buffer is simply $g_1$.
#
# With a constant learning rate and no dampening, all four are the same algorithm: lecture
# 001's $v$ equals $\text{lr}\cdot b$, and lectures 000/003's velocity equals $-\text{lr}\cdot b$.
# If the learning rate changes, they differ: in PyTorch a new lr applies at once to the whole
# buffer, while the lectures' velocity carries the old learning rates in its memory.
#
# ### Exercise 1 (4 points): `momentum`, in PyTorch's convention
#
# * gradient with weight decay: $g = \text{dw} + \text{weight\_decay}\cdot w$ (PyTorch's L2
#   convention: no factor 2, see lesson 06);
# * first step (no buffer yet): $b = g$; later steps: $b = \mu\,b + (1 - \tau)\,g$;
# * $w_\text{next} = w - \text{lr}\cdot b$;
# * return `(w_next, {"momentum_buffer": b})` — PyTorch's name for the buffer. Any other
#   entries you like may be added to the state. Do not modify `w`, `dw` or the `state` you are
#   given (build new arrays: `b = mu * b + g` does that, `b *= mu` would not).
#
# The hyperparameters are checked for you (a negative learning rate is a mistake to stop at).

# %%
def check_hyperparameters(**hparams):
    """Raise ValueError naming the hyperparameter if one is negative or not a number."""
    for name, value in hparams.items():
        if not (isinstance(value, (int, float, np.floating)) and value >= 0):
            raise ValueError(f"{name} must be a non-negative number, got {name}={value!r}")


def check_gradient(w, dw):
    """Return w and dw as arrays; raise ValueError if their shapes differ."""
    w, dw = np.asarray(w), np.asarray(dw)
    if w.shape != dw.shape:
        raise ValueError(f"dw must have the shape of w {w.shape}, got {dw.shape}")
    return w, dw


# %% nbgrader={"grade": false, "grade_id": "ex_momentum", "locked": false, "schema_version": 3, "solution": true, "task": false}
def momentum(w, dw, state=None, *, lr=1e-3, momentum=0.9, dampening=0.0, weight_decay=0.0):
    """SGD with heavy-ball momentum, numerically equal to torch.optim.SGD(momentum=...).

    Args:
        w: parameters, array of any shape.  dw: gradient of the loss at w, same shape.
        state: None on the first step, else the dict the previous call returned.
        lr, momentum, dampening, weight_decay: torch's names and meanings.

    Returns:
        (w_next, state): w_next of w's shape; state a new dict holding "momentum_buffer" (w's shape).
    """
    check_hyperparameters(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay)
    w, dw = check_gradient(w, dw)
    ### BEGIN SOLUTION
    g = dw + weight_decay * w if weight_decay else dw
    if state is None or state.get("momentum_buffer") is None:
        buf = np.array(g, dtype=np.result_type(g, 1.0), copy=True)   # float32 stays float32
    else:
        buf = momentum * state["momentum_buffer"] + (1 - dampening) * g
    return w - lr * buf, {"momentum_buffer": buf}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_momentum", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
# By hand, a constant gradient 1 with lr = 0.1, momentum = 0.9 from w = 0:
# b = 1, 1.9, 2.71 and w = -0.1, -0.29, -0.561.
w, state = np.zeros(1), None
for expected_w, expected_b in [(-0.1, 1.0), (-0.29, 1.9), (-0.561, 2.71)]:
    w, state = momentum(w, np.ones(1), state, lr=0.1, momentum=0.9)
    assert_close(w, [expected_w], "w after a step of constant gradient 1")
    assert_close(state["momentum_buffer"], [expected_b], 'state["momentum_buffer"]')
# Dampening 0.5 does not act on the first step (b = g = 1), then b = 0.9 * 1 + 0.5 * 1 = 1.4:
# w = -0.1, then -0.1 - 0.14 = -0.24.
w1, state1 = momentum(np.zeros(1), np.ones(1), None, lr=0.1, momentum=0.9, dampening=0.5)
w2, state2 = momentum(w1, np.ones(1), state1, lr=0.1, momentum=0.9, dampening=0.5)
assert_close(w1, [-0.1], "w after one step with dampening (no dampening on the first step)")
assert_close(w2, [-0.24], "w after two steps with dampening 0.5")
# Weight decay 0.1 on w = 1 with a zero gradient: g = 0.1, b = 0.1, w = 1 - 0.1 * 0.1 = 0.99;
# then g = 0.099, b = 0.09 + 0.099 = 0.189, w = 0.99 - 0.0189 = 0.9711.
w1, state1 = momentum(np.ones(1), np.zeros(1), None, lr=0.1, momentum=0.9, weight_decay=0.1)
w2, _ = momentum(w1, np.zeros(1), state1, lr=0.1, momentum=0.9, weight_decay=0.1)
assert_close(w1, [0.99], "w after one step of weight decay")
assert_close(w2, [0.9711], "w after two steps of weight decay")
# momentum = 0 is plain SGD; a matrix of parameters keeps its shape.
w_plain, _ = momentum(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [0.0, -1.0]]), None, lr=0.5, momentum=0.0)
assert_close(w_plain, [[0.5, 2.0], [3.0, 4.5]], "one step with momentum = 0 on a 2x2 matrix")
# Nothing given is modified: not w, not dw, not the state.
w, dw = np.array([1.0, -2.0]), np.array([0.5, 0.5])
_, state = momentum(w, dw, None, lr=0.1)
saved = (w.copy(), dw.copy(), state["momentum_buffer"].copy())
momentum(w, dw, state, lr=0.1)
assert_unchanged(saved[0], w, "w")
assert_unchanged(saved[1], dw, "dw")
assert_unchanged(saved[2], state["momentum_buffer"], 'the state passed in (state["momentum_buffer"])')
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, optimizer_run, reference

_BUFFER = ("momentum_buffer",)  # students keep no step counter; compare the buffer only
_rng = np.random.default_rng(401)
_T = 300
_cases = [
    Case("300 steps, default hyperparameters", (_rng.normal(size=5), _rng.normal(size=(_T, 5)), {"lr": 1e-3})),
    Case("momentum 0.5", (_rng.normal(size=4), _rng.normal(size=(_T, 4)), {"lr": 0.05, "momentum": 0.5})),
    Case("momentum 0.99", (_rng.normal(size=3), _rng.normal(size=(_T, 3)), {"lr": 0.01, "momentum": 0.99})),
    Case("dampening 0.3", (_rng.normal(size=4), _rng.normal(size=(_T, 4)), {"lr": 0.02, "momentum": 0.9, "dampening": 0.3})),
    Case("weight decay 0.01", (_rng.normal(size=4), _rng.normal(size=(_T, 4)), {"lr": 0.02, "weight_decay": 0.01})),
    Case("all hyperparameters at once", (_rng.normal(size=6), _rng.normal(size=(_T, 6)),
                                         {"lr": 0.03, "momentum": 0.8, "dampening": 0.1, "weight_decay": 0.05})),
    Case("learning rate changed mid-run", (_rng.normal(size=5), _rng.normal(size=(_T, 5)), {"momentum": 0.9}, 0.0,
                                           np.where(np.arange(_T) < 150, 0.1, 0.01))),
    Case("tiny gradients (1e-6)", (_rng.normal(size=5), 1e-6 * _rng.normal(size=(_T, 5)), {"lr": 0.1})),
    Case("matrix parameters (3, 4)", (_rng.normal(size=(3, 4)), _rng.normal(size=(40, 3, 4)), {"lr": 0.01, "momentum": 0.9})),
    Case("a single step", (_rng.normal(size=2), _rng.normal(size=(1, 2)), {"lr": 0.1, "momentum": 0.9}))]
check_against_reference(
    "momentum", optimizer_run(momentum, _BUFFER),
    optimizer_run(reference("solutions.optim:momentum"), _BUFFER), _cases,
    rtol=1e-6, atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# ### Four notations, one algorithm (while the learning rate is constant)
#
# The lectures' forms, written as step functions of the same kind (given):

# %%
def momentum_lecture000(w, dw, state=None, *, lr, momentum):
    """Δω ← η·Δω − α·dL/dω, ω ← ω + Δω, with η = momentum and α = lr."""
    delta = np.zeros_like(w) if state is None else state["delta"]
    delta = momentum * delta - lr * dw
    return w + delta, {"delta": delta}


def momentum_lecture001(w, dw, state=None, *, lr, momentum):
    """v ← γ·v + ε·∇L(w), w ← w − v, with γ = momentum and ε = lr."""
    v = np.zeros_like(w) if state is None else state["v"]
    v = momentum * v + lr * dw
    return w - v, {"v": v}


def momentum_lecture003(w, dw, state=None, *, lr, momentum):
    """v ← α·v − γ·∇L(θ), θ ← θ + v, with α = momentum and γ = lr."""
    v = np.zeros_like(w) if state is None else state["v"]
    v = momentum * v - lr * dw
    return w + v, {"v": v}


NOTATIONS = {"lecture 000": momentum_lecture000, "lecture 001": momentum_lecture001,
             "lecture 003": momentum_lecture003, "torch convention (yours)": momentum}


def run_with_lrs(step_fn, landscape, lrs, momentum_coefficient):
    """Path of step_fn on the landscape with the learning rate lrs[t] at step t."""
    w, state, path = landscape.x0.copy(), None, [landscape.x0.copy()]
    for lr in lrs:
        w, state = step_fn(w, landscape.grad(w), state, lr=lr, momentum=momentum_coefficient)
        path.append(w)
    return np.array(path)


n_steps = 100
constant_lrs = np.full(n_steps, 0.05)
dropped_lrs = np.where(np.arange(n_steps) < 20, 0.05, 0.005)   # a step schedule: 10x smaller after step 20
paths_constant = {name: run_with_lrs(fn, valley, constant_lrs, 0.95) for name, fn in NOTATIONS.items()}
paths_dropped = {name: run_with_lrs(fn, valley, dropped_lrs, 0.95) for name, fn in NOTATIONS.items()}
torch_name = "torch convention (yours)"
for name in NOTATIONS:
    if name == torch_name:
        continue
    print(f"{name}: max |difference| from the torch convention over {n_steps} steps: "
          f"constant lr {np.abs(paths_constant[name] - paths_constant[torch_name]).max():.1e}, "
          f"lr dropped at step 20: {np.abs(paths_dropped[name] - paths_dropped[torch_name]).max():.1e}")

# %% [markdown]
# With a constant learning rate the four paths agree to rounding error ($\sim10^{-15}$). After the
# learning rate drops tenfold at step 20 they part: the lectures' velocity still holds
# steps taken with the old rate and shrinks over about $1/(1-\mu) = 20$ steps, whereas
# PyTorch's buffer is multiplied by the new rate at once.

# %%
fig, (ax_path, ax_x1) = plt.subplots(1, 2, figsize=(13, 4.2))
contour_axes(ax_path, valley, "Momentum 0.95 with lr 0.05, dropped to 0.005 at step 20")
for name, style in (("lecture 003", "o-"), (torch_name, "s-")):
    ax_path.plot(*paths_dropped[name].T, style, ms=3, lw=1, label=name)
ax_path.legend(loc="lower right", fontsize=8)
for name, style in (("lecture 003", "-"), (torch_name, "--")):
    ax_x1.plot(paths_dropped[name][:, 0], style, label=f"{name}, lr dropped")
    ax_x1.plot(paths_constant[name][:, 0], style, alpha=0.4, label=f"{name}, constant lr")
ax_x1.axvline(20, color="grey", lw=0.8)
ax_x1.set(title="First coordinate against step", xlabel="step t", ylabel="$x_1$")
ax_x1.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# If PyTorch is installed, we can ask it directly. (It is not required by the course; the
# reference solutions were checked against it to $10^{-6}$ over hundreds of steps.)

# %%
def torch_sgd_path(w0, gradients, lrs, **sgd_kwargs):
    """Iterates of torch.optim.SGD fed the given gradients (float64); None if torch is missing."""
    try:
        import torch
    except ImportError:
        return None
    param = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
    optimizer = torch.optim.SGD([param], lr=float(lrs[0]), **sgd_kwargs)
    path = [param.detach().numpy().copy()]
    for g, lr in zip(gradients, lrs, strict=False):
        optimizer.param_groups[0]["lr"] = float(lr)
        param.grad = torch.tensor(g, dtype=torch.float64)
        optimizer.step()
        path.append(param.detach().numpy().copy())
    return np.array(path)


rng = np.random.default_rng(4)
w_start, gradient_sequence = rng.normal(size=3), rng.normal(size=(n_steps, 3))


def path_from_gradients(step_fn, lrs, **hparams):
    w, state, path = w_start.copy(), None, [w_start.copy()]
    for g, lr in zip(gradient_sequence, lrs, strict=False):
        w, state = step_fn(w, g, state, lr=lr, **hparams)
        path.append(w)
    return np.array(path)


torch_constant = torch_sgd_path(w_start, gradient_sequence, constant_lrs, momentum=0.9, dampening=0.2)
if torch_constant is None:
    print("PyTorch is not installed: skipping the live comparison.")
else:
    torch_dropped = torch_sgd_path(w_start, gradient_sequence, dropped_lrs, momentum=0.9, dampening=0.2)
    ours_constant = path_from_gradients(momentum, constant_lrs, momentum=0.9, dampening=0.2)
    ours_dropped = path_from_gradients(momentum, dropped_lrs, momentum=0.9, dampening=0.2)
    print(f"torch.optim.SGD(momentum=0.9, dampening=0.2) against your momentum, {n_steps} random gradients:")
    print(f"  constant lr: max |difference| {np.abs(torch_constant - ours_constant).max():.1e}")
    print(f"  lr dropped:  max |difference| {np.abs(torch_dropped - ours_dropped).max():.1e}")

# %% [markdown]
# ### Momentum averages past gradients
#
# Unrolling lecture 001's recursion from $v_0 = 0$:
#
# $$v_t = \varepsilon\nabla L(w_t) + \gamma\varepsilon\nabla L(w_{t-1}) + \gamma^2\varepsilon
# \nabla L(w_{t-2}) + \dots = \varepsilon\sum_{s=1}^{t}\gamma^{\,t-s}\,\nabla L(w_s).$$
#
# Every past gradient contributes, with a weight that decays exponentially with its age.
# $\gamma$ trades **stability** (a long memory averages noise away) against **freshness** (a
# short memory reacts to the current slope). The weights sum to at most
# $1/(1-\gamma)$: along a direction where the gradient stays the same, momentum multiplies the
# step by up to $1/(1-\gamma)$ — tenfold for the default $\gamma = 0.9$ — and the memory is
# about $1/(1-\gamma)$ steps long.

# %%
ages = np.arange(0, 60)
fig, ax = plt.subplots(figsize=(8, 4))
for gamma in (0.5, 0.9, 0.95, 0.99):
    line, = ax.plot(ages, gamma**ages, ".-", ms=4, label=f"γ = {gamma}: weights sum to {1 / (1 - gamma):.0f}")
    if 1 / (1 - gamma) < ages[-1]:
        ax.axvline(1 / (1 - gamma), color=line.get_color(), lw=0.8, ls=":")
ax.set(title="Weight of a past gradient in the momentum buffer", xlabel="age of the gradient (steps ago)",
       ylabel="weight $\\gamma^{\\,age}$")
ax.legend()
ax.grid(alpha=0.3)
plt.show()

# the same statement about your momentum: its buffer is the weighted sum of all past gradients
gradients = np.random.default_rng(5).normal(size=(30, 4))
w, state = np.zeros(4), None
for g in gradients:
    w, state = momentum(w, g, state, lr=0.1, momentum=0.9)
weights = 0.9 ** np.arange(len(gradients))[::-1]                 # oldest gradient has the largest age
unrolled = (weights[:, None] * gradients).sum(axis=0)
print(f"buffer after 30 steps: {state['momentum_buffer']}")
print(f"sum of 0.9^age * g:     {unrolled}  (max |difference| {np.abs(unrolled - state['momentum_buffer']).max():.1e})")

# %% [markdown]
# (Dotted lines: the memory length $1/(1-\gamma)$.)
#
# ## 3. Nesterov momentum
#
# Heavy-ball momentum computes the gradient where the parameters are, then jumps along the
# accumulated velocity. But the velocity will carry us to $\theta + \alpha v$ anyway, so the
# gradient there is more relevant. **Nesterov's accelerated gradient** (NAG) evaluates it at that
# **look-ahead** point (lecture 003's notation):
#
# $$v_{t+1} = \alpha\,v_t - \gamma\,\nabla L(\theta_t + \alpha\,v_t),\qquad
# \theta_{t+1} = \theta_t + v_{t+1}.$$
#
# Lecture 001 writes the same with its sign of $v$: $v_t = \gamma v_{t-1} + \varepsilon\nabla
# L(w_t - \gamma v_{t-1})$, $w_{t+1} = w_t - v_t$. Lecture 000 prints the gradient at
# $\omega - \Delta\omega$, which looks like a typo: in its own notation the point momentum
# carries us to is $\omega + \eta\,\Delta\omega$, the tip of the "jump" arrow in its picture.
#
# Lecture 000's picture is Sutskever's reading of NAG: **first** jump along the accumulated
# velocity, **then** measure the gradient where you land and correct ("it is better to correct
# a mistake after you have made it"). Plain momentum does it the other way round: gradient at
# the current point, then the jump.

# %%
theta, v = np.array([-6.0, 0.8]), np.array([1.5, -1.5])
alpha_nag, gamma_nag = 0.9, 0.2
jump = alpha_nag * v
heavy_correction = -gamma_nag * valley.grad(theta)
nesterov_correction = -gamma_nag * valley.grad(theta + jump)
fig, ax = plt.subplots(figsize=(8, 4.5))
contour_axes(ax, valley, "One step of momentum and of Nesterov from the same state")
arrow = dict(angles="xy", scale_units="xy", scale=1, width=0.004)
ax.quiver(*theta, *heavy_correction, color="tab:blue", **arrow, label="momentum: gradient step at θ")
ax.quiver(*(theta + heavy_correction), *jump, color="tab:blue", alpha=0.5, **arrow, label="momentum: then the jump αv")
ax.quiver(*theta, *jump, color="tab:brown", **arrow, label="Nesterov: first the jump αv")
ax.quiver(*(theta + jump), *nesterov_correction, color="tab:red", **arrow, label="Nesterov: correction −γ∇L(θ+αv)")
ax.quiver(*theta, *(jump + nesterov_correction), color="tab:green", **arrow, label="Nesterov: the resulting step")
ax.plot(*theta, "ko")
ax.set(xlim=(-6.6, -3.0), ylim=(-1.6, 1.2))
ax.legend(loc="lower right", fontsize=8)
plt.show()
print(f"from θ = {theta}: momentum lands at {theta + heavy_correction + jump}, "
      f"Nesterov at {theta + jump + nesterov_correction} (the valley floor is x2 = 0)")

# %% [markdown]
# The look-ahead form needs the gradient at a point other than the parameters, which does not
# fit the interface of deep-learning frameworks: the loss and its gradient are computed at the
# current parameters, and the optimizer receives only that gradient. Lecture 003 shows the way
# out: track the **shifted parameters** $\hat\theta_t = \theta_t + \alpha v_t$ instead. Then the
# gradient is taken at the point we store, and
#
# $$v_{t+1} = \alpha v_t - \gamma\nabla L(\hat\theta_t),\qquad
# \hat\theta_{t+1} = \theta_{t+1} + \alpha v_{t+1} = \hat\theta_t + v_{t+1} + \alpha(v_{t+1} - v_t)
# = \hat\theta_t - \gamma\nabla L(\hat\theta_t) + \alpha v_{t+1}.$$
#
# The velocity is computed as before; the parameter update has an extra correction term. In
# PyTorch's buffer notation ($v = -\text{lr}\cdot b$, $g$ the gradient at the stored parameters)
# this is exactly what `torch.optim.SGD(nesterov=True)` does:
#
# $$b \leftarrow \mu\,b + g,\qquad w \leftarrow w - \text{lr}\,(g + \mu\,b).$$
#
# Since $v_0 = 0$, both forms start at the same point, and $\hat\theta_t = \theta_t + \alpha v_t$
# at every step. At the end of training the two differ by $\alpha v_t$, which is tiny once the
# optimizer has settled.
#
# ### Exercise 2 (3 points): `nesterov`, in PyTorch's convention
#
# * $g = \text{dw} + \text{weight\_decay}\cdot w$;
# * first step $b = g$, later $b = \mu\,b + g$ (PyTorch's Nesterov has no dampening);
# * $w_\text{next} = w - \text{lr}\,(g + \mu\,b)$; return `(w_next, {"momentum_buffer": b})`.
#
# PyTorch refuses `nesterov=True` with `momentum=0` (it would be plain SGD); so does the given
# check.

# %% nbgrader={"grade": false, "grade_id": "ex_nesterov", "locked": false, "schema_version": 3, "solution": true, "task": false}
def nesterov(w, dw, state=None, *, lr=1e-3, momentum=0.9, weight_decay=0.0):
    """SGD with Nesterov momentum, numerically equal to torch.optim.SGD(momentum=..., nesterov=True).

    Args:
        w: parameters, array of any shape.  dw: gradient of the loss at w, same shape.
        state: None on the first step, else the dict the previous call returned.
        lr, momentum (> 0), weight_decay: torch's names and meanings.

    Returns:
        (w_next, state): w_next of w's shape; state a new dict holding "momentum_buffer".
    """
    check_hyperparameters(lr=lr, momentum=momentum, weight_decay=weight_decay)
    if momentum == 0:
        raise ValueError("momentum must be > 0 for Nesterov momentum (torch requires it), got momentum=0")
    w, dw = check_gradient(w, dw)
    ### BEGIN SOLUTION
    g = dw + weight_decay * w if weight_decay else dw
    if state is None or state.get("momentum_buffer") is None:
        buf = np.array(g, dtype=np.result_type(g, 1.0), copy=True)
    else:
        buf = momentum * state["momentum_buffer"] + g
    return w - lr * (g + momentum * buf), {"momentum_buffer": buf}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_nesterov", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# By hand, constant gradient 1, lr = 0.1, momentum = 0.9, from w = 0:
# step 1: b = 1,   w = 0 - 0.1 * (1 + 0.9 * 1)        = -0.19
# step 2: b = 1.9, w = -0.19 - 0.1 * (1 + 0.9 * 1.9)  = -0.19 - 0.271 = -0.461
w, state = np.zeros(1), None
for expected_w, expected_b in [(-0.19, 1.0), (-0.461, 1.9)]:
    w, state = nesterov(w, np.ones(1), state, lr=0.1, momentum=0.9)
    assert_close(w, [expected_w], "w after a Nesterov step of constant gradient 1")
    assert_close(state["momentum_buffer"], [expected_b], 'state["momentum_buffer"]')
# Weight decay 0.1 on w = 1 with zero gradient: g = 0.1, b = 0.1, w = 1 - 0.1 * (0.1 + 0.09) = 0.981.
w1, _ = nesterov(np.ones(1), np.zeros(1), None, lr=0.1, momentum=0.9, weight_decay=0.1)
assert_close(w1, [0.981], "w after one Nesterov step of weight decay")
# On f(w) = w**2 / 2 (gradient w) from w = 1, lr = 0.5, momentum = 0.5:
# step 1: g = 1,    b = 1,    w = 1 - 0.5 * (1 + 0.5)          = 0.25
# step 2: g = 0.25, b = 0.75, w = 0.25 - 0.5 * (0.25 + 0.375)  = -0.0625
w, state = np.ones(1), None
for expected_w in (0.25, -0.0625):
    w, state = nesterov(w, w.copy(), state, lr=0.5, momentum=0.5)
    assert_close(w, [expected_w], "w on f = w**2 / 2")
w, dw = np.array([1.0, -2.0]), np.array([0.5, 0.5])
_, state = nesterov(w, dw, None, lr=0.1)
saved = (w.copy(), dw.copy(), state["momentum_buffer"].copy())
nesterov(w, dw, state, lr=0.1)
assert_unchanged(saved[0], w, "w")
assert_unchanged(saved[1], dw, "dw")
assert_unchanged(saved[2], state["momentum_buffer"], 'the state passed in (state["momentum_buffer"])')
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, optimizer_run, reference

_BUFFER = ("momentum_buffer",)  # students keep no step counter; compare the buffer only
_rng = np.random.default_rng(402)
_T = 300
_cases = [
    Case("300 steps, default hyperparameters", (_rng.normal(size=5), _rng.normal(size=(_T, 5)), {"lr": 1e-3})),
    Case("momentum 0.5", (_rng.normal(size=4), _rng.normal(size=(_T, 4)), {"lr": 0.05, "momentum": 0.5})),
    Case("momentum 0.99", (_rng.normal(size=3), _rng.normal(size=(_T, 3)), {"lr": 0.01, "momentum": 0.99})),
    Case("weight decay 0.01", (_rng.normal(size=4), _rng.normal(size=(_T, 4)), {"lr": 0.02, "weight_decay": 0.01})),
    Case("learning rate changed mid-run", (_rng.normal(size=5), _rng.normal(size=(_T, 5)), {"momentum": 0.9}, 0.0,
                                           np.where(np.arange(_T) < 150, 0.1, 0.01))),
    Case("tiny gradients (1e-6)", (_rng.normal(size=5), 1e-6 * _rng.normal(size=(_T, 5)), {"lr": 0.1})),
    Case("matrix parameters (3, 4)", (_rng.normal(size=(3, 4)), _rng.normal(size=(40, 3, 4)), {"lr": 0.01, "momentum": 0.9})),
    Case("a single step", (_rng.normal(size=2), _rng.normal(size=(1, 2)), {"lr": 0.1, "momentum": 0.9}))]
check_against_reference(
    "nesterov", optimizer_run(nesterov, _BUFFER),
    optimizer_run(reference("solutions.optim:nesterov"), _BUFFER), _cases,
    rtol=1e-6, atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 (3 points): `nesterov_lookahead`, lecture 003's original form
#
# $v \leftarrow \alpha v - \gamma\nabla L(w + \alpha v)$, $w \leftarrow w + v$, starting from
# $v = 0$. It cannot take a gradient `dw` like the others: it takes the **gradient function**
# `grad_fn` and calls it at the look-ahead point. Store the velocity as `state["velocity"]`.

# %% nbgrader={"grade": false, "grade_id": "ex_nesterov_lookahead", "locked": false, "schema_version": 3, "solution": true, "task": false}
def nesterov_lookahead(grad_fn, w, state=None, *, lr=1e-3, momentum=0.9):
    """Nesterov's accelerated gradient in its look-ahead form (lecture 003, α = momentum, γ = lr).

    Args:
        grad_fn: function mapping parameters (w's shape) to the gradient of the loss there.
        w: parameters, array of any shape.
        state: None on the first step, else the dict the previous call returned.

    Returns:
        (w_next, state): w_next of w's shape; state a new dict holding "velocity" (w's shape).
    """
    check_hyperparameters(lr=lr, momentum=momentum)
    w = np.asarray(w)
    ### BEGIN SOLUTION
    velocity = np.zeros(w.shape) if state is None else state["velocity"]
    velocity = momentum * velocity - lr * np.asarray(grad_fn(w + momentum * velocity))
    return w + velocity, {"velocity": velocity}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_nesterov_lookahead", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# By hand on f(w) = w**2 / 2 (gradient w), w = 1, lr = 0.1, momentum = 0.9:
# step 1: look-ahead 1,                    v = -0.1 * 1                  = -0.1,   w = 0.9
# step 2: look-ahead 0.9 + 0.9 * (-0.1) = 0.81, v = 0.9 * (-0.1) - 0.1 * 0.81 = -0.171, w = 0.729
asked_at = []
def recording_gradient(w):
    asked_at.append(np.array(w, dtype=float))
    return np.array(w, dtype=float)
w, state = np.ones(1), None
for expected_w, expected_v in [(0.9, -0.1), (0.729, -0.171)]:
    w, state = nesterov_lookahead(recording_gradient, w, state, lr=0.1, momentum=0.9)
    assert_close(w, [expected_w], "w after a look-ahead step on w**2 / 2")
    assert_close(state["velocity"], [expected_v], 'state["velocity"]')
assert len(asked_at) == 2, f"grad_fn should be called once per step, was called {len(asked_at)} times in 2 steps"
assert_close(asked_at[1], [0.81], "the point where the second gradient was taken (the look-ahead point)")
# The input w is not modified.
w = np.array([1.0, 2.0])
nesterov_lookahead(lambda x: 2 * x, w, None, lr=0.1)
assert_unchanged(np.array([1.0, 2.0]), w, "w")
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, reference
from course.landscapes import rosenbrock as _rosenbrock

def _lookahead_run(step_fn, grad_fn, w0, n_steps, hparams):
    w, state, path = np.array(w0, dtype=float), None, [np.array(w0, dtype=float)]
    for _ in range(n_steps):
        w, state = step_fn(grad_fn, w, state, **hparams)
        path.append(np.array(w, dtype=float))
    return np.stack(path), np.array(state["velocity"], dtype=float)

_reference_lookahead = reference("solutions.optim:nesterov_lookahead")
_rng = np.random.default_rng(403)
_M = _rng.normal(size=(5, 5))
_A = _M @ _M.T / 5 + 0.1 * np.eye(5)
_c = _rng.normal(size=5)
_quadratic_grad = lambda w: _A @ w - _c
_banana = _rosenbrock()
_cases = [
    Case("random quadratic, 300 steps", (_quadratic_grad, _rng.normal(size=5), 300, {"lr": 0.05, "momentum": 0.9})),
    Case("random quadratic, default hyperparameters", (_quadratic_grad, _rng.normal(size=5), 100, {})),
    Case("Rosenbrock, 300 steps", (_banana.grad, np.array([-1.5, 2.0]), 300, {"lr": 1e-3, "momentum": 0.9})),
    Case("momentum 0 (plain gradient descent)", (_quadratic_grad, _rng.normal(size=5), 50, {"lr": 0.1, "momentum": 0.0})),
    Case("a single step", (_quadratic_grad, _rng.normal(size=5), 1, {"lr": 0.1, "momentum": 0.5}))]
check_against_reference(
    "nesterov_lookahead", lambda *args: _lookahead_run(nesterov_lookahead, *args),
    lambda *args: _lookahead_run(_reference_lookahead, *args), _cases, rtol=1e-6, atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# ### The two forms are one algorithm
#
# Run both of your implementations on Rosenbrock's function from the same start with the same
# constant learning rate. The shifted form's iterates should be the look-ahead form's
# $\theta_t + \alpha v_t$:

# %%
banana = rosenbrock()
alpha_demo, lr_demo, n_demo = 0.9, 1e-3, 500
theta, lookahead_state = banana.x0.copy(), None
shifted, shifted_state = banana.x0.copy(), None
gap_to_lookahead_point, gap_to_theta = [], []
for _ in range(n_demo):
    theta, lookahead_state = nesterov_lookahead(banana.grad, theta, lookahead_state, lr=lr_demo, momentum=alpha_demo)
    shifted, shifted_state = nesterov(shifted, banana.grad(shifted), shifted_state, lr=lr_demo, momentum=alpha_demo)
    gap_to_lookahead_point.append(np.abs(shifted - (theta + alpha_demo * lookahead_state["velocity"])).max())
    gap_to_theta.append(np.abs(shifted - theta).max())
print(f"over {n_demo} steps: max |ŵ_t − (θ_t + αv_t)| = {max(gap_to_lookahead_point):.1e},  "
      f"while max |ŵ_t − θ_t| = {max(gap_to_theta):.1e} (at the end: {gap_to_theta[-1]:.1e})")
print(f"velocity against torch's buffer: max |v + lr·b| = "
      f"{np.abs(lookahead_state['velocity'] + lr_demo * shifted_state['momentum_buffer']).max():.1e}")

torch_nesterov = torch_sgd_path(w_start, gradient_sequence, constant_lrs, momentum=0.9, nesterov=True)
if torch_nesterov is None:
    print("PyTorch is not installed: skipping the live comparison with nesterov=True.")
else:
    ours = path_from_gradients(nesterov, constant_lrs, momentum=0.9)
    print(f"torch.optim.SGD(momentum=0.9, nesterov=True) against your nesterov, {n_steps} random gradients: "
          f"max |difference| {np.abs(torch_nesterov - ours).max():.1e}")

# %% [markdown]
# ## 4. Momentum and Nesterov on the ill-conditioned valley and on Rosenbrock's function
#
# On a quadratic the best constant hyperparameters are known (Polyak's heavy ball). With $L$ and
# $m$ the largest and smallest curvature and $\kappa = L/m$:
#
# $$\text{gradient descent: } \gamma = \frac{2}{L+m},\ \text{error factor }
# \frac{\kappa-1}{\kappa+1}\text{ per step};\qquad
# \text{heavy ball: } \gamma = \frac{4}{(\sqrt L+\sqrt m)^2},\ \mu =
# \Big(\frac{\sqrt\kappa-1}{\sqrt\kappa+1}\Big)^2,\ \text{error factor }
# \frac{\sqrt\kappa-1}{\sqrt\kappa+1}.$$
#
# $\kappa$ becomes $\sqrt\kappa$: that is the acceleration. For Nesterov's method the
# standard choice is $\gamma = 1/L$ and $\mu = (\sqrt\kappa-1)/(\sqrt\kappa+1)$. We also run the
# everyday choice $\mu = 0.9$ with a small learning rate.

# %%
L_curv, m_curv = 4.0, 0.2                                     # Hessian diag(0.2, 4) of the valley
kappa = L_curv / m_curv
root = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
print(f"κ = {kappa:g}: GD error factor {(kappa - 1) / (kappa + 1):.3f} per step, heavy ball {root:.3f}")

valley_runs = {
    "GD, γ = 2/(L+m)": (sgd, {"lr": 2 / (L_curv + m_curv)}),
    "heavy ball, optimal": (momentum, {"lr": 4 / (np.sqrt(L_curv) + np.sqrt(m_curv)) ** 2, "momentum": root**2}),
    "momentum 0.9, lr 0.05": (momentum, {"lr": 0.05, "momentum": 0.9}),
    "Nesterov, γ = 1/L": (nesterov, {"lr": 1 / L_curv, "momentum": root}),
}


def steps_to_reach(losses, tolerance):
    """First step index with loss below tolerance, or None."""
    below = np.flatnonzero(np.asarray(losses) < tolerance)
    return int(below[0]) if below.size else None


def race(landscape, runs, n_steps, tolerance, title, ax_path, ax_loss):
    """Run every optimizer of `runs` on the landscape; plot paths and losses; print a table.

    Returns {name: steps to reach the tolerance (None if never)}.
    """
    contour_axes(ax_path, landscape, title)
    reached = {}
    for name, (step_fn, hparams) in runs.items():
        try:
            path, losses = run_on_landscape(step_fn, landscape, n_steps, **hparams)
        except NotImplementedError:
            print(f"{name}: not implemented yet")
            continue
        ax_path.plot(*path.T, ".-", ms=2, lw=1, label=name)
        ax_loss.semilogy(np.maximum(losses, 1e-30), label=name)
        hyper = ", ".join(f"{k} = {v:.3g}" for k, v in hparams.items())
        reached[name] = steps_to_reach(losses, tolerance)
        print(f"{name:24s} ({hyper}): f after {n_steps} steps {losses[-1]:.1e}; "
              f"steps to f < {tolerance:g}: {reached[name]}")
    ax_path.legend(loc="lower right", fontsize=7)
    ax_loss.set(title=f"{title}: loss", xlabel="step", ylabel="f(x) (log scale)")
    ax_loss.legend(fontsize=7)
    ax_loss.grid(alpha=0.3)
    return reached


fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(14, 4.5))
valley_steps = race(valley, valley_runs, 150, 1e-8, "$0.1x_1^2 + 2x_2^2$", ax_path, ax_loss)
fig.tight_layout()
plt.show()
if valley_steps.get("heavy ball, optimal") and valley_steps.get("GD, γ = 2/(L+m)"):
    print(f"steps of the tuned heavy ball / steps of tuned GD: "
          f"{valley_steps['heavy ball, optimal'] / valley_steps['GD, γ = 2/(L+m)']:.2f}; "
          f"predicted from the rates: {np.log((kappa - 1) / (kappa + 1)) / np.log(root):.2f}")

# %% [markdown]
# The tuned heavy ball needs a fraction of gradient descent's steps, close to what the two
# rates predict; Nesterov with its standard parameters is in between. Momentum 0.9 with a small
# step overshoots and spirals: too much memory for this small valley. On **Rosenbrock's** banana-shaped valley, $f = (1-x_1)^2 +
# 100(x_2 - x_1^2)^2$, the valley floor curves, and gradient descent, limited to $\gamma \approx
# 10^{-3}$ by the steep walls, crawls along it.

# %%
banana_runs = {
    "GD, lr 1e-3": (sgd, {"lr": 1e-3}),
    "momentum 0.9, lr 1e-3": (momentum, {"lr": 1e-3, "momentum": 0.9}),
    "Nesterov 0.9, lr 1e-3": (nesterov, {"lr": 1e-3, "momentum": 0.9}),
}
fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(14, 4.5))
race(banana, banana_runs, 3000, 1e-6, "Rosenbrock", ax_path, ax_loss)
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Written question (3 points, graded by hand): why momentum helps most when $\kappa$ is large
#
# Section 4 compares gradient descent (error factor $(\kappa-1)/(\kappa+1)$ per step) with the
# tuned heavy ball ($(\sqrt\kappa-1)/(\sqrt\kappa+1)$).
#
# (a) About how many steps does each need to gain one decimal digit of accuracy when
# $\kappa = 100$, and when $\kappa = 10^4$? (Use $\ln(1-x)\approx -x$ for small $x$.)
#
# (b) Explain *why* momentum helps on an ill-conditioned valley: what happens to the gradient
# components along the steep and along the flat direction in the momentum buffer?
#
# (c) Does momentum help when $\kappa\approx 1$? Why?
#
# Write your answer in the cell below (a few sentences; formulas in `$...$` are welcome).

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_momentum_condition", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# **Model answer.** (a) A factor $q$ per step needs $\ln 10/(-\ln q)$ steps per digit. For gradient descent
# $-\ln\frac{\kappa-1}{\kappa+1}\approx 2/\kappa$, so about $1.15\,\kappa$ steps: about 115 for
# $\kappa=100$ and about 11,500 for $\kappa=10^4$. For the heavy ball $\kappa$ is replaced by
# $\sqrt\kappa$: about 12 and about 115. The gain, a factor $\sqrt\kappa$, grows with $\kappa$.
#
# (b) Gradient descent's step must be small enough for the steep direction ($\gamma<2/L$), which
# makes progress along the flat direction ($m$) tiny. The gradient's steep component changes
# sign from step to step (zig-zag), so it cancels in the buffer; the flat component keeps its sign,
# so it accumulates, and the effective step along it grows to about $\gamma/(1-\mu)$. Momentum
# damps the oscillation and accelerates the slow direction.
#
# (c) No: with $\kappa=1$ gradient descent with $\gamma=1/L$ reaches the minimum of the quadratic
# in one step; there is no slow direction to accelerate, and momentum can only overshoot.
#
# **Rubric (3 points).**
# - 1 point: the two orders ($\sim\kappa$ against $\sim\sqrt\kappa$ steps per digit) with numbers of
#   the right order of magnitude for both $\kappa$ values.
# - 1 point: the mechanism (oscillating component cancels, consistent component accumulates,
#   larger effective step along the flat direction).
# - 1 point: no gain at $\kappa\approx1$, with a reason.
# ### END SOLUTION

# %% [markdown]
# ## 5. Nesterov's accelerated gradient: $O(1/k^2)$
#
# Lecture 002 states Nesterov's method for a convex $f$ whose gradient is $L$-Lipschitz,
# with a step $\varepsilon\le 1/L$ and a momentum coefficient that grows with the step count:
#
# $$y_k = x_k + \frac{k-1}{k+2}\,(x_k - x_{k-1}),\qquad x_{k+1} = y_k - \varepsilon\,\nabla f(y_k).$$
#
# Gradient descent guarantees $f(x_k) - f^* \le \frac{\lVert x_0 - x^*\rVert^2}{2\varepsilon k}$,
# an $O(1/k)$ rate; Nesterov's method guarantees $\frac{2\lVert x_0 - x^*\rVert^2}{\varepsilon
# (k+1)^2}$, $O(1/k^2)$, and no method that only combines gradients can do better in general.
# To see both rates we need a convex function that is *not* strongly convex over the range of
# steps we look at (otherwise both converge linearly): a quadratic
# $f(\mathbf x) = \frac12\sum_i\lambda_i x_i^2$ whose curvatures $\lambda_i$ are spread
# logarithmically from $10^{-9}$ to $1$, started at $\mathbf x_0 = \mathbf 1$.

# %%
def gd_convex(grad, x0, step, n_steps):
    """Gradient descent iterates x_0 .. x_n_steps, shape (n_steps + 1, D)."""
    xs = [np.array(x0, dtype=float)]
    for _ in range(n_steps):
        xs.append(xs[-1] - step * grad(xs[-1]))
    return np.array(xs)


def nesterov_accelerated(grad, x0, step, n_steps):
    """Nesterov's accelerated gradient with momentum (k-1)/(k+2) (lecture 002); iterates x_0 .. x_n_steps."""
    x_previous = x = np.array(x0, dtype=float)
    xs = [x]
    for k in range(1, n_steps + 1):
        y = x + (k - 1) / (k + 2) * (x - x_previous)
        x_previous, x = x, y - step * grad(y)
        xs.append(x)
    return np.array(xs)


curvatures = np.logspace(-9, 0, 400)
L_smooth = curvatures.max()
f_spread = lambda xs: 0.5 * np.sum(curvatures * xs**2, axis=-1)      # minimum 0 at x* = 0
grad_spread = lambda x: curvatures * x
x0_spread = np.ones_like(curvatures)
k_max = pick(10_000, 3_000)
step = 1 / L_smooth
gaps_gd = f_spread(gd_convex(grad_spread, x0_spread, step, k_max))
gaps_nag = f_spread(nesterov_accelerated(grad_spread, x0_spread, step, k_max))
ks = np.arange(k_max + 1)
R2 = np.sum(x0_spread**2)

from course.widgets import optimizer_color  # Okabe–Ito, colour-blind safe, the same as in the live race

fig, ax = plt.subplots(figsize=(8, 5))
ax.loglog(ks[1:], gaps_gd[1:], color=optimizer_color("GD"), label="gradient descent")
ax.loglog(ks[1:], gaps_nag[1:], color=optimizer_color("Nesterov"), label="Nesterov, momentum (k−1)/(k+2)")
ax.loglog(ks[1:], R2 / (2 * step * ks[1:]), "--", color=optimizer_color("GD"), alpha=0.6,
          label="GD bound ‖x₀−x*‖²/(2εk)")
ax.loglog(ks[1:], 2 * R2 / (step * (ks[1:] + 1) ** 2), "--", color=optimizer_color("Nesterov"), alpha=0.6,
          label="Nesterov bound 2‖x₀−x*‖²/(ε(k+1)²)")
ax.set(title="Convex quadratic, curvatures from 1e-9 to 1: O(1/k) against O(1/k²)",
       xlabel="iteration k", ylabel="f(x_k) − f*")
ax.grid(alpha=0.3, which="both")
ax.legend(fontsize=8)
plt.show()
fit_range = ks >= 100
slope_gd = np.polyfit(np.log(ks[fit_range]), np.log(gaps_gd[fit_range]), 1)[0]
slope_nag = np.polyfit(np.log(ks[fit_range]), np.log(gaps_nag[fit_range]), 1)[0]
print(f"log-log slopes for k = 100..{k_max}: gradient descent {slope_gd:.2f}, Nesterov {slope_nag:.2f}")
print(f"k·(f − f*) for GD at k = 100, 1000: {100 * gaps_gd[100]:.2f}, {1000 * gaps_gd[1000]:.2f};  "
      f"k²·(f − f*) for Nesterov: {100**2 * gaps_nag[100]:.1f}, {1000**2 * gaps_nag[1000]:.1f}")

# %% [markdown]
# The measured slopes are the rates: $-1$ for gradient descent, $-2$ for Nesterov. Both curves
# stay below their guarantees (dashed). The momentum coefficient $(k-1)/(k+2)$ rises towards 1;
# in deep learning a constant $\mu$ (0.9 or so) is used instead, with the shifted-parameter
# update of section 3, and the $O(1/k^2)$ guarantee does not carry over to stochastic,
# non-convex training (lesson 08). What carries over is the intuition: memory helps along
# consistent directions, look-ahead damps oscillations.
#
# ## 6. Momentum on CIFAR-10: a two-layer network, each optimizer tuned
#
# Lesson 03's softmax regression is convex and well enough conditioned that momentum there acts
# mostly as a larger step. The comparison here is on a small **non-convex** model,
# `course.mlp`: a two-layer network (3072 inputs, 64 ReLU units, 10 scores), trained in float32
# with minibatches of 64 by plain SGD, by your momentum and by your Nesterov.
#
# A fair comparison gives every method the same budget (the same epochs, so the same number of
# gradient evaluations) and its *own* learning rate, chosen on a **validation split** carved out
# of the training images (`course.experiments`). The test set plays no part in any choice: it is
# used once, at the end. Each learning rate is chosen with seed 0; the chosen settings are then
# rerun with other seeds (initial weights and minibatch order; five of them, two in grading
# mode), so that a difference can be compared with the seed-to-seed spread.

# %%
from course.config import grading_mode
from course.experiments import describe_claim_size, load_split, method, seed_table, sweep_table, tune_and_compare, wins
from course.mlp import init_mlp, mlp_evaluate, mlp_loss

# grading mode: a smoke-size run of a few seconds (the claims are checked at a larger size, printed below)
data, split = load_split(pick(15_000, 1_500), n_val=pick(5_000, 500), n_test=pick(None, 1_000))
DATA_LABEL = (f"CIFAR-10, {len(split.y_train):,} training and {len(split.y_val):,} validation images"
              + (" (grading mode)" if grading_mode() else ""))
HIDDEN, EPOCHS, BATCH = 64, pick(10, 2), 64
SEEDS = pick((1, 2, 3, 4, 5), (1, 2))


def init_network(seed):
    return init_mlp(split.X_train.shape[1], HIDDEN, 10, seed=seed)


mlp_methods = {
    "SGD": method(sgd, grid=[0.03, 0.1, 0.3]),
    "momentum 0.9": method(momentum, {"momentum": 0.9}, grid=[0.003, 0.01, 0.03]),
    "Nesterov 0.9": method(nesterov, {"momentum": 0.9}, grid=[0.003, 0.01, 0.03]),
}
started = time.perf_counter()
mlp_comparison = tune_and_compare(mlp_methods, mlp_loss, init_network, split, epochs=EPOCHS, batch_size=BATCH,
                                  seeds=SEEDS)
print(f"{DATA_LABEL}; {EPOCHS} epochs of minibatches of {BATCH} per run "
      f"({time.perf_counter() - started:.0f} s for all runs)\n")
for name, entry in mlp_comparison.items():
    print(f"{name}: learning-rate sweep on the validation split (seed 0)\n{sweep_table(entry['sweep'])}\n")
print(f"validation loss at the chosen learning rate, {len(SEEDS)} further seeds:")
print(seed_table(mlp_comparison, "optimizer"))
print(f"\n{describe_claim_size()}")

# %%
from course.widgets import optimizer_color  # Okabe–Ito, colour-blind safe, the same as in the live race

OPTIMIZER_COLOURS = {name: optimizer_color(name) for name in ("SGD", "momentum 0.9", "Nesterov 0.9")}
fig, (ax_sweep, ax_loss) = plt.subplots(1, 2, figsize=(13, 4.2))
for name, entry in mlp_comparison.items():
    lrs = [lr for lr, _ in entry["sweep"]]
    ax_sweep.semilogx(lrs, [result["val_loss"] for _, result in entry["sweep"]], "o-",
                      color=OPTIMIZER_COLOURS[name], label=name)
    curves = np.array([run["history"].epoch_loss for run in entry["runs"]])
    epochs = np.arange(1, EPOCHS + 1)
    ax_loss.plot(epochs, curves.mean(axis=0), ".-", color=OPTIMIZER_COLOURS[name],
                 label=f"{name}, lr {entry['chosen']:g}")
    ax_loss.fill_between(epochs, curves.min(axis=0), curves.max(axis=0), color=OPTIMIZER_COLOURS[name], alpha=0.2)
ax_sweep.set(title="Learning-rate sweep (validation split, seed 0)", xlabel="learning rate",
             ylabel=f"validation loss after {EPOCHS} epochs")
ax_loss.set(title=f"Training loss at the chosen rates (mean and range of {len(SEEDS)} seeds)", xlabel="epoch",
            ylabel="mean minibatch loss in the epoch")
for ax in (ax_sweep, ax_loss):
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
fig.suptitle(f"Two-layer network, {DATA_LABEL}")
fig.tight_layout()
plt.show()

chosen = {name: entry["chosen"] for name, entry in mlp_comparison.items()}
mean_val = {name: np.mean([run["val_loss"] for run in entry["runs"]]) for name, entry in mlp_comparison.items()}
spread = np.mean([np.std([run["val_loss"] for run in entry["runs"]], ddof=1) for entry in mlp_comparison.values()])
print("chosen learning rates: " + ", ".join(f"{name} {lr:g}" for name, lr in chosen.items())
      + f"; SGD's / momentum's = {chosen['SGD'] / chosen['momentum 0.9']:.0f}  (1/(1 − 0.9) = 10)")
for name in ("momentum 0.9", "Nesterov 0.9"):
    print(f"{name} ends below SGD in {wins(mlp_comparison, name, 'SGD')} of {len(SEEDS)} seeds; mean validation loss "
          f"{mean_val[name]:.4f} against {mean_val['SGD']:.4f} (difference {mean_val['SGD'] - mean_val[name]:.4f}, "
          f"seed-to-seed standard deviation about {spread:.4f})")

# %% [markdown]
# Read the sweep first: the best learning rate of momentum 0.9 is the best rate of SGD divided by
# about $1/(1-\mu) = 10$. That is the amplification of section 2: with a small step the buffer
# adds up about ten gradients. Compared at their own best rates, momentum and Nesterov end with a
# validation loss only a little below SGD's (the difference, the count of seeds and the spread
# are printed above): on this small network and budget, most of what momentum buys is a larger
# effective step, which a tuned SGD can also take. The advantages that a retuned SGD cannot copy
# show where curvatures differ a lot (section 4) and in long runs with noisy gradients. An
# untuned comparison, with one learning rate for all, would have shown a large gap, which is why
# each method is tuned. `tests/test_claims.py` reruns this experiment over five seeds, at the size
# printed above, and checks the claims of this paragraph.
#
# Only now, with every choice made, the test set is used, once, on the seed-1 run of each
# optimizer:

# %%
for name, entry in mlp_comparison.items():
    test_loss, test_accuracy = mlp_evaluate(entry["runs"][0]["params"], data.X_test, data.y_test)
    print(f"{name:14s} (lr {entry['chosen']:g}): test loss {test_loss:.4f}, test accuracy {test_accuracy:.3f} "
          f"on {len(data.y_test):,} test images")

# %% [markdown]
# ## Summary
#
# * Plain gradient descent is slowed by ill-conditioning (steps limited by the steepest
#   direction), stalls near saddle points, and never settles with noisy gradients.
# * Heavy-ball momentum: an exponentially weighted sum of past gradients, weights $\mu^{age}$,
#   up to $1/(1-\mu)$ times the step. Lectures 000/001/003 and `torch.optim.SGD` write it four
#   ways; they agree for a constant learning rate, but PyTorch applies a new learning rate to the
#   whole buffer at once.
# * Nesterov: take the gradient at the look-ahead point $\theta + \alpha v$. In shifted parameters
#   it becomes `torch.optim.SGD(nesterov=True)`: $b \leftarrow \mu b + g$,
#   $w \leftarrow w - \text{lr}(g + \mu b)$.
# * For convex $f$, Nesterov's $(k-1)/(k+2)$ schedule gives $O(1/k^2)$ against gradient
#   descent's $O(1/k)$; on quadratics, tuned momentum replaces $\kappa$ by $\sqrt\kappa$.
#
# ## Live lecture
#
# `OptimizerRace` runs your `sgd`, `momentum` and `nesterov` side by side on one contour plot.
# Every hyperparameter has a slider (learning rates on a log scale); the landscape menu offers
# the ill-conditioned quadratic (with a slider for its condition number), Rosenbrock, the saddle,
# Beale and Himmelblau; the play button animates the runs. Suggested experiments:
#
# * The race opens on the quadratic with condition number 100, each method at its *own* best
#   learning rate (`tune_lr` tries a grid of rates for 200 steps and keeps the lowest final loss):
#   even tuned, plain SGD is left behind by momentum and Nesterov.
# * Raise the condition number to 1000: every learning rate must shrink with the steepest
#   curvature (to 0.005, say); then gradient descent barely moves along the flat direction,
#   while momentum's path keeps moving along the valley.
# * Set momentum to 0.99: the ball overshoots and spirals; Nesterov's look-ahead damps it.
# * On the saddle, compare how long each optimizer stays near the origin.
# * Push the learning rates until paths diverge. On a quadratic with curvature $\lambda$, plain
#   SGD is stable for $\text{lr}\cdot\lambda < 2$, heavy ball for $\text{lr}\cdot\lambda <
#   2(1+\mu)$, and PyTorch's Nesterov for $\text{lr}\cdot\lambda < 2(1+\mu)/(1+2\mu)$: with
#   $\mu = 0.9$ that is 3.8 and about 1.36.
#
# The cell below runs a few of these settings in code first, so the numbers are on record.

# %%
from course.landscapes import quadratic
from course.widgets import OptimizerRace, tune_lr

kappa = 100  # on the condition-number slider's grid (it runs through the value given)
methods = {"SGD": (sgd, {}), "momentum": (momentum, {"momentum": 0.9}), "Nesterov": (nesterov, {"momentum": 0.9})}
# Each method at its best learning rate for 200 steps on this quadratic (slack=1: the best final loss).
best_lr = {name: tune_lr(step, hparams, quadratic(condition_number=kappa), n_steps=200, slack=1)[0]
           for name, (step, hparams) in methods.items()}
optimizer_race = OptimizerRace({name: (step, {"lr": best_lr[name], **hparams}) for name, (step, hparams) in methods.items()},
                               landscape="quadratic", n_steps=200, condition_number=kappa)


def race_summary(widget, label):
    finals = ", ".join(f"{name} {losses[-1]:.1e}" + (" (diverged)" if widget.diverged[name] else "")
                       for name, losses in widget.losses.items())
    print(f"{label}: f after {widget.n_steps} steps: {finals}")


initial_lrs = {name: sliders["lr"].value for name, sliders in optimizer_race.sliders.items()}
print("best learning rates at κ = {}: {}".format(kappa, ", ".join(f"{n} {lr:g}" for n, lr in initial_lrs.items())))
race_summary(optimizer_race, f"quadratic, κ = {kappa}, each at its best lr")
optimizer_race.condition_slider.value = 1000
race_summary(optimizer_race, "quadratic, κ = 1000, same learning rates")
for sliders in optimizer_race.sliders.values():
    sliders["lr"].value = 0.005
race_summary(optimizer_race, f"quadratic, κ = 1000, every lr = {optimizer_race.sliders['SGD']['lr'].value:.3g}")
for name in ("momentum", "Nesterov"):
    optimizer_race.sliders[name]["momentum"].value = 0.99
race_summary(optimizer_race, f"quadratic, κ = 1000, lr = {optimizer_race.sliders['SGD']['lr'].value:.3g}, momentum 0.99")
# back to the starting point for the lecture
for name, sliders in optimizer_race.sliders.items():
    sliders["lr"].value = initial_lrs[name]
    if "momentum" in sliders:
        sliders["momentum"].value = 0.9
optimizer_race.condition_slider.value = kappa
optimizer_race
