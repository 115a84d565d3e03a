"""Box-drawing characters in the SVG image drawn as rectangles, so that borders join.

Rich writes every character of the terminal as text, one row per line of
1.22 font sizes. A font's box-drawing glyphs are about 1.17 font sizes high,
so a heavy border (``┏━┓ ┃ ┗━┛``) showed a gap between rows and corners that
missed their lines, and a font the viewer lacks made it worse. A text element
that holds only such characters (and spaces) is replaced by the rectangles of
its characters' arms, each reaching the edge of its cell.
"""

from __future__ import annotations

import html
import re

CHAR_HEIGHT = 20.0
LINE_HEIGHT = CHAR_HEIGHT * 1.22
"""Rich's SVG cell: a 20 px font on rows 1.22 times as high, the first 1.5 px down."""

ARMS: dict[str, tuple[int, int, int, int]] = {
    "─": (1, 1, 0, 0),
    "━": (2, 2, 0, 0),
    "│": (0, 0, 1, 1),
    "┃": (0, 0, 2, 2),
    "┌": (0, 1, 0, 1),
    "┐": (1, 0, 0, 1),
    "└": (0, 1, 1, 0),
    "┘": (1, 0, 1, 0),
    "╭": (0, 1, 0, 1),
    "╮": (1, 0, 0, 1),
    "╰": (0, 1, 1, 0),
    "╯": (1, 0, 1, 0),
    "┏": (0, 2, 0, 2),
    "┓": (2, 0, 0, 2),
    "┗": (0, 2, 2, 0),
    "┛": (2, 0, 2, 0),
    "├": (0, 1, 1, 1),
    "┤": (1, 0, 1, 1),
    "┬": (1, 1, 0, 1),
    "┴": (1, 1, 1, 0),
    "┼": (1, 1, 1, 1),
}
"""Each character's arms (left, right, up, down): 0 none, 1 light, 2 heavy."""
DOUBLE: dict[str, tuple[int, int]] = {
    "═": (2, 0),
    "║": (0, 2),
    "╔": (1, 1),
    "╗": (-1, 1),
    "╚": (1, -1),
    "╝": (-1, -1),
}
"""Double lines: a straight one (2 across or 2 along), or a corner's horizontal arm (1 right,
−1 left) and vertical arm (1 down, −1 up)."""
GAP, THIN = 2.5, 1.2
"""A double line's two lines: their distance from the cell's middle, and their width."""
THICKNESS = {0: 0.0, 1: 1.5, 2: 3.5}
"""Line widths in pixels: none, light, heavy."""

_TEXT = re.compile(
    r'<text class="(?P<cls>[^"]+)" x="(?P<x>[\d.]+)" y="(?P<y>[\d.]+)" '
    r'textLength="(?P<length>[\d.]+)" clip-path="[^"]+">(?P<text>[^<]*)</text>'
)


def _rect(cls: str, x: float, y: float, width: float, height: float) -> str:
    return (
        f'<rect class="{cls}" x="{x:.2f}" y="{y:.2f}" width="{width:.2f}" '
        f'height="{height:.2f}" shape-rendering="crispEdges"/>'
    )


def _cell(cls: str, char: str, x: float, top: float, width: float) -> list[str]:
    """The rectangles of one character's arms; where arms meet they overlap by a line's width."""
    left, right, up, down = (THICKNESS[arm] for arm in ARMS[char])
    across, along = max(left, right), max(up, down)
    cx, cy, bottom = x + width / 2, top + LINE_HEIGHT / 2, top + LINE_HEIGHT + 0.25
    rects = []
    if left:
        rects.append(_rect(cls, x, cy - left / 2, cx + along / 2 - x, left))
    if right:
        rects.append(_rect(cls, cx - along / 2, cy - right / 2, x + width - cx + along / 2, right))
    if up:
        rects.append(_rect(cls, cx - up / 2, top, up, cy + across / 2 - top))
    if down:
        rects.append(_rect(cls, cx - down / 2, cy - across / 2, down, bottom - cy + across / 2))
    return rects


def _double(cls: str, char: str, x: float, top: float, width: float) -> list[str]:
    """A double line, or a corner whose outer and inner lines meet at their own corners."""
    h, v = DOUBLE[char]
    cx, cy, bottom = x + width / 2, top + LINE_HEIGHT / 2, top + LINE_HEIGHT + 0.25
    height, half = bottom - top, THIN / 2
    if (h, v) == (2, 0):
        return [_rect(cls, x, cy + o - half, width, THIN) for o in (-GAP, GAP)]
    if (h, v) == (0, 2):
        return [_rect(cls, cx + o - half, top, THIN, height) for o in (-GAP, GAP)]
    rects = []
    for k in (1, -1):
        px, py = cx - h * GAP * k, cy - v * GAP * k
        x0, x1 = sorted((px - h * half, x + width if h > 0 else x))
        y0, y1 = sorted((py - v * half, bottom if v > 0 else top))
        rects += [
            _rect(cls, x0, py - half, x1 - x0, THIN),
            _rect(cls, px - half, y0, THIN, y1 - y0),
        ]
    return rects


def _drawn(match: re.Match[str]) -> str:
    text = html.unescape(match["text"]).replace("\N{NO-BREAK SPACE}", " ")
    if not text.strip() or any(c != " " and c not in ARMS and c not in DOUBLE for c in text):
        return match[0]
    x, width = float(match["x"]), float(match["length"]) / len(text)
    top = float(match["y"]) - CHAR_HEIGHT + 1.5
    rects = [
        rect
        for i, char in enumerate(text)
        if char != " "
        for rect in (_double if char in DOUBLE else _cell)(
            match["cls"], char, x + i * width, top, width
        )
    ]
    return "".join(rects)


def draw_boxes(svg: str) -> str:
    """``svg`` with its texts of box-drawing characters drawn as joined rectangles."""
    return _TEXT.sub(_drawn, svg)
