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
# # Lesson 08 — Stochastic gradient descent in theory and practice
#
# Every optimizer in this course so far has been fed *minibatch* gradients. This lesson asks what
# that costs and what it buys:
#
# 1. **The finite-sum problem**: why a full gradient is too expensive, and what a stochastic
#    gradient is.
# 2. **Unbiasedness**: the minibatch gradient is right *on average* (we check it empirically).
# 3. **Variance**: how the noise falls with the batch size $B$ — as $1/B$, on a log-log plot.
# 4. **Rates**: what theory promises for gradient descent (GD) and SGD (the table of seed 004),
#    illustrated on a strongly convex problem.
# 5. **Why the step must decrease**: a constant step stalls on a noise floor; a decreasing one
#    does not.
# 6. **Many local optima**: restarts and ensembles on a non-convex problem.
# 7. **Hyperparameter search**: grid search against random search.
#
# Sources: seed 004 (Merkulov & Ostroukhov, *stochastic gradient descent, adaptive methods*),
# seed 001 (Kitov, *features of training deep networks*), seed 002 (lecture 03, *search
# methods*), and Bergstra & Bengio, *Random Search for Hyper-Parameter Optimization*, JMLR 2012.
#
# **Exercises** (11 points): `per_example_gradients` (2), `minibatch_gradient` (1),
# `minibatch_gradient_variance` (2), `run_sgd` (2), `grid_search` (2), `random_search` (2).
# Write your code where it says `YOUR CODE HERE`, then run the test cell below it. The visible
# tests give quick feedback; the grader runs more (hidden) tests on other inputs.

# %%
import matplotlib.pyplot as plt
import numpy as np

from course.checks import assert_close, assert_raises, assert_unchanged
from course.config import grading_mode, pick
from course.widgets import use_palette

use_palette()  # Okabe–Ito colours (colour-blind safe) for every plot, as in the widgets

print("grading mode (small, fast experiments):", grading_mode())

# %% [markdown]
# ## 1. The finite-sum problem
#
# Training a model means minimising an average over the $N$ training examples (seed 004):
#
# $$\min_{w \in \mathbb{R}^D} f(w) = \frac{1}{N}\sum_{i=1}^{N} f_i(w),$$
#
# where $f_i$ is the loss on example $i$. Gradient descent uses the whole sum at every step,
#
# $$w_{k+1} = w_k - \frac{\alpha_k}{N} \sum_{i=1}^{N} \nabla f_i(w_k) \qquad \text{(GD)},$$
#
# so one step costs $N$ per-example gradients: $N \approx 1.4\cdot 10^7$ for ImageNet,
# $N \approx 10^8$ for WikiText (seed 004). Stochastic gradient descent picks an index $i_k$ at
# random instead, or a random minibatch $\mathcal{B}_k$ of $B$ indices:
#
# $$w_{k+1} = w_k - \alpha_k \nabla f_{i_k}(w_k) \quad \text{(SGD)}, \qquad
#   w_{k+1} = w_k - \frac{\alpha_k}{B}\sum_{i \in \mathcal{B}_k} \nabla f_i(w_k) \quad
#   \text{(minibatch SGD)}.$$
#
# One SGD step is $N/B$ times cheaper than a GD step. The rest of the lesson is about what we pay
# for that.
#
# We work with two classic finite sums, written for a weight vector $w$ of shape $(D,)$ and
# examples $x_i$ (rows of $X$, shape $(N, D)$):
#
# | loss | $f_i(w)$ | $\nabla f_i(w)$ |
# |---|---|---|
# | least squares | $\tfrac12 (x_i^\top w - y_i)^2$ | $(x_i^\top w - y_i)\, x_i$ |
# | logistic ($y_i \in \{0, 1\}$) | $\log(1 + e^{x_i^\top w}) - y_i\, x_i^\top w$ | $(\sigma(x_i^\top w) - y_i)\, x_i$ |
#
# with $\sigma(z) = 1/(1 + e^{-z})$. Both gradients are "residual times input", so all $N$ of
# them fit in one matrix expression.

# %% nbgrader={"grade": false, "grade_id": "ex_per_example_gradients", "locked": false, "schema_version": 3, "solution": true, "task": false}
def per_example_gradients(w, X, y, loss="least_squares"):
    """The gradients of every f_i at w, one per row.

    Inputs:
    - w: (D,) parameters
    - X: (N, D) inputs, one example per row
    - y: (N,) targets (labels in {0, 1} for loss="logistic")
    - loss: "least_squares" or "logistic" (anything else: ValueError)

    Returns G of shape (N, D) with G[i] = grad f_i(w). No Python loop over examples.
    Hint: for large |z|, 1 / (1 + np.exp(-z)) overflows for z << 0; it still gives the right
    answer (0), but you may prefer a form that never overflows.
    """
    ### BEGIN SOLUTION
    if loss not in ("least_squares", "logistic"):
        raise ValueError(f"loss must be 'least_squares' or 'logistic', got {loss!r}")
    w, X, y = np.asarray(w, dtype=float), np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    z = X @ w
    if loss == "least_squares":
        residual = z - y
    else:
        # sigmoid(z) = exp(-logaddexp(0, -z)) never overflows
        residual = np.exp(-np.logaddexp(0.0, -z)) - y
    return residual[:, None] * X
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_per_example_gradients", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Least squares by hand: x = (1, 2), w = (2, -1), y = 3 -> residual 2 - 2 - 3 = -3, gradient -3 * (1, 2)
assert_close(per_example_gradients(np.array([2.0, -1.0]), np.array([[1.0, 2.0]]), np.array([3.0])),
             [[-3.0, -6.0]], name="least-squares gradient")
# Logistic at w = 0: sigmoid(0) = 1/2, so the gradient is (1/2 - y) x
X_hand = np.array([[2.0, 4.0], [1.0, -1.0]])
assert_close(per_example_gradients(np.zeros(2), X_hand, np.array([1.0, 0.0]), loss="logistic"),
             [[-1.0, -2.0], [0.5, -0.5]], name="logistic gradient at w = 0")
