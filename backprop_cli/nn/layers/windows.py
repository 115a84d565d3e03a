"""Pooling windows over 1-D and 2-D maps, vectorised: the numbers behind `pool`.

Arrays are batches of maps, (N, C, *spatial) with one or two spatial axes. A
window of ``size`` kᵢ moves by ``stride`` sᵢ over the map padded by pᵢ cells on
each side of every axis; along an axis of n cells there are

    o = ⌊(n + 2p − k)/s⌋ + 1

windows (PyTorch's ``ceil_mode=False``). Every window cell is found once, by
sliding a window over the padded map's own flat indices
(`numpy.lib.stride_tricks.sliding_window_view`), so forward and backward are
array operations with no loop over cells:

- max pooling pads with −∞ and takes each window's maximum; its ``argmax`` is the
  winner's flat row-major index in its channel's (unpadded) map, as PyTorch's
  ``return_indices``; on a tie the first cell in row-major order wins. Backwards,
  each δ goes to its window's winner; overlapping windows add up;
- average pooling pads with 0 and divides each window's sum by the window's size
  k₀·k₁ (padding counted: ``count_include_pad=True``). Backwards, every cell of a
  window receives δ/(k₀·k₁), overlapping windows adding up.
"""

from __future__ import annotations

from functools import cached_property
from math import prod

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from backprop_cli.records import dataclass

Array = np.ndarray


def output_length(n: int, size: int, stride: int, padding: int) -> int:
    """Windows along an axis of n cells: ⌊(n + 2p − k)/s⌋ + 1 (0 when none fits)."""
    return max((n + 2 * padding - size) // stride + 1, 0)


@dataclass(frozen=True)
class Windows:
    """Where the windows of one pooling fall on maps of one spatial shape."""

    spatial: tuple[int, ...]
    """The input map's cells per axis (L, or H × W)."""
    size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]

    @property
    def out(self) -> tuple[int, ...]:
        """The output map's cells per axis."""
        return tuple(
            output_length(n, k, s, p)
            for n, k, s, p in zip(self.spatial, self.size, self.stride, self.padding, strict=True)
        )

    @property
    def cells(self) -> int:
        """Cells of one window, k₀·k₁: what average pooling divides by."""
        return prod(self.size)

    @property
    def padded(self) -> tuple[int, ...]:
        return tuple(n + 2 * p for n, p in zip(self.spatial, self.padding, strict=True))

    def _slide(self, grid: Array) -> Array:
        """(…, *padded) → (…, *out, cells): each window's cells in row-major order."""
        k = len(self.size)
        view = sliding_window_view(grid, self.size, axis=tuple(range(grid.ndim - k, grid.ndim)))
        # the view's axes are (…, *starts, *offsets): a window starts every stride cells
        lead = (slice(None),) * (grid.ndim - k)
        steps = tuple(slice(None, None, s) for s in self.stride)
        picked = view[lead + steps + (slice(None),) * k]
        return picked.reshape(*picked.shape[:-k], self.cells)

    @cached_property
    def padded_index(self) -> Array:
        """(*out, cells): each window cell's flat index in the padded map (made once)."""
        return self._slide(np.arange(prod(self.padded)).reshape(self.padded))

    def window_cells(self, window: int) -> Array:
        """The cells of window ``window`` (flat, row-major over the output map) as flat
        indices in the map itself, −1 for a padding cell."""
        return self.unpadded(self.padded_index.reshape(-1, self.cells)[window])

    def unpadded(self, index: Array) -> Array:
        """Flat indices in the padded map → flat row-major indices in the map itself
        (−1 for a padding cell)."""
        coords = np.unravel_index(index, self.padded)
        inside = np.ones(index.shape, dtype=bool)
        flat = np.zeros(index.shape, dtype=np.int64)
        for axis, (c, p, n) in enumerate(zip(coords, self.padding, self.spatial, strict=True)):
            own = c - p
            inside &= (own >= 0) & (own < n)
            flat = flat * n + own if axis else own
        return np.where(inside, flat, -1)

    def _pad(self, x: Array, fill: float) -> Array:
        widths = [(0, 0)] * (x.ndim - len(self.padding)) + [(p, p) for p in self.padding]
        return np.pad(x, widths, constant_values=fill)

    def gather(self, x: Array, fill: float) -> Array:
        """(N, C, *spatial) → (N, C, *out, cells): every window's values, padding = fill."""
        return self._pad(x, fill).reshape(*x.shape[:2], -1)[..., self.padded_index]

    def scatter(self, values: Array) -> Array:
        """(N, C, *out, cells) → (N, C, *spatial): each value added into the input cell it
        came from (overlapping windows add up; what lands on padding is dropped)."""
        n, c = values.shape[:2]
        index = self.padded_index
        cells = prod(self.padded)
        offsets = np.arange(n * c).reshape(n, c, *([1] * index.ndim)) * cells
        total = np.bincount(
            (offsets + index).ravel(), weights=values.ravel(), minlength=n * c * cells
        )
        grid = total.reshape(n, c, *self.padded)
        inner = [slice(p, p + m) for p, m in zip(self.padding, self.spatial, strict=True)]
        return grid[tuple([slice(None), slice(None), *inner])]


@dataclass(frozen=True)
class MaxPooled:
    """Max pooling's output and what its backward pass and worked solution need."""

    out: Array
    """(N, C, *out): each window's maximum."""
    winner: Array
    """(N, C, *out): the winning cell's position in its window, 0 … cells − 1."""
    argmax: Array
    """(N, C, *out): the winner's flat row-major index in its channel's input map."""
    ties: Array
    """(N, C, *out): how many of the window's cells hold its maximum (2 or more: a tie)."""


def max_pool(w: Windows, x: Array) -> MaxPooled:
    """Each window's maximum (padding −∞); ties go to the first cell in row-major order."""
    values = w.gather(x, -np.inf)
    winner = np.argmax(values, axis=-1)  # argmax returns the first of equal maxima
    out = np.take_along_axis(values, winner[..., None], axis=-1)[..., 0]
    index = np.broadcast_to(w.padded_index, values.shape)
    argmax = w.unpadded(np.take_along_axis(index, winner[..., None], axis=-1)[..., 0])
    ties = np.sum(values == out[..., None], axis=-1)
    return MaxPooled(out, winner, argmax, ties)


def max_pool_backward(w: Windows, pooled: MaxPooled, delta: Array) -> Array:
    """∂L/∂x: each window's δ routed to its winner, overlapping windows adding up."""
    routed = np.zeros((*delta.shape, w.cells))
    np.put_along_axis(routed, pooled.winner[..., None], delta[..., None], axis=-1)
    return w.scatter(routed)


def avg_pool(w: Windows, x: Array) -> Array:
    """Each window's sum over k₀·k₁ cells, divided by k₀·k₁ (padding counted as 0)."""
    return np.sum(w.gather(x, 0.0), axis=-1) / w.cells


def avg_pool_backward(w: Windows, delta: Array) -> Array:
    """∂L/∂x: δ/(k₀·k₁) to every cell of the window, overlapping windows adding up."""
    shares = np.broadcast_to((delta / w.cells)[..., None], (*delta.shape, w.cells))
    return w.scatter(shares)
