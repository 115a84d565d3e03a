"""The ``loss`` key: a name, or ``{name, scale, reduction, …}`` with the loss's own options
(``margin`` of the hinge, ``delta`` of Huber), read into a `LossSpec`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from backprop_cli.load import fields as keys
from backprop_cli.load.reader import MISSING, Reader
from backprop_cli.nn import LOSS_NAMES, LOSS_NEAR_MISSES, LOSSES, Loss
from backprop_cli.nn.losses import loss_types
from backprop_cli.records import dataclass

REDUCTIONS = ("mean", "sum")
"""Over the samples: their mean (the default, as PyTorch) or their sum."""


@dataclass(frozen=True)
class LossSpec:
    """The loss and how it is taken over the samples: L = s·(1/N)Σₙ ℓₙ, or s·Σₙ ℓₙ summed."""

    function: Loss
    scale: float = 1.0
    reduction: str = "mean"
    over: int | None = None
    """What the mean divides by when it is not the rows of the output: the samples of a
    sequence whose loss sums its steps (`Loss.sums_steps`)."""

    def count(self, rows: int) -> int:
        """N of the mean: the samples (``rows`` of the output, or ``over``)."""
        return self.over or rows

    @property
    def averaged(self) -> bool:
        """The loss is the mean over the samples (the 1/N is in it)."""
        return self.reduction == "mean"

    def total(self, per_sample: np.ndarray) -> np.ndarray:
        """L from each sample's ℓₙ: s·(1/N)Σₙ ℓₙ, or s·Σₙ ℓₙ."""
        return np.asarray(
            self.scale
            * (
                np.sum(per_sample) / self.count(per_sample.size)
                if self.averaged
                else np.sum(per_sample)
            )
        )

    def weight(self, samples: int) -> float:
        """What ∂ℓₙ/∂ŷ is multiplied by in ∂L/∂ŷ: s/N for the mean, s for the sum."""
        return self.scale / self.count(samples) if self.averaged else self.scale


def over_steps(spec: LossSpec, samples: int, rows: int) -> LossSpec:
    """The loss of ``samples`` sequences giving ``rows`` rows: a loss that sums its steps
    (SSE) takes its mean over the samples, not over the rows."""
    return replace(spec, over=samples) if rows > samples and spec.function.sums_steps else spec


def read_loss(r: Reader, value: Any) -> LossSpec:
    """The loss of ``loss: VALUE``."""
    path: tuple[str, ...] = ("loss",)
    if not isinstance(value, dict):
        return LossSpec(_function(r, value, path).configured({}))
    function = _function(r, value.get("name", MISSING), (*path, "name"))
    options = {option.key: option for option in function.options}
    allowed = (*keys.LOSS, *options)
    others = {  # a key of another loss: which loss takes it (only a wrong key imports them)
        o.key: f"the loss {kind.name}, which takes {o.key}"
        for kind in (loss_types() if set(value) - set(allowed) else ())
        for o in kind.options
        if o.key not in options
    }
    r.keys(value, path, allowed, others)
    scale = 1.0
    if "scale" in value:
        scale = r.positive(value["scale"], (*path, "scale"), "a scale > 0")
    reduction = "mean"
    if "reduction" in value:
        reduction = r.choice(
            value["reduction"], (*path, "reduction"), "a reduction over the samples", REDUCTIONS
        )
    read: dict[str, float | bool] = {}
    for key, option in options.items():
        if key not in value:
            continue
        where = (*path, key)
        if isinstance(option.default, bool):
            if not isinstance(value[key], bool):
                raise r.fail(where, "true or false", value[key])
            read[key] = value[key]
            continue
        bound = f"{'>' if option.strict else '≥'} {option.minimum:g}"
        number = r.number(value[key], where, f"a number {bound}")
        if number < option.minimum or (option.strict and number == option.minimum):
            raise r.fail(where, f"a number {bound}", value[key])
        read[key] = number
    return LossSpec(function.configured(read), scale, reduction)


def _function(r: Reader, value: Any, path: tuple[str, ...]) -> type[Loss]:
    name = r.choice(
        value, path, "a loss name", tuple(LOSSES), shown=LOSS_NAMES, near_misses=LOSS_NEAR_MISSES
    )
    return LOSSES[name]
