"""What the terminal formats (rich and plain) share: equations, messages, cells, charts."""

from __future__ import annotations

import numpy as np

from backprop_cli.expr import Message
from backprop_cli.render import RenderOptions, drawing
from backprop_cli.render.document import Cell, Picture
from backprop_cli.render.math_writer import sum_terms
from backprop_cli.render.shown_values import value_expr
from backprop_cli.render.textmath import TextMath, text_math
from backprop_cli.render.wrapping import fold_math
from backprop_cli.solve.records import Step

_BARS = " ▁▂▃▄▅▆▇█"

SMALL = (5, 4)
"""The terminal draws a picture of at most this many columns of at most this many nodes."""
FEW_NODES = 16
"""… or of at most this many nodes in all, however they are arranged."""


def writer(options: RenderOptions) -> TextMath:
    return text_math(
        options.precision,
        max_terms=sum_terms(options.max_rows),
        max_rows=options.max_rows,
        ascii=options.ascii,
    )


def message(parts: Message, math: TextMath) -> str:
    return "".join(
        math.spell(part) if isinstance(part, str) else math.write(part) for part in parts
    )


def cell(value: Cell, math: TextMath) -> str:
    return math.spell(value) if isinstance(value, str) else math.write(value)


Segment = tuple[str, str]
"""A piece of an equation line and its role: ``lhs``, ``op``, ``form`` or ``value``."""


def equation(step: Step, math: TextMath, width: int, indent: str = "") -> list[list[Segment]]:
    """``lhs = form = substitution = value`` as lines of segments, continued on aligned
    lines (one part each) when it does not fit in ``width``."""
    lhs = math.write(step.lhs)
    parts = [math.write(form) for form in step.forms]
    if step.substitution is not None:
        parts.append(math.write(step.substitution))
    value = math.write(value_expr(step.value))
    parts = [part for part in dict.fromkeys(parts) if part != value]
    first = " ← " if step.assign else " = "
    pieces: list[Segment] = [(part, "form") for part in parts] + [(value, "value")]
    line: list[Segment] = [(indent, "op"), (lhs, "lhs"), (first, "op")]
    for i, piece in enumerate(pieces):
        line += [(" = ", "op"), piece] if i else [piece]
    if sum(len(text) for text, _ in line) <= width:
        return [line]
    pad = indent + " " * len(lhs)
    lines: list[list[Segment]] = []
    for i, (text, role) in enumerate(pieces):
        head: list[Segment] = (
            [(indent, "op"), (lhs, "lhs"), (first, "op")] if i == 0 else [(pad + " = ", "op")]
        )
        folded = fold_math(text, width - len(pad) - 3)
        lines.append([*head, (folded[0], role)])
        lines += [[(pad + "   ", "op"), (rest, role)] for rest in folded[1:]]
    return lines


def joined(line: list[Segment]) -> str:
    return "".join(text for text, _ in line)


CHART_COLUMNS = 60
"""The widest a chart is drawn: a short run is stretched to it, a long one sampled."""
LOG_SPAN = 100.0
"""A positive loss whose largest value is this many times its smallest is charted on a
log scale, so that the later steps are not a flat line at the bottom."""


def chart(values: np.ndarray, width: int, height: int = 6, precision: int = 4) -> list[str]:
    """A small line chart of the whole run: ``height`` rows of block characters, labelled
    with the extremes; on a log scale when the values span `LOG_SPAN` or more."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return ["(no finite values to chart)"]
    top, bottom = float(np.max(finite)), float(np.min(finite))
    math = text_math(precision)
    labels = [math.num(top), math.num(bottom)]
    label_width = max(len(label) for label in labels)
    columns = max(min(width - label_width - 3, CHART_COLUMNS), 1)
    picks = np.arange(columns) * len(values) // columns  # every value as wide as the others
    log = bottom > 0 and top >= LOG_SPAN * bottom
    shown = np.log10(np.where(values > 0, values, np.nan)) if log else values
    low, span = (np.log10(bottom), np.log10(top / bottom)) if log else (bottom, top - bottom)
    span = span or 1.0
    levels = [  # the smallest value still shows as the lowest bar
        max((float(shown[i]) - low) / span * height, 1 / 8) if np.isfinite(shown[i]) else -1
        for i in picks
    ]
    lines = []
    for row in range(height, 0, -1):
        text = ""
        for level in levels:
            fill = level - (row - 1)
            text += _BARS[-1] if fill >= 1 else _BARS[int(max(fill, 0) * 8)] if fill > 0 else " "
        label = labels[0] if row == height else labels[1] if row == 1 else ""
        lines.append(f"{label:>{label_width}} │{text}")
    lines.append(" " * label_width + " └" + "─" * columns)
    scale = " (log scale)" if log else ""
    lines.append(" " * label_width + f"  step 0 … {len(values) - 1}{scale}")
    return lines


def drawable(picture: Picture) -> bool:
    """Whether a picture is small enough to draw in a terminal (the other formats always draw):
    a few short columns, or few nodes in all (a staged formula: a long chain of gates, drawn
    one column under another when it is too wide)."""
    columns = drawing.columns(picture)
    if len(picture.nodes) <= FEW_NODES:
        return True
    return len(columns) <= SMALL[0] and all(len(nodes) <= SMALL[1] for nodes in columns)
