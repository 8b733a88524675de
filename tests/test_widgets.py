"""course.widgets, headless: drive the controls from Python, check state and plotted data.

Expected values come from the seeds' table (SYLLABUS section 02), closed forms, or
small loops written here; the optimizers below are minimal re-implementations so
these tests do not depend on `solutions`.
"""

import math

import ipywidgets
import numpy as np
import pytest
from seed_tables import GD_QUARTIC_TABLE as SEED_TABLE

from course.landscapes import quadratic
from course.widgets import (
    BatchNoiseExplorer,
    GDStepper,
    OptimizerRace,
    ScheduleExplorer,
    WeightDecayExplorer,
    least_squares_problem,
)
from course.widgets.presets import PRESETS, preset_key

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- helpers
def forward_difference(f, x, h=1e-3):
    return (f(x + h) - f(x)) / h


def minibatch_gradient_variance(per_example, batch_size, replace=False):
    """tr Cov of a minibatch mean (lesson 08's exercise, written here: `course` holds no answer)."""
    n = per_example.shape[0]
    total = float(np.sum(per_example.var(axis=0)))
    return total / batch_size if replace else total / batch_size * (n - batch_size) / (n - 1)


def sgd(w, dw, state=None, *, lr):
    return w - lr * dw, state


def heavy_ball(w, dw, state=None, *, lr, momentum=0.9):
    buf = dw.copy() if state is None else momentum * state["momentum_buffer"] + dw
    return w - lr * buf, {"momentum_buffer": buf}


