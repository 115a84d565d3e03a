"""The Kullback–Leibler divergence of the output from the target, KL(y‖ŷ).

    ℓ = Σₖ yₖ (log yₖ − log ŷₖ),      0·log 0 = 0,      ∂ℓ/∂ŷₖ = −yₖ/ŷₖ

ŷ is a probability vector (a softmax output); after a softmax it is computed
from the logits and δ = ŷ − y, as for the cross-entropy (KL is the
cross-entropy minus the target's entropy, a constant). It is PyTorch's
``kl_div(log ŷ, y, reduction="sum")`` of each sample, and averaged over the
samples ``reduction="batchmean"``. Each log ŷ is clamped at −100, as the
cross-entropy's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from backprop_cli.expr import Call, Expr, Frac, Message, Mul, Neg, Sub
from backprop_cli.nn.functions import log_softmax
from backprop_cli.nn.losses.base import Array, clamped_log
from backprop_cli.nn.losses.cross_entropy import CrossEntropy
from backprop_cli.records import dataclass


def _entropy_terms(y: Array) -> Array:
    """yₖ log yₖ, 0 where yₖ = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0)), 0.0)


@dataclass(frozen=True)
class KLDivergence(CrossEntropy):
    name = "kl_div"
    abbreviation = "KL"
    title = "Kullback–Leibler divergence"
    class_index = False
    negated = False

    def value(self, yhat: Array, y: Array) -> Array:
        return np.sum(_entropy_terms(y) - np.where(y > 0, y * clamped_log(yhat), 0.0), axis=-1)

    def fused_value(self, z: Array, y: Array) -> Array:
        return np.sum(_entropy_terms(y) - np.where(y > 0, y * log_softmax(z), 0.0), axis=-1)

    def target_error(self, y: Array) -> str | None:
        if np.all(y >= 0.0) and np.allclose(np.sum(y, axis=-1), 1.0, rtol=0.0, atol=1e-6):
            return None
        return "a probability vector (non-negative, summing to 1) for the KL divergence"

    def term(self, yhat: Expr, y: Expr) -> Expr:
        return Mul((y, Sub(Call("log", (y,)), Call("log", (yhat,)))), dot=False)

    def terms(self, yhat: Sequence[Expr], y: Sequence[Expr], target: Array) -> list[Expr]:
        # 0·log 0 = 0: a class the target gives no probability adds nothing
        kept = [k for k in range(len(yhat)) if target[k] > 0]
        return [self.term(yhat[k], y[k]) for k in kept]

    def term_grad(self, yhat: Expr, y: Expr) -> Expr:
        return Neg(Frac(y, yhat))

    def convention(self, outputs: int) -> Message:
        return (
            "KL(y‖ŷ) = Σₖ yₖ(log yₖ − log ŷₖ), with 0·log 0 = 0 (a class of target 0 adds "
            "nothing): PyTorch's kl_div(log ŷ, y) summed over each sample's outputs and "
            "averaged over the samples (reduction='batchmean'). It is the cross-entropy minus "
            "the target's entropy, so its gradients are the cross-entropy's.",
        )

    def cancellation(self) -> Message:
        return (
            "Softmax with the KL divergence: as with cross-entropy the Jacobian cancels and "
            "δ = ŷ − y (the target's entropy Σ y log y is a constant).",
        )
