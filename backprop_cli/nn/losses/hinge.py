"""The multiclass hinge (SVM) loss, as CS231n writes it.

For a sample of class y and scores ŷ (the last layer's output, usually with no
activation), with margin Δ:

    ℓ = Σ_{k≠y} max(0, ŷₖ − ŷ_y + Δ)
    ∂ℓ/∂ŷₖ = 𝟙[ŷₖ − ŷ_y + Δ > 0]            (k ≠ y)
    ∂ℓ/∂ŷ_y = −Σ_{k≠y} 𝟙[ŷₖ − ŷ_y + Δ > 0]

A margin met exactly (ŷₖ − ŷ_y + Δ = 0) passes no gradient, as PyTorch's
MultiMarginLoss. ``divide_by_classes: true`` divides ℓ by the K classes, which
is MultiMarginLoss itself (CS231n's loss is K times it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import ClassVar

import numpy as np

from backprop_cli.expr import (
    Add,
    Call,
    Cases,
    Expr,
    Message,
    Neg,
    Num,
    Partial,
    Rel,
    Since,
    Sub,
    Sum,
    Sym,
    num,
    total,
)
from backprop_cli.nn.losses.base import Array, Loss, LossMistake, LossOption
from backprop_cli.records import dataclass

NOISE = 64 * float(np.finfo(float).eps)
"""Relative rounding noise of a margin ŷₖ − ŷ_y + Δ, scores being sums of products."""


def _classes(y: Array) -> Array:
    """Each sample's class: where its (one-hot) target is 1."""
    return np.argmax(y, axis=-1)


