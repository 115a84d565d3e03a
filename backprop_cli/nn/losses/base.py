"""What every loss answers: value, derivative and formula side by side.

Arrays are (N samples × K outputs). A loss gives the per-sample value ℓₙ
(``value``) and its derivative ∂ℓₙ/∂ŷ (``grad``); the engine averages (or sums,
``reduction: sum``) over samples and applies the scale: L = s·(1/N)Σₙ ℓₙ.

Each per-sample loss is a sum or mean over outputs of a per-output ``term``:
ℓ = (1/K)Σₖ term(ŷₖ, yₖ) when ``mean_over_outputs``, else Σₖ term(ŷₖ, yₖ).

Where the last activation is ``fused_with``, the loss is computed from the
logits z and ∂ℓ/∂z = (ŷ − y)/K (or ŷ − y) directly (``fused_value``,
``fused_delta``): finite for every finite logit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import ClassVar

import numpy as np

from backprop_cli.expr import Expr, Message, Sub, Sum, Sym, num
from backprop_cli.records import dataclass

L, YHAT, Y, Z = Sym("L"), Sym("yhat"), Sym("y"), Sym("z")

Array = np.ndarray
LOG_FLOOR = -100.0
"""Each log of a non-fused cross-entropy is clamped here, as PyTorch's BCELoss does."""
ONE = num(1)


def clamped_log(p: Array) -> Array:
    """max(log p, −100), with log 0 = −∞ clamped too."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.maximum(np.log(p), LOG_FLOOR)


def inverse_where_logged(p: Array) -> Array:
    """1/p where log p is above the clamp (elsewhere the clamped log is flat: 0)."""
    alive = clamped_log(p) > LOG_FLOOR
    return np.where(alive, 1.0 / np.where(alive, p, 1.0), 0.0)


@dataclass(frozen=True)
class Loss:
    name: ClassVar[str]
    abbreviation: ClassVar[str]
    title: ClassVar[str]
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
    sums_steps: ClassVar[bool] = False
    """Over a sequence (a row per time step) the loss of a sample sums its steps as it sums its
    outputs (SSE: Σ over the T·K outputs, then the mean over the N samples); otherwise each
    step is a prediction of its own and the mean is over the N·T rows (MSE, cross-entropy)."""
    options: ClassVar[tuple[LossOption, ...]] = ()
    """The keys this loss takes in its mapping form, with their defaults."""
    given: ClassVar[bool] = False
    """No loss: the file gives ∂L/∂ŷ (``upstream``), stored where a target would be."""

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

    # --- the per-sample formula, for losses that are not one term per output ---------

    def terms(self, yhat: Sequence[Expr], y: Sequence[Expr], target: Array) -> list[Expr]:
        """The summands of ℓ (of −ℓ where ``negated``) for one sample whose target row is
        ``target``: one ``term`` per output, unless the loss picks its own (a class's)."""
        return [self.term(a, b) for a, b in zip(yhat, y, strict=True)]

    def generic_sum(self) -> Expr:
        """The sum over outputs with a generic index, for outputs too many to write out."""
        return Sum(self.term(Sym("yhat", ("k",)), Sym("y", ("k",))), "k", num(1), Sym("K"))

    def output_grad(self, yhat: Sequence[Expr], y: Sequence[Expr], k: int, target: Array) -> Expr:
        """∂(the sum of ``terms``)/∂ŷₖ for one sample: ``term_grad`` of output k itself."""
        return self.term_grad(yhat[k], y[k])

    def vector_grad(self, yhat: Expr, y: Expr) -> Expr:
        """∂ℓ/∂ŷ of the whole vector (before the scale and the means), element-wise."""
        return self.term_grad(yhat, y)

    def kinks(self, yhat: Array, y: Array) -> Array | None:
        """Values whose sign change is a kink of ℓ (None: ℓ is smooth), for the gradient
        check: an output whose nudge changes a sign is not differentiable there."""
        return (yhat - y) if self.kink_at_target else None

    def convention(self, outputs: int) -> Message:
        """The loss's own convention, stated with the solution (empty: none to state)."""
        return ()

    def insights(self, yhat: Array, y: Array) -> Iterator[tuple[str, Message]]:
        """What is worth a student's attention in this loss's values: (kind, message)."""
        return iter(())

    def mistakes(self) -> tuple[LossMistake, ...]:
        """This loss's own common mistakes, each the loss made with it."""
        return ()

    @classmethod
    def configured(cls, options: Mapping[str, float | bool]) -> Loss:
        """The loss with ``options`` (its `LossOption` keys, read from the file)."""
        return cls(**options)


@dataclass(frozen=True)
class LossOption:
    """A key of the loss's mapping form (``loss: {name: hinge, margin: 2}``)."""

    key: str
    default: float | bool
    """A number (read as ``minimum`` or more) or a boolean (true or false)."""
    meaning: str
    minimum: float = 0.0
    strict: bool = True
    """The number must be greater than ``minimum`` (else at least it)."""


@dataclass(frozen=True)
class LossMistake:
    """A common mistake in a loss, for ``check``'s diagnosis: the loss made with it gives
    the wrong loss (and, where its derivative changes, the wrong δ of the output layer)."""

    kind: str
    title: str
    mistaken: Loss
    explanation: Message