def adam(w, dw, state=None, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    if state is None:
        state = {"step": 0, "exp_avg": np.zeros_like(w), "exp_avg_sq": np.zeros_like(w)}
    dw = dw + weight_decay * w  # L2, as torch.optim.Adam
    t = state["step"] + 1
    m = betas[0] * state["exp_avg"] + (1 - betas[0]) * dw
    v = betas[1] * state["exp_avg_sq"] + (1 - betas[1]) * dw * dw
    m_hat, v_hat = m / (1 - betas[0] ** t), v / (1 - betas[1] ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"step": t, "exp_avg": m, "exp_avg_sq": v}


def adamw(w, dw, state=None, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    return adam(w * (1 - lr * weight_decay), dw, state, lr=lr, betas=betas, eps=eps)


def race_optimizers():
    return {
        "SGD": (sgd, {"lr": 1e-3}),
        "momentum": (heavy_ball, {"lr": 1e-3, "momentum": 0.9}),
        "Adam": (adam, {"lr": 0.05, "betas": (0.9, 0.999)}),
    }


def step_decay(t, lr0, step_size, gamma=0.1):
    return lr0 * gamma ** (t // step_size)


def cosine(t, lr0, T_max, eta_min=0.0):
    return eta_min + (lr0 - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2


def multistep(t, lr0, milestones, gamma=0.1):
    return lr0 * gamma ** sum(t >= m for m in milestones)


def bounded(t, lr0, total_steps):
    if t > total_steps:
        raise ValueError(f"t={t} is beyond total_steps={total_steps}")
    return lr0 * (1 - t / total_steps)


SCHEDULES = {
    "step": (step_decay, {"lr0": 0.1, "step_size": 30, "gamma": 0.1}),
    "cosine": (cosine, {"lr0": 0.1, "T_max": 100, "eta_min": 0.0}),
    "multistep": (multistep, {"lr0": 0.1, "milestones": (50, 75), "gamma": 0.1}),
    "bounded": (bounded, {"lr0": 0.1, "total_steps": 100}),
}


def assert_blit_matches_full_render(widget):
    """The incremental (blitted) render equals a render from scratch: no stale cache."""
    incremental = widget.figure.pixels()
    widget.figure.invalidate()
    widget.figure.render()
    np.testing.assert_array_equal(incremental, widget.figure.pixels())


# ------------------------------------------------------------------------ GDStepper


def test_gd_stepper_six_steps_reproduce_the_seed_table():
    stepper = GDStepper(derivative=forward_difference)
    for _ in range(6):
        stepper.step_button.click()
    assert len(stepper.rows) == 7
    for (t, x, fx, d), expected in zip(stepper.rows, SEED_TABLE, strict=False):
        assert t == expected[0]
        assert (round(x, 3), round(fx, 3), round(d, 3)) == pytest.approx(expected[1:], abs=1e-12)
    # The plotted iterates are the table's (x, f(x)); the loss curve is f(x_t) against t.
    xy = stepper.iterates_line.get_xydata()
    np.testing.assert_allclose(xy, [(row[1], row[2]) for row in stepper.rows])
    np.testing.assert_allclose(stepper.loss_line.get_ydata(), [row[2] for row in stepper.rows])
    assert "-0.629" in stepper.table.value and "0.005" in stepper.table.value


def test_gd_stepper_slider_change_replays_with_new_value_and_reset():
    stepper = GDStepper(derivative=forward_difference)
    stepper.step(6)
    before = stepper.figure.image.value
    stepper.sliders["lr"].value = 0.1
    # The slider's grid runs through 0.2 in steps of 10^0.01: 0.1 snaps to the nearest grid
    # point, the value a browser would show and send, and the run uses exactly that.
    lr = stepper.sliders["lr"].value
    assert lr == pytest.approx(0.1, rel=10**0.005 - 1)
    assert stepper.n_steps == 6
    assert stepper.trajectory[1] == pytest.approx(1.0 - lr * forward_difference(lambda x: x**4 + x + 2, 1.0))
    assert stepper.figure.image.value != before
    stepper.sliders["x0"].value = -1.5
    assert stepper.trajectory[0] == -1.5 and len(stepper.trajectory) == 7
    stepper.reset_button.click()
    assert stepper.n_steps == 0 and stepper.trajectory.tolist() == [-1.5]
    assert_blit_matches_full_render(stepper)


def test_gd_stepper_large_h_biases_the_fixed_point():
    # Forward differences with h: GD stops where (f(x+h) - f(x))/h = 0, not at x*.
    stepper = GDStepper(derivative=forward_difference, h=0.1)
    stepper.step(60)
    x_end = stepper.trajectory[-1]
    x_star = -1 / 2 ** (2 / 3)
    assert forward_difference(stepper.f, x_end, 0.1) == pytest.approx(0.0, abs=1e-6)
    assert abs(x_end - x_star) > 0.01


def test_gd_stepper_divergence_stops_and_disables_step():
    stepper = GDStepper(derivative=forward_difference, lr=2.0)
    stepper.step(20)
    assert stepper.diverged
    assert stepper.n_steps < 20
    assert stepper.step_button.disabled
    assert "diverged" in stepper.status.value


def test_gd_stepper_custom_function_and_derivative_error_shown_in_status():
    calls = {"n": 0}

    def flaky_derivative(f, x, h):
        calls["n"] += 1
        if calls["n"] > 1:
            raise NotImplementedError("student has not written this yet")
        return forward_difference(f, x, h)

    stepper = GDStepper(lambda x: (x - 1.0) ** 2, flaky_derivative, x0=0.0, lr=0.25)
    stepper.step_button.click()  # the replay calls the derivative again: it raises
    assert "NotImplementedError" in stepper.status.value


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({}, "derivative must be a function"),
        ({"derivative": forward_difference, "x0": 5.0}, "x0 must lie inside xlim"),
        ({"derivative": forward_difference, "lr": 0.0}, "lr must be positive"),
        ({"derivative": forward_difference, "h": -1e-3}, "h must be positive"),
        ({"derivative": forward_difference, "xlim": (1, -1)}, "xlim must be"),
        ({"derivative": forward_difference, "f": 3.0}, "f must be a function"),
    ],
)
def test_gd_stepper_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GDStepper(**kwargs)


def test_gd_stepper_step_count_must_be_positive():
    stepper = GDStepper(derivative=forward_difference)
    with pytest.raises(ValueError, match="n must be at least 1"):
        stepper.step(0)


# -------------------------------------------------------------------- OptimizerRace
def manual_run(step_fn, hparams, grad, x0, n_steps):
    w, state, path = np.array(x0, dtype=float), None, [np.array(x0, dtype=float)]
    for _ in range(n_steps):
        w, state = step_fn(w, grad(w), state, **hparams)
        path.append(w)
    return np.array(path)


def test_race_paths_are_the_optimizers_runs_and_lr_slider_changes_only_that_path():
    race = OptimizerRace(race_optimizers(), landscape="rosenbrock", n_steps=200)
    land = race.landscape
    for name, (fn, hp) in race_optimizers().items():
        np.testing.assert_allclose(race.trajectories[name], manual_run(fn, hp, land.grad, land.x0, 200))
        np.testing.assert_allclose(race.path_lines[name].get_xydata(), race.trajectories[name])
    momentum_before = race.path_lines["momentum"].get_xydata().copy()
    sgd_before = race.path_lines["SGD"].get_xydata().copy()
    image_before = race.figure.image.value

    race.sliders["SGD"]["lr"].value = 5e-4
    lr = race.sliders["SGD"]["lr"].value  # on the slider's grid 1e-3 · 10^(0.05k), as a browser holds it
    assert lr == pytest.approx(5e-4, rel=10**0.025 - 1)
    expected = manual_run(sgd, {"lr": lr}, land.grad, land.x0, 200)
    np.testing.assert_allclose(race.path_lines["SGD"].get_xydata(), expected)
    assert not np.allclose(race.path_lines["SGD"].get_xydata(), sgd_before)
    np.testing.assert_array_equal(race.path_lines["momentum"].get_xydata(), momentum_before)
    assert race.figure.image.value != image_before
    assert_blit_matches_full_render(race)


def test_race_betas_become_two_sliders_and_reassemble():
    race = OptimizerRace(race_optimizers(), n_steps=20)
    assert set(race.sliders["Adam"]) == {"lr", "beta1", "beta2"}
    race.sliders["Adam"]["beta2"].value = 0.99
    assert race.hparams("Adam") == {"lr": 0.05, "betas": (0.9, 0.99)}
    expected = manual_run(adam, race.hparams("Adam"), race.landscape.grad, race.landscape.x0, 20)
    np.testing.assert_allclose(race.trajectories["Adam"], expected)
    # Learning rates get log sliders; momentum a linear one in [0, 1).
    assert isinstance(race.sliders["SGD"]["lr"], ipywidgets.FloatLogSlider)
    assert isinstance(race.sliders["momentum"]["momentum"], ipywidgets.FloatSlider)
    assert not isinstance(race.sliders["momentum"]["momentum"], ipywidgets.FloatLogSlider)


def test_race_play_index_truncates_plotted_paths_and_loss():
    race = OptimizerRace(race_optimizers(), n_steps=100)
    race.play.value = 40
    assert race.step_slider.value == 40  # kernel-side link
    for name in race.optimizers:
        assert race.path_lines[name].get_xydata().shape == (41, 2)
        np.testing.assert_allclose(race.path_lines[name].get_xydata(), race.trajectories[name][:41])
        loss = race.loss_lines[name].get_ydata()
        np.testing.assert_allclose(loss, race.landscape.f(race.trajectories[name][:41]))  # f* = 0
    assert race.step_line.get_xdata()[0] == 40
    assert_blit_matches_full_render(race)


def test_race_quadratic_condition_number_matches_closed_form_gd():
    # κ's log slider runs on a grid through the given κ (10 · 10^(0.05k)): 100 lies on it.
    race = OptimizerRace({"GD": (sgd, {"lr": 0.2})}, landscape="quadratic", n_steps=30, condition_number=10)
    race.start_sliders["x2"].value = 1.5  # a κ change keeps the chosen start
    race.condition_slider.value = 100.0
    assert race.trajectories["GD"][0].tolist() == [-8.0, 1.5]
    assert race.landscape.params["condition_number"] == 100.0
    # f = 0.1 w1^2 + 0.1 κ w2^2: GD multiplies w1 by (1 - 0.2 lr) and w2 by (1 - 0.2 κ lr).
    x0 = race.x0
    t = np.arange(31)
    lr = 0.2
    expected = np.stack([x0[0] * (1 - 0.2 * lr) ** t, x0[1] * (1 - 0.2 * 100 * lr) ** t], axis=1)
    # κ=100, lr=0.2: factor -3 on w2, so GD diverges; the run stops and says so.
    assert race.diverged["GD"]
    n = len(race.trajectories["GD"])
    np.testing.assert_allclose(race.trajectories["GD"], expected[:n])
    assert "diverged" in race.status.value
    race.sliders["GD"]["lr"].value = 0.02  # on the lr slider's grid 0.2 · 10^(0.05k)
    assert race.sliders["GD"]["lr"].value == 0.02
    assert not race.diverged["GD"]
    expected = np.stack([x0[0] * (1 - 0.2 * 0.02) ** t, x0[1] * (1 - 20 * 0.02) ** t], axis=1)
    np.testing.assert_allclose(race.trajectories["GD"], expected, atol=1e-12)


@pytest.mark.parametrize("name", ["quadratic", "rosenbrock", "saddle", "beale", "himmelblau"])
def test_race_every_landscape_runs_from_its_start(name):
    race = OptimizerRace(race_optimizers(), landscape="rosenbrock", n_steps=50)
    race.landscape_dropdown.value = "beale" if name == "rosenbrock" else "rosenbrock"
    race.landscape_dropdown.value = name
    land = race.landscape
    assert land.name == name
    # The start is the landscape's x0 exactly (the saddle's 1e-3 too), on the sliders' grid.
    assert [race.start_sliders["x1"].value, race.start_sliders["x2"].value] == land.x0.tolist()
    assert race.x0.tolist() == land.x0.tolist()
    for opt, (fn, hp) in race_optimizers().items():
        # A switch applies the landscape's presets (course.widgets.presets), matched by name.
        # The race started on Rosenbrock: there its preset is the values it was given.
        hp = hp if name == "rosenbrock" else {**hp, **PRESETS[name].get(preset_key(opt), {})}
        assert race.hparams(opt) == hp
        expected = manual_run(fn, hp, land.grad, land.x0, 50)
        n = len(race.trajectories[opt])
        np.testing.assert_allclose(race.trajectories[opt], expected[:n])
    assert race.condition_slider.layout.display == ("" if name == "quadratic" else "none")
    assert tuple(race.ax_path.get_xlim()) == land.xlim
    assert_blit_matches_full_render(race)


def test_race_start_slider_moves_the_start():
    race = OptimizerRace(race_optimizers(), landscape="himmelblau", n_steps=30)
    race.start_sliders["x1"].value = -1.0
    assert race.trajectories["SGD"][0].tolist() == [-1.0, race.landscape.x0[1]]


def test_race_hiding_an_optimizer_and_errors_in_callbacks():
    calls = {"n": 0}

    def fragile(w, dw, state=None, *, lr):
        calls["n"] += 1
        if lr > 0.02:
            raise RuntimeError("lr too large for this toy")
        return w - lr * dw, state

    race = OptimizerRace({"fragile": (fragile, {"lr": 0.01}), "SGD": (sgd, {"lr": 1e-3})}, n_steps=10)
    race.enabled["SGD"].value = False
    assert not race.path_lines["SGD"].get_visible()
    race.sliders["fragile"]["lr"].value = 0.05
    assert "RuntimeError" in race.status.value and "fragile" in race.errors
    race.sliders["fragile"]["lr"].value = 0.01
    assert "fragile" not in race.errors


def test_race_custom_landscape():
    land = quadratic(condition_number=3)
    race = OptimizerRace({"GD": (sgd, {"lr": 0.1})}, landscape=land, n_steps=5)
    assert race.landscape is land


@pytest.mark.parametrize(
    "optimizers, kwargs, match",
    [
        ({}, {}, "non-empty dict"),
        ([("SGD", sgd)], {}, "non-empty dict"),
        ({"SGD": sgd}, {}, "must be a pair"),
        ({"SGD": (sgd, 0.1)}, {}, "must be a pair"),
        ({"SGD": (sgd, {"lr": -0.1})}, {}, "learning rate and must be positive"),
        ({"SGD": (sgd, {"lr": 0.1, "schedule": {"a": 1}})}, {}, "has a value of type dict"),
        ({"SGD": (sgd, {"lr": 0.1})}, {"landscape": "moon"}, "landscape must be one of"),
        ({"SGD": (sgd, {"lr": 0.1})}, {"n_steps": 0}, "n_steps must be at least 1"),
        ({"SGD": (sgd, {"lr": 0.1})}, {"condition_number": 0.5}, "condition_number must be in"),
        (
            {"bad": (lambda w, dw, state=None, lr=0.1: w, {"lr": 0.1})},
            {},
            r"must return a pair \(w_next, state\)",
        ),
        (
            {"bad": (lambda w, dw, state=None, lr=0.1: (w[:1], state), {"lr": 0.1})},
            {},
            "returned w_next of shape",
        ),
    ],
)
def test_race_bad_input(optimizers, kwargs, match):
    with pytest.raises(ValueError, match=match):
        OptimizerRace(optimizers, **kwargs)


# ----------------------------------------------------------------- ScheduleExplorer
def test_schedule_line_is_the_schedule_function_for_changed_params():
    explorer = ScheduleExplorer(SCHEDULES, n_steps=100)
    assert explorer.schedule_dropdown.value == "step"
    explorer.sliders["step_size"].value = 20
    explorer.sliders["gamma"].value = 0.5
    expected = [step_decay(t, 0.1, 20, 0.5) for t in range(101)]
    np.testing.assert_allclose(explorer.line.get_ydata(), expected)
    np.testing.assert_array_equal(explorer.line.get_xdata(), np.arange(101))
    assert_blit_matches_full_render(explorer)

    explorer.schedule_dropdown.value = "cosine"
    assert set(explorer.sliders) == {"lr0", "T_max", "eta_min"}
    explorer.sliders["T_max"].value = 50
    explorer.horizon_slider.value = 80
    np.testing.assert_allclose(explorer.line.get_ydata(), [cosine(t, 0.1, 50) for t in range(81)])
    assert "cosine" in explorer.ax.get_title()
    assert_blit_matches_full_render(explorer)


def test_schedule_overlay_keeps_curves_until_cleared():
    explorer = ScheduleExplorer(SCHEDULES, n_steps=100)
    explorer.add_button.click()
    explorer.schedule_dropdown.value = "cosine"
    explorer.add_overlay()
    assert len(explorer.overlay_lines) == 2
    np.testing.assert_allclose(
        explorer.overlay_lines[0].get_ydata(), [step_decay(t, 0.1, 30) for t in range(101)]
    )
    np.testing.assert_allclose(explorer.overlay_lines[1].get_ydata(), explorer.line.get_ydata())
    assert "step" in explorer.overlay_lines[0].get_label()
    assert_blit_matches_full_render(explorer)
    explorer.clear_button.click()
    assert explorer.overlay_lines == [] and explorer.ax.get_legend() is None


def test_schedule_milestones_text_and_errors_past_the_horizon():
    explorer = ScheduleExplorer(SCHEDULES, n_steps=100)
    explorer.schedule_dropdown.value = "multistep"
    explorer.sliders["milestones"].value = "10, 40"
    assert explorer.params()["milestones"] == [10, 40]
    np.testing.assert_allclose(explorer.line.get_ydata(), [multistep(t, 0.1, [10, 40]) for t in range(101)])
    explorer.sliders["milestones"].value = "10, forty"
    assert "comma-separated integers" in explorer.status.value

    explorer.schedule_dropdown.value = "bounded"
    explorer.sliders["total_steps"].value = 60
    values = explorer.line.get_ydata()
    assert np.all(np.isfinite(values[:61])) and np.all(np.isnan(values[61:]))
    assert "defined for 61 of 101 steps" in explorer.status.value


def test_schedule_log_scale_checkbox():
    explorer = ScheduleExplorer(SCHEDULES, n_steps=100)
    explorer.log_checkbox.value = True
    assert explorer.ax.get_yscale() == "log"
    low, high = explorer.ax.get_ylim()
    assert low <= 0.1 * 0.1**3 and high >= 0.1


@pytest.mark.parametrize(
    "schedules, kwargs, match",
    [
        ({}, {}, "schedules must be a non-empty dict"),
        ({"step": step_decay}, {}, "must be a pair"),
        (SCHEDULES, {"n_steps": 0}, "n_steps must be at least 1"),
        ({"always": (lambda t, lr0: 1 / 0, {"lr0": 0.1})}, {}, "failed at every step"),
    ],
)
def test_schedule_bad_input(schedules, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ScheduleExplorer(schedules, **kwargs)


# --------------------------------------------------------------- BatchNoiseExplorer
def test_minibatch_variance_formula_matches_enumeration_of_all_subsets():
    from itertools import combinations

    rng = np.random.default_rng(3)
    per_example = rng.normal(size=(6, 2))
    for b in (1, 2, 3, 6):
        means = np.array([per_example[list(c)].mean(axis=0) for c in combinations(range(6), b)])
        exact = float(np.sum(means.var(axis=0)))  # every subset equally likely
        assert minibatch_gradient_variance(per_example, b) == pytest.approx(exact, abs=1e-12)
    # With replacement: variance of a mean of b independent draws.
    exact_replace = float(np.sum(per_example.var(axis=0))) / 4
    assert minibatch_gradient_variance(per_example, 4, replace=True) == pytest.approx(exact_replace)


def test_batch_noise_unbiased_and_variance_falls_as_one_over_b():
    grads, X, y = least_squares_problem(512, seed=0)
    w = np.array([0.5, 0.5])
    noise = BatchNoiseExplorer(grads, w=w, n_draws=2000, variance=minibatch_gradient_variance)
    np.testing.assert_allclose(noise.full_grad, ((X @ w - y)[:, None] * X).mean(axis=0))
    for b in (1, 8, 64):
        noise.sliders["batch_size"].value = b
        draws = noise.minibatch_grads
        assert draws.shape == (2000, 2)
        np.testing.assert_array_equal(noise.scatter.get_offsets(), draws)
        standard_error = draws.std(axis=0) / np.sqrt(len(draws))
        assert np.all(np.abs(draws.mean(axis=0) - noise.full_grad) < 5 * standard_error)
        # 2000 draws: the variance estimate has ~3% relative spread; allow 15%.
        assert noise.measured_variance[b] == pytest.approx(noise.theory_variance[b], rel=0.15)
    noise.sliders["batch_size"].value = 512
    np.testing.assert_allclose(noise.minibatch_grads, np.tile(noise.full_grad, (2000, 1)), atol=1e-12)
    assert noise.measured_variance[512] == 0.0
    assert_blit_matches_full_render(noise)


def test_batch_noise_without_a_variance_function_shows_a_one_over_b_guide():
    """Lessons before 08 have no formula yet: the right panel shows measured values and a guide."""
    noise = BatchNoiseExplorer(n_draws=200)
    assert noise.theory_variance is None
    sizes, guide = noise.theory_line.get_data()
    b0 = noise.batch_sizes[0]
    np.testing.assert_allclose(guide, noise.measured_variance[b0] * b0 / np.asarray(sizes))
    assert noise.theory_line.get_label().startswith("1/B guide")
    assert "pass variance=" in noise.status.value
    assert_blit_matches_full_render(noise)


def test_batch_noise_axis_labels_say_what_the_components_are():
    """Default: the two parameters' partial derivatives; lesson 03 plots components along U1, U2."""
    noise = BatchNoiseExplorer(n_draws=50)
    assert (noise.ax_scatter.get_xlabel(), noise.ax_scatter.get_ylabel()) == ("∂L/∂w1", "∂L/∂w2")
    labels = ("gradient component along U1", "gradient component along U2")
    noise = BatchNoiseExplorer(n_draws=50, axis_labels=labels)
    assert (noise.ax_scatter.get_xlabel(), noise.ax_scatter.get_ylabel()) == labels
    noise._rebuild_figure()  # what a presentation-mode or resize rebuild does
    assert (noise.ax_scatter.get_xlabel(), noise.ax_scatter.get_ylabel()) == labels


def test_batch_noise_draws_the_given_variance_function():
    calls = []

    def variance(per_example, batch_size, replace=True):
        calls.append((batch_size, replace))
        return 1.0 / batch_size

    noise = BatchNoiseExplorer(n_draws=100, variance=variance)
    assert sorted(calls) == [(b, False) for b in noise.batch_sizes]
    assert noise.theory_variance == {b: 1.0 / b for b in noise.batch_sizes}
    noise.replace_checkbox.value = True
    assert (noise.batch_sizes[-1], True) in calls
    np.testing.assert_allclose(noise.theory_line.get_data()[1], [1.0 / b for b in noise.batch_sizes])


def test_batch_noise_resample_and_replacement_change_the_draws():
    noise = BatchNoiseExplorer(n_draws=100, variance=minibatch_gradient_variance)
    noise.sliders["batch_size"].value = 4
    first = noise.minibatch_grads.copy()
    image = noise.figure.image.value
    noise.resample_button.click()
    assert not np.array_equal(first, noise.minibatch_grads)
    assert noise.figure.image.value != image
    noise.replace_checkbox.value = True
    n = noise.n_examples
    assert noise.theory_variance[4] == pytest.approx(float(np.sum(noise.per_example.var(axis=0))) / 4)
    assert noise.theory_variance[n] > 0
    assert_blit_matches_full_render(noise)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"per_example_grads": 3}, "per_example_grads must be a function"),
        ({"per_example_grads": lambda w: np.zeros(5)}, r"shape \(N, 2\)"),
        ({"per_example_grads": lambda w: np.zeros((5, 3))}, r"shape \(N, 2\)"),
        ({"w": np.zeros(3)}, r"w must have shape \(2,\)"),
        ({"batch_sizes": [0, 4]}, "batch_sizes must be integers in"),
        ({"batch_sizes": [4, 10_000]}, "batch_sizes must be integers in"),
        ({"n_draws": 5}, "n_draws must be in"),
        ({"variance": 3}, "variance must be a function"),
        ({"variance": lambda G, b, replace: "x"}, "not a number"),
        ({"variance": lambda G, b, replace: -1.0}, "finite and >= 0"),
        ({"axis_labels": ("x",)}, "axis_labels must be two strings"),
    ],
)
def test_batch_noise_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BatchNoiseExplorer(**kwargs)


