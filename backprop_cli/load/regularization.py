"""The ``regularization`` key: ``{name: l2, lambda: 0.01}`` (and ``half``, ``include_bias``),
read into a `Regularizer` (SPEC section 5)."""

from __future__ import annotations

from typing import Any

from backprop_cli.load.reader import MISSING, Reader
from backprop_cli.nn.regularizers import REGULARIZERS, Regularizer

PATH = ("regularization",)
NEAR_MISSES = {
    "ridge": "ridge regression's penalty is l2",
    "lasso": "the lasso's penalty is l1",
    "weight_decay": "write l2 (its gradient λW is weight decay), or weight_decay in the optimizer",
}
"""Other names of the penalties: what to write instead."""


def read_regularization(r: Reader, value: Any) -> Regularizer:
    r.mapping(value, PATH, "a penalty: {name: l2 or l1, lambda: λ}")
    name = r.choice(
        value.get("name", MISSING),
        (*PATH, "name"),
        "a penalty's name",
        tuple(REGULARIZERS),
        near_misses=NEAR_MISSES,
    )
    kind = REGULARIZERS[name]
    r.keys(value, PATH, ("name", "lambda", *kind.options))
    if "lambda" not in value:
        raise r.fail((*PATH, "lambda"), "the penalty's strength lambda (λ ≥ 0)", MISSING)
    strength = r.number(value["lambda"], (*PATH, "lambda"), "λ: a number ≥ 0")
    if strength < 0:
        raise r.fail(
            (*PATH, "lambda"), "λ: a number ≥ 0 (a penalty is never negative)", value["lambda"]
        )
    flags: dict[str, bool] = {}
    for key in kind.options:
        if key in value:
            if not isinstance(value[key], bool):
                raise r.fail((*PATH, key), "true or false", value[key])
            flags[key] = value[key]
    return kind(strength, **flags)
