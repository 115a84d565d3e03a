"""The worked solution of a pooling layer (`pool`): its output size, each window's value,
and where each window's gradient goes, as formulas with their numbers.

Cells are written with 1-based subscripts, the channel first when there are several:
x₁₂ is row 1, column 2 of a one-channel image; z₂₁₁ channel 2's top-left window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from math import prod
from typing import Any, Protocol

import numpy as np

from backprop_cli.expr import (
    Add,
    Call,
    Expr,
    Frac,
    Matrix,
    Message,
    Mul,
    Partial,
    Rel,
    Sub,
    Sum,
    Sym,
    Text,
    num,
    total,
)
from backprop_cli.nn.layers.base import Array, Deriving, LayerValues, Params
from backprop_cli.nn.layers.shapes import Arrangement
from backprop_cli.nn.layers.windows import MaxPooled, Windows
from backprop_cli.notation import Notation
from backprop_cli.solve.steps import Phase, Step


class Pooling(Protocol):
    """What the formulas read of a pooling kind (`pool.Pooling`)."""

    @property
    def takes(self) -> Arrangement: ...

    @property
    def largest(self) -> bool: ...

    @property
    def spread(self) -> bool: ...

    @property
    def grid(self) -> Windows: ...

    def backward(
        self, params: Params, cache: Any, delta: Array
    ) -> tuple[Array, dict[str, Array]]: ...


DETAIL_WINDOWS = 16
"""Windows per sample up to which each window is derived on its own."""
DETAIL_CELLS = 64
"""Input cells per sample up to which each cell's gradient is derived on its own."""
L = Sym("L")
_AXIS_LETTERS = {"length": "L", "height": "H", "width": "W"}


def _sizes(values: tuple[int, ...], same: bool = False) -> str:
    """``2×3``; with ``same``, one number when every axis has it (a stride of 2)."""
    if same and len(set(values)) == 1:
        return str(values[0])
    return "×".join(str(v) for v in values)


def note(kind: Pooling, n: Notation, l: int) -> Message:
    w = kind.grid
    padding: str
    if not any(w.padding):
        padding = "no padding"
    elif kind.largest:
        padding = f"padding {_sizes(w.padding, same=True)} of −∞ (a padding cell never wins)"
    else:
        padding = f"padding {_sizes(w.padding, same=True)} of zeros, counted in the mean"
    window = f"a {_sizes(w.size)} window with stride {_sizes(w.stride, same=True)}, {padding}"
    if kind.largest:
        return (
            f"Max pooling, each channel on its own: {window}. Each output is the largest value "
            "of its window; on a tie the first cell in row-major order wins, as in PyTorch. "
            "Backwards, each window's δ goes to the cell that won it, and a cell that wins "
            "several overlapping windows adds up their δ; every other cell gets 0.",
        )
    return (
        f"Average pooling, each channel on its own: {window}. Each output is its window's sum "
        f"divided by the window's size, {_sizes(w.size)} = {w.cells} (PyTorch's default). "
        f"Backwards, every cell of a window gets δ/{w.cells}, overlapping windows adding up.",
    )


# --- where the cells are ---------------------------------------------------------


def _cells(w: Windows) -> Array:
    """(windows, cells): each window's cells as flat indices into its map (−1: padding)."""
    return w.unpadded(w.padded_index).reshape(prod(w.out), w.cells)


def _at(symbol: Sym, channel: int, channels: int, place: Sequence[int]) -> Sym:
    """A cell's symbol: the channel first when there are several, then its place, 1-based."""
    index = ((channel + 1,) if channels > 1 else ()) + tuple(p + 1 for p in place)
    return replace(symbol, index=index, bold=False)


def window_words(place: Sequence[int], sample: int | None) -> str:
    """``window (1, 2)`` (``of sample 3``), 1-based."""
    where = f"window ({', '.join(str(p + 1) for p in place)})"
    return where if sample is None else f"{where} of sample {sample + 1}"


def cell_words(flat: int, spatial: tuple[int, ...]) -> str:
    """``the cell at row 1, column 2`` (or ``at position 3`` of a signal), 1-based."""
    place = np.unravel_index(flat, spatial)
    if len(spatial) == 1:
        return f"the cell at position {int(place[0]) + 1}"
    return f"the cell at row {int(place[0]) + 1}, column {int(place[1]) + 1}"