# -------------------------------------------------------------- WeightDecayExplorer
def test_weight_decay_adam_l2_reaches_l2_minimum_adamw_shrinks_uniformly():
    explorer = WeightDecayExplorer(adam, adamw, lr=0.05, weight_decay=0.1, n_steps=300)
    a, c, lam = np.array([10.0, 0.1]), np.array([1.0, 1.0]), 0.1
    l2_minimum = a * c / (a + lam)  # minimiser of ½Σa(w−c)² + ½λ‖w‖²
    np.testing.assert_allclose(explorer.l2_minimum, l2_minimum)
    np.testing.assert_allclose(explorer.trajectories["Adam + L2"][-1], l2_minimum, atol=1e-2)
    w_adamw = explorer.trajectories["AdamW"][-1]
    # Decoupled decay pulls both coordinates alike: far from the L2 minimum's w2 = 0.5.
    assert abs(w_adamw[0] - w_adamw[1]) < 0.02
    assert abs(w_adamw[1] - l2_minimum[1]) > 0.3
    np.testing.assert_allclose(explorer.path_lines["AdamW"].get_xydata(), explorer.trajectories["AdamW"])
    np.testing.assert_allclose(
        explorer.norm_lines["Adam + L2"].get_ydata(),
        np.linalg.norm(explorer.trajectories["Adam + L2"], axis=1),
    )


