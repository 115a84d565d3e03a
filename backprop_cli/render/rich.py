"""Rich terminal output: the worked solution with colour, tables and boxed answers.

`renderables` builds the Rich objects (the HTML and SVG exports print the
same ones to a recording console); `render` prints them to text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from io import StringIO
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.constrain import Constrain
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table as RichTable
from rich.text import Text

from backprop_cli.render import RenderOptions, picture_text, terminal_common
from backprop_cli.render.aligned_rows import AlignedRows
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
from backprop_cli.render.wrapping import PROSE_WIDTH
from backprop_cli.solve.records import Solution

ROLE_STYLES = {"lhs": "bold", "op": "", "form": "", "value": "bold green"}
PICTURE_STYLES = {
    "frame": "dim",
    "label": "bold",
    "caption": "bold",
    "value": "green",
    "gradient": "red",
    "text": "",
    "muted": "dim",
}
"""Values in green and gradients in red, as in every drawing of the network."""
PARAGRAPH_STYLES = {"text": "", "note": "italic", "muted": "dim", "insight": "yellow"}


def _heading(block: Heading, math: TextMath, o: RenderOptions) -> Iterator[RenderableType]:
    if block.level == 1:
        yield Panel(Text(math.spell(block.text), style="bold"), box=box.HEAVY, expand=False)
    elif block.level == 2:
        yield Text()
        yield Rule(Text(math.spell(block.text), style="bold cyan"), align="left", style="cyan")
    else:
        yield Text()
        yield Text(math.spell(block.text), style="bold")


def _paragraph(block: Paragraph, math: TextMath, o: RenderOptions) -> Iterator[RenderableType]:
    text = terminal_common.message(block.parts, math)
    if block.kind == "insight":  # a bullet: its lines hang under its text
        grid = RichTable.grid(padding=(0, 1))
        grid.add_column(style="bold yellow", no_wrap=True)
        grid.add_column(style=PARAGRAPH_STYLES["insight"])
        grid.add_row("▸", text)
        yield Constrain(grid, PROSE_WIDTH)
    else:
        yield Constrain(Text(text, style=PARAGRAPH_STYLES.get(block.kind, "")), PROSE_WIDTH)


def _items(block: Items, math: TextMath, o: RenderOptions) -> Iterator[RenderableType]:
    grid = RichTable.grid(padding=(0, 1))
    grid.add_column(style="bold", justify="right")
    grid.add_column()
    for i, item in enumerate(block.items, start=1):
        grid.add_row(f"  {i}." if block.numbered else "  •", terminal_common.message(item, math))
    yield Constrain(grid, PROSE_WIDTH)


def _equations(block: Equations, math: TextMath, o: RenderOptions) -> Iterator[RenderableType]:
    # The rows align the = and ← signs of a group, as LaTeX's align does, and keep a
    # wrapped line indented under the right-hand side it continues.
    rows: list[tuple[Text, Text]] = []
    for step in block.steps:
        for segments in terminal_common.equation(step, math, o.width - 2, "  "):
            split = next(i for i, (_, role) in enumerate(segments) if role in ("form", "value"))
            head = Text.assemble(
                *(
                    (
                        text if role != "op" else text.rstrip(" ") if i else text.strip(" "),
                        ROLE_STYLES[role],
                    )
                    for i, (text, role) in enumerate(segments[:split])
                )
            )
            body = Text.assemble(*((text, ROLE_STYLES[role]) for text, role in segments[split:]))
            rows.append((Text(" ") + head, body))
    yield AlignedRows(rows)


def _table(block: Table, math: TextMath, o: RenderOptions) -> Iterator[RenderableType]:
    table = RichTable(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for cell in block.header:
        table.add_column(terminal_common.cell(cell, math))
    rows = [[terminal_common.cell(c, math) for c in row] for row in block.rows]
    for i, row in enumerate(rows):
        if block.elided and i == len(rows) - 1:
            table.add_row(Text(f"… {block.elided} more", style="dim"), *[""] * (len(row) - 1))
        table.add_row(*row)
    yield table


def _answers(block: Answers, math: TextMath, o: RenderOptions) -> Iterator[RenderableType]:
    grid = RichTable.grid(padding=(0, 1))
    grid.add_column(style="bold", justify="right")
    grid.add_column()
    grid.add_column(style="bold green")
    for symbol, value in block.items:
        grid.add_row(math.write(symbol), "=", math.write(value))
    yield Text()
    yield Panel(
        grid,
        title=Text(block.title, style="bold"),
        title_align="left",
        border_style="green",
        box=box.DOUBLE,
        expand=False,
    )


def _chart(block: Chart, math: TextMath, o: RenderOptions) -> Iterator[RenderableType]:
    lines = terminal_common.chart(block.values, o.width - 6, precision=o.precision)
    yield Panel(Text("\n".join(lines), style="magenta"), title=block.label, expand=False)


def _picture(block: Picture, math: TextMath, o: RenderOptions) -> Iterator[RenderableType]:
    if terminal_common.drawable(block):
        yield Text()
        for line in picture_text.draw(block, math, o.width):
            yield Text.assemble(*((text, PICTURE_STYLES[role]) for text, role in line))


WRITERS: dict[type, Callable[[Any, TextMath, RenderOptions], Iterator[RenderableType]]] = {
    Heading: _heading,
    Paragraph: _paragraph,
    Items: _items,
    Equations: _equations,
    Table: _table,
    Answers: _answers,
    Chart: _chart,
    Picture: _picture,
}


ChartHook = Callable[[Chart], RenderableType]
"""What stands for a loss chart instead of its text drawing (the HTML page draws it as SVG)."""


def _blocks(
    blocks: Sequence[Block], options: RenderOptions, chart: ChartHook | None
) -> Iterator[RenderableType]:
    math = terminal_common.writer(options)
    for block in blocks:
        if chart is not None and isinstance(block, Chart):
            yield chart(block)
        else:
            yield from WRITERS[type(block)](block, math, options)


def renderables(
    solutions: Sequence[Solution], options: RenderOptions, chart: ChartHook | None = None
) -> list[RenderableType]:
    out: list[RenderableType] = []
    for i, solution in enumerate(solutions):
        if i:
            out += [Text(), Rule(style="bold"), Text()]
        blocks = layout(solution, options.max_rows, options.sections)
        out.append(Group(*_blocks(blocks, options, chart)))
    return out


def console(options: RenderOptions, record: bool = False) -> Console:
    return Console(
        file=StringIO(),
        width=options.width,
        force_terminal=options.color,
        color_system="truecolor" if options.color or record else None,
        highlight=False,
        markup=False,
        emoji=False,
        record=record,
        legacy_windows=False,
        no_color=not (options.color or record),
        _environ={},  # the options decide: NO_COLOR, TERM and COLUMNS were read by the caller
    )


def render(solutions: Sequence[Solution], options: RenderOptions) -> str:
    out = console(options)
    for item in renderables(solutions, options):
        out.print(item)
    file = out.file
    assert isinstance(file, StringIO)
    return file.getvalue()