# Shapes, and inputs left alone
rng_visible = np.random.default_rng(0)
X_visible, w_visible = rng_visible.normal(size=(6, 3)), rng_visible.normal(size=3)
y_visible = rng_visible.normal(size=6)
X_before = X_visible.copy()
assert per_example_gradients(w_visible, X_visible, y_visible).shape == (6, 3)
assert_unchanged(X_before, X_visible, name="X")
print("per_example_gradients: visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, check_raises

rng_hidden = np.random.default_rng(801)


def _hidden_problem(n, d, loss, scale=1.0):
    X = rng_hidden.normal(size=(n, d)) * scale
    w = rng_hidden.normal(size=d)
    y = rng_hidden.normal(size=n) if loss == "least_squares" else rng_hidden.integers(0, 2, n).astype(float)
    return (w, X, y)


cases = []
for loss in ("least_squares", "logistic"):
    for n, d in [(1, 1), (5, 3), (40, 7), (3, 12)]:
        cases.append(Case(f"{loss}, N={n}, D={d}", _hidden_problem(n, d, loss), {"loss": loss}))
cases.append(Case("least squares, default loss argument", _hidden_problem(8, 4, "least_squares")))
cases.append(Case("logistic with very large scores", _hidden_problem(10, 3, "logistic", scale=300.0),
                  {"loss": "logistic"}))
check_against_reference("per_example_gradients", per_example_gradients,
                        "solutions.sgd_theory:per_example_gradients", cases)
check_raises("per_example_gradients",
             lambda: per_example_gradients(np.zeros(2), np.zeros((3, 2)), np.zeros(3), loss="hinge"),
             "an unknown loss name")
### END HIDDEN TESTS

# %% [markdown]
# A **minibatch gradient** averages the per-example gradients over a set of indices. When the
# indices are drawn *with replacement* the same example can appear twice, and then it counts
# twice.

# %% nbgrader={"grade": false, "grade_id": "ex_minibatch_gradient", "locked": false, "schema_version": 3, "solution": true, "task": false}
def minibatch_gradient(w, X, y, indices, loss="least_squares"):
    """The minibatch gradient 1/B * sum over i in `indices` of grad f_i(w).

    Inputs:
    - w: (D,) parameters; X: (N, D); y: (N,)
    - indices: (B,) integers in 0..N-1; repeats allowed and counted each time
    - loss: "least_squares" or "logistic"

    Returns (D,). With indices = np.arange(N) this is the full gradient grad f(w).
    Compute only the B gradients you need (not all N).
    """
    ### BEGIN SOLUTION
    indices = np.asarray(indices)
    X, y = np.asarray(X), np.asarray(y)
    return per_example_gradients(w, X[indices], y[indices], loss).mean(axis=0)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_minibatch_gradient", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# By hand: w = (1, 2), y = 0, so the residuals of the three rows are 1, 2, 3 and the gradients
# (1, 0), (0, 2), (3, 3); indices [0, 2, 2] average (1, 0) + 2 * (3, 3) over 3 -> (7/3, 2).
X_hand = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
assert_close(minibatch_gradient(np.array([1.0, 2.0]), X_hand, np.zeros(3), [0, 2, 2]), [7 / 3, 2.0],
             name="minibatch gradient with a repeated index")
# All indices give the full gradient: compare with central differences of f(w) = mean of f_i
rng_visible = np.random.default_rng(1)
X_visible, w_visible, y_visible = rng_visible.normal(size=(6, 3)), rng_visible.normal(size=3), rng_visible.normal(size=6)


def _mean_squared_loss(v):
    return 0.5 * np.mean((X_visible @ v - y_visible) ** 2)


numerical = np.array([(_mean_squared_loss(w_visible + h) - _mean_squared_loss(w_visible - h)) / 2e-6
                      for h in 1e-6 * np.eye(3)])
assert_close(minibatch_gradient(w_visible, X_visible, y_visible, np.arange(6)), numerical,
             name="full-batch gradient", rtol=1e-5)
print("minibatch_gradient: visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference

rng_hidden = np.random.default_rng(802)


def _hidden_problem(n, d, loss):
    X = rng_hidden.normal(size=(n, d))
    w = rng_hidden.normal(size=d)
    y = rng_hidden.normal(size=n) if loss == "least_squares" else rng_hidden.integers(0, 2, n).astype(float)
    return (w, X, y)


cases = []
for loss in ("least_squares", "logistic"):
    for n, d, b in [(1, 1, 1), (20, 3, 5), (50, 6, 50), (9, 4, 30)]:
        w, X, y = _hidden_problem(n, d, loss)
        indices = rng_hidden.integers(0, n, size=b)
        cases.append(Case(f"{loss}, N={n}, B={b}", (w, X, y, indices), {"loss": loss}))
    w, X, y = _hidden_problem(12, 3, loss)
    cases.append(Case(f"{loss}, all indices in order", (w, X, y, np.arange(12)), {"loss": loss}))
cases.append(Case("indices given as a Python list", (*_hidden_problem(7, 2, "least_squares"), [6, 0, 6])))
check_against_reference("minibatch_gradient", minibatch_gradient, "solutions.sgd_theory:minibatch_gradient", cases)
### END HIDDEN TESTS

# %% [markdown]
# ### Our test problem
#
# A least-squares problem with $N$ examples in $D = 10$ dimensions, inputs scaled so the
# problem is moderately ill-conditioned, and noisy targets (so no $w$ fits every example: at the
# optimum the *individual* gradients are not zero, which will matter in section 5).

# %%
rng = np.random.default_rng(0)
N, D = 500, 10
X = rng.normal(size=(N, D)) * np.geomspace(1.0, 0.3, D)
w_true = rng.normal(size=D)
y = X @ w_true + 0.5 * rng.normal(size=N)

hessian = X.T @ X / N                      # f is quadratic: its Hessian is constant
eigenvalues = np.linalg.eigvalsh(hessian)
mu, L = eigenvalues[0], eigenvalues[-1]    # strong convexity and smoothness constants
w_star = np.linalg.solve(X.T @ X, X.T @ y)


def f_least_squares(w):
    """f(w) for one w of shape (D,) or many, shape (M, D) -> (M,)."""
    residuals = np.atleast_2d(w) @ X.T - y
    values = 0.5 * np.mean(residuals**2, axis=1)
    return values if np.ndim(w) == 2 else values[0]


f_star = f_least_squares(w_star)
all_indices = np.arange(N)
print(f"N = {N}, D = {D}: mu = {mu:.4f}, L = {L:.4f}, condition number L/mu = {L / mu:.1f}, f* = {f_star:.4f}")

# %% [markdown]
# ## 2. The stochastic gradient is unbiased
#
# If $i_k$ is uniform on $\{1, \dots, N\}$, then (seed 004)
#
# $$\mathbb{E}\left[\nabla f_{i_k}(w)\right] = \sum_{i=1}^{N} \frac{1}{N}\nabla f_i(w) = \nabla f(w).$$
#
# The same holds for a minibatch of $B$ indices drawn with or without replacement: each index is
# equally likely to be in it. Two checks at a point $w_0$ away from the optimum:
#
# * **exactly**: averaging the single-example gradient over all $N$ equally likely choices *is*
#   the full gradient;
# * **empirically**: the running mean of $M$ random minibatch gradients approaches $\nabla f(w_0)$,
#   with an error that falls like $1/\sqrt{M}$ (the law of large numbers).

# %%
w_probe = np.zeros(D)
full_gradient = minibatch_gradient(w_probe, X, y, all_indices)
average_of_singles = np.mean([minibatch_gradient(w_probe, X, y, [i]) for i in range(N)], axis=0)
print(f"||grad f(w0)|| = {np.linalg.norm(full_gradient):.4f}; "
      f"|| mean of the N single-example gradients - grad f || = "
      f"{np.linalg.norm(average_of_singles - full_gradient):.1e}")

n_draws = pick(20_000, 4_000)
fig, ax = plt.subplots(figsize=(6.5, 4))
for batch_size, color in [(1, "C0"), (16, "C1")]:
    draws = np.random.default_rng(batch_size).integers(0, N, size=(n_draws, batch_size))
    samples = np.array([minibatch_gradient(w_probe, X, y, batch) for batch in draws])
    running_mean = np.cumsum(samples, axis=0) / np.arange(1, n_draws + 1)[:, None]
    errors = np.linalg.norm(running_mean - full_gradient, axis=1)
    ax.loglog(np.arange(1, n_draws + 1), errors, color=color, label=f"running mean, B = {batch_size}")
    print(f"B = {batch_size:2d}: error of the mean of {n_draws} minibatch gradients = {errors[-1]:.4f} "
          f"(one minibatch gradient: {errors[0]:.4f})")
m = np.array([1, n_draws])
ax.loglog(m, 2 * np.linalg.norm(full_gradient) / np.sqrt(m), "k--", label=r"slope $-1/2$")
ax.set_title("Averaging minibatch gradients recovers the full gradient")
ax.set_xlabel("number of minibatch gradients averaged, M")
ax.set_ylabel(r"$\|\mathrm{mean} - \nabla f(w_0)\|$")
ax.legend()
plt.show()

# %% [markdown]
# ## 3. Variance against batch size
#
# Unbiased is not enough: a single minibatch gradient can still be far from $\nabla f$. Its
# mean squared error is a variance. Write $g_i = \nabla f_i(w)$, $\bar g = \nabla f(w)$ and
#
# $$\sigma^2 = \frac{1}{N}\sum_{i=1}^{N} \|g_i - \bar g\|^2$$
#
# for the variance of a single-example gradient. For the mean $g_{\mathcal{B}}$ of $B$ examples:
#
# * **with replacement** (indices i.i.d. uniform, as in seed 004's SGD):
#   $\;\mathbb{E}\|g_{\mathcal{B}} - \bar g\|^2 = \dfrac{\sigma^2}{B}$ — independent terms, so
#   variances add and the mean divides by $B^2$;
# * **without replacement** ($B$ distinct examples — what a minibatch of a shuffled epoch is,
#   seed 001's "shuffle before every epoch, then go through in order", and what PyTorch's
#   `DataLoader(shuffle=True)` does):
#   $\;\mathbb{E}\|g_{\mathcal{B}} - \bar g\|^2 = \dfrac{\sigma^2}{B}\cdot\dfrac{N - B}{N - 1}$,
#   the finite-population correction: at $B = N$ the batch *is* the data set and the error is 0.
#
# Either way the *standard deviation* falls only like $1/\sqrt{B}$: four times the compute per
# step buys half the noise.

# %% nbgrader={"grade": false, "grade_id": "ex_minibatch_gradient_variance", "locked": false, "schema_version": 3, "solution": true, "task": false}
def minibatch_gradient_variance(per_example_grads, batch_size, replace=True):
    """Exact E||g_B - grad f||^2 for the mean g_B of `batch_size` uniformly drawn rows.

    Inputs:
    - per_example_grads: (N, D) matrix whose rows are grad f_i(w); grad f is its row mean
    - batch_size: B, an integer >= 1 (and <= N when replace=False); otherwise ValueError
    - replace: True for i.i.d. indices, False for B distinct indices

    Returns a float: sigma^2 / B with replacement, sigma^2 / B * (N - B) / (N - 1) without
    (0.0 when N = 1), where sigma^2 = 1/N * sum_i ||g_i - grad f||^2.
    """
    ### BEGIN SOLUTION
    G = np.asarray(per_example_grads, dtype=float)
    n = G.shape[0]
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    if not replace and batch_size > n:
        raise ValueError(f"batch_size={batch_size} is larger than N={n}, impossible without replacement")
    sigma2 = np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1))
    if replace:
        return float(sigma2 / batch_size)
    if n == 1:
        return 0.0
    return float(sigma2 / batch_size * (n - batch_size) / (n - 1))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_minibatch_gradient_variance", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Two gradients (1, 0) and (-1, 0): mean 0, sigma^2 = 1.
