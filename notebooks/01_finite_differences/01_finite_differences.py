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
# # Lesson 01 — Finite differences and gradients
#
# Training a model means minimising a loss $L(\boldsymbol\theta)$ over its parameters
# $\boldsymbol\theta$. Every optimizer in this course needs one thing from the loss: its
# **gradient**, the vector of slopes that says which way the loss goes up. This lesson is about
# computing slopes and checking them:
#
# 1. the derivative as a limit, and three finite-difference approximations of it;
# 2. how their error depends on the step $h$ (truncation against round-off), and the best $h$;
# 3. partial derivatives and the numerical gradient of a function of an array;
# 4. **gradient checking**: comparing an analytic gradient with a numerical one;
# 5. why numerical gradients are far too expensive to *train* with;
# 6. the chain rule and reverse-mode differentiation (backpropagation) on a small graph;
# 7. why the negative gradient is the direction of steepest descent.
#
# **Exercises** (12 points): `forward_difference` (2), `backward_difference` (1),
# `central_difference` (2), `numerical_gradient` (3), `relative_error` (1), `gradient_check` (3).
# Write your code where it says `YOUR CODE HERE`, then run the test cell below it. The visible
# tests give you quick feedback; the grader runs more (hidden) tests on other inputs, so make
# your functions correct in general, not just for the visible cases.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from course.checks import assert_close, assert_unchanged
from course.config import pick
from course.widgets import use_palette

use_palette()  # Okabe–Ito colours (colour-blind safe) for every plot, as in the widgets

np.set_printoptions(precision=4, suppress=True)
EPS = np.finfo(np.float64).eps  # machine epsilon of float64, about 2.2e-16


# %% [markdown]
# The exercises share one input check, given here: a step $h$ must be a positive finite number.

# %%
def check_step(h):
    """Raise ValueError unless h is a positive finite number."""
    if not np.isfinite(h) or h <= 0:
        raise ValueError(f"h must be a positive finite step, got h={h!r}")


# %% [markdown]
# ## 1. The derivative as a limit
#
# For a function of one variable $f:\mathbb{R}\to\mathbb{R}$ the derivative at $x$ is the limit
#
# $$\frac{df(x)}{dx} = \lim_{h\to 0}\frac{f(x+h)-f(x)}{h}.$$
#
# It tells how much $f$ changes when $x$ is increased "a little": if $\frac{df}{dx}>0$, $f$
# grows with $x$; if it is negative, $f$ decreases. If we do not know the derivative in closed
# form (or do not want to derive it), we can stop before the limit and use a small but finite
# step $h$, e.g. $h = 0.001$. This is the **forward difference**
#
# $$\frac{df(x)}{dx} \approx \frac{f(x+h)-f(x)}{h}.$$
#
# *Example from the lecture.* For $f(x)=x^2$ we know $\frac{df}{dx}=2x$, so at $x=3$ the slope is
# $6$. With $h=0.001$:
# $\frac{f(3.001)-f(3)}{0.001} = \frac{9.006001-9}{0.001} = 6.001$.
#
# ### Exercise 1 (2 points): `forward_difference`

# %% nbgrader={"grade": false, "grade_id": "ex_forward_difference", "locked": false, "schema_version": 3, "solution": true, "task": false}
def forward_difference(f, x, h=1e-3):
    """Forward-difference approximation of df/dx at x.

    Args:
        f: function of one float returning a float.
        x: float, the point.
        h: float > 0, the step.

    Returns:
        float, (f(x + h) - f(x)) / h.
    """
    check_step(h)
    ### BEGIN SOLUTION
    return (f(x + h) - f(x)) / h
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_forward_difference", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# The lecture's example: f(x) = x**2 at x = 3 with h = 0.001 gives 6.001.
assert_close(forward_difference(lambda x: x**2, 3.0, 0.001), 6.001, "forward_difference(x**2, 3, 0.001)")
assert_close(forward_difference(lambda x: x**2, 3.0), 6.001, "forward_difference(x**2, 3) with the default h")
# By hand: ((1.1)**3 - 1**3) / 0.1 = (1.331 - 1) / 0.1 = 3.31.
assert_close(forward_difference(lambda x: x**3, 1.0, 0.1), 3.31, "forward_difference(x**3, 1, 0.1)")
# A straight line has the same slope everywhere, whatever h.
assert_close(forward_difference(lambda x: 5.0 * x - 2.0, -7.0, 0.25), 5.0, "slope of 5x - 2")
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference
_rng = np.random.default_rng(101)
# Scalar arguments cannot be mutated; mutation checks are for the array exercises below.
check_against_reference(
    "forward_difference", forward_difference, "solutions.finite_diff:forward_difference",
    [Case("cubic at a random point", (lambda x: x**3 - 2 * x, float(_rng.normal()))),
     Case("sine with the default step", (np.sin, float(_rng.uniform(-3, 3)))),
     Case("exponential with a tiny step", (np.exp, float(_rng.normal())), {"h": 1e-7}),
     Case("quartic with a large step", (lambda x: x**4 + x + 2, float(_rng.normal())), {"h": 0.5}),
     Case("cosine at zero", (np.cos, 0.0)),
     Case("step passed positionally", (np.tanh, float(_rng.normal()), 0.01))],
    check_mutation=False)
### END HIDDEN TESTS

# %% [markdown]
# The lecture's example, computed with your function (the exact slope is $2\cdot 3 = 6$):

# %%
seed_slope = forward_difference(lambda x: x**2, 3.0, 0.001)
print(f"forward difference of x^2 at x = 3 with h = 0.001: {seed_slope:.6f} (exact: {2 * 3})")
print(f"error: {seed_slope - 6:.3e}  (for x^2 the forward difference is exactly 2x + h)")

# %% [markdown]
# ## 2. Forward, backward and central differences
#
# Why is the error above exactly $h$? Expand $f$ around $x$ (Taylor):
#
# $$f(x\pm h) = f(x) \pm h f'(x) + \frac{h^2}{2}f''(x) \pm \frac{h^3}{6}f'''(x) + O(h^4).$$
#
# * **Forward difference**: $\dfrac{f(x+h)-f(x)}{h} = f'(x) + \dfrac{h}{2}f''(x) + O(h^2)$,
#   an error of order $O(h)$. For $x^2$, $\frac h2 f'' = h$.
# * **Backward difference**: $\dfrac{f(x)-f(x-h)}{h} = f'(x) - \dfrac{h}{2}f''(x) + O(h^2)$,
#   also $O(h)$, with the opposite sign.
# * **Central difference**: subtracting the two expansions cancels the even terms,
#   $\dfrac{f(x+h)-f(x-h)}{2h} = f'(x) + \dfrac{h^2}{6}f'''(x) + O(h^4)$: an error of order
#   $O(h^2)$. Halving $h$ divides the error by four instead of two, for the price of one more
#   evaluation of $f$ (the forward difference can reuse $f(x)$ across coordinates, see below).
#
# The error that comes from stopping the Taylor series is called the **truncation error**.
#
# ### Exercise 2 (1 point): `backward_difference`

