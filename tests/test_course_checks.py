"""course.checks messages read like numbers, not numpy reprs."""

import numpy as np
import pytest

from course.checks import assert_close, format_value


@pytest.mark.parametrize(
    "value, shown",
    [
        (np.float64(12.001999999998958), "12.002"),
        (3, "3"),
        (np.float32(0.5), "0.5"),
        ([1.5, -2.0], "[ 1.5 -2. ]"),
        (np.array([[1, 2], [3, 4]]), "[[1 2]\n [3 4]]"),
    ],
)
def test_format_value(value, shown):
    assert format_value(value) == shown


def test_assert_close_message_names_the_value_and_the_expectation():
    with pytest.raises(AssertionError) as error:
        assert_close(np.float64(12.001999999998958), 6.001, "forward_difference(x**2, 3, 0.001)")
    assert (
        str(error.value)
        == "forward_difference(x**2, 3, 0.001) = 12.002, expected 6.001 (rtol=1e-06, atol=1e-09)"
    )


def test_values_equal_to_ten_digits_are_shown_in_full():
    with pytest.raises(AssertionError) as error:
        assert_close(1.0000000000001, 1.0, "x", rtol=0, atol=0)
    assert "x = 1.0000000000000999, expected 1 " in str(error.value)  # 17 digits: the float itself
