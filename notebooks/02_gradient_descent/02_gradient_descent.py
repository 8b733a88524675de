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
# # Lesson 02 — Gradient descent
#
# Lesson 01 computed slopes. This lesson uses them to walk downhill:
#
# 1. gradient descent on the lecture's example $f(x)=x^4+x+2$, step by step, as a table;
# 2. the algorithm with its stopping rules;
# 3. the learning rate: too small, just right, too large;
# 4. gradient descent in two dimensions, on a contour plot;
# 5. Newton's method, which uses curvature too, and why deep learning does not use it;
# 6. sign-gradient descent.
#
# **Exercises** (10 points): `gd_table` (3), `gradient_descent` (4), `newton_step` (2),
# `sign_gd_step` (1). Write your code where it says `YOUR CODE HERE` and run the test cell below
# it; the grader also runs hidden tests on other inputs.
#
# **Notation.** The seeds call the learning rate $\gamma$, $\varepsilon$ or $\eta$; PyTorch calls
# it `lr`. The update $\mathbf w \leftarrow \mathbf w - \text{lr}\cdot\nabla L(\mathbf w)$ is exactly
# what `torch.optim.SGD(params, lr=...)` does with its defaults (no momentum, no weight decay),
# except that PyTorch's gradient comes from a minibatch (lesson 08).

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from course.checks import assert_close, assert_raises, assert_unchanged
from course.config import pick
from course.widgets import use_palette

use_palette()  # Okabe–Ito colours (colour-blind safe) for every plot, as in the widgets

np.set_printoptions(precision=4, suppress=True)


# %% [markdown]
# Given code: the finite differences of lesson 01 (your `forward_difference` and
# `numerical_gradient`, repeated here so this lesson stands alone) and the input checks the
# exercises share.

# %%
def forward_difference(f, x, h=1e-3):
    """(f(x + h) - f(x)) / h for a function of one float."""
    if not np.isfinite(h) or h <= 0:
        raise ValueError(f"h must be a positive finite step, got h={h!r}")
    return (f(x + h) - f(x)) / h


def numerical_gradient(f, x, h=1e-5, method="central"):
    """Numerical gradient of f: array -> float at x (any shape); returns a float array shaped like x."""
    if method not in ("forward", "backward", "central"):
        raise ValueError(f"method must be 'forward', 'backward' or 'central', got {method!r}")
    x_work = np.array(x, dtype=np.float64, copy=True)
    grad = np.zeros_like(x_work)
    f_x = f(x_work)
    for index in np.ndindex(x_work.shape):
        original = x_work[index]
        x_work[index] = original + h
        f_plus = f(x_work) if method != "backward" else f_x
        x_work[index] = original - h
        f_minus = f(x_work) if method != "forward" else f_x
        x_work[index] = original
        grad[index] = (f_plus - f_minus) / (2 * h if method == "central" else h)
    return grad


def check_lr(lr):
    """Raise ValueError unless lr is a positive finite learning rate."""
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive finite learning rate, got lr={lr!r}")


def check_n_steps(n_steps, name="n_steps"):
    """Raise ValueError unless n_steps is a non-negative integer."""
    if int(n_steps) != n_steps or n_steps < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {name}={n_steps!r}")


def as_vector(x, name="x0"):
    """x as a new float array of shape (D,); a scalar becomes shape (1,). ValueError if not finite."""
    x = np.array(x, dtype=np.float64, copy=True)
    if x.ndim == 0:
        x = x.reshape(1)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"{name} must be a scalar or a non-empty 1-D array, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


# %% [markdown]
# ## 1. Gradient descent, one step at a time
#
# Gradient descent uses the derivative to find out which way $f$ increases, and steps the
# other way:
#
# 1. at the current estimate $x$, compute the derivative $\frac{df(x)}{dx}$ (exactly or numerically);
# 2. move against it: $\;x' := x - \gamma\cdot\frac{df(x)}{dx}$;
# 3. repeat from $x'$.
#
# The size of a step depends on the learning rate $\gamma$ **and** on the steepness
# $|df/dx|$ at $x$: steps shrink automatically as the slope flattens near a minimum. The method
# needs an initial guess $x^{(0)}$.
#
# **The lecture's example.** Minimise $f(x)=x^4+x+2$ from $x^{(0)}=1$ with $\gamma=0.2$, using
# forward differences with $h=0.001$ for the derivative. Setting $f'(x)=4x^3+1=0$ gives the true
# minimum $x^*=-1/\sqrt[3]{4}=-1/2^{2/3}\approx-0.62996$.
#
# ### Exercise 1 (3 points): `gd_table`
#
# Return the rows of the lecture's table: row $t$ holds $x_t$, $f(x_t)$ and the forward-difference
# derivative at $x_t$ — the derivative that produces $x_{t+1}=x_t-\gamma\,\frac{df}{dx}(x_t)$.
# The same function must work in several dimensions (section 4): for an array `x0`, use
# `numerical_gradient(f, x, h=h, method="forward")` and store **copies** of the iterates.

# %% nbgrader={"grade": false, "grade_id": "ex_gd_table", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gd_table(f, x0, lr, n_steps, h=1e-3):
    """Gradient descent with forward-difference derivatives, as the lecture's table.

    Args:
        f: for a scalar x0, a function of one float; for an array x0 of shape (D,), a function
           of a (D,) array. Returns a float.
        x0: starting point, a float or a (D,) array.
        lr: learning rate (gamma), > 0.
        n_steps: number of updates; the table has n_steps + 1 rows.
        h: forward-difference step.

    Returns:
        list of n_steps + 1 tuples (t, x_t, f(x_t), slope_t), t = 0 .. n_steps, where slope_t is
        the forward-difference derivative at x_t and x_{t+1} = x_t - lr * slope_t.
        Scalar x0: x_t and slope_t are floats. Array x0: they are (D,) float arrays (copies).
    """
    check_lr(lr)
    check_n_steps(n_steps)
    ### BEGIN SOLUTION
    rows = []
    if np.ndim(x0) == 0:
        x = float(x0)
        for t in range(n_steps + 1):
            slope = float(forward_difference(f, x, h))
            rows.append((t, x, float(f(x)), slope))
            x = x - lr * slope
        return rows
    x = as_vector(x0)
    for t in range(n_steps + 1):
        slope = numerical_gradient(f, x, h=h, method="forward")
        rows.append((t, x.copy(), float(f(x)), slope))
        x = x - lr * slope
    return rows
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gd_table", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# The lecture's table (seed 003), printed there to 3 decimals: t, x, f(x), df/dx.
SEED_TABLE = [(0, 1.000, 4.000, 5.006), (1, -0.001, 1.999, 1.000), (2, -0.201, 1.800, 0.968),
              (3, -0.395, 1.630, 0.755), (4, -0.546, 1.543, 0.352), (5, -0.616, 1.528, 0.067),
              (6, -0.629, 1.528, 0.005)]
rows = gd_table(lambda x: x**4 + x + 2, 1.0, 0.2, 6, h=0.001)
assert len(rows) == 7, f"6 steps give 7 rows (t = 0..6), got {len(rows)}"
for row, seed_row in zip(rows, SEED_TABLE, strict=False):
    assert row[0] == seed_row[0], f"row {seed_row[0]} has t = {row[0]}"
    assert_close(row[1:], seed_row[1:], f"row t={seed_row[0]} (x, f(x), df/dx) to 3 decimals", rtol=0, atol=5.01e-4)
