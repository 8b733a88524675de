"""solutions._checks: each check has one meaning; the examples below pin it down."""

import math

import numpy as np
import pytest

from solutions import _checks as checks


@pytest.mark.parametrize("value", [0, 0.0, 1e-3, np.float32(2.5), math.inf])
def test_non_negative_accepts_zero_and_infinity_and_returns_a_python_float(value):
    result = checks.non_negative(value, "lr")
    assert type(result) is float and result == float(value)


@pytest.mark.parametrize("value", [-1e-12, math.nan, "0.1", None, [0.1], True])
def test_non_negative_rejects_negatives_nan_and_non_numbers(value):
    with pytest.raises(ValueError, match="lr must be"):
        checks.non_negative(value, "lr")


def test_a_numpy_float64_comes_back_a_python_float():
    """The reason the checks return floats: a numpy float64 would promote float32 arrays."""
    lr = checks.non_negative(np.float64(0.1), "lr")
    assert type(lr) is float
    assert (lr * np.ones(2, np.float32)).dtype == np.float32
    assert (np.float64(0.1) * np.ones(2, np.float32)).dtype == np.float64  # numpy >= 2


def test_positive_and_positive_finite():
    assert checks.positive(math.inf, "gamma") == math.inf
    with pytest.raises(ValueError, match=r"gamma must be > 0, got 0"):
        checks.positive(0, "gamma")
    with pytest.raises(ValueError, match=r"momentum must be > 0 \(torch requires it\)"):
        checks.positive(0.0, "momentum", note="torch requires it")
    assert checks.positive_finite(1e-5, "h") == 1e-5
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="h must be a positive finite number"):
            checks.positive_finite(bad, "h")


def test_non_negative_finite():
    assert checks.non_negative_finite(0, "reg") == 0.0
    for bad in (-1e-9, math.inf, math.nan):
        with pytest.raises(ValueError, match="reg must be"):
            checks.non_negative_finite(bad, "reg")


def test_in_interval_open_and_closed_ends():
    assert checks.in_interval(0.0, "rho", 0.0, 1.0) == 0.0
    assert checks.in_interval(1.0, "rho", 0.0, 1.0) == 1.0
    with pytest.raises(ValueError, match=r"betas\[0\] must be in \[0, 1\), got 1.0"):
        checks.in_interval(1.0, "betas[0]", 0.0, 1.0, high_open=True)
    with pytest.raises(ValueError, match=r"start_factor must be in \(0, 1\]"):
        checks.in_interval(0.0, "start_factor", 0.0, 1.0, low_open=True)
    with pytest.raises(ValueError, match="rho"):
        checks.in_interval(math.nan, "rho", 0.0, 1.0)


def test_integer_takes_python_and_numpy_ints_only():
    assert checks.integer(np.int64(3), "batch_size", minimum=1) == 3
    assert type(checks.integer(np.int64(3), "batch_size", minimum=1)) is int
    assert checks.integer(0, "patience", minimum=0) == 0
    for bad in (0, 2.0, True, "3", None):
        with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
            checks.integer(bad, "batch_size", minimum=1)


def test_step_count_also_takes_integral_floats():
    assert checks.step_count(3.0, "t") == 3 and type(checks.step_count(3.0, "t")) is int
    assert checks.step_count(np.int32(0), "t") == 0
    for bad in (-1, 2.5, math.nan, math.inf, True, "3", None):
        with pytest.raises(ValueError, match="t must be a whole number of steps >= 0"):
            checks.step_count(bad, "t")


def test_one_of():
    assert checks.one_of("cos", "anneal_strategy", ("cos", "linear")) == "cos"
    with pytest.raises(ValueError, match=r"mode must be one of \('min', 'max'\), got 'lowest'"):
        checks.one_of("lowest", "mode", ("min", "max"))