def test_weight_decay_slider_reruns_both_with_new_lambda():
    explorer = WeightDecayExplorer(adam, adamw, n_steps=100)
    before = {k: v.copy() for k, v in explorer.trajectories.items()}
    explorer.sliders["weight_decay"].value = 1.0
    for name, step in (("Adam + L2", adam), ("AdamW", adamw)):
        expected = manual_run(step, {"lr": 0.05, "weight_decay": 1.0}, explorer.grad, explorer.x0, 100)
        np.testing.assert_allclose(explorer.trajectories[name], expected)
        assert not np.allclose(explorer.trajectories[name], before[name])
    assert_blit_matches_full_render(explorer)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((None, adamw), {}, "adam_l2_step must be a step function"),
        ((adam, "adamw"), {}, "adamw_step must be a step function"),
        ((adam, adamw), {"curvatures": (1.0, 0.0)}, "curvatures must be positive"),
        ((adam, adamw), {"x0": (1.0,)}, "x0 must be two finite numbers"),
        ((adam, adamw), {"lr": 0}, "lr must be positive"),
        ((adam, adamw), {"weight_decay": 0}, "weight_decay must be positive"),
    ],
)
def test_weight_decay_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        WeightDecayExplorer(*args, **kwargs)


# ------------------------------------------------------------------- every widget
WIDGET_FACTORIES = {
    "GDStepper": lambda: GDStepper(derivative=forward_difference),
    "OptimizerRace": lambda: OptimizerRace(race_optimizers(), n_steps=50),
    "ScheduleExplorer": lambda: ScheduleExplorer(SCHEDULES),
    "BatchNoiseExplorer": lambda: BatchNoiseExplorer(n_draws=50),
    "WeightDecayExplorer": lambda: WeightDecayExplorer(adam, adamw, n_steps=50),
}


