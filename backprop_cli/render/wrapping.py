"""Fitting the terminal formats to a width: maths, prose and tables.

- Maths is broken only between elements: after a comma at the outermost
  bracket depth that makes the lines fit (a matrix breaks between its rows
  before it breaks inside one), or before a ``+``/``−`` between terms. A
  continued row lines up under its opening bracket, a continued term under
  the first::

      [[0.1, 0.2], [0.3, 0.4]]
        − 0.1·[[−0.01623, −0.03247],
               [−0.01553, −0.03107]]

- Prose is wrapped at the width but never wider than `PROSE_WIDTH`, however
  wide the terminal; a bullet's continuation lines hang under its text.
- A table wider than the width has its last column wrapped when that is
  enough, else it is shown as several tables of its columns, each repeating
  the key columns (sample, neuron).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from backprop_cli.records import dataclass

PROSE_WIDTH = 100
"""The longest line of prose: longer lines are hard to read at 200 columns."""

_OPEN, _CLOSE = "[(", "])"
_TERM_SIGNS = (" + ", " − ", " - ")


@dataclass(frozen=True)
class _Break:
    end: int
    """Where the line before the break ends (exclusive)."""
    start: int
    """Where the line after it starts."""
    depth: int
    """Brackets open at the break: 0 between terms, 1 between a matrix's rows."""
    bracket: int
    """Index of the innermost open bracket (-1 at depth 0)."""


def _breaks(text: str) -> list[_Break]:
    found: list[_Break] = []
    opened: list[int] = []
    for i, ch in enumerate(text):
        if ch in _OPEN:
            opened.append(i)
        elif ch in _CLOSE and opened:
            opened.pop()
        elif ch == "," and text[i + 1 : i + 2] == " ":
            found.append(_Break(i + 1, i + 2, len(opened), opened[-1] if opened else -1))
        elif ch == " " and text[i : i + 3] in _TERM_SIGNS and i:
            found.append(_Break(i, i + 1, len(opened), opened[-1] if opened else -1))
    return found


def _pack(text: str, breaks: Sequence[_Break], width: int, hang: int) -> list[str]:
    """Greedy lines of ``text`` broken at ``breaks``; a continuation indented under its bracket.

    A line that would end inside a row (or term) begun on it ends before that row instead,
    so that the row starts a line of its own: rows broken inside line up under each other
    rather than running down the page one step further right each."""
    lines: list[str] = []
    begins: list[tuple[int, int]] = []  # (index in text, column) where each line starts
    begin, indent = 0, 0
    breaks = [*breaks, _Break(len(text), len(text), 0, -1)]  # the end: the rest must fit too
    fitting: list[int] = []  # the breaks that fit on the current line, by index
    i = 0
    while i < len(breaks):
        candidate = breaks[i]
        if candidate.start <= begin:
            i += 1
            continue
        if indent + candidate.end - begin <= width:
            fitting.append(i)
            i += 1
            continue
        chosen = fitting[-1] if fitting else i
        shallower = [k for k in fitting if breaks[k].depth < breaks[chosen].depth]
        chosen = shallower[-1] if shallower else chosen
        last = breaks[chosen]
        lines.append(" " * indent + text[begin : last.end])
        begins.append((begin, indent))
        if last.bracket < 0:
            indent = hang
        else:
            line_begin, line_indent = next(b for b in reversed(begins) if b[0] <= last.bracket)
            indent = line_indent + last.bracket - line_begin + 1
        begin, fitting, i = last.start, [], chosen + 1
    if begin < len(text):
        lines.append(" " * indent + text[begin:])
    return lines


def fold_math(text: str, width: int, hang: int = 2) -> list[str]:
    """``text`` (one formula or value) as lines of at most ``width`` where it can be broken."""
    if len(text) <= width:
        return [text]
    breaks = _breaks(text)
    lines = [text]
    for depth in sorted({b.depth for b in breaks}):
        lines = _pack(text, [b for b in breaks if b.depth <= depth], width, hang)
        if max(len(line) for line in lines) <= width:
            break
    return lines


def wrap_prose(
    text: str, width: int, first: str = "", rest: str = "", cap: int = PROSE_WIDTH
) -> list[str]:
    """Prose wrapped at ``width`` (at most ``cap``), with a hanging ``rest`` indent."""
    return textwrap.wrap(
        text,
        width=max(min(width, cap), len(rest) + 10),
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]


KEY_WIDTH = 8
"""Leading columns this narrow (a sample, a neuron, a layer number) are the rows' keys:
each group of a split table repeats them."""


def column_groups(widths: Sequence[int], width: int, gap: int = 2) -> list[list[int]]:
    """Columns of a table in groups that fit ``width``, each led by the key columns."""
    keys = 1
    while keys < len(widths) - 1 and widths[keys] <= KEY_WIDTH and widths[keys - 1] <= KEY_WIDTH:
        keys += 1
    lead = list(range(keys))
    groups: list[list[int]] = []
    current, used = list(lead), sum(widths[c] + gap for c in lead) - gap
    for column in range(keys, len(widths)):
        if len(current) > keys and used + gap + widths[column] > width:
            groups.append(current)
            current, used = list(lead), sum(widths[c] + gap for c in lead) - gap
        current.append(column)
        used += gap + widths[column]
    groups.append(current)
    return groups