# Zero steps: just the start.
assert_close(gd_table(lambda x: x**2, 3.0, 0.1, 0)[0][1:], (3.0, 9.0, 6.001), "gd_table with n_steps=0", atol=1e-9)
# The 2-D example of section 4, first row by hand: f(-5, -7.5) = 1.5 + 14.0625 - 1.5 = 14.0625; a forward
# difference of a quadratic is exact plus h/2 * f'': (0.12*(-5) - 0.04*(-7.5) + 0.06*0.001,
# 0.5*(-7.5) - 0.04*(-5) + 0.25*0.001) = (-0.29994, -3.54975); x_1 = x_0 - 0.5 * slope.
quad = lambda v: 0.06 * v[0] ** 2 + 0.25 * v[1] ** 2 - 0.04 * v[0] * v[1]
x0 = np.array([-5.0, -7.5])
rows_2d = gd_table(quad, x0, 0.5, 1)
assert_close(rows_2d[0][1], [-5.0, -7.5], "2-D row 0: x")
assert_close(rows_2d[0][2], 14.0625, "2-D row 0: f(x)")
assert_close(rows_2d[0][3], [-0.29994, -3.54975], "2-D row 0: forward-difference gradient", rtol=1e-6)
assert_close(rows_2d[1][1], [-4.85003, -5.725125], "2-D row 1: x", rtol=1e-6)
assert_unchanged(np.array([-5.0, -7.5]), x0, "x0")
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, check_that
_rng = np.random.default_rng(201)
_quartic = lambda x: x**4 + x + 2
_A = _rng.normal(size=(3, 3))
_A = _A @ _A.T / 3 + np.eye(3)
check_against_reference(
    "gd_table", gd_table, "solutions.gd:gd_table",
    [Case("quartic, another start and learning rate", (_quartic, float(_rng.uniform(-1.5, 1.5)), 0.05, 8)),
     Case("sine with the default step", (np.sin, float(_rng.uniform(-1, 1)), 0.3, 5)),
     Case("larger finite-difference step", (_quartic, 0.7, 0.1, 4), {"h": 0.05}),
     Case("integer start", (lambda x: (x - 2.0) ** 2, 1, 0.25, 3)),
     Case("zero steps", (np.cosh, 0.5, 0.1, 0)),
     Case("2-D quadratic", (lambda v: float(0.06 * v[0]**2 + 0.25 * v[1]**2 - 0.04 * v[0] * v[1]), _rng.normal(size=2) * 4, 0.5, 6)),
     Case("3-D quadratic form", (lambda v: float(v @ _A @ v), _rng.normal(size=3), 0.1, 4)),
     Case("array start given as a list", (lambda v: float(np.sum(np.asarray(v)**4)), [0.5, -0.8], 0.2, 3))],
    check_mutation=False)
def _keeps_x0():
    x0 = _rng.normal(size=2)
    copy = x0.copy()
    gd_table(lambda v: float(np.sum(v**2)), x0, 0.1, 3)
    return np.array_equal(x0, copy)
check_that("gd_table", _keeps_x0, "array start left unchanged")
### END HIDDEN TESTS

# %% [markdown]
# Your table next to the lecture's (which prints 3 decimals):

# %%
from course.widgets import optimizer_color, quartic  # quartic: the lecture's f(x) = x^4 + x + 2, as in GDStepper

# Okabe–Ito colours (colour-blind safe), one per optimizer, the same as in the widgets
GD_COLOR, SIGN_GD_COLOR = optimizer_color("GD"), optimizer_color("sign GD")


def quartic_grad(x):
    """Exact derivative 4x^3 + 1 (works on floats and arrays)."""
    return 4 * x**3 + 1


x_star = -1 / 2 ** (2 / 3)
f_star = quartic(x_star)
seed_rows = [(0, 1.000, 4.000, 5.006), (1, -0.001, 1.999, 1.000), (2, -0.201, 1.800, 0.968),
             (3, -0.395, 1.630, 0.755), (4, -0.546, 1.543, 0.352), (5, -0.616, 1.528, 0.067),
             (6, -0.629, 1.528, 0.005)]
table = gd_table(quartic, 1.0, 0.2, 6, h=1e-3)
lines = ["| t | x | f(x) | df/dx | lecture: x | f(x) | df/dx |", "|---|---|---|---|---|---|---|"]
for (t, x, fx, slope), (_, sx, sf, sd) in zip(table, seed_rows, strict=False):
    lines.append(f"| {t} | {x:.3f} | {fx:.3f} | {slope:.3f} | {sx:.3f} | {sf:.3f} | {sd:.3f} |")
display(Markdown("\n".join(lines)))
largest_gap = max(abs(a - b) for row, seed_row in zip(table, seed_rows, strict=False) for a, b in zip(row[1:], seed_row[1:], strict=False))
x_6 = table[-1][1]
print(f"largest difference from the lecture's table: {largest_gap:.1e} (the lecture rounds to 3 decimals)")
print(f"x_6 = {x_6:.5f}; true minimum x* = -1/2^(2/3) = {x_star:.5f}; |x_6 - x*| = {abs(x_6 - x_star):.1e}")
print(f"f(x_6) = {quartic(x_6):.6f}, f(x*) = {f_star:.6f}")

# %% [markdown]
# All seven rows agree to the three printed decimals. (The slide gives the true minimum as
# "$x^*=\frac{-1}{2^{2/3}}=0.62996$"; the sign got lost on the way, it is $-0.62996$.) Note the
# first step: the slope at $x=1$ is 5, so $\gamma\cdot 5 = 1$ carries $x$ all the way to about 0;
# after that the steps shrink with the slope.
#
# The iterates on the graph of $f$, and the loss $f(x_t)$ against the step $t$:

# %%
xs = np.array([row[1] for row in table])
fs = np.array([row[2] for row in table])
grid = np.linspace(-1.3, 1.2, 300)
fig, (ax_f, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.2))
ax_f.plot(grid, quartic(grid), color="gray", label="$f(x)=x^4+x+2$")
ax_f.plot(xs, fs, "o-", color=GD_COLOR, label=r"iterates $x_t$ ($\gamma=0.2$)")
for t, (x, fx) in enumerate(zip(xs, fs, strict=False)):
    ax_f.annotate(str(t), (x, fx), textcoords="offset points", xytext=(4, 6), fontsize=8)
