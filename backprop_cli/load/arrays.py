"""Nested lists of numbers of a given depth, read into float arrays.

An image is a list of channels, each a list of rows, each a list of numbers:
depth 3. Before anything is allocated the nesting is walked once: every level
must be a non-empty list of equal lengths (a message names the path of the
first ragged row and the length it should have), the leaves numbers, and the
number of values within the cap.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from backprop_cli.errors import Path
from backprop_cli.load import caps as limits
from backprop_cli.load.reader import Reader, finite_row, is_number, plural

LEVELS = ("value", "row", "matrix", "block")
"""What a level of a nested list is called, innermost first (a row holds values)."""


def nested_shape(r: Reader, value: Any, path: Path, depth: int, what: str) -> tuple[int, ...]:
    """The shape of ``value``, a rectangular nesting ``depth`` lists deep of numbers, checked
    (shape only: nothing is allocated); ``what`` names it in the messages."""
    if depth == 0:
        r.number(value, path)
        return ()
    if not isinstance(value, list) or not value:
        raise r.fail(path, what, value)
    shape = _level(r, value, path, depth, what)
    total = math.prod(shape)
    if total > limits.MAX_ACTIVATIONS:
        raise r.error(
            path,
            f"expected at most {limits.MAX_ACTIVATIONS:,} values (the size cap), got {total:,}",
        )
    _leaves(r, value, path, depth)
    return shape


def _level(r: Reader, value: list[Any], path: Path, depth: int, what: str) -> tuple[int, ...]:
    """The lengths along the first item at each level, then every item checked against them."""
    shape: list[int] = []
    node: Any = value
    for level in range(depth):
        if not isinstance(node, list) or not node:
            inner = LEVELS[depth - level]
            where = (*path, *([0] * level))
            raise r.fail(where, f"a {inner}: a non-empty list", node)
        shape.append(len(node))
        node = node[0]
    _rectangular(r, value, path, tuple(shape))
    return tuple(shape)


def _rectangular(r: Reader, value: Any, path: Path, shape: tuple[int, ...]) -> None:
    """Every list at each level has the length of the first one there."""
    if not shape:
        return
    inner = LEVELS[len(shape) - 1]
    if not isinstance(value, list):
        raise r.fail(path, f"a list of {plural(shape[0], inner)}", value)
    if len(value) != shape[0]:
        raise r.error(
            path,
            f"expected {plural(shape[0], inner)} (as the first at this level), got {len(value)}",
        )
    if len(shape) > 1:  # the leaves are checked by `_leaves`
        for i, item in enumerate(value):
            _rectangular(r, item, (*path, i), shape[1:])


def _leaves(r: Reader, value: Any, path: Path, depth: int) -> None:
    if depth == 0:
        r.number(value, path)
        return
    if depth == 1 and finite_row(value):
        return
    for i, item in enumerate(value):
        _leaves(r, item, (*path, i), depth - 1)


def nested(r: Reader, value: Any, path: Path, depth: int, what: str) -> np.ndarray:
    """The float array of ``value`` (a number when ``depth`` is 0), checked by `nested_shape`."""
    shape = nested_shape(r, value, path, depth, what)
    return np.array(value, dtype=float).reshape(shape)


def is_nested(value: Any, depth: int) -> bool:
    """Whether ``value`` is a list whose first items go ``depth`` lists deep (a quick look at
    the first item of each level; `nested_shape` checks the rest)."""
    for _ in range(depth):
        if not isinstance(value, list) or not value:
            return False
        value = value[0]
    return is_number(value) or not isinstance(value, list)


def depth(value: Any) -> int:
    """How many lists deep ``value`` goes (along its first items)."""
    levels = 0
    while isinstance(value, list) and value:
        levels, value = levels + 1, value[0]
    return levels


def squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape without its leading axes of size 1 (one sample, one channel, one filter): how
    a grid may be written with them left out."""
    while len(shape) > 1 and shape[0] == 1:
        shape = shape[1:]
    return shape
