"""Plain gradient descent: θ ← θ − η ∂L/∂θ (``torch.optim.SGD`` without momentum).

No state; ``learning_rate: η`` alone in a problem file selects it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backprop_cli.expr import Expr, Mul, Sub, Sym, num
from backprop_cli.nn.optimizers.base import Array, State

ETA = Sym("eta")


@dataclass(frozen=True)
class GradientDescent:
    learning_rate: float
    name = "gradient_descent"

    @property
    def hyperparameters(self) -> dict[str, float]:
        return {"learning_rate": self.learning_rate}

    def init_state(self, theta: Array) -> State:
        return {}

    def step(self, theta: Array, grad: Array, state: State, t: int) -> tuple[Array, State]:
        # θ ← θ − η ∂L/∂θ, written as (−η ∂L/∂θ) + θ: the same bits, and one new array
        # where θ − η∂L/∂θ makes two (η∂L/∂θ, then the difference).
        new = np.multiply(grad, -self.learning_rate)
        new += theta
        return new, state

    def rule(self, theta: Expr, grad: Expr) -> Expr:
        return Sub(theta, Mul((ETA, grad)))

    def substitution(self, theta: Expr, grad: Expr) -> Expr:
        return Sub(theta, Mul((num(self.learning_rate), grad)))

    def ascending(self) -> GradientDescent:
        return GradientDescent(-self.learning_rate)  # θ ← θ + η ∂L/∂θ

    def in_words(self, theta: str, grad: str) -> str:
        return f"{theta} − η·{grad}"