def _grid(d: Deriving, values: Array) -> Matrix:
    """A per-sample map as numbers: one sample's channels stacked (row-major), or a batch's
    samples one row each."""
    if d.batched:
        return Matrix(values.reshape(values.shape[0], -1))
    one = values[0]
    return Matrix(one.reshape(-1, one.shape[-1]))


def _key(s: int, c: int, place: Sequence[int]) -> tuple[int, ...]:
    """The index of a cell of sample s, channel c, in a batch of maps."""
    return (s, c, *(int(p) for p in place))


def _shown(kind: Pooling, r: LayerValues) -> bool:
    return r.z[0].size <= DETAIL_WINDOWS and r.a_prev[0].size <= DETAIL_CELLS


# --- forward ---------------------------------------------------------------------


def _size_steps(kind: Pooling, d: Deriving, r: LayerValues) -> Iterator[Step]:
    """o = ⌊(n + 2p − k)/s⌋ + 1 for each axis, with its numbers."""
    w, l = kind.grid, r.index
    n_, p, k, s = Sym("n"), Sym("p"), Sym("k"), Sym("s")
    form = Add((Call("floor", (Frac(Sub(Add((n_, Mul((num(2), p)))), k), s),)), num(1)))
    axes = kind.takes.axes[1:]
    for axis, cells, size, stride, pad, out in zip(
        axes, w.spatial, w.size, w.stride, w.padding, w.out, strict=True
    ):
        inside = Sub(Add((num(cells), Mul((num(2), num(pad))))), num(size))
        subst = Add((Call("floor", (Frac(inside, num(stride)),)), num(1)))
        lhs = Sym(_AXIS_LETTERS[axis], ("out",))
        yield d.step(Phase.FORWARD, f"{axis}_out{l}", lhs, (form,), subst, float(out), layer=l)


def _window(kind: Pooling, values: Sequence[Expr]) -> Expr:
    """max(…) of a window's cells, or their sum over the window's size."""
    if kind.largest:
        return Call("max", tuple(values))
    return Frac(total(list(values)), num(kind.grid.cells))


def forward_steps(kind: Pooling, d: Deriving, r: LayerValues) -> Iterator[Step]:
    l, n, w = r.index, d.n, kind.grid
    yield from _size_steps(kind, d, r)
    if _shown(kind, r):
        cells = _cells(w)
        channels = r.z.shape[1]
        for s in d.samples:
            x, z = n.a(l - 1, None, s), n.z(l, None, s)
            for c in range(channels):
                for o, place in enumerate(np.ndindex(*w.out)):
                    inside = [int(i) for i in cells[o] if i >= 0]  # padding never counts
                    spots = [[int(v) for v in np.unravel_index(i, w.spatial)] for i in inside]
                    symbols = [_at(x, c, channels, spot) for spot in spots]
                    numbers = [num(r.a_prev[_key(s, c, spot)]) for spot in spots]
                    yield d.step(
                        Phase.FORWARD,
                        d.name(f"z{l}", s, c, *place),
                        _at(z, c, channels, place),
                        (_window(kind, symbols),),
                        _window(kind, numbers),
                        r.z[_key(s, c, place)],
                        layer=l,
                        sample=s,
                    )
    function = "maxpool" if kind.largest else "avgpool"
    yield d.step(
        Phase.FORWARD,
        f"z{l}",
        n.z(l),
        (Call(function, (n.a(l - 1),)),),
        None,
        d.per_sample(r.z),
        layer=l,
    )


def z_terms(
    kind: Pooling, r: LayerValues, s: int, j: int, built: Callable[[int], Sequence[int]]
) -> Expr:
    """The routing table's entry of window j (flat, channel first) of sample s:
    ``max(1, 3, 2, 0) → (1, 2)``, the winner's place; or ``(1 + 3 + 2 + 0)/4``."""
    w = kind.grid
    windows = prod(w.out)
    c, o = divmod(j, windows)
    inside = [int(i) for i in w.window_cells(o) if i >= 0]
    values = r.a_prev[s, c].reshape(-1)
    numbers = [num(values[i]) for i in inside]
    if not kind.largest:
        return _window(kind, [numbers[i] for i in built(len(numbers))])
    pooled: MaxPooled = r.cache
    place = np.unravel_index(o, w.out)
    at = (s, c, *(int(p) for p in place))
    winner = np.unravel_index(int(pooled.argmax[at]), w.spatial)
    where = f"({', '.join(str(int(p) + 1) for p in winner)})"
    if pooled.ties[at] > 1:
        where += f", a tie of {int(pooled.ties[at])}: the first"
    return Rel(_window(kind, numbers), "→", Text(where))


