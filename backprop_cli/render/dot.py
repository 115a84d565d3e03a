"""Graphviz DOT (``--format dot``): each solution's pictures as one ``digraph``.

``dot -Tsvg ex1.dot > ex1.svg`` draws it. Each column is one node, an
HTML-like table (so Graphviz keeps its boxes in order) captioned like the
terminal drawing; each box has the label in bold, values in green and
gradients in red; edges join the boxes' ports and carry their labels (the
weights). The text is UTF-8.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from backprop_cli.render import RenderOptions, drawing, terminal_common
from backprop_cli.render.document import Heading, Node, Picture, Quantity
from backprop_cli.render.layout import layout
from backprop_cli.render.textmath import TextMath
from backprop_cli.solve.records import Solution

VALUE, GRADIENT = "#1a7f37", "#cf222e"
"""Green for values, red for gradients (GitHub's palette, readable on white)."""


def quoted(text: str) -> str:
    """``text`` as a DOT string: quotes and backslashes escaped, lines joined."""
    text = " ".join(text.split())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _quantity(q: Quantity, math: TextMath) -> str:
    colour = GRADIENT if q.gradient else VALUE
    return f'<font color="{colour}">{escape(math.num(q.value))}</font>'


def _label(node: Node, math: TextMath) -> str:
    if node.elided:
        return escape(drawing.elision(node))
    label = node.label if isinstance(node.label, str) else math.write(node.label)
    first, rest = drawing.head(node)
    lines = [f"<b>{escape(label)}</b>" + (f" = {_quantity(first, math)}" if first else "")]
    lines += [f"{escape(math.write(q.symbol))} = {_quantity(q, math)}" for q in rest]
    return "<br/>".join(lines)


def picture(block: Picture, math: TextMath, prefix: str = "", indent: str = "  ") -> list[str]:
    """The statements of one picture: a node per column (a table, which keeps its boxes in
    order, the caption on top), then the edges between the boxes' ports."""
    lines, name = [], drawing.ids(block)
    column_of: dict[str, str] = {}
    for i, nodes in enumerate(drawing.columns(block)):
        caption = escape(drawing.caption(block, i))
        rows = [f'<tr><td border="0"><b>{caption}</b></td></tr>'] if caption else []
        for node in nodes:
            column_of[node.key] = f"{prefix}c{i}"
            label = _label(node, math)
            if node.elided or not node.quantities:
                rows.append(f'<tr><td border="0" port="{name[node.key]}">{label}</td></tr>')
            else:
                box = f'<table border="1" style="rounded" cellborder="0"><tr><td>{label}</td></tr></table>'
                rows.append(f'<tr><td border="0" port="{name[node.key]}">{box}</td></tr>')
        lines.append(f'{indent}{prefix}c{i} [label=<<table border="0" cellspacing="6">')
        lines += [f"{indent}  {row}" for row in rows]
        lines.append(f"{indent}</table>>];")
    for edge in block.edges:
        label = f" [label={quoted(math.write(edge.label))}]" if edge.label is not None else ""
        source = f"{column_of[edge.source]}:{name[edge.source]}:e"
        target = f"{column_of[edge.target]}:{name[edge.target]}:w"
        lines.append(f"{indent}{source} -> {target}{label};")
    return lines


NOT_DRAWN = "Too large to draw: the worked solution (backprop solve) has its table."
"""The digraph's note when the solution has no picture (a graph of too many nodes)."""


def digraph(title: str, pictures: Sequence[Picture], math: TextMath) -> str:
    notes = " ".join(p.note for p in pictures if p.note) if pictures else NOT_DRAWN
    heading = escape(title) + (
        f'<br/><font point-size="10">{escape(notes)}</font>' if notes else ""
    )
    lines = [
        f"digraph {quoted(title)} {{",
        f"  graph [rankdir=LR, labelloc=t, label=<{heading}>, fontname=Helvetica,"
        " nodesep=0.25, ranksep=1.1];",
        "  node [shape=plaintext, fontname=Helvetica, fontsize=11];",
        "  edge [fontname=Helvetica, fontsize=10, arrowsize=0.7];",
    ]
    if len(pictures) == 1:
        lines += picture(pictures[0], math)
    for i, block in enumerate(pictures if len(pictures) > 1 else ()):
        lines += [f"  subgraph cluster_p{i} {{", f"    label={quoted(block.title)};"]
        lines += picture(block, math, f"p{i}_", "    ")
        lines.append("  }")
    return "\n".join([*lines, "}"]) + "\n"


def render(solutions: Sequence[Solution], options: RenderOptions) -> str:
    math = terminal_common.writer(options)
    graphs = []
    for solution in solutions:
        blocks = layout(solution, options.max_rows)
        title = next((b.text for b in blocks if isinstance(b, Heading)), solution.problem.title)
        graphs.append(digraph(title, [b for b in blocks if isinstance(b, Picture)], math))
    return "\n".join(graphs)
