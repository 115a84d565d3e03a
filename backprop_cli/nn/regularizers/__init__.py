"""Weight penalties (``regularization:``), one module each, in a registry by name."""

from __future__ import annotations

from backprop_cli.nn.regularizers.base import Regularizer
from backprop_cli.nn.regularizers.l1 import L1
from backprop_cli.nn.regularizers.l2 import L2

REGULARIZERS: dict[str, type[Regularizer]] = {kind.name: kind for kind in (L2, L1)}
"""Every penalty by name; ``REGULARIZERS[name](λ)`` has the defaults."""

__all__ = ["L1", "L2", "REGULARIZERS", "Regularizer"]
