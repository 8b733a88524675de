"""Argument checks shared by the reference solutions: one function per meaning.

Each check raises a ValueError that names the argument and shows the value it got. The numeric
checks return the value as a Python ``float`` (or ``int``): a numpy float64 hyperparameter
would otherwise turn float32 arrays into float64 ones (numpy >= 2 promotes arrays to the dtype
of a numpy scalar, not of a Python float), while torch keeps the dtype of the parameters.
Comparisons are written as ``not value >= lower`` so that NaN is rejected too.
"""

import numbers
from typing import Any

import numpy as np


def real(value: Any, name: str) -> float:
    """Any real number (a string, a list, a bool is not one). Returns a float."""
    if isinstance(value, (bool, np.bool_, str, bytes)):  # float() would take True and "0.1"
        raise ValueError(f"{name} must be a real number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None


def non_negative(value: Any, name: str) -> float:
    """value >= 0, infinity allowed (torch.optim's ``0.0 <= lr``). Returns a float."""
    number = real(value, name)
    if not number >= 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return number


def positive(value: Any, name: str, *, note: str = "") -> float:
    """value > 0, infinity allowed. ``note`` says why, when the reason is not obvious. Returns a float."""
    number = real(value, name)
    if not number > 0:
        raise ValueError(f"{name} must be > 0{note and f' ({note})'}, got {value!r}")
    return number


def positive_finite(value: Any, name: str) -> float:
    """0 < value < inf: a step size that must move and stay finite (h, gradient descent's lr)."""
    number = real(value, name)
    if not (number > 0 and np.isfinite(number)):
        raise ValueError(f"{name} must be a positive finite number, got {name}={value!r}")
    return number


def non_negative_finite(value: Any, name: str) -> float:
    """0 <= value < inf (a regularization strength). Returns a float."""
    number = real(value, name)
    if not (number >= 0 and np.isfinite(number)):
        raise ValueError(f"{name} must be a non-negative finite number, got {name}={value!r}")
    return number


def in_interval(
    value: Any,
    name: str,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
    note: str = "",
) -> float:
    """value in the interval from low to high, each end closed unless ``*_open``. Returns a float."""
    number = real(value, name)
    above = number > low if low_open else number >= low
    below = number < high if high_open else number <= high
    if not (above and below):
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be in {interval}{note and f' ({note})'}, got {value!r}")
    return number


def integer(value: Any, name: str, minimum: int) -> int:
    """An int or numpy integer (not a bool, not a float) >= minimum. Returns an int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def step_count(value: Any, name: str) -> int:
    """A number of steps: a whole number >= 0, given as an int, a numpy int or an integral float
    such as 3.0 (step counters often arrive as floats from np.arange or np.linspace). Returns an int.
    """
    message = f"{name} must be a whole number of steps >= 0, got {value!r}"
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(message)
    try:
        as_int = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(message) from None
    if as_int != value or as_int < 0:
        raise ValueError(message)
    return as_int


def one_of(value: Any, name: str, choices: tuple) -> Any:
    """value is one of ``choices`` (a tuple of allowed values)."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value
