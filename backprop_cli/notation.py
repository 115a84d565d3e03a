"""The symbols of a problem's worked solution, as a textbook writes them.

Indices are 1-based; an index is left out where there is only one (one
neuron: z⁽²⁾, not z₁⁽²⁾; one input: x); the layer superscript is left out in
a one-layer network (z = wx + b); a sample number is added in a batch. The
last layer's output is ŷ.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from backprop_cli.expr import Expr, Sym, Transpose
from backprop_cli.nn.layers.shapes import Arrangement, SampleShape
from backprop_cli.records import dataclass


class Shaped(Protocol):
    """What the notation reads of a problem: the widths of x and of each layer, and whether
    it is a batch."""

    @property
    def batched(self) -> bool: ...

    @property
    def widths(self) -> tuple[int, ...]: ...

    @property
    def shapes(self) -> tuple[SampleShape, ...]: ...


@dataclass(frozen=True)
class Notation:
    problem: Shaped

    @property
    def depth(self) -> int:
        return len(self.problem.widths) - 1

    def width(self, layer: int) -> int:
        """Values of layer ``layer``'s output, per sample (0: the input)."""
        return self.problem.widths[layer]

    def _layer(self, layer: int) -> int | None:
        return None if self.depth == 1 else layer

    def _sample(self, n: int | str | None) -> int | str | None:
        """A 0-based sample as its 1-based number; a letter (a generic sample) as it is."""
        if n is None or not self.problem.batched:
            return None
        return n + 1 if isinstance(n, int) else n

    def _index(self, layer: int, j: int | str | None) -> tuple[int | str, ...]:
        """A 0-based neuron number as its 1-based subscript; a letter (a generic index) as it is."""
        if j is None or self.width(layer) == 1:
            return ()
        if not isinstance(j, int):
            return (j,)
        shape = self.problem.shapes[layer]
        if shape.arrangement is Arrangement.VECTOR:
            return (j + 1,)
        return cell_index(shape, j)

    def _bold(self, layer: int, j: int | str | None) -> bool:
        """A whole vector of more than one value is bold (in LaTeX); so is every per-sample
        quantity of a batch, a matrix with one row per sample."""
        return j is None and (self.width(layer) > 1 or self.problem.batched)

    def x(self, k: int | str | None = None, n: int | str | None = None) -> Sym:
        return Sym("x", self._index(0, k), sample=self._sample(n), bold=self._bold(0, k))

    def yhat(self, k: int | str | None = None, n: int | str | None = None) -> Sym:
        d = self.depth
        return Sym("yhat", self._index(d, k), sample=self._sample(n), bold=self._bold(d, k))

    def y(self, k: int | str | None = None, n: int | str | None = None) -> Sym:
        d = self.depth
        return Sym("y", self._index(d, k), sample=self._sample(n), bold=self._bold(d, k))

    def _vector(self, base: str, layer: int, j: int | str | None, n: int | str | None) -> Sym:
        return Sym(
            base, self._index(layer, j), self._layer(layer), self._sample(n), self._bold(layer, j)
        )

    def z(self, layer: int, j: int | str | None = None, n: int | str | None = None) -> Sym:
        return self._vector("z", layer, j, n)

    def a(self, layer: int, j: int | str | None = None, n: int | str | None = None) -> Sym:
        """The output of layer ``layer``: x for 0, ŷ for the last."""
        if layer == 0:
            return self.x(j, n)
        if layer == self.depth:
            return self.yhat(j, n)
        return self._vector("a", layer, j, n)

    def delta(self, layer: int, j: int | str | None = None, n: int | str | None = None) -> Sym:
        return self._vector("delta", layer, j, n)

    def scalar_weight(self, layer: int) -> bool:
        """One neuron with one input: its weight is a number, w."""
        return self.width(layer) == 1 and self.width(layer - 1) == 1

    def w(self, layer: int, j: int | str, k: int | str) -> Sym:
        if self.scalar_weight(layer):
            return Sym("w", (), self._layer(layer))
        index = tuple(i + 1 if isinstance(i, int) else i for i in (j, k))
        return Sym("w", index, self._layer(layer))

    def W(self, layer: int) -> Sym:
        """The weight matrix, or w when it is a single number."""
        if self.scalar_weight(layer):
            return Sym("w", (), self._layer(layer))
        return Sym("W", (), self._layer(layer), bold=True)

    def b(self, layer: int, j: int | str | None = None) -> Sym:
        """A bias: a parameter, the same for every sample (bold only when it is a vector)."""
        bold = j is None and self.width(layer) > 1
        return Sym("b", self._index(layer, j), self._layer(layer), bold=bold)

    def per_sample(
        self, base: str, layer: int, j: int | str | None = None, n: int | str | None = None
    ) -> Sym:
        """A per-sample quantity of a layer's own (x̂ of batch norm), written as z is."""
        return self._vector(base, layer, j, n)

    def per_unit(self, base: str, layer: int, j: int | str | None = None) -> Sym:
        """A quantity with one value per unit of a layer, the same for every sample (γ, β,
        μ of batch norm), written as b is."""
        bold = j is None and self.width(layer) > 1
        return Sym(base, self._index(layer, j), self._layer(layer), bold=bold)

    def loss(self, n: int | None = None) -> Sym:
        return Sym("L") if n is None or not self.problem.batched else Sym("ell", sample=n + 1)


def cell_index(shape: SampleShape, j: int) -> tuple[int, ...]:
    """Element j (row-major) of a C×H×W (or C×L, T×D) sample as 1-based subscripts: channel,
    row, column; a single channel's index is left out (x₁₂ of a one-channel image)."""
    index = tuple(int(i) + 1 for i in np.unravel_index(j, shape.dims))
    return index[1:] if shape.dims[0] == 1 else index


def transpose(symbol: Sym) -> Expr:
    """Sᵀ for a vector or matrix; a single number is its own transpose."""
    return Transpose(symbol) if symbol.bold else symbol
