"""A `Picture` as a text drawing for the terminal: a box per node, columns side by side.

Each box holds the node's label, its quantities (values and gradients, told
apart by role, so Rich can colour them) and its incoming edges as
``x₁ ─0.1─▶`` (the source, the edge's label; the sources of unlabelled edges
on one line, ``x₁, x₂ ──▶``). Columns are drawn side by side
when they fit in the width; otherwise each column is a row of boxes, wrapped.
"""

from __future__ import annotations

from backprop_cli.render import drawing
from backprop_cli.render.document import Node, Picture, Quantity
from backprop_cli.render.textmath import TextMath

Segment = tuple[str, str]
"""A piece of a line and its role: ``frame``, ``label``, ``value``, ``gradient``, ``text``."""
Line = list[Segment]

GAP = 3
"""Spaces between two columns, or two boxes of a row."""


def _role(q: Quantity) -> str:
    return "gradient" if q.gradient else "value"


def _label(node: Node, math: TextMath) -> str:
    return node.label if isinstance(node.label, str) else math.write(node.label)


def _contents(node: Node, picture: Picture, math: TextMath) -> list[Line]:
    if node.elided:
        return [[(drawing.elision(node), "text")]]
    first, rest = drawing.head(node)
    top: Line = [(_label(node, math), "label")]
    if first is not None:
        top += [(" = ", "text"), (math.num(first.value), _role(first))]
    lines = [top]
    for q in rest:
        lines.append([(math.write(q.symbol) + " = ", "text"), (math.num(q.value), _role(q))])
    labels = {n.key: n for n in picture.nodes}
    edges = drawing.incoming(picture).get(node.key, [])
    for edge in edges:
        if edge.label is not None:
            source = _label(labels[edge.source], math)
            lines.append([(f"{source} ─{math.write(edge.label)}─▶", "text")])
    plain = [_label(labels[e.source], math) for e in edges if e.label is None]
    if plain:  # the sources of unlabelled edges on one line
        lines.append([(", ".join(plain) + " ──▶", "text")])
    return lines


def _length(line: Line) -> int:
    return sum(len(text) for text, _ in line)


def _box(contents: list[Line], inner: int) -> list[Line]:
    rule = "─" * (inner + 2)
    out: list[Line] = [[("╭" + rule + "╮", "frame")]]
    for line in contents:
        out.append([("│ ", "frame"), *line, (" " * (inner - _length(line)) + " │", "frame")])
    out.append([("╰" + rule + "╯", "frame")])
    return out


def _boxes(nodes: list[Node], picture: Picture, math: TextMath, same: bool) -> list[list[Line]]:
    """A box per node; ``same``: all as wide as the widest (a column drawn as a column)."""
    contents = [_contents(node, picture, math) for node in nodes]
    inner = [max(_length(line) for line in lines) for lines in contents]
    return [
        _box(lines, max(inner) if same else wide)
        for lines, wide in zip(contents, inner, strict=True)
    ]


def _beside(blocks: list[list[Line]], widths: list[int]) -> list[Line]:
    """Blocks of lines side by side, each padded to its width, tops aligned."""
    height = max(len(block) for block in blocks)
    out: list[Line] = []
    for row in range(height):
        line: Line = []
        for i, (block, wide) in enumerate(zip(blocks, widths, strict=True)):
            part = block[row] if row < len(block) else []
            pad = wide - _length(part)
            line += [*part, (" " * (pad + (GAP if i < len(blocks) - 1 else 0)), "text")]
        out.append(_trimmed(line))
    return out


def _trimmed(line: Line) -> Line:
    while line and not line[-1][0].strip():
        line = line[:-1]
    if line:
        text, role = line[-1]
        line = [*line[:-1], (text.rstrip(), role)]
    return line


def draw(picture: Picture, math: TextMath, width: int, indent: str = "  ") -> list[Line]:
    """The drawing as lines of segments, at most ``width`` characters wide where it can be."""
    columns = drawing.columns(picture)
    stacks = []
    for i, nodes in enumerate(columns):
        stack: list[Line] = [[(drawing.caption(picture, i), "caption")]]
        for box in _boxes(nodes, picture, math, True):
            stack += box
        stacks.append(stack)
    widths = [max(_length(line) for line in stack) for stack in stacks]
    body: list[Line]
    if len(indent) + sum(widths) + GAP * (len(widths) - 1) <= width:
        body = _beside(stacks, widths)
    else:
        body = []
        for i, nodes in enumerate(columns):
            body.append([(drawing.caption(picture, i), "caption")])
            row: list[list[Line]] = []
            for box in _boxes(nodes, picture, math, False):
                row_width = sum(_length(b[0]) for b in row) + GAP * len(row)
                if row and len(indent) + row_width + _length(box[0]) > width:
                    body += _beside(row, [_length(b[0]) for b in row])
                    row = []
                row.append(box)
            body += _beside(row, [_length(b[0]) for b in row])
    out = [[(indent, "text"), *line] if line else [] for line in body]
    if picture.note:
        out.append([(indent + picture.note, "muted")])
    return out


def joined(line: Line) -> str:
    return "".join(text for text, _ in line)