@pytest.mark.parametrize("name", sorted(WIDGET_FACTORIES))
def test_every_widget_displays_and_labels_its_plots(name):
    widget = WIDGET_FACTORIES[name]()
    bundle = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == widget.ui.model_id
    assert bytes(widget.figure.image.value).startswith(PNG_MAGIC)
    for ax in widget.figure.fig.axes:
        assert ax.get_title().strip(), f"{name}: an axes has no title"
        assert ax.get_xlabel().strip() and ax.get_ylabel().strip(), f"{name}: unlabelled axis"
    assert widget.figure.render_count >= 1


# ------------------------------------------------ with the reference tables (contract)
def test_schedule_explorer_takes_the_reference_schedules_table():
    schedulers = pytest.importorskip("solutions.schedulers", reason="solutions.schedulers not present")
    explorer = ScheduleExplorer(schedulers.SCHEDULES, n_steps=100)
    for name, (fn, params) in schedulers.SCHEDULES.items():
        explorer.schedule_dropdown.value = name
        as_lists = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
        shown = explorer.params()
        # Controls start at the defaults, or at the nearest point of their grid (linear_warmup's
        # start_factor 1/3 on a 0.001 grid is 0.333, as a browser would show and send it).
        for key, value in as_lists.items():
            step = getattr(explorer.sliders[key], "step", None)
            if isinstance(value, float) and isinstance(explorer.sliders[key], ipywidgets.FloatSlider):
                assert abs(shown[key] - value) <= step / 2, (name, key, shown[key], value)
            elif isinstance(value, float):
                assert shown[key] == pytest.approx(value, rel=1e-12), (name, key)
            else:
                assert shown[key] == value, (name, key)
        np.testing.assert_allclose(
            explorer.line.get_ydata(), [fn(t, **shown) for t in range(101)], rtol=1e-12
        )
        assert "defined for" not in explorer.status.value, explorer.status.value


