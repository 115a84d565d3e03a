"""The numbers of drawn exercises: one decimal, whole numbers without a decimal point."""

from __future__ import annotations

from typing import Any

import numpy as np


def nice(rng: np.random.Generator, shape: tuple[int, ...], limit: float, zero: bool = False) -> Any:
    """Numbers with one decimal in [−limit, limit] (0 only if ``zero``), as nested lists."""
    steps = round(limit * 10)
    choices = [i / 10 for i in range(-steps, steps + 1) if zero or i != 0]
    return tidy(np.array(rng.choice(choices, size=shape)).round(1).tolist())


def tidy(value: Any) -> Any:
    """Whole numbers written without a decimal point: 2, not 2.0."""
    if isinstance(value, list):
        return [tidy(item) for item in value]
    return int(value) if float(value).is_integer() else value