G_hand = np.array([[1.0, 0.0], [-1.0, 0.0]])
assert_close(minibatch_gradient_variance(G_hand, 1), 1.0, name="B=1 with replacement")
assert_close(minibatch_gradient_variance(G_hand, 2), 0.5, name="B=2 with replacement")
assert_close(minibatch_gradient_variance(G_hand, 1, replace=False), 1.0, name="B=1 without replacement")
assert_close(minibatch_gradient_variance(G_hand, 2, replace=False), 0.0, name="B=N without replacement")
# Gradients 0, 0, 3 (D = 1): the three pairs have means 0, 1.5, 1.5, squared errors 1, 0.25, 0.25
assert_close(minibatch_gradient_variance(np.array([[0.0], [0.0], [3.0]]), 2, replace=False), 0.5,
             name="pairs without replacement, enumerated by hand")
for bad in (0, 2.5):
    assert_raises(ValueError, lambda: minibatch_gradient_variance(G_hand, bad), f"batch_size={bad}")
print("minibatch_gradient_variance: visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, check_raises

rng_hidden = np.random.default_rng(803)
cases = []
for n, d in [(1, 1), (7, 2), (30, 5), (200, 3)]:
    G = rng_hidden.normal(size=(n, d)) * rng_hidden.uniform(0.1, 10)
    for b in sorted({1, max(1, n // 3), n}):
        cases.append(Case(f"N={n}, D={d}, B={b}, with replacement", (G, b)))
        cases.append(Case(f"N={n}, D={d}, B={b}, without replacement", (G, b), {"replace": False}))
cases.append(Case("batch larger than N with replacement", (rng_hidden.normal(size=(4, 2)), 9)))
cases.append(Case("numpy integer batch size", (rng_hidden.normal(size=(10, 2)), np.int64(3)), {"replace": False}))
check_against_reference("minibatch_gradient_variance", minibatch_gradient_variance,
                        "solutions.sgd_theory:minibatch_gradient_variance", cases)
check_raises("minibatch_gradient_variance", lambda: minibatch_gradient_variance(np.ones((4, 2)), 5, replace=False),
             "batch larger than N without replacement")
### END HIDDEN TESTS

# %% [markdown]
# Now the experiment: at $w_0$, draw many minibatches of each size, measure
# $\|g_{\mathcal{B}} - \nabla f(w_0)\|^2$, average, and compare with the formula.

# %%
grads_at_probe = per_example_gradients(w_probe, X, y)
batch_sizes = 2 ** np.arange(0, 10)                       # 1 .. 512 (N = 500: the last is > N)
n_repeats = pick(2_000, 300)
rng_batches = np.random.default_rng(1)
measured = {True: [], False: []}
for batch_size in batch_sizes:
    for replace in (True, False):
        if not replace and batch_size > N:
            measured[replace].append(np.nan)
            continue
        errors = [np.sum((minibatch_gradient(w_probe, X, y, rng_batches.choice(N, batch_size, replace=replace))
                          - full_gradient) ** 2) for _ in range(n_repeats)]
        measured[replace].append(np.mean(errors))
measured = {key: np.array(values) for key, values in measured.items()}

formula_with = np.array([minibatch_gradient_variance(grads_at_probe, int(b)) for b in batch_sizes])
sizes_without = batch_sizes[batch_sizes <= N]
formula_without = np.array([minibatch_gradient_variance(grads_at_probe, int(b), replace=False)
                            for b in sizes_without])

slope = np.polyfit(np.log(batch_sizes), np.log(measured[True]), 1)[0]
fig, ax = plt.subplots(figsize=(6.5, 4.2))
ax.loglog(batch_sizes, measured[True], "o", color="C0", label="measured, with replacement")
ax.loglog(batch_sizes, formula_with, "-", color="C0", label=r"$\sigma^2/B$")
ax.loglog(batch_sizes, measured[False], "s", color="C3", label="measured, without replacement")
ax.loglog(sizes_without[:-1], formula_without[:-1], "-", color="C3",
          label=r"$\sigma^2/B \cdot (N-B)/(N-1)$")
ax.set_title(f"Minibatch gradient variance at $w_0$ (N = {N}; fitted slope {slope:.3f})")
ax.set_xlabel("batch size B")
ax.set_ylabel(r"$\mathrm{E}\,\|g_B - \nabla f(w_0)\|^2$")
ax.legend(fontsize=8)
plt.show()

sigma2_probe = minibatch_gradient_variance(grads_at_probe, 1)
print(f"sigma^2 at w0 = {sigma2_probe:.3f}; fitted log-log slope with replacement = {slope:.3f} (theory: -1)")
for b, m_with, f_with in zip(batch_sizes[[0, 3, 6]], measured[True][[0, 3, 6]], formula_with[[0, 3, 6]], strict=False):
    print(f"  B = {b:3d}: measured {m_with:.4f}, formula {f_with:.4f} ({n_repeats} draws)")
print(f"  B = 256 without replacement: measured {measured[False][8]:.4f}, formula {formula_without[8]:.4f}, "
      f"with replacement {formula_with[8]:.4f}")

# %% [markdown]
# The slope is $-1$: halving the noise *standard deviation* costs four times the batch. Without
# replacement the curve bends down as $B \to N$; for the batch sizes used in deep learning
# ($B \ll N$) the two sampling schemes are practically the same.
#
# ## 4. What theory promises: the rates table of seed 004
#
# Assume $\nabla f$ is $L$-Lipschitz. The number of iterations needed to reach accuracy
# $\varepsilon$ ($f(w_k) - f^* \le \varepsilon$; for non-convex $f$, $\|\nabla f(w_k)\|^2 \le
# \varepsilon$) is:
#
# | assumption | deterministic gradient descent | stochastic gradient descent |
# |---|---|---|
# | PL: $\tfrac12\|\nabla f(w)\|^2 \ge \mu\,(f(w) - f^*)$ | $O(\log(1/\varepsilon))$ | $O(1/\varepsilon)$ |
# | convex | $O(1/\varepsilon)$ | $O(1/\varepsilon^2)$ |
# | non-convex | $O(1/\varepsilon)$ | $O(1/\varepsilon^2)$ |
#
# (PL is the Polyak–Łojasiewicz inequality; every $\mu$-strongly convex function satisfies it.)
# Seed 004's comments:
#
# * SGD iterations are $N$ times cheaper, but it needs many more of them: even in the strongly
#   convex case its rate is *sublinear*.
# * The SGD column cannot be improved for an oracle that returns an unbiased gradient with
#   bounded variance. The GD column can: with exact gradients, Nesterov's accelerated method
#   needs $O(1/\sqrt\varepsilon)$ steps in the convex case and replaces $\kappa$ by
#   $\sqrt\kappa$ in the strongly convex one (lesson 04 plots the convex case).
# * Momentum and quasi-Newton methods do not improve the stochastic rates, only the constants:
#   the bottleneck is the variance, not the condition number.
#
# To see the first row on our strongly convex least-squares problem we need an SGD loop whose
# step size may change with $t$. `run_sgd` takes the stochastic gradient as a function of
# $(w, t)$, so the caller decides how minibatches are drawn, and the step size as a number
# (constant) or a function $t \mapsto \alpha_t$ (a schedule, as in lesson 07).

# %% nbgrader={"grade": false, "grade_id": "ex_run_sgd", "locked": false, "schema_version": 3, "solution": true, "task": false}
def run_sgd(stochastic_grad, w0, n_steps, lr):
    """Iterate w_{t+1} = w_t - lr_t * stochastic_grad(w_t, t) for t = 0, ..., n_steps - 1.

    Inputs:
    - stochastic_grad: function (w of shape (D,), t) -> (D,) gradient estimate at step t
    - w0: (D,) start (a Python or numpy scalar means D = 1); never modified
    - n_steps: T, an integer >= 0
    - lr: a positive number (constant step) or a function t -> lr_t > 0;
      a step that is not positive raises ValueError

    Returns the path, an array of shape (T + 1, D): row 0 is w0, row t is w_t.
    """
    ### BEGIN SOLUTION
    w = np.atleast_1d(np.array(w0, dtype=float))
    schedule = lr if callable(lr) else (lambda t: lr)
    path = [w.copy()]
    for t in range(n_steps):
        step = schedule(t)
        if not step > 0:
            raise ValueError(f"lr must be positive, got {step!r} at step {t}")
        w = w - step * np.asarray(stochastic_grad(w.copy(), t), dtype=float)
        path.append(w.copy())
    return np.array(path)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_run_sgd", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# f(w) = 3/2 w^2 with its exact gradient and lr = 0.1: w_t = (1 - 0.3)^t w_0
path_hand = run_sgd(lambda w, t: 3.0 * w, np.array([2.0]), 10, 0.1)
assert_close(path_hand, (2.0 * 0.7 ** np.arange(11))[:, None], name="path on 3/2 w^2")
# f_i(w) = 1/2 (w - a_i)^2 with lr_t = 1/(t + 1): w_1 = a_0, and w_t is the mean of the t samples seen
samples_hand = np.array([4.0, -2.0, 1.0, 5.0])
path_hand = run_sgd(lambda w, t: w - samples_hand[t], np.array([10.0]), 4, lambda t: 1.0 / (t + 1))
assert_close(path_hand[:, 0], [10.0, 4.0, 1.0, 1.0, 2.0], name="running-mean path")
w0_hand = np.array([1.0, -1.0])
assert run_sgd(lambda w, t: w, w0_hand, 0, 0.5).shape == (1, 2), "with n_steps = 0 the path is just w0"
assert_unchanged(np.array([1.0, -1.0]), w0_hand, name="w0")
print("run_sgd: visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, check_raises, reference

rng_hidden = np.random.default_rng(804)


def _sgd_problem(seed, n, d):
    """A fixed least-squares problem and a fixed index sequence: stochastic_grad depends on (w, t) only."""
    r = np.random.default_rng(seed)
    A, b = r.normal(size=(n, d)), r.normal(size=n)
    draws = r.integers(0, n, size=(500, 2))

    def stochastic_grad(w, t):
        rows = draws[t]
        return A[rows].T @ (A[rows] @ w - b[rows]) / len(rows)

    return stochastic_grad


_SCHEDULES = {
    "constant": 0.05,
    "harmonic": lambda t: 0.5 / (t + 5),
    "inverse sqrt": lambda t: 0.1 / np.sqrt(t + 1),
    "numpy float": np.float64(0.02),
}


def _run_sgd_adapter(function):
    # the harness compares arrays, so the callables are built here from plain arguments
    def run(seed, n, d, w0, n_steps, schedule_name):
        return function(_sgd_problem(seed, n, d), w0, n_steps, _SCHEDULES[schedule_name])
    return run


cases = []
for seed, (n, d) in enumerate([(10, 1), (30, 3), (50, 8)]):
    for schedule_name in _SCHEDULES:
        w0 = rng_hidden.normal(size=d)
        cases.append(Case(f"D={d}, {schedule_name} step, 200 steps", (seed, n, d, w0, 200, schedule_name)))
cases.append(Case("zero steps", (3, 10, 2, rng_hidden.normal(size=2), 0, "constant")))
cases.append(Case("scalar start", (4, 10, 1, 0.7, 25, "harmonic")))
check_against_reference("run_sgd", _run_sgd_adapter(run_sgd),
                        _run_sgd_adapter(reference("solutions.sgd_theory:run_sgd")), cases)
check_raises("run_sgd", lambda: run_sgd(lambda w, t: w, np.ones(2), 3, lambda t: 0.1 if t < 1 else -0.1),
             "a negative step in the schedule")
### END HIDDEN TESTS

# %% [markdown]
# ### GD against SGD on a strongly convex problem
#
# Three methods, each started at $w = 0$:
#
# * **GD** with $\alpha = 1/L$ (the stochastic gradient is the full gradient);
# * **SGD** ($B = 1$, indices with replacement) with two **constant** steps $\alpha$ and
#   $\alpha/2$;
# * **SGD** with the **decreasing** step $\alpha_t = \beta / (\gamma + t)$, $\beta = 2/\mu$,
#   $\gamma$ chosen so that $\alpha_0 = \alpha$ (Bottou, Curtis & Nocedal 2018, Theorem 4.7: with
#   $\beta > 1/\mu$ this gives $\mathbb{E}[f(w_t)] - f^* = O(1/t)$).
#
# To compare cost fairly the x-axis counts **epochs**: $N$ per-example gradients, i.e. one GD
# step or $N$ SGD steps. SGD curves are averaged over several runs (different random indices)
# to show the expected behaviour, and smoothed by a moving average of 50 steps for display.

# %%
n_epochs = pick(60, 16)
n_sgd_steps = n_epochs * N
n_runs = pick(8, 3)
lr_constant = 0.02
beta = 2.0 / mu
gamma = beta / lr_constant
schedules = {
    f"SGD, constant step {lr_constant}": lr_constant,
    f"SGD, constant step {lr_constant / 2}": lr_constant / 2,
    r"SGD, decreasing step $\beta/(\gamma + t)$": lambda t: beta / (gamma + t),
}

gd_path = run_sgd(lambda w, t: minibatch_gradient(w, X, y, all_indices), np.zeros(D), n_epochs, 1.0 / L)
gd_gap = f_least_squares(gd_path) - f_star

sgd_gaps = {}
for name, lr in schedules.items():
    runs = []
    for run in range(n_runs):
        draws = np.random.default_rng(100 + run).integers(0, N, size=(n_sgd_steps, 1))
        path = run_sgd(lambda w, t: minibatch_gradient(w, X, y, draws[t]), np.zeros(D), n_sgd_steps, lr)
        runs.append(f_least_squares(path) - f_star)
    sgd_gaps[name] = np.mean(runs, axis=0)

# %% [markdown]
# Why should a constant step stall, and where? At the optimum $\nabla f(w^*) = 0$, but the
# individual gradients are not zero: the stochastic gradient there has variance
# $\sigma_*^2 = \frac1N\sum_i\|\nabla f_i(w^*)\|^2$. Near $w^*$, SGD on a quadratic is
# $w_{t+1} - w^* = (I - \alpha H)(w_t - w^*) - \alpha\,\xi_t$ with noise $\xi_t$ of covariance
# $S$, $\operatorname{tr} S = \sigma_*^2$. Its stationary covariance $C$ solves
# $HC + CH \approx \alpha S$ (dropping the $\alpha^2 HCH$ term), so
#
# $$\mathbb{E}[f(w_t)] - f^* = \tfrac12 \operatorname{tr}(HC) \approx \frac{\alpha\,\sigma_*^2}{4}:$$
#
# a noise floor proportional to the step. Halve the step, halve the floor — and take twice as
# long to get there. The dotted lines below are this prediction.

# %%
sigma2_star = minibatch_gradient_variance(per_example_gradients(w_star, X, y), 1)
epochs_sgd = np.arange(n_sgd_steps + 1) / N


def smoothed(values, window=50):
    """Mean of the last `window` values at every t, for display only (printed numbers use raw curves)."""
    sums = np.concatenate([[0.0], np.cumsum(values)])
    t = np.arange(1, len(values) + 1)
    start = np.maximum(t - window, 0)
    return (sums[t] - sums[start]) / (t - start)


from course.widgets import optimizer_colors  # Okabe–Ito (colour-blind safe); SGD in its widget colour

RUN_COLORS = optimizer_colors([*sgd_gaps, "GD"])
fig, axes = plt.subplots(1, 2, figsize=(12, 4.3))
ax = axes[0]
ax.semilogy(np.arange(n_epochs + 1), gd_gap, "-o", color=RUN_COLORS["GD"], markersize=3, label=r"GD, $\alpha = 1/L$")
for name, gap in sgd_gaps.items():
    ax.semilogy(epochs_sgd, smoothed(gap), color=RUN_COLORS[name], label=name)
for lr, color in zip((lr_constant, lr_constant / 2), RUN_COLORS.values(), strict=False):  # the two constant steps
    ax.axhline(lr * sigma2_star / 4, color=color, linestyle=":", label=rf"predicted floor $\alpha\sigma_*^2/4$, $\alpha$={lr}")
ax.set_ylim(0.3 * min(gd_gap.min(), min(gap.min() for gap in sgd_gaps.values())), None)
ax.set_title("GD converges linearly; constant-step SGD stalls")
ax.set_xlabel("epochs (N per-example gradients)")
ax.set_ylabel(r"$f(w) - f^*$ (SGD: mean over runs, smoothed)")
ax.legend(fontsize=7)

ax = axes[1]
t_axis = np.arange(1, n_sgd_steps + 1)
for name, gap in sgd_gaps.items():
    ax.loglog(t_axis, smoothed(gap)[1:], color=RUN_COLORS[name], label=name)
late = t_axis > n_sgd_steps // 4
decreasing_gap = sgd_gaps[list(schedules)[2]][1:]
fitted_slope = np.polyfit(np.log(t_axis[late]), np.log(decreasing_gap[late]), 1)[0]
reference_t = t_axis[late]
ax.loglog(reference_t, decreasing_gap[late][0] * reference_t[0] / reference_t, "k--", label=r"slope $-1$: $O(1/t)$")
ax.set_title(f"SGD with decreasing steps: O(1/t) (fitted slope {fitted_slope:.2f})")
ax.set_xlabel("SGD iteration t")
ax.set_ylabel(r"$f(w_t) - f^*$ (mean over runs, smoothed)")
ax.legend(fontsize=7)
plt.tight_layout()
plt.show()

# %%
rate_measured = (gd_gap[-1] / gd_gap[-11]) ** (1 / 10)
rate_bound = (1 - mu / L) ** 2
floors = {name: gap[n_sgd_steps // 2:].mean() for name, gap in sgd_gaps.items()}
names = list(schedules)
print(f"GD: f - f* shrinks by a factor {rate_measured:.4f} per step over the last 10 steps "
      f"(bound for alpha = 1/L on a quadratic: (1 - mu/L)^2 = {rate_bound:.4f})")
print(f"GD after {n_epochs} epochs: f - f* = {gd_gap[-1]:.1e}")
print(f"sigma_*^2 at the optimum = {sigma2_star:.3f}")
for name, lr in [(names[0], lr_constant), (names[1], lr_constant / 2)]:
    print(f"{name}: floor (mean over the second half) = {floors[name]:.2e}, predicted {lr * sigma2_star / 4:.2e}")
print(f"floor ratio step/(step/2) = {floors[names[0]] / floors[names[1]]:.2f} (theory: 2)")
print(f"decreasing step: f - f* at the end = {sgd_gaps[names[2]][-1]:.2e}; fitted slope over the last 3/4 = {fitted_slope:.2f}")

# %% [markdown]
# What the plots show:
#
# * **GD** (black) is a straight line on the semi-log plot: linear convergence,
#   $O(\log(1/\varepsilon))$ iterations, the PL row of the table. The measured contraction per
#   step is within the $(1 - \mu/L)^2$ bound.
# * **Constant-step SGD** makes fast progress in the first epoch — many cheap steps — and then
#   hovers at a floor of about $\alpha\sigma_*^2/4$, as predicted; halving $\alpha$ halves the
#   floor.
# * **Decreasing-step SGD** keeps improving with slope $-1$ on the log-log plot: $O(1/t)$, i.e.
#   $O(1/\varepsilon)$ iterations, the stochastic entry of the PL row.
#
# ## 5. Why SGD needs decreasing steps
#
# Seed 001 puts it in one line: *the convergence is now stochastic, so the learning rate must be
# decreased gradually.* A constant step cannot converge, because $\nabla f_i(w^*) \ne 0$ keeps
# kicking the iterate; the floor is proportional to $\alpha$. The step must shrink, but not too
# fast — the Robbins–Monro conditions (lesson 07)
#
# $$\sum_t \alpha_t = \infty \quad \text{(we can still reach any point)}, \qquad
#   \sum_t \alpha_t^2 < \infty \quad \text{(the accumulated noise stays bounded)},$$
#
# hold for $\alpha_t = \beta/(\gamma + t)$. The smallest example shows why this is the right
# speed. Take $f_i(w) = \frac12 (w - a_i)^2$: the minimiser of $f$ is the mean $\bar a$. SGD with
# $\alpha_t = 1/(t+1)$ gives
#
# $$w_{t+1} = w_t - \tfrac{1}{t+1}(w_t - a_{i_t}) = \tfrac{t}{t+1}\,w_t + \tfrac{1}{t+1}\,a_{i_t},$$
#
# so $w_t$ is exactly the average of the $t$ samples drawn so far, whose variance is
# $\sigma^2/t$: the $O(1/t)$ rate, and nothing could do better with $t$ samples.

# %%
a = np.random.default_rng(5).normal(2.0, 1.0, size=1000)
n_steps_mean = pick(2_000, 500)
order = np.random.default_rng(6).integers(0, a.size, size=n_steps_mean)
path = run_sgd(lambda w, t: w - a[order[t]], np.array([10.0]), n_steps_mean, lambda t: 1.0 / (t + 1))
running_mean = np.cumsum(a[order]) / np.arange(1, n_steps_mean + 1)
print(f"max |w_t - mean of the first t samples| = {np.max(np.abs(path[1:, 0] - running_mean)):.1e}; "
      f"w_T = {path[-1, 0]:.4f}, the minimiser a-bar = {a.mean():.4f}")

# %% [markdown]
# ### Written question (3 points, graded by hand): why constant-step SGD does not converge
#
# (a) Gradient descent with a constant step converges to $w^*$ on the strongly convex problem of
# section 4; SGD with the same kind of step does not. Why? What is different at $w^*$ for the
# full gradient and for a stochastic one?
#
# (b) What do the constant-step SGD iterates do instead? How does the size of the floor depend on
# the step $\alpha$ and on the batch size $B$?
#
# (c) Name two remedies and say what each one costs.
#
# Write your answer in the cell below (a few sentences; formulas in `$...$` are welcome).

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_constant_step", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# **Model answer.** (a) $w^*$ is a fixed point of gradient descent because $\nabla f(w^*)=0$. For SGD the step uses
# $\nabla f_i(w^*)$, which is not 0 for a single example (only its average is): every step kicks
# the iterate away from $w^*$ by about $\alpha\,\nabla f_i(w^*)$, so $w^*$ is not a fixed point.
#
# (b) They converge quickly to a neighbourhood of $w^*$ and then fluctuate there: a noise floor
# of $f-f^*$ proportional to $\alpha\sigma_*^2$ (the plot shows halving $\alpha$ halves it). A
# minibatch of $B$ examples divides the variance $\sigma_*^2$ by about $B$, so the floor is about
# $\alpha\sigma_*^2/B$ up to constants.
#
# (c) Decreasing steps satisfying Robbins–Monro ($\sum\alpha_t=\infty$, $\sum\alpha_t^2<\infty$,
# e.g. $\alpha_t=\beta/(\gamma+t)$): converges, but only at the slower $O(1/t)$ rate. Larger
# batches: a lower floor but $B$ times the work per step. (Also accepted: averaging the iterates,
# or variance-reduced methods such as SVRG/SAGA, which need extra memory or full-gradient passes.)
#
# **Rubric (3 points).**
# - 1 point: $\nabla f_i(w^*)\neq 0$ although $\nabla f(w^*)=0$ (the gradient noise does not vanish
#   at the optimum).
# - 1 point: a floor proportional to $\alpha$ and decreasing with $B$ (as $1/B$).
# - 1 point: two valid remedies, each with its cost.
# ### END SOLUTION

# %% [markdown]
# ## 6. Many local optima: restarts and ensembles
#
# For linear models with a convex loss, $f$ is convex and every local minimum is global. Deep
# networks are not convex (seed 001): where SGD ends depends on the start $w_0$, the step, the
# method and its settings. Seed 001's remedy: **restart several times**, then **keep the best**
# solution or **ensemble** them.
#
# ### Keeping the best of K restarts
#
# A one-dimensional function with several local minima of different depths. GD from many random
# starts; because the function acts on each coordinate separately, one call of `run_sgd` with a
# vector of starts runs them all at once (each coordinate is an independent 1-D problem).

# %%
def bumpy(x):
    return 0.1 * (x - 1.0) ** 2 + np.sin(3.0 * x)


def bumpy_derivative(x):
    return 0.2 * (x - 1.0) + 3.0 * np.cos(3.0 * x)


x_grid = np.linspace(-6, 6, 2001)
x_global = x_grid[np.argmin(bumpy(x_grid))]
n_starts = pick(2_000, 500)
starts = np.random.default_rng(7).uniform(-6, 6, size=n_starts)
finals = run_sgd(lambda x, t: bumpy_derivative(x), starts, 300, 0.05)[-1]
found_global = np.abs(finals - x_global) < 0.1
p_global = found_global.mean()
print(f"global minimum near x = {x_global:.3f}, f = {bumpy(x_global):.3f}; "
      f"{found_global.sum()} of {n_starts} random starts reach it (p = {p_global:.3f})")

restarts = np.arange(1, 21)
trials = pick(2_000, 500)
rng_restarts = np.random.default_rng(8)
hits = np.array([[found_global[rng_restarts.integers(0, n_starts, size=k)].any() for _ in range(trials)]
                 for k in restarts]).mean(axis=1)

fig, axes = plt.subplots(1, 2, figsize=(12, 4))
ax = axes[0]
x_plot = np.linspace(min(-6.0, finals.min()) - 0.3, max(6.0, finals.max()) + 0.3, 2001)
print(f"GD end points lie in [{finals.min():.2f}, {finals.max():.2f}] (starts in [-6, 6]); the plot covers "
      f"[{x_plot[0]:.2f}, {x_plot[-1]:.2f}]")
ax.plot(x_plot, bumpy(x_plot), "k-", lw=1, label="f(x)")
ax.plot(starts[:25], bumpy(starts[:25]), "o", color="C0", markersize=4, label="25 random starts")
ax.plot(finals[:25], bumpy(finals[:25]), "x", color=RUN_COLORS["GD"], markersize=8, label="where GD ends")
ax.set_title(r"GD from random starts: $f(x) = 0.1(x-1)^2 + \sin 3x$")
ax.set_xlabel("x")
ax.set_ylabel("f(x)")
ax.legend(fontsize=8)
ax = axes[1]
ax.plot(restarts, 1 - (1 - p_global) ** restarts, "k-", label=r"$1 - (1 - p)^K$")
ax.plot(restarts, hits, "o", color="C2", label=f"measured ({trials} trials each)")
ax.set_title("Probability that the best of K restarts is the global minimum")
ax.set_xlabel("number of restarts K")
ax.set_ylabel("probability")
ax.legend()
plt.tight_layout()
plt.show()
k_needed = int(np.ceil(np.log(0.01) / np.log(1 - p_global)))
print(f"restarts needed for a 99% chance of the global minimum: {k_needed}")

# %% [markdown]
# ### Ensembles
#
# Keeping the best restart throws the others away. An **ensemble** averages their predictions
# instead. For the squared error this never hurts the average member: by Jensen's inequality,
# $\big(\tfrac1K\sum_k \hat y_k - y\big)^2 \le \tfrac1K\sum_k(\hat y_k - y)^2$ at every input.
#
# A small non-convex model makes the point: a one-hidden-layer network
# $\hat y(x) = \sum_{h=1}^{H} a_h \tanh(u_h x + c_h) + b$ fitted to noisy samples of
# $\sin 2x$ by full-batch GD from $K$ random initialisations (all $K$ trained at once,
# vectorised).

# %%
rng_net = np.random.default_rng(0)
x_train = np.sort(rng_net.uniform(-3, 3, size=30))
y_train = np.sin(2 * x_train) + 0.2 * rng_net.normal(size=x_train.size)
x_test = np.linspace(-3, 3, 300)
y_test = np.sin(2 * x_test)
n_hidden, n_models = 6, 12


def init_networks(n_models, seed):
    """K independent networks: every parameter array has a leading axis of size K."""
    r = np.random.default_rng(seed)
    return {"u": r.normal(0, 1.5, (n_models, n_hidden)), "c": r.normal(0, 1.0, (n_models, n_hidden)),
            "a": r.normal(0, 0.5, (n_models, n_hidden)), "b": np.zeros(n_models)}


def network_predict(params, x):
    """Predictions (K, n) of the K networks at the n inputs x, and the hidden activations (K, H, n)."""
    hidden = np.tanh(params["u"][:, :, None] * x + params["c"][:, :, None])
    return np.einsum("kh,khn->kn", params["a"], hidden) + params["b"][:, None], hidden


def network_loss_and_grads(params, x, y):
    """Half mean squared error of each network (K,) and its gradients (backpropagation by hand)."""
    prediction, hidden = network_predict(params, x)
    error = prediction - y
    d_hidden = error[:, None, :] * params["a"][:, :, None] * (1 - hidden**2)
    grads = {"u": np.mean(d_hidden * x, axis=2), "c": np.mean(d_hidden, axis=2),
             "a": np.mean(error[:, None, :] * hidden, axis=2), "b": np.mean(error, axis=1)}
    return 0.5 * np.mean(error**2, axis=1), grads


networks = init_networks(n_models, seed=1)
for step in range(pick(20_000, 4_000)):
    train_loss, grads = network_loss_and_grads(networks, x_train, y_train)
    networks = {name: value - 0.1 * grads[name] for name, value in networks.items()}

test_predictions, _ = network_predict(networks, x_test)
member_test_mse = np.mean((test_predictions - y_test) ** 2, axis=1)
ensemble_prediction = test_predictions.mean(axis=0)
ensemble_test_mse = np.mean((ensemble_prediction - y_test) ** 2)
best = int(np.argmin(train_loss))

fig, axes = plt.subplots(1, 2, figsize=(12, 4))
ax = axes[0]
for k in range(n_models):
    ax.plot(x_test, test_predictions[k], color="C0", alpha=0.3, lw=1)
ax.plot(x_test, ensemble_prediction, color="C3", lw=2, label="ensemble (mean of the K networks)")
ax.plot(x_test, y_test, "k--", lw=1, label=r"truth $\sin 2x$")
ax.plot(x_train, y_train, "ko", markersize=3, label="training data")
ax.set_title(f"{n_models} networks from different random starts (thin lines)")
ax.set_xlabel("x")
ax.set_ylabel("prediction")
ax.legend(fontsize=8)
ax = axes[1]
ax.scatter(train_loss, member_test_mse, color="C0", label="single networks")
ax.axhline(ensemble_test_mse, color="C3", label="ensemble")
ax.axhline(member_test_mse[best], color="C2", linestyle="--", label="best training loss")
ax.set_title("Different starts end in different optima")
ax.set_xlabel("final training loss")
ax.set_ylabel("test mean squared error")
ax.legend(fontsize=8)
plt.tight_layout()
plt.show()
print(f"final training losses range from {train_loss.min():.4f} to {train_loss.max():.4f}")
print(f"test MSE: average member {member_test_mse.mean():.4f}, member with the best training loss "
      f"{member_test_mse[best]:.4f}, ensemble {ensemble_test_mse:.4f}")

# %% [markdown]
# ## 7. Hyperparameter search: grid against random
#
# Learning rate, batch size, schedule, momentum, weight decay: someone has to choose them.
# Seed 002 lists six common techniques: grid search, random search, Bayesian optimisation,
# Hyperband, genetic algorithms and AutoML frameworks. The first two are the baselines every
# other method is compared with:
#
# * **grid search** tries every combination of $n$ values per axis: $n^d$ trials for $d$
#   hyperparameters;
# * **random search** draws each trial's hyperparameters independently at random.
#
# Scale hyperparameters like the learning rate are searched **on a log scale** (equally many
# trials per decade): `np.geomspace` for a grid, a log-uniform draw for random search.

# %% nbgrader={"grade": false, "grade_id": "ex_grid_search", "locked": false, "schema_version": 3, "solution": true, "task": false}
def grid_search(objective, low, high, n_per_axis, log_scale=False):
    """Evaluate `objective` on a Cartesian grid and return the best point.

    Inputs:
    - objective: function (d,) array -> float, to be minimised
    - low, high: (d,) bounds, low < high (scalars mean d = 1)
    - n_per_axis: grid points per axis, an int or (d,) ints
    - log_scale: bool or (d,) bools; on a log axis use np.geomspace instead of np.linspace

    Axis j holds np.linspace(low[j], high[j], n[j]) (np.geomspace on log axes). Points are
    visited in itertools.product order: the first axis changes slowest.
    Returns (best_point (d,), best_value float, points (M, d), values (M,)), M = prod(n);
    ties go to the first minimum (np.argmin).
    """
    ### BEGIN SOLUTION
    low, high = np.atleast_1d(np.asarray(low, dtype=float)), np.atleast_1d(np.asarray(high, dtype=float))
    n = np.broadcast_to(n_per_axis, low.shape)
    log_scale = np.broadcast_to(log_scale, low.shape)
    axes = [(np.geomspace if log else np.linspace)(lo, hi, int(k))
            for lo, hi, k, log in zip(low, high, n, log_scale, strict=False)]
    points = np.stack([m.ravel() for m in np.meshgrid(*axes, indexing="ij")], axis=1)
    values = np.array([float(objective(p.copy())) for p in points])
    best = int(np.argmin(values))
    return points[best].copy(), float(values[best]), points, values
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_grid_search", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def _bowl(p):
    return (p[0] - 1.0) ** 2 + (p[1] + 2.0) ** 2


best_hand, value_hand, points_hand, values_hand = grid_search(_bowl, [0.0, -3.0], [2.0, 3.0], [3, 7])
assert points_hand.shape == (21, 2), f"expected 3 * 7 = 21 points, got shape {points_hand.shape}"
assert_close(points_hand[:3], [[0.0, -3.0], [0.0, -2.0], [0.0, -1.0]], name="first grid points (first axis slowest)")
assert_close(best_hand, [1.0, -2.0], name="best point")
assert_close(value_hand, 0.0, name="best value")
assert_close(values_hand[:2], [1.0 + 1.0, 1.0 + 0.0], name="first objective values")
_, _, points_log, _ = grid_search(lambda p: p[0], 1e-4, 1.0, 5, log_scale=True)
assert_close(points_log[:, 0], [1e-4, 1e-3, 1e-2, 1e-1, 1.0], name="log-scale grid")
print("grid_search: visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, reference

_OBJECTIVES = {
    "shifted bowl": lambda p: float(np.sum((p - 0.3) ** 2)),
    "wiggly": lambda p: float(np.sin(5 * p[0]) + np.cos(3 * p[-1]) + 0.1 * np.sum(p**2)),
    "log-lr valley": lambda p: float((np.log10(p[0]) + 2.5) ** 2 + 0.01 * np.sum(p[1:])),
    "flat (ties)": lambda p: 1.0,
}


def _grid_adapter(function):
    def run(objective_name, low, high, n_per_axis, log_scale):
        return function(_OBJECTIVES[objective_name], low, high, n_per_axis, log_scale)
    return run


cases = [
    Case("1-D bowl", ("shifted bowl", -1.0, 2.0, 13, False)),
    Case("2-D wiggly, different counts per axis", ("wiggly", [-2.0, -1.0], [1.0, 3.0], [9, 4], False)),
    Case("3-D bowl", ("shifted bowl", [-1.0, -1.0, 0.0], [1.0, 2.0, 1.0], 5, False)),
    Case("log axis and a linear axis", ("log-lr valley", [1e-5, 0.0], [1.0, 1.0], [11, 3], [True, False])),
    Case("all log axes", ("log-lr valley", [1e-4, 1e-2], [1e-1, 1.0], 6, True)),
    Case("ties go to the first point", ("flat (ties)", [0.0, 0.0], [1.0, 1.0], 3, False)),
    Case("one point per axis", ("wiggly", [0.0, 0.0], [1.0, 1.0], 1, False)),
]
check_against_reference("grid_search", _grid_adapter(grid_search),
                        _grid_adapter(reference("solutions.sgd_theory:grid_search")), cases)
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "ex_random_search", "locked": false, "schema_version": 3, "solution": true, "task": false}
def random_search(objective, low, high, n_trials, seed=0, log_scale=False):
    """Evaluate `objective` at random points and return the best one.

    Inputs:
    - objective: function (d,) array -> float, to be minimised
    - low, high: (d,) bounds, low < high (scalars mean d = 1)
    - n_trials: M, the number of points
    - seed, log_scale: draw the points exactly like this (so results are reproducible):
          u = np.random.default_rng(seed).random((n_trials, d))
          point = low + u * (high - low)        on linear axes (uniform)
          point = low * (high / low) ** u       on log_scale axes (log-uniform)

    Returns (best_point (d,), best_value float, points (M, d), values (M,)); ties go to the
    first minimum (np.argmin).
    """
    ### BEGIN SOLUTION
    low, high = np.atleast_1d(np.asarray(low, dtype=float)), np.atleast_1d(np.asarray(high, dtype=float))
    log_scale = np.broadcast_to(log_scale, low.shape)
    u = np.random.default_rng(seed).random((n_trials, low.size))
    points = low + u * (high - low)
    for j in np.flatnonzero(log_scale):
        points[:, j] = low[j] * (high[j] / low[j]) ** u[:, j]
    values = np.array([float(objective(p.copy())) for p in points])
    best = int(np.argmin(values))
    return points[best].copy(), float(values[best]), points, values
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_random_search", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def _bowl(p):
    return (p[0] - 1.0) ** 2 + (p[1] + 2.0) ** 2


best_r, value_r, points_r, values_r = random_search(_bowl, [0.0, -3.0], [2.0, 3.0], 50, seed=3)
u_expected = np.random.default_rng(3).random((50, 2))          # the draw the docstring prescribes
assert_close(points_r, [0.0, -3.0] + u_expected * [2.0, 6.0], name="random points")
assert_close(values_r, [_bowl(p) for p in points_r], name="objective values")
assert_close(value_r, values_r.min(), name="best value")
assert_close(best_r, points_r[np.argmin(values_r)], name="best point")
_, _, points_log, _ = random_search(lambda p: 0.0, 1e-6, 1.0, 6000, seed=0, log_scale=True)
per_decade = np.histogram(np.log10(points_log[:, 0]), bins=6, range=(-6, 0))[0]
assert np.all(np.abs(per_decade - 1000) < 150), f"a log-uniform draw puts ~1000 of 6000 points in each decade, got {per_decade}"
print("random_search: visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, reference

_OBJECTIVES = {
    "shifted bowl": lambda p: float(np.sum((p - 0.3) ** 2)),
    "wiggly": lambda p: float(np.sin(5 * p[0]) + np.cos(3 * p[-1]) + 0.1 * np.sum(p**2)),
    "log-lr valley": lambda p: float((np.log10(p[0]) + 2.5) ** 2 + 0.01 * np.sum(p[1:])),
    "flat (ties)": lambda p: 1.0,
}


def _random_adapter(function):
    def run(objective_name, low, high, n_trials, seed, log_scale):
        return function(_OBJECTIVES[objective_name], low, high, n_trials, seed=seed, log_scale=log_scale)
    return run


cases = [
    Case("1-D bowl", ("shifted bowl", -1.0, 2.0, 17, 0, False)),
    Case("2-D wiggly", ("wiggly", [-2.0, -1.0], [1.0, 3.0], 40, 11, False)),
    Case("3-D bowl, one trial", ("shifted bowl", [-1.0, -1.0, 0.0], [1.0, 2.0, 1.0], 1, 5, False)),
    Case("log axis and a linear axis", ("log-lr valley", [1e-5, 0.0], [1.0, 1.0], 64, 2, [True, False])),
    Case("all log axes", ("log-lr valley", [1e-4, 1e-2], [1e-1, 1.0], 30, 9, True)),
    Case("ties go to the first point", ("flat (ties)", [0.0, 0.0], [1.0, 1.0], 8, 4, False)),
    Case("negative bounds", ("wiggly", [-5.0, -4.0], [-1.0, -3.5], 25, 7, False)),
]
check_against_reference("random_search", _random_adapter(random_search),
                        _random_adapter(reference("solutions.sgd_theory:random_search")), cases)
### END HIDDEN TESTS

# %% [markdown]
# ### Bergstra & Bengio's picture
#
# Often only a few hyperparameters matter much (Bergstra & Bengio 2012). Take an objective that
# depends strongly on $x_1$ (a narrow dip) and hardly at all on $x_2$, and give both methods the
# same budget of 9 trials. The $3 \times 3$ grid tries only **3 distinct values** of the
# important $x_1$; random search tries **9**.

# %%
def important_and_unimportant(p, x1_best=0.62):
    """A narrow dip in x1 (width 0.05) plus a barely relevant x2."""
    return -np.exp(-((p[0] - x1_best) ** 2) / (2 * 0.05**2)) + 0.02 * (p[1] - 0.5) ** 2


budget = 9
_, grid_value, grid_points, _ = grid_search(important_and_unimportant, [0, 0], [1, 1], 3)
_, random_value, random_points, _ = random_search(important_and_unimportant, [0, 0], [1, 1], budget, seed=0)

x1_axis = np.linspace(-0.05, 1.05, 400)
grid_x, grid_y = np.meshgrid(x1_axis, x1_axis)
surface = important_and_unimportant(np.stack([grid_x, grid_y]))
fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
for ax, points, title, value in [(axes[0], grid_points, "Grid search", grid_value),
                                 (axes[1], random_points, "Random search", random_value)]:
    ax.contourf(grid_x, grid_y, surface, levels=20, cmap="Blues_r")
    ax.plot(points[:, 0], points[:, 1], "o", color="C3", markersize=8, label="trials")
    ax.plot(points[:, 0], np.full(len(points), -0.03), "|", color="k", markersize=12, label="$x_1$ values tried")
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(f"{title}: {len(np.unique(points[:, 0]))} distinct $x_1$ values, best f = {value:.3f}")
    ax.set_xlabel(r"$x_1$ (important)")
    ax.set_ylabel(r"$x_2$ (unimportant)")
axes[1].legend(loc="upper left", fontsize=8)
plt.tight_layout()
plt.show()
print(f"{budget} trials: grid search tries {len(np.unique(grid_points[:, 0]))} values of x1, "
      f"random search {len(np.unique(random_points[:, 0]))}; best values {grid_value:.3f} and {random_value:.3f} "
      f"(the optimum is {important_and_unimportant(np.array([0.62, 0.5])):.3f})")

# %% [markdown]
# One picture proves little: the grid could be lucky if the dip sat on a grid line. So repeat the
# experiment with the dip at a random position, many times, for several budgets, and compare the
# **regret** (best value found minus the true optimum, $-1$).

# %%
budgets_per_axis = np.arange(2, 9)                 # grids of 2x2 .. 8x8 trials
n_problems = pick(200, 60)
rng_problems = np.random.default_rng(11)
regret = {"grid": np.zeros((len(budgets_per_axis), n_problems)),
          "random": np.zeros((len(budgets_per_axis), n_problems))}
for j, k in enumerate(budgets_per_axis):
    for i in range(n_problems):
        x1_best = rng_problems.uniform(0.05, 0.95)
        objective = lambda p: important_and_unimportant(p, x1_best)
        regret["grid"][j, i] = grid_search(objective, [0, 0], [1, 1], int(k))[1] + 1
        regret["random"][j, i] = random_search(objective, [0, 0], [1, 1], int(k * k), seed=i)[1] + 1

fig, ax = plt.subplots(figsize=(6.5, 4))
for name, color in [("grid", "C0"), ("random", "C3")]:
    ax.plot(budgets_per_axis**2, regret[name].mean(axis=1), "o-", color=color, label=f"{name} search")
ax.set_yscale("log")
ax.set_title(f"Mean regret over {n_problems} random dip positions")
ax.set_xlabel("number of trials")
ax.set_ylabel("best value found - optimum")
ax.legend()
plt.show()
for j in (1, 3, 6):
    print(f"{budgets_per_axis[j] ** 2:2d} trials: mean regret grid {regret['grid'][j].mean():.3f}, "
          f"random {regret['random'][j].mean():.3f}")

# %% [markdown]
# With one important hyperparameter, a $k \times k$ grid wastes $k^2 - k$ of its trials on
# repeats of the same $x_1$ values, while random search spends every trial on a new one. In
# higher dimensions the effect grows: a grid's cost explodes as $n^d$, random search's budget is
# whatever you can afford, and it can be stopped or extended at any time.
#
# ## Summary
#
# * A minibatch gradient is an **unbiased** estimate of the full gradient; its variance falls as
#   $\sigma^2/B$ (with replacement) or $\sigma^2/B\cdot(N-B)/(N-1)$ (without).
# * GD converges linearly on PL problems; SGD only sublinearly — but each step is $N/B$ times
#   cheaper, which is why deep learning uses it.
# * With a constant step SGD stalls at a noise floor $\approx\alpha\sigma_*^2/4$; decreasing steps
#   $\alpha_t = \beta/(\gamma + t)$ give $O(1/t)$.
# * Non-convex losses have many optima: restart, keep the best, or ensemble.
# * Prefer random search to grid search, with scale parameters on a log scale.
#
# ## Live lecture
#
# Drag the batch-size slider: the minibatch gradients (dots) scatter around the full gradient
# (the arrow), and the cloud shrinks like $1/\sqrt{B}$. The lecture passes this notebook's
# `minibatch_gradient`.
#
# Things to try while lecturing:
#
# * $B = 1$ against $B = 64$: the cloud's radius shrinks by $\sqrt{64} = 8$; the right panel
#   shows the $1/B$ line.
# * Tick *with replacement*: nothing changes for small $B$; near $B = N$ the cloud no longer
#   collapses to the star.
# * The yellow cross (mean of the draws) sits on the red star (the full gradient) for every $B$:
#   unbiasedness.

# %%
from course.widgets import BatchNoiseExplorer

# A 2-parameter logistic regression, so every gradient is a point in the plane
rng_live = np.random.default_rng(3)
X_live = rng_live.normal(size=(512, 2)) * np.array([1.0, 0.5])
y_live = (X_live @ np.array([2.0, -1.0]) + 0.5 * rng_live.normal(size=512) > 0).astype(float)
noise_explorer = BatchNoiseExplorer(lambda w: per_example_gradients(w, X_live, y_live, loss="logistic"),
                                    w=np.array([0.5, 0.5]), n_draws=300,
                                    variance=minibatch_gradient_variance)  # your formula: the theory line
noise_explorer