def test_race_takes_the_reference_optimizers_table():
    optim = pytest.importorskip("solutions.optim", reason="solutions.optim not present")
    names = list(optim.OPTIMIZERS)[:8]  # a race holds at most 8
    optimizers = {n: (optim.OPTIMIZERS[n], optim.default_hparams(n)) for n in names}
    race = OptimizerRace(optimizers, landscape="quadratic", n_steps=40)
    for name in names:
        fn, hp = optimizers[name]
        assert race.hparams(name) == hp
        expected = manual_run(fn, hp, race.landscape.grad, race.landscape.x0, 40)
        np.testing.assert_allclose(race.trajectories[name], expected[: len(race.trajectories[name])])


def test_race_sliders_that_rerun_everything_follow_the_drag_only_when_quick():
    import time

    def slow_sgd(w, dw, state=None, *, lr):
        time.sleep(0.001)  # 100 steps: >= 0.1 s, over the 0.05 s budget whatever the machine
        return w - lr * dw, state

    slow = OptimizerRace({"slow": (slow_sgd, {"lr": 1e-3})}, n_steps=100)
    assert slow.recompute_seconds >= 0.1
    assert not slow.condition_slider.continuous_update and not slow.start_sliders["x1"].continuous_update
    assert slow.sliders["slow"]["lr"].continuous_update  # reruns one optimizer: always follows
    quick = OptimizerRace({"SGD": (sgd, {"lr": 1e-3})}, n_steps=20)
    assert quick.condition_slider.continuous_update


def test_png_encoding_decodes_to_the_canvas_pixels():
    import io

    from PIL import Image

    from course.widgets._figure import encode_png

    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(7, 5, 3), dtype=np.uint8)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(encode_png(rgb)))), rgb)
    race = OptimizerRace(race_optimizers(), n_steps=30)
    shown = np.asarray(Image.open(io.BytesIO(bytes(race.figure.image.value))).convert("RGB"))
    np.testing.assert_array_equal(shown, race.figure.pixels())
    with pytest.raises(ValueError, match="uint8 array of shape"):
        encode_png(rgb.astype(float))


# ------------------------------------------- browser-true values (issue 13, item 1)
def browser_echo(slider):
    """The value a browser sends back after showing slider.value (ipywidgets 8 + noUiSlider).

    A port of what the front end does on every value it receives: FloatLogSlider's
    logCalc (Math.log(v) / Math.log(base), clamped), noUiSlider's step snapping in
    percent of the range (getStep: Math.round((pct - 0) / step_pct) * step_pct), back to
    a value (pct · (max − min) / 100 + min), then Math.pow(base, ·) for a log slider.
    """
    log = isinstance(slider, ipywidgets.FloatLogSlider)
    low, high, step = slider.min, slider.max, slider.step
    x = math.log(slider.value) / math.log(slider.base) if log else slider.value
    x = min(max(x, low), high)
    pct = (x - low) * 100 / (high - low)
    step_pct = step * 100 / (high - low)
    if pct != 100:
        pct = round(pct / step_pct) * step_pct
        pct = min(pct, 100.0)
    x = pct * (high - low) / 100 + low
    return slider.base**x if log else x


def all_float_sliders(race):
    sliders = [race.condition_slider, *race.start_sliders.values()]
    for controls in race.sliders.values():
        sliders += [
            c for c in controls.values() if isinstance(c, ipywidgets.FloatSlider | ipywidgets.FloatLogSlider)
        ]
    return sliders


def lecture_race(n_steps=50):
    return OptimizerRace(
        {
            "SGD": (sgd, {"lr": 0.4}),
            "momentum": (heavy_ball, {"lr": 0.05, "momentum": 0.9}),
            "Adam": (adam, {"lr": 0.1, "betas": (0.9, 0.999)}),
        },
        landscape="quadratic",
        n_steps=n_steps,
    )


def test_values_set_from_code_are_on_the_grid_and_the_browser_echo_changes_nothing():
    race = lecture_race()
    # Off-grid values from code (lesson 05's Adam lr 0.3, a κ of 1000 from an anchor of 20):
    # the kernel snaps them at once, so what the code reads is what the browser shows.
    race.sliders["Adam"]["lr"].value = 0.3
    race.condition_slider.value = 1000
    assert race.sliders["Adam"]["lr"].value == pytest.approx(0.1 * 10**0.5, rel=1e-11)
    for landscape in ("saddle", "himmelblau", "quadratic", "beale"):
        race.landscape_dropdown.value = landscape
        renders = race.figure.render_count
        for slider in all_float_sliders(race):
            before = slider.value
            echo = browser_echo(slider)
            assert echo == pytest.approx(before, rel=1e-9, abs=1e-12), (landscape, slider.description)
            slider.value = echo  # what the browser sends back: snaps to the same float
            assert slider.value == before, (landscape, slider.description, echo, before)
        assert race.figure.render_count == renders, "a browser echo made the race rerun"


def test_a_landscape_switch_sets_the_start_to_x0_exactly_and_the_saddle_is_escaped():
    race = lecture_race(n_steps=200)
    for landscape in ("saddle", "himmelblau", "quadratic", "saddle", "rosenbrock", "quadratic"):
        race.landscape_dropdown.value = landscape
        assert race.x0.tolist() == race.landscape.x0.tolist()
        assert [browser_echo(race.start_sliders[k]) for k in ("x1", "x2")] == pytest.approx(
            race.landscape.x0.tolist()
        )
    race.landscape_dropdown.value = "saddle"
    assert race.start_sliders["x2"].value == 1e-3 and race.start_sliders["x2"].step == 1e-3
    for name, path in race.trajectories.items():
        assert abs(path[-1, 1]) > 1.0, f"{name} did not escape the saddle: {path[-1]}"


def test_set_slider_sends_range_and_value_in_one_message(monkeypatch):
    from course.widgets import GridFloatSlider, set_slider

    slider = GridFloatSlider(value=-1.8, min=-2.0, max=2.0, step=0.01)
    sent = []
    monkeypatch.setattr(slider, "_send", lambda msg, buffers=None: sent.append(msg))
    set_slider(slider, -8.0, min=-10.0, max=10.0, step=0.01)
    assert slider.value == -8.0
    updates = [m["state"] for m in sent if m.get("method") == "update"]
    assert len(updates) == 1, updates
    assert updates[0]["value"] == -8.0 and updates[0]["min"] == -10.0 and updates[0]["max"] == 10.0


