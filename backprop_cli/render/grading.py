"""A `Grading` as a table of marks led by the first wrong step: rich, plain text or JSON.

The human formats lay the grading out in the same blocks a worked solution
uses (`render.blocks`) and write them with the plain and rich writers; the
JSON is the same content as data. Nothing is computed here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from backprop_cli.expr import Message
from backprop_cli.render import FORMAT_VERSION, GradingFormat
from backprop_cli.render.document import Block, Cell, Heading, Items, Paragraph, Table

if TYPE_CHECKING:
    from backprop_cli.grade.check import Grading, Mark
    from backprop_cli.render import RenderOptions


def _shown(mark: Mark, values: np.ndarray, batched: bool) -> np.ndarray:
    """As the report shapes it: one sample's values flat, a batch as rows."""
    return values[0] if mark.quantity.per_sample and not batched and values.ndim == 2 else values


def _verdict(mark: Mark) -> str:
    if mark.right:
        return "✓ right, as rounded" if mark.rounded else "✓ right"
    assert mark.found is not None
    transposed = mark.given.transposed and mark.found.kind != "transposed"
    return f"✗ wrong: {mark.found.title}" + (" (and written transposed)" if transposed else "")


def _same(one: Mark, other: Mark) -> bool:
    """Explained alike (where in the network the mistake was made aside)."""
    assert one.found is not None and other.found is not None
    return (one.found.kind, one.found.message) == (other.found.kind, other.found.message)


def _others(grading: Grading) -> Iterator[Message]:
    """The wrong answers the lead leaves out; those with the same explanation together,
    and those with the first wrong step's explanation in a few words."""
    first = grading.first_wrong
    assert first is not None and first.found is not None
    name = first.quantity.name
    skipped = {name} | {m.quantity.name for m in grading.carried_from(name)}
    groups: list[tuple[list[str], Mark]] = []
    for mark in grading.wrong:
        if mark.quantity.name in skipped:
            continue
        assert mark.found is not None
        if groups and _same(groups[-1][1], mark):
            groups[-1][0].append(mark.quantity.name)
        else:
            groups.append(([mark.quantity.name], mark))
    from backprop_cli.load.reader import listed

    for names, mark in groups:
        assert mark.found is not None
        if _same(mark, first):
            yield (f"{listed(names)}: {mark.found.title}, as in {name}.",)
        else:
            yield (f"{listed(names)}: ", *mark.found.message)


def blocks(grading: Grading) -> Iterator[Block]:
    from backprop_cli.render.shown_values import value_expr

    s = grading.solution
    batched = s.problem.batched
    yield Heading(f"Check of {grading.answers} against {s.problem.source}: {s.problem.title}", 1)
    first = grading.first_wrong
    yield Paragraph(grading.lead)
    rows: list[tuple[Cell, ...]] = [
        (
            mark.quantity.name,
            value_expr(_shown(mark, mark.given.written, batched)),
            value_expr(_shown(mark, mark.quantity.expected, batched)),
            _verdict(mark),
        )
        for mark in grading.marks
    ]
    yield Heading("Answers", 2)
    yield Paragraph((f"An answer is right when it is {grading.tolerance}.",), "muted")
    yield Table(("answer", "given", "expected", "verdict"), tuple(rows))
    others = tuple(_others(grading)) if first is not None else ()
    if others:
        yield Heading("Other wrong answers", 2)
        yield Items(others)
    right = len(grading.marks) - len(grading.wrong)
    yield Paragraph((f"Result: {right} of {len(grading.marks)} right.",))


# --- the formats ---------------------------------------------------------------


def _plain(grading: Grading, options: RenderOptions) -> str:
    from backprop_cli.render import plain

    return "\n".join(plain.lines(tuple(blocks(grading)), options)).strip("\n") + "\n"


def _rich(grading: Grading, options: RenderOptions) -> str:
    from io import StringIO

    from backprop_cli.render import rich
    from backprop_cli.render.terminal_common import writer

    out = rich.console(options)
    math = writer(options)
    for block in blocks(grading):
        for item in rich.WRITERS[type(block)](block, math, options):
            out.print(item)
    assert isinstance(out.file, StringIO)
    return out.file.getvalue()


def report(grading: Grading, precision: int = 4) -> dict[str, Any]:
    """The grading as JSON-ready data, values in full."""
    from backprop_cli.render.jsonwriter import plain_data
    from backprop_cli.render.report import number
    from backprop_cli.render.terminal_common import message
    from backprop_cli.render.textmath import text_math

    words = text_math(precision)
    s = grading.solution
    batched = s.problem.batched

    def text(parts: Message) -> str:
        return message(parts, words)

    def value(mark: Mark, values: np.ndarray) -> Any:
        shown = _shown(mark, values, batched)
        return number(float(shown)) if shown.ndim == 0 else plain_data(shown)

    first = grading.first_wrong
    return {
        "format_version": FORMAT_VERSION,
        "problem": {"source": s.problem.source, "title": s.problem.title},
        "answers": grading.answers,
        "tolerance": {"abs": grading.tolerance.abs, "rel": grading.tolerance.rel},
        "passed": grading.passed,
        "right": len(grading.marks) - len(grading.wrong),
        "wrong": len(grading.wrong),
        "first_wrong": None if first is None else first.quantity.name,
        "summary": text(grading.lead),
        "marks": [
            {
                "name": mark.quantity.name,
                "given": value(mark, mark.given.written),
                "expected": value(mark, mark.quantity.expected),
                "right": mark.right,
                "line": mark.given.line,
                "rounded": mark.rounded,
                "transposed": mark.given.transposed,
                "diagnosis": None
                if mark.found is None
                else {
                    "kind": mark.found.kind,
                    "title": mark.found.title,
                    "message": text(mark.found.message),
                    "from": mark.found.source,
                },
            }
            for mark in grading.marks
        ],
    }


def _json(grading: Grading, options: RenderOptions) -> str:
    return json.dumps(report(grading, options.precision), ensure_ascii=False, indent=2) + "\n"


RENDERERS: dict[GradingFormat, Callable[[Grading, RenderOptions], str]] = {
    GradingFormat.RICH: _rich,
    GradingFormat.PLAIN: _plain,
    GradingFormat.JSON: _json,
}


def render(fmt: GradingFormat, grading: Grading, options: RenderOptions) -> str:
    return RENDERERS[fmt](grading, options)
