"""Graphviz DOT (``--format dot``): each solution's pictures as one ``digraph``.

``dot -Tsvg ex1.dot > ex1.svg`` draws it. Nodes are boxes with HTML-like
labels: the label in bold, values in green, gradients in red; each column is
a cluster captioned like the terminal drawing; edges carry their labels (the
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
    """The statements of one picture (its nodes in clusters by column, then its edges)."""
    lines, name = [], drawing.ids(block)
    for i, nodes in enumerate(drawing.columns(block)):
        caption = drawing.caption(block, i)
        lines += [
            f"{indent}subgraph cluster_{prefix}c{i} {{",
            f"{indent}  label={quoted(caption)}; style=rounded; color=lightgrey;",
        ]
        for node in nodes:
            shape = ", shape=plaintext" if node.elided or not node.quantities else ""
            lines.append(
                f"{indent}  {prefix}{name[node.key]} [label=<{_label(node, math)}>{shape}];"
            )
        lines.append(f"{indent}}}")
    for edge in block.edges:
        label = f" [label={quoted(math.write(edge.label))}]" if edge.label is not None else ""
        lines.append(f"{indent}{prefix}{name[edge.source]} -> {prefix}{name[edge.target]}{label};")
    return lines


def digraph(title: str, pictures: Sequence[Picture], math: TextMath) -> str:
    notes = " ".join(p.note for p in pictures if p.note)
    heading = escape(title) + (
        f'<br/><font point-size="10">{escape(notes)}</font>' if notes else ""
    )
    lines = [
        f"digraph {quoted(title)} {{",
        f"  graph [rankdir=LR, labelloc=t, label=<{heading}>, fontname=Helvetica,"
        " nodesep=0.25, ranksep=1.1];",
        "  node [shape=box, style=rounded, fontname=Helvetica, fontsize=11];",
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
