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
# # Lesson 03 — Softmax regression on CIFAR-10
#
# The first two lessons computed gradients and followed them downhill on functions of one or
# two variables. This lesson does the same on a real problem with **30,730 parameters**: a
# linear classifier for the 32×32 colour images of CIFAR-10. It is the lecture's running
# example, and every later lesson trains this model with a better optimizer.
#
# 1. CIFAR-10: load it, look at it, turn images into centred vectors;
# 2. the model: scores, softmax, cross-entropy loss; the loss at initialisation;
# 3. numerical partial derivatives of the loss, and why we cannot compute all of them;
# 4. the analytic gradient: a per-sample loop (the lecture's code), then a vectorized version;
#    gradient check; measured speed-up;
# 5. predictions and accuracy;
# 6. full-batch gradient descent, minibatch SGD and SGD with one sample per step: names, loss
#    curves against epochs and against wall-clock time, test accuracy;
# 7. the learned weights seen as images.
#
# **Exercises** (14 points): `softmax` (2), `softmax_loss_naive` (4),
# `softmax_loss_vectorized` (4), `predict` (1), `accuracy` (1), and an experiment, `tuned_setting`
# (2): a learning rate and regularization you choose on the validation split. Write your code where it says
# `YOUR CODE HERE`, then run the test cell below it. The visible tests give quick feedback; the
# grader runs more (hidden) tests on other inputs.
#
# **Conventions** (those of the lecture and of cs231n, plus a bias): one sample is a row
# vector; $\mathbf X$ has shape $(N, D)$, labels $\mathbf y$ are integers $0\ldots K-1$ of shape
# $(N,)$, weights $\mathbf W$ have shape $(K, D)$ and biases $\mathbf b$ shape $(K,)$. For
# CIFAR-10, $D = 32\cdot 32\cdot 3 = 3072$ and $K = 10$.

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from course.checks import assert_close, assert_unchanged
from course.config import pick
from course.data import load_cifar10, rows_to_images
from course.widgets import use_palette

use_palette()  # Okabe–Ito colours (colour-blind safe) for every plot, as in the widgets

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. The data
#
# CIFAR-10 has 50,000 training and 10,000 test images of 32×32 pixels with three colour
# channels, in 10 balanced classes. `course.data.load_cifar10` reads the official Python
# batches (from `$CIFAR10_DIR`, or a cache it downloads into once). In grading mode the notebook
# loads only the first 5,000 training and 1,000 test images, so it runs in seconds; every number
# below says which data it was computed on.

# %%
N_TRAIN = pick(None, 5_000)  # None: every training image there is (50,000 for the full set)
N_TEST = pick(None, 1_000)
images = load_cifar10(n_train=N_TRAIN, n_test=N_TEST, as_images=True)
class_names = images.class_names
K = len(class_names)
ON_FULL_DATA = len(images.y_train) == 50_000 and len(images.y_test) == 10_000
DATA_LABEL = "full CIFAR-10" if ON_FULL_DATA else f"CIFAR-10 subset ({len(images.y_train):,} train images)"
print(f"training images: {images.X_train.shape} {images.X_train.dtype}, test images: {images.X_test.shape}")
print(f"{K} classes: {', '.join(class_names)}")
print("training images per class:", np.bincount(images.y_train, minlength=K))
print("data used in this run:", DATA_LABEL)

