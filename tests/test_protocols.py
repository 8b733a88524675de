"""course.protocols describes what the answer key really does: signatures and return shapes."""

import inspect

import numpy as np
import pytest

from course import protocols
from solutions.optim import OPTIMIZERS
from solutions.schedulers import SCHEDULES


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_has_the_optimizer_protocols_signature(name):
    step = OPTIMIZERS[name]
    parameters = list(inspect.signature(step).parameters.values())
    assert [p.name for p in parameters[:3]] == ["w", "dw", "state"]
    assert parameters[2].default is None
    assert all(p.kind is p.KEYWORD_ONLY and p.default is not p.empty for p in parameters[3:])
    assert "lr" in {p.name for p in parameters[3:]}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_returns_new_parameters_and_a_state_dict(name):
    w, dw = np.arange(1.0, 4.0, dtype=np.float32), np.array([0.5, -1.0, 2.0], np.float32)
    w_next, state = OPTIMIZERS[name](w, dw, None, lr=0.1)
    assert w_next.shape == w.shape and w_next.dtype == w.dtype and not np.array_equal(w_next, w)
    assert isinstance(state, dict) and state["step"] == 1
    w_again, state_again = OPTIMIZERS[name](w_next, dw, state, lr=0.05)
    assert w_again.shape == w.shape and state_again["step"] == 2 and state["step"] == 1


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_every_schedule_is_a_function_of_the_step_count(name):
    schedule, params = SCHEDULES[name]
    assert next(iter(inspect.signature(schedule).parameters)) == "t"
    values = [schedule(t, **params) for t in range(4)]
    assert all(isinstance(value, float) and value >= 0 for value in values)


def test_the_answer_keys_docstrings_refer_to_the_protocols():
    import solutions.lr_finder
    import solutions.optim
    import solutions.schedulers

    assert "course.protocols.Optimizer" in solutions.optim.__doc__
    assert "course.protocols.Schedule" in solutions.schedulers.__doc__
    assert "course.protocols.LossFunction" in solutions.lr_finder.lr_range_test.__doc__
    assert {"Optimizer", "Schedule", "LossFunction"} <= set(protocols.__all__)