ax_f.axvline(x_star, color="k", ls=":", lw=1, label=f"$x^*={x_star:.4f}$")
ax_f.set_xlabel("x")
ax_f.set_ylabel("f(x)")
ax_f.set_title("Gradient descent on $x^4+x+2$ from $x_0=1$")
ax_f.legend(fontsize=8)
ax_loss.plot(range(len(fs)), fs, "o-", color=GD_COLOR, label="$f(x_t)$")
ax_loss.axhline(f_star, color="k", ls=":", lw=1, label=f"$f(x^*)={f_star:.4f}$")
ax_loss.set_xlabel("step t")
ax_loss.set_ylabel("loss f(x_t)")
ax_loss.set_title("Loss against step")
ax_loss.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## 2. The algorithm and its stopping rules
#
# In $D$ dimensions nothing changes but the notation: the derivative becomes the gradient
# (lesson 01), and the update is a vector update
#
# $$\mathbf w_{t+1} := \mathbf w_t - \varepsilon\,\nabla_{\mathbf w} L(\mathbf w_t).$$
#
# ```
# input: learning rate ε > 0, a stopping rule
# t = 0, initialise w_0
# while the stopping rule does not hold:
#     w_{t+1} = w_t − ε ∇L(w_t)
#     t = t + 1
# return w_t
# ```
#
# The lecture (seed 001) lists three stopping rules, with thresholds $H_1, H_2, H$:
#
# * the loss stopped changing: $|L(\mathbf w_{t+1})-L(\mathbf w_t)| < H_1$ (`tol_f`);
# * the weights stopped changing: $\lVert\mathbf w_{t+1}-\mathbf w_t\rVert < H_2$ (`tol_x`);
# * the budget is spent: $t > H$ (`max_steps`).
#
# We add a fourth, practical one: **divergence**. If an iterate is no longer a finite number
# (`inf` or `nan`), stop, and keep that row so a plot shows where the run blew up.
#
# ### Exercise 2 (4 points): `gradient_descent`
#
# After each update $\mathbf w_t\to\mathbf w_{t+1}$, append $\mathbf w_{t+1}$ to the trajectory and
# check, in this order: divergence (`np.all(np.isfinite(w_next))` fails) → `"diverged"`;
# `tol_f` (only if given) → `"tol_f"`; `tol_x` (only if given) → `"tol_x"`. If none fires after
# `max_steps` updates, the reason is `"max_steps"`. Tip: a diverging run overflows; wrap the loop
# in `with np.errstate(over="ignore", invalid="ignore"):` to silence the warnings.

# %%
STOP_REASONS = ("tol_f", "tol_x", "max_steps", "diverged")


def check_gd_arguments(lr, max_steps, tol_f, tol_x, f):
    """Raise ValueError for a bad learning rate, step budget or tolerance."""
    check_lr(lr)
    check_n_steps(max_steps, "max_steps")
    for name, tol in (("tol_f", tol_f), ("tol_x", tol_x)):
        if tol is not None and not tol > 0:
            raise ValueError(f"{name} must be positive or None, got {name}={tol!r}")
    if tol_f is not None and f is None:
        raise ValueError("tol_f needs the loss: pass f=<callable> or drop tol_f")