def test_snap_functions_are_idempotent_and_keep_grid_values():
    from course.widgets import snap_linear, snap_log

    assert snap_linear(0.001, -2.0, 2.0, 0.01) == 0.0
    assert snap_linear(0.001, -2.0, 2.0, 0.001) == 0.001
    assert snap_linear(0.3, 0.0, 1.0, 0.001) == 0.3
    assert snap_log(0.3, -4.0, 1.0, 0.05) == pytest.approx(10**-0.5, rel=1e-11)
    for value in np.geomspace(1e-4, 9.0, 57):
        once = snap_log(value, -4.0, 1.0, 0.05)
        assert snap_log(once, -4.0, 1.0, 0.05) == once
        assert snap_log(once * (1 + 1e-14), -4.0, 1.0, 0.05) == once
        lin = snap_linear(value, 0.0, 9.0, 0.001)
        assert snap_linear(lin, 0.0, 9.0, 0.001) == lin


# ------------------------------------------------------ presets (issue 13, item 2)
def test_reset_to_preset_restores_the_landscape_preset():
    race = lecture_race()
    race.landscape_dropdown.value = "beale"
    preset = race.hparams("SGD")
    assert preset == PRESETS["beale"]["sgd"]
    race.sliders["SGD"]["lr"].value = 1e-3
    assert race.hparams("SGD") != preset
    race.reset_button.click()
    assert race.hparams("SGD") == preset
    race.landscape_dropdown.value = "quadratic"  # the starting landscape: the values passed in
    assert race.hparams("SGD") == {"lr": 0.4}


def test_presets_converge_on_every_landscape_for_the_reference_optimizers():
    optim = pytest.importorskip("solutions.optim", reason="solutions.optim not present")
    optimizers = {
        "SGD": (optim.sgd, {"lr": 1e-3}),
        "momentum": (optim.momentum, {"lr": 1e-3, "momentum": 0.9}),
        "Nesterov": (optim.nesterov, {"lr": 1e-3, "momentum": 0.9}),
        "AdaGrad": (optim.adagrad, {"lr": 0.5}),
        "RMSProp": (optim.rmsprop, {"lr": 0.03, "alpha": 0.99}),
        "Adam": (optim.adam, {"lr": 0.1, "betas": (0.9, 0.999)}),
        "Nadam": (optim.nadam, {"lr": 0.1, "betas": (0.9, 0.999)}),
    }
    race = OptimizerRace(optimizers, landscape="rosenbrock", n_steps=200)
    for landscape in ("quadratic", "beale", "himmelblau", "saddle", "rosenbrock"):
        race.landscape_dropdown.value = "quadratic" if landscape == "rosenbrock" else landscape
        race.landscape_dropdown.value = landscape
        race.reset_button.click()
        land = race.landscape
        for name in optimizers:
            assert not race.diverged[name], (landscape, name, race.hparams(name))
            path = race.trajectories[name]
            if land.f_min is None:
                assert abs(path[-1, 1]) >= 1.5, (landscape, name)  # escaped the saddle
            elif landscape != "rosenbrock":  # Rosenbrock keeps the lesson's values
                gap0, gap = land.f(land.x0) - land.f_min, land.f(path[-1]) - land.f_min
                assert gap < 0.05 * gap0, (landscape, name, gap, gap0)


# ---------------------------------------------- presentation mode (issue 13, item 4)
def test_presentation_mode_scales_the_controls_text_through_the_widget_css_variables():
    """Sliders, dropdowns and checkboxes of ipywidgets 8.1 take no style.font_size: the shown box
    carries a class and a <style> that scales ipywidgets' size variables (13 px font, 28 px rows,
    80 px labels, 16 px handles by default). tests/test_browser.py measures the result."""
    import re

    import course.widgets as cw
    from course.widgets._style import PRESENTATION_CLASS, presentation_css

    normal = lecture_race()
    assert normal.displayed_widget() is normal.ui
    cw.presentation(scale=1.5)
    try:
        race = lecture_race()
    finally:
        cw.presentation(enabled=False)
    shown = race.displayed_widget()
    assert shown is race.displayed_widget()  # one box, reused
    css, ui = shown.children
    assert ui is race.ui and PRESENTATION_CLASS in shown._dom_classes
    assert css.layout.display == "none"  # a style element, nothing to see
    sizes = dict(re.findall(r"(--jp-widgets-[a-z-]+): ([0-9.]+)px", css.value))
    assert sizes == {
        "--jp-widgets-font-size": "19.5",
        "--jp-widgets-inline-height": "35",  # rows grow by (1 + scale) / 2
        "--jp-widgets-inline-label-width": "120",
        "--jp-widgets-slider-handle-size": "24",
        "--jp-widgets-slider-track-thickness": "6",
    }
    assert css.value.startswith(f"<style>.{PRESENTATION_CLASS} {{")
    with pytest.raises(ValueError, match="scale"):
        presentation_css(10)
    race.close()
    assert shown.comm is None and ui.comm is None


def test_presentation_mode_scales_fonts_fills_the_width_and_compacts_the_race():
    import course.widgets as cw

    normal = lecture_race()
    cw.presentation(scale=1.5)
    try:
        race = lecture_race()
    finally:
        cw.presentation(enabled=False)
    assert race.figure.image.layout.width == "100%"
    assert normal.figure.image.layout.width.endswith("px")
    assert race.ax_path.xaxis.label.get_fontsize() == pytest.approx(
        1.5 * normal.ax_path.xaxis.label.get_fontsize()
    )
    assert race.path_lines["SGD"].get_linewidth() == pytest.approx(
        1.5 * normal.path_lines["SGD"].get_linewidth()
    )
    # compact: one optimizer's sliders at a time, chosen from a menu
    assert race.optimizer_dropdown.options == ("SGD", "momentum", "Adam")
    race.optimizer_dropdown.value = "Adam"
    params = race.ui.children[1].children[1]
    assert list(params.children) == list(race.sliders["Adam"].values())
    assert cw.format_number(8912.5) == "8.9e3" and cw.format_number(1e-6) == "1.0e-6"
    assert cw.format_number(0.05) == "0.05"
    race.condition_slider.value = 8912.5
    assert "κ = 8.9e3" in race.ax_path.title.get_text()


