"""L2 regularization (weight decay): R = (λ/2)·ΣW², ∂R/∂W = λW.

With ``half: false``, R = λ·ΣW² and ∂R/∂W = 2λW. The ½ form's gradient is
PyTorch's ``weight_decay: λ`` (which belongs to the optimizer instead).
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

import numpy as np

from backprop_cli.expr import Expr, Frac, Message, Mul, Pow, num
from backprop_cli.nn.regularizers.base import Array, Regularizer
from backprop_cli.records import dataclass


@dataclass(frozen=True)
class L2(Regularizer):
    name = "l2"
    title = "L2 penalty"
    options: ClassVar[dict[str, str]] = {
        **Regularizer.options,
        "half": "false: R = λ·ΣW² with gradient 2λW (default true: (λ/2)·ΣW², gradient λW).",
    }
    half: bool = True

    def summed(self, theta: Array) -> float:
        return float(np.sum(np.square(theta)))

    def penalty(self, theta: Array) -> float:
        return (0.5 if self.half else 1.0) * self.strength * self.summed(theta)

    def grad(self, theta: Array) -> Array:
        return (1.0 if self.half else 2.0) * self.strength * theta  # ∂(λ/2)ΣW²/∂W = λW

    def factor(self) -> Expr:
        return Frac(num(self.strength), num(2)) if self.half else num(self.strength)

    def term(self, w: Expr) -> Expr:
        return Pow(w, num(2))

    def grad_term(self, theta: Expr) -> Expr:
        return self.lam(theta) if self.half else Mul((num(2), num(self.strength), theta))

    def convention(self) -> Message:
        lam = f"{self.strength:g}"
        over = "weights and biases" if self.include_bias else "weights W (not the biases)"
        if self.half:
            return (
                f"L2 regularization, λ = {lam}: R = (λ/2)·Σ w² over the {over}, added to the "
                "data loss; its gradient λW adds to each weight's, as weight_decay = λ does in "
                "torch.optim.",
            )
        return (
            f"L2 regularization without the ½ (half: false), λ = {lam}: R = λ·Σ w² over the "
            f"{over}; its gradient is 2λW.",
        )

    def half_forgotten(self) -> Regularizer | None:
        return replace(self, half=False) if self.half else None
