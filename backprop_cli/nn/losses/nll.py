"""The negative log-likelihood of the target class: ℓ = −log ŷ_y.

ŷ are probabilities (a softmax output) and the target a class index. After a
softmax it is the cross-entropy of a class index, computed from the logits
(δ = ŷ − y); PyTorch's ``nll_loss`` takes log-probabilities, so ℓ here is
``nll_loss(log ŷ, y)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from backprop_cli.expr import Call, Expr, Frac, Message, Neg, Sym, num
from backprop_cli.nn.losses.base import Array
from backprop_cli.nn.losses.cross_entropy import CrossEntropy
from backprop_cli.records import dataclass


@dataclass(frozen=True)
class NegativeLogLikelihood(CrossEntropy):
    name = "nll"
    abbreviation = "NLL"
    title = "negative log-likelihood"

    def target_error(self, y: Array) -> str | None:
        if np.sum(y == 1.0) == 1 and np.sum(y == 0.0) == y.size - 1:
            return None
        return "a class index (the negative log-likelihood takes the class, or its one-hot vector)"

    def terms(self, yhat: Sequence[Expr], y: Sequence[Expr], target: Array) -> list[Expr]:
        return [Call("log", (yhat[int(np.argmax(target))],))]

    def generic_sum(self) -> Expr:
        return Call("log", (Sym("yhat", ("y",)),))

    def output_grad(self, yhat: Sequence[Expr], y: Sequence[Expr], k: int, target: Array) -> Expr:
        return Neg(Frac(num(1), yhat[k])) if k == int(np.argmax(target)) else num(0)

    def convention(self, outputs: int) -> Message:
        return (
            "NLL: ℓ = −log ŷ_y of the target class's probability (PyTorch's nll_loss takes "
            "log ŷ); after a softmax it equals the cross-entropy.",
        )