# %% nbgrader={"grade": false, "grade_id": "ex_backward_difference", "locked": false, "schema_version": 3, "solution": true, "task": false}
def backward_difference(f, x, h=1e-3):
    """Backward-difference approximation of df/dx at x.

    Args:
        f: function of one float returning a float.
        x: float, the point.
        h: float > 0, the step.

    Returns:
        float, (f(x) - f(x - h)) / h.
    """
    check_step(h)
    ### BEGIN SOLUTION
    return (f(x) - f(x - h)) / h
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_backward_difference", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# By hand: (3**2 - 2.999**2) / 0.001 = (9 - 8.994001) / 0.001 = 5.999.
assert_close(backward_difference(lambda x: x**2, 3.0, 0.001), 5.999, "backward_difference(x**2, 3, 0.001)")
assert_close(backward_difference(lambda x: x**2, 3.0), 5.999, "backward_difference(x**2, 3) with the default h")
# By hand: (1 - 0.9**3) / 0.1 = (1 - 0.729) / 0.1 = 2.71.
assert_close(backward_difference(lambda x: x**3, 1.0, 0.1), 2.71, "backward_difference(x**3, 1, 0.1)")
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference
_rng = np.random.default_rng(102)
check_against_reference(
    "backward_difference", backward_difference, "solutions.finite_diff:backward_difference",
    [Case("cubic at a random point", (lambda x: x**3 - 2 * x, float(_rng.normal()))),
     Case("sine with the default step", (np.sin, float(_rng.uniform(-3, 3)))),
     Case("exponential with a tiny step", (np.exp, float(_rng.normal())), {"h": 1e-7}),
     Case("quartic with a large step", (lambda x: x**4 + x + 2, float(_rng.normal())), {"h": 0.5}),
     Case("step passed positionally", (np.tanh, float(_rng.normal()), 0.01))],
    check_mutation=False)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 (2 points): `central_difference`
#
# Its default step is smaller, $h=10^{-5}$; section 3 shows why.

# %% nbgrader={"grade": false, "grade_id": "ex_central_difference", "locked": false, "schema_version": 3, "solution": true, "task": false}
def central_difference(f, x, h=1e-5):
    """Central-difference approximation of df/dx at x.

    Args:
        f: function of one float returning a float.
        x: float, the point.
        h: float > 0, the step.

    Returns:
        float, (f(x + h) - f(x - h)) / (2 h).
    """
    check_step(h)
    ### BEGIN SOLUTION
    return (f(x + h) - f(x - h)) / (2 * h)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_central_difference", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# By hand: (3.001**2 - 2.999**2) / 0.002 = (9.006001 - 8.994001) / 0.002 = 6: exact for a parabola.
assert_close(central_difference(lambda x: x**2, 3.0, 0.001), 6.0, "central_difference(x**2, 3, 0.001)")
# By hand: (1.1**3 - 0.9**3) / 0.2 = (1.331 - 0.729) / 0.2 = 3.01; the exact slope is 3.
assert_close(central_difference(lambda x: x**3, 1.0, 0.1), 3.01, "central_difference(x**3, 1, 0.1)")
# With the default h = 1e-5 the slope of sin at 0 is cos(0) = 1 up to h**2/6 ~ 2e-11.
assert_close(central_difference(np.sin, 0.0), 1.0, "central_difference(sin, 0)", rtol=1e-9)
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference
_rng = np.random.default_rng(103)
check_against_reference(
    "central_difference", central_difference, "solutions.finite_diff:central_difference",
    [Case("cubic at a random point", (lambda x: x**3 - 2 * x, float(_rng.normal()))),
     Case("sine with the default step", (np.sin, float(_rng.uniform(-3, 3)))),
     Case("exponential with a tiny step", (np.exp, float(_rng.normal())), {"h": 1e-8}),
     Case("quartic with a large step", (lambda x: x**4 + x + 2, float(_rng.normal())), {"h": 0.5}),
     Case("step passed positionally", (np.tanh, float(_rng.normal()), 0.01))],
    check_mutation=False)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Error against $h$: truncation meets round-off
#
# The Taylor argument says "smaller $h$, smaller error". That is only half the story: the
# computer stores $f(x+h)$ and $f(x)$ with a relative error of about the machine epsilon
# $\varepsilon \approx 2.2\cdot 10^{-16}$ (float64). Subtracting two nearly equal numbers keeps
# their absolute error, about $\varepsilon|f(x)|$, and dividing by a tiny $h$ magnifies it. The
# total error of the forward difference is therefore roughly
#
# $$E_\text{forward}(h) \approx \underbrace{\frac{h}{2}|f''(x)|}_{\text{truncation}}
#  + \underbrace{\frac{\varepsilon |f(x)|}{h}}_{\text{round-off}},
# \qquad
# E_\text{central}(h) \approx \frac{h^2}{6}|f'''(x)| + \frac{\varepsilon |f(x)|}{2h}.$$
#
# Setting the derivative with respect to $h$ to zero gives the best steps
#
# $$h^*_\text{forward} = \sqrt{\frac{2\varepsilon|f|}{|f''|}} \sim \sqrt{\varepsilon},
# \qquad
# h^*_\text{central} = \left(\frac{3\varepsilon|f|}{2|f'''|}\right)^{1/3} \sim \varepsilon^{1/3}.$$
#
# We measure the error for $f(x)=e^x$ at $x=1$, where $f=f'=f''=f'''=e$ (so the exact answer is
# known), over steps from $10^{-16}$ to $1$.

# %%
x_point = 1.0
exact_slope = np.exp(x_point)
steps = np.logspace(-16, 0, 161)
rules = {"forward": forward_difference, "backward": backward_difference, "central": central_difference}
errors = {name: np.array([abs(rule(np.exp, x_point, h) - exact_slope) for h in steps])
          for name, rule in rules.items()}

e = exact_slope  # |f| = |f''| = |f'''| = e at x = 1
bound_forward = steps / 2 * e + EPS * e / steps
bound_central = steps**2 / 6 * e + EPS * e / (2 * steps)
best_h_theory = {"forward": np.sqrt(2 * EPS), "central": (1.5 * EPS) ** (1 / 3)}
best_h_measured = {name: steps[np.argmin(err)] for name, err in errors.items()}

fig, ax = plt.subplots(figsize=(8, 5))
for name, err in errors.items():
    ax.loglog(steps, np.maximum(err, 1e-17), label=f"{name} difference (measured)", alpha=0.85)
ax.loglog(steps, steps / 2 * e, "k--", lw=1, label=r"truncation $\frac{h}{2}|f''|$")
ax.loglog(steps, steps**2 / 6 * e, "k-.", lw=1, label=r"truncation $\frac{h^2}{6}|f'''|$")
ax.loglog(steps, EPS * e / steps, "k:", lw=1.5, label=r"round-off $\varepsilon|f|/h$")
for name, color, align in (("forward", "C0", "right"), ("central", "C2", "left")):
    ax.axvline(best_h_theory[name], color=color, ls=":", lw=1)
    ax.annotate(f" best h ({name}) ≈ {best_h_theory[name]:.0e} ", (best_h_theory[name], 1e-13),
                color=color, ha=align, fontsize=8)
ax.set_ylim(1e-14, 1e2)
ax.set_xlabel("step h")
ax.set_ylabel("absolute error of the derivative")
ax.set_title("Finite-difference error for exp'(1): truncation against round-off")
ax.legend(fontsize=8, loc="upper center")
plt.show()

