"""Loss functions: value, derivative and formula side by side.

Arrays are (N samples × K outputs). A loss gives the per-sample value ℓₙ
(``value``) and its derivative ∂ℓₙ/∂ŷ (``grad``); the engine averages over
samples and applies the scale: L = s·(1/N)Σₙ ℓₙ.

Each per-sample loss is a sum or mean over outputs of a per-output ``term``:
ℓ = (1/K)Σₖ term(ŷₖ, yₖ) when ``mean_over_outputs``, else Σₖ term(ŷₖ, yₖ).

Where the last activation is ``fused_with``, the loss is computed from the
logits z and ∂ℓ/∂z = (ŷ − y)/K (or ŷ − y) directly (``fused_value``,
``fused_delta``): finite for every finite logit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

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
    Pow,
    Rel,
    Sub,
    Sum,
    Sym,
    num,
)
from backprop_cli.nn.functions import log_softmax

L, YHAT, Y, Z = Sym("L"), Sym("yhat"), Sym("y"), Sym("z")

Array = np.ndarray
LOG_FLOOR = -100.0
"""Each log of a non-fused cross-entropy is clamped here, as PyTorch's BCELoss does."""
_ONE = num(1)


def _clamped_log(p: Array) -> Array:
    """max(log p, −100), with log 0 = −∞ clamped too."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.maximum(np.log(p), LOG_FLOOR)


def _inverse_where_logged(p: Array) -> Array:
    """1/p where log p is above the clamp (elsewhere the clamped log is flat: 0)."""
    alive = _clamped_log(p) > LOG_FLOOR
    return np.where(alive, 1.0 / np.where(alive, p, 1.0), 0.0)


@dataclass(frozen=True)
class Loss:
    name: ClassVar[str]
    abbreviation: ClassVar[str]
    title: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    mean_over_outputs: ClassVar[bool] = True
    fused_with: ClassVar[str | None] = None
    """The last activation whose derivative cancels against this loss's."""
    kink_at_target: ClassVar[bool] = False
    """The derivative jumps where ŷ = y (MAE)."""
    negated: ClassVar[bool] = False
    squared: ClassVar[bool] = False
    """A sum of squares (MSE, SSE): the ½ convention, L = ½Σ(ŷ − y)², applies to it."""
    class_index: ClassVar[bool] = False
    """A target may be given as a class index (stored as its one-hot row)."""

    def cancellation(self) -> Message:
        """Why the fused activation's derivative cancels (for the insights)."""
        return ()

    """ℓ is minus the sum (or mean) of the terms: the cross-entropies, ℓ = −Σ y log ŷ."""

    def value(self, yhat: Array, y: Array) -> Array:
        """ℓₙ for each sample: shape (N,)."""
        raise NotImplementedError

    def half_ratio(self, outputs: int, scale: float) -> float | None:
        """What the ½ convention L = ½Σₖ(ŷₖ − yₖ)² is, as a multiple of this loss scaled by
        ``scale`` over ``outputs`` outputs (None: the convention is not about this loss)."""
        return None

    def grad(self, yhat: Array, y: Array) -> Array:
        """∂ℓₙ/∂ŷ: shape (N, K)."""
        raise NotImplementedError

    def fused_value(self, z: Array, y: Array) -> Array:
        raise NotImplementedError

    def fused_delta(self, yhat: Array, y: Array) -> Array:
        """∂ℓₙ/∂z through the fused activation: (ŷ − y), divided by K for a mean."""
        return (yhat - y) / (y.shape[-1] if self.mean_over_outputs else 1)

    def output_error(self, yhat: Array) -> str | None:
        """What is wrong with outputs this loss cannot take (None: nothing)."""
        return None

    def target_error(self, y: Array) -> str | None:
        """What a target must be for this loss, if ``y`` is not (None: it is fine)."""
        return None

    def clamped(self, yhat: Array, y: Array) -> bool:
        """Whether a log was clamped at −100 (non-fused cross-entropies)."""
        return False

    def term(self, yhat: Expr, y: Expr) -> Expr:
        """The per-output summand of ℓ (of −ℓ where ``negated``)."""
        raise NotImplementedError

    def term_grad(self, yhat: Expr, y: Expr) -> Expr:
        """∂ term/∂ŷₖ."""
        raise NotImplementedError

    def fused_term(self, yhat: Expr, y: Expr) -> Expr:
        """∂ term/∂zₖ through the fused activation: ŷₖ − yₖ."""
        return Sub(yhat, y)


