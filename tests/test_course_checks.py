"""course.checks messages read like numbers, not numpy reprs."""

import numpy as np
import pytest

from course.checks import assert_close, assert_raises, format_value


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


def _raise(error):
    raise error


def test_assert_raises_returns_the_expected_exception():
    raised = assert_raises(ValueError, lambda: _raise(ValueError("lr must be >= 0")), "sgd with lr < 0")
    assert str(raised) == "lr must be >= 0"
    assert isinstance(assert_raises((KeyError, ValueError), lambda: {}["x"], "a lookup"), KeyError)


def test_assert_raises_fails_when_nothing_is_raised():
    with pytest.raises(AssertionError) as error:
        assert_raises(ValueError, lambda: 1.0, "sgd with lr < 0")
    assert str(error.value) == "sgd with lr < 0 should raise ValueError, but returned without an error"


def test_assert_raises_names_the_wrong_exception():
    with pytest.raises(AssertionError) as error:
        assert_raises(ValueError, lambda: _raise(TypeError("bad operand")), "adam with betas (1, 0.999)")
    assert str(error.value) == (
        "adam with betas (1, 0.999) should raise ValueError, but raised TypeError: bad operand"
    )


def test_assert_raises_lets_an_unfinished_exercise_say_so():
    with pytest.raises(NotImplementedError):
        assert_raises(ValueError, lambda: _raise(NotImplementedError("replace this line")), "adagrad")
