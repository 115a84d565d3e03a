"""Registries of activations and losses, by name and alias.

A new activation is one class in ``activations.py`` added to ``ACTIVATION_TYPES``; a new
loss, one class in ``losses/`` and one line of its registry; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial, reduce
from typing import Any

import numpy as np

from backprop_cli.expr import Unevaluable
from backprop_cli.nn.activations import ACTIVATION_TYPES, Activation
from backprop_cli.nn.functions import normal_cdf, normal_pdf, sigmoid
from backprop_cli.nn.losses import LOSS_NAMES, LOSS_NEAR_MISSES, LOSSES, Loss

ACTIVATIONS: dict[str, type[Activation]] = {
    name: kind for kind in ACTIVATION_TYPES for name in (kind.name, *kind.aliases)
}
"""Every activation name and alias → its class; ``ACTIVATIONS[name]()`` has the defaults."""

ELEMENTARY: dict[str, Callable[..., Any]] = {
    "σ": sigmoid,
    "tanh": np.tanh,
    "log": np.log,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "sign": np.sign,
    "max": lambda *values: reduce(np.maximum, values),
    "min": lambda *values: reduce(np.minimum, values),
    "floor": np.floor,
    "Φ": normal_cdf,
    "φ": normal_pdf,
}
"""The functions formulas call by name, for `expr.evaluate`."""


def formula_functions(
    activations: Iterable[Activation], batched: bool
) -> dict[str, Callable[..., Any]]:
    """Every function a solution's formulas call: the elementary ones, and each activation
    by its label (``ReLU``) with its derivative (``ReLU′``), as the problem set it up. A
    batch's vectors are rows (one per sample), a single sample's a column."""
    table = dict(ELEMENTARY)
    for f in activations:
        if f.elementwise:
            table[f.label] = f.fn
            table[f.label + "′"] = lambda z, f=f: f.grad(z, f.fn(z))
        else:
            table[f.label] = partial(_along_units, f, batched)
    return table


def _along_units(f: Activation, batched: bool, z: Any) -> Any:
    """A function of the whole layer (softmax): along the rows of a batch, down the column of
    one sample; ``softmax(zᵢ)`` of one unit stands for its i-th output, not a value."""
    if np.ndim(z) < 2:
        raise Unevaluable(f"{f.label} of a single unit")
    return f.fn(z) if batched else f.fn(z.T).T


__all__ = [
    "ACTIVATIONS",
    "ELEMENTARY",
    "LOSSES",
    "LOSS_NAMES",
    "LOSS_NEAR_MISSES",
    "Activation",
    "Loss",
    "formula_functions",
]
