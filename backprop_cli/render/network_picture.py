"""The network as a `Picture`: every neuron with its z, a and δ, every weight on its edge.

Inputs come first (each with its value and ∂L/∂x), then one column per
layer. Wide layers keep their first and last neurons (as tables keep their
first and last rows) and deep networks their first and last layers; weights
are written on the edges while a layer has few enough of them to read. A
batch is drawn for its first sample.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from backprop_cli.expr import Partial, Sym, num
from backprop_cli.render.document import Edge, Node, Picture, Quantity
from backprop_cli.render.shown_values import shown_rows

if TYPE_CHECKING:
    from backprop_cli.render.context import Layout
    from backprop_cli.solve.records import LayerResult

UNITS = 6
"""A column shows at most this many neurons (fewer with ``--max-rows``)."""
COLUMNS = 5
"""At most this many columns: beyond, the input, the first layers, a gap and the last layer."""
LABELLED = 16
"""A layer's edges carry their weights when it has at most this many drawn edges."""

SAMPLE = 0
"""The sample a batch is drawn for."""


def _drawn(values: np.ndarray) -> np.ndarray:
    """The drawn sample's values as one row, whatever a layer's sample shape (C×L, T×D)."""
    return values[SAMPLE].reshape(-1)


def _key(layer: int, unit: int) -> str:
    return f"n{layer}_{unit}"


Drawn = list[tuple[int, str]]
"""The drawn units of a column: (0-based unit, node key); unit −1 stands for a gap."""


def _inputs(c: Layout, units: Drawn, column: int) -> list[Node]:
    """Each input with its value x and its gradient ∂L/∂x."""
    n, x, dx = c.n, _drawn(c.s.layers[0].a_prev), _drawn(c.s.dx)
    return [
        Node(
            key,
            n.x(k),
            (
                Quantity(n.x(k), float(x[k])),
                Quantity(Partial(Sym("L"), n.x(k)), float(dx[k]), True),
            ),
            column,
        )
        for k, key in units
    ]


def _neurons(c: Layout, r: LayerResult, units: Drawn, column: int) -> list[Node]:
    """Each neuron with its own parameters (a bias), z, a and δ."""
    z, a, delta = _drawn(r.z), _drawn(r.a), _drawn(r.delta)
    nodes = []
    for j, key in units:
        own = r.layer.kind.unit_params(r.layer, j)
        quantities = [Quantity(symbol, value) for symbol, value in own]
        quantities += [
            Quantity(Sym("z"), float(z[j])),
            Quantity(Sym("a"), float(a[j])),
            Quantity(Sym("delta"), float(delta[j]), True),
        ]
        nodes.append(Node(key, c.n.a(r.index, j), tuple(quantities), column))
    return nodes


def _edges(r: LayerResult, previous: Drawn, units: Drawn) -> tuple[list[Edge], bool]:
    """The edges into a layer's drawn units (as its kind joins them; a gap joins every
    unit), and whether they carry every weight they have."""
    links = [
        (source, target, (True, None) if k < 0 else r.layer.kind.link(r.layer, j, k))
        for j, target in units
        for k, source in previous
    ]
    joined = [(source, target, weight) for source, target, (joins, weight) in links if joins]
    weighted = any(weight is not None for _, _, weight in joined)
    labelled = weighted and previous[0][0] >= 0 and len(joined) <= LABELLED
    edges = [
        Edge(source, target, num(weight) if labelled and weight is not None else None)
        for source, target, weight in joined
    ]
    return edges, labelled or not weighted


def picture(c: Layout) -> Picture:
    s = c.s
    limit = max(min(UNITS, c.max_rows), 2)
    widths = [_drawn(s.layers[0].a_prev).size, *(_drawn(r.a).size for r in s.layers)]
    layers, skipped = shown_rows(len(widths), COLUMNS - (len(widths) > COLUMNS))
    nodes: list[Node] = []
    edges: list[Edge] = []
    captions: list[str] = []
    previous: Drawn = []
    every_weight = True
    for l in layers:
        if skipped and l == layers[-1]:  # the layers left out, as one gap
            hidden = "layer" if skipped == 1 else "layers"
            nodes.append(Node(f"g{l}", f"… {skipped} more {hidden}", column=len(captions)))
            edges += [Edge(key, f"g{l}") for _, key in previous]
            captions.append("")
            previous = [(-1, f"g{l}")]
        column = len(captions)
        units, elided = shown_rows(widths[l], limit)
        current = [(j, _key(l, j)) for j in units]
        if l == 0:
            captions.append("input")
            drawn = _inputs(c, current, column)
        else:
            r = s.layers[l - 1]
            name = f" ({r.layer.name})" if r.layer.name else ""
            captions.append(f"layer {l}{name}: {r.layer.activation.name}")
            drawn = _neurons(c, r, current, column)
            into, weighted = _edges(r, previous, current)
            edges += into
            every_weight = every_weight and weighted
        if elided:  # between the first neurons and the last, as a table's rows
            drawn.insert(len(drawn) - 1, Node(f"e{l}", "", column=column, elided=elided))
        nodes += drawn
        previous = current
    note = [] if every_weight else ["Weights of the larger layers are in the forward pass."]
    if c.p.batched:
        note.insert(0, f"Values of sample {SAMPLE + 1} of {c.p.samples}.")
    return Picture("The network", tuple(nodes), tuple(edges), tuple(captions), " ".join(note))