# %% [markdown]
# Read the plot from right to left. For large $h$ the truncation error dominates: the forward
# and backward errors fall along a line of slope 1, the central error along a line of slope 2.
# For small $h$ the round-off term takes over and the error *grows* as $h$ shrinks, with
# slope $-1$ and a jagged look (round-off is not smooth). The fitted slopes on
# $10^{-4}\le h\le 10^{-1}$ and the best steps:

# %%
truncation_range = (steps >= 1e-4) & (steps <= 1e-1)
for name, err in errors.items():
    slope = np.polyfit(np.log10(steps[truncation_range]), np.log10(err[truncation_range]), 1)[0]
    print(f"{name:>8}: slope {slope:.2f} on the truncation side;  best h measured {best_h_measured[name]:.1e}, "
          f"smallest error {errors[name].min():.1e}")
for name in ("forward", "central"):
    print(f"theory: best h for {name} ≈ {best_h_theory[name]:.1e}")
seed_h_error = errors["forward"][np.argmin(abs(steps - 1e-3))]
print(f"\nThe lecture's h = 0.001 gives a forward error of {seed_h_error:.1e}: fine for a demonstration, "
      f"\n{seed_h_error / errors['forward'].min():.0e} times the best forward error and "
      f"{seed_h_error / errors['central'].min():.0e} times the best central error.")

# %% [markdown]
# **Take-aways.** The central difference is both more accurate and less sensitive to the choice of
# $h$; a step around $10^{-5}$ to $10^{-6}$ works well in float64 for functions of moderate size,
# which is why `central_difference` (and the gradient checks below) default to $h=10^{-5}$. A
# step of $10^{-10}$ is *not* "more precise": round-off has already taken over. In float32
# ($\varepsilon\approx 1.2\cdot 10^{-7}$) the best steps are far larger, which is why gradient
# checks are done in float64.

# %% [markdown]
# ### Written question (3 points, graded by hand): why $O(h^2)$, and what happens for tiny $h$
#
# (a) Using the Taylor expansions of $f(x+h)$ and $f(x-h)$, show why the truncation error of the
# central difference is $O(h^2)$ while that of the forward difference is $O(h)$.
#
# (b) In float32 ($\varepsilon\approx 1.2\cdot 10^{-7}$), which step $h$ would you choose for the
# central difference of $e^x$ at $x=1$, and roughly how small can its error get? Use the error
# model of this section, not a new experiment.
#
# (c) A classmate uses $h=10^{-10}$ in float64 "to be more precise". What happens, and why?
#
# Write your answer in the cell below (a few sentences; formulas in `$...$` are welcome).

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_central_difference_error", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# **Model answer.** (a) $f(x\pm h) = f \pm h f' + \frac{h^2}{2} f'' \pm \frac{h^3}{6} f''' + O(h^4)$. Subtracting,
# the even terms cancel: $\frac{f(x+h)-f(x-h)}{2h} = f' + \frac{h^2}{6} f''' + O(h^4)$, so the
# error is $O(h^2)$. The forward difference keeps the $f''$ term:
# $\frac{f(x+h)-f(x)}{h} = f' + \frac{h}{2} f'' + O(h^2)$, an $O(h)$ error.
#
# (b) $E(h)\approx \frac{h^2}{6}|f'''| + \frac{\varepsilon|f|}{2h}$ is smallest at
# $h^* = (3\varepsilon|f|/(2|f'''|))^{1/3} = (1.5\,\varepsilon)^{1/3}$ (here $f=f'''=e$), about
# $6\cdot 10^{-3}$ in float32, giving an error of a few times $10^{-5}$: far larger steps and far
# larger errors than in float64, which is why gradient checks run in float64.
#
# (c) Round-off dominates: $f(x+h)$ and $f(x-h)$ agree in almost all digits, their difference
# keeps an absolute error of about $\varepsilon|f|$, and dividing by $2h$ magnifies it to about
# $\varepsilon|f|/(2h)$, around $10^{-6}$ at $h=10^{-10}$, against about $10^{-10}$ at
# $h=10^{-5}$. Smaller $h$ is *less* precise past $h^*$.
#
# **Rubric (3 points).**
# - 1 point: the Taylor argument, naming the cancellation of the even-order terms (the
#   $f''$ term) in the central difference; a statement of the orders without a reason earns 0.5.
# - 1 point: $h^*\sim\varepsilon^{1/3}$ from balancing the two error terms, with a float32 value
#   of order $10^{-3}$ to $10^{-2}$ and an error of order $10^{-5}$ to $10^{-4}$ (the order of
#   magnitude counts, not the digits); the formula alone earns 0.5.
# - 1 point: cancellation (subtracting nearly equal numbers) amplified by $1/h$, and the
#   conclusion that the error grows as $h$ shrinks below $h^*$.
# ### END SOLUTION

# %% [markdown]
# ## 4. Partial derivatives and the gradient
#
# A loss depends on many parameters: $f:\mathbb{R}^D\to\mathbb{R}$, $f(\mathbf x)=f(x_1,\dots,x_D)$.
# The **partial derivative** with respect to $x_d$ treats every other input as a constant:
#
# $$\frac{\partial f(\mathbf x)}{\partial x_d} = \lim_{h\to 0}
#   \frac{f(x_1,\dots,x_d+h,\dots,x_D)-f(x_1,\dots,x_D)}{h}.$$
#
# Stacking all $D$ partial derivatives gives the **gradient**
#
# $$\nabla f(\mathbf x) = \frac{\partial f(\mathbf x)}{\partial \mathbf x} =
#   \left[\frac{\partial f}{\partial x_1},\dots,\frac{\partial f}{\partial x_D}\right]^\top .$$
#
# Numerically: perturb one coordinate at a time by $\pm h$ and apply a 1-D difference. Model
# parameters are often matrices, e.g. weights $W$ of shape $(K, D)$; the gradient then has the
# same shape as $W$ and entry $(k, d)$ is $\partial f/\partial W_{kd}$. Looping over
# `np.ndindex(x.shape)` visits every entry of an array of any shape.
#
# ### Exercise 4 (3 points): `numerical_gradient`
#
# Rules: return a **float** array shaped like `x`; never modify the caller's `x` (perturb a
# float copy, and restore each entry after using it); support `method="forward"`, `"backward"`
# and `"central"`. Beware: `x` may be an integer array, and `x.copy()` of an integer array cannot
# hold `x + 1e-5`.

# %%
GRADIENT_METHODS = ("forward", "backward", "central")


def check_method(method):
    """Raise ValueError unless method names a finite-difference rule."""
    if method not in GRADIENT_METHODS:
        raise ValueError(f"method must be one of {GRADIENT_METHODS}, got method={method!r}")