# %%
def show_class_grid(X_images, y, class_names, per_class=8, seed=0):
    """Grid with one row per class: `per_class` random images of that class.

    X_images: (N, 32, 32, 3) uint8; y: (N,) int labels.
    """
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(len(class_names), per_class, figsize=(per_class * 0.9, len(class_names) * 0.95))
    for k, name in enumerate(class_names):
        chosen = rng.choice(np.flatnonzero(y == k), size=per_class, replace=False)
        for j, index in enumerate(chosen):
            ax = axes[k, j]
            ax.imshow(X_images[index])
            ax.set_xticks([])
            ax.set_yticks([])
        axes[k, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    for j in range(per_class):
        axes[-1, j].set_xlabel(f"#{j + 1}", fontsize=8)
    fig.supxlabel("random examples of the class")
    fig.supylabel("class")
    fig.suptitle(f"CIFAR-10 training images, {per_class} per class")
    fig.tight_layout()
    plt.show()


show_class_grid(images.X_train, images.y_train, class_names)

# %% [markdown]
# A linear classifier does not know that pixels sit on a grid: each image becomes one row of
# $D=3072$ numbers (the 1024 red values, then the green, then the blue, as in the official
# files). We **scale** the pixel values from $0\ldots255$ to $[0, 1]$ and **centre** them by
# subtracting the mean training image from every image, training and test alike (the test set
# must be treated with the training mean: the model may not peek at test statistics).
# `load_cifar10(as_images=False)` does exactly this and returns float32 rows.

# %%
data = load_cifar10(n_train=N_TRAIN, n_test=N_TEST)
X_train_all, y_train_all = data.X_train, data.y_train
X_test, y_test = data.X_test, data.y_test
N, D = X_train_all.shape
print(f"X_train: {X_train_all.shape} {X_train_all.dtype}, X_test: {X_test.shape}")
print(f"pixel values after scaling and centring: min {X_train_all.min():.3f}, max {X_train_all.max():.3f}")
print(f"largest |mean| of a training column: {np.abs(X_train_all.mean(axis=0, dtype=np.float64)).max():.1e} (centred)")
print(f"mean of the test set (not exactly 0: centred with the training mean): {X_test.mean(dtype=np.float64):+.4f}")

# %% [markdown]
# We keep the last part of the training images aside as a **validation set** to watch during
# training; the test set is used once, at the very end.

# %%
N_VAL = pick(1_000, 500)
X_train, y_train = X_train_all[:-N_VAL], y_train_all[:-N_VAL]
X_val, y_val = X_train_all[-N_VAL:], y_train_all[-N_VAL:]
print(f"train {X_train.shape[0]:,}  validation {X_val.shape[0]:,}  test {X_test.shape[0]:,}")

# %% [markdown]
# ## 2. The model: scores, softmax, cross-entropy
#
# For one image $\mathbf x_n\in\mathbb R^D$ the classifier computes one **score** per class,
#
# $$\mathbf s_n = \mathbf W\mathbf x_n + \mathbf b \in\mathbb R^K,
# \qquad\text{for all images at once: } \mathbf S = \mathbf X\mathbf W^\top + \mathbf b
# \quad (N\times K).$$
#
# The **softmax** turns scores into probabilities,
#
# $$\hat p_{n,k} = \frac{e^{s_{n,k}}}{\sum_{j=1}^K e^{s_{n,j}}},$$
#
# positive and summing to one. The exponential overflows for large scores ($e^{1000}$ is `inf`
# in floating point), but softmax does not change if the same constant is subtracted from every
# score of a row, since $e^{s-c}/\sum_j e^{s_j-c} = e^{s}/\sum_j e^{s_j}$. Subtracting the row's
# maximum makes every exponent $\le 0$, so nothing overflows.
#
# ### Exercise 1 (2 points): `softmax`

# %% nbgrader={"grade": false, "grade_id": "ex_softmax", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax(scores):
    """Row-wise softmax, computed stably (subtract each row's maximum first).

    Args:
        scores: (N, K) array of scores, or a single row (K,).

    Returns:
        Array of the same shape: non-negative, each row sums to 1.
    """
    scores = np.asarray(scores)
    ### BEGIN SOLUTION
    shifted = scores - scores.max(axis=-1, keepdims=True)
    exp_shifted = np.exp(shifted)
    return exp_shifted / exp_shifted.sum(axis=-1, keepdims=True)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_softmax", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Equal scores give equal probabilities.
assert_close(softmax(np.zeros((2, 4))), np.full((2, 4), 0.25), "softmax of zeros")
# By hand: e^0 / (e^0 + e^ln3) = 1/4 and e^ln3 / (1 + 3) = 3/4.
assert_close(softmax(np.array([[0.0, np.log(3.0)]])), [[0.25, 0.75]], "softmax([0, ln 3])")
# A single row (K,) works too: the definition written out with np.exp.
row = np.array([1.0, 2.0, 3.0])
assert_close(softmax(row), np.exp(row) / np.exp(row).sum(), "softmax([1, 2, 3])")
# Adding a constant to a row changes nothing, and huge scores must not overflow.
assert_close(softmax(np.array([[1000.0, 1000.0 + np.log(3.0)]])), [[0.25, 0.75]], "softmax of huge scores")
assert_close(softmax(np.array([[-1000.0, 0.0]])), [[0.0, 1.0]], "softmax([-1000, 0])")
scores_before = np.array([[2.0, -1.0, 0.5], [0.0, 0.0, 7.0]])
scores_copy = scores_before.copy()
softmax(scores_before)
assert_unchanged(scores_copy, scores_before, "scores")
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference
_rng = np.random.default_rng(301)
check_against_reference(
    "softmax", softmax, "solutions.softmax:softmax",
    [Case("a batch of random scores (N=7, K=10)", (_rng.normal(size=(7, 10)),)),
     Case("one sample (N=1, K=3)", (_rng.normal(size=(1, 3)),)),
     Case("a single row of shape (K,)", (_rng.normal(size=5),)),
     Case("two classes, many samples", (_rng.normal(size=(200, 2)) * 5,)),
     Case("very large scores", (_rng.normal(size=(4, 6)) * 1e4,)),
     Case("very negative scores", (_rng.normal(size=(4, 6)) - 1e5,)),
     Case("ties in the maximum", (np.array([[3.0, 3.0, 1.0], [0.0, 0.0, 0.0]]),))])
check_against_reference(
    "softmax (float32)", softmax, "solutions.softmax:softmax",
    [Case("float32 scores", (_rng.normal(size=(6, 10)).astype(np.float32),))], rtol=1e-5, atol=1e-7)
### END HIDDEN TESTS

# %% [markdown]
# The loss is the **cross-entropy** between the predicted distribution and the true label,
# averaged over the $N$ samples (the lecture's formula):
#
# $$L(\mathbf W, \mathbf b) = -\frac1N\sum_{n=1}^N \log\hat p_{n,y_n}
# = -\frac1N\sum_{n=1}^N\log\frac{\exp(\mathbf w_{y_n,:}\cdot\mathbf x_n + b_{y_n})}
#   {\sum_{k=1}^K\exp(\mathbf w_{k,:}\cdot\mathbf x_n + b_k)}.$$
#
# It is small when the true class gets a probability near one and large when it gets a
# probability near zero. We will also add an **L2 penalty** $\lambda\sum_{k,d}W_{k,d}^2$ on the
# weights (not on the biases) with a strength `reg` $=\lambda\ge 0$.
#
# **Initialisation.** The lecture draws every weight and bias from $\mathcal N(0, 0.001^2)$
# (standard deviation 0.001). With such small weights all scores are nearly 0, softmax gives
# every class about $1/K$, and the loss is about $-\log(1/K) = \ln K$, which is
# $\ln 10\approx 2.3026$ for CIFAR-10. Checking this number is the first sanity check of any
# classifier.

# %%
def init_params(K, D, std=1e-3, seed=0, dtype=np.float32):
    """W ~ N(0, std^2) of shape (K, D) and b ~ N(0, std^2) of shape (K,), as in the lecture."""
    rng = np.random.default_rng(seed)
    W = (std * rng.standard_normal((K, D))).astype(dtype)
    b = (std * rng.standard_normal(K)).astype(dtype)
    return W, b


def class_scores(W, b, X):
    """S = X W^T + b.  W (K, D), b (K,), X (N, D) -> (N, K)."""
    return X @ W.T + b


def cross_entropy(W, b, X, y):
    """Mean cross-entropy loss of the softmax classifier (no regularisation), in float64."""
    probabilities = softmax(class_scores(W, b, X).astype(np.float64))
    return float(-np.mean(np.log(probabilities[np.arange(len(y)), y])))


W0, b0 = init_params(K, D)
print(f"W: {W0.shape}, b: {b0.shape}; first weights in units of 1e-4: {np.round(W0[0, :3] * 1e4, 2)}")
initial_loss = cross_entropy(W0, b0, X_train_all, y_train_all)
seed_initial_loss = 2.3059618  # printed in the lecture for its own random draw
print(f"initial loss on the {DATA_LABEL}: {initial_loss:.7f}")
print(f"ln K = ln {K} = {np.log(K):.7f}; the lecture's value: {seed_initial_loss}")
print(f"difference from ln K: ours {initial_loss - np.log(K):+.1e}, the lecture's {seed_initial_loss - np.log(K):+.1e}")

# %% [markdown]
# Both values are within a few thousandths of $\ln 10$. They are not equal to each other
# because they come from different random weights and are averaged over different images
# (the lecture does not say which images or which preprocessing it used). What matters is the
# order of magnitude: an initial loss far from $\ln K$ means a bug or a bad initialisation.

# %% [markdown]
# ### Written question (2 points, graded by hand): what the initial loss tells you
#
# (a) Why is the loss of softmax regression with small random weights close to $\ln 10$ on
# CIFAR-10? Your argument should say what the scores and the probabilities are at that point.
#
# (b) Before any training, a classmate's loss is 0.05 and another's is 40. What would you suspect in
# each case? And what happens to the initial loss if the weights are drawn 1000 times larger?
#
# Write your answer in the cell below (a few sentences; formulas in `$...$` are welcome).

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_initial_loss", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# **Model answer.** (a) With $W\approx 0$ every score $s_k=\mathbf x^\top\mathbf w_k$ is close to 0, so the softmax
# gives every class about $e^0/\sum_j e^0 = 1/K$. The cross-entropy of the correct class is then
# $-\ln(1/K)=\ln K$, i.e. $\ln 10$ for the ten classes, whatever the image.
#
# (b) A loss far *below* $\ln K$ before training means the model already "knows" the labels: a
# bug such as a label leaking into the features, a loss not divided correctly, or a probability
# that is not normalised. A loss far *above* means large scores: confident wrong predictions from
# too large an initialisation or unscaled inputs. With weights 1000 times larger the scores are
# 1000 times larger, the softmax saturates on the largest score, and the loss is about the mean of
# $\max_k s_k - s_{y}$, which grows linearly with the scale: a huge initial loss.
#
# **Rubric (2 points).**
# - 1 point: scores $\approx 0$ $\Rightarrow$ uniform probabilities $1/K$ $\Rightarrow$ loss
#   $-\ln(1/K)=\ln K$.
# - 1 point: both diagnoses (below: bug/leak or wrong normalisation; above: scale of weights or
#   inputs) and that large weights make the loss large (saturated softmax, loss growing with the
#   scale). Half a point if only one of the two parts is right.
# ### END SOLUTION

# %% [markdown]
# ## 3. Numerical partial derivatives, and why not all of them
#
# To take a gradient step we need $\partial L/\partial W_{k,d}$ for every weight. Lesson 01's
# forward difference does it one entry at a time: add $h=0.001$ to one weight, evaluate the loss
# on the whole training set again, and divide the change by $h$. The lecture did this for
# $w_{1,1}$, $w_{1,2}$ and $w_{1,3072}$ (in Python's 0-based indexing: `W[0, 0]`, `W[0, 1]`,
# `W[0, 3071]`) and got about $-0.0057$, $-0.01$ and $-0.0093$. We repeat it on our data and
# our initial weights. The loss here is computed in float64: a difference of two losses that
# agree to six digits would be mostly round-off in float32. To keep memory modest (a float64 copy
# of all 50,000 images would take 1.2 GB) we use at most the first 10,000 training images.

# %%
n_fd = min(len(X_train_all), 10_000)
X_fd, y_fd = X_train_all[:n_fd].astype(np.float64), y_train_all[:n_fd]
W_fd, b_fd = W0.astype(np.float64), b0.astype(np.float64)
h = 1e-3
start = time.perf_counter()
loss_at_w = cross_entropy(W_fd, b_fd, X_fd, y_fd)
seconds_per_loss = time.perf_counter() - start
numerical_partials = {}
for index in [(0, 0), (0, 1), (0, D - 1)]:
    W_plus = W_fd.copy()
    W_plus[index] += h
    loss_plus = cross_entropy(W_plus, b_fd, X_fd, y_fd)
    numerical_partials[index] = (loss_plus - loss_at_w) / h
    print(f"W{list(index)}: L(w + h) = {loss_plus:.7f}, L(w) = {loss_at_w:.7f} -> dL/dW ≈ {numerical_partials[index]:+.5f}")

# %% [markdown]
# They have the size of the lecture's numbers but are not equal to them, for the same reasons
# as the initial loss. What do they mean? Section 4 derives
# $\partial L/\partial W_{0,d} = \frac1N\sum_n(\hat p_{n,0} - [y_n = 0])\,x_{n,d}$. At
# initialisation $\hat p_{n,0}\approx 1/K$ and the centred pixels average to zero, so the first
# part vanishes and what remains is $-\frac{N_0}{N}\,\bar x^{(0)}_d$: minus the share of
# airplanes times how much brighter than the average image airplane images are at pixel $d$
# (skies are bright). The loss goes down if the airplane score rewards bright pixels.

# %%
airplanes = y_fd == 0
share_airplanes = airplanes.mean()
for index, partial in numerical_partials.items():
    d = index[1]
    airplane_mean = X_fd[airplanes, d].mean()
    print(f"pixel {d:4d}: airplanes are {airplane_mean:+.3f} brighter than average; "
          f"-share·mean = {-share_airplanes * airplane_mean:+.5f}, numerical partial {partial:+.5f}")

# %% [markdown]
# The real problem is the cost. A full numerical gradient needs one loss evaluation per
# parameter, each a pass over the whole training set:

# %%
n_parameters = W0.size + b0.size
print(f"K·D + K = {K}·{D} + {K} = {n_parameters:,} loss evaluations for one numerical gradient")
seconds_per_image = seconds_per_loss / n_fd
print(f"one loss evaluation on {n_fd:,} images took {seconds_per_loss * 1e3:.0f} ms here, "
      f"{seconds_per_image * 1e6:.1f} µs per image;")
print(f"one numerical gradient on the full 50,000 training images would take about "
      f"{n_parameters * seconds_per_image * 50_000 / 3600:.1f} hours (and one gradient descent step needs one gradient)")

# %% [markdown]
# A network with millions of parameters makes this hopeless. We need a formula for the whole
# gradient at once.
#
# ## 4. The analytic gradient
#
# Write $\hat{\mathbf p}_n = \operatorname{softmax}(\mathbf s_n)$ and let $\mathbf t_n$ be the
# **one-hot** vector of the label ($t_{n,k} = 1$ if $k = y_n$, else 0). The loss of one sample
# is $l_n = -\log\hat p_{n,y_n} = -s_{n,y_n} + \log\sum_j e^{s_{n,j}}$, and its derivative
# with respect to the scores is
#
# $$\frac{\partial l_n}{\partial s_{n,k}} = -[k = y_n] + \frac{e^{s_{n,k}}}{\sum_j e^{s_{n,j}}}
# = \hat p_{n,k} - t_{n,k},
# \qquad\text{i.e.}\qquad \frac{\partial l_n}{\partial\mathbf s_n} = \hat{\mathbf p}_n - \mathbf t_n.$$
#
# Since $\mathbf s_n = \mathbf W\mathbf x_n + \mathbf b$, the chain rule gives
# $\partial l_n/\partial W_{k,d} = (\hat p_{n,k} - t_{n,k})\,x_{n,d}$: an outer product. Averaging
# over the samples and adding the penalty's gradient $2\lambda\mathbf W$,
#
# $$\frac{\partial L}{\partial\mathbf W} = \frac1N\sum_{n=1}^N(\hat{\mathbf p}_n - \mathbf t_n)\,
# \mathbf x_n^\top + 2\lambda\mathbf W \quad (K\times D),\qquad
# \frac{\partial L}{\partial\mathbf b} = \frac1N\sum_{n=1}^N(\hat{\mathbf p}_n - \mathbf t_n)
# \quad (K,).$$
#
# (The lecture writes $\mathbf p_n$ for the one-hot target and $\hat{\mathbf p}_n$ for the
# prediction; we use $\mathbf t_n$ for the target to avoid two p's.)
#
# The lecture computes this with a loop over the samples: for each $n$, the scores, the
# probabilities, the loss $l_n$, then `dbn = pn - onehot`, `dWn = outer(dbn, xn)`; accumulate;
# average. Your first version follows that loop. Compute each sample's loss as
# $\log\sum_j e^{s_{n,j}-m} - (s_{n,y_n}-m)$ with $m=\max_j s_{n,j}$ (log-sum-exp), which is the
# same number as $-\log\hat p_{n,y_n}$ but never overflows.
#
# Both loss functions first call the input check below (given): a wrong shape should stop with
# a message that says which argument is wrong, not with a broadcasting error deep inside.

# %%
def check_softmax_inputs(W, b, X, y, reg):
    """Raise ValueError, naming the argument, unless the shapes and values fit together."""
    if W.ndim != 2:
        raise ValueError(f"W must have shape (K, D), got shape {W.shape}")
    K, D = W.shape
    if b.shape != (K,):
        raise ValueError(f"b must have shape (K,) = ({K},) to match W {W.shape}, got {b.shape}")
    if X.ndim != 2 or X.shape[1] != D:
        raise ValueError(f"X must have shape (N, D) with D = {D} to match W {W.shape}, got {X.shape}")
    if X.shape[0] == 0:
        raise ValueError("X is empty: the loss is a mean over N >= 1 samples")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape (N,) = ({X.shape[0]},) to match X, got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= K:
        raise ValueError(f"y must hold integer labels in 0..{K - 1}, got dtype {y.dtype}, range {y.min()}..{y.max()}")
    if not np.isfinite(reg) or reg < 0:
        raise ValueError(f"reg must be a non-negative finite number, got reg={reg!r}")


# %% [markdown]
# ### Exercise 2 (4 points): `softmax_loss_naive`

# %% nbgrader={"grade": false, "grade_id": "ex_softmax_loss_naive", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax_loss_naive(W, b, X, y, reg=0.0):
    """Softmax cross-entropy loss and its gradients, with a Python loop over the samples.

    Args:
        W: (K, D) weights.  b: (K,) biases.
        X: (N, D) samples in rows.  y: (N,) integer labels in 0..K-1.
        reg: L2 strength; the loss gets reg * sum(W**2), the biases are not penalised.

    Returns:
        (loss, dW, db): loss a float, dW (K, D), db (K,). The inputs are not modified.
    """
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    check_softmax_inputs(W, b, X, y, reg)
    ### BEGIN SOLUTION
    N = X.shape[0]
    dtype = np.result_type(W, b, X, 1.0)                 # float32 stays float32
    loss = 0.0
    dW = np.zeros(W.shape, dtype=dtype)
    db = np.zeros(b.shape, dtype=dtype)
    for xn, yn in zip(X, y, strict=False):
        sn = W @ xn + b                                  # (K,)
        shifted = sn - sn.max()
        log_sum = np.log(np.sum(np.exp(shifted)))
        loss += log_sum - shifted[yn]                    # -log p_n[y_n]
        dbn = np.exp(shifted - log_sum)                  # p_n
        dbn[yn] -= 1                                     # p_n - t_n
        dW += np.outer(dbn, xn)                          # (K, 1)(1, D)
        db += dbn
    loss = loss / N + reg * np.sum(W * W)
    dW = dW / N + 2 * reg * W
    db = db / N
    return loss, dW, db
    ### END SOLUTION


# %% [markdown]
# The visible tests of both loss functions share these hand-worked cases (given):

# %%
def check_loss_on_hand_cases(loss_fn):
    """Visible tests for a softmax loss function; expected values worked out by hand."""
    name = loss_fn.__name__
    # One sample, K = 3, all-zero parameters: p = (1/3, 1/3, 1/3), loss = ln 3,
    # db = p - t = (1/3, -2/3, 1/3) for label 1, dW = outer(db, x) with x = (1, 2).
    loss, dW, db = loss_fn(np.zeros((3, 2)), np.zeros(3), np.array([[1.0, 2.0]]), np.array([1]))
    assert_close(loss, np.log(3.0), f"{name}: loss with zero weights, K = 3")
    assert_close(db, [1 / 3, -2 / 3, 1 / 3], f"{name}: db with zero weights")
    assert_close(dW, [[1 / 3, 2 / 3], [-2 / 3, -4 / 3], [1 / 3, 2 / 3]], f"{name}: dW with zero weights")
    # Two samples, K = 2, D = 1, W = 0, b = (ln 3, 0): p = (3/4, 1/4) for both samples.
    # x = (1, -1), y = (0, 1): loss = (-ln 3/4 - ln 1/4) / 2; db_n = (-1/4, 1/4) and (3/4, -3/4),
    # db = mean = (1/4, -1/4); dW = mean(db_n x_n) = ((-1/4 - 3/4) / 2, (1/4 + 3/4) / 2) = (-1/2, 1/2).
    loss, dW, db = loss_fn(np.zeros((2, 1)), np.array([np.log(3.0), 0.0]), np.array([[1.0], [-1.0]]), np.array([0, 1]))
    assert_close(loss, (-np.log(0.75) - np.log(0.25)) / 2, f"{name}: loss of the two-sample case")
    assert_close(db, [0.25, -0.25], f"{name}: db of the two-sample case")
    assert_close(dW, [[-0.5], [0.5]], f"{name}: dW of the two-sample case")
    # Regularisation: x = 0 makes the data part ln 2 with dW_data = 0; sum(W**2) = 1 + 4 + 9 + 16 = 30.
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    loss, dW, db = loss_fn(W, np.zeros(2), np.zeros((1, 2)), np.array([0]), reg=0.1)
    assert_close(loss, np.log(2.0) + 0.1 * 30, f"{name}: loss with reg = 0.1")
    assert_close(dW, 2 * 0.1 * W, f"{name}: dW with reg = 0.1 (the penalty's gradient is 2·reg·W)")
    assert_close(db, [-0.5, 0.5], f"{name}: db with reg = 0.1 (reg does not touch b)")
    # Huge scores must give a finite loss: s = (1000, 0) and label 1 gives loss = 1000 (+ e^-1000).
    loss, dW, db = loss_fn(np.array([[1000.0], [0.0]]), np.zeros(2), np.array([[1.0]]), np.array([1]))
    assert_close(loss, 1000.0, f"{name}: loss with a score of 1000")
    assert_close(db, [1.0, -1.0], f"{name}: db with a score of 1000")
    # The inputs must not be modified.
    rng = np.random.default_rng(0)
    W, b, X, y = rng.normal(size=(4, 5)), rng.normal(size=4), rng.normal(size=(6, 5)), rng.integers(0, 4, size=6)
    copies = [a.copy() for a in (W, b, X, y)]
    loss_fn(W, b, X, y, reg=0.5)
    for before, after, arg in zip(copies, (W, b, X, y), "WbXy", strict=False):
        assert_unchanged(before, after, arg)
    # The gradient agrees with central differences of the loss itself at random entries.
    h = 1e-6
    _, dW, db = loss_fn(W, b, X, y, reg=0.5)
    for k, d in [(0, 0), (3, 4), (2, 1)]:
        W_plus, W_minus = W.copy(), W.copy()
        W_plus[k, d] += h
        W_minus[k, d] -= h
        slope = (loss_fn(W_plus, b, X, y, reg=0.5)[0] - loss_fn(W_minus, b, X, y, reg=0.5)[0]) / (2 * h)
        assert_close(dW[k, d], slope, f"{name}: dW[{k}, {d}] against a central difference", rtol=1e-5, atol=1e-7)
    for k in range(4):
        b_plus, b_minus = b.copy(), b.copy()
        b_plus[k] += h
        b_minus[k] -= h
        slope = (loss_fn(W, b_plus, X, y, reg=0.5)[0] - loss_fn(W, b_minus, X, y, reg=0.5)[0]) / (2 * h)
        assert_close(db[k], slope, f"{name}: db[{k}] against a central difference", rtol=1e-5, atol=1e-7)


# %% nbgrader={"grade": true, "grade_id": "test_softmax_loss_naive", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
check_loss_on_hand_cases(softmax_loss_naive)
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference

def _softmax_problem(rng, N, K, D, scale=1.0):
    return (scale * rng.normal(size=(K, D)), scale * rng.normal(size=K), rng.normal(size=(N, D)),
            rng.integers(0, K, size=N))

_rng = np.random.default_rng(302)
check_against_reference(
    "softmax_loss_naive", softmax_loss_naive, "solutions.softmax:softmax_loss_naive",
    [Case("one sample, two classes", _softmax_problem(_rng, 1, 2, 3)),
     Case("a small batch", _softmax_problem(_rng, 8, 4, 5)),
     Case("CIFAR-10 shapes (K=10, D=3072)", _softmax_problem(_rng, 20, 10, 3072, scale=0.01)),
     Case("weak regularisation", _softmax_problem(_rng, 15, 5, 6), {"reg": 1e-3}),
     Case("strong regularisation", _softmax_problem(_rng, 15, 5, 6), {"reg": 10.0}),
     Case("reg passed positionally", _softmax_problem(_rng, 9, 3, 4) + (0.3,)),
     Case("huge scores", _softmax_problem(_rng, 10, 6, 4, scale=300.0)),
     Case("every sample in one class", (_rng.normal(size=(3, 4)), _rng.normal(size=3),
                                        _rng.normal(size=(7, 4)), np.full(7, 2)))])
check_against_reference(
    "softmax_loss_naive (float32)", softmax_loss_naive, "solutions.softmax:softmax_loss_naive",
    [Case("float32 inputs", tuple(a.astype(np.float32) if a.dtype.kind == "f" else a
                                  for a in _softmax_problem(_rng, 12, 10, 30)), {"reg": 0.01})],
    rtol=1e-4, atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 (4 points): `softmax_loss_vectorized`
#
# The same loss and gradients without a Python loop over samples. Work with whole matrices:
#
# * scores $\mathbf S = \mathbf X\mathbf W^\top + \mathbf b$, $(N, K)$; subtract each row's maximum;
# * per-sample log-sum-exp, $(N,)$; the loss is its mean minus the mean of the true-class
#   shifted scores `S[np.arange(N), y]`;
# * $\mathbf G = (\hat{\mathbf P} - \mathbf T)/N$, $(N, K)$: probabilities, minus 1 at each
#   sample's true class (index with `np.arange(N), y`; no need to build $\mathbf T$);
# * $\partial L/\partial\mathbf W = \mathbf G^\top\mathbf X + 2\lambda\mathbf W$ and
#   $\partial L/\partial\mathbf b = \sum_n \mathbf G_{n,:}$.
#
# Keep the input's float type: float32 data should give float32 results, which matters for
# speed on CIFAR-10 (half the memory traffic of float64).

# %% nbgrader={"grade": false, "grade_id": "ex_softmax_loss_vectorized", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax_loss_vectorized(W, b, X, y, reg=0.0):
    """Softmax cross-entropy loss and its gradients, without a loop over the samples.

    Args:
        W: (K, D) weights.  b: (K,) biases.
        X: (N, D) samples in rows.  y: (N,) integer labels in 0..K-1.
        reg: L2 strength; the loss gets reg * sum(W**2), the biases are not penalised.

    Returns:
        (loss, dW, db): loss a float, dW (K, D), db (K,), in the inputs' float dtype.
        The inputs are not modified.
    """
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    check_softmax_inputs(W, b, X, y, reg)
    ### BEGIN SOLUTION
    N = X.shape[0]
    rows = np.arange(N)
    S = X @ W.T + b                                      # (N, K)
    S -= S.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(S).sum(axis=1))              # (N,)
    loss = np.mean(log_sum - S[rows, y]) + reg * np.sum(W * W)
    G = np.exp(S - log_sum[:, None])                     # probabilities, (N, K)
    G[rows, y] -= 1
    G /= N
    dW = G.T @ X + 2 * reg * W                           # (K, D)
    db = G.sum(axis=0)                                   # (K,)
    return loss, dW, db
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_softmax_loss_vectorized", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
check_loss_on_hand_cases(softmax_loss_vectorized)
_loss32, _dW32, _db32 = softmax_loss_vectorized(
    np.zeros((3, 2), np.float32), np.zeros(3, np.float32), np.ones((4, 2), np.float32), np.array([0, 1, 2, 0]))
assert _dW32.dtype == np.float32 and _db32.dtype == np.float32, (
    f"float32 inputs should give float32 gradients, got {_dW32.dtype} and {_db32.dtype}")
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference

def _softmax_problem(rng, N, K, D, scale=1.0):
    return (scale * rng.normal(size=(K, D)), scale * rng.normal(size=K), rng.normal(size=(N, D)),
            rng.integers(0, K, size=N))

_rng = np.random.default_rng(303)
check_against_reference(
    "softmax_loss_vectorized", softmax_loss_vectorized, "solutions.softmax:softmax_loss_vectorized",
    [Case("one sample, two classes", _softmax_problem(_rng, 1, 2, 3)),
     Case("a small batch", _softmax_problem(_rng, 8, 4, 5)),
     Case("CIFAR-10 shapes (K=10, D=3072)", _softmax_problem(_rng, 64, 10, 3072, scale=0.01)),
     Case("more samples than features", _softmax_problem(_rng, 500, 10, 20)),
     Case("weak regularisation", _softmax_problem(_rng, 15, 5, 6), {"reg": 1e-3}),
     Case("strong regularisation", _softmax_problem(_rng, 15, 5, 6), {"reg": 10.0}),
     Case("reg passed positionally", _softmax_problem(_rng, 9, 3, 4) + (0.3,)),
     Case("huge scores", _softmax_problem(_rng, 10, 6, 4, scale=300.0)),
     Case("every sample in one class", (_rng.normal(size=(3, 4)), _rng.normal(size=3),
                                        _rng.normal(size=(7, 4)), np.full(7, 2)))])
check_against_reference(
    "softmax_loss_vectorized (float32)", softmax_loss_vectorized, "solutions.softmax:softmax_loss_vectorized",
    [Case("float32 inputs", tuple(a.astype(np.float32) if a.dtype.kind == "f" else a
                                  for a in _softmax_problem(_rng, 40, 10, 300)), {"reg": 0.01})],
    rtol=1e-4, atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ### Gradient check
#
# The visible tests compared gradients with finite differences on tiny problems. Now the real
# one: CIFAR-10 images, $D = 3072$. Following lesson 01 we compare the analytic gradient with
# central differences at a few random entries and report the relative error
# $|a - n| / \max(10^{-8}, |a| + |n|)$. It is done in float64 and twice: without
# regularisation, and with a large `reg`, where a missing or wrong penalty term could not hide
# behind a tiny number.

# %%
def relative_error(a, b):
    """max |a - b| / max(1e-8, |a| + |b|) over the entries (lesson 01)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def gradient_check_softmax(loss_fn, W, b, X, y, reg, n_checks=6, h=1e-5, seed=0):
    """Relative errors of loss_fn's dW and db against central differences at random entries."""
    rng = np.random.default_rng(seed)
    _, dW, db = loss_fn(W, b, X, y, reg)
    errors = []
    for _ in range(n_checks):
        k, d = rng.integers(W.shape[0]), rng.integers(W.shape[1])
        W_plus, W_minus = W.copy(), W.copy()
        W_plus[k, d] += h
        W_minus[k, d] -= h
        numeric = (loss_fn(W_plus, b, X, y, reg)[0] - loss_fn(W_minus, b, X, y, reg)[0]) / (2 * h)
        errors.append(("W", (int(k), int(d)), dW[k, d], numeric, relative_error(dW[k, d], numeric)))
    k = rng.integers(b.shape[0])
    b_plus, b_minus = b.copy(), b.copy()
    b_plus[k] += h
    b_minus[k] -= h
    numeric = (loss_fn(W, b_plus, X, y, reg)[0] - loss_fn(W, b_minus, X, y, reg)[0]) / (2 * h)
    errors.append(("b", (int(k),), db[k], numeric, relative_error(db[k], numeric)))
    return errors


n_check = pick(500, 200)
X_check, y_check = X_train[:n_check].astype(np.float64), y_train[:n_check]
W_check, b_check = init_params(K, D, std=1e-2, seed=1, dtype=np.float64)
for loss_fn in (softmax_loss_naive, softmax_loss_vectorized):
    for reg in (0.0, 1e2):
        rows = gradient_check_softmax(loss_fn, W_check, b_check, X_check, y_check, reg)
        worst = max(row[-1] for row in rows)
        print(f"{loss_fn.__name__:24s} reg = {reg:6g}: worst relative error {worst:.1e}")
print("\nthe last check in detail (analytic, numerical, relative error):")
for kind, index, analytic, numeric, error in rows:
    print(f"  d{kind}{list(index)}: {analytic:+.8f} {numeric:+.8f} {error:.1e}")

# %% [markdown]
# Relative errors around $10^{-7}$ or below mean the analytic gradient is right (central
# differences in float64 are accurate to about that). An error of $10^{-2}$ or more means a bug.
#
# ### The two implementations agree; how much faster is the vectorized one?
#
# Both functions compute the same numbers; the loop does $N$ small matrix-vector products and
# outer products in Python, the vectorized version two large matrix products, which numpy hands
# to an optimised BLAS library. The timing below is the best of several runs, but it is only
# meaningful on a quiet machine: when other programs compete for the cores, the multi-threaded
# matrix products suffer most, and the measured speed-up can shrink to nothing.

# %%
n_speed = pick(2_000, 500)
X_speed, y_speed = X_train[:n_speed], y_train[:n_speed]
loss_n, dW_n, db_n = softmax_loss_naive(W_check, b_check, X_check, y_check, 1e-3)
loss_v, dW_v, db_v = softmax_loss_vectorized(W_check, b_check, X_check, y_check, 1e-3)
print(f"float64, {len(X_check)} images: loss naive {loss_n:.10f}, vectorized {loss_v:.10f}; "
      f"relative differences: dW {relative_error(dW_n, dW_v):.1e}, db {relative_error(db_n, db_v):.1e}")


def best_seconds(fn, repeats):
    """Shortest wall-clock time of fn() over `repeats` calls.

    The minimum, as Python's timeit advises: other programs on the machine can only slow a
    run down, so the fastest run is the best estimate of the code's own cost.
    """
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


t_naive = best_seconds(lambda: softmax_loss_naive(W0, b0, X_speed, y_speed), 3)
t_vectorized = best_seconds(lambda: softmax_loss_vectorized(W0, b0, X_speed, y_speed), 10)
speedup = t_naive / t_vectorized
# both do the same arithmetic: the scores X W^T and the gradient (P - Y)^T X, 2 N D K operations each
operations = 4 * n_speed * D * K
print(f"N = {n_speed:,} float32 images: naive {t_naive * 1e3:.1f} ms, vectorized {t_vectorized * 1e3:.2f} ms "
      f"-> the vectorized version takes {t_vectorized / t_naive:.2g} of the naive time ({speedup:.1f} times as fast)")
print(f"both perform about {operations / 1e6:.0f} million operations (4 N D K): the naive loop at "
      f"{operations / t_naive / 1e9:.2f} GFLOP/s, the vectorized version at {operations / t_vectorized / 1e9:.2f} GFLOP/s; "
      f"the operation count ratio is 1, so the whole speed-up is Python overhead and small-product inefficiency")
if speedup < 3:
    print("a speed-up this small means other programs were competing for the cores during the timing: rerun "
          "this cell on a quiet machine (load average now: "
          + (open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "unknown") + ")")

# %% [markdown]
# ## 5. Predictions and accuracy
#
# The predicted class is the one with the highest score (equivalently, the highest softmax
# probability: softmax is monotone, so there is no need to compute it). **Accuracy** is the
# fraction of samples whose prediction equals the label.
#
# ### Exercise 4 (1 point): `predict`

# %% nbgrader={"grade": false, "grade_id": "ex_predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
def predict(W, b, X):
    """Predicted labels: the index of the highest score of each sample.

    Args:
        W: (K, D) weights.  b: (K,) biases.  X: (N, D) samples.

    Returns:
        (N,) integer array of labels in 0..K-1.
    """
    W, b, X = np.asarray(W), np.asarray(b), np.asarray(X)
    ### BEGIN SOLUTION
    return np.argmax(X @ W.T + b, axis=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_predict", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# By hand: W = I (K = D = 3), b = 0, so each sample's scores are the sample itself.
assert_close(predict(np.eye(3), np.zeros(3), np.array([[0.1, 0.9, 0.0], [5.0, -1.0, 2.0]])), [1, 0], "predict with W = I")
# The bias alone decides when X = 0.
assert_close(predict(np.ones((4, 2)), np.array([0.0, 3.0, -1.0, 2.0]), np.zeros((3, 2))), [1, 1, 1], "predict from the bias")
_labels = predict(np.eye(3), np.zeros(3), np.eye(3))
assert np.issubdtype(np.asarray(_labels).dtype, np.integer), f"labels should be integers, got {np.asarray(_labels).dtype}"
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference
_rng = np.random.default_rng(304)
check_against_reference(
    "predict", predict, "solutions.softmax:predict",
    [Case("CIFAR-10 shapes", (_rng.normal(size=(10, 3072)), _rng.normal(size=10), _rng.normal(size=(50, 3072)))),
     Case("one sample", (_rng.normal(size=(4, 3)), _rng.normal(size=4), _rng.normal(size=(1, 3)))),
     Case("two classes", (_rng.normal(size=(2, 5)), _rng.normal(size=2), _rng.normal(size=(30, 5)))),
     Case("large biases", (_rng.normal(size=(6, 5)), 10 * _rng.normal(size=6), _rng.normal(size=(30, 5))))])
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5 (1 point): `accuracy`

# %% nbgrader={"grade": false, "grade_id": "ex_accuracy", "locked": false, "schema_version": 3, "solution": true, "task": false}
def accuracy(W, b, X, y):
    """Fraction of the samples whose predicted label equals y.

    Args:
        W: (K, D), b: (K,), X: (N, D), y: (N,) integer labels.

    Returns:
        float in [0, 1].
    """
    y = np.asarray(y)
    if y.shape != (np.shape(X)[0],):
        raise ValueError(f"y must have shape (N,) = ({np.shape(X)[0]},) to match X, got {y.shape}")
    ### BEGIN SOLUTION
    return float(np.mean(predict(W, b, X) == y))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_accuracy", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# By hand: with W = I the predictions are [1, 0, 2, 2]; against y = [1, 0, 0, 2], 3 of 4 are right.
_X = np.array([[0.1, 0.9, 0.0], [5.0, -1.0, 2.0], [0.0, 0.0, 1.0], [0.0, 1.0, 3.0]])
assert_close(accuracy(np.eye(3), np.zeros(3), _X, np.array([1, 0, 0, 2])), 0.75, "accuracy, 3 of 4 right")
assert_close(accuracy(np.eye(3), np.zeros(3), _X, np.array([0, 1, 0, 0])), 0.0, "accuracy, none right")
assert isinstance(accuracy(np.eye(3), np.zeros(3), _X, np.array([1, 0, 2, 2])), float), "accuracy should return a float"
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference
_rng = np.random.default_rng(305)
_W, _b, _X = _rng.normal(size=(10, 20)), _rng.normal(size=10), _rng.normal(size=(200, 20))
check_against_reference(
    "accuracy", accuracy, "solutions.softmax:accuracy",
    [Case("random labels", (_W, _b, _X, _rng.integers(0, 10, size=200))),
     Case("labels equal to the predictions", (_W, _b, _X, np.argmax(_X @ _W.T + _b, axis=1))),
     Case("one sample", (_W, _b, _X[:1], _rng.integers(0, 10, size=1))),
     Case("two classes", (_W[:2], _b[:2], _X, _rng.integers(0, 2, size=200)))])
### END HIDDEN TESTS

# %% [markdown]
# Before training, the classifier guesses: its accuracy should be near $1/K = 10\%$.

# %%
print(f"validation accuracy of the initial weights: {accuracy(W0, b0, X_val, y_val):.3f} (1/K = {1 / K:.3f})")

# %% [markdown]
# ## 6. Gradient descent, minibatches and SGD
#
# Gradient descent repeats $\mathbf W \leftarrow \mathbf W - \gamma\,\partial L/\partial\mathbf W$,
# $\mathbf b \leftarrow \mathbf b - \gamma\,\partial L/\partial\mathbf b$ with the learning rate
# $\gamma$. Computing the exact gradient needs a pass over all $N$ training images per step. But
# the loss on the training set is itself only an estimate of the expected loss over all images
# the world could produce,
#
# $$\mathbb E_{(\mathbf x, y)\sim P_\text{data}}\,l(\mathbf x, y;\boldsymbol\theta)
# \approx\frac1N\sum_{n=1}^N l(\mathbf x_n, y_n;\boldsymbol\theta),$$
#
# so a much smaller random sample of $B\ll N$ images (a **minibatch**) may estimate the gradient
# well enough, for $N/B$ times less work per step. The lecture's naming table:
#
# | batch size $B$ | names for the same method |
# |---|---|
# | $B = N$ | (batch) gradient descent, steepest descent |
# | $1 < B \ll N$ | minibatch gradient descent |
# | $B = 1$ | stochastic gradient descent (SGD), online gradient descent, incremental gradient descent |
#
# To make it less simple, "minibatch" is often shortened to "batch", and libraries call minibatch
# gradient descent "SGD" with a `batch_size` parameter (`torch.optim.SGD` is exactly that: it only
# sees whatever gradient you computed).
#
# **How to sample.** An **epoch** is one pass over the training data. Rather than drawing each
# minibatch independently, we shuffle the data once per epoch and cut it into consecutive
# minibatches: every image is used once per epoch, and a fresh shuffle each epoch keeps the
# minibatches from repeating in the same order (lecture 001). `course.training.train` does that,
# calls a loss function and an optimizer step you pass in, and records the loss of every
# minibatch and the wall-clock time of every epoch. The loss function is yours:

# %%
def softmax_loss_fn(params, X, y, reg=0.0):
    """The training loop's interface: (loss, grads) for params = {"W": (K, D), "b": (K,)}."""
    loss, dW, db = softmax_loss_vectorized(params["W"], params["b"], X, y, reg)
    return loss, {"W": dW, "b": db}


def sgd_step(w, dw, state=None, *, lr):
    """One gradient step w - lr * dw (lesson 02); `state` is unused (plain SGD keeps none)."""
    if not lr > 0:
        raise ValueError(f"lr must be positive, got lr={lr!r}")
    return w - lr * dw, state


def val_accuracy(params):
    return accuracy(params["W"], params["b"], X_val, y_val)


# %% [markdown]
# **Step sizes.** How large may $\gamma$ be? Lesson 02: gradient descent on a quadratic is stable
# for $\gamma < 2/L$, where $L$ is the largest curvature. The Hessian of the cross-entropy with
# respect to $\mathbf W$ is $\frac1N\sum_n(\operatorname{diag}\hat{\mathbf p}_n -
# \hat{\mathbf p}_n\hat{\mathbf p}_n^\top)\otimes\mathbf x_n\mathbf x_n^\top$. At initialisation
# ($\hat{\mathbf p}_n\approx\mathbf 1/K$) the first factor has largest eigenvalue $1/K$, and in
# the worst case (two classes at probability $\frac12$) $\frac12$. So with $\lambda_\max$ the
# largest eigenvalue of the data's second-moment matrix $\frac1N\mathbf X^\top\mathbf X$ (found
# below by power iteration), $L\approx\lambda_\max/K$ at the start and $L\le\lambda_\max/2$
# always.

# %%
def largest_eigenvalue(X, n_iterations=50, seed=0):
    """Largest eigenvalue of X^T X / N by power iteration, without forming the D x D matrix."""
    v = np.random.default_rng(seed).standard_normal(X.shape[1]).astype(X.dtype)
    for _ in range(n_iterations):
        v = X.T @ (X @ v) / X.shape[0]
        eigenvalue = float(np.linalg.norm(v))
        v /= eigenvalue
    return eigenvalue


lambda_max = largest_eigenvalue(X_train)
print(f"largest eigenvalue of X^T X / N: {lambda_max:.1f}")
print(f"stable full-batch steps: γ < 2K/λ_max = {2 * K / lambda_max:.3f} near the start, "
      f"γ < 4/λ_max = {4 / lambda_max:.3f} in the worst case")

# %% [markdown]
# The worst case does not happen here (it needs confident mistakes on images along the top
# eigen-direction), and a learning rate between the two bounds works for full-batch gradient
# descent. Minibatch gradients are noisy, and the noise, not the curvature, limits their step;
# one sample per step is noisier still.
#
# **A fair comparison.** Each method gets the **same budget**: the same number of epochs, so
# the same number of per-image gradient evaluations ($N$ per epoch, whatever $B$), and its
# **own learning rate**, chosen from three values by the loss on the validation split after that
# budget (`course.experiments.sweep`). The test set plays no part in the choice.

# %%
from course.experiments import Split, best, fit, sweep, sweep_table


def softmax_evaluate(params, X, y):
    """(mean cross-entropy, accuracy) on (X, y), for course.experiments.fit."""
    return softmax_loss_vectorized(params["W"], params["b"], X, y, 0.0)[0], accuracy(params["W"], params["b"], X, y)


EPOCHS = 2  # the budget of every method: EPOCHS x N per-image gradients (B = 1 makes more too slow)
RUNS = {
    "GD (B = N)": dict(batch_size=len(X_train), grid=[0.1, 0.2, 0.4]),
    "minibatch (B = 256)": dict(batch_size=256, grid=[0.01, 0.03, 0.1]),
    "SGD (B = 1)": dict(batch_size=1, grid=[1e-4, 3e-4, 1e-3]),
}
REG = 0.0  # L2 strength; with 50,000 images and 30,730 weights overfitting is mild (lesson 06)

params0 = {"W": W0, "b": b0}
split = Split(X_train, y_train, X_val, y_val)
results, sweeps = {}, {}
for name, run in RUNS.items():
    sweeps[name] = sweep(lambda lr: fit(lambda p, X, y: softmax_loss_fn(p, X, y, REG), params0, sgd_step, {"lr": lr},
                                        split, epochs=EPOCHS, batch_size=run["batch_size"], seed=0,
                                        evaluate=softmax_evaluate), run["grid"])
    run["lr"], chosen = best(sweeps[name])
    run["epochs"] = EPOCHS
    results[name] = (chosen["params"], chosen["history"])
    print(f"{name}: learning-rate sweep, {EPOCHS} epochs each (validation split)\n{sweep_table(sweeps[name])}")
    history = chosen["history"]
    print(f"  chosen lr {run['lr']:g}: {len(history.step_loss):,} steps, {history.epoch_time[-1]:.1f} s, "
          f"validation loss {chosen['val_loss']:.3f}, accuracy {chosen['val_accuracy']:.3f}\n")

# %% [markdown]
# ### 6.1 Loss curves
#
# `epoch_loss` is the mean of the minibatch losses over an epoch. For GD ($B = N$) that is the
# training loss before each step; for the minibatch methods it averages losses measured while
# the weights moved, a slightly pessimistic but free estimate. The panels show the same curves
# against the budget, in per-image gradient evaluations (epochs times $N$, the same for all
# three), and against the wall-clock time they took on this machine.

# %%
from course.widgets import optimizer_colors  # Okabe–Ito (colour-blind safe); SGD in its widget colour

RUN_COLORS = optimizer_colors(results)
fig, (ax_epoch, ax_time, ax_sweep) = plt.subplots(1, 3, figsize=(15, 4.2))
for name, (params, history) in results.items():
    gradients = np.arange(1, len(history.epoch_loss) + 1) * len(X_train)
    ax_epoch.plot(gradients, history.epoch_loss, marker=".", color=RUN_COLORS[name],
                  label=f"{name}, lr {RUNS[name]['lr']:g}")
    ax_time.plot(history.epoch_time, history.epoch_loss, marker=".", color=RUN_COLORS[name], label=name)
    ax_sweep.semilogx(RUNS[name]["grid"], [result["val_loss"] for _, result in sweeps[name]], "o-",
                      color=RUN_COLORS[name], label=name)
ax_epoch.set(title="Training loss against the budget", xlabel="per-image gradient evaluations (epochs x N)",
             ylabel="mean minibatch loss in the epoch")
ax_time.set(title="Training loss against wall-clock time", xlabel="seconds since the start",
            ylabel="mean minibatch loss in the epoch", xscale="log")
ax_sweep.set(title=f"Learning-rate sweeps ({EPOCHS} epochs each)", xlabel="learning rate",
             ylabel="validation loss")
for ax in (ax_epoch, ax_time, ax_sweep):
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
fig.suptitle(f"Softmax regression on the {DATA_LABEL}")
fig.tight_layout()
plt.show()

# %% [markdown]
# Per pass over the data, GD takes one step, minibatch SGD takes $\lceil N/256\rceil$ steps and
# SGD with $B=1$ takes $N$ steps. GD's step is the best direction and tolerates the largest
# learning rate; the others take many cheaper, noisier, smaller steps. A rough measure of how far
# each method can travel in one epoch is the sum of its learning rates over the epoch's steps:

# %%
for name, run in RUNS.items():
    steps_per_epoch = -(-len(X_train) // run["batch_size"])
    history = results[name][1]
    print(f"{name:20s}: {steps_per_epoch:5,} steps x lr {run['lr']:<6g} = {steps_per_epoch * run['lr']:6.2f} per epoch; "
          f"loss after epoch 1 {history.epoch_loss[0]:.3f}; {history.epoch_time[-1] / len(history.epoch_time):.2f} s per epoch")
gd_losses = np.array(results["GD (B = N)"][1].epoch_loss)
for name in ("minibatch (B = 256)", "SGD (B = 1)"):
    first = results[name][1].epoch_loss[0]
    reached = np.flatnonzero(gd_losses <= first)
    print(f"GD needs {reached[0] + 1 if reached.size else f'more than {len(gd_losses)}'} epochs "
          f"to get below the {name} run's first-epoch loss {first:.3f}")
final_loss = {name: history.epoch_loss[-1] for name, (_, history) in results.items()}
val_loss = {name: best(sweeps[name])[1]["val_loss"] for name in RUNS}
print(f"after the same budget of {EPOCHS} epochs: lowest final training loss {min(final_loss, key=final_loss.get)}, "
      f"lowest validation loss {min(val_loss, key=val_loss.get)}, highest validation loss {max(val_loss, key=val_loss.get)}")
t_minibatch = results["minibatch (B = 256)"][1].epoch_time[-1]
sgd_history = results["SGD (B = 1)"][1]
sgd_steps_by_then = int(len(sgd_history.step_loss) * t_minibatch / sgd_history.epoch_time[-1])
recent = sgd_history.step_loss[max(0, sgd_steps_by_then - 500):max(1, sgd_steps_by_then)]
print(f"wall clock: when the minibatch run had finished ({t_minibatch:.2f} s, final epoch loss {final_loss['minibatch (B = 256)']:.3f}), "
      f"SGD (B = 1) had taken about {sgd_steps_by_then:,} steps ({sgd_steps_by_then / len(X_train):.2f} epochs; "
      f"its recent minibatch losses averaged {np.mean(recent):.3f})")

# %% [markdown]
# At the same number of gradient evaluations, the methods that take many small steps get
# further than gradient descent, which takes one step per epoch (the comparison is printed
# above, and `tests/test_claims.py` checks over five seeds that GD ends with the highest
# validation loss at this budget). Against wall-clock time the picture changes: SGD with $B=1$
# pays Python's overhead on every one of its $N$ steps per epoch, and in the time the minibatch
# run needs for its whole budget it has covered only part of an epoch (printed above). That is
# why minibatches are the practical choice: nearly SGD's progress per gradient, at a cost per
# gradient close to GD's.
#
# The budget per epoch grows with $N/B$: on the full data set, with ten times more minibatches
# per epoch than on the 5,000-image subset, the minibatch method gets ten times further per
# epoch while GD still takes one step. Against wall-clock time, what counts is the cost of a
# step: with $B=1$ each step is a tiny matrix-vector product dominated by Python overhead,
# whereas a minibatch spreads that overhead over $B$ images and lets the BLAS library do the
# work (compare the seconds per epoch above).
#
# Zooming into minibatch SGD's individual steps shows its noise: each minibatch loss scatters
# around the trend.

# %%
params_mb, history_mb = results["minibatch (B = 256)"]
step_loss = np.array(history_mb.step_loss)
steps_per_epoch = -(-len(X_train) // 256)
window = steps_per_epoch
moving_average = np.convolve(step_loss, np.ones(window) / window, mode="valid")
fig, ax = plt.subplots(figsize=(8, 3.8))
ax.plot(np.arange(1, len(step_loss) + 1), step_loss, lw=0.6, alpha=0.6, color=RUN_COLORS["minibatch (B = 256)"],
        label="loss of each minibatch")
ax.plot(np.arange(window, len(step_loss) + 1), moving_average, lw=2, color="k",
        label=f"moving average over {window} steps (1 epoch)")
ax.set(title="Minibatch SGD (B = 256): the loss of every step", xlabel="optimizer step", ylabel="minibatch loss")
ax.grid(alpha=0.3)
ax.legend()
plt.show()
print(f"standard deviation of the minibatch losses in the last epoch: {step_loss[-steps_per_epoch:].std():.3f}")

# %% [markdown]
# ### Exercise 6 (2 points): `tuned_setting`, an experiment
#
# Now you choose. The protocol is fixed: softmax regression from the lecture's initialisation
# (`init_params`, seed 0), trained with minibatch SGD ($B = 128$, 5 epochs, shuffling seed 0) on
# the **first 3,000 training images**, with your learning rate `lr` and your L2 strength `reg`
# ($\lambda$ in $\lambda\sum W_{k,d}^2$). `run_setting(lr, reg)` below runs exactly this and returns
# the accuracy on the protocol's validation rows (training images 3,001-4,000, the same in every mode). Try several values of each on a logarithmic scale (a few
# runs of a few seconds each), look at what the validation accuracy does, and return your choice
# from `tuned_setting`.
#
# * **Target** (the visible test): validation accuracy at least `TARGET_VAL_ACCURACY` (printed
#   below).
# * **Grading** (the hidden test): the grader trains again with your `lr` and `reg`, by the same
#   protocol, and measures the accuracy on **1,000 held-out images** that played no part in your
#   choice. You get the points if it reaches at least 90% of what a well-tuned setting reaches on
#   the same images. A setting that looks good on validation only by luck can fail there.

# %%
from course.experiments import tuning_data

# The protocol's own data, the same in grading and full mode: training images 1-3,000 to train on,
# 3,001-4,000 to validate on; the grader holds out 4,001-5,000 (course.experiments.tuning_data).
TUNING_SPLIT, _ = tuning_data()
TUNING = dict(n_train=len(TUNING_SPLIT.y_train), n_val=len(TUNING_SPLIT.y_val), epochs=5, batch_size=128, seed=0)
TARGET_VAL_ACCURACY = 0.335


def run_setting(lr, reg, X_eval=None, y_eval=None):
    """Accuracy on (X_eval, y_eval) (default: the protocol's validation rows) after training by the protocol above."""
    X_eval, y_eval = (TUNING_SPLIT.X_val, TUNING_SPLIT.y_val) if X_eval is None else (X_eval, y_eval)
    W_init, b_init = init_params(K, D, seed=TUNING["seed"])
    result = fit(lambda p, X, y: softmax_loss_fn(p, X, y, reg), {"W": W_init, "b": b_init}, sgd_step, {"lr": lr},
                 Split(TUNING_SPLIT.X_train, TUNING_SPLIT.y_train, X_eval, y_eval), epochs=TUNING["epochs"],
                 batch_size=TUNING["batch_size"], seed=TUNING["seed"], evaluate=softmax_evaluate)
    return result["val_accuracy"]


print(f"protocol: {TUNING}; target: validation accuracy >= {TARGET_VAL_ACCURACY}")

# %% nbgrader={"grade": false, "grade_id": "ex_tuned_setting", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your experiments: e.g. for a few lr and reg values, print(lr, reg, run_setting(lr, reg)).


def tuned_setting():
    """Your choice for the protocol above: a dict {"lr": float > 0, "reg": float >= 0}."""
    ### BEGIN SOLUTION
    # chosen on the validation split among lr in {0.01, 0.03, 0.1, 0.3} x reg in {0, 1e-3, 1e-2, 1e-1}
    return {"lr": 0.1, "reg": 1e-3}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_tuned_setting", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
setting = tuned_setting()
assert isinstance(setting, dict) and set(setting) == {"lr", "reg"}, (
    f"tuned_setting must return a dict with the keys 'lr' and 'reg', got {setting!r}")
assert setting["lr"] > 0 and setting["reg"] >= 0, f"need lr > 0 and reg >= 0, got {setting!r}"
setting_val_accuracy = run_setting(setting["lr"], setting["reg"])
print(f"your setting lr = {setting['lr']:g}, reg = {setting['reg']:g}: validation accuracy "
      f"{setting_val_accuracy:.3f} (target {TARGET_VAL_ACCURACY})")
assert setting_val_accuracy >= TARGET_VAL_ACCURACY, (
    f"validation accuracy {setting_val_accuracy:.3f} is below the target {TARGET_VAL_ACCURACY}: try other values")
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import check_that, reference
from course.experiments import fit as _fit
from course.experiments import tuning_data as _tuning_data
from solutions.softmax import accuracy as _accuracy
from solutions.softmax import softmax_loss_vectorized as _loss

_, _held_out = _tuning_data()


def _held_out_accuracy(chosen):
    """The protocol of the lesson, with the reference loss, scored on the 1,000 held-out training images."""
    lr, reg = float(chosen["lr"]), float(chosen["reg"])
    _init = np.random.default_rng(0)
    W_init = (1e-3 * _init.standard_normal((10, 3072))).astype(np.float32)
    b_init = (1e-3 * _init.standard_normal(10)).astype(np.float32)

    def loss_fn(p, X, y):
        loss, dW, db = _loss(p["W"], p["b"], X, y, reg)
        return loss, {"W": dW, "b": db}

    def step(w, dw, state=None, *, lr):
        return w - lr * dw, state

    def evaluate(p, X, y):
        return _loss(p["W"], p["b"], X, y, 0.0)[0], _accuracy(p["W"], p["b"], X, y)

    with np.errstate(all="ignore"):
        result = _fit(loss_fn, {"W": W_init, "b": b_init}, step, {"lr": lr},
                      _held_out, epochs=5, batch_size=128, seed=0, evaluate=evaluate)
    return result["val_accuracy"]


_bar = 0.9 * _held_out_accuracy(reference("solutions.softmax:tuned_setting")())
check_that("tuned_setting", lambda: _held_out_accuracy(tuned_setting()) >= _bar,
           "your lr and reg, trained again and scored on 1,000 held-out images: at least 90% of a tuned setting")
### END HIDDEN TESTS

# %% [markdown]
# ### 6.2 Results on the test set
#
# The test set is used once, now. Then the lecture's qualitative comparison of GD and SGD,
# followed by what this run measured.

# %%
rows = ["| method | batch size | learning rate | epochs | optimizer steps | seconds | final epoch loss | validation acc. | test acc. |",
        "|---|---|---|---|---|---|---|---|---|"]
test_accuracy = {}
for name, (params, history) in results.items():
    test_accuracy[name] = accuracy(params["W"], params["b"], X_test, y_test)
    run = RUNS[name]
    rows.append(f"| {name} | {run['batch_size']:,} | {run['lr']:g} | {run['epochs']} | {len(history.step_loss):,} | "
                f"{history.epoch_time[-1]:.1f} | {history.epoch_loss[-1]:.3f} | {best(sweeps[name])[1]['val_accuracy']:.3f} | "
                f"{test_accuracy[name]:.3f} |")
display(Markdown(f"**Measured on the {DATA_LABEL}** ({len(X_train):,} training, {len(X_val):,} validation, "
                 f"{len(X_test):,} test images)\n\n" + "\n".join(rows)))
best_test = test_accuracy["minibatch (B = 256)"]
print(f"test accuracy of minibatch SGD: {best_test:.1%} on the {DATA_LABEL} "
      f"({'the full test set' if ON_FULL_DATA else f'{len(X_test):,} test images of the subset'})")

# %% [markdown]
# | gradient descent (GD) | stochastic gradient descent (SGD) |
# |---|---|
# | the true gradient | only an estimate of the gradient |
# | more stable convergence | faster convergence |
# | converges to the minimum | oscillates around the minimum |
# | more prone to getting stuck in a local minimum | more robust to local minima |
#
# (The lecture's table. The last row does not apply to softmax regression, whose loss is convex:
# it has no local minima that are not global. It matters for neural networks.) Because of the
# cost of full-batch gradients, neural networks are trained almost exclusively with minibatch
# SGD and its descendants, the subject of the next lessons.
#
# **What accuracy to expect.** A linear classifier on raw pixels reaches about 39–41% on the
# full CIFAR-10 test set; ten classes make random guessing 10%. This notebook's runs are short
# (a budget of a few epochs, so that the three methods can be compared at equal cost in
# seconds); the figure printed above is what such a run reaches on the data it was given. For
# the course's target of **at least 38% test accuracy with minibatch SGD on the full 50,000
# training images**, run `python benchmarks/softmax_target.py` with `CIFAR10_DIR` pointing at the
# full data: it tunes the learning rate of minibatch SGD ($B = 256$, 20 epochs) on a validation
# split, then measures the test set once, and exits with an error if the target is missed.
# `benchmarks/README.md` records what it measured on the 5,000-image subset, where the target
# does not apply.
#
# ## 7. What the classifier learned
#
# Each row $\mathbf w_{k,:}$ of $\mathbf W$ has one weight per pixel and colour: reshaped to
# 32×32×3, it is an image, a **template** that the score $\mathbf w_{k,:}\cdot\mathbf x$ matches
# against the (centred) input. Rescaled to the range $[0, 1]$ for display:

# %%
def show_templates(W, class_names, title):
    """Show each row of W (K, 3072) as a 32x32 colour image, min-max scaled per class."""
    templates = rows_to_images(W)                        # (K, 32, 32, 3)
    low = templates.min(axis=(1, 2, 3), keepdims=True)
    high = templates.max(axis=(1, 2, 3), keepdims=True)
    templates = (templates - low) / (high - low)
    fig, axes = plt.subplots(1, len(class_names), figsize=(1.5 * len(class_names), 2.1))
    for ax, template, name in zip(axes, templates, class_names, strict=False):
        ax.imshow(template)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(name)
    axes[0].set_ylabel("32×32 pixels")
    fig.suptitle(title)
    fig.tight_layout()
    plt.show()


show_templates(params_mb["W"], class_names, f"Rows of W after minibatch SGD, as images ({DATA_LABEL})")

# %% [markdown]
# The templates are blurry averages: a linear classifier has one template per class, so it
# must match a car facing left and one facing right, a red car and a blue car, with the same
# weights. Look for colour blobs, such as blue-ish backgrounds where the class's photos often
# have sky or water, and green-brown ones for animals in grass. This limit, one template per
# class, is what hidden layers remove.
#
# ## Summary
#
# * Softmax regression: scores $\mathbf S = \mathbf X\mathbf W^\top + \mathbf b$, probabilities
#   by a stable softmax, mean cross-entropy loss; at initialisation with tiny weights the loss is
#   $\approx\ln K$.
# * A full numerical gradient costs $KD + K$ passes over the data (30,730 for CIFAR-10): only
#   for checking.
# * The analytic gradient is $\frac1N(\hat{\mathbf P}-\mathbf T)^\top\mathbf X$ (plus
#   $2\lambda\mathbf W$) and $\frac1N\sum_n(\hat{\mathbf p}_n-\mathbf t_n)$; vectorized, it costs
#   two matrix products.
# * GD, minibatch gradient descent and SGD differ only in the batch size; per epoch, smaller
#   batches take more (noisier) steps, and minibatches also use the hardware well.
#
# ## Live lecture
#
# How noisy is a minibatch gradient? The `BatchNoiseExplorer` below draws many minibatches and
# plots each minibatch gradient as a point, around the full-batch gradient. Our gradient has
# 30,730 entries, so we look at two numbers per gradient: its components along two fixed
# directions in parameter space, $\mathbf U_1$ (the direction of the full gradient at the
# starting weights) and $\mathbf U_2$ (a random direction orthogonal to it). The per-example
# gradients come from your `softmax`: for image $n$, $\partial l_n/\partial\mathbf W =
# (\hat{\mathbf p}_n - \mathbf t_n)\mathbf x_n^\top$, whose component along $\mathbf U$ is
# $(\hat{\mathbf p}_n - \mathbf t_n)^\top\mathbf U\mathbf x_n$.
#
# Suggested experiments: move the batch-size slider from 1 to the full batch and watch the
# cloud shrink like $1/\sqrt B$ (its variance like $1/B$: the printed $B\times$ variance stays
# nearly constant while $B \ll N$); note how far from the full gradient a $B=1$ gradient can point
# (its component along $\mathbf U_1$ can even have the wrong sign). Lesson 08 derives the
# variance exactly.

# %%
from course.widgets import BatchNoiseExplorer

n_noise = 512
X_noise, y_noise = X_train[:n_noise].astype(np.float64), y_train[:n_noise]
targets_noise = np.eye(K)[y_noise]                       # one-hot, (N, K)
_, dW_start, _ = softmax_loss_vectorized(W0.astype(np.float64), b0, X_noise, y_noise)
U1 = dW_start / np.linalg.norm(dW_start)
random_direction = np.random.default_rng(3).standard_normal(U1.shape)
random_direction -= np.sum(random_direction * U1) * U1   # orthogonal to U1
U2 = random_direction / np.linalg.norm(random_direction)
X_along = np.stack([X_noise @ U1.T, X_noise @ U2.T])     # (2, N, K): U x_n for both directions


def per_example_grads(w):
    """Components along (U1, U2) of every image's gradient at W0 + w[0] U1 + w[1] U2.  -> (N, 2)"""
    W = W0 + w[0] * U1 + w[1] * U2
    G = softmax(class_scores(W, b0, X_noise)) - targets_noise      # (N, K)
    return np.stack([np.sum(G * X_along[0], axis=1), np.sum(G * X_along[1], axis=1)], axis=1)


noise = BatchNoiseExplorer(per_example_grads, n_draws=300,
                           axis_labels=("gradient component along U1 (the full gradient's direction)",
                                        "gradient component along U2 (a random direction ⟂ U1)"))
print(f"full gradient in the (U1, U2) plane: {noise.full_grad} (its norm |dL/dW| = {np.linalg.norm(dW_start):.4f})")
print(f"{'B':>4} | {'measured tr Cov':>15} | {'B x tr Cov':>11} | share of minibatch gradients with the wrong sign along U1")
for B in (1, 16, 128, n_noise):
    noise.sliders["batch_size"].value = B
    wrong_sign = float(np.mean(noise.minibatch_grads[:, 0] < 0))
    print(f"{B:>4} | {noise.measured_variance[B]:15.2e} | {noise.measured_variance[B] * B:11.2e} | {wrong_sign:.1%}")
noise.sliders["batch_size"].value = 1
noise
