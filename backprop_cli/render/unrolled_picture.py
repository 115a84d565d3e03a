"""A network over a sequence as a `Picture` of its unrolled graph: one column per time step.

Column 0 holds the initial state h₀; column t holds xₜ, the state hₜ (and cₜ) of the
recurrent layer and the output ŷₜ the layers above give at that step. Arrows run
xₜ → hₜ, hₜ₋₁ → hₜ (the recurrence, labelled W_hh when it is one number) and hₜ → ŷₜ.
Each state carries its value and, where the worked solution has it, ∂L/∂hₜ (the sum
of what the output and the next step send). A batch is drawn for its first sample.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from backprop_cli.expr import Expr, Partial, Sym, num
from backprop_cli.render.document import Edge, Node, Picture, Quantity

if TYPE_CHECKING:
    from backprop_cli.render.context import Layout

SHOWN = 3
"""Units of a state (or features of an input) written in its box; more are left out."""
STEPS = 6
"""Time steps drawn; a longer sequence keeps its first and last steps."""
L = Sym("L")


def _entries(base: str, t: int, values: np.ndarray) -> list[tuple[Expr, float]]:
    """A state's first units at step t: hₜ for one unit, hₜ,ⱼ for several."""
    width = values.size
    return [
        (Sym(base, (t,) if width == 1 else (f"{t},{j + 1}",)), float(values[j]))
        for j in range(min(width, SHOWN))
    ]


def _gradients(c: Layout, l: int, t: int, width: int) -> list[float] | None:
    """∂L/∂hₜ of the drawn sample, as the worked solution found it (None where it has none)."""
    batched = c.s.layers[0].a_prev.shape[0] > 1
    name = f"dh{l}_t{t}" + ("[0]" if batched else "")
    found = [step.value for step in c.s.steps if step.symbol == name]
    return [float(v) for v in np.ravel(found[0])[:width]] if found else None


def picture(c: Layout) -> Picture:
    s = c.s
    first = s.layers[0]
    named = first.layer.kind.named(first.cache)
    h = named["h"][0]  # T × H of the drawn sample
    cell = named.get("c")
    steps = h.shape[0]
    per_step = s.output.shape[0] // first.a_prev.shape[0]  # rows per sample above the layer
    x = first.a_prev[0].reshape(steps, -1)
    shown = list(range(steps)) if steps <= STEPS else [*range(STEPS - 1), steps - 1]
    h0 = np.asarray(getattr(first.layer.kind, "h0", ()) or np.zeros(h.shape[1]))
    nodes: list[Node] = [
        Node(
            "h0",
            Sym("hstate", (0,)),
            tuple(Quantity(e, v) for e, v in _entries("hstate", 0, h0)),
            0,
        )
    ]
    edges: list[Edge] = []
    w_hh, w_ih = first.layer.params["W_hh"], first.layer.params["W_ih"]
    label = num(float(w_hh[0, 0])) if w_hh.size == 1 else None
    label_ih = num(float(w_ih[0, 0])) if w_ih.size == 1 else None
    previous = "h0"
    captions = ["t = 0"]
    for column, t in enumerate(shown, start=1):
        tt = t + 1
        if column > 1 and shown[column - 2] != t - 1:
            nodes.append(Node(f"gap{tt}", f"… {t - shown[column - 2] - 1} more steps", (), column))
            captions.append("")
            edges.append(Edge(previous, f"gap{tt}"))
            previous, column = f"gap{tt}", column + 1
        captions.append(f"t = {tt}")
        xs = [Quantity(sym, v) for sym, v in _entries("x", tt, x[t])]
        nodes.append(Node(f"x{tt}", Sym("x", (tt,)), tuple(xs), column))
        states = [Quantity(sym, v) for sym, v in _entries("hstate", tt, h[t])]
        grads = _gradients(c, first.index, tt, min(h.shape[1], SHOWN))
        if grads is not None:
            states += [
                Quantity(Partial(L, sym), g, True)
                for (sym, _), g in zip(_entries("hstate", tt, h[t]), grads, strict=True)
            ]
        if cell is not None:
            states += [Quantity(sym, v) for sym, v in _entries("cstate", tt, cell[0, t])]
        nodes.append(Node(f"h{tt}", Sym("hstate", (tt,)), tuple(states), column))
        edges += [Edge(f"x{tt}", f"h{tt}", label_ih), Edge(previous, f"h{tt}", label)]
        previous = f"h{tt}"
        if per_step > 1 or t == steps - 1:
            row = s.output[t if per_step > 1 else 0]
            grad = s.layers[-1].grad_a[t if per_step > 1 else 0]
            outs = [Quantity(sym, v) for sym, v in _entries("yhat", tt, row)]
            outs += [
                Quantity(Partial(L, sym), float(g), True)
                for (sym, _), g in zip(_entries("yhat", tt, row), grad, strict=False)
            ]
            nodes.append(Node(f"y{tt}", Sym("yhat", (tt,)), tuple(outs), column))
            edges.append(Edge(f"h{tt}", f"y{tt}"))
    note = "Values of sample 1." if first.a_prev.shape[0] > 1 else ""
    return Picture(
        "The network unrolled through time", tuple(nodes), tuple(edges), tuple(captions), note
    )