# %% nbgrader={"grade": false, "grade_id": "ex_numerical_gradient", "locked": false, "schema_version": 3, "solution": true, "task": false}
def numerical_gradient(f, x, h=1e-5, method="central"):
    """Numerical gradient of a scalar function of an array.

    Args:
        f: function taking an array shaped like x and returning a float.
        x: array of any shape, e.g. (D,) or (K, D); may be an integer array; not modified.
        h: float > 0, the step.
        method: "forward", "backward" or "central" difference along each coordinate.

    Returns:
        grad: float array shaped like x, grad[i] ~ df/dx[i].
    """
    check_step(h)
    check_method(method)
    ### BEGIN SOLUTION
    x_work = np.array(x, dtype=np.float64, copy=True)
    grad = np.zeros_like(x_work)
    f_x = f(x_work) if method != "central" else None  # shared by every coordinate
    for index in np.ndindex(x_work.shape):
        original = x_work[index]
        x_work[index] = original + h
        f_plus = f(x_work) if method != "backward" else f_x
        x_work[index] = original - h
        f_minus = f(x_work) if method != "forward" else f_x
        x_work[index] = original
        width = 2 * h if method == "central" else h
        grad[index] = (f_plus - f_minus) / width
    return grad
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_numerical_gradient", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# f(x) = x1**2 + 3 x1 x2 has gradient (2 x1 + 3 x2, 3 x1) = (8, 3) at (1, 2); central is exact here.
x = np.array([1.0, 2.0])
x_before = x.copy()
grad = numerical_gradient(lambda v: v[0] ** 2 + 3 * v[0] * v[1], x)
assert_close(grad, [8.0, 3.0], "gradient of x1^2 + 3 x1 x2 at (1, 2)", rtol=1e-6, atol=1e-6)
assert_unchanged(x_before, x, "x")
# A matrix input: f(W) = sum(A * W) has gradient A, whatever W.
A = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
W = np.zeros((2, 3))
assert_close(numerical_gradient(lambda M: np.sum(A * M), W), A, "gradient of sum(A * W)", atol=1e-6)
# One-sided rules on sum(x**2): ((x+h)**2 - x**2)/h = 2x + h and (x**2 - (x-h)**2)/h = 2x - h.
v = np.array([0.5, -1.0, 2.0])
assert_close(numerical_gradient(lambda u: np.sum(u**2), v, h=1e-3, method="forward"), 2 * v + 1e-3,
             "forward-difference gradient of sum(x**2)", atol=1e-9)
assert_close(numerical_gradient(lambda u: np.sum(u**2), v, h=1e-3, method="backward"), 2 * v - 1e-3,
             "backward-difference gradient of sum(x**2)", atol=1e-9)
# An integer array: the gradient of sum(x**2) at (1, 2, 3) is (2, 4, 6), as floats.
g_int = numerical_gradient(lambda u: np.sum(u**2), np.array([1, 2, 3]))
assert_close(g_int, [2.0, 4.0, 6.0], "gradient at an integer array", atol=1e-6)
assert np.asarray(g_int).dtype.kind == "f", "the gradient must be a float array"
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, check_that
_rng = np.random.default_rng(104)
_Q = _rng.normal(size=(5, 5))
_A = _rng.normal(size=(3, 4))
_T = _rng.normal(size=(2, 3, 2))
def _logsumexp_of_product(M):
    s = np.sum(_A * np.tanh(M), axis=1)
    return float(np.log(np.sum(np.exp(s))))
# Functions cannot be compared for mutation, so inputs are checked separately below.
check_against_reference(
    "numerical_gradient", numerical_gradient, "solutions.finite_diff:numerical_gradient",
    [Case("quadratic form, 5 coordinates", (lambda v: float(v @ _Q @ v), _rng.normal(size=5))),
     Case("nonlinear function of a (3, 4) matrix", (_logsumexp_of_product, _rng.normal(size=(3, 4)))),
     Case("three-dimensional array", (lambda t: float(np.sum(np.sin(t) * _T)), _rng.normal(size=(2, 3, 2)))),
     Case("single coordinate", (lambda v: float(np.exp(v[0])), _rng.normal(size=1))),
     Case("forward method", (lambda v: float(np.sum(v**3)), _rng.normal(size=4)), {"method": "forward", "h": 1e-4}),
     Case("backward method", (lambda v: float(np.sum(np.cos(v))), _rng.normal(size=(2, 2))), {"method": "backward"}),
     Case("large step", (lambda v: float(np.sum(v**4)), _rng.normal(size=3)), {"h": 0.1}),
     Case("integer input array", (lambda v: float(np.sum(v**2 * np.arange(1, 4))), np.array([3, -1, 2]))),
     Case("integer input, forward method", (lambda v: float(np.sum(v**3)), np.array([[1, 2], [0, -2]])), {"method": "forward"})],
    check_mutation=False)
def _leaves_input_unchanged(shape, method):
    x = _rng.normal(size=shape)
    x_copy = x.copy()
    numerical_gradient(lambda v: float(np.sum(v**2)), x, method=method)
    return np.array_equal(x, x_copy)
check_that("numerical_gradient", lambda: _leaves_input_unchanged((4,), "central"), "input vector left unchanged")
check_that("numerical_gradient", lambda: _leaves_input_unchanged((3, 2), "forward"), "input matrix left unchanged")
### END HIDDEN TESTS

# %% [markdown]
# The gradient of the lecture's 2-D function $f(\mathbf x)=0.06x_1^2+0.25x_2^2-0.04x_1x_2$ at
# $\mathbf x=(-5,-7.5)$ (lesson 02 descends it) with forward differences and $h=0.001$, next to
# the analytic gradient $(0.12x_1-0.04x_2,\ 0.5x_2-0.04x_1)$:

# %%
def seed_quadratic(v):
    """The lecture's f(x) = 0.06 x1^2 + 0.25 x2^2 - 0.04 x1 x2; v: (2,) -> float."""
    return 0.06 * v[0] ** 2 + 0.25 * v[1] ** 2 - 0.04 * v[0] * v[1]


x0_2d = np.array([-5.0, -7.5])
analytic_2d = np.array([0.12 * x0_2d[0] - 0.04 * x0_2d[1], 0.5 * x0_2d[1] - 0.04 * x0_2d[0]])
print("forward, h=0.001:", numerical_gradient(seed_quadratic, x0_2d, h=1e-3, method="forward"))
print("central, h=1e-5: ", numerical_gradient(seed_quadratic, x0_2d))
print("analytic:        ", analytic_2d)

# %% [markdown]
# ## 5. Gradient checking
#
# In practice gradients are derived by hand (or by an autodiff library) and coded as formulas.
# A small mistake in that code is silent: the optimizer still runs, just worse. The cure is to
# compare the analytic gradient with a numerical one at a few coordinates. "How close is close"
# must not depend on the scale of the gradient, so we use the **relative error**
#
# $$\text{rel}(a, b) = \max_i \frac{|a_i-b_i|}{\max(10^{-8},\ |a_i|+|b_i|)},$$
#
# where the floor $10^{-8}$ avoids dividing by zero when both entries are zero. Rules of thumb
# for this course (float64, central differences); the verdicts in the code below use them:
#
# | relative error | verdict |
# |---|---|
# | $<10^{-7}$ | the gradient is right |
# | $10^{-7}$ … $10^{-4}$ | suspicious, unless the function has kinks (ReLU, max, hinge) |
# | $>10^{-4}$ | almost certainly a bug |
#
# Stanford's cs231n notes draw the lines differently: a relative error above $10^{-2}$ means the
# gradient is probably wrong; $10^{-2}$ to $10^{-4}$ should make you uncomfortable; $10^{-4}$ is
# acceptable for objectives with kinks but too high otherwise; below $10^{-7}$ you should be
# happy. Both agree that $<10^{-7}$ is right; ours is the stricter on the middle band.
#
# ### Exercise 5 (1 point): `relative_error`

