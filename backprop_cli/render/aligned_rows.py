"""Rows of ``head body`` with the heads right-aligned: a group of equations in the terminal.

It lays out what a two-column Rich grid (no wrapping in the first column,
padding 1 between them) lays out, line for line and space for space, without
measuring and padding every cell through the table machinery: an equation's
lines are already folded to the width (`terminal_common.equation`), so a body
is wrapped again only when a wider head in its group leaves it less room. A
long derivation has thousands of such rows, and the grid spent most of the
terminal rendering's time on them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.segment import Segment
from rich.text import Text


class AlignedRows:
    """Rows of (head, body): the heads right-aligned in a column as wide as the widest,
    one space, then the bodies, each line padded to the bodies' column width."""

    def __init__(self, rows: Sequence[tuple[Text, Text]]) -> None:
        self.rows = rows
        self.head_width = max((head.cell_len for head, _ in rows), default=0)
        self.body_width = max((_widest(body) for _, body in rows), default=0)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        words = max((_longest_word(body) for _, body in self.rows), default=0)
        return Measurement(self.head_width + 1 + words, self.head_width + 1 + self.body_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        width = max(min(self.body_width, options.max_width - self.head_width - 1), 1)
        gap = Segment(" ")
        for head, body in self.rows:
            lines = (
                [body]
                if "\n" not in body.plain and body.cell_len <= width
                else list(body.wrap(console, width, justify="left", overflow="ellipsis"))
            )
            for k, line in enumerate(lines):
                if k == 0:
                    yield Segment(" " * (self.head_width - head.cell_len))
                    yield from _spanned(head).render(console)
                else:
                    yield Segment(" " * self.head_width)
                yield gap
                yield from _spanned(line).render(console)
                yield Segment(" " * (width - line.cell_len))
                yield Segment.line()


def _spanned(text: Text) -> Text:
    """``text`` with its own style as a span (`Text.render` leaves the base style to its caller)."""
    return Text().append(text) if text.style else text


def _widest(text: Text) -> int:
    return max(Text(line).cell_len for line in text.plain.split("\n"))


def _longest_word(text: Text) -> int:
    return max((Text(word).cell_len for word in text.plain.split()), default=0)
