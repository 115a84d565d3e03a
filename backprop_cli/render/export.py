"""The terminal rendering as a file to share: a standalone HTML page or an SVG image.

Rich prints the same renderables as `backprop solve` does in a terminal to a
recording console, then exports what it recorded, colours included, so the
page or image looks exactly like the terminal; on the page a loss chart is
drawn as an SVG line chart instead of its text. A control character in a
problem's text (which XML forbids) is shown as its Unicode picture: ␀, ␛.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from backprop_cli.render import RenderOptions, rich, svg_chart
from backprop_cli.render.document import Chart
from backprop_cli.solve.records import Solution

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _pictured(text: str) -> str:
    return _CONTROL.sub(lambda m: "\u2421" if m[0] == "\x7f" else chr(0x2400 + ord(m[0])), text)


def _recorded(solutions: Sequence[Solution], options: RenderOptions) -> Console:
    console = rich.console(options, record=True)
    for renderable in rich.renderables(solutions, options):
        console.print(renderable)
    return console


def html(solutions: Sequence[Solution], options: RenderOptions) -> str:
    """A standalone HTML page, its styles inline; each loss chart an SVG line chart.

    A chart is printed as a marker line no text can hold (a random token),
    which the page's ``<pre>`` is closed and reopened around.
    """
    token = secrets.token_hex(8)
    drawn: list[Chart] = []

    def marker(block: Chart) -> Text:
        drawn.append(block)
        return Text(f"{token}:{len(drawn) - 1}")

    console = rich.console(options, record=True)
    for renderable in rich.renderables(solutions, options, marker):
        console.print(renderable)
    page = _pictured(console.export_html(inline_styles=True))
    opening = re.search(r"<pre[^>]*><code[^>]*>", page)
    assert opening is not None

    def chart(match: re.Match[str]) -> str:
        figure = svg_chart.svg(drawn[int(match[1])], options.precision)
        return f"</code></pre>\n<figure>{figure}</figure>\n{opening[0]}"

    return re.sub(rf"{token}:(\d+) *\n", chart, page)


def svg(solutions: Sequence[Solution], options: RenderOptions) -> str:
    """An SVG image of a terminal window, titled with the problems' titles."""
    title = "; ".join(solution.problem.title for solution in solutions)
    return _pictured(_recorded(solutions, options).export_svg(title=title))
