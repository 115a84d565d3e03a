"""Weight penalties (``regularization:``), one module each, in a registry by name."""

from __future__ import annotations

from backprop_cli.nn.registry import Registry
from backprop_cli.nn.regularizers.base import Regularizer

REGULARIZERS: Registry[type[Regularizer]] = Registry(__name__, {"l2": "l2.L2", "l1": "l1.L1"})
"""Every penalty by name, imported when a problem names it; ``REGULARIZERS[name](λ)`` has
the defaults."""

__all__ = ["REGULARIZERS", "Regularizer"]
