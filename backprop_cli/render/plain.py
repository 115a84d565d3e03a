"""Plain text: the worked solution without colour or boxes, for pipes and files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from backprop_cli.render import RenderOptions, picture_text, terminal_common
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
    if block.level == 1:
        return [block.text, "=" * min(len(block.text), o.width), ""]
    if block.level == 2:
        return ["", block.text, "-" * min(len(block.text), o.width)]
    return ["", block.text + ":"]


def _paragraph(block: Paragraph, math: TextMath, o: RenderOptions) -> list[str]:
    prefix = "▸ " if block.kind == "insight" else ""
    return [*_wrap(prefix + terminal_common.message(block.parts, math), o.width), ""]


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    import textwrap

    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent + "  " if indent else "",
        break_long_words=False,
        break_on_hyphens=False,
    ) or [""]


def _items(block: Items, math: TextMath, o: RenderOptions) -> list[str]:
    lines = []
    for i, item in enumerate(block.items, start=1):
        marker = f"{i}. " if block.numbered else "- "
        wrapped = _wrap(terminal_common.message(item, math), o.width - len(marker) - 2)
        lines.append("  " + marker + wrapped[0])
        lines += ["  " + " " * len(marker) + rest for rest in wrapped[1:]]
    return [*lines, ""]


def _equations(block: Equations, math: TextMath, o: RenderOptions) -> list[str]:
    lines = []
    for step in block.steps:
        lines += [
            terminal_common.joined(line)
            for line in terminal_common.equation(step, math, o.width, "  ")
        ]
    return [*lines, ""]


def table_lines(header: Sequence[str], rows: Sequence[Sequence[str]], elided: int) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(header), "  " + "  ".join("-" * w for w in widths)]
    body = [line(row) for row in rows]
    if elided:
        body.insert(len(body) - 1, f"  … {elided} more")
    return out + body + [""]


def _table(block: Table, math: TextMath, o: RenderOptions) -> list[str]:
    header = [terminal_common.cell(c, math) for c in block.header]
    rows = [[terminal_common.cell(c, math) for c in row] for row in block.rows]
    return table_lines(header, rows, block.elided)


def _answers(block: Answers, math: TextMath, o: RenderOptions) -> list[str]:
    lines = ["", block.title, "-" * len(block.title)]
    for symbol, value in block.items:
        lines.append(f"  {math.write(symbol)} = {math.write(value)}")
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
    parts = ["\n".join(lines(layout(s, options.max_rows), options)).strip("\n") for s in solutions]
    return ("\n\n" + "=" * min(options.width, 72) + "\n\n").join(parts) + "\n"
