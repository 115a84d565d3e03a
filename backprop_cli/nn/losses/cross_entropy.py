"""The cross-entropies: binary (fused with a sigmoid) and categorical (fused with a softmax)."""

from __future__ import annotations

import numpy as np

from backprop_cli.expr import (
    Add,
    Call,
    Expr,
    Frac,
    Message,
    Mul,
    Neg,
    Partial,
    Rel,
    Sub,
    Sum,
    Sym,
    num,
)
from backprop_cli.nn.functions import log_softmax
from backprop_cli.nn.losses.base import (
    LOG_FLOOR,
    ONE,
    YHAT,
    Array,
    L,
    Loss,
    Y,
    Z,
    clamped_log,
    inverse_where_logged,
)
from backprop_cli.records import dataclass


@dataclass(frozen=True)
class BinaryCrossEntropy(Loss):
    name = "binary_cross_entropy"
    abbreviation = "BCE"
    title = "binary cross-entropy"
    fused_with = "sigmoid"
    negated = True

    def value(self, yhat: Array, y: Array) -> Array:
        terms = -(y * clamped_log(yhat) + (1.0 - y) * clamped_log(1.0 - yhat))
        return np.mean(terms, axis=-1)

    def grad(self, yhat: Array, y: Array) -> Array:
        # ∂/∂ŷ −[y log ŷ + (1−y) log(1−ŷ)] = −y/ŷ + (1−y)/(1−ŷ), 0 where a log is clamped
        g = -y * inverse_where_logged(yhat) + (1.0 - y) * inverse_where_logged(1.0 - yhat)
        return g / y.shape[-1]

    def fused_value(self, z: Array, y: Array) -> Array:
        # −[y log σ(z) + (1−y) log(1−σ(z))] = max(z, 0) − yz + log(1 + e^−|z|)
        return np.mean(np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z))), axis=-1)

    def output_error(self, yhat: Array) -> str | None:
        if np.all((yhat >= 0.0) & (yhat <= 1.0)):
            return None
        return "outputs ŷ in [0, 1] (binary cross-entropy takes probabilities)"

    def target_error(self, y: Array) -> str | None:
        if np.all((y >= 0.0) & (y <= 1.0)):
            return None
        return "targets in [0, 1] for binary cross-entropy"

    def clamped(self, yhat: Array, y: Array) -> bool:
        low = (clamped_log(yhat) <= LOG_FLOOR) & (y > 0)
        high = (clamped_log(1.0 - yhat) <= LOG_FLOOR) & (y < 1)
        return bool(np.any(low | high))

    def term(self, yhat: Expr, y: Expr) -> Expr:
        first = Mul((y, Call("log", (yhat,))), dot=False)
        second = Mul((Sub(ONE, y), Call("log", (Sub(ONE, yhat),))), dot=False)
        return Add((first, second))

    def term_grad(self, yhat: Expr, y: Expr) -> Expr:
        return Frac(Sub(yhat, y), Mul((yhat, Sub(ONE, yhat)), dot=False))

    def cancellation(self) -> Message:
        grad = Frac(Sub(YHAT, Y), Mul((YHAT, Sub(num(1), YHAT)), dot=False))
        message: Message = (
            "Sigmoid with binary cross-entropy: σ′ cancels. ",
            Rel(Partial(L, YHAT), "=", grad),
            " and ",
            Rel(Partial(YHAT, Z), "=", Mul((YHAT, Sub(num(1), YHAT)), dot=False)),
            ", so ",
            Rel(Partial(L, Z), "=", Mul((grad, Mul((YHAT, Sub(num(1), YHAT)), dot=False)))),
            " = ŷ − y: the gradient is the prediction's error itself, and it does not vanish when the "
            "sigmoid saturates on a wrong answer.",
        )
        return message


@dataclass(frozen=True)
class CrossEntropy(Loss):
    name = "cross_entropy"
    class_index = True
    abbreviation = "CE"
    title = "cross-entropy"
    mean_over_outputs = False
    fused_with = "softmax"
    negated = True

    def value(self, yhat: Array, y: Array) -> Array:
        return -np.sum(y * clamped_log(yhat), axis=-1)

    def grad(self, yhat: Array, y: Array) -> Array:
        return -y * inverse_where_logged(yhat)  # ∂/∂ŷₖ −Σ y log ŷ = −yₖ/ŷₖ

    def fused_value(self, z: Array, y: Array) -> Array:
        return -np.sum(y * log_softmax(z), axis=-1)

    def output_error(self, yhat: Array) -> str | None:
        if np.all(yhat >= 0.0):
            return None
        return f"outputs ŷ ≥ 0 ({self.title} takes probabilities; use a softmax output layer)"

    def target_error(self, y: Array) -> str | None:
        if np.all(y >= 0.0) and np.allclose(np.sum(y, axis=-1), 1.0, rtol=0.0, atol=1e-6):
            return None
        return "a class index or a probability vector (non-negative, summing to 1)"

    def clamped(self, yhat: Array, y: Array) -> bool:
        return bool(np.any((clamped_log(yhat) <= LOG_FLOOR) & (y > 0)))

    def term(self, yhat: Expr, y: Expr) -> Expr:
        return Mul((y, Call("log", (yhat,))), dot=False)

    def term_grad(self, yhat: Expr, y: Expr) -> Expr:
        return Neg(Frac(y, yhat))

    def cancellation(self) -> Message:
        yi, yj, zi = Sym("yhat", ("i",)), Sym("yhat", ("j",)), Sym("z", ("i",))
        ti, tj = Sym("y", ("i",)), Sym("y", ("j",))
        message: Message = (
            "Softmax with cross-entropy: the Jacobian cancels. ",
            Rel(Partial(L, yj), "=", Neg(Frac(tj, yj))),
            ", ",
            Rel(Partial(yi, zi), "=", Mul((yi, Sub(num(1), yi)), dot=False)),
            " and ∂ŷⱼ/∂zᵢ = −ŷⱼŷᵢ for j ≠ i, so ",
            Rel(Partial(L, zi), "=", Sub(Mul((yi, Sum(tj, "j")), dot=False), ti)),
            " = ŷᵢ − yᵢ because the target sums to 1: no division by ŷ and no Jacobian to multiply.",
        )
        return message
