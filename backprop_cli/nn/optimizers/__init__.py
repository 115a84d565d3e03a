"""The optimizers, one module each, in a registry by name (SPEC section 5).

Plain gradient descent is the first; each entry is built from a problem's
hyperparameters.
"""

from __future__ import annotations

from collections.abc import Callable

from backprop_cli.nn.optimizers.base import Optimizer, State
from backprop_cli.nn.optimizers.gradient_descent import GradientDescent

OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    GradientDescent.name: GradientDescent,
}

__all__ = ["OPTIMIZERS", "Optimizer", "State"]
