"""The worked steps of a convolution layer: the output size, each output as its window's sum of
products, ∂L/∂W as the correlation of x with δ, ∂L/∂b as the sum of δ, and ∂L/∂x as the full
correlation of δ (spread out by the stride) with the kernel rotated by 180°.

Element by element for a small layer (few output cells, short sums), as a whole otherwise;
every element's formula names the input cell and the kernel cell of each of its products.
Indices are 1-based; an axis of size 1 in front (one filter, one channel) is left out of a
subscript, so a 2×2 kernel of one filter on one channel has entries w₁₁ … w₂₂.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from backprop_cli.expr import (
    Add,
    Call,
    Expr,
    Frac,
    Matrix,
    Mul,
    Partial,
    Sub,
    Sum,
    Sym,
    num,
    total,
)
from backprop_cli.nn.layers.base import Deriving, LayerValues
from backprop_cli.nn.layers.conv_core import rotated
from backprop_cli.notation import Notation
from backprop_cli.solve.steps import Phase, Step

L = Sym("L")
CELLS = 16
"""Outputs (and inputs) per sample up to which each one is derived on its own."""
TERMS = 16
"""Products per sum up to which an element is written out term by term."""

Cell = tuple[int, ...]


def _at(values: np.ndarray, *index: int) -> float:
    return float(values[tuple(index)])


def _leading(index: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """0-based ``index`` as 1-based subscripts, leaving out the axes of size 1 in front."""
    drop = 0
    while drop < len(shape) - 1 and shape[drop] == 1:
        drop += 1
    return tuple(i + 1 for i in index[drop:])


def _layer(n: Notation, l: int) -> int | None:
    return None if n.depth == 1 else l


def param_symbol(n: Notation, l: int, base: str, index: tuple[int, ...] | None) -> Expr:
    """W⁽ˡ⁾ and b⁽ˡ⁾ (bold), or one entry with its subscripts as given (1-based)."""
    if index is None:
        return Sym(base, (), _layer(n, l), bold=True)
    return Sym("w" if base == "W" else base, tuple(i + 1 for i in index), _layer(n, l))


def _w(n: Notation, l: int, shape: tuple[int, ...], o: int, c: int, cell: Cell) -> Sym:
    return Sym("w", _leading((o, c, *cell), shape), _layer(n, l))


def _b(n: Notation, l: int, filters: int, o: int) -> Sym:
    return Sym("b", (o + 1,) if filters > 1 else (), _layer(n, l))


class Window:
    """Which input cells each kernel cell meets, for one layer (no padding cells)."""

    def __init__(self, kind: Any, r: LayerValues) -> None:
        W = r.layer.params["W"]
        self.kind, self.W, self.l = kind, W, r.index
        self.kernel = tuple(int(k) for k in W.shape[2:])
        self.channels = int(W.shape[1])
        self.inputs = tuple(int(x) for x in r.a_prev.shape[1:])
        self.outputs = r.layer.output.dims
        g = kind.geometry
        self.stride, self.padding, self.dilation = g.stride, g.padding, g.dilation

    def original(self, cell: Cell) -> Cell:
        """The entry of W a kernel cell holds: itself, or its 180° mirror when flipped."""
        if not self.kind.flip:
            return cell
        return tuple(k - 1 - u for k, u in zip(self.kernel, cell, strict=True))

    def cells(self) -> Iterator[Cell]:
        return itertools.product(*(range(k) for k in self.kernel))

    def met(self, position: Cell, cell: Cell) -> Cell | None:
        """The input cell kernel ``cell`` meets at output ``position`` (None: padding)."""
        found = tuple(
            i * s + u * d - p
            for i, u, s, d, p in zip(
                position, cell, self.stride, self.dilation, self.padding, strict=True
            )
        )
        inside = all(0 <= x < n for x, n in zip(found, self.inputs[1:], strict=True))
        return found if inside else None

    def products(self, position: Cell) -> list[tuple[int, Cell, Cell]]:
        """(channel, W's entry, input cell) of each product in an output's sum."""
        found = []
        for c in range(self.channels):
            for cell in self.cells():
                at = self.met(position, cell)
                if at is not None:
                    found.append((c, self.original(cell), at))
        return found

    def senders(self, position: Cell) -> list[tuple[int, Cell, Cell]]:
        """(filter, W's entry, output cell) of each δ·w an input cell collects."""
        found = []
        for o in range(self.W.shape[0]):
            for cell in self.cells():
                at = []
                for x, u, s, d, p, m in zip(
                    position,
                    cell,
                    self.stride,
                    self.dilation,
                    self.padding,
                    self.outputs[1:],
                    strict=True,
                ):
                    step, rest = divmod(x + p - u * d, s)
                    at.append(step if rest == 0 and 0 <= step < m else -1)
                if min(at) >= 0:
                    found.append((o, self.original(cell), tuple(at)))
        return found

    def out_flat(self, o: int, position: Cell) -> int:
        return int(np.ravel_multi_index((o, *position), self.outputs))

    def in_flat(self, c: int, position: Cell) -> int:
        return int(np.ravel_multi_index((c, *position), self.inputs))


def _small(d: Deriving, w: Window, cells: tuple[int, ...], terms: int) -> bool:
    return bool(d.samples) and int(np.prod(cells)) <= CELLS and terms <= TERMS


def forward_steps(kind: Any, d: Deriving, r: LayerValues) -> Iterator[Step]:
    l, n, w = r.index, d.n, Window(kind, r)
    yield from _size_steps(d, w, r)
    if kind.flip:  # the kernel the input is correlated with
        turned = rotated(w.W)
        yield d.step(
            Phase.FORWARD,
            f"W{l}_rotated",
            Call("rot180", (param_symbol(n, l, "W", None),)),
            (),
            Matrix(turned.reshape(-1, turned.shape[-1])),
            turned,
            layer=l,
        )
    b = r.layer.params["b"]
    filters = int(w.W.shape[0])
    if _small(d, w, w.outputs, w.channels * int(np.prod(w.kernel))):
        yield _window_step(d, w, r)
        for s in d.samples:
            for o in range(filters):
                for position in itertools.product(*(range(m) for m in w.outputs[1:])):
                    products = w.products(position)
                    form = total(
                        [
                            Mul(
                                (_w(n, l, w.W.shape, o, c, u), n.a(l - 1, w.in_flat(c, x), s)),
                                dot=False,
                            )
                            for c, u, x in products
                        ]
                        + [_b(n, l, filters, o)]
                    )
                    subst = total(
                        [
                            Mul((num(_at(w.W, o, c, *u)), num(_at(r.a_prev, s, c, *x))))
                            for c, u, x in products
                        ]
                        + [num(b[o])]
                    )
                    yield d.step(
                        Phase.FORWARD,
                        d.name(f"z{l}", s, o, *position),
                        n.z(l, w.out_flat(o, position), s),
                        (form,),
                        subst,
                        _at(r.z, s, o, *position),
                        layer=l,
                        sample=s,
                    )
    op = "conv" if kind.flip else "corr"
    bias = Sym("b", (), _layer(n, l), bold=filters > 1)
    form = Add((Call(op, (n.a(l - 1), param_symbol(n, l, "W", None))), bias))
    yield d.step(Phase.FORWARD, f"z{l}", n.z(l), (form,), None, d.per_sample(r.z), layer=l)


def _window_step(d: Deriving, w: Window, r: LayerValues) -> Step:
    """The input of the first shown sample with the window of the first output marked (the
    cells the kernel meets there; LaTeX highlights them)."""
    s = d.samples[0]
    x = np.asarray(r.a_prev[s])
    mask = np.zeros(x.shape, dtype=bool)
    for c, _, at in w.products((0,) * len(w.kernel)):
        mask[tuple([c, *at])] = True
    stacked = x.reshape(-1, x.shape[-1])
    lhs = d.n.a(r.index - 1, None, s if d.batched else None)
    shown = Matrix(stacked, marked=mask.reshape(stacked.shape))
    return d.step(Phase.FORWARD, f"z{r.index}_window", lhs, (), shown, x, layer=r.index, sample=s)


def _size_steps(d: Deriving, w: Window, r: LayerValues) -> Iterator[Step]:
    """⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1 along each spatial axis, with its numbers."""
    names = ("length",) if len(w.kernel) == 1 else ("height", "width")
    for axis, name in enumerate(names):
        n_, k = w.inputs[axis + 1], w.kernel[axis]
        s, p, dil = w.stride[axis], w.padding[axis], w.dilation[axis]

        def size(n: Expr, p: Expr, dd: Expr, k: Expr, s: Expr, dot: bool) -> Expr:
            spread = Mul((dd, Sub(k, num(1))), dot=dot)  # d(k − 1), 1·(2 − 1) with numbers
            inner = Sub(Sub(Add((n, Mul((num(2), p)))), spread), num(1))
            return Add((Call("floor", (Frac(inner, s),)), num(1)))

        form = size(Sym("n"), Sym("p"), Sym("d"), Sym("k"), Sym("s"), False)
        subst = size(num(n_), num(p), num(dil), num(k), num(s), True)
        yield d.step(
            Phase.FORWARD,
            f"z{r.index}_{name}",
            Sym(f"{name}_out", (), _layer(d.n, r.index)),
            (form,),
            subst,
            np.asarray(float(w.outputs[axis + 1])),
            layer=r.index,
        )


def gradient_steps(kind: Any, d: Deriving, r: LayerValues) -> Iterator[Step]:
    """∂L/∂w = Σ δ·x over the positions the weight met, ∂L/∂b = Σ δ; for the first layer
    also each ∂L/∂x (no layer below shows them)."""
    l, n, w = r.index, d.n, Window(kind, r)
    dW, db = r.grads["W"], r.grads["b"]
    shown = list(d.samples)
    positions = list(itertools.product(*(range(m) for m in w.outputs[1:])))
    filters = int(w.W.shape[0])
    if _small(d, w, w.outputs, len(shown) * len(positions)):
        for o in range(filters):
            for c in range(w.channels):
                for cell in w.cells():
                    entry = w.original(cell)
                    met = [
                        (s, x, at)
                        for s in shown
                        for x in positions
                        if (at := w.met(x, cell)) is not None
                    ]
                    form = _sum(
                        [
                            Mul(
                                (n.delta(l, w.out_flat(o, x), s), n.a(l - 1, w.in_flat(c, at), s)),
                                dot=False,
                            )
                            for s, x, at in met
                        ]
                    )
                    subst = _sum(
                        [
                            Mul((num(_at(r.delta, s, o, *x)), num(_at(r.a_prev, s, c, *at))))
                            for s, x, at in met
                        ]
                    )
                    yield d.step(
                        Phase.BACKWARD,
                        f"dW{l}" + "".join(f"[{i}]" for i in (o, c, *entry)),
                        Partial(L, _w(n, l, w.W.shape, o, c, entry)),
                        (form,),
                        subst,
                        _at(dW, o, c, *entry),
                        layer=l,
                        element=True,
                    )
        for o in range(filters):
            form = total([n.delta(l, w.out_flat(o, x), s) for s in shown for x in positions])
            subst = total([num(_at(r.delta, s, o, *x)) for s in shown for x in positions])
            yield d.step(
                Phase.BACKWARD,
                f"db{l}[{o}]",
                Partial(L, _b(n, l, filters, o)),
                (form,),
                subst,
                db[o],
                layer=l,
                element=True,
            )
    W, b = param_symbol(n, l, "W", None), param_symbol(n, l, "b", None)
    correlation: Expr = Call("corr", (n.a(l - 1), n.delta(l)))
    if kind.flip:  # ∂L/∂W is the correlation's kernel rotated back
        correlation = Call("rot180", (correlation,))
    yield d.step(Phase.BACKWARD, f"dW{l}", Partial(L, W), (correlation,), None, dW, layer=l)
    over = ("n", *_axes(len(w.kernel))) if d.batched else _axes(len(w.kernel))
    total_form = Sum(n.delta(l), ",".join(over))
    yield d.step(Phase.BACKWARD, f"db{l}", Partial(L, b), (total_form,), None, db, layer=l)
    if l == 1 and _small(d, w, w.inputs, int(w.W.shape[0]) * int(np.prod(w.kernel))):
        dx = _input_gradient(r)
        for s in shown:
            for j in range(int(np.prod(w.inputs))):
                form, subst = pass_back(kind, d, r, s, j)
                index = np.unravel_index(j, w.inputs)
                yield d.step(
                    Phase.BACKWARD,
                    d.name("dx", s, *(int(i) for i in index)),
                    Partial(L, n.x(j, s)),
                    (form,),
                    subst,
                    _at(dx, s, *(int(i) for i in index)),
                    sample=s,
                    element=True,
                )


def _axes(count: int) -> tuple[str, ...]:
    return ("i",) if count == 1 else ("i", "j")


def _sum(terms: list[Expr]) -> Expr:
    return total(terms) if terms else num(0)


def _input_gradient(r: LayerValues) -> np.ndarray:
    """∂L/∂x as the layer's own backward pass gives it (the same values as the engine's)."""
    return np.asarray(r.layer.kind.backward(r.layer.params, r.cache, r.delta)[0])


def pass_back(
    kind: Any, d: Deriving, r: LayerValues, s: int | None, j: int | None
) -> tuple[Expr, Expr]:
    """∂L/∂a⁽ˡ⁻¹⁾: one input cell's Σ w·δ over the windows it was in, or the whole, the full
    correlation of δ (spread out by the stride) with the kernel rotated by 180°."""
    l, n, w = r.index, d.n, Window(kind, r)
    if s is not None and j is not None:
        c, *rest = (int(i) for i in np.unravel_index(j, w.inputs))
        senders = w.senders(tuple(rest))
        form = _sum(
            [
                Mul((_w(n, l, w.W.shape, o, c, u), n.delta(l, w.out_flat(o, at), s)), dot=False)
                for o, u, at in senders
            ]
        )
        subst = _sum(
            [Mul((num(_at(w.W, o, c, *u)), num(_at(r.delta, s, o, *at)))) for o, u, at in senders]
        )
        return form, subst
    turned = Call("rot180", (param_symbol(n, l, "W", None),))
    form = Call("full_corr", (Call("spread", (n.delta(l),)), turned))
    return form, d.vector(_input_gradient(r))


def window_terms(
    kind: Any, r: LayerValues, s: int, j: int, built: Callable[[int], Sequence[int]]
) -> Expr:
    """The neuron table's entry for output j (row-major): w·x of its window, then b."""
    w = Window(kind, r)
    o, *position = (int(i) for i in np.unravel_index(j, w.outputs))
    products = w.products(tuple(position))
    terms: list[Expr] = [
        Mul((num(_at(w.W, o, c, *u)), num(_at(r.a_prev, s, c, *x))))
        for c, u, x in (products[i] for i in built(len(products)))
    ]
    return Add((*terms, num(r.layer.params["b"][o])))
