"""Huber and smooth L1: squared near the target, linear beyond a threshold.

Huber (PyTorch's ``HuberLoss(delta=δ)``), per output with d = ŷₖ − yₖ:

    ½d²            if |d| < δ
    δ(|d| − ½δ)    otherwise,       derivative clip(d, −δ, δ) = max(−δ, min(δ, d))

Smooth L1 (``SmoothL1Loss(beta=β)``) is Huber with δ = β divided by β:
½d²/β if |d| < β, else |d| − ½β; derivative max(−1, min(1, d/β)). Both are
the mean over the K outputs. The derivative is continuous at |d| = δ (there
the branches meet: both give ±δ), so the gradient check has no kink to skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import ClassVar

import numpy as np

from backprop_cli.expr import (
    Abs,
    Call,
    Cases,
    Expr,
    Frac,
    Message,
    Mul,
    Num,
    Pow,
    Rel,
    Since,
    Sub,
    num,
)
from backprop_cli.nn.losses.base import Array, Loss, LossMistake, LossOption
from backprop_cli.records import dataclass

HALF = Frac(num(1), num(2))


def _times(factor: float, e: Expr) -> Expr:
    """factor·e, or e alone for a factor of 1."""
    return e if factor == 1 else Mul((num(factor), e))


def _picked(d: Expr, threshold: float, near: Expr, far: Expr) -> Expr:
    """The branch of a piecewise term: with numbers the one that holds (and why), with
    symbols both."""
    inside = Rel(Abs(d), "<", num(threshold))
    if isinstance(d, Sub) and isinstance(d.left, Num) and isinstance(d.right, Num):
        below = abs(d.left.value - d.right.value) < threshold
        return Since(near, inside) if below else Since(far, Rel(Abs(d), "≥", num(threshold)))
    return Cases(((near, inside), (far, None)))


@dataclass(frozen=True)
class Huber(Loss):
    name = "huber"
    abbreviation = "Huber"
    title = "Huber loss"
    options: ClassVar[tuple[LossOption, ...]] = (
        LossOption("delta", 1.0, "δ > 0: where the square turns into a straight line (default 1)."),
    )
    delta: float = 1.0
    half: bool = True
    """½d² inside (False only for the mistake of leaving the ½ out)."""

    def value(self, yhat: Array, y: Array) -> Array:
        d, t = yhat - y, self.delta
        inner = (0.5 if self.half else 1.0) * d * d
        return np.mean(np.where(np.abs(d) < t, inner, t * (np.abs(d) - 0.5 * t)), axis=-1)

    def grad(self, yhat: Array, y: Array) -> Array:
        d, t = yhat - y, self.delta
        inner = d if self.half else 2.0 * d
        return np.where(np.abs(d) < t, inner, t * np.sign(d)) / y.shape[-1]

    def term(self, yhat: Expr, y: Expr) -> Expr:
        d, t = Sub(yhat, y), self.delta
        return _picked(d, t, Mul((HALF, Pow(d, num(2)))), _times(t, Sub(Abs(d), num(t / 2))))

    def term_grad(self, yhat: Expr, y: Expr) -> Expr:
        d, t = Sub(yhat, y), self.delta
        return _picked(d, t, d, _times(t, Call("sign", (d,))))

    def vector_grad(self, yhat: Expr, y: Expr) -> Expr:
        t = self.delta
        return Call("max", (num(-t), Call("min", (num(t), Sub(yhat, y)))))

    def convention(self, outputs: int) -> Message:
        t = f"{self.delta:g}"
        return (
            f"Huber with δ = {t}, as PyTorch's HuberLoss(delta={t}): ½d² where |d| < {t}, "
            f"else {t}(|d| − {self.delta / 2:g}), d = ŷ − y, mean over the outputs; its "
            f"derivative is d clipped to [−{t}, {t}].",
        )

    def insights(self, yhat: Array, y: Array) -> Iterator[tuple[str, Message]]:
        far = np.abs(yhat - y) >= self.delta
        if np.any(far):
            count = int(np.sum(far))
            yield (
                "huber_linear",
                (
                    f"{count} of the {far.size} errors |ŷ − y| are at least δ = {self.delta:g}: "
                    f"there the Huber loss is linear and its derivative is ±{self.delta:g} "
                    "whatever the size of the error, so an outlier pulls no harder than that "
                    "(MSE would pull in proportion to the error).",
                ),
            )

    def mistakes(self) -> tuple[LossMistake, ...]:
        return (
            LossMistake(
                "huber_half_forgotten",
                "Huber's ½ forgotten",
                replace(self, half=False),
                (
                    "The ½ of the Huber loss's square is left out: inside |d| < δ the loss is "
                    "½d² and its derivative d, not d² and 2d.",
                ),
            ),
        )


@dataclass(frozen=True)
class SmoothL1(Loss):
    name = "smooth_l1"
    abbreviation = "smooth L1"
    title = "smooth L1 loss"
    options: ClassVar[tuple[LossOption, ...]] = (
        LossOption("beta", 1.0, "β > 0: where the square turns into |d| − ½β (default 1)."),
    )
    beta: float = 1.0

    def value(self, yhat: Array, y: Array) -> Array:
        d, b = yhat - y, self.beta
        return np.mean(np.where(np.abs(d) < b, 0.5 * d * d / b, np.abs(d) - 0.5 * b), axis=-1)

    def grad(self, yhat: Array, y: Array) -> Array:
        d, b = yhat - y, self.beta
        return np.where(np.abs(d) < b, d / b, np.sign(d)) / y.shape[-1]

    def term(self, yhat: Expr, y: Expr) -> Expr:
        d, b = Sub(yhat, y), self.beta
        near = Frac(Pow(d, num(2)), num(2 * b))
        return _picked(d, b, near, Sub(Abs(d), num(b / 2)))

    def term_grad(self, yhat: Expr, y: Expr) -> Expr:
        d, b = Sub(yhat, y), self.beta
        return _picked(d, b, Frac(d, num(b)), Call("sign", (d,)))

    def vector_grad(self, yhat: Expr, y: Expr) -> Expr:
        return Call("max", (num(-1), Call("min", (num(1), Frac(Sub(yhat, y), num(self.beta))))))

    def convention(self, outputs: int) -> Message:
        b = f"{self.beta:g}"
        return (
            f"Smooth L1 with β = {b}, as PyTorch's SmoothL1Loss(beta={b}): d²/(2·{b}) where "
            f"|d| < {b}, else |d| − {self.beta / 2:g}, d = ŷ − y, mean over the outputs: the "
            f"Huber loss with δ = {b} divided by {b}.",
        )

    def mistakes(self) -> tuple[LossMistake, ...]:
        if self.beta == 1.0:
            return ()
        return (
            LossMistake(
                "smooth_l1_as_huber",
                "Huber instead of smooth L1",
                Huber(self.beta),
                (
                    f"This is the Huber loss with δ = {self.beta:g}; smooth L1 is that divided "
                    f"by β = {self.beta:g} (PyTorch's SmoothL1Loss), and so is its derivative.",
                ),
            ),
        )
