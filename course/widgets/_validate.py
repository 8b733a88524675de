"""Checks on the functions lecturers and students pass to the widgets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np


def check_optimizers(
    optimizers: Mapping[str, tuple[Callable[..., Any], dict[str, Any]]],
    max_count: int = 8,
    argument: str = "optimizers",
) -> dict[str, tuple[Callable[..., Any], dict[str, Any]]]:
    """Validate ``{name: (step_fn, default_hparams)}`` and return a plain dict copy.

    Raises:
        ValueError: not a non-empty dict, too many entries, a value that is not a
            ``(callable, dict)`` pair, or a non-string name.
    """
    if not isinstance(optimizers, dict) or not optimizers:
        raise ValueError(
            f"{argument} must be a non-empty dict {{name: (step_fn, default_hparams)}}, "
            f"e.g. {{'SGD': (sgd, {{'lr': 0.01}})}}; got {optimizers!r}"
        )
    if len(optimizers) > max_count:
        raise ValueError(f"{argument} can hold at most {max_count} entries, got {len(optimizers)}")
    checked = {}
    for name, entry in optimizers.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"{argument} names must be non-empty strings, got {name!r}")
        if not (
            isinstance(entry, (tuple, list))
            and len(entry) == 2
            and callable(entry[0])
            and isinstance(entry[1], dict)
        ):
            raise ValueError(
                f"{argument}[{name!r}] must be a pair (function, default_params_dict), got {entry!r}"
            )
        checked[name] = (entry[0], dict(entry[1]))
    return checked


def call_step(
    step_fn: Callable[..., Any], w: np.ndarray, dw: np.ndarray, state: Any, hparams: Mapping[str, Any]
) -> tuple[np.ndarray, Any]:
    """One call of the update-rule protocol, with its result checked.

    ``step_fn(w, dw, state, **hparams)`` must return ``(w_next, state)`` with
    w_next shaped like w.

    Raises:
        ValueError: the step function returned something else.
    """
    result = step_fn(w, dw, state, **hparams)
    if not (isinstance(result, tuple) and len(result) == 2):
        name = getattr(step_fn, "__name__", "step function")
        raise ValueError(
            f"{name} must return a pair (w_next, state) as in step(w, dw, state=None, **hparams); "
            f"got {type(result).__name__}"
        )
    w_next, state = result
    w_next = np.asarray(w_next, dtype=float)
    if w_next.shape != np.shape(w):
        name = getattr(step_fn, "__name__", "step function")
        raise ValueError(f"{name} returned w_next of shape {w_next.shape}; expected {np.shape(w)} like w")
    return w_next, state
