"""Floating-point noise at a kink: a value that is a kink in exact arithmetic is taken as one.

0.1·3 − 0.3 is 5.55e−17 in float64, not 0: ReLU′ would then be 1 and ∂L/∂w = −6 where every
key (and exact arithmetic) has ReLU′(0) = 0 and ∂L/∂w = 0. A sum of n terms of total size S
is exact to about (n + 1)·ε·S (ε the float64 epsilon), so a value that close to a kink is
the kink: it is set to it, and the insight `kink_noise` says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Array = np.ndarray
EPS = float(np.finfo(float).eps)
NEAR = 1e-9
"""Values farther than this from a kink (relative to the largest) are not looked at further."""


def noise(size: Array, terms: int) -> Array:
    """The rounding noise of sums of ``terms`` terms whose magnitudes add up to ``size``."""
    return (terms + 1) * EPS * size


def near(value: Array, points: tuple[float, ...]) -> bool:
    """Some entry is close enough to a point to be worth a closer look (a cheap first test)."""
    if not points or value.size == 0:
        return False
    with np.errstate(all="ignore"):
        largest = float(np.max(np.abs(value[np.isfinite(value)]), initial=0.0))
        return any(bool(np.any(np.abs(value - k) <= NEAR * max(largest, 1.0))) for k in points)


def snap(value: Array, size: Array, terms: int, points: tuple[float, ...]) -> Array:
    """``value`` with each entry within `noise` of a point set to that point."""
    tolerance = noise(size, terms)
    with np.errstate(all="ignore"):
        for k in points:
            close = np.isfinite(tolerance) & (np.abs(value - k) <= tolerance)
            value = np.where(close, k, value)
    return value


def at_kinks(
    forward: Callable[[dict[str, Array], Array], tuple[Array, Any]],
    params: dict[str, Array],
    a: Array,
    z: Array,
    points: tuple[float, ...],
) -> Array:
    """``z`` = forward(params, a) (a weighted sum: W a + b for a dense layer) with rounding
    noise at ``points`` (kinks) removed. The size of its terms, Σ|wₖaₖ| + |b|, is the same
    forward pass on the magnitudes."""
    if not near(z, points):
        return z
    with np.errstate(all="ignore"):
        size, _ = forward({name: np.abs(v) for name, v in params.items()}, np.abs(a))
    return snap(z, size, a.shape[-1], points)


def residual_noise(yhat: Array, y: Array) -> Array:
    """Where ŷ − y is rounding noise of ŷ and y (a kink of MAE)."""
    with np.errstate(all="ignore"):
        tolerance = noise(np.abs(yhat) + np.abs(y), 1)
        return (yhat != y) & (np.abs(yhat - y) <= tolerance)
