"""Weight initialisation schemes for ``units: N`` with ``init: {scheme, seed}``.

Weights are drawn with ``numpy.random.default_rng(seed)`` in row-major order
(outputs × inputs), so the same seed gives the same numbers on every machine.
Each scheme is a distribution and its scale as a function of the fan-in and
fan-out (and of the ``std`` or ``limit`` the file gives, where it takes one).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from backprop_cli.records import dataclass


@dataclass(frozen=True)
class Scheme:
    name: str
    distribution: str
    """``normal`` (the scale is the standard deviation), ``uniform`` (U(−limit, limit)) or ``zeros``."""
    scale: Callable[[int, int, float], float]
    """(fan_in, fan_out, the file's std or limit) → std or limit."""
    parameter: str | None = None
    """The key the scheme takes from the file (``std``, ``limit``), if any."""
    formula: str = ""


_DISTRIBUTIONS: dict[str, Callable[[np.random.Generator, float, tuple[int, int]], np.ndarray]] = {
    "normal": lambda rng, std, shape: rng.normal(0.0, std, size=shape),
    "uniform": lambda rng, limit, shape: rng.uniform(-limit, limit, size=shape),
    "zeros": lambda rng, scale, shape: np.zeros(shape),
}

SCHEMES: dict[str, Scheme] = {
    scheme.name: scheme
    for scheme in (
        Scheme("zeros", "zeros", lambda fi, fo, p: 0.0, formula="W = 0"),
        Scheme("normal", "normal", lambda fi, fo, p: p, "std", "N(0, std²), std = 1 by default"),
        Scheme(
            "uniform",
            "uniform",
            lambda fi, fo, p: p,
            "limit",
            "U(−limit, limit), limit = 1 by default",
        ),
        Scheme(
            "xavier_uniform",
            "uniform",
            lambda fi, fo, p: math.sqrt(6.0 / (fi + fo)),
            formula="U(−l, l), l = √(6/(fan_in + fan_out))",
        ),
        Scheme(
            "xavier_normal",
            "normal",
            lambda fi, fo, p: math.sqrt(2.0 / (fi + fo)),
            formula="N(0, s²), s = √(2/(fan_in + fan_out))",
        ),
        Scheme(
            "he_uniform",
            "uniform",
            lambda fi, fo, p: math.sqrt(6.0 / fi),
            formula="U(−l, l), l = √(6/fan_in)",
        ),
        Scheme(
            "he_normal",
            "normal",
            lambda fi, fo, p: math.sqrt(2.0 / fi),
            formula="N(0, s²), s = √(2/fan_in)",
        ),
    )
}


@dataclass(frozen=True)
class Init:
    """How a layer's weights were drawn: scheme, seed, and the std or limit used."""

    scheme: str
    seed: int
    scale: float


def draw(
    scheme: Scheme,
    rows: int,
    cols: int,
    seed: int,
    parameter: float = 1.0,
    fan_out: int | None = None,
) -> tuple[np.ndarray, Init]:
    """A (rows × cols) weight matrix drawn by ``scheme`` from ``default_rng(seed)``; fan-in
    ``cols``, fan-out ``rows`` unless given (a convolution's is C_out·kernel cells)."""
    scale = scheme.scale(cols, rows if fan_out is None else fan_out, parameter)
    weights = _DISTRIBUTIONS[scheme.distribution](np.random.default_rng(seed), scale, (rows, cols))
    return weights, Init(scheme.name, seed, scale)