# %% nbgrader={"grade": false, "grade_id": "ex_gradient_descent", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gradient_descent(grad, x0, lr, max_steps, tol_f=None, tol_x=None, f=None, return_reason=False):
    """Gradient descent w_{t+1} = w_t - lr * grad(w_t) with stopping rules.

    Args:
        grad: function (D,) array -> (D,) gradient.
        x0: float or (D,) array, the start (a float counts as D = 1); not modified.
        lr: learning rate > 0.
        max_steps: int >= 0, the largest number of updates.
        tol_f: stop once |f(w_{t+1}) - f(w_t)| < tol_f (needs f), or None.
        tol_x: stop once ||w_{t+1} - w_t|| < tol_x (Euclidean norm), or None.
        f: function (D,) array -> float, the loss; only needed for tol_f.
        return_reason: if True, also return why the run stopped.

    Returns:
        trajectory: float array (steps + 1, D), row 0 = x0, row t = w_t; a diverged run ends
            with its first non-finite iterate.
        With return_reason=True: (trajectory, reason), reason one of
            "diverged", "tol_f", "tol_x", "max_steps".
    """
    check_gd_arguments(lr, max_steps, tol_f, tol_x, f)
    w = as_vector(x0)
    ### BEGIN SOLUTION
    trajectory = [w.copy()]
    f_w = float(f(w)) if tol_f is not None else None
    reason = "max_steps"
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(max_steps):
            w_next = w - lr * np.asarray(grad(w), dtype=np.float64).reshape(w.shape)
            trajectory.append(w_next.copy())
            if not np.all(np.isfinite(w_next)):
                reason = "diverged"
                break
            if tol_f is not None:
                f_next = float(f(w_next))
                if abs(f_next - f_w) < tol_f:
                    reason = "tol_f"
                    break
                f_w = f_next
            if tol_x is not None and np.linalg.norm(w_next - w) < tol_x:
                reason = "tol_x"
                break
            w = w_next
    trajectory = np.array(trajectory)
    return (trajectory, reason) if return_reason else trajectory
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gradient_descent", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
# f(x) = x**2, grad 2x, lr = 0.25: every step halves x (x - 0.25*2x = x/2).
halve = lambda v: 2 * v
traj = gradient_descent(halve, 1.0, 0.25, 3)
assert_close(traj, [[1.0], [0.5], [0.25], [0.125]], "3 steps from x0 = 1")
# tol_x = 0.1: the steps are 0.5, 0.25, 0.125, 0.0625 -> stop after the 4th update.
traj, reason = gradient_descent(halve, 1.0, 0.25, 100, tol_x=0.1, return_reason=True)
assert_close(traj.ravel(), [1.0, 0.5, 0.25, 0.125, 0.0625], "trajectory with tol_x=0.1")
assert reason == "tol_x", f"expected reason 'tol_x', got {reason!r}"
# tol_f = 0.05: f = 1, 0.25, 0.0625, 0.015625; changes 0.75, 0.1875, 0.046875 -> stop after the 3rd.
traj, reason = gradient_descent(halve, 1.0, 0.25, 100, tol_f=0.05, f=lambda v: float(v[0] ** 2), return_reason=True)
assert_close(traj.ravel(), [1.0, 0.5, 0.25, 0.125], "trajectory with tol_f=0.05")
assert reason == "tol_f", f"expected reason 'tol_f', got {reason!r}"
traj, reason = gradient_descent(halve, 1.0, 0.25, 3, return_reason=True)
assert reason == "max_steps", f"expected reason 'max_steps', got {reason!r}"
# f = x**4 from 10 with lr = 1: 10 -> -3990 -> 2.54e11 -> -6.56e34 -> 1.13e105 -> overflow (-inf).
traj, reason = gradient_descent(lambda v: 4 * v**3, 10.0, 1.0, 50, return_reason=True)
assert reason == "diverged", f"expected reason 'diverged', got {reason!r}"
assert traj.shape == (6, 1), f"the run overflows at the 5th update, so 6 rows; got shape {traj.shape}"
assert np.all(np.isfinite(traj[:5])) and not np.isfinite(traj[5, 0]), "only the last row should be non-finite"
# Two dimensions; x0 must not be modified.
x0 = np.array([2.0, -4.0])
traj = gradient_descent(lambda v: np.array([2 * v[0], 8 * v[1]]), x0, 0.1, 2)
assert_close(traj, [[2.0, -4.0], [1.6, -0.8], [1.28, -0.16]], "2-D run (grad (2x1, 8x2), lr 0.1)")
assert_unchanged(np.array([2.0, -4.0]), x0, "x0")
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, check_that
_rng = np.random.default_rng(202)
_H = _rng.normal(size=(4, 4))
_H = _H @ _H.T / 4 + 0.5 * np.eye(4)
_quad_grad = lambda v: _H @ v
_quad_f = lambda v: float(0.5 * v @ _H @ v)
_rosen_grad = lambda v: np.array([-2 * (1 - v[0]) - 400 * v[0] * (v[1] - v[0] ** 2), 200 * (v[1] - v[0] ** 2)])
_rosen_f = lambda v: float((1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2)
check_against_reference(
    "gradient_descent", gradient_descent, "solutions.gd:gradient_descent",
    [Case("quadratic in 4-D, fixed budget", (_quad_grad, _rng.normal(size=4), 0.1, 25)),
     Case("quadratic in 4-D, tol_x", (_quad_grad, _rng.normal(size=4), 0.2, 500), {"tol_x": 1e-4, "return_reason": True}),
     Case("quadratic in 4-D, tol_f", (_quad_grad, _rng.normal(size=4), 0.2, 500), {"tol_f": 1e-6, "f": _quad_f, "return_reason": True}),
     Case("Rosenbrock, both tolerances", (_rosen_grad, np.array([-1.2, 1.0]), 1e-3, 300), {"tol_f": 1e-9, "tol_x": 1e-7, "f": _rosen_f, "return_reason": True}),
     Case("both tolerances hold at the same update", (_quad_grad, _rng.normal(size=4), 0.01, 100), {"tol_f": 10.0, "tol_x": 10.0, "f": _quad_f, "return_reason": True}),
     Case("budget runs out before the tolerance", (_quad_grad, _rng.normal(size=4), 0.01, 5), {"tol_x": 1e-12, "return_reason": True}),
     Case("divergence", (_quad_grad, _rng.normal(size=4), 50.0, 2000), {"return_reason": True}),
     Case("scalar start", (lambda v: 4 * v**3 + 1, 1.0, 0.2, 10)),
     Case("zero steps", (_quad_grad, _rng.normal(size=4), 0.1, 0), {"return_reason": True}),
     Case("f given but tol_f not", (_quad_grad, _rng.normal(size=4), 0.1, 7), {"f": _quad_f})],
    check_mutation=False)
def _keeps_x0():
    x0 = _rng.normal(size=4)
    copy = x0.copy()
    gradient_descent(_quad_grad, x0, 0.1, 5)
    return np.array_equal(x0, copy)
check_that("gradient_descent", _keeps_x0, "x0 left unchanged")
### END HIDDEN TESTS

# %% [markdown]
# The three rules on the lecture's function, now with the exact derivative $f'(x)=4x^3+1$:

# %%
runs = {"max_steps=100": {}, "tol_f=1e-10": {"tol_f": 1e-10, "f": lambda v: float(quartic(v[0]))}, "tol_x=1e-6": {"tol_x": 1e-6}}
for label, options in runs.items():
    traj, reason = gradient_descent(quartic_grad, 1.0, 0.2, 100, return_reason=True, **options)
    print(f"{label:>14}: stopped by {reason:>9} after {len(traj) - 1:3d} updates, |x - x*| = {abs(traj[-1, 0] - x_star):.1e}")
traj, reason = gradient_descent(quartic_grad, 1.0, 0.001, 100, tol_x=1e-2, return_reason=True)
print(f"\nlr=0.001, tol_x=1e-2: stopped by {reason} after {len(traj) - 1} update(s) at x = {traj[-1, 0]:.3f},"
      f" far from x* = {x_star:.3f}")

# %% [markdown]
# The last line is a trap worth remembering: $\lVert\mathbf w_{t+1}-\mathbf w_t\rVert = \text{lr}
# \cdot\lVert\nabla L\rVert$, so with a small learning rate "the weights stopped changing" can
# hold long before the gradient is small. Tolerances only mean something relative to the
# learning rate and to the scale of the loss. In deep learning, with noisy minibatch
# gradients (lesson 08), the usual rule is simply a budget of epochs, plus early stopping on a
# validation metric.
#
# ## 3. Choosing the learning rate
#
# Too small a learning rate needs many updates; a well chosen one reaches the minimum quickly;
# too large a one makes drastic updates that overshoot and diverge. Near the minimum the
# reason is visible in one line: with $f(x)\approx f(x^*)+\frac12 f''(x^*)(x-x^*)^2$,
#
# $$x_{t+1}-x^* = x_t - x^* - \gamma f''(x^*)(x_t-x^*) = \bigl(1-\gamma f''(x^*)\bigr)(x_t-x^*),$$
#
# so the error shrinks by the factor $|1-\gamma f''(x^*)|$ per step: it converges when
# $0<\gamma<2/f''(x^*)$, fastest at $\gamma=1/f''(x^*)$, and overshoots (changes sign) when
# $\gamma>1/f''(x^*)$. Far from the minimum the curvature is different, so a rate that is safe
# near $x^*$ can still blow up from a bad start.

# %%
curvature_at_min = 12 * x_star**2  # f''(x) = 12 x^2
print(f"f''(x*) = 12 x*^2 = {curvature_at_min:.3f}: fastest lr = 1/f''(x*) = {1 / curvature_at_min:.3f}, "
      f"divergence near x* beyond 2/f''(x*) = {2 / curvature_at_min:.3f}")
print(f"at the start x0 = 1 the curvature is f''(1) = 12: 2/f''(1) = {2 / 12:.3f}")

learning_rates = {"too small": 0.02, "just right": 0.2, "too large": 0.45}
fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), layout="constrained")
lr_runs = {}
for ax, (label, lr) in zip(axes, learning_rates.items(), strict=False):
    traj, reason = gradient_descent(quartic_grad, 1.0, lr, 40, return_reason=True)
    lr_runs[label] = (lr, traj[:, 0], reason)
    grid = np.linspace(-2.2, 2.2, 300)
    ax.plot(grid, quartic(grid), color="gray")
    shown = traj[np.abs(traj[:, 0]) < 2.2, 0]
    ax.plot(shown, quartic(shown), "o-", color=GD_COLOR, ms=4)
    ax.axvline(x_star, color="k", ls=":", lw=1)
    ax.set_ylim(0, 25)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.set_title(f"{label}: lr = {lr}\nstopped by {reason} after {len(traj) - 1} steps", fontsize=10)
fig.suptitle("Gradient descent on $x^4+x+2$ from $x_0=1$ with three learning rates")
plt.show()

for label, (lr, xs_run, reason) in lr_runs.items():
    close = np.flatnonzero(np.abs(xs_run - x_star) < 1e-6)
    outcome = f"|x - x*| < 1e-6 from step {close[0]}" if close.size else f"not within 1e-6 after {len(xs_run) - 1} steps"
    print(f"{label:>10} (lr = {lr}): {outcome}; stopped by {reason}; last x = {xs_run[-1]:.4g}")

# %% [markdown]
# How many steps does it take to get within $10^{-6}$ of $x^*$, as a function of the learning rate?

# %%
sweep_lrs = np.logspace(np.log10(0.005), np.log10(0.5), pick(60, 30))
steps_needed = []
for lr in sweep_lrs:
    traj = gradient_descent(quartic_grad, 1.0, lr, pick(5000, 2000))
    close = np.flatnonzero(np.abs(traj[:, 0] - x_star) < 1e-6)
    steps_needed.append(close[0] if close.size else np.nan)
steps_needed = np.array(steps_needed, dtype=float)
fastest = sweep_lrs[np.nanargmin(steps_needed)]
first_failure = sweep_lrs[np.isnan(steps_needed)].min() if np.isnan(steps_needed).any() else None

fig, ax = plt.subplots(figsize=(8, 4.2))
ax.loglog(sweep_lrs, steps_needed, "o-", ms=3, label="steps to reach |x - x*| < 1e-6")
ax.axvline(1 / curvature_at_min, color="green", ls="--", lw=1, label=r"$1/f''(x^*)$")
ax.axvline(2 / curvature_at_min, color="red", ls="--", lw=1, label=r"$2/f''(x^*)$")
ax.set_xlabel("learning rate")
ax.set_ylabel("steps (log scale)")
ax.set_title("Steps to converge against learning rate on $x^4+x+2$ (missing = never)")
ax.legend(fontsize=8)
plt.show()
print(f"fastest learning rate in the sweep: {fastest:.3f} ({int(np.nanmin(steps_needed))} steps); "
      f"1/f''(x*) = {1 / curvature_at_min:.3f}")
