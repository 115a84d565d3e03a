"""A step of a worked solution: one line, formula → substitution → value, as data.

Shared by every problem kind and every layer kind (which write their own
steps); it depends on nothing but the expression trees.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from backprop_cli.expr import Expr
from backprop_cli.records import dataclass


class Phase(str, Enum):
    FORWARD = "forward"
    LOSS = "loss"
    BACKWARD = "backward"
    UPDATE = "update"


@dataclass(frozen=True)
class Step:
    """One line of the worked solution: ``lhs = forms… = substitution = value``.

    ``symbol`` is the quantity's report name with 0-based indices for one
    element (``z1``, ``z1[0]``, ``dW2[0][1]``, ``W1_new``); ``forms`` are the
    symbolic right-hand sides, most general first (the chain rule, then the
    formula); ``assign`` writes ``←`` (an update) instead of ``=``.
    """

    phase: Phase
    symbol: str
    lhs: Expr
    forms: tuple[Expr, ...]
    substitution: Expr | None
    value: np.ndarray
    layer: int | None = None
    element: bool = False
    sample: int | None = None
    """0-based sample of an element step in a batch."""
    assign: bool = False
    mini_batch: bool = False
    """A step of the first update's mini-batch gradient (shown with the update)."""
