"""LaTeX: the worked solution as a document that ``pdflatex`` compiles, a typeset model answer.

Standard packages only (amsmath, amssymb, booktabs, array, geometry: all in
TeX Live's latex-base and latex-recommended; TikZ and pgfplots for the
pictures, in its pictures collection). Each block of the layout is
written by its writer: headings as sections, steps in ``align*`` as
formula → substitution → result, matrices as ``bmatrix``, tables with
booktabs rules, the final answers one boxed table. All free text goes through
`latextext`, so no title or note can break the document. Only the vector
Computer Modern fonts are used (the default bullet, a TS1 character, would
need a bitmap font made: it is replaced by the maths bullet).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

from backprop_cli.expr import Expr, Message
from backprop_cli.records import dataclass
from backprop_cli.render import RenderOptions, equation_rows, pgfplot, tikz
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
from backprop_cli.render.latexprose import prose, typeset
from backprop_cli.render.latextext import escape
from backprop_cli.render.latexwidth import width
from backprop_cli.render.layout import layout
from backprop_cli.solve.records import Solution

PICTURES = "\n".join((r"\usepackage{tikz}", tikz.COLOURS, pgfplot.PREAMBLE)) + "\n"
"""TikZ for the network's drawing, pgfplots for the loss curve (TeX Live's pictures)."""

PREAMBLE = (
    r"""% A worked solution written by backprop (backprop-cli). Make the PDF with: pdflatex FILE.tex
\documentclass[11pt]{article}
\usepackage[a4paper,margin=2.5cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{array,booktabs}
"""
    + PICTURES
    + r"""\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5\baselineskip plus 2pt}
\setlength{\emergencystretch}{3em}
\renewcommand{\labelitemi}{$\bullet$}
"""
)

TALL = re.compile(r"\\frac|\\begin\{bmatrix\}")
"""What is taller than a line: rows holding one are spaced apart so that they do not touch."""

SECTIONS = ("section", "subsection", "subsubsection")


@dataclass(frozen=True)
class _Writer:
    math: LatexMath
    inline: LatexMath
    """For formulas in the text, which may be broken across lines."""
    top: int
    """The level a title heading (level 1) is written at: 0 the document's title, 1 a section."""
    student: str | None = None
    """Who hands the document in, under its title."""

    def formula(self, e: Expr) -> str:
        return f"${self.inline.write(e)}$"

    def message(self, parts: Message) -> str:
        return "".join(prose(p) if isinstance(p, str) else self.formula(p) for p in parts)

    def cell(self, value: Cell) -> str:
        return (
            typeset(value)
            if isinstance(value, str)
            else f"$\\displaystyle {self.math.write(value)}$"
        )

    def width(self, value: Cell) -> float:
        """About how wide a cell is, in digits (bold header text included)."""
        return 1.1 * len(value) if isinstance(value, str) else width(self.math.write(value))


def title(text: str, subtitle: str, student: str | None = None) -> list[str]:
    """The title block: the title, what the document is, and who hands it in."""
    by = [r"\medskip", rf"{{\large {escape(student)}\par}}"] if student else []
    return [
        r"\begin{center}",
        rf"{{\LARGE\bfseries {text}\par}}",
        r"\medskip",
        rf"{{\large {subtitle}\par}}",
        *by,
        r"\end{center}",
        "",
    ]


def _heading(block: Heading, w: _Writer) -> list[str]:
    level = block.level - 1 + w.top
    text = typeset(block.text)
    if "$" in text:  # a heading's maths is bold too: x = 2 instead of 3
        text = r"\boldmath " + text
    if level == 0:
        return title(text, "Worked solution", w.student)
    return [rf"\{SECTIONS[min(level, len(SECTIONS)) - 1]}{{{text}}}", ""]


def _paragraph(block: Paragraph, w: _Writer) -> list[str]:
    text = w.message(block.parts)
    return [rf"\textbf{{Insight.}} {text}" if block.kind == "insight" else text, ""]


def _items(block: Items, w: _Writer) -> list[str]:
    environment = "enumerate" if block.numbered else "itemize"
    items = [rf"  \item {w.message(item)}" for item in block.items]
    return [rf"\begin{{{environment}}}", *items, rf"\end{{{environment}}}", ""]


def _align(rows: list[str]) -> list[str]:
    """Rows of ``align*``; stacked fractions in neighbouring rows are spaced apart."""
    ends = [
        row + r" \\" + ("[0.8ex]" if TALL.search(row + after) else "")
        for row, after in itertools.pairwise(rows)
    ]
    return [r"\begin{align*}", *ends, rows[-1], r"\end{align*}", ""]