if first_failure is not None:
    print(f"smallest learning rate in the sweep that never gets there: {first_failure:.3f}")

# %% [markdown]
# Below the best rate the number of steps grows like $1/\gamma$ (a line of slope $-1$ on the log-log
# plot); above it the iterates overshoot and zig-zag around $x^*$, and past a threshold the run
# never arrives. The practical recipe from the lecture: start with a large learning rate and
# decrease it until training is stable (lesson 07 schedules the decrease).

# %% [markdown]
# ### Written question (3 points, graded by hand): which learning rates fail on $x^4+x+2$, and why
#
# Use the printed values and the sweep plot above.
#
# (a) From which learning rate on does gradient descent from $x_0=1$ never get within $10^{-6}$ of
# $x^*$? Compare that rate with $2/f''(x^*)$ and explain the agreement with the factor
# $|1-\gamma f''(x^*)|$.
#
# (b) The "too large" run does not merely oscillate around $x^*$: it blows up. Why does a run on
# $x^4+x+2$, once it overshoots, run away faster and faster? (Hint: how does one step change $x$
# when $|x|$ is large?)
#
# Write your answer in the cell below (a few sentences; formulas in `$...$` are welcome).

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_divergent_lr", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# **Model answer.** (a) The first failing rate in the sweep sits next to $2/f''(x^*)$ (printed above; with
# $x^*=-(1/4)^{1/3}$, $f''(x^*)=12x^{*2}$). Near $x^*$ the error is multiplied by
# $1-\gamma f''(x^*)$ at every step: below $1/f''(x^*)$ it shrinks monotonically, between
# $1/f''(x^*)$ and $2/f''(x^*)$ it alternates in sign but shrinks, beyond $2/f''(x^*)$ its size
# grows, so the iterates are pushed away from $x^*$ however close they start.
#
# (b) Away from the minimum the gradient $4x^3+1$ grows like $|x|^3$, so a step moves $x$ by about
# $4\gamma|x|^3$: once $|x|$ exceeds about $1/\sqrt{2\gamma}$ the step overshoots to the other side
# with a larger $|x|$, and the next $|x|$ is roughly $4\gamma|x|^3$. The growth is faster than
# geometric (the curvature $12x^2$ grows too), so the run overflows within a few steps, which is
# what the stopping reason of the "too large" run reports.
#
# **Rubric (3 points).**
# - 1 point: reads the threshold off the sweep and relates it to $2/f''(x^*)$ (the value printed
#   in the notebook, not a guessed one).
# - 1 point: the local argument: the error factor $|1-\gamma f''(x^*)|$ exceeds 1.
# - 1 point: the global argument: the cubic gradient (growing curvature) makes each overshoot
#   larger than the last, so the run diverges instead of oscillating with a fixed amplitude.
# ### END SOLUTION

# %% [markdown]
# ## 4. Gradient descent in two dimensions
#
# The lecture's second example: minimise
#
# $$f(\mathbf x)=0.06x_1^2+0.25x_2^2-0.04x_1x_2$$
#
# from $\mathbf x^{(0)}=(-5,-7.5)$ with $\gamma=0.5$, forward differences with $h=0.001$, 40
# steps. Its minimum is $\mathbf x^*=(0,0)$. Your `gd_table` does it with an array start.

# %%
def lecture_quadratic(v):
    """The lecture's f(x) = 0.06 x1^2 + 0.25 x2^2 - 0.04 x1 x2; v: (2,) or (2, ...) -> float or array."""
    return 0.06 * v[0] ** 2 + 0.25 * v[1] ** 2 - 0.04 * v[0] * v[1]


table_2d = gd_table(lecture_quadratic, np.array([-5.0, -7.5]), 0.5, 40, h=1e-3)
seed_2d = {0: (-5.00, -7.50, 14.12, -0.32, -3.54), 1: (-4.84, -5.73, 8.55, -0.38, -2.67),
           40: (-0.45, -0.05, 0.01, -0.06, -0.01)}
lines = ["| t | x₁ | x₂ | f(x) | ∂f/∂x₁ | ∂f/∂x₂ | the lecture prints |", "|---|---|---|---|---|---|---|"]
for t, x, fx, g in table_2d:
    if t in (0, 1, 2, 3, 5, 10, 20, 30, 40):
        seed = ", ".join(f"{v:.2f}" for v in seed_2d[t]) if t in seed_2d else ""
        lines.append(f"| {t} | {x[0]:.2f} | {x[1]:.2f} | {fx:.2f} | {g[0]:.2f} | {g[1]:.2f} | {seed} |")
display(Markdown("\n".join(lines)))
x_40 = table_2d[40][1]
print(f"f(x0) by hand: 0.06*25 + 0.25*56.25 - 0.04*37.5 = {0.06 * 25 + 0.25 * 56.25 - 0.04 * 37.5}")
print(f"computed: f(x0) = {table_2d[0][2]:.4f}, x1 = {np.round(table_2d[1][1], 3)}, x40 = {np.round(x_40, 3)}, "
      f"f(x40) = {table_2d[40][2]:.4f}")

# %% [markdown]
# **The lecture's printed numbers do not follow from its stated function.** Its row 0 prints
# $f(\mathbf x_0)=14.12$ and a gradient $(-0.32,-3.54)$, but the slide's own substitution
# $0.06\cdot 25+0.25\cdot 56.25-0.04\cdot 37.5$ equals $14.0625$ (printed by the cell above), and
# the forward differences are the ones in the table. From there on the errors carry through:
# the lecture reaches about $(-0.45,-0.05)$ at $t=40$, the honest computation the value printed
# above. Whatever produced the slide's numbers (perhaps different coefficients), the conclusion is
# the same: after 40 steps $x_2$ is almost at its optimum, while $x_1$ is still far from 0.
#
# Why? The function is a quadratic $f(\mathbf x)=\frac12\mathbf x^\top H\mathbf x$ with the constant
# Hessian $H=\begin{pmatrix}0.12&-0.04\\-0.04&0.5\end{pmatrix}$. Along each eigenvector of $H$,
# gradient descent multiplies the error by $1-\gamma\lambda_i$ per step (the 1-D argument of
# section 3, once per direction):

# %%
H_lecture = np.array([[0.12, -0.04], [-0.04, 0.5]])
eigenvalues, eigenvectors = np.linalg.eigh(H_lecture)
for lam, vec in zip(eigenvalues, eigenvectors.T, strict=False):
    factor = abs(1 - 0.5 * lam)
    print(f"eigenvalue {lam:.4f} along {np.round(vec, 3)}: factor |1 - 0.5*λ| = {factor:.4f}, after 40 steps {factor**40:.2e}")
print(f"condition number λ_max/λ_min = {eigenvalues[-1] / eigenvalues[0]:.2f}")

# %% [markdown]
# The flat direction (small eigenvalue, nearly the $x_1$ axis) keeps about a tenth of its error
# after 40 steps, the steep one practically none. A larger learning rate would help the flat
# direction but the steep direction diverges beyond $\gamma=2/\lambda_\text{max}$. This tension,
# measured by the **condition number** $\lambda_\text{max}/\lambda_\text{min}$, is what momentum
# (lesson 04) and adaptive methods (lesson 05) address.

