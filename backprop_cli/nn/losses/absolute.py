"""The mean absolute error, as PyTorch's L1Loss: derivative sign(ŷ − y), 0 where equal."""

from __future__ import annotations

import numpy as np

from backprop_cli.expr import Call, Expr, Sub
from backprop_cli.nn.losses.base import Array, Loss
from backprop_cli.records import dataclass


@dataclass(frozen=True)
class MAE(Loss):
    name = "mae"
    abbreviation = "MAE"
    title = "mean absolute error"
    kink_at_target = True

    def value(self, yhat: Array, y: Array) -> Array:
        return np.mean(np.abs(yhat - y), axis=-1)

    def grad(self, yhat: Array, y: Array) -> Array:
        return np.sign(yhat - y) / y.shape[-1]  # sign(0) = 0 where ŷ = y

    def term(self, yhat: Expr, y: Expr) -> Expr:
        return Call("abs", (Sub(yhat, y),))

    def term_grad(self, yhat: Expr, y: Expr) -> Expr:
        return Call("sign", (Sub(yhat, y),))
