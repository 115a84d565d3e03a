"""The gradient given instead of a loss: an exercise's ``upstream: g`` (∂L/∂ŷ).

Nothing is said of L itself; what the backward pass needs of it is its
gradient at the output, and that is given. It is the gradient of the linear
function L = Σₙ Σₖ gₙₖ·ŷₙₖ (with g held fixed), as PyTorch's
``output.backward(g)`` takes it: the engine computes with that L (its value
for the gradient check and for the steps of an update, whose ∂L/∂ŷ is then
the same g each step) and the report shows no loss.

The samples are summed, never averaged (g already holds whatever 1/N the
exercise wants), and there is no scale.
"""

from __future__ import annotations

import numpy as np

from backprop_cli.expr import Expr, Message, Mul, Partial, Sym
from backprop_cli.nn.losses.base import Array, L, Loss
from backprop_cli.records import dataclass


@dataclass(frozen=True)
class GivenUpstream(Loss):
    """∂L/∂ŷ = g given: the "loss" L = Σₖ gₖŷₖ per sample, whose gradient is g."""

    name = "upstream"
    abbreviation = "∂L/∂ŷ"
    title = "upstream gradient given"
    mean_over_outputs = False
    given = True

    def value(self, yhat: Array, y: Array) -> Array:
        return np.sum(y * yhat, axis=-1)  # Σₖ gₖŷₖ: y holds the given g

    def grad(self, yhat: Array, y: Array) -> Array:
        return np.array(y, dtype=float)  # ∂/∂ŷₖ Σⱼ gⱼŷⱼ = gₖ

    def term(self, yhat: Expr, y: Expr) -> Expr:
        return Mul((y, yhat))

    def term_grad(self, yhat: Expr, y: Expr) -> Expr:
        """∂L/∂ŷₖ itself in symbols (its name: it is given, it has no formula); its number."""
        return Partial(L, yhat) if isinstance(yhat, Sym) else y

    def convention(self, outputs: int) -> Message:
        return (
            "No loss is given: the exercise gives the upstream gradient ∂L/∂ŷ, and the backward "
            "pass starts from it (the last activation's derivative still applies, δ = ∂L/∂ŷ ⊙ "
            "f′(z)); the gradients are those of L = Σ ∂L/∂ŷ ⊙ ŷ, as PyTorch's "
            "output.backward(upstream).",
        )