def test_okabe_ito_colours_one_per_optimizer():
    from course.widgets import OKABE_ITO, optimizer_color

    race = OptimizerRace(
        {"SGD": (sgd, {"lr": 0.1}), "Nesterov": (heavy_ball, {"lr": 0.1}), "my rule": (sgd, {"lr": 0.2})},
        landscape="quadratic",
        n_steps=10,
    )
    colors = {name: line.get_color() for name, line in race.path_lines.items()}
    assert colors["SGD"] == optimizer_color("SGD") == OKABE_ITO["vermillion"]
    assert colors["Nesterov"] == OKABE_ITO["bluish green"]
    assert len(set(colors.values())) == 3


# ------------------------------------------ defaults that make the point (issue 13, item 3)
def central_difference(f, x, h=1e-3):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_gd_stepper_with_x_star_shows_the_bias_from_h_on_its_distance_plot():
    x_star = -1 / 2 ** (2 / 3)
    plateaus = {}
    for name, derivative in (("forward", forward_difference), ("central", central_difference)):
        for h in (0.1, 1e-3):
            stepper = GDStepper(derivative=derivative, h=h, x_star=x_star, xlim=(-1.2, 1.2))
            stepper.step(30)
            distance = stepper.loss_line.get_ydata()
            np.testing.assert_allclose(distance, np.abs(stepper.trajectory - x_star))
            low, high = stepper.ax_loss.get_ylim()
            assert stepper.ax_loss.get_yscale() == "log" and low <= distance.min() and distance.max() <= high
            assert abs(distance[-1] - distance[-5]) < 1e-9  # a plateau: the run has stopped
            plateaus[name, h] = distance[-1]
    # forward: bias ~ h/2 (visible at h = 0.1, 100 times smaller at h = 1e-3); central ~ h^2.
    assert 0.02 < plateaus["forward", 0.1] < 0.1
    assert plateaus["central", 0.1] < plateaus["forward", 0.1] / 5
    assert plateaus["forward", 1e-3] < plateaus["forward", 0.1] / 50
    assert plateaus["central", 1e-3] < 1e-5


def test_weight_decay_explorer_says_when_a_path_is_still_moving():
    wd = WeightDecayExplorer(adam, adamw, lr=0.05, weight_decay=0.1, n_steps=300)
    # Adam + L2 has reached the L2 minimiser; AdamW still drifts (its end point is a transient).
    np.testing.assert_allclose(wd.trajectories["Adam + L2"][-1], wd.l2_minimum, atol=1e-4)
    assert wd.still_moving == {"Adam + L2": False, "AdamW": True}
    assert "AdamW still moving" in wd.transient_text.get_text()
    long = WeightDecayExplorer(adam, adamw, lr=0.05, weight_decay=0.1, n_steps=20_000)
    assert not any(long.still_moving.values()), long.still_moving
    assert "end points" in long.transient_text.get_text()


def test_a_stale_echo_of_a_replaced_value_is_dropped_and_the_users_value_is_taken():
    race = lecture_race()
    slider = race.sliders["SGD"]["lr"]
    race.landscape_dropdown.value = "saddle"  # the kernel sets the saddle preset …
    saddle_lr = slider.value
    race.landscape_dropdown.value = "quadratic"  # … and then the quadratic's (0.4) again
    assert slider.value == 0.4 != saddle_lr
    # The browser answers both, in order: first with the saddle value (stale), then with 0.4.
    slider.set_state({"value": saddle_lr * (1 + 1e-15)})
    assert slider.value == 0.4 and slider.stale_echoes_dropped == 1
    slider.set_state({"value": 0.4})
    assert slider.value == 0.4
    # A value the kernel never set is the user's: taken, and the race reruns with it.
    renders = race.figure.render_count
    user_value = snap = slider.value * 10**0.05
    slider.set_state({"value": user_value})
    assert slider.value == pytest.approx(snap, rel=1e-11) and race.figure.render_count == renders + 1
    assert race.hparams("SGD")["lr"] == slider.value


def test_repeated_and_reordered_echoes_change_nothing():
    """The browser may answer one value twice (a range change moves the handle as well) and out
    of order; CI's browser run saw a stale echo taken as the user's and six extra reruns."""
    race = lecture_race()
    slider = race.sliders["SGD"]["lr"]
    race.landscape_dropdown.value = "saddle"
    saddle_lr = slider.value
    race.landscape_dropdown.value = "quadratic"
    renders = race.figure.render_count
    for echoed in (saddle_lr, saddle_lr, 0.4, saddle_lr, 0.4, 0.4):
        slider.set_state({"value": echoed})
        assert slider.value == 0.4, echoed
    assert race.figure.render_count == renders and slider.stale_echoes_dropped == 3
    # After all that, a move of the user's own is still taken.
    slider.set_state({"value": 0.4 * 10**-0.1})
    assert (
        slider.value == pytest.approx(0.4 * 10**-0.1, rel=1e-11) and race.figure.render_count == renders + 1
    )


def test_an_echo_of_the_current_value_is_no_change():
    race = lecture_race()
    renders = race.figure.render_count
    seen = []
    race.sliders["momentum"]["momentum"].observe(lambda change: seen.append(change), names="value")
    race.sliders["momentum"]["momentum"].set_state({"value": 0.9000000000000001})  # as Chromium sends it
    race.sliders["Adam"]["lr"].set_state({"value": 0.1 * (1 + 2e-16)})
    assert seen == [] and race.figure.render_count == renders


def test_optimizer_color_matches_lesson_labels():
    from course.widgets import OPTIMIZER_COLORS, optimizer_color

    assert (
        optimizer_color("momentum 0.9") == optimizer_color("SGD + momentum") == OPTIMIZER_COLORS["momentum"]
    )
    assert optimizer_color("Nesterov 0.9") == OPTIMIZER_COLORS["nesterov"]
    assert optimizer_color("Nadam") == OPTIMIZER_COLORS["nadam"] != optimizer_color("Adam")
    assert optimizer_color("AdamW") == OPTIMIZER_COLORS["adamw"] and optimizer_color("my rule") is None
    lesson_05 = ["SGD", "momentum", "AdaGrad", "RMSProp", "Adadelta", "Adam", "AMSGrad", "Nadam"]
    assert len({optimizer_color(n) for n in lesson_05}) == len(lesson_05)
