"""Helpers for the visible tests students run: clear messages instead of bare asserts."""

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike


def assert_close(
    actual: Any, expected: Any, name: str = "result", rtol: float = 1e-6, atol: float = 1e-9
) -> None:
    """Raise AssertionError with a readable message unless `actual` ≈ `expected`.

    actual, expected: numbers or arrays of the same shape.
    """
    if actual is None:
        raise AssertionError(f"{name} is None: did you forget to return it?")
    actual_array = np.asarray(actual, dtype=float)
    expected_array = np.asarray(expected, dtype=float)
    if actual_array.shape != expected_array.shape:
        raise AssertionError(f"{name} has shape {actual_array.shape}, expected {expected_array.shape}")
    if not np.allclose(actual_array, expected_array, rtol=rtol, atol=atol):
        shown, wanted = format_value(actual), format_value(expected)
        if shown == wanted:  # they differ beyond 10 digits: show them all
            shown, wanted = format_value(actual, digits=17), format_value(expected, digits=17)
        raise AssertionError(f"{name} = {shown}, expected {wanted} (rtol={rtol:g}, atol={atol:g})")


def format_value(value: Any, digits: int = 10) -> str:
    """A number or array as a student reads it: 6.001 or [1.5 -2.], never np.float64(6.001)."""
    array = np.asarray(value)
    if array.dtype.kind in "biufc" and array.ndim == 0:
        return f"{array.item():.{digits}g}"
    if array.dtype.kind in "biufc":
        with np.printoptions(precision=min(digits, 17), suppress=False, threshold=20, edgeitems=3):
            return np.array2string(array, separator=" ")
    return repr(value)


def assert_unchanged(before: ArrayLike, after: ArrayLike, name: str = "input") -> None:
    """Raise AssertionError if a function modified an array it was given."""
    if not np.array_equal(np.asarray(before), np.asarray(after)):
        raise AssertionError(f"{name} was modified in place: work on a copy (x = x.copy())")


def assert_raises(
    error: type[BaseException] | tuple[type[BaseException], ...], call: Callable[[], object], what: str
) -> BaseException:
    """Raise AssertionError unless `call()` raises `error` (an exception class or a tuple of them).

    call: a function of no arguments, e.g. lambda: adam(w, g, lr=-0.1).
    what: what is being called, for the message, e.g. "adam with lr < 0".
    NotImplementedError from an unfinished exercise passes through unchanged; any other
    exception is reported as the wrong one. Returns the exception that was raised.
    """
    expected = error if isinstance(error, tuple) else (error,)
    wanted = " or ".join(e.__name__ for e in expected)
    try:
        call()
    except expected as raised:
        return raised
    except NotImplementedError:
        raise
    except Exception as other:
        raise AssertionError(
            f"{what} should raise {wanted}, but raised {type(other).__name__}: {other}"
        ) from other
    raise AssertionError(f"{what} should raise {wanted}, but returned without an error")
