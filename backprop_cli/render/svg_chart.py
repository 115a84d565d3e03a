"""A loss chart as an SVG line chart, for the HTML page.

The loss over the steps as a polyline between labelled axes: the y axis
linear from the smallest to the largest loss, or logarithmic (ticks at the
powers of ten) when the loss spans decades; the x axis from step 0 to the
last. Self-contained SVG 1.1, no script, no external font.
"""

from __future__ import annotations

import math
from html import escape

from backprop_cli.render import charts
from backprop_cli.render.document import Chart
from backprop_cli.render.numbers import human

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 30, 40
"""The plot area's margins, in pixels: room for the tick labels and the title."""
LINE = "#8250df"


def _ticks(low: float, high: float, log: bool) -> list[float]:
    if log:  # the powers of ten whose exponent is a multiple of k: six or fewer
        powers = range(math.ceil(math.log10(low)), math.floor(math.log10(high)) + 1)
        every = math.ceil(len(powers) / 6)
        return [10.0**e for e in powers if e % every == 0]
    if high == low:
        return [low]
    # the round step (1, 2 or 5 times a power of ten) nearest a quarter of the range
    rough = (high - low) / 4
    power = 10.0 ** math.floor(math.log10(rough))
    step = min((m * power for m in (1, 2, 5, 10)), key=lambda c: abs(c - rough))
    first = math.ceil(low / step - 1e-9)
    count = math.floor(high / step + 1e-9) - first + 1
    return [round((first + i) * step / power) * power for i in range(count)]


def svg(block: Chart, precision: int = 4) -> str:
    """The chart of ``block.values`` as an ``<svg>`` element."""
    data = charts.points(block.values)
    title = escape(block.label)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12" '
        f'role="img" aria-label="{title}">'
    )
    if not data:
        return f'{head}<text x="{LEFT}" y="{TOP}">{title}: no finite values to chart</text></svg>'
    log = charts.logarithmic(block.values)
    ys = [y for _, y in data]
    low, high = min(ys), max(ys)
    last = max(len(block.values) - 1, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def scaled(y: float) -> float:
        if log:
            return (math.log10(y) - math.log10(low)) / ((math.log10(high) - math.log10(low)) or 1)
        return (y - low) / ((high - low) or 1)

    def at(step: int, y: float) -> str:
        return f"{LEFT + step / last * plot_w:.1f},{TOP + (1 - scaled(y)) * plot_h:.1f}"

    parts = [
        head,
        f'<text x="{WIDTH / 2:.0f}" y="18" text-anchor="middle" font-weight="bold">{title}</text>',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>',
    ]
    for tick in _ticks(low, high, log):
        y = TOP + (1 - scaled(tick)) * plot_h
        parts.append(
            f'<line x1="{LEFT - 4}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(human(tick, precision))}</text>"
        )
    for step in sorted({0, last // 2, last}):
        x = LEFT + step / last * plot_w
        parts.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{step}</text>'
        )
    scale = "loss (log scale)" if log else "loss"
    parts += [
        f'<text x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 6}" text-anchor="middle">step</text>',
        f'<text x="14" y="{TOP + plot_h / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + plot_h / 2:.0f})">{scale}</text>',
        f'<polyline fill="none" stroke="{LINE}" stroke-width="2" '
        f'points="{" ".join(at(step, y) for step, y in data)}"/>',
        "</svg>",
    ]
    return "".join(parts)
