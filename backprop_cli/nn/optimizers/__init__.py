"""The optimizers, one module each, in a registry by name (SPEC section 5).

``learning_rate: η`` alone is `SGD` without momentum: plain gradient descent. Each
entry is built from its `SETTINGS` (defaults filled in, as ``torch.optim``'s).
"""

from __future__ import annotations

from typing import Any

from backprop_cli.nn.optimizers.adagrad import Adagrad
from backprop_cli.nn.optimizers.adam import Adam
from backprop_cli.nn.optimizers.adamw import AdamW
from backprop_cli.nn.optimizers.base import (
    Line,
    Operands,
    Optimizer,
    OptimizerMistake,
    Setting,
    State,
)
from backprop_cli.nn.optimizers.rmsprop import RMSprop
from backprop_cli.nn.optimizers.sgd import SGD

OPTIMIZERS: dict[str, Any] = {kind.name: kind for kind in (SGD, Adagrad, RMSprop, Adam, AdamW)}
"""Each optimizer class by name: its ``SETTINGS``, ``refuse`` (the combinations it refuses)
and its constructor, called with every setting."""

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Line",
    "Operands",
    "Optimizer",
    "OptimizerMistake",
    "Setting",
    "State",
]