# --- backward --------------------------------------------------------------------


def _sources(kind: Pooling, r: LayerValues, s: int, c: int, cell: int) -> list[int]:
    """The windows (flat, within the channel) whose δ reaches input cell ``cell``: those it
    won (max pooling) or those it is in (average pooling)."""
    cells = _cells(kind.grid)
    if kind.largest and not kind.spread:
        pooled: MaxPooled = r.cache
        won = pooled.argmax[s, c].reshape(-1)
        return [int(o) for o in np.flatnonzero(won == cell)]
    return [int(o) for o in np.flatnonzero(np.any(cells == cell, axis=1))]


def _received(kind: Pooling, parts: Sequence[Expr]) -> Expr:
    """The sum of the δ a cell receives (over the window's size for average pooling)."""
    if not parts:
        return num(0)
    if kind.largest:
        return total(list(parts))
    return Frac(total(list(parts)), num(kind.grid.cells))


def _cell_gradient(
    kind: Pooling, d: Deriving, r: LayerValues, s: int, c: int, cell: int
) -> tuple[Expr, Expr]:
    """∂L/∂a of input cell ``cell`` (flat in channel c) of sample s: formula and numbers."""
    w, n, l = kind.grid, d.n, r.index
    channels = r.z.shape[1]
    delta = n.delta(l, None, s)
    sources = _sources(kind, r, s, c, cell)
    places = [tuple(int(p) for p in np.unravel_index(o, w.out)) for o in sources]
    symbols: list[Expr] = [_at(delta, c, channels, place) for place in places]
    numbers: list[Expr] = [num(r.delta[_key(s, c, place)]) for place in places]
    return _received(kind, symbols), _received(kind, numbers)


def routing_steps(kind: Pooling, d: Deriving, r: LayerValues) -> Iterator[Step]:
    """Each input cell's gradient as the δ it receives (only the cells that receive any):
    the routing of the backward pass, overlapping windows adding up. Not when the layer
    below derives each of its ∂L/∂a from this layer (`pass_back`) already."""
    l, n, w = r.index, d.n, kind.grid
    below_shows = l > 1 and d.shows_elements(l) and d.shows_elements(l - 1)
    if not _shown(kind, r) or below_shows:
        return
    grad = kind.backward(r.layer.params, r.cache, r.delta)[0]
    channels = r.z.shape[1]
    base = "dx" if l == 1 else f"da{l - 1}"
    for s in d.samples:
        x = n.a(l - 1, None, s)
        for c in range(channels):
            for cell, place in enumerate(np.ndindex(*w.spatial)):
                if not _sources(kind, r, s, c, cell):
                    continue
                form, subst = _cell_gradient(kind, d, r, s, c, cell)
                yield d.step(
                    Phase.BACKWARD,
                    d.name(base, s, c, *place),
                    Partial(L, _at(x, c, channels, place)),
                    (form,),
                    subst,
                    grad[_key(s, c, place)],
                    layer=l,
                    sample=s,
                )


def pass_back(
    kind: Pooling, d: Deriving, r: LayerValues, s: int | None, j: int | None
) -> tuple[Expr, Expr]:
    """∂L/∂a_prev: element j (flat, channel first) of sample s, or the whole map."""
    n, l = d.n, r.index
    if s is not None and j is not None:
        cells = prod(kind.grid.spatial)
        c, cell = divmod(j, cells)
        return _cell_gradient(kind, d, r, s, c, cell)
    delta = n.delta(l)
    if kind.largest:
        return Call("route", (delta,)), Call("route", (_grid(d, r.delta),))
    size = num(kind.grid.cells)
    return Frac(Call("spread", (delta,)), size), Frac(Call("spread", (_grid(d, r.delta),)), size)


def sends_back(kind: Pooling, n: Notation, l: int) -> Expr:
    """∂L/∂aⱼ with generic indices: the sum of δ over the windows o that cell j won (max) or
    is in (average, over the window's size)."""
    body = Sum(n.delta(l, "o"), "o")
    return body if kind.largest else Frac(body, num(kind.grid.cells))
