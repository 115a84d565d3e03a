"""What the drawn loss charts (LaTeX, HTML) share: the points they plot and their scale."""

from __future__ import annotations

import numpy as np

POINTS = 200
"""A chart plots at most this many steps, evenly spread, the first and the last included."""

DECADES = 2.0
"""A loss whose largest value is 10²× its smallest or more is plotted on a log scale."""


def points(values: np.ndarray, limit: int = POINTS) -> list[tuple[int, float]]:
    """``(step, loss)`` for at most ``limit`` steps; a non-finite loss is left out."""
    picks = np.unique(np.linspace(0, len(values) - 1, min(len(values), limit)).round().astype(int))
    return [(int(i), float(values[i])) for i in picks if np.isfinite(values[i])]


def logarithmic(values: np.ndarray) -> bool:
    """Whether the finite values are all positive and span at least `DECADES` decades."""
    finite = values[np.isfinite(values)]
    if finite.size == 0 or float(finite.min()) <= 0:
        return False
    return bool(np.log10(float(finite.max()) / float(finite.min())) >= DECADES)
