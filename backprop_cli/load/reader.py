"""Typed reading of YAML data, with every error naming its place and line.

A `Reader` wraps one parsed document. Its methods read a value at a path as
a number, text, vector or matrix, or check a mapping's keys, and raise
`ProblemError` ("expected X, got Y", with a "did you mean" for near-miss
names) when the value is not what is needed. Shapes are checked before any
array is allocated.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from backprop_cli.errors import Path, ProblemError
from backprop_cli.load.yaml_source import YNumbers, line_of
from backprop_cli.records import dataclass

T = TypeVar("T")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""The value of a key that is not there."""


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def listed(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def describe(value: Any) -> str:
    """How a found value is named in a message: ``the text 'abc'``, ``a list of 3 items``."""
    if value is MISSING:
        return "nothing (the key is missing)"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "infinity" if value > 0 else "minus infinity"
    if isinstance(value, int):
        return f"the number {_whole(value)}"
    if isinstance(value, float):
        text = repr(value)
        return f"the number {text if len(text) <= 24 else f'{value:.6g}'}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, list):
        if value and all(isinstance(item, list) for item in value):
            widths = {len(item) for item in value}
            if len(widths) == 1:
                return f"a {len(value)}×{widths.pop()} matrix"
        return "an empty list" if not value else f"a list of {plural(len(value), 'item')}"
    if isinstance(value, dict):
        keys = ", ".join(str(key) for key in list(value)[:6])
        return f"a mapping (keys: {keys})" if value else "an empty mapping"
    return type(value).__name__


def _whole(value: int) -> str:
    """A whole number as a message shows it: in full up to 24 digits, else its first and last
    digits and how many there are (an integer of 310+ digits has no float to format it by)."""
    text = str(abs(value))
    sign = "-" if value < 0 else ""
    if len(text) <= 24:
        return sign + text
    return f"{sign}{text[:3]}…{text[-3:]} ({len(text):,} digits)"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'sigmoid'?)`` when a choice is close to ``word``, else ``''``.

    Case is ignored in the comparison (``dw1`` is close to ``dW1``); the choice is
    named as it is spelled.
    """
    spelled = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(word.lower(), list(spelled), n=1, cutoff=0.6)
    return f" (did you mean {spelled[close[0]]!r}?)" if close else ""


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""The characters a text may not hold: the control characters but tab and newline (C0, DEL
and C1), and the bidirectional embeddings, overrides and isolates (U+202A–202E, U+2066–2069),
which reorder what a terminal, a web page or an editor shows around them."""


def finite_row(value: list[Any]) -> bool:
    """Whether every item of ``value`` is a finite number, checked in bulk: a list read as
    numbers (`YNumbers`), or one of finite floats, the common case."""
    return type(value) is YNumbers or (
        all(type(v) is float for v in value) and all(map(math.isfinite, value))
    )


@dataclass(frozen=True)
class Shape:
    """A matrix shape read from nested lists, before anything is allocated."""

    rows: int
    cols: int

    def __str__(self) -> str:
        return f"{self.rows}×{self.cols}"


def readonly(array: np.ndarray) -> np.ndarray:
    """The array, made read-only (a problem's arrays are never changed)."""
    array.flags.writeable = False
    return array