@dataclass(frozen=True)
class Hinge(Loss):
    name = "hinge"
    abbreviation = "SVM"
    title = "multiclass hinge loss"
    class_index = True
    mean_over_outputs = False
    options: ClassVar[tuple[LossOption, ...]] = (
        LossOption(
            "margin",
            1.0,
            "Δ ≥ 0: the margin each wrong class must stay below (default 1).",
            strict=False,
        ),
        LossOption(
            "divide_by_classes",
            False,
            "true: divide by the K classes, as PyTorch's MultiMarginLoss (default false, as CS231n).",
        ),
    )
    margin: float = 1.0
    counts_own_class: bool = False
    """Σ over every k, k = y too (only for the mistake of counting it: it adds Δ)."""

    def margins(self, yhat: Array, y: Array) -> Array:
        """ŷₖ − ŷ_y + Δ for every class (0 at the sample's own class); a margin that is 0 but
        for the rounding of the scores is 0, met exactly, as it is on paper."""
        own = np.take_along_axis(yhat, _classes(y)[:, None], axis=-1)
        m = yhat - own + self.margin
        noise = NOISE * (np.abs(yhat) + np.abs(own) + self.margin)
        m = np.where(np.abs(m) <= noise, 0.0, m)
        return m if self.counts_own_class else np.where(y == 1.0, 0.0, m)

    def _per_class(self, y: Array) -> float:
        return float(y.shape[-1]) if self.mean_over_outputs else 1.0

    def value(self, yhat: Array, y: Array) -> Array:
        return np.sum(np.maximum(self.margins(yhat, y), 0.0), axis=-1) / self._per_class(y)

    def grad(self, yhat: Array, y: Array) -> Array:
        violated = (self.margins(yhat, y) > 0.0) & (y != 1.0)
        g = violated.astype(float)
        g -= y * np.sum(violated, axis=-1, keepdims=True)  # the own class: −(violations)
        return g / self._per_class(y)

    def target_error(self, y: Array) -> str | None:
        if np.sum(y == 1.0) == 1 and np.sum(y == 0.0) == y.size - 1:
            return None
        return "a class index (the hinge loss takes the class, or its one-hot vector)"

    def _margin(self, yhat: Sequence[Expr], k: int, c: int) -> Expr:
        return Add((Sub(yhat[k], yhat[c]), num(self.margin)))

    def terms(self, yhat: Sequence[Expr], y: Sequence[Expr], target: Array) -> list[Expr]:
        c = int(np.argmax(target))
        ks = [k for k in range(len(yhat)) if k != c or self.counts_own_class]
        return [Call("max", (num(0), self._margin(yhat, k, c))) for k in ks] or [num(0)]

    def generic_sum(self) -> Expr:
        body = Add((Sub(Sym("yhat", ("k",)), Sym("yhat", ("y",))), num(self.margin)))
        return Sub(Sum(Call("max", (num(0), body)), "k"), num(self.margin))

    def _indicator(self, yhat: Sequence[Expr], k: int, c: int) -> Expr:
        """𝟙[ŷₖ − ŷ_c + Δ > 0]: with numbers the value and why, with symbols both cases."""
        m, own, other = self._margin(yhat, k, c), yhat[c], yhat[k]
        if isinstance(own, Num) and isinstance(other, Num):
            if other.value - own.value + self.margin > 0:
                return Since(num(1), Rel(m, ">", num(0)))
            return Since(num(0), Rel(m, "≤", num(0)))
        return Cases(((num(1), Rel(m, ">", num(0))), (num(0), None)))

    def output_grad(self, yhat: Sequence[Expr], y: Sequence[Expr], k: int, target: Array) -> Expr:
        c = int(np.argmax(target))
        if k != c:
            return self._indicator(yhat, k, c)
        others = [self._indicator(yhat, j, c) for j in range(len(yhat)) if j != c]
        # with numbers, each 1 or 0 alone: each wrong class's own step says why
        others = [o.value if isinstance(o, Since) else o for o in others]
        return Neg(total(others)) if others else num(0)

    def vector_grad(self, yhat: Expr, y: Expr) -> Expr:
        return Partial(Sym("ell"), yhat)  # one indicator per class: written out per element

    def kinks(self, yhat: Array, y: Array) -> Array | None:
        return self.margins(yhat, y)

    def convention(self, outputs: int) -> Message:
        divided = (
            f", divided by the {outputs} classes (PyTorch's MultiMarginLoss)"
            if self.mean_over_outputs
            else " (CS231n's SVM loss; PyTorch's MultiMarginLoss divides it by the K classes)"
        )
        return (
            f"Multiclass hinge with margin Δ = {self.margin:g}: ℓ = Σ over the wrong classes "
            f"k ≠ y of max(0, ŷₖ − ŷ_y + {self.margin:g}){divided}. Each wrong class whose "
            "margin is violated adds 1 to its own ∂ℓ/∂ŷₖ and −1 to the true class's; a margin "
            "met exactly passes no gradient.",
        )

    def insights(self, yhat: Array, y: Array) -> Iterator[tuple[str, Message]]:
        met = np.all(self.margins(yhat, y) <= 0.0, axis=-1)
        if np.all(met):
            yield (
                "hinge_margins_met",
                (
                    f"Every wrong class is at least Δ = {self.margin:g} below the true one: the "
                    "hinge loss is 0 and passes no gradient back, so no parameter changes (unlike "
                    "cross-entropy, which keeps pushing the true class's probability up).",
                ),
            )
        elif np.any(met):
            yield (
                "hinge_margins_met",
                (
                    f"{int(np.sum(met))} of the {met.size} samples meet every margin: they add "
                    "nothing to the loss and no gradient.",
                ),
            )

    def mistakes(self) -> tuple[LossMistake, ...]:
        return (
            LossMistake(
                "hinge_own_class_counted",
                "the true class counted in the hinge sum",
                replace(self, counts_own_class=True),
                (
                    f"The sum runs over k = y too, which adds max(0, Δ) = {self.margin:g} per "
                    "sample: the hinge loss sums over the wrong classes k ≠ y only.",
                ),
            ),
        )

    @classmethod
    def configured(cls, options: Mapping[str, float | bool]) -> Loss:
        margin = float(options.get("margin", 1.0))
        return MultiMargin(margin) if options.get("divide_by_classes") else cls(margin)


@dataclass(frozen=True)
class MultiMargin(Hinge):
    """The hinge loss divided by the K classes: PyTorch's MultiMarginLoss."""

    title = "multiclass hinge loss over the classes"
    mean_over_outputs = True
