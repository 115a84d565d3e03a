"""Loss functions, one module per family, in a registry by name and alias.

A new loss is one class beside these (see `base` for what a loss answers)
added to ``LOSS_TYPES``; nothing else changes.
"""

from __future__ import annotations

from backprop_cli.nn.losses.absolute import MAE
from backprop_cli.nn.losses.base import LOG_FLOOR, Loss, LossMistake, LossOption
from backprop_cli.nn.losses.cross_entropy import BinaryCrossEntropy, CrossEntropy
from backprop_cli.nn.losses.hinge import Hinge, MultiMargin
from backprop_cli.nn.losses.huber import Huber, SmoothL1
from backprop_cli.nn.losses.kl_div import KLDivergence
from backprop_cli.nn.losses.nll import NegativeLogLikelihood
from backprop_cli.nn.losses.squared import MSE, SSE
from backprop_cli.nn.losses.upstream import GivenUpstream

LOSS_TYPES: tuple[type[Loss], ...] = (
    MSE,
    SSE,
    MAE,
    BinaryCrossEntropy,
    CrossEntropy,
    Hinge,
    Huber,
    SmoothL1,
    KLDivergence,
    NegativeLogLikelihood,
)


LOSS_NEAR_MISSES: dict[str, str] = {
    "l2": "write mse for the mean of (ŷ − y)², or {name: sse, scale: 0.5} for ½Σ(ŷ − y)²",
    "log_loss": "write binary_cross_entropy after a sigmoid, or cross_entropy after a softmax",
}
"""Loss names this tool does not take, because it spells them otherwise or they mean more
than one loss: what to write instead."""

__all__ = [
    "LOG_FLOOR",
    "LOSS_NEAR_MISSES",
    "LOSS_TYPES",
    "MAE",
    "MSE",
    "SSE",
    "BinaryCrossEntropy",
    "CrossEntropy",
    "GivenUpstream",
    "Hinge",
    "Huber",
    "KLDivergence",
    "Loss",
    "LossMistake",
    "LossOption",
    "MultiMargin",
    "NegativeLogLikelihood",
    "SmoothL1",
]
