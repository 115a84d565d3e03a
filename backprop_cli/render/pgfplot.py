"""A loss chart as a pgfplots line plot, for the LaTeX document.

The loss over the steps (at most `charts.POINTS` of them, evenly spread) as a
line; the y axis is logarithmic when the loss spans decades. pgfplots is in
TeX Live's ``pictures`` collection (Debian's texlive-pictures), with TikZ.
"""

from __future__ import annotations

from backprop_cli.render import charts
from backprop_cli.render.document import Chart
from backprop_cli.render.latextext import escape

PREAMBLE = r"""\usepackage{pgfplots}
\pgfplotsset{compat=1.18}"""


def chart(block: Chart) -> list[str]:
    data = charts.points(block.values)
    if not data:
        return [rf"({escape(block.label)}: no finite values to chart)", ""]
    axis = "semilogyaxis" if charts.logarithmic(block.values) else "axis"
    quantity = escape(block.label.removesuffix(" per step"))  # "loss", "f", …
    scale = f"{quantity} (log scale)" if axis == "semilogyaxis" else quantity
    coordinates = " ".join(f"({step},{value:.6g})" for step, value in data)
    last = max(len(block.values) - 1, 1)
    return [
        r"\begin{center}",
        r"\begin{tikzpicture}",
        rf"\begin{{{axis}}}[width=0.85\linewidth, height=5.5cm, grid=major,",
        rf"  title={{{escape(block.label)}}}, xlabel={{step}}, ylabel={{{scale}}},",
        # whole steps only, at most about ten ticks (never 0.2, 0.4, … between two steps)
        rf"  xmin=0, xmax={last}, xtick distance={tick_distance(last)}, enlarge y limits=0.05]",
        rf"\addplot[thick, violet, mark=none] coordinates {{{coordinates}}};",
        rf"\end{{{axis}}}",
        r"\end{tikzpicture}",
        r"\end{center}",
        "",
    ]


def tick_distance(last: int) -> int:
    """Steps between the ticks of an axis from 0 to ``last``: 1, 2 or 5 times a power of ten,
    so that there are at most ten intervals and every tick is a whole step."""
    scale = 1
    while True:
        for factor in (1, 2, 5):
            if last <= 10 * factor * scale:
                return factor * scale
        scale *= 10
