"""A quantity a student works out: its expected value, what it is computed from, and how.

Values have the engine's canonical shapes: per-sample quantities N × width,
weights outputs × inputs, biases (outputs,), the loss a 0-d array.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backprop_cli.nn.optimizers import Optimizer
from backprop_cli.records import dataclass

Array = np.ndarray
Values = dict[str, Array]
"""Quantity name → value (the solution's, a student's, or a mixture)."""


@dataclass(frozen=True)
class Quantity:
    name: str
    kind: str
    """``z``, ``a``, ``output``, ``loss``, ``delta``, ``dW``, ``db``, ``dx``, ``W_new``, ``b_new``."""
    layer: int | None
    """1-based, as in the report (None for output, loss, dx)."""
    expected: Array
    inputs: tuple[str, ...]
    """The quantities ``compute`` reads (the problem's own x, y, W and b are not quantities)."""
    compute: Callable[[Values], Array]
    formula: str
    """How it is computed, in the answers file's names: ``W2·a1 + b2``."""
    per_sample: bool = False
    """One row per sample (z, a, output, delta, dx)."""
    oriented: bool = False
    """Rows and columns mean different things (weights: neurons × inputs; a batch: samples)."""
    start: Array | None = None
    """An updated parameter's value before the update: it is judged by its change from it."""
    under: Callable[[Values, Optimizer], Array] | None = None
    """A quantity of training: its value had another optimizer (a mistaken one) been used."""
    step: int | None = None
    """The 0-based time step of a layer's quantity at one step (``h1_t2``: 1)."""

    @property
    def number(self) -> int:
        """The layer number of a quantity of one layer (z, a, delta, dW, db, W_new, b_new)."""
        assert self.layer is not None, f"{self.name} belongs to no layer"
        return self.layer
