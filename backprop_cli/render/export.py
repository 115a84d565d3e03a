"""The terminal rendering as a file to share: a standalone HTML page or an SVG image.

Rich prints the same renderables as `backprop solve` does in a terminal to a
recording console, then exports what it recorded, colours included, so the
page or image looks like the terminal; on the page a loss chart is drawn as
an SVG line chart instead of its text. A control character in a problem's
text (which XML forbids) is shown as its Unicode picture: ␀, ␛.

The HTML page is titled with the problems' titles, and every colour on its
white page is darkened where needed to a contrast of at least 4.5:1 (WCAG AA
for text): the terminal's yellow and dim grey are too light on white. The SVG
image fetches no font from the web (it works offline) and draws its borders
as lines (`svgboxes`).
"""

from __future__ import annotations

import html as html_text
import re
import secrets
from collections.abc import Sequence

from rich._export_format import CONSOLE_SVG_FORMAT
from rich.console import Console
from rich.text import Text

from backprop_cli.render import RenderOptions, rich, svg_chart
from backprop_cli.render.document import Chart
from backprop_cli.render.svgboxes import draw_boxes
from backprop_cli.solve.records import Solution

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MIN_CONTRAST = 4.5

HTML_FORMAT = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<title>{title}</title>
<style>
{{stylesheet}}
body {{{{
    color: {{foreground}};
    background-color: {{background}};
}}}}
</style>
</head>
<body>
<pre style="font-family:Menlo,'DejaVu Sans Mono',Consolas,'Courier New',monospace"><code \
style="font-family:inherit">{{code}}</code></pre>
</body>
</html>
"""
"""Rich's page with a title: formatted once with the title, then by Rich."""

SVG_FORMAT = re.sub(r"@font-face \{\{.*?\}\}\s*", "", CONSOLE_SVG_FORMAT, flags=re.DOTALL).replace(
    "font-family: Fira Code, monospace;",
    "font-family: 'Fira Code', 'DejaVu Sans Mono', Menlo, Consolas, monospace;",
)
"""Rich's image without the fonts it would fetch from a CDN: the viewer's own monospace."""


def _pictured(text: str) -> str:
    return _CONTROL.sub(lambda m: "\u2421" if m[0] == "\x7f" else chr(0x2400 + ord(m[0])), text)


def _title(solutions: Sequence[Solution]) -> str:
    return "; ".join(solution.problem.title for solution in solutions)


def _luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG's relative luminance of an sRGB colour (channels 0 … 1)."""
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_on_white(hex_colour: str) -> float:
    """The WCAG contrast ratio of ``#rrggbb`` text on white."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 1.05 / (_luminance((red, green, blue)) + 0.05)


def readable(hex_colour: str) -> str:
    """``hex_colour``, darkened just enough to be readable on white."""
    colour = hex_colour
    scale = 1.0
    while contrast_on_white(colour) < MIN_CONTRAST:
        scale -= 0.02
        colour = "#" + "".join(
            f"{round(int(hex_colour[i : i + 2], 16) * scale):02x}" for i in (1, 3, 5)
        )
    return colour


def _recorded(solutions: Sequence[Solution], options: RenderOptions) -> Console:
    console = rich.console(options, record=True)
    for renderable in rich.renderables(solutions, options):
        console.print(renderable)
    return console


def html(solutions: Sequence[Solution], options: RenderOptions) -> str:
    """A standalone HTML page, titled with the problems' titles, its styles inline and
    readable on white; each loss chart an SVG line chart.

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
    title = html_text.escape(_title(solutions)).replace("{", "{{").replace("}", "}}")
    page = console.export_html(inline_styles=True, code_format=HTML_FORMAT.format(title=title))
    page = re.sub(r"(?<![-\w])color: (#[0-9a-f]{6})", lambda m: f"color: {readable(m[1])}", page)
    page = _pictured(page)
    opening = re.search(r"<pre[^>]*><code[^>]*>", page)
    assert opening is not None

    def chart(match: re.Match[str]) -> str:
        figure = svg_chart.svg(drawn[int(match[1])], options.precision)
        return f"</code></pre>\n<figure>{figure}</figure>\n{opening[0]}"

    return re.sub(rf"{token}:(\d+) *\n", chart, page)


def svg(solutions: Sequence[Solution], options: RenderOptions) -> str:
    """An SVG image of a terminal window, titled with the problems' titles."""
    image = _recorded(solutions, options).export_svg(
        title=_title(solutions), code_format=SVG_FORMAT
    )
    return _pictured(draw_boxes(image))
