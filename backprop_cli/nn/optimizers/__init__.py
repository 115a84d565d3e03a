"""The optimizers, one module each, in a registry by name (SPEC section 5).

``learning_rate: η`` alone is `SGD` without momentum: plain gradient descent. Each
entry is built from its `SETTINGS` (defaults filled in, as ``torch.optim``'s).
"""

from __future__ import annotations

from typing import Any

from backprop_cli.nn.optimizers.base import (
    Line,
    Operands,
    Optimizer,
    OptimizerMistake,
    Setting,
    State,
)
from backprop_cli.nn.optimizers.sgd import SGD
from backprop_cli.nn.registry import Registry

OPTIMIZERS: Registry[Any] = Registry(
    __name__,
    {
        SGD.name: SGD,
        "adagrad": "adagrad.Adagrad",
        "rmsprop": "rmsprop.RMSprop",
        "adam": "adam.Adam",
        "adamw": "adamw.AdamW",
    },
)
"""Each optimizer class by name: its ``SETTINGS``, ``refuse`` (the combinations it refuses)
and its constructor, called with every setting. Plain descent (`SGD`) is imported with
the package; the others when a problem names them."""

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
