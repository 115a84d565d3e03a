"""The squared errors: MSE (the mean over outputs, as PyTorch's MSELoss) and SSE (their sum)."""

from __future__ import annotations

import numpy as np

from backprop_cli.expr import Expr, Mul, Pow, Sub, num
from backprop_cli.nn.losses.base import Array, Loss
from backprop_cli.records import dataclass


@dataclass(frozen=True)
class MSE(Loss):
    name = "mse"
    squared = True
    abbreviation = "MSE"
    title = "mean squared error"

    def value(self, yhat: Array, y: Array) -> Array:
        return np.mean(np.square(yhat - y), axis=-1)

    def grad(self, yhat: Array, y: Array) -> Array:
        return 2.0 * (yhat - y) / y.shape[-1]  # ∂/∂ŷₖ (1/K)Σ(ŷ − y)² = 2(ŷₖ − yₖ)/K

    def term(self, yhat: Expr, y: Expr) -> Expr:
        return Pow(Sub(yhat, y), num(2))

    def half_ratio(self, outputs: int, scale: float) -> float | None:
        # ½Σₖ against s·(1/K)Σₖ is K/(2s); against s·Σₖ (SSE), 1/(2s): K = 2 means agree.
        return (outputs if self.mean_over_outputs else 1) / (2 * scale)

    def term_grad(self, yhat: Expr, y: Expr) -> Expr:
        return Mul((num(2), Sub(yhat, y)), dot=False)


@dataclass(frozen=True)
class SSE(MSE):
    name = "sse"
    abbreviation = "SSE"
    title = "sum of squared errors"
    mean_over_outputs = False
    sums_steps = True

    def value(self, yhat: Array, y: Array) -> Array:
        return np.sum(np.square(yhat - y), axis=-1)

    def grad(self, yhat: Array, y: Array) -> Array:
        return 2.0 * (yhat - y)
