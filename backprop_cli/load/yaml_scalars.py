"""YAML 1.2 core-schema scalars: what a plain or standard-tagged scalar's text stands for.

``1e-3`` is a number, ``yes`` is text, a boolean is never a number (unlike YAML 1.1,
which PyYAML's own constructors follow).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

STD = "tag:yaml.org,2002:"

_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
NUMBER = r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
"""A YAML 1.2 core-schema number written plainly: an integer (``-3``) or a float (``1e-3``)."""
_FLOAT = re.compile(NUMBER + r"\Z")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(nan|NaN|NAN)\Z")


_NUMBER_START = frozenset("0123456789+-.")


def number(text: str) -> float | int:
    """The number of a text `NUMBER` matches: a float if it has a point or an exponent."""
    return float(text) if "." in text or "e" in text or "E" in text else int(text)


def plain(text: str) -> Any:
    """A plain scalar's value: null, a boolean, a number, or the text itself."""
    if not text or text[0] not in _NUMBER_START:
        return (
            None if text in _NULL else True if text in _TRUE else False if text in _FALSE else text
        )
    if len(text) > 1000 and (_INT.match(text) or _OCT.match(text) or _HEX.match(text)):
        raise ValueError(f"the number {text[:20]}… has {len(text):,} digits, too many to read")
    if _FLOAT.match(text):  # the common case first: 0.25, -3, 1e-3 (an int matches too)
        return number(text)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _INF.match(text):
        return float(text.replace(".inf", "inf").replace(".Inf", "inf").replace(".INF", "inf"))
    if _NAN.match(text):
        return float("nan")
    return text


SCALAR_TAGS = ("str", "int", "float", "bool", "null")


def tagged(tag: str, text: str) -> Any:
    """A scalar with an explicit standard tag (``!!str 12``, ``!!float 1``)."""
    kind = tag[len(STD) :]
    if kind == "str":
        return text
    value = plain(text)
    wanted: dict[str, Callable[[Any], bool]] = {
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if not wanted[kind](value):
        raise ValueError(f"the value {text!r} does not fit its tag !!{kind}")
    return float(value) if kind == "float" else value


def show_tag(tag: str) -> str:
    return "!!" + tag[len(STD) :] if tag.startswith(STD) else tag
