"""L1 regularization: R = λ·Σ|W|, ∂R/∂W = λ·sign(W) with sign(0) = 0."""

from __future__ import annotations

import numpy as np

from backprop_cli.expr import Abs, Call, Expr, Message, Mul, num
from backprop_cli.nn.regularizers.base import Array, Regularizer
from backprop_cli.records import dataclass


@dataclass(frozen=True)
class L1(Regularizer):
    name = "l1"
    title = "L1 penalty"

    def summed(self, theta: Array) -> float:
        return float(np.sum(np.abs(theta)))

    def penalty(self, theta: Array) -> float:
        return self.strength * self.summed(theta)

    def grad(self, theta: Array) -> Array:
        return self.strength * np.sign(theta)  # sign(0) = 0

    def factor(self) -> Expr:
        return num(self.strength)

    def term(self, w: Expr) -> Expr:
        return Abs(w)

    def grad_term(self, theta: Expr) -> Expr:
        return Mul((num(self.strength), Call("sign", (theta,))))

    def kinked(self, low: float, high: float) -> bool:
        return bool(np.sign(low) != np.sign(high))

    def convention(self) -> Message:
        over = "weights and biases" if self.include_bias else "weights W (not the biases)"
        return (
            f"L1 regularization, λ = {self.strength:g}: R = λ·Σ|w| over the {over}; its "
            "gradient is λ·sign(W), with sign(0) = 0 (a weight at 0 gets no pull).",
        )