def _equations(block: Equations, w: _Writer) -> list[str]:
    return _align(equation_rows.rows(block.steps, w.math))


def _columns(block: Table, w: _Writer) -> str:
    """``l`` columns, but the widest one wraps its text (a long sum breaks after a +)
    when the table would be wider than the page."""
    widths = [
        max(w.width(row[i]) for row in (block.header, *block.rows))
        for i in range(len(block.header))
    ]
    padding = 2.2 * len(widths)  # \tabcolsep on both sides of every column
    if sum(widths) + padding <= equation_rows.LINE:
        return "l" * len(widths)
    widest = widths.index(max(widths))
    share = (
        max(equation_rows.LINE - padding - sum(widths) + widths[widest], equation_rows.LINE / 3)
        / equation_rows.LINE
    )
    spec = ["l"] * len(widths)
    spec[widest] = rf">{{\raggedright\arraybackslash}}p{{{share:.2f}\linewidth}}"
    return "".join(spec)


def _table(block: Table, w: _Writer) -> list[str]:
    count = len(block.header)
    cells = [[w.cell(c) for c in row] for row in block.rows]
    # Fractions and matrices are taller than a row: space them apart.
    tall = any(TALL.search(cell) for row in cells for cell in row)
    end = r" \\ \addlinespace[1.5ex]" if tall else r" \\"
    rows = [" & ".join(row) + end for row in cells]
    if block.elided:
        more = rf"\multicolumn{{{count}}}{{@{{}}l}}{{\ldots{{}} {block.elided} more}} \\"
        rows.insert(len(rows) - 1, more)
    return [
        r"\begin{center}",
        rf"\begin{{tabular}}{{@{{}}{_columns(block, w)}@{{}}}}",
        r"\toprule",
        " & ".join(rf"\textbf{{\boldmath {w.cell(c)}}}" for c in block.header) + r" \\",
        r"\midrule",
        *rows,
        r"\bottomrule",
        r"\end{tabular}",
        r"\end{center}",
        "",
    ]


ANSWERS_LINES = 40
"""About how many lines of the page one box of final answers may take: a box is never
broken across pages, so a longer list of answers is set in several boxes."""


def _answer_lines(row: str) -> float:
    """About how many lines of text a row of the answers table takes."""
    return 1 + row.count(r"\\") + 0.8 * (r"\frac" in row)


def _answers(block: Answers, w: _Writer) -> list[str]:
    """The final answers as one boxed table of symbol and value, kept on one page."""
    rows = [
        rf"$\displaystyle {w.math.write(symbol)}$ & $\displaystyle {w.math.write(value)}$"
        for symbol, value in block.items
    ]
    boxes: list[list[str]] = [[]]
    for row in rows:
        if boxes[-1] and sum(map(_answer_lines, [*boxes[-1], row])) > ANSWERS_LINES:
            boxes.append([])
        boxes[-1].append(row)
    lines = _heading(Heading(block.title, 2), w)
    for box in boxes:
        lines += [
            r"\begin{center}",
            r"\setlength{\fboxsep}{1.2ex}",
            r"\fbox{\begin{tabular}{@{}ll@{}}",
            r"\textbf{quantity} & \textbf{value} \\",
            r"\midrule",
            *(row + r" \\ \addlinespace[1.5ex]" for row in box[:-1]),
            box[-1],
            r"\end{tabular}}",
            r"\end{center}",
            "",
        ]
    return lines


def _chart(block: Chart, w: _Writer) -> list[str]:
    return pgfplot.chart(block)


def _picture(block: Picture, w: _Writer) -> list[str]:
    return tikz.picture(block, w.inline)


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


def body(solutions: Sequence[Solution], options: RenderOptions) -> str:
    """The document's text without its preamble: what a notebook's LaTeX output holds."""
    w = _Writer(
        latex_math(options.precision, options.max_rows, highlight=True),
        latex_math(options.precision, options.max_rows, inline=True),
        top=0 if len(solutions) == 1 else 1,
        student=options.student,
    )
    lines = title("Worked solutions", f"{len(solutions)} problems", w.student) if w.top else []
    for i, solution in enumerate(solutions):
        if i:
            lines += [r"\clearpage", ""]
        lines += _lines(layout(solution, options.max_rows, options.sections, pointers=False), w)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def render(solutions: Sequence[Solution], options: RenderOptions) -> str:
    return PREAMBLE + "\n\\begin{document}\n\n" + body(solutions, options) + "\n\\end{document}\n"
