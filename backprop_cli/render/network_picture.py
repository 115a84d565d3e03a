"""The network as a `Picture`: every neuron with its z, a and δ, every weight on its edge.

Inputs come first (each with its value and ∂L/∂x), then one column per
layer. Wide layers keep their first and last neurons (as tables keep their
first and last rows) and deep networks their first and last layers; weights
are written on the edges while a layer has few enough of them to read. A
batch is drawn for its first sample.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from backprop_cli.expr import Partial, Sym, num
from backprop_cli.render.document import Edge, Node, Picture, Quantity
from backprop_cli.render.shown_values import shown_rows

if TYPE_CHECKING:
    from backprop_cli.render.context import Layout

UNITS = 6
"""A column shows at most this many neurons (fewer with ``--max-rows``)."""
COLUMNS = 5
"""At most this many columns: beyond, the input, the first layers, a gap and the last layer."""
LABELLED = 16
"""A layer's edges carry their weights when it has at most this many drawn edges."""

SAMPLE = 0
"""The sample a batch is drawn for."""


def _key(layer: int, unit: int) -> str:
    return f"n{layer}_{unit}"


def picture(c: Layout) -> Picture:
    s, n = c.s, c.n
    limit = max(min(UNITS, c.max_rows), 2)
    widths = [int(s.layers[0].a_prev.shape[1]), *(int(r.a.shape[1]) for r in s.layers)]
    layers, skipped = shown_rows(len(widths), COLUMNS - (len(widths) > COLUMNS))
    nodes: list[Node] = []
    edges: list[Edge] = []
    captions: list[str] = []
    previous: list[tuple[int, str]] = []
    """The drawn neurons of the column before: (unit, key)."""
    labelled_all = True
    column = 0
    for l in layers:
        if skipped and l == layers[-1]:
            gap = f"g{l}"
            hidden = "layer" if skipped == 1 else "layers"
            nodes.append(Node(gap, f"… {skipped} more {hidden}", column=column))
            captions.append("")
            edges += [Edge(key, gap) for _, key in previous]
            previous = [(-1, gap)]
            column += 1
        units, elided = shown_rows(widths[l], limit)
        current = [(j, _key(l, j)) for j in units]
        first = len(nodes)
        if l == 0:
            captions.append("input")
            x, dx = s.layers[0].a_prev, s.dx
            for j, key in current:
                nodes.append(
                    Node(
                        key,
                        n.x(j),
                        (
                            Quantity(n.x(j), float(x[SAMPLE, j])),
                            Quantity(Partial(Sym("L"), n.x(j)), float(dx[SAMPLE, j]), True),
                        ),
                        column,
                    )
                )
        else:
            r = s.layers[l - 1]
            name = f" ({r.layer.name})" if r.layer.name else ""
            captions.append(f"layer {l}{name}: {r.layer.activation.name}")
            W, b = r.layer.params.get("W"), r.layer.params.get("b")
            for j, key in current:
                quantities = [] if b is None else [Quantity(Sym("b"), float(b[j]))]
                quantities += [
                    Quantity(Sym("z"), float(r.z[SAMPLE, j])),
                    Quantity(Sym("a"), float(r.a[SAMPLE, j])),
                    Quantity(Sym("delta"), float(r.delta[SAMPLE, j]), True),
                ]
                nodes.append(Node(key, n.a(l, j), tuple(quantities), column))
            # A dense layer joins every input to every neuron, an element-wise
            # activation each input to its own unit, softmax every input to every unit.
            pairs = [
                (k, source, j, target)
                for j, target in current
                for k, source in previous
                if W is not None or k in (j, -1) or not r.layer.activation.elementwise
            ]
            labelled = W is not None and previous[0][0] >= 0 and len(pairs) <= LABELLED
            labelled_all = labelled_all and (labelled or W is None)
            for k, source, j, target in pairs:
                weight = num(float(W[j, k])) if labelled and W is not None else None
                edges.append(Edge(source, target, weight))
        if elided:  # between the first neurons and the last, as a table's rows
            nodes.insert(first + len(units) - 1, Node(f"e{l}", "", column=column, elided=elided))
        previous = current
        column += 1
    note = [] if labelled_all else ["Weights of the larger layers are in the forward pass."]
    if c.p.batched:
        note.insert(0, f"Values of sample {SAMPLE + 1} of {c.p.samples}.")
    return Picture("The network", tuple(nodes), tuple(edges), tuple(captions), " ".join(note))