# %%
def check_same_shape(a, b):
    """Raise ValueError unless a and b are non-empty and have the same shape."""
    if np.shape(a) != np.shape(b):
        raise ValueError(f"a and b must have the same shape, got {np.shape(a)} and {np.shape(b)}")
    if np.size(a) == 0:
        raise ValueError("a and b must not be empty")


# %% nbgrader={"grade": false, "grade_id": "ex_relative_error", "locked": false, "schema_version": 3, "solution": true, "task": false}
def relative_error(a, b):
    """Largest elementwise relative error between two arrays (or numbers) of the same shape.

    Args:
        a, b: numbers or arrays of the same shape.

    Returns:
        float, max_i |a_i - b_i| / max(1e-8, |a_i| + |b_i|); 0.0 when a equals b.
    """
    check_same_shape(a, b)
    ### BEGIN SOLUTION
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_relative_error", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
assert_close(relative_error(1.0, 1.0), 0.0, "relative_error(1, 1)")
assert_close(relative_error(0.0, 0.0), 0.0, "relative_error(0, 0): the floor avoids 0/0")
# By hand: |2 - 2.2| / (2 + 2.2) = 0.2 / 4.2; the first entries agree.
assert_close(relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])), 0.2 / 4.2, "relative_error([1, 2], [1, 2.2])")
# Scale-free: multiplying both by 1e6 changes nothing.
assert_close(relative_error(np.array([1e6, 2e6]), np.array([1e6, 2.2e6])), 0.2 / 4.2, "relative_error at scale 1e6")
# Opposite signs: |1 - (-1)| / (1 + 1) = 1.
assert_close(relative_error(np.array([[1.0]]), np.array([[-1.0]])), 1.0, "relative_error(1, -1)")
# Tiny numbers meet the floor: |1e-10 - 0| / max(1e-8, 1e-10) = 0.01.
assert_close(relative_error(1e-10, 0.0), 0.01, "relative_error(1e-10, 0)")
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference
_rng = np.random.default_rng(105)
_a = _rng.normal(size=(4, 3))
check_against_reference(
    "relative_error", relative_error, "solutions.finite_diff:relative_error",
    [Case("random vectors", (_rng.normal(size=7), _rng.normal(size=7))),
     Case("nearly equal matrices", (_a, _a * (1 + 1e-6 * _rng.normal(size=(4, 3))))),
     Case("identical arrays", (_a, _a.copy())),
     Case("zeros against tiny numbers", (np.zeros(5), 1e-12 * _rng.normal(size=5))),
     Case("large scale", (1e8 * _rng.normal(size=3), 1e8 * _rng.normal(size=3))),
     Case("python floats", (0.3, 0.30001)),
     Case("integer arrays", (np.array([1, 2, 3]), np.array([1, 2, 4])))])
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 6 (3 points): `gradient_check`
#
# A full numerical gradient costs two evaluations of $f$ per coordinate (section 6 shows how
# many that is for a real model). A gradient check samples a few coordinates at random instead.
# So that everyone's checks sample the same coordinates, draw them like this:
#
# ```python
# rng = np.random.default_rng(seed)
# for i in range(n_checks):
#     index = tuple(int(rng.integers(n)) for n in x.shape)   # one random entry, axis by axis
# ```
#
# At each sampled `index`, compute the central-difference partial derivative (perturb only that
# entry of a float copy of `x` by $\pm h$) and its relative error against `analytic_grad[index]`.

# %%
def check_gradient_arguments(analytic_grad, x, n_checks):
    """Raise ValueError unless analytic_grad is shaped like x and n_checks >= 1."""
    if np.shape(analytic_grad) != np.shape(x):
        raise ValueError(f"analytic_grad must be shaped like x: got {np.shape(analytic_grad)}, x is {np.shape(x)}")
    if int(n_checks) < 1:
        raise ValueError(f"n_checks must be a positive integer, got n_checks={n_checks!r}")


# %% nbgrader={"grade": false, "grade_id": "ex_gradient_check", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gradient_check(f, analytic_grad, x, n_checks=10, h=1e-5, seed=0):
    """Compare an analytic gradient with central differences at random coordinates.

    Args:
        f: function taking an array shaped like x and returning a float.
        analytic_grad: array shaped like x, the analytic gradient of f at x.
        x: array of any shape; not modified.
        n_checks: int >= 1, number of coordinates sampled (with replacement).
        h: float > 0, central-difference step.
        seed: seed of np.random.default_rng; coordinates are drawn as shown above.

    Returns:
        errors: float array of shape (n_checks,), errors[i] = relative error at the i-th sample.
    """
    check_gradient_arguments(analytic_grad, x, n_checks)
    check_step(h)
    ### BEGIN SOLUTION
    analytic_grad = np.asarray(analytic_grad, dtype=np.float64)
    x_work = np.array(x, dtype=np.float64, copy=True)
    rng = np.random.default_rng(seed)
    errors = np.empty(int(n_checks))
    for i in range(int(n_checks)):
        index = tuple(int(rng.integers(n)) for n in x_work.shape)
        original = x_work[index]
        x_work[index] = original + h
        f_plus = f(x_work)
        x_work[index] = original - h
        f_minus = f(x_work)
        x_work[index] = original
        numeric = (f_plus - f_minus) / (2 * h)
        errors[i] = relative_error(numeric, analytic_grad[index])
    return errors
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gradient_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
x = np.array([[1.0, -2.0, 0.5], [3.0, 1.5, -1.0]])
x_before = x.copy()
sum_of_squares = lambda v: float(np.sum(v**2))
# The right gradient 2x: central differences are exact for squares, so the errors are round-off.
errors_right = gradient_check(sum_of_squares, 2 * x, x, n_checks=6)
assert np.shape(errors_right) == (6,), f"expected 6 errors, got shape {np.shape(errors_right)}"
assert np.max(errors_right) < 1e-7, f"a correct gradient gave relative errors {errors_right}"
assert_unchanged(x_before, x, "x")
# A wrong gradient x (the factor 2 forgotten): |2x - x| / (|2x| + |x|) = 1/3 at every coordinate.
errors_wrong = gradient_check(sum_of_squares, x, x, n_checks=4, seed=3)
assert_close(errors_wrong, np.full(4, 1 / 3), "relative errors of the gradient x instead of 2x", rtol=1e-6)
# A gradient wrong in one entry only is caught when that entry is sampled (1 x 1 array: always).
assert_close(gradient_check(sum_of_squares, np.array([[0.0]]), np.array([[2.0]]), n_checks=1), [1.0],
             "relative error of gradient 0 against 4")
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, check_that
_rng = np.random.default_rng(106)
_B = _rng.normal(size=(4, 5))
def _f_matrix(M):
    return float(np.sum(np.tanh(M) * _B) + 0.5 * np.sum(M**2))
