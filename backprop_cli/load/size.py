"""What solving a problem costs, counted against the size caps (`caps`).

The caps on sizes hold for a problem and all its variants together, and for all
the files of one command: sizes add up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from backprop_cli.load import caps as limits
from backprop_cli.records import dataclass


@dataclass(frozen=True)
class Size:
    """What solving costs, for the size caps: they hold for a problem and its variants
    together, and for all the files of one command."""

    samples: int
    layers: int
    values: int
    """Samples × (input width + all layer widths + what layers hold besides, such as a
    pooling layer's windows): the values of one forward pass."""
    parameters: int
    work: int
    """Steps × max(samples, 8) × parameters."""
    layer_steps: int

    @staticmethod
    def of(
        shape: tuple[int, ...],
        widths: Sequence[int],
        parameters: int,
        steps: int,
        products: int = 0,
        held: int = 0,
    ) -> Size:
        """``products``: multiply-adds per sample beyond one per parameter (a convolution's);
        ``held``: values per sample the layers hold besides their outputs (pooling's windows)."""
        n = shape[0]
        values = n * (math.prod(shape[1:]) + sum(widths) + held)
        work = steps * max(n, 8) * max(parameters + products, 1)
        return Size(n, len(widths), values, parameters, work, steps * len(widths))

    def __add__(self, other: Size) -> Size:
        return Size(*(getattr(self, f) + getattr(other, f) for f in _SIZE_CAPS))

    def over(self) -> tuple[tuple[str, ...], str] | None:
        """The place and message of the first cap exceeded, or None."""
        for name, (key, what, cap) in _SIZE_CAPS.items():
            got = getattr(self, name)
            if got > cap():
                return (key,), f"expected at most {cap():,} {what} (the size cap), got {got:,}"
        return None


_SIZE_CAPS: dict[str, tuple[str, str, Callable[[], int]]] = {
    "samples": ("samples", "samples in all", lambda: limits.MAX_SAMPLES),
    "layers": ("layers", "layers in all", lambda: limits.MAX_LAYERS_SOLVED),
    "values": (
        "layers",
        "values in one forward pass, samples × widths",
        lambda: limits.MAX_ACTIVATIONS,
    ),
    "parameters": ("layers", "parameters", lambda: limits.MAX_PARAMETERS),
    "work": ("steps", "steps × max(samples, 8) × parameters", lambda: limits.MAX_WORK),
    "layer_steps": ("steps", "steps × layers", lambda: limits.MAX_LAYER_STEPS),
}
"""Each field of `Size`: the place a message names, what it counts, its cap (read when
checked, so that a test can lower it)."""


NOTHING = Size(0, 0, 0, 0, 0, 0)
"""The size of nothing, to add sizes up from."""
