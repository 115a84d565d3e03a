"""A `Picture` as a TikZ drawing for the LaTeX document: columns of boxes, labelled arrows.

Columns are placed left to right, each centred on the same line; a box holds
the label, values in green and gradients in red; an arrow's label (a weight)
sits a third of the way along it, on a white patch. The drawing is shrunk to
the line width when it would be wider, and to 60% of the page's height when
it would be taller, so it always fits on one page; it is a figure, placed
here when the page has room, else at the top of the next page, with a
caption saying what the colours mean.
"""

from __future__ import annotations

from backprop_cli.render import drawing
from backprop_cli.render.document import Node, Picture, Quantity
from backprop_cli.render.latexmath import LatexMath
from backprop_cli.render.latextext import escape
from backprop_cli.render.latexwidth import width

COLOURS = r"""\definecolor{bpvalue}{HTML}{1A7F37}
\definecolor{bpgradient}{HTML}{CF222E}"""
"""Green for values, red for gradients (defined in the preamble)."""

LINE = 0.42
"""The height of a line of a box, in centimetres (footnotesize)."""
DIGIT = 0.17
"""The width of a digit in a box, in centimetres."""


def _quantity(q: Quantity, math: LatexMath) -> str:
    colour = "bpgradient" if q.gradient else "bpvalue"
    return rf"\textcolor{{{colour}}}{{{math.num(q.value)}}}"


def _lines(node: Node, math: LatexMath) -> list[str]:
    if node.elided:
        return [escape(drawing.elision(node))]
    label = escape(node.label) if isinstance(node.label, str) else f"${math.write(node.label)}$"
    first, rest = drawing.head(node)
    top = label + (f"${{}} = {_quantity(first, math)}$" if first else "")
    return [top] + [f"${math.write(q.symbol)} = {_quantity(q, math)}$" for q in rest]


LINE_WIDTH = 15.0
"""About the width of the document's text, in centimetres (A4, 11 pt)."""


class _Places:
    """Where each column's caption and boxes go: columns left to right, or, for a long chain
    of columns wider than the line (a computational graph), rows top to bottom, so that the
    drawing is not shrunk until its text cannot be read."""

    def __init__(
        self, columns: list[list[Node]], dx: float, dy: float, lines: int, across: bool
    ) -> None:
        self.columns, self.dx, self.dy, self.across = columns, dx, dy, across
        self.most = max(len(nodes) for nodes in columns)
        self.top = (self.most - 1) / 2 * dy + lines * LINE / 2 + 0.5
        """The height of the captions above the columns (left to right)."""

    def node(self, i: int, j: int) -> tuple[float, float]:
        count = len(self.columns[i])
        if self.across:
            return (j - (count - 1) / 2) * self.dx, -i * self.dy
        return i * self.dx, ((count - 1) / 2 - j) * self.dy

    def caption(self, i: int) -> tuple[tuple[float, float], str]:
        if self.across:
            return (-(self.most / 2) * self.dx, -i * self.dy), ", anchor=east"
        return (i * self.dx, self.top), ""


def _places(
    columns: list[list[Node]], dx: float, dy: float, widest: float, tallest: int
) -> _Places:
    # Across only where side by side would be shrunk to under two thirds: a network of a few
    # layers a little wider than the line keeps its columns left to right.
    wide = (len(columns) - 1) * dx + widest > 1.5 * LINE_WIDTH
    across = wide and len(columns) > max(len(nodes) for nodes in columns)
    if across:
        return _Places(columns, widest + 0.6, tallest * LINE + 1.0, tallest, True)
    return _Places(columns, dx, dy, tallest, False)


def picture(block: Picture, math: LatexMath) -> list[str]:
    columns = drawing.columns(block)
    name = drawing.ids(block)
    texts = {node.key: _lines(node, math) for nodes in columns for node in nodes}
    tallest = max(len(lines) for lines in texts.values())
    widest = max(width(line) for lines in texts.values() for line in lines) * DIGIT + 0.4
    dy = tallest * LINE + 0.45
    dx = widest + 1.4
    lines = [
        r"\begin{figure}[!htbp]",
        r"\centering",
        r"\sbox0{\begin{tikzpicture}[font=\footnotesize,",
        r"  box/.style={draw, rounded corners=2pt, align=center, inner sep=3pt},",
        r"  more/.style={align=center, inner sep=3pt},",
        r"  weight/.style={pos=0.3, fill=white, inner sep=1pt, font=\scriptsize},",
        r"  >=stealth]",
    ]
    places = _places(columns, dx, dy, widest, tallest)
    for i, nodes in enumerate(columns):
        caption = escape(drawing.caption(block, i))
        (cx, cy), anchor = places.caption(i)
        lines.append(
            rf"\node[font=\footnotesize\bfseries{anchor}] at ({cx:.2f},{cy:.2f}) {{{caption}}};"
        )
        for j, node in enumerate(nodes):
            style = "more" if node.elided or not node.quantities else "box"
            text = r" \\ ".join(texts[node.key])
            x, y = places.node(i, j)
            lines.append(rf"\node[{style}] ({name[node.key]}) at ({x:.2f},{y:.2f}) {{{text}}};")
    for edge in block.edges:
        label = rf"node[weight] {{${math.write(edge.label)}$}} " if edge.label is not None else ""
        lines.append(rf"\draw[->] ({name[edge.source]}) -- {label}({name[edge.target]});")
    lines += [
        r"\end{tikzpicture}}",
        r"\ifdim\wd0>\linewidth\sbox0{\resizebox{\linewidth}{!}{\usebox0}}\fi",
        r"\ifdim\ht0>0.6\textheight\sbox0{\resizebox{!}{0.6\textheight}{\usebox0}}\fi",
        r"\usebox0",
    ]
    colours = r"values in \textcolor{bpvalue}{green}, gradients in \textcolor{bpgradient}{red}."
    note = f" {escape(block.note)}" if block.note else ""
    return [*lines, rf"\caption{{{escape(block.title)}: {colours}{note}}}", r"\end{figure}", ""]