_X = _rng.normal(size=(4, 5))
_right = (1 - np.tanh(_X) ** 2) * _B + _X
_wrong = _right.copy()
_wrong[1:3, 2:] *= 1.5  # a bug in a block of entries: caught only where it is sampled
_v = _rng.normal(size=6)
check_against_reference(
    "gradient_check", gradient_check, "solutions.finite_diff:gradient_check",
    [Case("correct gradient of a matrix function", (_f_matrix, _right, _X), {"n_checks": 12, "seed": 7}),
     Case("gradient with a wrong block", (_f_matrix, _wrong, _X), {"n_checks": 20, "seed": 11}),
     Case("vector input, default arguments", (lambda v: float(np.sum(np.exp(v))), np.exp(_v) * 1.01, _v)),
     Case("three-dimensional input", (lambda t: float(np.sum(t**3)), 3 * np.ones((2, 2, 3)), np.ones((2, 2, 3))), {"n_checks": 5, "seed": 2}),
     Case("larger step", (lambda v: float(np.sum(np.sin(v))), np.cos(_v), _v), {"h": 1e-3, "n_checks": 3, "seed": 5}),
     Case("integer input array", (lambda v: float(np.sum(v**2)), np.array([2.0, -4.0, 6.0]), np.array([1, -2, 3])), {"n_checks": 4})],
    rtol=1e-5, atol=1e-8, check_mutation=False)
def _leaves_inputs_unchanged():
    x, g = _rng.normal(size=(3, 3)), _rng.normal(size=(3, 3))
    x_copy, g_copy = x.copy(), g.copy()
    gradient_check(lambda v: float(np.sum(v**2)), g, x, n_checks=5)
    return np.array_equal(x, x_copy) and np.array_equal(g, g_copy)
check_that("gradient_check", _leaves_inputs_unchanged, "inputs left unchanged")
### END HIDDEN TESTS

# %% [markdown]
# ### A bug caught by the check
#
# Take least squares with an L2 penalty, a loss you will meet again:
#
# $$L(\mathbf w) = \frac{1}{2N}\lVert X\mathbf w-\mathbf y\rVert^2 + \lambda\lVert\mathbf w\rVert^2,
# \qquad \nabla L(\mathbf w) = \frac1N X^\top(X\mathbf w-\mathbf y) + 2\lambda\mathbf w .$$
#
# A classic slip is to forget the factor 2 of the penalty's derivative. We check the right and
# the buggy gradient, once with a small penalty $\lambda=10^{-5}$ and once with a large one
# $\lambda=10$, and read the verdict off the table above.

# %%
rng = np.random.default_rng(0)
N_ls, D_ls = 200, 30
X_ls = rng.normal(size=(N_ls, D_ls))
y_ls = X_ls @ rng.normal(size=D_ls) + 0.1 * rng.normal(size=N_ls)
w_ls = rng.normal(size=D_ls)


def least_squares_loss(w, reg):
    """Mean squared error / 2 plus reg * ||w||^2; w: (D,) -> float."""
    residual = X_ls @ w - y_ls
    return 0.5 * np.mean(residual**2) + reg * np.sum(w**2)


def least_squares_grad(w, reg, buggy=False):
    """Analytic gradient, (D,). buggy=True forgets the factor 2 of the penalty."""
    penalty_factor = 1.0 if buggy else 2.0
    return X_ls.T @ (X_ls @ w - y_ls) / N_ls + penalty_factor * reg * w


def verdict(error):
    """The rule-of-thumb reading of a relative error (float64, central differences)."""
    return "right" if error < 1e-7 else ("suspicious" if error <= 1e-4 else "a bug")


check_errors = {}
for reg in (1e-5, 10.0):
    for buggy in (False, True):
        errs = gradient_check(lambda w: least_squares_loss(w, reg), least_squares_grad(w_ls, reg, buggy),
                              w_ls, n_checks=15, seed=1)
        label = f"{'buggy' if buggy else 'correct'} gradient, λ = {reg:g}"
        check_errors[label] = errs
        print(f"{label:>28}: max relative error {errs.max():.1e} -> {verdict(errs.max())}")

fig, ax = plt.subplots(figsize=(8, 4.5))
for i, (label, errs) in enumerate(check_errors.items()):
    ax.semilogy(np.arange(len(errs)) + 0.1 * i, errs, "o", label=label)
ax.axhline(1e-7, color="green", ls="--", lw=1, label="1e-7: right below this line")
ax.axhline(1e-4, color="red", ls="--", lw=1, label="1e-4: a bug above this line")
ax.set_xlabel("sampled coordinate (check number)")
ax.set_ylabel("relative error (log scale)")
ax.set_title("Gradient check of L2-regularised least squares: right vs buggy gradient")
ax.set_ylim(1e-12, 1e4)
ax.legend(fontsize=8, loc="upper center", ncol=3)
plt.show()

# %% [markdown]
# The correct gradient stays at round-off level whatever $\lambda$. The buggy one is another
# story: with the small penalty the missing term is tiny next to the data term, and its error
# is orders of magnitude smaller than with the large penalty (compare the verdicts printed
# above). **Check gradients with a large regularisation strength too**: a small one can hide a
# missing term.
#
# ## 6. Why not train with numerical gradients?
#
# Lesson 03 trains softmax regression on CIFAR-10: a weight matrix $W$ of shape $(K, D)$ and a
# bias $\mathbf b$ of shape $(K,)$, with $K=10$ classes and $D=32\cdot32\cdot3$ pixel values.
# A numerical gradient needs one loss evaluation per parameter (forward differences, plus one
# shared $L(\boldsymbol\theta)$) or two (central), and **each evaluation is a pass over the
# whole training set**.

# %%
K_cifar, D_cifar, N_cifar = 10, 32 * 32 * 3, 50_000
n_params = K_cifar * D_cifar + K_cifar
print(f"D = 32*32*3 = {D_cifar:,}; parameters K*D + K = {K_cifar}*{D_cifar:,} + {K_cifar} = {n_params:,}")
print(f"loss evaluations per numerical gradient: forward {n_params + 1:,}, central {2 * n_params:,}")

# %% [markdown]
# How long would that take? We time one loss evaluation of a linear model with the same shapes
# (its cost is dominated by the product $XW^\top$, the same as for the softmax loss) on random
# CIFAR-shaped float32 data, and one *analytic* gradient of the same loss, then scale to the
# $N = 50{,}000$ training images (the cost grows linearly with $N$).

# %%
N_timing = pick(10_000, 1_000)
rng = np.random.default_rng(0)
X_fake = rng.standard_normal((N_timing, D_cifar), dtype=np.float32)
Y_fake = rng.standard_normal((N_timing, K_cifar), dtype=np.float32)
W_fake = 1e-3 * rng.standard_normal((K_cifar, D_cifar), dtype=np.float32)
b_fake = np.zeros(K_cifar, dtype=np.float32)


def linear_loss(W, b):
    """0.5 * mean squared error of the scores X W^T + b against targets Y."""
    residual = X_fake @ W.T + b - Y_fake
    return 0.5 * float(np.mean(np.sum(residual**2, axis=1)))


def linear_loss_grad(W, b):
    """Analytic gradient of linear_loss: (dW (K, D), db (K,))."""
    d_scores = (X_fake @ W.T + b - Y_fake) / len(X_fake)
    return d_scores.T @ X_fake, d_scores.sum(axis=0)


