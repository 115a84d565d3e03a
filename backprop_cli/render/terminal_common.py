"""What the terminal formats (rich and plain) share: equations, messages, cells, charts."""

from __future__ import annotations

import numpy as np

from backprop_cli.expr import Message
from backprop_cli.render import RenderOptions, drawing
from backprop_cli.render.document import Cell, Picture
from backprop_cli.render.shown_values import value_expr
from backprop_cli.render.textmath import TextMath, text_math
from backprop_cli.solve.records import Step

_BARS = " ▁▂▃▄▅▆▇█"

SMALL = (5, 4)
"""The terminal draws a picture of at most this many columns of at most this many nodes."""


def writer(options: RenderOptions) -> TextMath:
    return text_math(
        options.precision, max_terms=max(options.max_rows, 4), max_rows=options.max_rows
    )


def message(parts: Message, math: TextMath) -> str:
    return "".join(part if isinstance(part, str) else math.write(part) for part in parts)


def cell(value: Cell, math: TextMath) -> str:
    return value if isinstance(value, str) else math.write(value)


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
    lines = [[(indent, "op"), (lhs, "lhs"), (first, "op"), pieces[0]]]
    lines += [[(pad + " = ", "op"), piece] for piece in pieces[1:]]
    return lines


def joined(line: list[Segment]) -> str:
    return "".join(text for text, _ in line)


def chart(values: np.ndarray, width: int, height: int = 6, precision: int = 4) -> list[str]:
    """A small line chart: ``height`` rows of block characters, labelled with the extremes."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return ["(no finite values to chart)"]
    top, bottom = float(np.max(finite)), float(np.min(finite))
    math = text_math(precision)
    labels = [math.num(top), math.num(bottom)]
    label_width = max(len(label) for label in labels)
    columns = max(min(width - label_width - 3, len(values)), 1)
    picks = np.linspace(0, len(values) - 1, columns).round().astype(int)
    span = top - bottom or 1.0
    levels = [
        (float(values[i]) - bottom) / span * height if np.isfinite(values[i]) else -1 for i in picks
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
    lines.append(" " * label_width + f"  step 0 … {len(values) - 1}")
    return lines


def drawable(picture: Picture) -> bool:
    """Whether a picture is small enough to draw in a terminal (the other formats always draw)."""
    columns = drawing.columns(picture)
    return len(columns) <= SMALL[0] and all(len(nodes) <= SMALL[1] for nodes in columns)
