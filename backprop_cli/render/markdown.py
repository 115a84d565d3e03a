"""Markdown (GitHub and Jupyter flavour): the worked solution with ``$…$`` and ``$$…$$`` maths.

The maths is the LaTeX of the LaTeX document (KaTeX and MathJax read it):
each block of steps one ``aligned`` display, broken across rows as on the
page; tables are pipe tables; the final answers ``\\boxed``. All free text
goes through `escape`, so no title or note can start a heading, a list, a
table cell, emphasis, HTML or maths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from backprop_cli.expr import Message
from backprop_cli.records import dataclass
from backprop_cli.render import RenderOptions, equation_rows, mermaid, terminal_common
from backprop_cli.render.document import (
    Answers,
    Block,
    Cell,
    Chart,
    Equations,
    Heading,
    Items,
    Paragraph,
    Picture,
    Table,
)
from backprop_cli.render.latexmath import LatexMath, latex_math
from backprop_cli.render.latexprose import typeset
from backprop_cli.render.layout import layout
from backprop_cli.render.textmath import TextMath
from backprop_cli.solve.records import Solution

_SYNTAX = re.compile(r"([\\`*_\[\]<>#|$~&])")
_LIST_MARKER = re.compile(r"^(\d+)([.)])|^([-+])")


def escape(text: str) -> str:
    """``text`` on one line, every character Markdown or its maths would read escaped."""
    text = re.sub(r"[\s\x00-\x1f\x7f]+", " ", text)
    return _SYNTAX.sub(r"\\\1", text)


def _code(text: str) -> str:
    """A YAML snippet of a text as inline code (it holds no backtick)."""
    return f"`{text}`"


def _block(text: str) -> str:
    """A paragraph: one that starts like a list item (``-``, ``+``, ``1.``) is not one."""
    return _LIST_MARKER.sub(
        lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", text.strip(), count=1
    )


@dataclass(frozen=True)
class _Writer:
    math: LatexMath
    inline: LatexMath
    """For formulas in the text, which may be broken across lines."""
    precision: int
    text: TextMath
    """For the drawings, whose labels are text."""
    student: str | None = None
    """Who hands the document in, under each problem's title."""

    def message(self, parts: Message) -> list[str]:
        """A message as paragraphs (its text's blank lines kept)."""
        out = [""]
        for part in parts:
            if isinstance(part, str):  # its maths as $…$, as in the LaTeX document
                pieces = [typeset(p, escape, _code) for p in re.split(r"\n[^\S\n]*\n\s*", part)]
                out[-1] += pieces[0]
                out += pieces[1:]
            else:
                out[-1] += f"${self.inline.write(part)}$"
        return [_block(paragraph) for paragraph in out if paragraph.strip()]

    def cell(self, value: Cell) -> str:
        return escape(value).strip() if isinstance(value, str) else f"${self.math.write(value)}$"


def _heading(block: Heading, w: _Writer) -> list[str]:
    by = [f"*{escape(w.student).strip()}*", ""] if block.level == 1 and w.student else []
    return ["#" * block.level + " " + escape(block.text).strip(), "", *by]


def _paragraph(block: Paragraph, w: _Writer) -> list[str]:
    paragraphs = w.message(block.parts)
    if block.kind == "insight":
        return ["> **Insight:** " + "\n>\n> ".join(paragraphs), ""]
    return [line for paragraph in paragraphs for line in (paragraph, "")]


def _items(block: Items, w: _Writer) -> list[str]:
    lines = []
    for i, item in enumerate(block.items, start=1):
        marker = f"{i}. " if block.numbered else "- "
        # Further paragraphs of an item are indented under its first.
        lines.append(marker + ("\n\n" + " " * len(marker)).join(w.message(item)))
    return [*lines, ""]


def _display(rows: list[str], gap: str = "") -> list[str]:
    ends = [row + r" \\" + gap for row in rows[:-1]]
    return ["$$", r"\begin{aligned}", *ends, rows[-1], r"\end{aligned}", "$$", ""]


def _equations(block: Equations, w: _Writer) -> list[str]:
    return _display(equation_rows.rows(block.steps, w.math))


def _table(block: Table, w: _Writer) -> list[str]:
    rows = [[w.cell(c) for c in row] for row in block.rows]
    if block.elided:
        rows.insert(len(rows) - 1, [f"… {block.elided} more"] + [""] * (len(block.header) - 1))
    lines = ["| " + " | ".join(w.cell(c) for c in block.header) + " |"]
    lines.append("|" + "---|" * len(block.header))
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _answers(block: Answers, w: _Writer) -> list[str]:
    rows = [rf"&\boxed{{{w.math.write(s)} = {w.math.write(v)}}}" for s, v in block.items]
    return _heading(Heading(block.title, 2), w) + _display(rows, "[1ex]")


def _chart(block: Chart, w: _Writer) -> list[str]:
    lines = terminal_common.chart(block.values, equation_rows.LINE, precision=w.precision)
    return ["```text", *lines, "```", ""]


def _picture(block: Picture, w: _Writer) -> list[str]:
    note = [escape(block.note).strip(), ""] if block.note else []
    return [*mermaid.flowchart(block, w.text), "", *note]


WRITERS: dict[type, Callable[[Any, _Writer], list[str]]] = {
    Heading: _heading,
    Paragraph: _paragraph,
    Items: _items,
    Equations: _equations,
    Table: _table,
    Answers: _answers,
    Chart: _chart,
    Picture: _picture,
}


def _lines(blocks: Sequence[Block], w: _Writer) -> list[str]:
    return [line for block in blocks for line in WRITERS[type(block)](block, w)]


def render(solutions: Sequence[Solution], options: RenderOptions) -> str:
    w = _Writer(
        latex_math(options.precision, options.max_rows),
        latex_math(options.precision, options.max_rows, inline=True),
        options.precision,
        terminal_common.writer(options),
        options.student,
    )
    documents = [
        "\n".join(_lines(layout(s, options.max_rows, options.sections, pointers=False), w)).strip()
        for s in solutions
    ]
    return "\n\n---\n\n".join(documents) + "\n"
