"""Plain text: the worked solution without colour or boxes, for pipes and files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from backprop_cli.render import RenderOptions, picture_text, terminal_common, wrapping
from backprop_cli.render.document import (
    Answers,
    Block,
    Chart,
    Equations,
    Heading,
    Items,
    Paragraph,
    Picture,
    Table,
)
from backprop_cli.render.layout import layout
from backprop_cli.render.textmath import TextMath
from backprop_cli.solve.records import Solution


def _heading(block: Heading, math: TextMath, o: RenderOptions) -> list[str]:
    lines = wrapping.wrap_prose(math.spell(block.text), o.width, cap=o.width)
    rule = "=" if block.level == 1 else "-"
    underline = [rule * max(len(line) for line in lines)]
    if block.level == 1:
        return [*lines, *underline, ""]
    if block.level == 2:
        return ["", *lines, *underline]
    return ["", *lines[:-1], lines[-1] + ":"]


def _paragraph(block: Paragraph, math: TextMath, o: RenderOptions) -> list[str]:
    text = terminal_common.message(block.parts, math)
    if block.kind == "insight":  # a bullet: its lines hang under its text
        return [*wrapping.wrap_prose(text, o.width, "▸ ", "  "), ""]
    return [*wrapping.wrap_prose(text, o.width), ""]


def _items(block: Items, math: TextMath, o: RenderOptions) -> list[str]:
    lines = []
    for i, item in enumerate(block.items, start=1):
        marker = "  " + (f"{i}. " if block.numbered else "- ")
        text = terminal_common.message(item, math)
        lines += wrapping.wrap_prose(text, o.width, marker, " " * len(marker))
    return [*lines, ""]


def _equations(block: Equations, math: TextMath, o: RenderOptions) -> list[str]:
    lines = []
    for step in block.steps:
        lines += [
            terminal_common.joined(line)
            for line in terminal_common.equation(step, math, o.width, "  ")
        ]
    return [*lines, ""]


def table_lines(
    header: Sequence[str], rows: Sequence[Sequence[str]], elided: int, width: int = 10**6
) -> list[str]:
    """A table in ``width`` columns: its last column wrapped if that is enough, else in
    groups of columns that fit (each led by the first column), the last column of a group
    still too wide wrapped."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    rest = width - 2 - sum(w + 2 for w in widths[:-1])
    if sum(widths) + 2 * len(widths) <= width or len(widths) < 2:
        return _table_group(header, rows, elided, widths, range(len(widths)))
    if rest >= MIN_LAST_COLUMN:
        return _table_group(header, rows, elided, [*widths[:-1], rest], range(len(widths)))
    out: list[str] = []
    for group in wrapping.column_groups(widths, width - 2):
        shown, last = list(widths), group[-1]
        rest = width - 2 - sum(widths[c] + 2 for c in group[:-1])
        if widths[last] > rest >= MIN_LAST_COLUMN:  # a group still too wide: wrap its last
            shown[last] = rest
        out += _table_group(header, rows, elided, shown, group)
    return out


MIN_LAST_COLUMN = 24
"""The narrowest a wrapped last column may be before the table is split into groups."""


def _table_group(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    elided: int,
    widths: Sequence[int],
    columns: Sequence[int],
) -> list[str]:
    last = columns[-1]

    def line(cells: Sequence[str]) -> list[str]:
        tail = (
            wrapping.wrap_prose(cells[last], widths[last])
            if len(cells[last]) > widths[last]
            else [cells[last]]
        )
        lead = "  " + "".join(cells[c].ljust(widths[c]) + "  " for c in columns[:-1])
        hang = " " * len(lead)
        return [(lead + tail[0]).rstrip(), *(hang + more for more in tail[1:])]

    out = [*line(header), "  " + "  ".join("-" * widths[c] for c in columns)]
    body = [line(row) for row in rows]
    if elided:
        body.insert(len(body) - 1, [f"  … {elided} more"])
    return out + [text for lines in body for text in lines] + [""]


def _table(block: Table, math: TextMath, o: RenderOptions) -> list[str]:
    header = [terminal_common.cell(c, math) for c in block.header]
    rows = [[terminal_common.cell(c, math) for c in row] for row in block.rows]
    return table_lines(header, rows, block.elided, o.width)


def _answers(block: Answers, math: TextMath, o: RenderOptions) -> list[str]:
    lines = ["", block.title, "-" * len(block.title)]
    for symbol, value in block.items:
        lead = f"  {math.write(symbol)} = "
        folded = wrapping.fold_math(math.write(value), o.width - len(lead))
        lines += [lead + folded[0], *(" " * len(lead) + more for more in folded[1:])]
    return [*lines, ""]


def _chart(block: Chart, math: TextMath, o: RenderOptions) -> list[str]:
    return [
        "  " + line
        for line in terminal_common.chart(block.values, o.width - 2, precision=o.precision)
    ] + [""]


def _picture(block: Picture, math: TextMath, o: RenderOptions) -> list[str]:
    if not terminal_common.drawable(block):
        return []
    return [picture_text.joined(line) for line in picture_text.draw(block, math, o.width)] + [""]


WRITERS: dict[type, Callable[[Any, TextMath, RenderOptions], list[str]]] = {
    Heading: _heading,
    Paragraph: _paragraph,
    Items: _items,
    Equations: _equations,
    Table: _table,
    Answers: _answers,
    Chart: _chart,
    Picture: _picture,
}


def lines(blocks: Sequence[Block], options: RenderOptions) -> list[str]:
    math = terminal_common.writer(options)
    out: list[str] = []
    for block in blocks:
        out += WRITERS[type(block)](block, math, options)
    return out


def render(solutions: Sequence[Solution], options: RenderOptions) -> str:
    parts = [
        "\n".join(lines(layout(s, options.max_rows, options.sections), options)).strip("\n")
        for s in solutions
    ]
    return ("\n\n" + "=" * min(options.width, 72) + "\n\n").join(parts) + "\n"
