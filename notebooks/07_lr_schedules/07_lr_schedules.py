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
# # Lesson 07 — Learning-rate schedules
#
# The learning rate is the hyperparameter with the largest effect on the result (seed 003). So
# far it has been constant. This lesson changes it during training:
#
# 1. **the training-loop pattern**: the optimizer steps every minibatch, the scheduler every
#    epoch (every minibatch for cyclic and one-cycle schedules);
# 2. **decays**: step, multi-step, exponential, inverse time;
# 3. **cosine annealing** and **warm restarts** (SGDR);
# 4. **warm-up**, **cyclic** schedules and the **one-cycle** policy;
# 5. **ReduceLROnPlateau**, which watches a metric instead of the clock;
# 6. the **Robbins–Monro** conditions a schedule needs for SGD to converge;
# 7. the **learning-rate range test** (seed 003's "learning rate finder");
# 8. the schedules **compared** on CIFAR-10 softmax regression.
#
# Sources: seed 000 (lesson 11, learning-rate schedulers and the PyTorch loop), seed 002
# (lecture 03, step-size change, inverse-time decay, cyclic schedules, snapshot ensembles), seed
# 003 (learning rate, the range test, dynamic learning rate, SGDR), seed 001 (the convergence
# conditions).
#
# **Exercises** (16 points): `step_decay` (1), `multistep_decay` (1), `exponential_decay` (1),
# `inverse_time_decay` (1), `cosine_annealing` (2), `cosine_warm_restarts` (2),
# `linear_warmup` (1), `cyclic` (2), `lr_range_test` (3), and an experiment, `chosen_learning_rate`
# (2): a constant rate read off your range test. Each schedule must give exactly what
# the corresponding `torch.optim.lr_scheduler` reports; the hidden tests compare your functions
# with a reference over many steps $t$ and parameter sets.

# %%
import matplotlib.pyplot as plt
import numpy as np

from course.checks import assert_close, assert_raises, assert_unchanged
from course.config import grading_mode, pick
from course.widgets import use_palette

use_palette()  # Okabe–Ito colours (colour-blind safe) for every plot, as in the widgets
print("grading mode (small, fast experiments):", grading_mode())

# %% [markdown]
# ## 1. The training-loop pattern
#
# Seed 000 gives PyTorch's pattern. The optimizer is stepped once per **minibatch**, the
# scheduler once per **epoch**:
#
# ```python
# optimizer = optim.SGD(model.parameters(), lr=1e-3)
# scheduler = MyCoolLearningRateScheduler(optimizer, ...)
# for epoch in range(n_epochs):
#     for X_batch, y_batch in loader:           # ... training loop ...
#         optimizer.zero_grad()
#         loss_fn(model(X_batch), y_batch).backward()
#         optimizer.step()                      # every minibatch
#     scheduler.step()                          # change the learning rate: every epoch
# ```
#
# Cyclic and one-cycle schedules are the exception: their period is measured in iterations,
# so `scheduler.step()` moves into the inner loop, after `optimizer.step()`.
#
# In this course a schedule is a **plain function of the step count** (as in optax):
#
# $$\text{lr} = \text{schedule}(t, \text{lr}_0, \dots),$$
#
# where $t$ is the number of `scheduler.step()` calls made so far — $t = 0$ right after the
# scheduler is created — and the value is what torch's `scheduler.get_last_lr()[0]` reports at
# that moment. `course.training.train(..., lr_schedule=fn, schedule_per="epoch")` implements
# the loop above: before each optimizer step it sets `lr = fn(t)`, and it increments $t$ after
# every epoch (or after every minibatch with `schedule_per="batch"`). A pure function has no
# hidden state, so plotting a schedule, testing it and training with it use the same code.
#
# ## 2. Decays
#
# The idea of every schedule in seed 000's list: *start with a relatively large learning rate
# to make fast progress, then reduce it to fine-tune the weights*.
#
# **Step decay** multiplies the rate by $\gamma$ every `step_size` epochs (torch `StepLR`):
#
# $$\text{lr}_t = \text{lr}_0 \cdot \gamma^{\lfloor t / \text{step\_size} \rfloor}.$$

