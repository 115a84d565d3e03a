"""Registries of activations and losses, by name and alias.

A new activation or loss is one class in ``activations.py`` or ``losses.py``
added to its ``*_TYPES`` tuple; nothing else changes.
"""

from __future__ import annotations

from backprop_cli.nn.activations import ACTIVATION_TYPES, Activation
from backprop_cli.nn.losses import LOSS_NEAR_MISSES, LOSS_TYPES, Loss

ACTIVATIONS: dict[str, type[Activation]] = {
    name: kind for kind in ACTIVATION_TYPES for name in (kind.name, *kind.aliases)
}
"""Every activation name and alias → its class; ``ACTIVATIONS[name]()`` has the defaults."""

LOSSES: dict[str, type[Loss]] = {
    name: kind for kind in LOSS_TYPES for name in (kind.name, *kind.aliases)
}
"""Every loss name and alias → its class."""

LOSS_NAMES = tuple(sorted(kind.name for kind in LOSS_TYPES))
"""The losses by their own names (as messages list them; aliases are accepted too)."""

__all__ = ["ACTIVATIONS", "LOSSES", "LOSS_NAMES", "LOSS_NEAR_MISSES", "Activation", "Loss"]
