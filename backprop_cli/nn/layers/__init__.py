"""The layer kinds, one module each, in a registry keyed by SPEC section 4's ``type``.

Adding a kind is one module beside these and one line here; see `base` for
what a kind answers.
"""

from __future__ import annotations

from collections.abc import Mapping

from backprop_cli.nn.layers.activation import ACTIVATION
from backprop_cli.nn.layers.base import Layer, LayerKind
from backprop_cli.nn.layers.batch_norm import BATCH_NORM
from backprop_cli.nn.layers.dense import DENSE
from backprop_cli.nn.layers.dropout import DROPOUT
from backprop_cli.nn.layers.flatten import FLATTEN
from backprop_cli.nn.layers.layer_norm import LAYER_NORM
from backprop_cli.nn.layers.pool import AVG_POOL1D, AVG_POOL2D, MAX_POOL1D, MAX_POOL2D

LAYER_KINDS: dict[str, LayerKind] = {
    kind.name: kind
    for kind in (
        DENSE,
        ACTIVATION,
        BATCH_NORM,
        DROPOUT,
        LAYER_NORM,
        FLATTEN,
        MAX_POOL1D,
        MAX_POOL2D,
        AVG_POOL1D,
        AVG_POOL2D,
    )
}


FALLBACK: LayerKind = ACTIVATION
"""A mapping of no kind is read as an activation layer, whose messages say what it lacks."""


def implied_kind(value: Mapping[str, object]) -> LayerKind:
    """The kind of a layer mapping without ``type``: the first whose keys it holds."""
    return next((kind for kind in LAYER_KINDS.values() if kind.implied_by(value)), FALLBACK)


__all__ = ["LAYER_KINDS", "Layer", "LayerKind", "implied_kind"]