# %%
path_2d = np.array([row[1] for row in table_2d])
loss_2d = np.array([row[2] for row in table_2d])
g1, g2 = np.meshgrid(np.linspace(-8, 8, 200), np.linspace(-8, 8, 200))
fig, (ax_map, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.8))
contours = ax_map.contour(g1, g2, lecture_quadratic(np.array([g1, g2])), levels=np.geomspace(0.01, 30, 15), cmap="viridis")
ax_map.clabel(contours, contours.levels[::3], fontsize=7, fmt="%.2g")
ax_map.plot(path_2d[:, 0], path_2d[:, 1], "o-", color=GD_COLOR, ms=3, label=r"GD, $\gamma=0.5$, 40 steps")
ax_map.plot(0, 0, "k*", ms=12, label="minimum (0, 0)")
ax_map.set_aspect("equal")
ax_map.set_xlabel("$x_1$")
ax_map.set_ylabel("$x_2$")
ax_map.set_title("GD path on $0.06x_1^2+0.25x_2^2-0.04x_1x_2$")
ax_map.legend(fontsize=8)
ax_loss.semilogy(loss_2d, "o-", color=GD_COLOR, ms=3)
ax_loss.set_xlabel("step t")
ax_loss.set_ylabel("f(x_t) (log scale)")
ax_loss.set_title("Loss against step")
plt.show()

# %% [markdown]
# ## 5. Newton's method
#
# Gradient descent uses only the slope. Newton's method also uses the curvature. Let
# $\mathbf w^*$ be a minimum, so $\nabla L(\mathbf w^*)=\mathbf 0$, and expand the gradient around the
# current $\mathbf w$:
#
# $$\mathbf 0=\nabla L(\mathbf w^*) = \nabla L(\mathbf w) + \nabla^2 L(\mathbf w)(\mathbf w^*-\mathbf w)
#   + o(\lVert\mathbf w^*-\mathbf w\rVert).$$
#
# Dropping the remainder and solving for $\mathbf w^*$ gives the update
#
# $$\mathbf w_{t+1} := \mathbf w_t - \bigl[\nabla^2 L(\mathbf w_t)\bigr]^{-1}\nabla L(\mathbf w_t),$$
#
# a gradient step transformed by the inverse Hessian. It minimises the local quadratic
# approximation of $L$, so **on a quadratic it lands on the minimum in one step**, whatever the
# condition number. In code, never form the inverse: solve the linear system
# $\nabla^2L(\mathbf w_t)\,\mathbf d=\nabla L(\mathbf w_t)$ (`np.linalg.solve`), which is cheaper and
# more accurate, and step $\mathbf w_{t+1}=\mathbf w_t-\mathbf d$.
#
# ### Exercise 3 (2 points): `newton_step`
#
# If the Hessian is singular (`np.linalg.solve` raises `np.linalg.LinAlgError`), raise a
# `ValueError` that says so.

# %% nbgrader={"grade": false, "grade_id": "ex_newton_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def newton_step(grad, hess, x):
    """One Newton step x - H(x)^{-1} grad(x), computed by solving H d = grad(x).

    Args:
        grad: function (D,) array -> (D,) gradient.
        hess: function (D,) array -> (D, D) Hessian (for D = 1 it may return a number).
        x: float or (D,) array, the current point (a float counts as D = 1); not modified.

    Returns:
        (D,) float array, the next point (shape (1,) for a float x).

    Raises:
        ValueError: if the Hessian at x is singular.
    """
    x = as_vector(x, name="x")
    ### BEGIN SOLUTION
    g = np.asarray(grad(x), dtype=np.float64).reshape(x.shape)
    H = np.asarray(hess(x), dtype=np.float64).reshape(x.size, x.size)
    try:
        direction = np.linalg.solve(H, g)
    except np.linalg.LinAlgError as error:
        raise ValueError("hess(x) is singular at this x: Newton's step is undefined") from error
    return x - direction
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_newton_step", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# The lecture's quadratic: gradient H x, Hessian H; one step from anywhere lands on (0, 0).
H_test = np.array([[0.12, -0.04], [-0.04, 0.5]])
x_test = np.array([-5.0, -7.5])
assert_close(newton_step(lambda v: H_test @ v, lambda v: H_test, x_test), [0.0, 0.0], "one Newton step on the quadratic", atol=1e-12)
assert_unchanged(np.array([-5.0, -7.5]), x_test, "x")
# A shifted quadratic (x1 - 1)^2 + 2 (x2 + 3)^2: gradient (2(x1 - 1), 4(x2 + 3)), Hessian diag(2, 4); minimum (1, -3).
assert_close(newton_step(lambda v: np.array([2 * (v[0] - 1), 4 * (v[1] + 3)]), lambda v: np.diag([2.0, 4.0]), np.array([10.0, 10.0])),
             [1.0, -3.0], "one Newton step on a shifted quadratic")
# x^4 + x + 2 at x = -1: f' = -3, f'' = 12, so x - f'/f'' = -1 + 0.25 = -0.75.
assert_close(newton_step(lambda v: 4 * v**3 + 1, lambda v: 12 * v**2, -1.0), [-0.75], "Newton step on x^4 + x + 2 from -1")
assert_raises(ValueError, lambda: newton_step(lambda v: v, lambda v: np.zeros((2, 2)), np.array([1.0, 2.0])),
              "newton_step with a singular Hessian")
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, check_that
_rng = np.random.default_rng(203)
_M = _rng.normal(size=(5, 5))
_M = _M @ _M.T + np.eye(5)
_b = _rng.normal(size=5)
_rosen_g = lambda v: np.array([-2 * (1 - v[0]) - 400 * v[0] * (v[1] - v[0] ** 2), 200 * (v[1] - v[0] ** 2)])
_rosen_h = lambda v: np.array([[2 - 400 * v[1] + 1200 * v[0] ** 2, -400 * v[0]], [-400 * v[0], 200.0]])
check_against_reference(
    "newton_step", newton_step, "solutions.gd:newton_step",
    [Case("5-D quadratic with a linear term", (lambda v: _M @ v - _b, lambda v: _M, _rng.normal(size=5))),
     Case("Rosenbrock at a random point", (_rosen_g, _rosen_h, _rng.uniform(-1.5, 1.5, size=2))),
     Case("indefinite Hessian (saddle)", (lambda v: np.array([2 * v[0], -2 * v[1]]), lambda v: np.diag([2.0, -2.0]), _rng.normal(size=2))),
     Case("scalar point, Hessian as a number", (lambda v: np.exp(v) - 2, lambda v: float(np.exp(v[0])), float(_rng.normal()))),
     Case("one-element array", (lambda v: 4 * v**3 + 1, lambda v: np.array([[12 * v[0] ** 2]]), np.array([1.3]))),
     Case("point given as a list", (lambda v: _M[:2, :2] @ v, lambda v: _M[:2, :2], [0.4, -2.0]))],
    check_mutation=False)
def _keeps_x():
    x = _rng.normal(size=5)
    copy = x.copy()
    newton_step(lambda v: _M @ v, lambda v: _M, x)
    return np.array_equal(x, copy)
check_that("newton_step", _keeps_x, "x left unchanged")
### END HIDDEN TESTS

# %% [markdown]
# One step on the lecture's 2-D quadratic, from its start, compared with 40 steps of gradient
# descent; then Newton against gradient descent on $x^4+x+2$, where the Hessian changes from
# point to point:

