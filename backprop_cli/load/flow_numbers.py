"""Long one-line lists of plain numbers, read in one step instead of one parser event each.

A 784-pixel sample is 786 parser events (the list's start and end, a scalar per number),
each handled in Python; 32 such samples took most of the time of loading the file.
Before the parser runs, each list of `MIN_NUMBERS` or more plain numbers written on one
line, after ``:``, ``,``, ``[``, ``{`` or ``-``, is swapped for a placeholder scalar of the
same length (so every line and column stays where it was), and the numbers are read with
the regular expression of the YAML 1.2 core schema's numbers, exactly as `yaml_source`
reads each one. A placeholder the parser gives back anywhere but as a plain scalar — in a
quoted or block string, or glued into a longer plain scalar — means the swap was wrong
there, and `yaml_source` reads the file again without it (`Misplaced`).
"""

from __future__ import annotations

import math
import re

from backprop_cli.load.yaml_scalars import NUMBER, number

MIN_NUMBERS = 16
MAX_DIGITS = 60  # longer numbers are left for the parser and its messages
MARK = "\ue000"  # a private-use character: printable for YAML, in no problem file
_LIST = re.compile(
    rf"(?<=[:,\[{{-])([ \t]*)\[[ \t]*((?:{NUMBER}[ \t]*,[ \t]*){{{MIN_NUMBERS - 1},}}{NUMBER})[ \t]*\]"
)
_SPLIT = re.compile(r"[ \t]*,[ \t]*")


class Misplaced(Exception):
    """A placeholder came back inside other text: read the file again as written."""


def swap(text: str) -> tuple[str, dict[str, list[float | int]]]:
    """``text`` with each long list of plain numbers a placeholder, and each one's numbers.

    Lists holding a number that is not finite (``1e999``) or longer than `MAX_DIGITS` are
    left for the parser, so its message names the very number.
    """
    if MARK in text:
        return text, {}
    lists: dict[str, list[float | int]] = {}

    def placeholder(match: re.Match[str]) -> str:
        items = _SPLIT.split(match.group(2))
        if max(map(len, items)) > MAX_DIGITS:
            return match.group(0)
        numbers = list(map(number, items))
        if not all(map(math.isfinite, numbers)):
            return match.group(0)
        spaces, label = match.group(1), f"{MARK}{len(lists)}"
        label += MARK * (len(match.group(0)) - len(spaces) - len(label))
        lists[label] = numbers
        return spaces + label

    return _LIST.sub(placeholder, text), lists


def numbers_of(
    text: str, plain: bool, lists: dict[str, list[float | int]]
) -> list[float | int] | None:
    """The numbers a scalar stands for (None for ordinary text); `Misplaced` for a
    placeholder in a quoted string or glued into other text."""
    if not lists or MARK not in text:
        return None
    numbers = lists.get(text) if plain else None
    if numbers is None:
        raise Misplaced
    return numbers
