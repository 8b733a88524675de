"""Helpers for the visible tests students run: clear messages instead of bare asserts."""

import numpy as np


def assert_close(actual, expected, name="result", rtol=1e-6, atol=1e-9):
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
        raise AssertionError(f"{name} = {actual!r}, expected {expected!r} (rtol={rtol}, atol={atol})")


def assert_unchanged(before, after, name="input"):
    """Raise AssertionError if a function modified an array it was given."""
    if not np.array_equal(np.asarray(before), np.asarray(after)):
        raise AssertionError(f"{name} was modified in place: work on a copy (x = x.copy())")