# %%
x_newton = newton_step(lambda v: H_lecture @ v, lambda v: H_lecture, np.array([-5.0, -7.5]))
print(f"one Newton step from (-5, -7.5): {x_newton}, f = {lecture_quadratic(x_newton):.2e}; "
      f"40 GD steps: {np.round(x_40, 3)}, f = {lecture_quadratic(x_40):.2e}")

x_n, x_g = 1.0, 1.0
print(f"\nfrom x0 = 1:\n{'t':>2} | {'Newton x':>9} {'|x - x*|':>9} | {'GD (lr 0.2) x':>13} {'|x - x*|':>9}")
for t in range(13):
    print(f"{t:>2} | {x_n:9.5f} {abs(x_n - x_star):9.1e} | {x_g:13.5f} {abs(x_g - x_star):9.1e}")
    x_n = float(newton_step(quartic_grad, lambda v: 12 * v**2, x_n)[0])
    x_g = x_g - 0.2 * quartic_grad(x_g)

# %% [markdown]
# Look at the Newton column. From $x_0=1$ it first heads *away*: at $x\approx0.14$ the curvature
# $f''(x)=12x^2$ is nearly zero, the local quadratic model is almost flat, and its minimum is far
# away, near $x=-4$. Once it is close to $x^*$, though, its error is roughly squared at every step
# (the number of correct digits doubles: *quadratic* convergence), while gradient descent gains a
# constant factor per step (*linear* convergence). Newton's method is fast locally, not safe
# globally; practical versions add a line search or damping. Two more caveats:
#
# * Newton's step looks for a point where the gradient is zero, and a maximum or a saddle
#   qualifies. On the saddle $x_1^2-x_2^2$ one step from anywhere lands exactly on the saddle
#   point $(0,0)$, which is not a minimum. In deep learning, saddles are everywhere.
# * **Cost.** The Hessian of $D$ parameters has $D^2$ entries. `np.linalg.solve` uses an LU
#   factorisation, about $2D^3/3$ floating-point operations; a Cholesky factorisation, for a
#   symmetric positive definite Hessian, halves it to about $D^3/3$. For the smallest model of
#   this course, softmax regression on CIFAR-10:

# %%
x_saddle = newton_step(lambda v: np.array([2 * v[0], -2 * v[1]]), lambda v: np.diag([2.0, -2.0]), np.array([0.7, -1.1]))
print(f"Newton on the saddle x1^2 - x2^2 from (0.7, -1.1): {x_saddle}")

D_softmax = 10 * 3072 + 10
n_solve = pick(2000, 500)
rng = np.random.default_rng(0)
M_solve = rng.standard_normal((n_solve, n_solve))
M_solve = M_solve @ M_solve.T + n_solve * np.eye(n_solve)
rhs = rng.standard_normal(n_solve)
solve_times = []
for _ in range(3):
    start = time.perf_counter()
    np.linalg.solve(M_solve, rhs)
    solve_times.append(time.perf_counter() - start)
t_solve = min(solve_times)
t_full = t_solve * (D_softmax / n_solve) ** 3
print(f"D = K*D_pixels + K = {D_softmax:,} parameters")
print(f"Hessian: {D_softmax**2:,} entries = {8 * D_softmax**2 / 1e9:.1f} GB in float64")
print(f"solving one {n_solve}x{n_solve} system: {t_solve * 1e3:.1f} ms ({2 * n_solve**3 / 3 / t_solve / 1e9:.1f} GFLOP/s "
      f"at 2n^3/3 operations); scaled by (D/{n_solve})^3: {t_full / 60:.0f} min per Newton step on this machine "
      f"({2 * D_softmax**3 / 3:.1e} operations, plus building the Hessian)")

# %% [markdown]
# For a network with millions of parameters the Hessian does not even fit in memory. This is why
# deep learning uses first-order methods. For small and medium models there are approximations:
# a diagonal Hessian, or **quasi-Newton** methods. **BFGS** builds an approximation of the
# inverse Hessian from the differences of successive iterates and gradients,
# $\mathbf s_t=\mathbf w_{t+1}-\mathbf w_t$ and $\mathbf y_t=\nabla L_{t+1}-\nabla L_t$ (still
# $D^2$ memory); **L-BFGS** ("limited memory") keeps only the last $m$ pairs and applies the
# approximation implicitly in $O(mD)$ memory and time. PyTorch has it as `torch.optim.LBFGS`
# (default `history_size=100`); it wants full-batch, noise-free gradients and a line search, so it
# suits small deterministic problems, not minibatch training.
#
# ## 6. Sign-gradient descent
#
# A cruder idea from the lecture (seed 002): keep only the **sign** of each gradient coordinate,
#
# $$\Delta\boldsymbol\theta = \eta\cdot\operatorname{sign}\bigl(\nabla_{\boldsymbol\theta} J(\boldsymbol\theta)\bigr),
# \qquad \boldsymbol\theta := \boldsymbol\theta-\Delta\boldsymbol\theta .$$
#
# Every coordinate moves by exactly $\eta$ (or not at all where the gradient is exactly 0), however
# steep or flat the loss is along it. Flat directions are no longer slow, but the method cannot
# settle: with a fixed $\eta$ it ends up hopping around the minimum at distance $\sim\eta$.
# Scaling each coordinate by its own gradient size is also what adaptive methods do (Adam's step
# $\hat m/\sqrt{\hat v}$ is close to $\operatorname{sign}(\nabla J)$ when gradients are consistent;
# lesson 05).
#
# ### Exercise 4 (1 point): `sign_gd_step`

# %%
def check_same_shape(x, g):
    """Raise ValueError unless x and g have the same shape."""
    if np.shape(x) != np.shape(g):
        raise ValueError(f"x and g must have the same shape, got {np.shape(x)} and {np.shape(g)}")


# %% nbgrader={"grade": false, "grade_id": "ex_sign_gd_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sign_gd_step(x, g, lr):
    """One sign-gradient descent step x - lr * sign(g).

    Args:
        x: array (any shape), the parameters; not modified.
        g: array shaped like x, the gradient at x.
        lr: learning rate (eta) > 0.

    Returns:
        new float array shaped like x; entries with g == 0 do not move.
    """
    check_same_shape(x, g)
    check_lr(lr)
    ### BEGIN SOLUTION
    return np.asarray(x, dtype=np.float64) - lr * np.sign(np.asarray(g, dtype=np.float64))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sign_gd_step", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
x_test = np.array([1.0, 2.0, 3.0])
g_test = np.array([0.5, -2.0, 0.0])
assert_close(sign_gd_step(x_test, g_test, 0.1), [0.9, 2.1, 3.0], "sign_gd_step([1, 2, 3], [0.5, -2, 0], 0.1)")
assert_unchanged(np.array([1.0, 2.0, 3.0]), x_test, "x")
assert_unchanged(np.array([0.5, -2.0, 0.0]), g_test, "g")
# The size of the gradient does not matter, only its sign.
assert_close(sign_gd_step(np.zeros((2, 2)), np.array([[1e-9, -1e9], [3.0, -0.1]]), 0.5), [[-0.5, 0.5], [-0.5, 0.5]],
             "sign_gd_step on a matrix")
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference
_rng = np.random.default_rng(204)
_g = _rng.normal(size=(3, 4))
_g[0, 1] = 0.0
check_against_reference(
    "sign_gd_step", sign_gd_step, "solutions.gd:sign_gd_step",
    [Case("vector", (_rng.normal(size=6), _rng.normal(size=6), 0.01)),
     Case("matrix with a zero gradient entry", (_rng.normal(size=(3, 4)), _g, 0.3)),
     Case("tiny gradients", (_rng.normal(size=5), 1e-12 * _rng.normal(size=5), 1.0)),
     Case("three-dimensional", (_rng.normal(size=(2, 2, 3)), _rng.normal(size=(2, 2, 3)), 0.05)),
     Case("integer arrays", (np.array([1, 2, 3]), np.array([-4, 0, 5]), 0.5)),
     Case("scalars", (np.float64(2.0), np.float64(-3.0), 0.25))])
