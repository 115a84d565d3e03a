"""The variants: each re-solved problem compared with the original, with why it changed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from backprop_cli.expr import Expr, Message, Partial, Sym, Text, num
from backprop_cli.load.overrides import list_index
from backprop_cli.render.document import Block, Cell, Heading, Paragraph, Table
from backprop_cli.render.shown_values import per_sample, value_expr
from backprop_cli.solve.records import Insight, Solution

if TYPE_CHECKING:
    from backprop_cli.render.context import Layout


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
    # A variant may change the network: compare the layers both have.
    for mine, theirs in zip(c.s.layers, other.layers, strict=False):
        a, b = per_sample(c.s, mine.z), per_sample(other, theirs.z)
        same = a.shape == b.shape and bool((a == b).all())
        rows.append(_row(c.n.z(mine.index), value_expr(a), value_expr(b), same))
    a, b = per_sample(c.s, c.s.output), per_sample(other, other.output)
    rows.append(
        _row(c.n.yhat(), value_expr(a), value_expr(b), a.shape == b.shape and bool((a == b).all()))
    )
    rows.append(_row(Sym("L"), num(c.s.loss), num(other.loss), c.s.loss == other.loss))
    for name, grad in c.s.gradients.items():
        changed = other.gradients.get(name)
        if changed is None or name == "x":
            continue
        same = grad.shape == changed.shape and bool((grad == changed).all())
        rows.append(
            _row(
                Partial(Sym("L"), c.param_symbol(name)), value_expr(grad), value_expr(changed), same
            )
        )
    return Table(("quantity", "original", "this variant", ""), tuple(rows))


def explained(original: tuple[Insight, ...], insight: Insight) -> Message:
    """An insight of the variant, said as “still” when the original had it too, else “now”."""
    key = (insight.kind, insight.layer, insight.unit)
    had = any((i.kind, i.layer, i.unit) == key for i in original)
    return ("Still: " if had else "Now: ", *insight.message)


def variants(c: Layout) -> Iterator[Block]:
    if not c.s.variants:
        return
    yield Heading("Variants", 2)
    for variant in c.s.variants:
        other = variant.solution
        yield Heading(variant.name, 3)
        yield comparison(c, other, variant.assignments)
        for insight in other.insights:
            yield Paragraph(explained(c.s.insights, insight), "insight")
        kinds = {(i.kind, i.layer, i.unit) for i in other.insights}
        for insight in c.s.insights:
            if (insight.kind, insight.layer, insight.unit) not in kinds:
                yield Paragraph(("No longer: ", *insight.message), "insight")