@dataclass
class Reader:
    """Reads typed values out of one YAML document; errors name file, place and line."""

    document: Any
    source: str
    note: str = ""
    """Appended to the place in messages, e.g. ``(set by --set input=2)``."""
    errors: list[ProblemError] | None = None
    """When a list (``validate``), errors that do not stop the reading are added to it, and
    the reader goes on (an unknown key is left out); when None, the first error is raised."""

    def report(self, error: ProblemError) -> None:
        """Raise ``error``, or keep it and go on when collecting every error."""
        if self.errors is None:
            raise error
        self.errors.append(error)

    def attempt(self, read: Callable[[], T]) -> T | None:
        """``read()``; when it fails and every error is wanted, None (the error is kept)."""
        try:
            return read()
        except ProblemError as error:
            self.report(error)
            return None

    def fail(
        self, path: Path, expected: str, found: Any = MISSING, *, hint: str = ""
    ) -> ProblemError:
        return self.error(path, f"expected {expected}, got {describe(found)}{hint}")

    def error(self, path: Path, message: str) -> ProblemError:
        line = line_of(self.document, path)
        return ProblemError(self.source, path, message, line, note=self.note)

    def value_at(self, path: Path) -> Any:
        """The value at ``path`` in the document (`MISSING` where there is none)."""
        node = self.document
        for part in path:
            inside = (isinstance(node, dict) and isinstance(part, str) and part in node) or (
                isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            )
            if not inside:
                return MISSING
            node = node[part]
        return node

    # --- mappings -------------------------------------------------------

    def mapping(self, value: Any, path: Path, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, what, value)
        return value

    def keys(
        self,
        mapping: dict[str, Any],
        path: Path,
        allowed: Sequence[str],
        near_misses: Mapping[str, str] | None = None,
    ) -> None:
        """Every key of ``mapping`` is one of ``allowed``; ``near_misses``: keys too far from
        any allowed one for a spelling match (``lr``), each with what was meant."""
        for key in mapping:
            if key not in allowed:
                if near_misses and key.lower() in near_misses:
                    hint = f" (did you mean {near_misses[key.lower()]}?)"
                else:
                    hint = did_you_mean(key, allowed)
                expected = "one of the keys " + ", ".join(allowed)
                message = f"unknown key {key!r}{hint}; expected {expected}"
                self.report(self.error((*path, key), message))

    # --- scalars --------------------------------------------------------

    def number(self, value: Any, path: Path, what: str = "a number") -> float:
        """A finite number (never a boolean)."""
        if not is_number(value):
            raise self.fail(path, what, value)
        try:
            result = float(value)
        except OverflowError:
            raise self.fail(path, f"{what} within ±1.8e308", value) from None
        if not math.isfinite(result):
            raise self.fail(
                path,
                f"a finite number ({what})" if what != "a number" else "a finite number",
                value,
            )
        return result

    def positive(self, value: Any, path: Path, what: str) -> float:
        result = self.number(value, path, what)
        if result <= 0:
            raise self.fail(path, what, value)
        return result

    def integer(self, value: Any, path: Path, what: str, low: int, high: int) -> int:
        """A whole number in [low, high]."""
        if not (isinstance(value, int) and not isinstance(value, bool)) or not low <= value <= high:
            raise self.fail(path, what, value)
        return value

    def text(self, value: Any, path: Path, what: str = "text") -> str:
        """Text, without control characters (other than newlines and tabs): a title or note is
        printed to terminals, and an escape sequence in it could drive the terminal."""
        if not isinstance(value, str):
            hint = " (put it in quotes)" if is_number(value) or isinstance(value, bool) else ""
            raise self.fail(path, what, value, hint=hint)
        control = CONTROL.search(value)
        if control is not None:
            kind = "bidirectional" if control.group() >= "\u202a" else "control"
            raise self.error(
                path,
                f"expected {what} without control characters, got the {kind} character "
                f"U+{ord(control.group()):04X} in it",
            )
        return value

    def texts(self, value: Any, path: Path, what: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(path, what, value)
        return tuple(self.text(item, (*path, i)) for i, item in enumerate(value))

    def choice(
        self,
        value: Any,
        path: Path,
        what: str,
        choices: Sequence[str],
        *,
        shown: Sequence[str] = (),
        near_misses: Mapping[str, str] | None = None,
    ) -> str:
        """A name from ``choices`` (case-insensitive), with a "did you mean" when close.

        ``shown``: the names the message lists (default: every choice); ``near_misses``: names
        that are not choices, each with what to write instead.
        """
        listing = f"{what} (one of {', '.join(shown or choices)})"
        if not isinstance(value, str):
            raise self.fail(path, listing, value)
        name = value.strip().lower()
        if name not in choices:
            if near_misses and name in near_misses:
                hint = f"; {near_misses[name]}"
            else:
                hint = did_you_mean(name, choices)
            raise self.fail(path, listing, value, hint=hint)
        return name

    # --- arrays ---------------------------------------------------------

    def vector_length(self, value: Any, path: Path, what: str) -> int:
        """The length of a number (1) or a non-empty flat list of numbers, checked."""
        if is_number(value):
            self.number(value, path)
            return 1
        if isinstance(value, list) and value and finite_row(value):
            return len(value)
        if not isinstance(value, list) or not value:
            raise self.fail(path, what, value)
        for i, item in enumerate(value):
            self.number(item, (*path, i))
        return len(value)

    def vector(self, value: Any, path: Path, what: str) -> np.ndarray:
        self.vector_length(value, path, what)
        return np.array([value] if is_number(value) else value, dtype=float)

    def matrix_shape(self, value: Any, path: Path, what: str) -> Shape:
        """The shape of a number (1×1), a flat list (one row) or a list of equal rows."""
        if is_number(value) or (
            isinstance(value, list) and value and not isinstance(value[0], list)
        ):
            return Shape(1, self.vector_length(value, path, what))
        if not isinstance(value, list) or not value:
            raise self.fail(path, what, value)
        cols = -1
        for i, row in enumerate(value):
            if not isinstance(row, list) or not row:
                raise self.fail((*path, i), "a row: a non-empty list of numbers", row)
            if cols >= 0 and len(row) != cols:
                raise self.error(
                    (*path, i),
                    f"expected rows of equal length ({plural(cols, 'number')}, as in row 0), "
                    f"got {plural(len(row), 'number')}",
                )
            cols = len(row)
            for j, item in enumerate(row):
                self.number(item, (*path, i, j))
        return Shape(len(value), cols)

    def matrix(self, value: Any, shape: Shape) -> np.ndarray:
        """The matrix of a value whose shape `matrix_shape` has checked."""
        if is_number(value):
            return np.full((1, 1), float(value))
        return np.array(value, dtype=float).reshape(shape.rows, shape.cols)
