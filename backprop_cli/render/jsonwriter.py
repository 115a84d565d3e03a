"""JSON text for a report: standard JSON, each array encoded once, rows on one line.

Numbers are written by orjson, straight from the NumPy buffer, as the shortest
text that reads back as the same float64 (CPython's ``repr`` costs about 0.7 µs
a number; a 100,000-weight gradient matrix would take 70 ms, orjson takes about
1 ms). Non-finite values become ``null``. A large report's matrices appear in
several places (a gradient in ``gradients`` and in its step): an `Array` is
encoded once and its text reused. Indented output keeps each row of a matrix on
one line. A container with no such matrix in it is written by one orjson call
(orjson's two-space indent is this writer's), its arrays and any other values
orjson does not take as they are passed in already encoded.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import orjson

from backprop_cli.records import dataclass

_NUMPY = orjson.OPT_SERIALIZE_NUMPY
_WHOLE = (
    orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)
"""orjson writes only str, int, float, bool, None, dict, list and tuple itself; the rest comes
to `_Writer.encoded`, which writes it as `_Writer.write` does."""


class _Laid(Exception):
    """A value `_Writer.container` lays out itself (a matrix, one row a line)."""


@dataclass(frozen=True, eq=False)
class Array:
    """A NumPy value to be written as JSON numbers (``null`` where not finite)."""

    values: np.ndarray


def encode_array(values: np.ndarray) -> bytes:
    """The compact JSON text of ``values`` (nested lists; ``null`` where not finite); whole
    numbers (max pooling's ``argmax``) stay whole."""
    if np.issubdtype(np.asarray(values).dtype, np.integer):
        return orjson.dumps(np.ascontiguousarray(values, dtype=np.int64), option=_NUMPY)
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 0:
        return orjson.dumps(float(array))
    return orjson.dumps(np.ascontiguousarray(array), option=_NUMPY)


def plain_data(values: np.ndarray) -> Any:
    """A NumPy value as JSON-ready Python data: nested lists of floats, None where not finite."""
    return orjson.loads(encode_array(values))


def encode_scalar(value: Any) -> bytes:
    """A string, number, boolean or None (or plain lists and dicts of them) as JSON text.

    orjson refuses what standard JSON can still carry (a lone surrogate in a
    string, an integer beyond 64 bits); those are written by the standard library.
    """
    try:
        return orjson.dumps(value, option=_NUMPY)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value).encode()


class _Writer:
    """Appends the JSON text of a value to ``parts``; each array is encoded once."""

    def __init__(self, indent: int | None) -> None:
        self.indent = indent
        self.colon = b": " if indent else b":"
        self.cache: dict[tuple[int, int], bytes] = {}
        self.keep: list[np.ndarray] = []
        """The cached arrays, alive while the writer is, so that no id is reused."""
        self.parts: list[bytes] = []

    def matrix(self, values: np.ndarray) -> bool:
        """Whether ``values`` is written one row a line."""
        return self.indent is not None and np.ndim(values) == 2 and np.shape(values)[0] > 0

    def array(self, values: np.ndarray, depth: int) -> bytes:
        matrix = self.matrix(values)
        key = (id(values), depth if matrix else -1)
        if key not in self.cache:
            self.keep.append(values)
            if matrix:
                assert self.indent is not None
                inner = b"\n" + b" " * (self.indent * (depth + 1))
                rows = (inner + encode_array(row) for row in values)
                text = b"[" + b",".join(rows) + b"\n" + b" " * (self.indent * depth) + b"]"
            else:
                text = encode_array(values)
            self.cache[key] = text
        return self.cache[key]

    def write(self, value: Any, depth: int = 0) -> None:
        if isinstance(value, Array):
            self.parts.append(self.array(value.values, depth))
        elif isinstance(value, (dict, list, tuple)) and self.whole(value, depth):
            return
        elif isinstance(value, dict):
            self.container(b"{", b"}", list(value.items()), depth)
        elif isinstance(value, (list, tuple)):
            self.container(b"[", b"]", [(None, item) for item in value], depth)
        else:
            self.parts.append(encode_scalar(value))

    def whole(self, value: dict[Any, Any] | list[Any] | tuple[Any, ...], depth: int) -> bool:
        """Write ``value`` by one orjson call, unless something in it is laid out here (a
        matrix), orjson refuses it (a key that is not a string) or it is indented otherwise."""
        if self.indent not in (None, 2):
            return False
        option = _WHOLE | orjson.OPT_INDENT_2 if self.indent else _WHOLE
        try:
            text = orjson.dumps(value, default=self.encoded, option=option)
        except orjson.JSONEncodeError:
            return False
        self.parts.append(text.replace(b"\n", b"\n" + b" " * (2 * depth)) if depth else text)
        return True

    def encoded(self, value: Any) -> orjson.Fragment:
        """A value orjson passes back, as `write` writes it (on one line)."""
        if isinstance(value, Array) and not self.matrix(value.values):
            return orjson.Fragment(self.array(value.values, 0))
        if isinstance(value, (Array, dict, list, tuple)):
            raise _Laid  # a matrix, or a subclass orjson passed back: the container writes it
        return orjson.Fragment(encode_scalar(value))

    def container(
        self, opening: bytes, closing: bytes, items: list[tuple[Any, Any]], depth: int
    ) -> None:
        """A mapping (items with keys) or a list (keys None), one item a line when indented."""
        if not items:
            self.parts.append(opening + closing)
            return
        inner = b"\n" + b" " * (self.indent * (depth + 1)) if self.indent else b""
        self.parts.append(opening)
        for i, (key, item) in enumerate(items):
            self.parts.append((b"," if i else b"") + inner)
            if key is not None:
                self.parts.append(encode_scalar(str(key)) + self.colon)
            self.write(item, depth + 1)
        self.parts.append((b"\n" + b" " * (self.indent * depth) if self.indent else b"") + closing)


def dump_chunks(data: Any, indent: int | None = 2) -> list[bytes]:
    """``data`` (dicts, lists, scalars and `Array`s) as UTF-8 JSON text, in pieces.

    Written out one after the other, the pieces are the text; a repeated array's
    piece is the same bytes object each time, so no copy of the whole is made.
    """
    writer = _Writer(indent)
    writer.write(data)
    return writer.parts


def dump_bytes(data: Any, indent: int | None = 2) -> bytes:
    """``data`` (dicts, lists, scalars and `Array`s) as UTF-8 JSON text."""
    return b"".join(dump_chunks(data, indent))


def dumps(data: Any, indent: int | None = 2) -> str:
    """``data`` (dicts, lists, scalars and `Array`s) as JSON text."""
    return dump_bytes(data, indent).decode()