# %% nbgrader={"grade": false, "grade_id": "ex_step_decay", "locked": false, "schema_version": 3, "solution": true, "task": false}
def step_decay(t, lr0, step_size, gamma=0.1):
    """The learning rate of torch's StepLR after t scheduler steps (the formula is just above).

    Inputs:
    - t: number of scheduler steps so far, an integer >= 0
    - lr0: initial learning rate
    - step_size: decay every step_size steps, an integer >= 1 (otherwise ValueError)
    - gamma: multiplicative factor

    Returns the learning rate, a float.
    """
    ### BEGIN SOLUTION
    if step_size < 1:
        raise ValueError(f"step_size must be a positive integer, got {step_size!r}")
    return lr0 * gamma ** (t // step_size)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_step_decay", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# lr0 = 0.1, a tenfold cut every 30 epochs: 0.1 up to epoch 29, 0.01 from 30, 0.001 from 60
assert_close([step_decay(t, 0.1, 30) for t in (0, 29, 30, 59, 60, 65)],
             [0.1, 0.1, 0.01, 0.01, 0.001, 0.001], name="step_decay(t, 0.1, 30)")
assert_close(step_decay(7, 2.0, 2, gamma=0.5), 2.0 * 0.5**3, name="step_decay(7, 2.0, 2, gamma=0.5)")
assert_raises(ValueError, lambda: step_decay(3, 0.1, 0), "step_decay with step_size=0")
print("step_decay: visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, check_raises, reference, schedule_run

rng_hidden = np.random.default_rng(701)
cases = []
for i in range(6):
    params = {"lr0": float(rng_hidden.uniform(1e-4, 1.0)), "step_size": int(rng_hidden.integers(1, 40)),
              "gamma": float(rng_hidden.uniform(0.05, 0.95))}
    cases.append(Case(f"random parameters #{i + 1}, t = 0..300", (np.arange(301),), params))
cases.append(Case("default gamma", (np.arange(200),), {"lr0": 0.1, "step_size": 30}))
cases.append(Case("step_size 1 (decay every step)", (np.arange(50),), {"lr0": 1.0, "step_size": 1, "gamma": 0.9}))
check_against_reference("step_decay", schedule_run(step_decay),
                        schedule_run(reference("solutions.schedulers:step_decay")), cases)

check_raises("step_decay", lambda: step_decay(5, 0.1, -3), "negative step_size")
### END HIDDEN TESTS

# %% [markdown]
# **Multi-step decay** cuts at chosen epochs, the milestones (torch `MultiStepLR`). Seed 003's
# recipe: *50 epochs at lr = 0.1, then 25 at 0.01 and finally 25 at 0.001 (100 epochs in
# total)*, i.e. milestones 50 and 75 with $\gamma = 0.1$:
#
# $$\text{lr}_t = \text{lr}_0 \cdot \gamma^{\#\{m \in \text{milestones} : m \le t\}}.$$

# %% nbgrader={"grade": false, "grade_id": "ex_multistep_decay", "locked": false, "schema_version": 3, "solution": true, "task": false}
def multistep_decay(t, lr0, milestones, gamma=0.1):
    """The learning rate of torch's MultiStepLR after t scheduler steps (the formula is just above).

    Inputs:
    - t: number of scheduler steps so far, an integer >= 0
    - lr0: initial learning rate
    - milestones: a list/tuple of integer steps, in any order (a repeated milestone counts twice)
    - gamma: multiplicative factor

    Returns the learning rate, a float.
    """
    ### BEGIN SOLUTION
    n_passed = sum(1 for milestone in milestones if milestone <= t)
    return lr0 * gamma**n_passed
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_multistep_decay", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Seed 003: 50 epochs at 0.1, 25 at 0.01, 25 at 0.001
seed_recipe = [0.1] * 50 + [0.01] * 25 + [0.001] * 25
assert_close([multistep_decay(t, 0.1, [50, 75]) for t in range(100)], seed_recipe,
             name="multistep_decay(t, 0.1, [50, 75]) for t = 0..99")
assert_close(multistep_decay(10, 1.0, [8, 3], gamma=0.5), 0.25, name="milestones in any order")
print("multistep_decay: visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, reference, schedule_run

rng_hidden = np.random.default_rng(702)
cases = []
for i in range(5):
    milestones = sorted(rng_hidden.choice(np.arange(1, 200), size=int(rng_hidden.integers(1, 5)), replace=False).tolist())
    params = {"lr0": float(rng_hidden.uniform(1e-3, 1.0)), "milestones": milestones,
              "gamma": float(rng_hidden.uniform(0.05, 0.95))}
    cases.append(Case(f"random milestones #{i + 1}, t = 0..250", (np.arange(251),), params))
cases.append(Case("default gamma", (np.arange(120),), {"lr0": 0.1, "milestones": [30, 80]}))
cases.append(Case("unsorted milestones", (np.arange(100),), {"lr0": 0.5, "milestones": [60, 10, 35], "gamma": 0.3}))
cases.append(Case("repeated milestone", (np.arange(60),), {"lr0": 0.5, "milestones": (20, 20, 40), "gamma": 0.5}))
cases.append(Case("milestone at 0", (np.arange(10),), {"lr0": 0.5, "milestones": [0, 5], "gamma": 0.5}))
check_against_reference("multistep_decay", schedule_run(multistep_decay),
                        schedule_run(reference("solutions.schedulers:multistep_decay")), cases)
### END HIDDEN TESTS

# %% [markdown]
# **Exponential decay.** Seed 000 writes it as $\text{lr} = \text{lr}_0\, e^{-k \cdot
# \text{epoch}}$; torch's `ExponentialLR` as $\text{lr}_t = \text{lr}_0\, \gamma^t$. They are the
# same schedule with $\gamma = e^{-k}$; torch, and this function, take $\gamma$.

# %% nbgrader={"grade": false, "grade_id": "ex_exponential_decay", "locked": false, "schema_version": 3, "solution": true, "task": false}
def exponential_decay(t, lr0, gamma):
    """The learning rate of torch's ExponentialLR after t steps, gamma per step (above). Returns a float."""
    ### BEGIN SOLUTION
    return lr0 * gamma**t
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_exponential_decay", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
assert_close(exponential_decay(3, 0.1, 0.5), 0.0125, name="exponential_decay(3, 0.1, 0.5)")
assert_close(exponential_decay(0, 0.3, 0.9), 0.3, name="exponential_decay(0, 0.3, 0.9)")
# seed 000's form lr0 * exp(-k t) with k = 0.05 is gamma = exp(-0.05)
assert_close([exponential_decay(t, 0.1, np.exp(-0.05)) for t in range(0, 100, 7)],
             [0.1 * np.exp(-0.05 * t) for t in range(0, 100, 7)], name="seed 000's exp(-k t) form")
print("exponential_decay: visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, reference, schedule_run

rng_hidden = np.random.default_rng(703)
cases = [Case(f"random parameters #{i + 1}, t = 0..400", (np.arange(401),),
              {"lr0": float(rng_hidden.uniform(1e-4, 1.0)), "gamma": float(rng_hidden.uniform(0.9, 1.0))})
         for i in range(6)]
cases.append(Case("fast decay", (np.arange(60),), {"lr0": 1.0, "gamma": 0.5}))
check_against_reference("exponential_decay", schedule_run(exponential_decay),
                        schedule_run(reference("solutions.schedulers:exponential_decay")), cases)
### END HIDDEN TESTS

# %% [markdown]
# **Inverse-time decay** (seed 002): $\eta = \eta \times \frac{1}{1 + \delta t}$. Read as the
# usual closed form (Keras' `InverseTimeDecay`; in torch a `LambdaLR` with
# `lambda t: 1 / (1 + decay * t)`), it is
#
# $$\text{lr}_t = \frac{\text{lr}_0}{1 + \delta\, t}.$$
#
# Read literally as an assignment repeated every epoch, the factors would *compound*,
# $\text{lr}_t = \text{lr}_0 / \prod_{s=1}^{t}(1 + \delta s)$, which falls faster than any
# exponential. The closed form is the standard one, and the one that satisfies the Robbins–Monro
# conditions of section 6. (Both readings are computed after the exercise.)

# %% nbgrader={"grade": false, "grade_id": "ex_inverse_time_decay", "locked": false, "schema_version": 3, "solution": true, "task": false}
def inverse_time_decay(t, lr0, decay):
    """Seed 002's inverse-time decay after t steps, in its closed form (above), not compounded. Returns a float."""
    ### BEGIN SOLUTION
    return lr0 / (1 + decay * t)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_inverse_time_decay", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
assert_close(inverse_time_decay(2, 0.1, 0.5), 0.05, name="inverse_time_decay(2, 0.1, 0.5)")
assert_close(inverse_time_decay(0, 0.1, 0.5), 0.1, name="inverse_time_decay(0, 0.1, 0.5)")
assert_close(inverse_time_decay(99, 1.0, 0.01), 1.0 / 1.99, name="inverse_time_decay(99, 1.0, 0.01)")
print("inverse_time_decay: visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, reference, schedule_run

rng_hidden = np.random.default_rng(704)
cases = [Case(f"random parameters #{i + 1}, t = 0..500", (np.arange(501),),
              {"lr0": float(rng_hidden.uniform(1e-4, 1.0)), "decay": float(10 ** rng_hidden.uniform(-3, 0))})
         for i in range(6)]
cases.append(Case("no decay", (np.arange(20),), {"lr0": 0.2, "decay": 0.0}))
check_against_reference("inverse_time_decay", schedule_run(inverse_time_decay),
                        schedule_run(reference("solutions.schedulers:inverse_time_decay")), cases)
### END HIDDEN TESTS

# %%
epochs_axis = np.arange(100)
delta = 0.1
compounded = 0.1 / np.cumprod(np.concatenate([[1.0], 1 + delta * np.arange(1, 100)]))
print(f"inverse time with delta = {delta}: closed form lr_10 = {inverse_time_decay(10, 0.1, delta):.4f}, "
      f"compounded reading lr_10 = {compounded[10]:.2e}")

fig, axes = plt.subplots(1, 2, figsize=(12, 4))
decays = {
    "step (30, gamma 0.1)": [step_decay(t, 0.1, 30) for t in epochs_axis],
    "multi-step (50, 75): seed 003": [multistep_decay(t, 0.1, [50, 75]) for t in epochs_axis],
    r"exponential, $\gamma = e^{-0.05}$": [exponential_decay(t, 0.1, np.exp(-0.05)) for t in epochs_axis],
    r"inverse time, $\delta = 0.1$": [inverse_time_decay(t, 0.1, delta) for t in epochs_axis],
}
for name, values in decays.items():
    axes[0].plot(epochs_axis, values, drawstyle="steps-post", label=name)
    axes[1].semilogy(epochs_axis, values, drawstyle="steps-post", label=name)
axes[1].semilogy(epochs_axis, compounded, "k:", label="inverse time, compounded reading")
for ax, scale in zip(axes, ["linear", "log"], strict=False):
    ax.set_title(f"Decay schedules, lr0 = 0.1 ({scale} scale)")
    ax.set_xlabel("epoch t (scheduler steps)")
    ax.set_ylabel("learning rate")
    ax.legend(fontsize=8)
axes[1].set_ylim(1e-5, 0.2)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 3. Cosine annealing and warm restarts
#
# **Cosine annealing** (torch `CosineAnnealingLR`, Loshchilov & Hutter 2017) follows half a
# cosine from $\text{lr}_0$ down to $\eta_{\min}$ over $T_{\max}$ steps:
#
# $$\text{lr}_t = \eta_{\min} + \frac{\text{lr}_0 - \eta_{\min}}{2}\left(1 + \cos\frac{\pi t}{T_{\max}}\right).$$
#
# It is flat at the start (little lost while the rate is high), fastest in the middle and flat
# again at the end. torch does not stop at $T_{\max}$: the same formula continues, so the rate
# climbs back to $\text{lr}_0$ at $t = 2T_{\max}$ (a cosine of period $2T_{\max}$). Your
# function must do the same. (Internally torch updates the rate recursively from its previous
# value; the closed form above agrees with that recursion up to floating-point rounding.)

# %% nbgrader={"grade": false, "grade_id": "ex_cosine_annealing", "locked": false, "schema_version": 3, "solution": true, "task": false}
def cosine_annealing(t, lr0, T_max, eta_min=0.0):
    """The learning rate of torch's CosineAnnealingLR after t scheduler steps (formula just above).

    Inputs:
    - t: number of scheduler steps so far, an integer >= 0 (t > T_max continues the same formula)
    - lr0: initial (maximum) learning rate
    - T_max: half period in steps, an integer >= 1 (otherwise ValueError)
    - eta_min: minimum learning rate

    Returns the learning rate, a float.
    """
    ### BEGIN SOLUTION
    if T_max < 1:
        raise ValueError(f"T_max must be a positive integer, got {T_max!r}")
    return eta_min + (lr0 - eta_min) * (1 + np.cos(np.pi * t / T_max)) / 2
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_cosine_annealing", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
assert_close(cosine_annealing(0, 0.1, 50), 0.1, name="start")
assert_close(cosine_annealing(25, 0.1, 50), 0.05, name="half-way (cos = 0)")
assert_close(cosine_annealing(50, 0.1, 50, eta_min=0.001), 0.001, name="end at eta_min")
assert_close(cosine_annealing(100, 0.1, 50, eta_min=0.001), 0.1, name="back at lr0 after 2 T_max (torch)")
assert_close(cosine_annealing(10, 1.0, 30), 0.75, name="a third of the way: (1 + cos(pi/3)) / 2 = 0.75")
assert_raises(ValueError, lambda: cosine_annealing(3, 0.1, 0), "cosine_annealing with T_max=0")
print("cosine_annealing: visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, check_raises, reference, schedule_run

rng_hidden = np.random.default_rng(705)
cases = []
for i in range(5):
    T_max = int(rng_hidden.integers(1, 120))
    lr0 = float(rng_hidden.uniform(1e-3, 1.0))
    params = {"lr0": lr0, "T_max": T_max, "eta_min": float(rng_hidden.uniform(0, 0.1) * lr0)}
    cases.append(Case(f"random parameters #{i + 1}, t = 0..3 T_max", (np.arange(3 * T_max + 1),), params))
cases.append(Case("default eta_min", (np.arange(201),), {"lr0": 0.1, "T_max": 100}))
cases.append(Case("T_max = 1", (np.arange(10),), {"lr0": 0.3, "T_max": 1, "eta_min": 0.01}))
check_against_reference("cosine_annealing", schedule_run(cosine_annealing),
                        schedule_run(reference("solutions.schedulers:cosine_annealing")), cases)

check_raises("cosine_annealing", lambda: cosine_annealing(1, 0.1, -5), "negative T_max")
### END HIDDEN TESTS

# %% [markdown]
# **Warm restarts** (SGDR, "stochastic gradient descent with warm restarts", Loshchilov & Hutter
# 2017; torch `CosineAnnealingWarmRestarts`): anneal along a half cosine over $T_0$ steps, then
# jump back to $\text{lr}_0$ and start again; after each restart the period is multiplied by
# $T_{\text{mult}}$. With $T_{\text{cur}}$ the steps since the last restart and $T_i$ the current
# period,
#
# $$\text{lr}_t = \eta_{\min} + \frac{\text{lr}_0 - \eta_{\min}}{2}\left(1 + \cos\frac{\pi T_{\text{cur}}}{T_i}\right).$$
#
# For example $T_0 = 10$, $T_{\text{mult}} = 2$ restarts at $t = 10, 30, 70, \dots$ The
# restarts kick the weights out of the minimum they settled in; the weights saved just before
# each restart are different, good models — **snapshot ensembles** (Huang et al. 2017, the
# figure in seed 002) average their predictions for free.

# %% nbgrader={"grade": false, "grade_id": "ex_cosine_warm_restarts", "locked": false, "schema_version": 3, "solution": true, "task": false}
def cosine_warm_restarts(t, lr0, T_0, T_mult=1, eta_min=0.0):
    """torch CosineAnnealingWarmRestarts (SGDR).

    Inputs:
    - t: number of scheduler steps so far, an integer >= 0
    - lr0: learning rate at each restart
    - T_0: length of the first period, an integer >= 1
    - T_mult: factor (integer >= 1) by which the period grows after each restart
    - eta_min: minimum learning rate

    Returns the learning rate after t scheduler steps, a float: the formula just above, with
    T_i and T_cur found from t, T_0 and T_mult (working them out is the exercise).
    """
    ### BEGIN SOLUTION
    T_cur, T_i = t, T_0
    while T_cur >= T_i:
        T_cur -= T_i
        T_i *= T_mult
    return eta_min + (lr0 - eta_min) * (1 + np.cos(np.pi * T_cur / T_i)) / 2
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_cosine_warm_restarts", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# T_0 = 10, T_mult = 2: periods [0, 10), [10, 30), [30, 70)
assert_close([cosine_warm_restarts(t, 0.1, 10, T_mult=2) for t in (0, 5, 10, 20, 30, 50, 70)],
             [0.1, 0.05, 0.1, 0.05, 0.1, 0.05, 0.1], name="restarts at 10, 30, 70 and half-way points")
assert_close(cosine_warm_restarts(13, 1.0, 6, eta_min=0.5), 0.5 + 0.5 * (1 + np.cos(np.pi / 6)) / 2,
             name="T_mult = 1: t = 13 is step 1 of the third period")
print("cosine_warm_restarts: visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, reference, schedule_run

rng_hidden = np.random.default_rng(706)
cases = []
for i in range(6):
    lr0 = float(rng_hidden.uniform(1e-3, 1.0))
    params = {"lr0": lr0, "T_0": int(rng_hidden.integers(1, 30)), "T_mult": int(rng_hidden.integers(1, 4)),
              "eta_min": float(rng_hidden.uniform(0, 0.1) * lr0)}
    cases.append(Case(f"random parameters #{i + 1}, t = 0..300", (np.arange(301),), params))
cases.append(Case("defaults T_mult = 1, eta_min = 0", (np.arange(100),), {"lr0": 0.1, "T_0": 7}))
cases.append(Case("T_0 = 1", (np.arange(40),), {"lr0": 0.1, "T_0": 1, "T_mult": 2}))
check_against_reference("cosine_warm_restarts", schedule_run(cosine_warm_restarts),
                        schedule_run(reference("solutions.schedulers:cosine_warm_restarts")), cases)
### END HIDDEN TESTS

# %%
steps_axis = np.arange(151)
fig, ax = plt.subplots(figsize=(11, 3.8))
ax.plot(steps_axis, [cosine_annealing(t, 0.1, 100, eta_min=0.002) for t in steps_axis],
        label=r"cosine annealing, $T_{\max}$ = 100, $\eta_{\min}$ = 0.002 (continues past $T_{\max}$ as torch)")
ax.plot(steps_axis, [cosine_warm_restarts(t, 0.1, 20) for t in steps_axis], label=r"warm restarts, $T_0$ = 20")
ax.plot(steps_axis, [cosine_warm_restarts(t, 0.1, 10, T_mult=2) for t in steps_axis],
        label=r"warm restarts, $T_0$ = 10, $T_{mult}$ = 2 (restarts at 10, 30, 70)")
ax.axvline(100, color="gray", lw=0.8, ls="--")
ax.set_title("Cosine annealing and SGDR (lr0 = 0.1)")
ax.set_xlabel("scheduler step t")
ax.set_ylabel("learning rate")
ax.legend(fontsize=8, loc="upper right")
plt.show()

# %% [markdown]
# ## 4. Warm-up, cyclic schedules and one-cycle
#
# **Linear warm-up** (torch `LinearLR`): *start with a very low rate and increase it gradually*
# (seed 000), which keeps the first updates of a freshly initialised — or a pretrained — network
# from wrecking it. The factor goes linearly from `start_factor` to `end_factor` over
# `total_iters` steps and then stays:
#
# $$\text{lr}_t = \text{lr}_0\left(s + (e - s)\,\frac{\min(t, T)}{T}\right).$$
#
# In practice warm-up is chained with a decay (torch `SequentialLR`), e.g. 5 epochs of warm-up,
# then cosine annealing.

# %% nbgrader={"grade": false, "grade_id": "ex_linear_warmup", "locked": false, "schema_version": 3, "solution": true, "task": false}
def linear_warmup(t, lr0, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
    """The learning rate of torch's LinearLR after t scheduler steps (the formula is just above).

    Inputs: t (integer >= 0), lr0, start_factor, end_factor, total_iters (integer >= 1).
    Returns the learning rate, a float.
    """
    ### BEGIN SOLUTION
    return lr0 * (start_factor + (end_factor - start_factor) * min(t, total_iters) / total_iters)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_linear_warmup", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Defaults: a third of lr0 at t = 0, lr0 from t = 5 on; at t = 2 the factor is 1/3 + (2/3)(2/5) = 3/5
assert_close([linear_warmup(t, 0.3) for t in (0, 2, 5, 100)], [0.1, 0.18, 0.3, 0.3], name="linear_warmup(t, 0.3)")
assert_close(linear_warmup(3, 1.0, start_factor=1.0, end_factor=0.5, total_iters=4), 0.625,
             name="a linear decrease (start 1, end 0.5)")
print("linear_warmup: visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, reference, schedule_run

rng_hidden = np.random.default_rng(707)
cases = []
for i in range(6):
    params = {"lr0": float(rng_hidden.uniform(1e-3, 1.0)), "start_factor": float(rng_hidden.uniform(0.01, 1.0)),
              "end_factor": float(rng_hidden.uniform(0.0, 1.0)), "total_iters": int(rng_hidden.integers(1, 50))}
    cases.append(Case(f"random parameters #{i + 1}, t = 0..100", (np.arange(101),), params))
cases.append(Case("defaults", (np.arange(20),), {"lr0": 0.1}))
check_against_reference("linear_warmup", schedule_run(linear_warmup),
                        schedule_run(reference("solutions.schedulers:linear_warmup")), cases)
### END HIDDEN TESTS

# %% [markdown]
# **Cyclic learning rates** (Smith 2017; torch `CyclicLR`): the rate moves back and forth
# between `base_lr` and `max_lr` in triangles — `step_size_up` steps up, `step_size_down` steps
# down (default: the same). Seed 003's example: between 0.1 and 0.35 with a step size of 10,000
# iterations; the period is in *iterations*, so the scheduler steps every minibatch. Seed 000's
# motivation: the periodic large rates can shake the model out of a poor local minimum. Three
# modes (seed 002's three pictures):
#
# * `triangular`: the same triangle forever;
# * `triangular2`: the amplitude halves every cycle ("with fixed decay");
# * `exp_range`: the amplitude is multiplied by $\gamma^t$ at step $t$ ("with exponential
#   decay").
#
# torch's formulas, with $S = $ `step_size_up` + `step_size_down` and $r = $ `step_size_up`$/S$:
#
# $$\text{cycle} = \left\lfloor 1 + \tfrac{t}{S}\right\rfloor,\quad x = 1 + \tfrac{t}{S} - \text{cycle},\quad
#   \text{scale} = \begin{cases} x / r & x \le r \\ (x - 1)/(r - 1) & x > r\end{cases}$$
#
# $$\text{lr}_t = \text{base\_lr} + (\text{max\_lr} - \text{base\_lr})\cdot\text{scale}\cdot a,\qquad
#   a = 1,\ \ 2^{-(\text{cycle} - 1)},\ \ \gamma^{t}\ \text{(by mode)}.$$

# %% nbgrader={"grade": false, "grade_id": "ex_cyclic", "locked": false, "schema_version": 3, "solution": true, "task": false}
def cyclic(t, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular", gamma=1.0):
    """torch CyclicLR (cycle_momentum=False), the formulas above.

    Inputs:
    - t: number of scheduler steps (minibatches) so far, an integer >= 0
    - base_lr, max_lr: the bottom and top of the triangle
    - step_size_up, step_size_down: steps going up and down (step_size_down=None: same as up)
    - mode: "triangular", "triangular2" or "exp_range" (anything else: ValueError)
    - gamma: the factor of "exp_range" (ignored by the other modes)

    Returns the learning rate, a float.
    """
    ### BEGIN SOLUTION
    if mode not in ("triangular", "triangular2", "exp_range"):
        raise ValueError(f"mode must be 'triangular', 'triangular2' or 'exp_range', got {mode!r}")
    up = float(step_size_up)
    down = up if step_size_down is None else float(step_size_down)
    total = up + down
    ratio = up / total
    cycle = np.floor(1 + t / total)
    x = 1.0 + t / total - cycle
    scale = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
    amplitude = {"triangular": 1.0, "triangular2": 1 / 2.0 ** (cycle - 1), "exp_range": gamma**t}[mode]
    return base_lr + (max_lr - base_lr) * scale * amplitude
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_cyclic", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Seed 003's example: between 0.1 and 0.35, step size 10,000 iterations
assert_close([cyclic(t, 0.1, 0.35, step_size_up=10_000) for t in (0, 5_000, 10_000, 15_000, 20_000)],
             [0.1, 0.225, 0.35, 0.225, 0.1], name="triangular, seed 003's numbers")
assert_close(cyclic(30_000, 0.1, 0.35, step_size_up=10_000, mode="triangular2"), 0.1 + 0.25 / 2,
             name="triangular2: the second peak is half as high")
assert_close(cyclic(10_000, 0.1, 0.35, step_size_up=10_000, mode="exp_range", gamma=0.9999),
             0.1 + 0.25 * 0.9999**10_000, name="exp_range at the first peak")
assert_close(cyclic(3, 0.0, 1.0, step_size_up=2, step_size_down=6), 1 - 1 / 6, name="unequal up and down")
assert_raises(ValueError, lambda: cyclic(0, 0.1, 0.35, mode="sawtooth"), "cyclic with an unknown mode")
print("cyclic: visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, check_raises, reference, schedule_run

rng_hidden = np.random.default_rng(708)
cases = []
for mode in ("triangular", "triangular2", "exp_range"):
    for i in range(3):
        base = float(rng_hidden.uniform(1e-4, 0.1))
        params = {"base_lr": base, "max_lr": base + float(rng_hidden.uniform(0.01, 1.0)),
                  "step_size_up": int(rng_hidden.integers(1, 40)), "mode": mode,
                  "gamma": float(rng_hidden.uniform(0.99, 1.0))}
        if i == 2:
            params["step_size_down"] = int(rng_hidden.integers(1, 40))
        cases.append(Case(f"{mode} #{i + 1}, t = 0..400", (np.arange(401),), params))
cases.append(Case("defaults", (np.arange(0, 20_001, 97),), {"base_lr": 0.001, "max_lr": 0.006}))
cases.append(Case("step sizes of 1", (np.arange(30),), {"base_lr": 0.1, "max_lr": 0.2, "step_size_up": 1,
                                                        "step_size_down": 1, "mode": "triangular2"}))
check_against_reference("cyclic", schedule_run(cyclic),
                        schedule_run(reference("solutions.schedulers:cyclic")), cases)

check_raises("cyclic", lambda: cyclic(5, 0.1, 0.2, mode="triangle"), "an unknown mode")
### END HIDDEN TESTS

# %% [markdown]
# **One-cycle** (Smith & Topin 2018; torch `OneCycleLR`): a single cycle over the whole run.
# Warm up from $\text{max\_lr}/\text{div\_factor}$ to `max_lr` during the first `pct_start` of
# the steps, then anneal (cosine by default) down to $\text{max\_lr}/(\text{div\_factor} \cdot
# \text{final\_div\_factor})$, far below the start. Seed 000 describes it with linear ramps;
# torch's default anneals with a cosine. The phase boundaries follow torch exactly (the warm-up
# ends at step $\text{pct\_start}\cdot T - 1$, the run at $T - 1$), and, like torch, it is an
# error to ask for a step beyond `total_steps`. Given, not an exercise:

# %%
def one_cycle(t, max_lr, total_steps, pct_start=0.3, anneal_strategy="cos", div_factor=25.0,
              final_div_factor=1e4, three_phase=False):
    """torch OneCycleLR (cycle_momentum=False): the learning rate after t scheduler steps, 0 <= t <= total_steps."""
    if not 0 <= t <= total_steps:
        raise ValueError(f"t must be in 0..total_steps={total_steps} (torch raises past the end), got {t}")
    if anneal_strategy not in ("cos", "linear"):
        raise ValueError(f"anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
    initial_lr = max_lr / div_factor
    min_lr = initial_lr / final_div_factor
    warmup_end = pct_start * total_steps - 1
    if three_phase:
        phases = [(warmup_end, initial_lr, max_lr), (2 * pct_start * total_steps - 2, max_lr, initial_lr),
                  (total_steps - 1, initial_lr, min_lr)]
    else:
        phases = [(warmup_end, initial_lr, max_lr), (total_steps - 1, max_lr, min_lr)]
    phase_start = 0.0
    for i, (phase_end, start_lr, end_lr) in enumerate(phases):
        if t <= phase_end or i == len(phases) - 1:
            if phase_end == phase_start:
                raise ValueError(f"total_steps={total_steps} with pct_start={pct_start} gives an empty phase")
            fraction = (t - phase_start) / (phase_end - phase_start)
            if anneal_strategy == "cos":
                return end_lr + (start_lr - end_lr) / 2 * (1 + np.cos(np.pi * fraction))
            return start_lr + (end_lr - start_lr) * fraction
        phase_start = phase_end


total_iterations = 60_000
iterations = np.arange(0, total_iterations + 1, 50)
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for mode, gamma in [("triangular", 1.0), ("triangular2", 1.0), ("exp_range", 0.99997)]:
    axes[0].plot(iterations, [cyclic(t, 0.1, 0.35, step_size_up=10_000, mode=mode, gamma=gamma) for t in iterations],
                 label=f"{mode}" + (f", gamma = {gamma}" if mode == "exp_range" else ""))
axes[0].set_title("Cyclic schedules: seed 003's 0.1 to 0.35, step size 10K")
axes[0].set_xlabel("iteration t (minibatches)")
axes[0].set_ylabel("learning rate")
axes[0].legend(fontsize=8)
warmup_steps = np.arange(100)                     # a run of total_steps = 100 uses t = 0 .. 99
axes[1].plot(warmup_steps, [one_cycle(t, 0.1, 100) for t in warmup_steps], label="one-cycle (cos), max_lr = 0.1")
axes[1].plot(warmup_steps, [one_cycle(t, 0.1, 100, anneal_strategy="linear") for t in warmup_steps],
             label="one-cycle (linear), seed 000's description")
axes[1].plot(warmup_steps, [one_cycle(t, 0.1, 100, three_phase=True) for t in warmup_steps], label="one-cycle, three phases")
axes[1].plot(warmup_steps, [linear_warmup(t, 0.1, 0.1, 1.0, 10) if t < 10 else cosine_annealing(t - 10, 0.1, 90)
                            for t in warmup_steps], "k--", label="10 steps of linear warm-up, then cosine")
axes[1].set_title("One-cycle and warm-up + cosine over 100 steps")
axes[1].set_xlabel("scheduler step t")
axes[1].set_ylabel("learning rate")
axes[1].legend(fontsize=8)
plt.tight_layout()
plt.show()
print(f"one-cycle, max_lr = 0.1, total_steps = 100: starts at {one_cycle(0, 0.1, 100):.4f} (max_lr / 25), "
      f"peaks at t = {np.argmax([one_cycle(t, 0.1, 100) for t in warmup_steps])}, "
      f"last step t = 99 at {one_cycle(99, 0.1, 100):.2e} (max_lr / 25 / 1e4 = {0.1 / 25 / 1e4:.0e})")

# %% [markdown]
# ## 5. ReduceLROnPlateau
#
# All schedules so far follow the clock. **ReduceLROnPlateau** watches a metric — usually the
# validation loss — and *cuts the rate when the metric stops improving* (seed 000; seed 001's
# "dynamic schedule: decrease $\varepsilon_t$ after reaching a plateau"; seed 003's "if the loss
# stops falling, cut the rate to a half or a tenth, and repeat"). Because it depends on the
# metric's history it cannot be a function of $t$ alone: it is an object with a `step(metric)`
# method, called once per epoch after validation. torch's rules (mode "min", relative
# threshold):
#
# * an epoch *improves* if $\text{metric} < \text{best}\cdot(1 - \text{threshold})$;
# * after more than `patience` epochs without improvement the rate becomes
#   $\max(\text{lr}\cdot\text{factor}, \text{min\_lr})$, and the next `cooldown` epochs are not
#   counted.
#
# Given (torch's defaults, mode "min" only):

# %%
class ReduceLROnPlateau:
    """torch ReduceLROnPlateau for a metric to minimise: step(metric) returns the lr for the next epoch."""

    def __init__(self, lr0, factor=0.1, patience=10, threshold=1e-4, cooldown=0, min_lr=0.0, eps=1e-8):
        if not 0 < factor < 1:
            raise ValueError(f"factor must be in (0, 1), got {factor}")
        self.lr, self.factor, self.patience, self.threshold = lr0, factor, patience, threshold
        self.cooldown, self.min_lr, self.eps = cooldown, min_lr, eps
        self.best, self.num_bad_epochs, self.cooldown_counter = np.inf, 0, 0

    def step(self, metric):
        if metric < self.best * (1 - self.threshold):
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            new_lr = max(self.lr * self.factor, self.min_lr)
            if self.lr - new_lr > self.eps:     # torch skips changes smaller than eps
                self.lr = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        return self.lr


# A validation loss that improves, stalls, improves a little after each cut
rng_metric = np.random.default_rng(0)
epochs_plateau = np.arange(60)
metric = 0.6 + 1.4 * np.exp(-epochs_plateau / 6) + 0.01 * rng_metric.normal(size=epochs_plateau.size)
plateau = ReduceLROnPlateau(0.1, factor=0.5, patience=4, cooldown=2)
plateau_lrs = [plateau.step(value) for value in metric]
cut_epochs = [e for e in range(1, len(plateau_lrs)) if plateau_lrs[e] < plateau_lrs[e - 1]]

fig, ax = plt.subplots(figsize=(9, 3.8))
ax.plot(epochs_plateau, metric, "k.-", label="validation loss (the metric)")
ax.set_xlabel("epoch")
ax.set_ylabel("metric")
ax2 = ax.twinx()
ax2.step(epochs_plateau, plateau_lrs, where="post", color="C3", label="learning rate after step(metric)")
ax2.set_yscale("log")
ax2.set_ylabel("learning rate", color="C3")
ax.set_title("ReduceLROnPlateau(lr0=0.1, factor=0.5, patience=4, cooldown=2)")
ax2.legend(ax.get_lines() + ax2.get_lines(), [line.get_label() for line in ax.get_lines() + ax2.get_lines()],
           loc="center", bbox_to_anchor=(0.55, 0.55), fontsize=8)
plt.show()
print(f"the rate was halved after epochs {cut_epochs}; final rate {plateau_lrs[-1]:.2e}")

# %% [markdown]
# ### Every schedule at a glance
#
# The same horizon of 100 steps for each, with the parameters in the titles.

# %%
gallery = {
    "step_decay(lr0=0.1, step_size=30)": lambda t: step_decay(t, 0.1, 30),
    "multistep_decay(0.1, [50, 75])": lambda t: multistep_decay(t, 0.1, [50, 75]),
    "exponential_decay(0.1, gamma=0.95)": lambda t: exponential_decay(t, 0.1, 0.95),
    "inverse_time_decay(0.1, decay=0.05)": lambda t: inverse_time_decay(t, 0.1, 0.05),
    "cosine_annealing(0.1, T_max=100)": lambda t: cosine_annealing(t, 0.1, 100),
    "cosine_warm_restarts(0.1, T_0=20, T_mult=2)": lambda t: cosine_warm_restarts(t, 0.1, 20, T_mult=2),
    "linear_warmup(0.1, 1/3, 1, total_iters=5)": lambda t: linear_warmup(t, 0.1),
    "cyclic(0.001, 0.1, 10, 'triangular')": lambda t: cyclic(t, 0.001, 0.1, 10),
    "cyclic(0.001, 0.1, 10, 'triangular2')": lambda t: cyclic(t, 0.001, 0.1, 10, mode="triangular2"),
    "cyclic(0.001, 0.1, 10, 'exp_range', 0.98)": lambda t: cyclic(t, 0.001, 0.1, 10, mode="exp_range", gamma=0.98),
    "one_cycle(max_lr=0.1, total_steps=101)": lambda t: one_cycle(t, 0.1, 101),
}
fig, axes = plt.subplots(3, 4, figsize=(15, 9), sharex=True)
gallery_steps = np.arange(101)
for ax, (title, schedule) in zip(axes.flat, gallery.items(), strict=False):
    ax.plot(gallery_steps, [schedule(t) for t in gallery_steps], drawstyle="steps-post")
    ax.set_title(title, fontsize=9)
ax = axes.flat[-1]
ax.plot(np.arange(len(plateau_lrs)), plateau_lrs, drawstyle="steps-post", color="C3")
ax.set_title("ReduceLROnPlateau(0.1, 0.5, patience=4) on the metric above", fontsize=9)
for ax in axes.flat:
    ax.set_ylabel("learning rate", fontsize=8)
for ax in axes[-1]:
    ax.set_xlabel("scheduler step t")
fig.suptitle("Every schedule of this lesson: learning rate against step")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 6. The Robbins–Monro conditions
#
# Seed 001: with minibatch gradients the convergence is stochastic, so the rate must decrease
# (lesson 08 shows why: a constant rate leaves SGD on a noise floor proportional to the rate).
# The classical sufficient conditions (Robbins & Monro 1951) for SGD to converge to the optimum
# are
#
# $$\sum_{t=1}^{\infty} \varepsilon_t = +\infty \quad\text{(we can still reach any point)},\qquad
#   \sum_{t=1}^{\infty} \varepsilon_t^2 < +\infty \quad\text{(the accumulated gradient noise stays bounded)}.$$
#
# Seed 001 leaves an exercise: *give an example of $\varepsilon_t$ satisfying them.* The classic
# answer is $\varepsilon_t = c/t$: the harmonic series diverges, $\sum_{t \le T} c/t \approx
# c(\ln T + 0.5772)$, while $\sum_t c^2/t^2 = c^2\pi^2/6$. Any $c/t^p$ with $1/2 < p \le 1$
# works too. Let us compute the partial sums.

# %%
c = 0.5
T_partial = 10**6
t_values = np.arange(1, T_partial + 1, dtype=float)
candidates = {
    r"$c/t$": c / t_values,
    r"$c/\sqrt{t}$": c / np.sqrt(t_values),
    r"$c/t^2$": c / t_values**2,
    r"constant $c$": np.full(T_partial, c),
    r"exponential $c\,0.99^t$": c * 0.99**t_values,
    r"inverse time $c/(1 + 0.1 t)$": c / (1 + 0.1 * t_values),
}
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
drawn = np.unique(np.logspace(0, np.log10(T_partial), 400).astype(int)) - 1  # log-spaced T, from T = 1
print(f"{'schedule':>34s} {'sum eps to 1e5':>15s} {'to 1e6':>11s} {'sum eps^2 to 1e5':>17s} {'to 1e6':>11s}  Robbins-Monro?")
for name, eps in candidates.items():
    s1, s2 = np.cumsum(eps), np.cumsum(eps**2)
    axes[0].semilogx(t_values[drawn], s1[drawn], label=name)
    axes[1].loglog(t_values[drawn], s2[drawn], label=name)
    # a sum that still grows by more than 1% per decade at T = 1e6 is taken as divergent here
    first_diverges = s1[-1] > 1.01 * s1[T_partial // 10 - 1]
    second_converges = s2[-1] < 1.01 * s2[T_partial // 10 - 1]
    verdict = "yes" if first_diverges and second_converges else "no"
    print(f"{name:>34s} {s1[T_partial // 10 - 1]:15.4g} {s1[-1]:11.4g} {s2[T_partial // 10 - 1]:17.4g} {s2[-1]:11.4g}  {verdict}")
axes[1].axhline(c**2 * np.pi**2 / 6, color="k", ls=":", lw=1, label=r"$c^2\pi^2/6$")
axes[0].set_title(r"partial sums $\sum_{t=1}^{T} \varepsilon_t$ (must diverge; linear y axis)")
# c/t grows like c ln T: a straight line on these axes; the sums of c/sqrt(t) and of a constant
# grow much faster and leave the window at the top
axes[0].set_ylim(0, 1.2 * np.sum(candidates[r"inverse time $c/(1 + 0.1 t)$"]))
axes[1].set_title(r"partial sums $\sum_{t=1}^{T} \varepsilon_t^2$ (must converge)")
for ax in axes:
    ax.set_xlabel("T")
    ax.legend(fontsize=8)
axes[0].set_ylabel("partial sum of the rates")
axes[1].set_ylabel("partial sum of the squared rates")
plt.tight_layout()
plt.show()
harmonic = np.cumsum(c / t_values)
print(f"c = {c}: sum of c/t up to 1e6 = {harmonic[-1]:.4f}, c (ln 1e6 + 0.5772) = {c * (np.log(1e6) + 0.5772):.4f}; "
      f"sum of (c/t)^2 = {np.sum((c / t_values) ** 2):.6f}, c^2 pi^2 / 6 = {c**2 * np.pi**2 / 6:.6f}")

# %% [markdown]
# The table is a finite computation: "diverges" means the partial sum still grows by more than
# 1% between $T = 10^5$ and $10^6$. The verdicts agree with the mathematics: $c/t$ and inverse
# time (which behaves like $10c/t$ for large $t$) satisfy both conditions; $c/\sqrt t$ fails the
# second (its squares are a harmonic series); $c/t^2$ and the exponential decay fail the first
# (they stop moving after a finite distance: $\sum_t c\,0.99^t \approx 99c$); a constant rate
# fails the second. Step, multi-step and exponential decays, cosine annealing and one-cycle all
# violate the conditions — they are used anyway, for a fixed budget of epochs, where reaching a
# small enough rate by the end matters more than the limit $t \to \infty$.
#
# ## 7. The learning-rate range test
#
# How large should the rate be? Seed 003's **learning rate finder** answers it in one short run:
# start from the initial weights and, taking one new minibatch per step, raise the rate
# geometrically, $\text{lr} = 10^{e}$ for $e$ in `np.linspace(-8, 0, 200)`, recording the loss
# at each step; then plot the loss against $e$:
#
# ```python
# for i, le in enumerate(learning_exps):
#     inputs, targets = next(data_iter)
#     loss = crit(model(inputs), targets)
#     losses[i] = float(loss)                  # the loss *before* this step's update
#     optimizer.zero_grad(); loss.backward()
#     for pg in optimizer.param_groups:
#         pg['lr'] = 10 ** le                  # then step with lr = 10**e_i
#     optimizer.step()
# plt.plot(learning_exps, losses)
# ```
#
# While the rate is too small the loss does not move; where it falls fastest the rate is
# useful; where it shoots up the rate is too large. Implement it for our model protocol
# `loss_fn(params, X_batch, y_batch) -> (loss, grads)` (the one `course.training.train`
# uses), with plain SGD, as the seed's `torch.optim.SGD`.

# %% nbgrader={"grade": false, "grade_id": "ex_lr_range_test", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lr_range_test(loss_fn, params, batches, exponents):
    """Seed 003's learning-rate range test with plain SGD.

    Inputs:
    - loss_fn: loss_fn(params, X_batch, y_batch) -> (loss, grads); params and grads are dicts
      of arrays with the same keys
    - params: dict of initial arrays, e.g. {"W": (K, D), "b": (K,)}; must not be modified
    - batches: an iterable of (X_batch, y_batch) pairs (a list or an iterator such as a
      generator); step i uses the i-th pair. If it runs out before the exponents do, raise
      ValueError.
    - exponents: (S,) array of base-10 exponents

    Follows seed 003's loop above, with plain SGD on every array of params: losses[i] is the
    loss on the i-th batch *before* the step that uses the rate 10**exponents[i].
    Returns losses, a float array of shape (S,).
    """
    ### BEGIN SOLUTION
    params = {name: np.array(value, copy=True) for name, value in params.items()}
    batch_iterator = iter(batches)
    losses = np.zeros(len(exponents))
    for i, exponent in enumerate(exponents):
        try:
            X_batch, y_batch = next(batch_iterator)
        except StopIteration:
            raise ValueError(f"batches ran out after {i} minibatches, {len(exponents)} are needed") from None
        loss, grads = loss_fn(params, X_batch, y_batch)
        losses[i] = float(loss)
        params = {name: value - 10.0**exponent * grads[name] for name, value in params.items()}
    return losses
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_lr_range_test", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def _quadratic_to_batch_mean(params, X_batch, y_batch):
    """f(w) = 1/2 (w - c)^2 with c = mean of X_batch: gradient w - c."""
    c = float(np.mean(X_batch))
    return 0.5 * float(np.sum((params["w"] - c) ** 2)), {"w": params["w"] - c}


# By hand, c = 0 and w0 = 4: loss 8, then lr = 10**0 = 1 takes w to 0: loss 0
zero_batches = [(np.zeros(1), None)] * 3
assert_close(lr_range_test(_quadratic_to_batch_mean, {"w": np.array([4.0])}, zero_batches[:2], [0.0, 0.0]),
             [8.0, 0.0], name="two steps with lr = 1")
# lr = 10**-2 then 10**-1: w = 2, 2 * 0.99, 2 * 0.99 * 0.9 -> losses w^2 / 2
assert_close(lr_range_test(_quadratic_to_batch_mean, {"w": np.array([2.0])}, zero_batches, [-2.0, -1.0, 0.0]),
             [2.0, 0.5 * 1.98**2, 0.5 * 1.782**2], name="losses recorded before each update")
# each step takes its own batch: c = 0, 10, 20 with a negligible rate
assert_close(lr_range_test(_quadratic_to_batch_mean, {"w": np.array([0.0])},
                           iter([(np.array([c]), None) for c in (0.0, 10.0, 20.0)]), [-8.0, -8.0, -8.0]),
             [0.0, 50.0, 200.0], name="one new batch per step (from an iterator)", rtol=1e-5)
params_before = {"w": np.array([1.0, 2.0])}
lr_range_test(_quadratic_to_batch_mean, params_before, [(np.zeros(2), None)] * 2, [-1.0, -1.0])
assert_unchanged(np.array([1.0, 2.0]), params_before["w"], name="params['w']")
assert_raises(ValueError,
              lambda: lr_range_test(_quadratic_to_batch_mean, {"w": np.zeros(1)}, zero_batches[:2], [0.0, 0.0, 0.0]),
              "lr_range_test with fewer batches than learning rates")
print("lr_range_test: visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.grader.harness import Case, check_against_reference, check_raises, reference


def _softmax_problem_loss(params, X_batch, y_batch):
    scores = X_batch @ params["W"].T + params["b"]
    scores = scores - scores.max(axis=1, keepdims=True)
    log_p = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    p = np.exp(log_p)
    p[np.arange(len(y_batch)), y_batch] -= 1
    return -log_p[np.arange(len(y_batch)), y_batch].mean(), {"W": p.T @ X_batch / len(y_batch), "b": p.mean(axis=0)}


def _least_squares_loss(params, X_batch, y_batch):
    residual = X_batch @ params["w"] - y_batch
    return 0.5 * np.mean(residual**2), {"w": X_batch.T @ residual / len(y_batch)}


_LOSSES = {"softmax": _softmax_problem_loss, "least squares": _least_squares_loss}


def _range_test_adapter(function):
    # the harness compares arrays: loss functions are chosen by name, batches passed as arrays
    def run(loss_name, params, X_batches, y_batches, exponents, as_iterator):
        batches = list(zip(X_batches, y_batches, strict=False))
        return function(_LOSSES[loss_name], params, iter(batches) if as_iterator else batches, exponents)
    return run


rng_hidden = np.random.default_rng(709)
cases = []
for i, (n_steps, batch, K, D) in enumerate([(40, 8, 3, 5), (120, 16, 4, 10), (1, 5, 2, 3)]):
    params = {"W": rng_hidden.normal(0, 0.1, (K, D)), "b": np.zeros(K)}
    X_batches = rng_hidden.normal(size=(n_steps, batch, D))
    y_batches = rng_hidden.integers(0, K, size=(n_steps, batch))
    exponents = np.linspace(-6, 0.5, n_steps)
    cases.append(Case(f"softmax #{i + 1}, {n_steps} steps", ("softmax", params, X_batches, y_batches, exponents, i == 1)))
for i, n_steps in enumerate([30, 80]):
    X_batches = rng_hidden.normal(size=(n_steps, 10, 4))
    y_batches = rng_hidden.normal(size=(n_steps, 10))
    exponents = np.sort(rng_hidden.uniform(-5, -0.5, n_steps))
    cases.append(Case(f"least squares #{i + 1}, {n_steps} steps",
                      ("least squares", {"w": rng_hidden.normal(size=4)}, X_batches, y_batches, exponents, False)))
X_batches = rng_hidden.normal(size=(10, 6, 4))
cases.append(Case("more batches than exponents", ("least squares", {"w": np.zeros(4)}, X_batches,
                                                   rng_hidden.normal(size=(10, 6)), np.linspace(-3, -1, 7), True)))
check_against_reference("lr_range_test", _range_test_adapter(lr_range_test),
                        _range_test_adapter(reference("solutions.lr_finder:lr_range_test")), cases)

check_raises("lr_range_test",
             lambda: lr_range_test(_least_squares_loss, {"w": np.zeros(2)}, [(np.ones((3, 2)), np.ones(3))] * 4,
                                   np.zeros(5)),
             "too few batches")
### END HIDDEN TESTS

# %% [markdown]
# ### The range test on CIFAR-10 softmax regression
#
# The model of lesson 03: scores $s = Wx + b$, softmax, cross-entropy averaged over the batch,
# $W, b$ initialised from $\mathcal{N}(0, 0.001^2)$. The loss and its gradient are given here (a
# vectorised version, as you wrote in lesson 03), together with plain SGD in the optimizer
# protocol `step(w, dw, state, lr) -> (w, state)`.

# %%
from course.experiments import load_split
from course.training import train

data, (X_train, y_train, X_val, y_val) = load_split(pick(None, 3_500), n_val=pick(5_000, 500), n_test=pick(None, 1_000))
X_test, y_test = data.X_test, data.y_test     # used once, at the end of the lesson
n_classes, n_features = 10, X_train.shape[1]
print(f"training on {len(X_train)} images, validating on {len(X_val)}, testing on {len(X_test)}"
      + (" (the small subset used in grading mode)" if grading_mode() else ""))


def softmax_loss(params, X_batch, y_batch):
    """Mean cross-entropy of softmax regression and its gradients.

    params: {"W": (K, D), "b": (K,)}; X_batch: (B, D) float32; y_batch: (B,) ints.
    Returns (loss, {"W": dW (K, D), "b": db (K,)}).
    """
    W, b = params["W"], params["b"]
    scores = X_batch @ W.T + b
    scores -= scores.max(axis=1, keepdims=True)          # stable: softmax is shift-invariant
    probabilities = np.exp(scores)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    rows = np.arange(len(y_batch))
    loss = -np.mean(np.log(probabilities[rows, y_batch]))
    probabilities[rows, y_batch] -= 1                    # dL/dscores = (P - Y) / B
    probabilities /= len(y_batch)
    return float(loss), {"W": probabilities.T @ X_batch, "b": probabilities.sum(axis=0)}


def sgd(w, dw, state=None, *, lr=1e-3, weight_decay=0.0):
    """Plain SGD in the optimizer protocol (torch.optim.SGD without momentum); the state counts steps."""
    state = {"step": 0} if state is None else dict(state)
    state["step"] += 1
    return w - lr * (dw + weight_decay * w), state


def init_params(seed=0):
    """Lesson 03's start, W and b ~ N(0, 0.001²) in float32, as the dict {"W", "b"} the optimizers take."""
    rng_init = np.random.default_rng(seed)
    W = (0.001 * rng_init.standard_normal((n_classes, n_features))).astype(np.float32)
    b = (0.001 * rng_init.standard_normal(n_classes)).astype(np.float32)
    return {"W": W, "b": b}


def accuracy(params, X, y):
    return float(np.mean(np.argmax(X @ params["W"].T + params["b"], axis=1) == y))


def val_accuracy(params):
    return accuracy(params, X_val, y_val)


def endless_minibatches(X, y, batch_size, seed=0):
    """Full minibatches (X_batch, y_batch) without end, reshuffled every epoch (seed 001).

    Unlike course.training.shuffled_batches (one epoch of index arrays, last batch short), the
    range test needs as many batches as learning rates, all of one size."""
    rng_batches = np.random.default_rng(seed)
    while True:
        order = rng_batches.permutation(len(X))
        for start in range(0, len(X) - batch_size + 1, batch_size):
            index = order[start:start + batch_size]
            yield X[index], y[index]

# %%
exponents = np.linspace(-8, 0, 200)
range_batch_size = 128
range_losses = lr_range_test(softmax_loss, init_params(), endless_minibatches(X_train, y_train, range_batch_size),
                             exponents)

window = 10
smoothed_losses = np.convolve(range_losses, np.ones(window) / window, mode="valid")
# centred: each mean is drawn at the mean exponent of its 10 steps (a trailing average would
# draw it at the last one and shift every mark by 4.5 steps, about 0.18 decades, to the right)
smoothed_exponents = np.convolve(exponents, np.ones(window) / window, mode="valid")
steepest = smoothed_exponents[np.argmin(np.gradient(smoothed_losses, smoothed_exponents))]
lowest = smoothed_exponents[np.argmin(smoothed_losses)]
lr_suggested = 10.0**steepest
trailing_shift = exponents[window - 1] - smoothed_exponents[0]

fig, ax = plt.subplots(figsize=(8, 4.2))
ax.plot(exponents, range_losses, ".", color="C0", markersize=3, label="minibatch loss")
ax.plot(smoothed_exponents, smoothed_losses, "-", color="C0", label=f"moving average of {window}")
ax.axvline(steepest, color="C2", ls="--", label=f"steepest fall: lr = 10^{steepest:.2f} = {10**steepest:.3g}")
ax.axvline(lowest, color="C3", ls=":", label=f"lowest loss: lr = 10^{lowest:.2f} = {10**lowest:.3g}")
ax.set_title(f"Learning-rate range test, CIFAR-10 softmax regression (B = {range_batch_size}, 200 steps)")
ax.set_xlabel("e (learning rate = 10^e)")
ax.set_ylabel("minibatch cross-entropy loss")
ax.legend(fontsize=8)
plt.show()
flat_until = smoothed_exponents[np.argmax(smoothed_losses < 0.99 * smoothed_losses[0])]
print(f"initial loss {range_losses[0]:.4f} (ln 10 = {np.log(10):.4f}); the smoothed loss first drops 1% below its "
      f"start at e = {flat_until:.2f}; steepest fall at lr = {10**steepest:.3g}, lowest smoothed loss at lr = {10**lowest:.3g}")
print(f"fast.ai's suggestion, the rate at the minimum divided by 10: {10**lowest / 10:.3g}; "
      f"a trailing average would have shifted both marks by {trailing_shift:.3f} decades")

# %% [markdown]
# Common readings (Smith 2017; the fast.ai finder): the fast.ai finder suggests the rate at the
# minimum of the smoothed loss divided by 10, or the rate where the loss falls fastest (its
# "steepest" point), for a constant rate; and roughly the rate of the lowest loss as the *peak*
# of a cyclic or one-cycle schedule. The next section uses the steepest point as the base rate
# and the lowest-loss rate as the peak. The moving average is centred: a trailing one (the
# average of the 10 steps *ending* at each point) draws every mark late by half a window.

# %% [markdown]
# ### Written question (3 points, graded by hand): reading your range test
#
# Read the range-test plot on CIFAR-10 above (your own run).
#
# (a) Describe the three regions of the curve: where the loss stays flat, where it falls
# fastest, where it turns up. Give the learning rates at the boundaries, read from the plot or the
# printed values.
#
# (b) Which constant learning rate do you pick for training, and why *not* the rate at the lowest
# loss of the range test?
#
# (c) Which peak rate would you give a one-cycle or cosine schedule, and why may it be larger than
# the constant rate?
#
# Write your answer in the cell below (a few sentences; formulas in `$...$` are welcome).

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_range_test", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# **Model answer.** (a) Left: the rate is too small to change the weights within the test, the loss stays near its
# start (about $\ln 10$). Middle: the loss falls, fastest at the "steepest" rate printed above.
# Right: past the lowest smoothed loss the steps overshoot, the loss rises and soon explodes.
#
# (b) The steepest point, or the lowest-loss rate divided by about 10. The lowest point is already
# at the edge of instability: the loss there was measured while the rate was still increasing,
# after only a few steps at each rate and on a smoothed curve that lags, so training there for
# many epochs would oscillate or diverge. A margin of a factor of a few to 10 keeps training
# stable.
#
# (c) Roughly the rate of the lowest loss (or a bit below): a schedule spends only a short time at
# its peak and then decreases the rate, so it can afford a rate that a constant schedule could not
# sustain; the large rate early on makes fast progress and the decay lets it settle.
#
# **Rubric (3 points).**
# - 1 point: the three regions with learning rates consistent with the student's own plot or
#   printed values.
# - 1 point: a choice below the minimum with a reason (instability, the test's increasing rate or
#   smoothing lag); choosing the minimum itself earns 0 for this part.
# - 1 point: the peak of a schedule near the lowest-loss rate, with a reason (short time at the
#   peak, decay afterwards).
# ### END SOLUTION

# %% [markdown]
# ### An experiment (2 points): `chosen_learning_rate`
#
# Use your range test. The protocol is fixed: softmax regression from `init_params()` (seed 0),
# trained with plain SGD at a **constant** learning rate, minibatches of 128 reshuffled every
# epoch (seed 0), 5 epochs, on the first 3,000 training images. Read a rate off your plot (your
# answer above says which point and why), check it with `run_constant(lr)`, which runs the
# protocol and returns the accuracy on its validation rows (training images 3,001-4,000), adjust if you must, and return it from
# `chosen_learning_rate`.
#
# * **Target** (the visible test): validation accuracy at least `TARGET_VAL_ACCURACY` (printed
#   below).
# * **Grading** (the hidden test): the grader trains again at your rate, by the same protocol, and
#   measures the accuracy on **1,000 held-out images**; you get the points if it reaches at least
#   90% of what a well-chosen rate reaches on the same images.

# %%
from course.experiments import fit, tuning_data

# The protocol's own data, the same in grading and full mode: training images 1-3,000 to train on,
# 3,001-4,000 to validate on; the grader holds out 4,001-5,000 (course.experiments.tuning_data).
PROTOCOL_SPLIT, _ = tuning_data()
CONSTANT_PROTOCOL = dict(n_train=len(PROTOCOL_SPLIT.y_train), n_val=len(PROTOCOL_SPLIT.y_val), epochs=5,
                         batch_size=128, seed=0)
TARGET_VAL_ACCURACY = 0.335


def run_constant(lr):
    """Validation accuracy after training by the protocol above at the constant rate `lr`."""
    result = fit(softmax_loss, init_params(CONSTANT_PROTOCOL["seed"]), sgd, {"lr": lr},
                 PROTOCOL_SPLIT, epochs=CONSTANT_PROTOCOL["epochs"],
                 batch_size=CONSTANT_PROTOCOL["batch_size"], seed=CONSTANT_PROTOCOL["seed"],
                 evaluate=lambda params, X, y: (softmax_loss(params, X, y)[0], accuracy(params, X, y)))
    return result["val_accuracy"]


print(f"protocol: {CONSTANT_PROTOCOL}; target: validation accuracy >= {TARGET_VAL_ACCURACY}; "
      f"the range test's marks: steepest {10**steepest:.3g}, lowest {10**lowest:.3g}")

# %% nbgrader={"grade": false, "grade_id": "ex_chosen_learning_rate", "locked": false, "schema_version": 3, "solution": true, "task": false}
def chosen_learning_rate():
    """Your constant learning rate for the protocol above, a float > 0."""
    ### BEGIN SOLUTION
    # the range test's lowest-loss rate is too large to keep for 5 epochs; a tenth of it is too
    # timid here; checked with run_constant on validation among 0.01, 0.03, 0.1, 0.3
    return 0.1
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_chosen_learning_rate", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
chosen_lr = chosen_learning_rate()
assert isinstance(chosen_lr, (int, float)) and chosen_lr > 0, f"need a learning rate > 0, got {chosen_lr!r}"
chosen_val_accuracy = run_constant(chosen_lr)
print(f"your rate {chosen_lr:g}: validation accuracy {chosen_val_accuracy:.3f} (target {TARGET_VAL_ACCURACY})")
assert chosen_val_accuracy >= TARGET_VAL_ACCURACY, (
    f"validation accuracy {chosen_val_accuracy:.3f} is below the target {TARGET_VAL_ACCURACY}: "
    "look at the range test again")
print("visible tests passed")

### BEGIN HIDDEN TESTS
from autograder.grader.harness import check_that, reference
from course.experiments import fit as _fit
from course.experiments import tuning_data as _tuning_data
from solutions.softmax import accuracy as _accuracy
from solutions.softmax import softmax_loss_vectorized as _loss

_, _held_out = _tuning_data()


def _held_out_accuracy(lr):
    """The protocol of the lesson, with the reference loss, scored on the 1,000 held-out training images."""
    _init = np.random.default_rng(0)
    W_init = (1e-3 * _init.standard_normal((10, 3072))).astype(np.float32)
    b_init = (1e-3 * _init.standard_normal(10)).astype(np.float32)

    def loss_fn(p, X, y):
        loss, dW, db = _loss(p["W"], p["b"], X, y, 0.0)
        return loss, {"W": dW, "b": db}

    def step(w, dw, state=None, *, lr):
        return w - lr * dw, state

    def evaluate(p, X, y):
        return _loss(p["W"], p["b"], X, y, 0.0)[0], _accuracy(p["W"], p["b"], X, y)

    with np.errstate(all="ignore"):
        result = _fit(loss_fn, {"W": W_init, "b": b_init}, step, {"lr": float(lr)},
                      _held_out, epochs=5, batch_size=128, seed=0, evaluate=evaluate)
    return result["val_accuracy"]


_bar = 0.9 * _held_out_accuracy(reference("solutions.lr_finder:chosen_learning_rate")())
check_that("chosen_learning_rate", lambda: _held_out_accuracy(chosen_learning_rate()) >= _bar,
           "your rate, trained again and scored on 1,000 held-out images: at least 90% of a well-chosen rate")
### END HIDDEN TESTS

# %% [markdown]
# ## 8. Schedules compared on CIFAR-10
#
# Plain SGD, batch size 128, the same initial weights and the same minibatch order for every
# run; only the schedule differs. Epoch-wise schedules step once per epoch
# (`schedule_per="epoch"`), the cyclic and one-cycle schedules once per minibatch
# (`schedule_per="batch"`).

# %%
n_epochs = pick(20, 5)
batch_size = 128
batches_per_epoch = -(-len(X_train) // batch_size)
total_batches = n_epochs * batches_per_epoch
lr_base = lr_suggested
lr_peak = 10.0**lowest
print(f"lr_base = {lr_base:.3g} (steepest fall), lr_peak = {lr_peak:.3g} (lowest loss); "
      f"{n_epochs} epochs of {batches_per_epoch} minibatches")

warmup_epochs = max(1, n_epochs // 10)
experiments = {
    "constant": (None, "epoch"),
    "step decay (x0.1 at 1/2 and 3/4)": (lambda t: multistep_decay(t, lr_base, [n_epochs // 2, 3 * n_epochs // 4]), "epoch"),
    "exponential (x0.01 overall)": (lambda t: exponential_decay(t, lr_base, 0.01 ** (1 / n_epochs)), "epoch"),
    "inverse time": (lambda t: inverse_time_decay(t, lr_base, 0.5), "epoch"),
    "cosine": (lambda t: cosine_annealing(t, lr_base, n_epochs), "epoch"),
    "warm restarts (T_0 = epochs/3)": (lambda t: cosine_warm_restarts(t, lr_base, max(2, n_epochs // 3)), "epoch"),
    "warm-up + cosine": (lambda t: linear_warmup(t, lr_base, 0.1, 1.0, warmup_epochs) if t < warmup_epochs
                         else cosine_annealing(t - warmup_epochs, lr_base, n_epochs - warmup_epochs), "epoch"),
    "cyclic triangular2 (per batch)": (lambda t: cyclic(t, lr_base / 10, lr_peak, step_size_up=max(1, total_batches // 6),
                                                        mode="triangular2"), "batch"),
    "one-cycle (per batch)": (lambda t: one_cycle(t, lr_peak, total_batches), "batch"),
}

histories = {}
for name, (schedule, schedule_per) in experiments.items():
    _, histories[name] = train(softmax_loss, init_params(), sgd, {"lr": lr_base}, X_train, y_train,
                               epochs=n_epochs, batch_size=batch_size, seed=1, lr_schedule=schedule,
                               schedule_per=schedule_per, evaluate=val_accuracy, desc=name)

# %%
fig, axes = plt.subplots(1, 3, figsize=(16, 4.3))
for (name, history), style, colour in zip(histories.items(), ["-"] * 7 + ["--"] * 2,
                                         [f"C{i}" for i in range(7)] + ["C0", "C1"], strict=False):
    steps = np.arange(1, len(history.step_lr) + 1) / batches_per_epoch
    axes[0].plot(steps, history.step_lr, style, color=colour, lw=1.2, label=name)
    axes[1].plot(np.arange(1, n_epochs + 1), history.epoch_loss, style, color=colour, marker=".", label=name)
    axes[2].plot(np.arange(1, n_epochs + 1), history.val_accuracy, style, color=colour, marker=".", label=name)
axes[0].set_title("Learning rate used at each minibatch")
axes[0].set_xlabel("epoch")
axes[0].set_ylabel("learning rate")
axes[1].set_title("Training loss (mean over each epoch)")
axes[1].set_xlabel("epoch")
axes[1].set_ylabel("cross-entropy")
axes[2].set_title("Validation accuracy after each epoch")
axes[2].set_xlabel("epoch")
axes[2].set_ylabel("accuracy")
handles, labels = axes[0].get_legend_handles_labels()
fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=8)
fig.suptitle("Nine schedules, same base rate and minibatch order (one legend for all three panels)")
plt.tight_layout(rect=(0, 0.12, 1, 1))
plt.show()

print(f"{'schedule':>34s} {'last lr':>9s} {'final train loss':>17s} {'final val acc':>14s} {'best val acc':>13s}")
for name, history in histories.items():
    print(f"{name:>34s} {history.step_lr[-1]:9.3g} {history.epoch_loss[-1]:17.4f} {history.val_accuracy[-1]:14.4f} "
          f"{max(history.val_accuracy):13.4f}")
final_accuracy = {name: history.val_accuracy[-1] for name, history in histories.items()}
standard_error = np.sqrt(final_accuracy["constant"] * (1 - final_accuracy["constant"]) / len(y_val))
ending_low = [name for name, history in histories.items() if history.step_lr[-1] <= lr_base / 10]
ending_low_loss = np.mean([histories[name].epoch_loss[-1] for name in ending_low])
print(f"\nstandard error of an accuracy measured on {len(y_val)} validation images: about {standard_error:.3f}")
print(f"schedules whose last rate is at most lr_base/10: {len(ending_low)}; their mean final training loss "
      f"{ending_low_loss:.4f} against {histories['constant'].epoch_loss[-1]:.4f} for the constant rate")
accuracy_spread = max(final_accuracy.values()) - min(final_accuracy.values())
print(f"spread of the final validation accuracies: {accuracy_spread:.3f} ({accuracy_spread / standard_error:.1f} standard errors)")

# %% [markdown]
# The left panel is the training-loop pattern made visible: epoch-wise schedules are staircases
# (the rate is constant within an epoch and changes when `scheduler.step()` runs at the epoch's
# end), while the per-batch cyclic and one-cycle schedules change at every minibatch.
#
# What to look for in the numbers (printed above, computed in this run): the last line compares
# the mean final training loss of the schedules that end at a small rate with the constant
# rate's. Here every schedule starts from the *same* base rate, so a schedule that decays early
# also takes smaller steps for most of the run, and on this convex problem it can end *above*
# the constant rate: with an untuned base rate the comparison says more about the total
# distance travelled than about decay. Compare the differences in accuracy with the standard
# error before believing a ranking: with few epochs and a small validation set, many are within
# noise. Softmax regression is convex, so there are no poor local minima to escape: the benefits
# of restarts and cycles reported for deep networks have nothing to act on here. The fair
# comparison, with each rate tuned on validation, follows on the two-layer network.
#
# ### Constant against cosine, each tuned, on a two-layer network
#
# The comparison above gives every schedule the same base rate, and softmax regression is
# convex. A fairer test of "decay beats a constant rate" tunes each one's rate on the validation
# split and uses the non-convex two-layer network of `course.mlp` (64 ReLU units, float32), with
# heavy-ball momentum 0.9 (torch's `SGD(momentum=0.9)`, given below) and minibatches of 64. Both
# runs take the same number of steps; the cosine schedule steps once per epoch and reaches 0 at
# the end. Each rate is chosen with seed 0; the chosen settings are rerun with more seeds (five;
# two in grading mode).

# %%
from course.experiments import describe_claim_size, method, seed_table, sweep_table, tune_and_compare, wins
from course.mlp import init_mlp, mlp_loss


def momentum_sgd(w, dw, state=None, *, lr, momentum=0.9):
    """torch.optim.SGD(momentum=0.9): buffer b <- mu b + g (b = g at the first step), w <- w - lr b."""
    buffer = dw.copy() if state is None else momentum * state["momentum_buffer"] + dw
    return w - lr * buffer, {"momentum_buffer": buffer}


# grading mode: a smoke-size run of a few seconds (the claims are checked at a larger size, printed below)
mlp_data, mlp_split = load_split(pick(15_000, 1_500), n_val=pick(5_000, 500), n_test=pick(None, 1_000))
mlp_epochs = pick(10, 2)
schedule_runs = tune_and_compare(
    {"constant": method(momentum_sgd, grid=[0.003, 0.01, 0.03]),
     "cosine": method(momentum_sgd, grid=[0.003, 0.01, 0.03],
                      schedule=lambda hparams: lambda t: cosine_annealing(t, hparams["lr"], mlp_epochs))},
    mlp_loss, lambda seed: init_mlp(n_features, 64, 10, seed=seed), mlp_split, epochs=mlp_epochs, batch_size=64,
    seeds=pick((1, 2, 3, 4, 5), (1, 2)))
print(f"{len(mlp_split.y_train):,} training and {len(mlp_split.y_val):,} validation images, {mlp_epochs} epochs\n")
for name, entry in schedule_runs.items():
    print(f"{name}: learning-rate sweep (validation split, seed 0)\n{sweep_table(entry['sweep'])}\n")
print(seed_table(schedule_runs, "schedule"))
print(seed_table(schedule_runs, "schedule", key="train_loss"))
print(describe_claim_size())

fig, (ax_lr, ax_loss) = plt.subplots(1, 2, figsize=(12, 4))
for name, entry in schedule_runs.items():
    history = entry["runs"][0]["history"]
    ax_lr.plot(np.arange(1, len(history.step_lr) + 1) / (len(history.step_lr) / mlp_epochs), history.step_lr,
               label=f"{name}, lr {entry['chosen']:g}")
    curves = np.array([run["history"].epoch_loss for run in entry["runs"]])
    ax_loss.plot(np.arange(1, mlp_epochs + 1), curves.mean(axis=0), ".-", label=f"{name} (mean of {len(curves)} seeds)")
ax_lr.set(title="Learning rate at each step (chosen on validation)", xlabel="epoch", ylabel="learning rate")
ax_loss.set(title="Training loss of the two-layer network", xlabel="epoch", ylabel="mean minibatch loss in the epoch")
for ax in (ax_lr, ax_loss):
    ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
cosine_wins = wins(schedule_runs, "cosine", "constant")
val_means = {name: np.mean([run["val_loss"] for run in entry["runs"]]) for name, entry in schedule_runs.items()}
print(f"cosine ends with a lower validation loss than the constant rate in {cosine_wins} of "
      f"{len(schedule_runs['cosine']['runs'])} seeds "
      f"(means {val_means['cosine']:.4f} against {val_means['constant']:.4f})")

# %% [markdown]
# Tuned, the cosine schedule does better than the constant rate on validation loss, in most or
# all of the seeds (printed; `tests/test_claims.py` checks it over five seeds at the size printed), and
# it can afford a larger rate: the high rate early makes fast progress, the small rates at the
# end remove the noise that a constant rate leaves in the weights (lesson 08's noise floor).
#
# ### ReduceLROnPlateau in the loop
#
# The plateau scheduler needs the metric, so the loop is written out: one epoch of training
# (`train` with `epochs=1`, continuing from the current weights), then the validation loss, then
# `scheduler.step(val_loss)`.

# %%
def validation_loss(params):
    return softmax_loss(params, X_val, y_val)[0]


plateau_scheduler = ReduceLROnPlateau(lr_base, factor=0.5, patience=1)
params = init_params()
lr_now, plateau_log = lr_base, []
for epoch in range(n_epochs):
    params, _ = train(softmax_loss, params, sgd, {"lr": lr_now}, X_train, y_train, epochs=1,
                      batch_size=batch_size, seed=100 + epoch, progress=False)
    val_loss = validation_loss(params)
    plateau_log.append((epoch, lr_now, val_loss, val_accuracy(params)))
    lr_now = plateau_scheduler.step(val_loss)

epochs_run, lrs_run, val_losses, accuracies = map(np.array, zip(*plateau_log, strict=False))
fig, ax = plt.subplots(figsize=(8, 3.8))
ax.plot(epochs_run + 1, val_losses, "k.-", label="validation loss")
ax.set_xlabel("epoch")
ax.set_ylabel("validation cross-entropy")
ax2 = ax.twinx()
ax2.step(epochs_run + 1, lrs_run, where="mid", color="C3", label="learning rate of the epoch")
ax2.set_ylabel("learning rate", color="C3")
ax2.set_yscale("log")
ax.set_title(f"ReduceLROnPlateau(lr0 = {lr_base:.3g}, factor 0.5, patience 1) on CIFAR-10 softmax")
ax2.legend(ax.get_lines() + ax2.get_lines(), [line.get_label() for line in ax.get_lines() + ax2.get_lines()],
           loc="best", fontsize=8)
plt.show()
print(f"learning rates used: {np.unique(np.round(lrs_run, 6))[::-1]}; final validation accuracy {accuracies[-1]:.4f}")
print(f"the test set, used once in this lesson, on this run's final weights: accuracy "
      f"{accuracy(params, X_test, y_test):.4f} on {len(y_test):,} images")

# %% [markdown]
# ## Summary
#
# * A schedule is a function of the number of scheduler steps $t$; the scheduler steps once per
#   epoch, except for cyclic and one-cycle schedules, which step once per minibatch.
# * Decays (step, multi-step, exponential, inverse time) and cosine annealing start high and end
#   low; warm restarts, cyclic schedules and one-cycle raise the rate again on purpose; warm-up
#   protects the first steps; ReduceLROnPlateau reacts to the validation metric.
# * For SGD to converge in the limit the rates must satisfy $\sum\varepsilon_t = \infty$ and
#   $\sum\varepsilon_t^2 < \infty$, e.g. $\varepsilon_t = c/t$.
# * The range test finds a sensible rate in one short run.
#
# ## Live lecture
#
# The schedule explorer with this notebook's schedules: pick a schedule, drag its parameters,
# "add to overlay" to compare. Ideas: cosine with $T_{\max}$ equal to the horizon against step
# decay; SGDR with `T_mult` 1 and 2; triangular against triangular2; one-cycle's `pct_start`.

# %%
from course.widgets import ScheduleExplorer

lecture_schedules = {
    "step_decay": (step_decay, {"lr0": 0.1, "step_size": 30, "gamma": 0.1}),
    "multistep_decay": (multistep_decay, {"lr0": 0.1, "milestones": (50, 75), "gamma": 0.1}),
    "exponential_decay": (exponential_decay, {"lr0": 0.1, "gamma": 0.95}),
    "inverse_time_decay": (inverse_time_decay, {"lr0": 0.1, "decay": 0.05}),
    "cosine_annealing": (cosine_annealing, {"lr0": 0.1, "T_max": 100, "eta_min": 0.0}),
    "cosine_warm_restarts": (cosine_warm_restarts, {"lr0": 0.1, "T_0": 20, "T_mult": 2, "eta_min": 0.0}),
    "linear_warmup": (linear_warmup, {"lr0": 0.1, "start_factor": 1 / 3, "end_factor": 1.0, "total_iters": 5}),
    "cyclic": (cyclic, {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 10, "step_size_down": None,
                        "mode": "triangular", "gamma": 1.0}),
    "one_cycle": (one_cycle, {"max_lr": 0.1, "total_steps": 100, "pct_start": 0.3, "anneal_strategy": "cos",
                              "div_factor": 25.0, "final_div_factor": 1e4, "three_phase": False}),
}
schedule_explorer = ScheduleExplorer(lecture_schedules, n_steps=100)
schedule_explorer
