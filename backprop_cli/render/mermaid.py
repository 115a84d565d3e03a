"""A `Picture` as a Mermaid flowchart, which GitHub draws from a ``mermaid`` code block.

Left to right, a subgraph per column (its caption as title), a node per box
with its label in bold, values in green and gradients in red, and edges
labelled with their weights. Every text is quoted and its special
characters written as Mermaid's entity codes, so no title can break the chart.
"""

from __future__ import annotations

from backprop_cli.render import drawing
from backprop_cli.render.document import Node, Picture, Quantity
from backprop_cli.render.textmath import TextMath

VALUE, GRADIENT = "#1a7f37", "#cf222e"
"""Green for values, red for gradients, as in the DOT drawing."""

_ENTITIES = {'"': "#34;", "#": "#35;", "&": "#38;", "<": "#60;", ">": "#62;"}


def text(value: str) -> str:
    """``value`` on one line with Mermaid's entity codes for the characters it reads."""
    return "".join(_ENTITIES.get(ch, ch) for ch in " ".join(value.split()))


def _quantity(q: Quantity, math: TextMath) -> str:
    colour = GRADIENT if q.gradient else VALUE
    return f"<span style='color:{colour}'>{text(math.num(q.value))}</span>"


def _label(node: Node, math: TextMath) -> str:
    if node.elided:
        return text(drawing.elision(node))
    label = node.label if isinstance(node.label, str) else math.write(node.label)
    first, rest = drawing.head(node)
    lines = [f"<b>{text(label)}</b>" + (f" = {_quantity(first, math)}" if first else "")]
    lines += [f"{text(math.write(q.symbol))} = {_quantity(q, math)}" for q in rest]
    return "<br>".join(lines)


def flowchart(picture: Picture, math: TextMath) -> list[str]:
    """The lines of a ``mermaid`` code block, fences included."""
    lines, name = ["```mermaid", "flowchart LR"], drawing.ids(picture)
    plain = [name[n.key] for n in picture.nodes if n.elided or not n.quantities]
    for i, nodes in enumerate(drawing.columns(picture)):
        caption = text(drawing.caption(picture, i))
        indent = "    " if caption else "  "  # a column without a caption is no subgraph
        if caption:
            lines.append(f'  subgraph c{i}["{caption}"]')
        for node in nodes:
            lines.append(f'{indent}{name[node.key]}["{_label(node, math)}"]')
        if caption:
            lines.append("  end")
    for edge in picture.edges:
        label = f'|"{text(math.write(edge.label))}"|' if edge.label is not None else ""
        lines.append(f"  {name[edge.source]} -->{label} {name[edge.target]}")
    if plain:  # "… N more" and the like: text, not boxes
        lines += ["  classDef more fill:none,stroke:none", f"  class {','.join(plain)} more"]
    return [*lines, "```"]
