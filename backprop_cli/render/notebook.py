"""A solution in a notebook: Jupyter's Markdown output, and LaTeX for nbconvert's PDF."""

from __future__ import annotations

from backprop_cli.render import Format, RenderOptions, render
from backprop_cli.render.latex import body
from backprop_cli.solve.records import Solution


def display(solution: Solution, mime: str) -> str:
    """The worked solution as ``markdown`` (Markdown with maths) or ``latex`` (the LaTeX
    document's body, without the preamble)."""
    if mime == "latex":
        return body([solution], RenderOptions())
    return render(Format.MARKDOWN, [solution], RenderOptions())