@dataclass(frozen=True)
class MSE(Loss):
    name = "mse"
    aliases: ClassVar[tuple[str, ...]] = ("mean_squared_error", "squared_error")
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
    aliases: ClassVar[tuple[str, ...]] = ("sum_squared_error",)
    abbreviation = "SSE"
    title = "sum of squared errors"
    mean_over_outputs = False

    def value(self, yhat: Array, y: Array) -> Array:
        return np.sum(np.square(yhat - y), axis=-1)

    def grad(self, yhat: Array, y: Array) -> Array:
        return 2.0 * (yhat - y)


@dataclass(frozen=True)
class MAE(Loss):
    name = "mae"
    aliases: ClassVar[tuple[str, ...]] = ("mean_absolute_error", "l1")
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


@dataclass(frozen=True)
class BinaryCrossEntropy(Loss):
    name = "binary_cross_entropy"
    abbreviation = "BCE"
    title = "binary cross-entropy"
    aliases = ("bce", "binary_crossentropy")
    fused_with = "sigmoid"
    negated = True

    def value(self, yhat: Array, y: Array) -> Array:
        terms = -(y * _clamped_log(yhat) + (1.0 - y) * _clamped_log(1.0 - yhat))
        return np.mean(terms, axis=-1)

    def grad(self, yhat: Array, y: Array) -> Array:
        # ∂/∂ŷ −[y log ŷ + (1−y) log(1−ŷ)] = −y/ŷ + (1−y)/(1−ŷ), 0 where a log is clamped
        g = -y * _inverse_where_logged(yhat) + (1.0 - y) * _inverse_where_logged(1.0 - yhat)
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
        low = (_clamped_log(yhat) <= LOG_FLOOR) & (y > 0)
        high = (_clamped_log(1.0 - yhat) <= LOG_FLOOR) & (y < 1)
        return bool(np.any(low | high))

    def term(self, yhat: Expr, y: Expr) -> Expr:
        first = Mul((y, Call("log", (yhat,))), dot=False)
        second = Mul((Sub(_ONE, y), Call("log", (Sub(_ONE, yhat),))), dot=False)
        return Add((first, second))

    def term_grad(self, yhat: Expr, y: Expr) -> Expr:
        return Frac(Sub(yhat, y), Mul((yhat, Sub(_ONE, yhat)), dot=False))

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
    aliases = (
        "ce",
        "categorical_cross_entropy",
        "categorical_crossentropy",
        "cross_entropy_loss",
        "softmax_cross_entropy",
    )
    mean_over_outputs = False
    fused_with = "softmax"
    negated = True

    def value(self, yhat: Array, y: Array) -> Array:
        return -np.sum(y * _clamped_log(yhat), axis=-1)

    def grad(self, yhat: Array, y: Array) -> Array:
        return -y * _inverse_where_logged(yhat)  # ∂/∂ŷₖ −Σ y log ŷ = −yₖ/ŷₖ

    def fused_value(self, z: Array, y: Array) -> Array:
        return -np.sum(y * log_softmax(z), axis=-1)

    def output_error(self, yhat: Array) -> str | None:
        if np.all(yhat >= 0.0):
            return None
        return "outputs ŷ ≥ 0 (cross-entropy takes probabilities; use a softmax output layer)"

    def target_error(self, y: Array) -> str | None:
        if np.all(y >= 0.0) and np.allclose(np.sum(y, axis=-1), 1.0, rtol=0.0, atol=1e-6):
            return None
        return "a class index or a probability vector (non-negative, summing to 1)"

    def clamped(self, yhat: Array, y: Array) -> bool:
        return bool(np.any((_clamped_log(yhat) <= LOG_FLOOR) & (y > 0)))

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


LOSS_TYPES: tuple[type[Loss], ...] = (MSE, SSE, MAE, BinaryCrossEntropy, CrossEntropy)


LOSS_NEAR_MISSES: dict[str, str] = {
    # nll becomes a loss of its own with the training work; until then it is cross_entropy.
    "nll": "write cross_entropy: after a softmax it is −log ŷ of the class index",
    "l2": "write mse for the mean of (ŷ − y)², or {name: sse, scale: 0.5} for ½Σ(ŷ − y)²",
    "log_loss": "write binary_cross_entropy after a sigmoid, or cross_entropy after a softmax",
}
"""Loss names this tool does not take, because it spells them otherwise or they mean more
than one loss: what to write instead."""
