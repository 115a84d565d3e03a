"""Loss functions, one module per family, in a registry by name and alias.

A new loss is one class beside these (see `base` for what a loss answers) and one line
of ``LOSS_ENTRIES``: its name, where it lives and its aliases. A module is imported the
first time a problem names one of its losses, so start-up pays only for the loss in use.
"""

from __future__ import annotations

from backprop_cli.nn.losses.base import LOG_FLOOR, Loss, LossMistake, LossOption
from backprop_cli.nn.registry import Registry

LOSS_ENTRIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "mse": ("squared.MSE", ("mean_squared_error", "squared_error")),
    "sse": ("squared.SSE", ("sum_squared_error",)),
    "mae": ("absolute.MAE", ("mean_absolute_error", "l1")),
    "binary_cross_entropy": ("cross_entropy.BinaryCrossEntropy", ("bce", "binary_crossentropy")),
    "cross_entropy": (
        "cross_entropy.CrossEntropy",
        (
            "ce",
            "categorical_cross_entropy",
            "categorical_crossentropy",
            "cross_entropy_loss",
            "softmax_cross_entropy",
        ),
    ),
    "hinge": ("hinge.Hinge", ("multiclass_hinge", "svm", "multi_margin")),
    "huber": ("huber.Huber", ("huber_loss",)),
    "smooth_l1": ("huber.SmoothL1", ("smooth_l1_loss",)),
    "kl_div": ("kl_div.KLDivergence", ("kl_divergence", "kl", "kullback_leibler")),
    "nll": ("nll.NegativeLogLikelihood", ("negative_log_likelihood", "nll_loss")),
}
"""Each loss by its own name: the module and class it lives in, and its aliases."""

LOSSES: Registry[type[Loss]] = Registry(
    __name__,
    {alias: where for name, (where, aliases) in LOSS_ENTRIES.items() for alias in (name, *aliases)},
)
"""Every loss name and alias → its class (imported on first use)."""

LOSS_NAMES = tuple(sorted(LOSS_ENTRIES))
"""The losses by their own names (as messages list them; aliases are accepted too)."""

LOSS_NEAR_MISSES: dict[str, str] = {
    "l2": "write mse for the mean of (ŷ − y)², or {name: sse, scale: 0.5} for ½Σ(ŷ − y)²",
    "log_loss": "write binary_cross_entropy after a sigmoid, or cross_entropy after a softmax",
}
"""Loss names this tool does not take, because it spells them otherwise or they mean more
than one loss: what to write instead."""


def loss_types() -> tuple[type[Loss], ...]:
    """Every loss class, each once, in the order of ``LOSS_ENTRIES`` (imports them all)."""
    return tuple(LOSSES[name] for name in LOSS_ENTRIES)


__all__ = [
    "LOG_FLOOR",
    "LOSSES",
    "LOSS_ENTRIES",
    "LOSS_NAMES",
    "LOSS_NEAR_MISSES",
    "Loss",
    "LossMistake",
    "LossOption",
    "loss_types",
]