def best_time(fn, repeats=5):
    """Fastest of `repeats` wall-clock runs, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


scale_to_full = N_cifar / N_timing
t_loss = best_time(lambda: linear_loss(W_fake, b_fake)) * scale_to_full
t_grad = best_time(lambda: linear_loss_grad(W_fake, b_fake)) * scale_to_full
t_numerical = (n_params + 1) * t_loss
print(f"measured on N = {N_timing:,} rows, scaled to N = {N_cifar:,}:")
print(f"  one loss evaluation:                  {t_loss * 1e3:8.1f} ms")
print(f"  one analytic gradient:                {t_grad * 1e3:8.1f} ms")
print(f"  one forward-difference gradient:      {t_numerical / 60:8.1f} min  ({n_params + 1:,} evaluations)")
print(f"  numerical / analytic:                 {t_numerical / t_grad:8.0f} x")
print(f"  a gradient check with 10 samples:     {2 * 10 * t_loss:8.2f} s")
# operation counts: the loss needs one product X W^T (2 N D K operations); the gradient needs it
# and a second product of the same size, d_scores^T X: about twice the work
print(f"  analytic gradient / loss, measured:   {t_grad / t_loss:8.1f} x  (by operation count: about 2 x; "
      f"the measured ratio also reflects how well each product uses the cores and cache)")

# %% [markdown]
# One numerical gradient would take minutes to hours, for a *linear* model, and training needs
# thousands of gradients; a network has millions of parameters. The analytic gradient costs a
# small multiple of one loss evaluation: about two by operation count (one more matrix product of
# the same size); the measured ratio is printed beside it, and on a busy or multi-threaded machine
# it can be several times that. Either way it is tens of thousands of times cheaper than the
# numerical gradient. So: derive the gradient analytically (or let autodiff do it), and use
# numerical differences only to **check** it at a handful of coordinates.
#
# ## 7. The chain rule and reverse-mode differentiation
#
# How do libraries get analytic gradients of huge compositions? With the chain rule. If
# $z=f(u,v)$ with $u=\varphi(x,y)$ and $v=\psi(x,y)$, then
#
# $$\frac{\partial z}{\partial x} = \frac{\partial z}{\partial u}\frac{\partial u}{\partial x}
#   + \frac{\partial z}{\partial v}\frac{\partial v}{\partial x}:$$
#
# multiply the local derivatives along every path from $x$ to $z$ and **sum over the paths**.
# The lecture's example is the graph
#
# $$c = a + b,\qquad d = b + 1,\qquad e = c\cdot d .$$
#
# Its local derivatives are $\frac{\partial c}{\partial a}=\frac{\partial c}{\partial b}=1$,
# $\frac{\partial d}{\partial b}=1$, and for the product $\frac{\partial e}{\partial c}=d$,
# $\frac{\partial e}{\partial d}=c$. The input $b$ reaches $e$ along two paths (through $c$ and
# through $d$), so $\frac{\partial e}{\partial b}= d\cdot 1 + c\cdot 1$.
#
# **Reverse mode** (backpropagation) runs the graph forward once, storing every intermediate
# value, then walks it backwards from $\frac{\partial e}{\partial e}=1$, giving each node its
# "adjoint" $\bar v=\frac{\partial e}{\partial v}$: a node's adjoint is the sum, over the nodes
# it feeds, of their adjoint times the local derivative. One backward pass yields the derivative
# with respect to *every* input.

# %%
def graph_forward_backward(a, b):
    """Reverse mode on c = a + b, d = b + 1, e = c * d.  Returns (e, de/da, de/db)."""
    # forward pass: keep the intermediate values, the backward pass needs them
    c = a + b
    d = b + 1
    e = c * d
    # backward pass, from de/de = 1
    e_bar = 1.0
    c_bar = e_bar * d            # de/dc = d
    d_bar = e_bar * c            # de/dd = c
    a_bar = c_bar * 1.0          # dc/da = 1
    b_bar = c_bar * 1.0 + d_bar * 1.0  # b feeds c and d: the two paths add up
    return e, a_bar, b_bar


def graph_forward_mode(a, b, a_dot, b_dot):
    """Forward mode: push a tangent (a_dot, b_dot) through the graph.  Returns (e, e_dot)."""
    c, c_dot = a + b, a_dot + b_dot
    d, d_dot = b + 1, b_dot
    e, e_dot = c * d, c_dot * d + c * d_dot  # product rule
    return e, e_dot


a_val, b_val = 2.0, 1.0
e_val, de_da, de_db = graph_forward_backward(a_val, b_val)
print(f"a = {a_val}, b = {b_val}:  c = {a_val + b_val}, d = {b_val + 1}, e = {e_val}")
print(f"reverse mode (one backward pass):    de/da = {de_da}, de/db = {de_db}")
print(f"forward mode (one pass per input):   de/da = {graph_forward_mode(a_val, b_val, 1, 0)[1]}, "
      f"de/db = {graph_forward_mode(a_val, b_val, 0, 1)[1]}")
e_of = lambda v: (v[0] + v[1]) * (v[1] + 1)
print(f"central differences (your code):     {numerical_gradient(e_of, np.array([a_val, b_val]))}")

# %% [markdown]
# | node | value ($a=2,b=1$) | adjoint $\partial e/\partial(\cdot)$ |
# |---|---|---|
# | $e=c\,d$ | $6$ | $1$ |
# | $c=a+b$ | $3$ | $d = 2$ |
# | $d=b+1$ | $2$ | $c = 3$ |
# | $a$ | $2$ | $\bar c\cdot 1 = 2$ |
# | $b$ | $1$ | $\bar c\cdot 1 + \bar d\cdot 1 = 5$ |
#
# (Hand-worked; the cell above computes the same numbers three ways.)
#
# **Why reverse mode for training.** Forward mode computes one directional derivative per pass:
# $D$ passes for a gradient of $D$ parameters — no better than finite differences, only exact.
# Reverse mode computes the derivatives of *one output* with respect to *all* inputs in one
# backward pass, at a cost of a small multiple of the forward pass. A loss is one number and
# the parameters are millions, so deep-learning libraries (`torch.autograd`) use reverse mode. For
# a layered network it is the backpropagation rule
# $\frac{\partial E}{\partial y_i^m}=\sum_j \frac{\partial E}{\partial y_j^{m+1}}
# \frac{\partial y_j^{m+1}}{\partial y_i^m}$: the adjoint recursion above, layer by layer.
#
# ## 8. The steepest descent direction
#
# Which unit direction $\mathbf d$ ($\lVert\mathbf d\rVert=1$) decreases $L$ fastest from
# $\mathbf w$? The first-order Taylor expansion, for a small step $\lambda>0$, is
#
# $$L(\mathbf w+\lambda\mathbf d) = L(\mathbf w) + \lambda\,\nabla L(\mathbf w)^\top\mathbf d + o(\lambda).$$
#
# The change is governed by the directional derivative $\nabla L^\top\mathbf d$, and by the
# Cauchy–Schwarz inequality
#
# $$|\nabla L(\mathbf w)^\top\mathbf d| \le \lVert\nabla L(\mathbf w)\rVert\,\lVert\mathbf d\rVert
#  = \lVert\nabla L(\mathbf w)\rVert,$$
#
# with equality exactly when $\mathbf d$ is parallel to $\nabla L$. So $L$ increases fastest along
# $\mathbf d=\nabla L/\lVert\nabla L\rVert$ and **decreases fastest along the antigradient**
# $\mathbf d=-\nabla L/\lVert\nabla L\rVert$, where the directional derivative is
# $-\lVert\nabla L\rVert$. Gradient descent (lesson 02) steps along $-\nabla L$.
#
# We check this numerically on the 2-D function of section 4: for 360 directions
# $\mathbf d(\alpha)=(\cos\alpha,\sin\alpha)$ the directional derivative is the slope of
# $\lambda\mapsto L(\mathbf w+\lambda\mathbf d)$ at $0$, which `central_difference` computes.

# %%
def steepest_descent_direction(g):
    """Unit vector -g / ||g||; g: gradient array of any shape. ValueError if g is zero."""
    g = np.asarray(g, dtype=np.float64)
    norm = np.linalg.norm(g)
    if norm == 0:
        raise ValueError("gradient g is zero: x is a stationary point and no direction is steepest")
    return -g / norm


w_here = x0_2d
g_here = numerical_gradient(seed_quadratic, w_here)
angles = np.linspace(-np.pi, np.pi, 361)
slopes = np.array([central_difference(lambda lam: seed_quadratic(w_here + lam * np.array([np.cos(t), np.sin(t)])), 0.0)
                   for t in angles])
d_star = steepest_descent_direction(g_here)
angle_best = angles[np.argmin(slopes)]
angle_antigradient = np.arctan2(d_star[1], d_star[0])
print(f"gradient at {w_here}: {g_here}, norm {np.linalg.norm(g_here):.4f}")
print(f"steepest measured slope {slopes.min():.4f} at angle {np.degrees(angle_best):.1f}°;"
      f" antigradient angle {np.degrees(angle_antigradient):.1f}°, -||g|| = {-np.linalg.norm(g_here):.4f}")

fig, (ax_slope, ax_map) = plt.subplots(1, 2, figsize=(12, 4.5))
ax_slope.plot(np.degrees(angles), slopes, label=r"measured $\nabla L^\top d(\alpha)$")
ax_slope.plot(np.degrees(angles), np.linalg.norm(g_here) * np.cos(angles - np.arctan2(g_here[1], g_here[0])), "k--",
              lw=1, label=r"$\|\nabla L\|\cos(\alpha-\alpha_g)$")
ax_slope.axvline(np.degrees(angle_antigradient), color="red", ls=":", label="antigradient direction")
ax_slope.set_xlabel("direction angle α (degrees)")
ax_slope.set_ylabel("directional derivative")
ax_slope.set_title("Slope of L along each unit direction")
ax_slope.legend(fontsize=8)

grid = np.linspace(-9, 9, 200)
G1, G2 = np.meshgrid(grid, grid)
ax_map.contour(G1, G2, seed_quadratic(np.array([G1, G2])), levels=20, cmap="viridis")
ax_map.quiver(*w_here, *(3 * d_star), angles="xy", scale_units="xy", scale=1, color="red",
              label=r"$-\nabla L/\|\nabla L\|$ (×3)")
ax_map.plot(*w_here, "ko")
ax_map.set_aspect("equal")
ax_map.set_xlabel("$w_1$")
ax_map.set_ylabel("$w_2$")
ax_map.set_title("Steepest descent direction is perpendicular to the contour")
ax_map.legend(fontsize=8, loc="upper left")
plt.show()

# %% [markdown]
# The measured slopes follow $\lVert\nabla L\rVert\cos(\alpha-\alpha_g)$ exactly, their minimum
# sits at the antigradient's angle, and on the contour plot that direction is perpendicular to the
# level curve through $\mathbf w$. Note that it does **not** point at the minimum $(0,0)$: the
# steepest direction is a local notion, which is why gradient descent zig-zags on elongated
# valleys (lessons 02 and 04).
#
# ## Summary
#
# * $\frac{f(x+h)-f(x)}{h}$ has error $O(h)$; $\frac{f(x+h)-f(x-h)}{2h}$ has error $O(h^2)$.
#   Round-off adds about $\varepsilon|f|/h$, so there is a best $h$: $\sim\sqrt\varepsilon$ for
#   one-sided and $\sim\varepsilon^{1/3}$ for central differences.
# * The gradient stacks the partial derivatives; numerically, perturb one entry at a time.
# * Numerical gradients are for **checking** analytic ones (relative error, a few random
#   coordinates, large regularisation too), not for training: $K D + K$ full-data passes.
# * Reverse mode applies the chain rule backwards and gets all partial derivatives of a loss in
#   one pass; that is backpropagation.
# * $-\nabla L/\lVert\nabla L\rVert$ is the direction of steepest descent (Cauchy–Schwarz).
#
# ## Live lecture
#
# The `GDStepper` widget runs gradient descent on the lecture's function $f(x)=x^4+x+2$ with a
# derivative function *you* pass in: here your `forward_difference` and your
# `central_difference`. The next lesson studies gradient descent itself; this one asks how the
# finite-difference step $h$ affects it. Suggested experiments:
#
# * Drag the `h` slider of the forward-difference stepper from $10^{-3}$ up to $0.1$ and step
#   30 times: the iterates settle, but not at the minimum $x^*=-1/2^{2/3}$ (the dashed line; the
#   right panel shows the distance $|x_t-x^*|$ levelling off at the bias). The forward
#   difference has a bias $\approx\frac h2 f''(x)$, so gradient descent stops where the
#   *approximate* slope is zero.
# * Do the same with the central-difference stepper: its bias is
#   $\approx\frac{h^2}{6}f^{(3)}(x)$, which shrinks like $h^2$ instead of $h$.
# * Try $h=0.5$ in both: now neither approximation is usable.
# * Push `lr` up until the run diverges (the next lesson explains the threshold).
#
# The cell below runs these experiments in code (through the sliders), so the numbers are on
# record; both steppers are left at $h=0.1$.

# %%
from course.widgets import GDStepper

x_star = -1 / 2 ** (2 / 3)
# x* marked, the window zoomed to where the iterates go, and the right panel showing |x_t − x*| on a
# log scale: the bias from h is the height of the plateau the distance settles on.
stepper_forward = GDStepper(derivative=forward_difference, f_label="x⁴ + x + 2, forward differences",
                            x_star=x_star, xlim=(-1.2, 1.2))
stepper_central = GDStepper(derivative=central_difference, f_label="x⁴ + x + 2, central differences",
                            x_star=x_star, xlim=(-1.2, 1.2))
stepper_forward.step(30)
stepper_central.step(30)
print(f"x after 30 steps of lr = 0.2 from x0 = 1 (x* = {x_star:.5f})")
print(f"{'h':>6} | {'forward':>9} {'error':>9} | {'central':>9} {'error':>9}")
for h in (0.5, 0.01, 0.1):  # a slider change replays the 30 steps with the new h
    stepper_forward.sliders["h"].value = h
    stepper_central.sliders["h"].value = h
    x_f, x_c = stepper_forward.trajectory[-1], stepper_central.trajectory[-1]
    h = stepper_forward.sliders["h"].value  # on the slider's grid 10^(0.1k) (0.5 is 0.501)
    print(f"{h:>6.3g} | {x_f:9.5f} {x_f - x_star:+9.5f} | {x_c:9.5f} {x_c - x_star:+9.5f}")
stepper_forward

# %%
stepper_central