### END HIDDEN TESTS

# %% [markdown]
# Gradient descent ($\gamma=0.5$) and sign-gradient descent ($\eta=0.2$) on the lecture's
# quadratic, 60 steps each, with the exact gradient $H\mathbf x$:

# %%
n_race = 60
path_gd = gradient_descent(lambda v: H_lecture @ v, np.array([-5.0, -7.5]), 0.5, n_race)
path_sign = [np.array([-5.0, -7.5])]
for _ in range(n_race):
    path_sign.append(sign_gd_step(path_sign[-1], H_lecture @ path_sign[-1], 0.2))
path_sign = np.array(path_sign)
dist_gd = np.linalg.norm(path_gd, axis=1)
dist_sign = np.linalg.norm(path_sign, axis=1)

fig, (ax_map, ax_dist) = plt.subplots(1, 2, figsize=(12, 4.8))
ax_map.contour(g1, g2, lecture_quadratic(np.array([g1, g2])), levels=np.geomspace(0.01, 30, 15), cmap="viridis")
ax_map.plot(path_gd[:, 0], path_gd[:, 1], "o-", ms=3, color=GD_COLOR, label=r"GD, $\gamma=0.5$")
ax_map.plot(path_sign[:, 0], path_sign[:, 1], "s-", ms=3, color=SIGN_GD_COLOR, label=r"sign GD, $\eta=0.2$")
ax_map.plot(0, 0, "k*", ms=12, label="minimum")
ax_map.set_aspect("equal")
ax_map.set_xlabel("$x_1$")
ax_map.set_ylabel("$x_2$")
ax_map.set_title("GD and sign-GD paths on the lecture's quadratic")
ax_map.legend(fontsize=8)
ax_dist.semilogy(dist_gd, color=GD_COLOR, label="GD")
ax_dist.semilogy(dist_sign, color=SIGN_GD_COLOR, label="sign GD")
ax_dist.set_xlabel("step t")
ax_dist.set_ylabel(r"distance to the minimum $\|x_t\|$ (log scale)")
ax_dist.set_title("Distance to the minimum against step")
ax_dist.legend(fontsize=8)
plt.show()
first_within_1 = {name: int(np.argmax(d < 1.0)) for name, d in (("GD", dist_gd), ("sign GD", dist_sign))}
print(f"first step within distance 1 of the minimum: GD {first_within_1['GD']}, sign GD {first_within_1['sign GD']}")
print(f"distance after {n_race} steps: GD {dist_gd[-1]:.2e}, sign GD {dist_sign[-1]:.2e} "
      f"(sign GD over the last 10 steps: between {dist_sign[-10:].min():.3f} and {dist_sign[-10:].max():.3f})")

# %% [markdown]
# Sign-GD walks diagonally at a constant speed $\eta\sqrt2$ until one coordinate reaches its
# optimum, then along the other axis, and finally hops around the minimum without getting closer:
# its fixed step size is the whole story. Gradient descent slows down as the gradient shrinks and
# keeps converging, slowly along the flat direction. A decaying step size $\eta_t$ would let
# sign-GD converge too; lesson 07 covers schedules.
#
# ## Summary
#
# * Gradient descent: $\mathbf w_{t+1}=\mathbf w_t-\gamma\nabla L(\mathbf w_t)$; the step shrinks with
#   the gradient. The lecture's $x^4+x+2$ table is reproduced to every printed digit.
# * Stop on a small loss change, a small step, a step budget, or divergence; a small step may
#   only mean a small learning rate.
# * The learning rate must stay below $2/\lambda_\text{max}$ (the largest curvature); the flat
#   directions then converge at a rate set by $\gamma\lambda_\text{min}$: ill-conditioning makes GD
#   slow.
# * Newton's method solves a quadratic in one step and converges quadratically near a minimum,
#   but needs the $D\times D$ Hessian, is attracted to saddles, and is unaffordable for networks;
#   BFGS and L-BFGS approximate it.
# * Sign-GD moves every coordinate by $\eta$: insensitive to scale, but it does not settle with a
#   fixed $\eta$.
#
# ## Live lecture
#
# **The GD stepper.** Gradient descent on $x^4+x+2$ with the forward difference as the
# derivative, one click at a time, with the lecture's table underneath. Six clicks reproduce the
# table above. Try: `lr` just below and just above $2/f''(x^*)$ (printed in section 3) starting
# near the minimum; `lr` ≈ 0.45 (the slider's grid offers 0.447) from $x_0=1$ (divergence); `x0 = -1.5` (a start on the steep
# side); a large `h`, which biases the derivative (lesson 01).

# %%
from course.widgets import GDStepper

stepper = GDStepper(derivative=forward_difference)  # x^4 + x + 2, lr = 0.2, h = 1e-3, x0 = 1
stepper.step(6)
print("widget after 6 steps: x_6 = {:.3f}, f = {:.3f}, df/dx = {:.3f}".format(*stepper.rows[-1][1:]))
print("the lecture's row 6:   x_6 = {:.3f}, f = {:.3f}, df/dx = {:.3f}".format(*seed_rows[6][1:]))
stepper

# %% [markdown]
# **The race.** Gradient descent against your sign-gradient descent on the lecture's quadratic
# (and, from the dropdown, on the other test functions of the course). Both are written as update
# rules `step(w, dw, state, **hparams) -> (w_next, state)`, the form every optimizer takes from
# lesson 04 on. Try: raise GD's `lr` towards $2/\lambda_\text{max}$ (printed in section 4) and beyond;
# shrink sign-GD's `lr` and watch the final hopping shrink with it; switch to the ill-conditioned
# quadratic and raise its condition number.

# %%
from course.landscapes import Landscape
from course.widgets import OptimizerRace


def gd_update(w, dw, state=None, lr=0.5):
    """Plain gradient descent as an update rule (state unused)."""
    return w - lr * dw, state


def sign_gd_update(w, dw, state=None, lr=0.2):
    """Your sign_gd_step as an update rule (state unused)."""
    return sign_gd_step(w, dw, lr), state


lecture_landscape = Landscape(
    name="lecture quadratic",
    f=lambda W: lecture_quadratic(np.moveaxis(np.asarray(W, dtype=float), -1, 0)),
    grad=lambda W: np.asarray(W, dtype=float) @ H_lecture,  # H is symmetric: (H w)^T = w^T H
    x0=np.array([-5.0, -7.5]), xlim=(-8.0, 8.0), ylim=(-8.0, 8.0),
    minima=np.zeros((1, 2)), f_min=0.0)
race = OptimizerRace({"GD": (gd_update, {"lr": 0.5}), "sign GD": (sign_gd_update, {"lr": 0.2})},
                     landscape=lecture_landscape, n_steps=60)
for name, path in race.trajectories.items():
    print(f"{name:>8}: {len(path) - 1} steps, final point {np.round(path[-1], 3)}")
race
