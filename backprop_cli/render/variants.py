"""The variants: each re-solved problem compared with the original, with why it changed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from backprop_cli.expr import Expr, Message, Partial, Sym, Text, num
from backprop_cli.load.overrides import list_index
from backprop_cli.notation import Notation
from backprop_cli.render.context import Layout
from backprop_cli.render.document import Block, Cell, Heading, Paragraph, Table
from backprop_cli.render.shown_values import per_sample, value_expr
from backprop_cli.solve.records import Insight, Solution


def _document_value(document: Any, path: str) -> Any:
    """The value at a dotted path of the original problem file (None if it is not there)."""
    node = document
    for part in path.split("."):
        index = list_index(part, len(node)) if isinstance(node, list) else None
        if index is not None:
            node = node[index]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def _yaml(value: Any) -> Cell:
    """A value as it was written in YAML, for the “what was set” rows."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value).lower()
    if isinstance(value, (int, float)):
        return num(value)
    return str(value)


def _row(label: Cell, original: Expr, changed: Expr, same: bool) -> tuple[Cell, ...]:
    return (label, original, changed, "same" if same else "changed")


def comparison(c: Layout, other: Solution, assignments: tuple[tuple[str, object], ...]) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for path, value in assignments:
        before = _document_value(c.p.document, path)
        rows.append(
            (
                Text(f"{path} (set)"),
                _yaml(before),
                _yaml(value),
                "changed" if before != value else "same",
            )
        )
    # A variant may add or remove layers: the symbols are those of the deeper network, and a
    # layer (or parameter) only one of them has gets a row with "—" on the other side.
    deeper = other if len(other.layers) > len(c.s.layers) else c.s
    n = Notation(deeper.problem)
    for i in range(len(deeper.layers)):
        a = per_sample(c.s, c.s.layers[i].z) if i < len(c.s.layers) else None
        b = per_sample(other, other.layers[i].z) if i < len(other.layers) else None
        rows.append(_compared(n.z(i + 1), a, b))
    a, b = per_sample(c.s, c.s.output), per_sample(other, other.output)
    rows.append(
        _row(c.n.yhat(), value_expr(a), value_expr(b), a.shape == b.shape and bool((a == b).all()))
    )
    if not (c.p.upstream and other.problem.upstream):  # given ∂L/∂ŷ, there is no loss to compare
        mine, theirs = (Text("—") if s.problem.upstream else num(s.loss) for s in (c.s, other))
        rows.append(_row(Sym("L"), mine, theirs, c.s.loss == other.loss))
    symbols = c if deeper is c.s else Layout(deeper, c.max_rows)
    names = [*c.s.gradients, *(name for name in other.gradients if name not in c.s.gradients)]
    for name in names:
        if name != "x":
            symbol = Partial(Sym("L"), symbols.param_symbol(name))
            rows.append(_compared(symbol, c.s.gradients.get(name), other.gradients.get(name)))
    solved = "as solved" if c.p.overridden else "original"  # with --set, not the file's own
    return Table(("quantity", solved, "this variant", ""), tuple(rows))


def _compared(label: Cell, original: Any, changed: Any) -> tuple[Cell, ...]:
    """One quantity in both, or only in one of them (a layer added or removed)."""
    if original is None:
        return (label, "—", value_expr(changed), "added")
    if changed is None:
        return (label, value_expr(original), "—", "removed")
    same = original.shape == changed.shape and bool((original == changed).all())
    return _row(label, value_expr(original), value_expr(changed), same)


def _same(one: Insight, other: Insight, same_network: bool) -> bool:
    """The same insight: it says the same, or (in a network of the same layers, where numbers
    may differ) it is of the same kind about the same neuron. Layer numbers alone mean
    nothing when a variant adds a layer."""
    if one.message == other.message:
        return True
    return same_network and (one.kind, one.layer, one.unit) == (other.kind, other.layer, other.unit)


def explained(
    original: tuple[Insight, ...], insight: Insight, same_network: bool = True
) -> Message:
    """An insight of the variant, said as “still” when the original had it too, else “now”."""
    had = any(_same(i, insight, same_network) for i in original)
    return ("Still: " if had else "Now: ", *insight.message)


def variants(c: Layout) -> Iterator[Block]:
    if not c.s.variants:
        return
    yield Heading("Variants", 2)
    for variant in c.s.variants:
        other = variant.solution
        yield Heading(variant.name, 3)
        yield comparison(c, other, variant.assignments)
        same_network = len(other.layers) == len(c.s.layers)
        for insight in other.insights:
            yield Paragraph(explained(c.s.insights, insight, same_network), "insight")
        for insight in c.s.insights:
            if not any(_same(insight, i, same_network) for i in other.insights):
                yield Paragraph(("No longer: ", *insight.message), "insight")
