"""What every weight penalty answers: its value, its gradient and their formulas.

A penalty R(θ) is added to the data loss, L = L_data + R, over the parameters a
layer kind calls its weights (dense: W; never batch norm's γ, β), and its biases
too with ``include_bias``. Its gradient adds to the data loss's:
∂L/∂W = ∂L_data/∂W + ∂R/∂W.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from backprop_cli.expr import Expr, Message, Mul, num
from backprop_cli.records import dataclass

Array = np.ndarray


@dataclass(frozen=True)
class Regularizer:
    name: ClassVar[str]
    title: ClassVar[str]
    options: ClassVar[dict[str, str]] = {
        "include_bias": "true: penalise the biases too (default false: the weights only).",
    }
    """Its boolean keys besides ``name`` and ``lambda``, with their meanings."""
    strength: float
    """λ."""
    include_bias: bool = False

    def penalty(self, theta: Array) -> float:
        """R of one parameter array."""
        raise NotImplementedError

    def summed(self, theta: Array) -> float:
        """The sum of one parameter's ``term``s, before the factor: ΣW², Σ|W|."""
        raise NotImplementedError

    def grad(self, theta: Array) -> Array:
        """∂R/∂θ of one parameter array."""
        raise NotImplementedError

    def factor(self) -> Expr:
        """The factor in front of the sum over the entries: λ/2, λ."""
        raise NotImplementedError

    def term(self, w: Expr) -> Expr:
        """One entry's summand after the factor: w², |w|."""
        raise NotImplementedError

    def grad_term(self, theta: Expr) -> Expr:
        """∂R/∂θ as a formula of θ: λθ, 2λθ, λ·sign(θ)."""
        raise NotImplementedError

    def kinked(self, low: float, high: float) -> bool:
        """R is not differentiable between ``low`` and ``high`` (L1 at 0)."""
        return False

    def covers(self, weights: tuple[str, ...], biases: tuple[str, ...]) -> tuple[str, ...]:
        """The parameters of a layer it penalises, from what its kind calls weights and biases."""
        return weights + (biases if self.include_bias else ())

    def convention(self) -> Message:
        raise NotImplementedError

    def half_forgotten(self) -> Regularizer | None:
        """The penalty without its ½ (None: it has none), for ``check``'s diagnosis."""
        return None

    def lam(self, e: Expr) -> Expr:
        """λ·e with λ's number."""
        return Mul((num(self.strength), e))
