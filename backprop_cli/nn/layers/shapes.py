"""Per-sample shapes: what one sample's values look like between two layers.

A dense layer takes and gives a vector; a 1-D layer takes C×L (channels ×
length), a 2-D layer C×H×W, a recurrent layer T×D (SPEC section 4). Arrays
through the engine are batches, ``(N, *shape.dims)``; `SampleShape` names the
part after N, for the reader's messages and the solution's headings.
"""

from __future__ import annotations

import math
from enum import Enum

import numpy as np

from backprop_cli.records import dataclass


class Arrangement(Enum):
    """How one sample's values are laid out, with the names of its axes."""

    VECTOR = ("a vector", ("features",))
    SIGNAL = ("a signal", ("channels", "length"))
    IMAGE = ("an image", ("channels", "height", "width"))
    SEQUENCE = ("a sequence", ("time steps", "features"))

    def __init__(self, noun: str, axes: tuple[str, ...]) -> None:
        self.noun = noun
        """How a message names it: ``an image``."""
        self.axes = axes
        """Its axes' names, outermost first: ``channels``, ``height``, ``width``."""

    @property
    def ndim(self) -> int:
        """Its number of dims (a sample's array has this many)."""
        return len(self.axes)

    def layout(self) -> str:
        """Its axes as a message writes them: ``C×H×W (channels × height × width)``."""
        letters = "×".join(_LETTERS[axis] for axis in self.axes)
        return f"{letters} ({' × '.join(self.axes)})"


_LETTERS = {
    "features": "D",
    "channels": "C",
    "length": "L",
    "height": "H",
    "width": "W",
    "time steps": "T",
}


@dataclass(frozen=True)
class SampleShape:
    """One sample's shape: its arrangement and the size of each of its axes."""

    arrangement: Arrangement
    dims: tuple[int, ...]

    def __post_init__(self) -> None:
        assert len(self.dims) == self.arrangement.ndim, "one size per axis"

    @staticmethod
    def vector(n: int) -> SampleShape:
        """A vector of n features."""
        return SampleShape(Arrangement.VECTOR, (n,))

    @property
    def size(self) -> int:
        """Values per sample (the product of the dims)."""
        return math.prod(self.dims)

    def describe(self) -> str:
        """``2×3×3 (channels × height × width)``; a vector: ``4 (features)``."""
        sizes = "×".join(str(n) for n in self.dims)
        return f"{sizes} ({' × '.join(self.arrangement.axes)})"


def rows(values: np.ndarray) -> np.ndarray:
    """A batch (N, *shape) as N rows of its samples' values laid out row-major (a batch of
    vectors as it is): what a loss compares with the targets."""
    return values.reshape(values.shape[0], -1)
