"""What the user's terminal can show: its width, colour, and whether it is a terminal at all.

The command line asks here once and passes the answers on in `RenderOptions`,
so a renderer never reads the environment. The conventions followed:
``COLUMNS`` (clamped to a width text can be wrapped to), ``NO_COLOR``
(https://no-color.org: no colour when it is set and not empty), ``TERM=dumb``
(no colour and no box drawing) and ``--color auto|always|never``.
"""

from __future__ import annotations

import os
import shutil
import sys
from enum import Enum
from typing import TextIO

MIN_WIDTH = 20
"""Narrower than this, nothing can be wrapped: ``COLUMNS=0`` or ``5`` is read as this."""
MAX_WIDTH = 1000
"""Wider than this is no screen: ``COLUMNS=100000`` is read as this."""
DEFAULT_WIDTH = 100
"""The width of a pipe or a file, which has none of its own."""


class ColorMode(str, Enum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


def is_terminal(stream: TextIO | None) -> bool:
    """Whether ``stream`` is open and a terminal (a closed stream is ``None`` or closed)."""
    try:
        return stream is not None and not stream.closed and stream.isatty()
    except (OSError, ValueError):
        return False


def width() -> int:
    """The width to lay text out in: ``COLUMNS``, the terminal's, or `DEFAULT_WIDTH`."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isascii() and columns.isdigit():
        chosen = int(columns[-6:]) if len(columns) <= 6 else MAX_WIDTH
    elif is_terminal(sys.stdout):
        chosen = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    else:
        chosen = DEFAULT_WIDTH
    return min(max(chosen, MIN_WIDTH), MAX_WIDTH)


def dumb() -> bool:
    """``TERM=dumb``: a terminal that shows neither colour nor box drawing."""
    return os.environ.get("TERM", "") == "dumb"


def use_color(mode: ColorMode, stream: TextIO | None) -> bool:
    """Colour for ``mode``: always, never, or (auto) on a terminal unless NO_COLOR or TERM=dumb."""
    if mode != ColorMode.AUTO:
        return mode == ColorMode.ALWAYS
    return is_terminal(stream) and not os.environ.get("NO_COLOR") and not dumb()


def draws_boxes(mode: ColorMode, stream: TextIO | None) -> bool:
    """Whether the rich format (boxes, tables) is shown rather than plain text.

    On a terminal that is not dumb, or wherever colour is asked for
    (``--color always | less -R``); plain text for pipes, files and TERM=dumb.
    """
    if mode == ColorMode.ALWAYS:
        return True
    return is_terminal(stream) and not dumb()
