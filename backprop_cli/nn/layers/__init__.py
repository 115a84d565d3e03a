"""The layer kinds, one module each, in a registry keyed by SPEC section 4's ``type``.

Adding a kind is one module beside these and one line here; see `base` for
what a kind answers. The kinds a layer without ``type`` can be (`IMPLIED`) are
imported with the package; every other kind's module only when a problem names
it (`registry.Registry`), so start-up pays only for the kinds in use.
"""

from __future__ import annotations

from collections.abc import Mapping

from backprop_cli.nn.layers.activation import ACTIVATION
from backprop_cli.nn.layers.base import Layer, LayerKind
from backprop_cli.nn.layers.dense import DENSE
from backprop_cli.nn.registry import Registry

IMPLIED: tuple[LayerKind, ...] = (DENSE, ACTIVATION)
"""The kinds a layer's keys imply without ``type``, in the order they are asked: a layer
with ``weights`` or ``units`` is dense, one with only ``activation`` an activation layer."""

LAYER_KINDS: Registry[LayerKind] = Registry(
    __name__,
    {
        **{kind.name: kind for kind in IMPLIED},
        "batch_norm": "batch_norm.BATCH_NORM",
        "dropout": "dropout.DROPOUT",
        "layer_norm": "layer_norm.LAYER_NORM",
        "flatten": "flatten.FLATTEN",
        "conv1d": "conv.CONV1D",
        "conv2d": "conv.CONV2D",
        "max_pool1d": "pool.MAX_POOL1D",
        "max_pool2d": "pool.MAX_POOL2D",
        "avg_pool1d": "pool.AVG_POOL1D",
        "avg_pool2d": "pool.AVG_POOL2D",
        "rnn": "recurrent.RNN",
        "lstm": "recurrent.LSTM",
        "gru": "recurrent.GRU",
    },
)


FALLBACK: LayerKind = ACTIVATION
"""A mapping of no kind is read as an activation layer, whose messages say what it lacks."""


def implied_kind(value: Mapping[str, object]) -> LayerKind:
    """The kind of a layer mapping without ``type``: the first whose keys it holds."""
    return next((kind for kind in IMPLIED if kind.implied_by(value)), FALLBACK)


__all__ = ["IMPLIED", "LAYER_KINDS", "Layer", "LayerKind", "implied_kind"]
