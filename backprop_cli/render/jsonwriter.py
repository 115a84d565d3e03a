"""JSON text for a report: standard JSON, each array written once, rows on one line.

`json.dumps` would write a large report's matrices once per place they appear
(a gradient in ``gradients`` and in its step) and, indented, one number per
line. Here an `Array` is encoded once and its text reused; indented output
keeps each row of numbers on one line.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)
class Array:
    """A NumPy value to be written as JSON numbers (``null`` where not finite)."""

    values: np.ndarray


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def plain_data(values: np.ndarray) -> Any:
    """A NumPy value as JSON-ready Python data: nested lists of floats, None where not finite."""
    data = np.asarray(values, dtype=float).tolist()
    return data if np.all(np.isfinite(values)) else _clean(data)


class _Writer:
    """Appends the JSON text of a value to ``parts``; each array is encoded once."""

    def __init__(self, indent: int | None) -> None:
        self.indent = indent
        self.separators = (", ", ": ") if indent else (",", ":")
        self.cache: dict[tuple[int, int], str] = {}
        self.parts: list[str] = []

    def array(self, values: np.ndarray, depth: int) -> str:
        key = (id(values), depth if self.indent else 0)
        if key not in self.cache:
            data = plain_data(values)
            if self.indent and isinstance(data, list) and data and isinstance(data[0], list):
                inner = "\n" + " " * (self.indent * (depth + 1))
                rows = [json.dumps(row, separators=self.separators) for row in data]
                text = (
                    "["
                    + inner
                    + ("," + inner).join(rows)
                    + "\n"
                    + " " * (self.indent * depth)
                    + "]"
                )
            else:
                text = json.dumps(data, separators=self.separators)
            self.cache[key] = text
        return self.cache[key]

    def write(self, value: Any, depth: int = 0) -> None:
        if isinstance(value, Array):
            self.parts.append(self.array(value.values, depth))
        elif isinstance(value, dict):
            self.container("{", "}", list(value.items()), depth)
        elif isinstance(value, (list, tuple)):
            self.container("[", "]", [(None, item) for item in value], depth)
        elif isinstance(value, float) and not math.isfinite(value):
            self.parts.append("null")
        else:
            self.parts.append(json.dumps(value, ensure_ascii=False))

    def container(
        self, opening: str, closing: str, items: list[tuple[Any, Any]], depth: int
    ) -> None:
        """A mapping (items with keys) or a list (keys None), one item a line when indented."""
        if not items:
            self.parts.append(opening + closing)
            return
        inner = "\n" + " " * (self.indent * (depth + 1)) if self.indent else ""
        self.parts.append(opening)
        for i, (key, item) in enumerate(items):
            self.parts.append(("," if i else "") + inner)
            if key is not None:
                self.parts.append(json.dumps(str(key), ensure_ascii=False) + self.separators[1])
            self.write(item, depth + 1)
        self.parts.append(("\n" + " " * (self.indent * depth) if self.indent else "") + closing)


def dumps(data: Any, indent: int | None = 2) -> str:
    """``data`` (dicts, lists, scalars and `Array`s) as JSON text."""
    writer = _Writer(indent)
    writer.write(data)
    return "".join(writer.parts)
