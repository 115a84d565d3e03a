"""Mathematical expressions as data.

The engine writes each step's formula and its substitution as a tree of these
nodes; each renderer turns the tree into its own notation (Unicode text,
LaTeX, Markdown math) and formats the numbers with its own precision. Nothing
here formats or computes.

Indices in `Sym` are 1-based, as in a textbook (``z₁⁽¹⁾``); ``layer`` is the
superscript ``(l)``; ``sample`` is the 1-based sample number in a batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Num:
    """A number, formatted by the renderer."""

    value: float


@dataclass(frozen=True)
class Sym:
    """A symbol such as ``z``, ``w₁₂⁽²⁾``, ``δ⁽¹⁾`` (bold: a vector or matrix).

    ``base`` is one of the names the renderers know: x, y, yhat, z, a, w, W,
    b, delta, L, eta, theta, N, K, or a single letter used as an index.
    """

    base: str
    index: tuple[int | str, ...] = ()
    layer: int | None = None
    sample: int | str | None = None
    bold: bool = False


@dataclass(frozen=True)
class Add:
    terms: tuple[Expr, ...]


@dataclass(frozen=True)
class Sub:
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Neg:
    operand: Expr


@dataclass(frozen=True)
class Mul:
    """A product; ``dot`` shows ``·`` between factors, otherwise they stand side by side."""

    factors: tuple[Expr, ...]
    dot: bool = True


@dataclass(frozen=True)
class Frac:
    numerator: Expr
    denominator: Expr


@dataclass(frozen=True)
class Pow:
    base: Expr
    exponent: Expr


@dataclass(frozen=True)
class Exp:
    """``e`` to the power ``exponent``."""

    exponent: Expr


@dataclass(frozen=True)
class Call:
    """A named function applied to arguments: σ(z), log(x), max(0, z); ``prime``: σ′(z)."""

    name: str
    args: tuple[Expr, ...]
    prime: bool = False


@dataclass(frozen=True)
class Abs:
    operand: Expr


@dataclass(frozen=True)
class Partial:
    """∂numerator/∂denominator."""

    numerator: Expr
    denominator: Expr


@dataclass(frozen=True)
class Sum:
    """Σ over ``index`` (from ``lower`` to ``upper`` when given) of ``body``."""

    body: Expr
    index: str
    lower: Expr | None = None
    upper: Expr | None = None


@dataclass(frozen=True)
class Transpose:
    operand: Expr


@dataclass(frozen=True)
class Hadamard:
    """Element-wise product ⊙."""

    left: Expr
    right: Expr


@dataclass(frozen=True)
class MatMul:
    """Matrix product, written side by side."""

    factors: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Matrix:
    """A numeric matrix (2-D array, never copied); a column vector is n×1."""

    values: np.ndarray


@dataclass(frozen=True)
class Rel:
    """A relation such as ``z ≤ 0``; ``op`` is one of = < > ≤ ≥ ≠ ≈."""

    left: Expr
    op: str
    right: Expr


@dataclass(frozen=True)
class Cases:
    """A piecewise definition: each value with its condition (None: otherwise)."""

    cases: tuple[tuple[Expr, Rel | None], ...]


@dataclass(frozen=True)
class Since:
    """A value with the reason it was chosen: ``0 (since −0.5 ≤ 0)``."""

    value: Expr
    reason: Rel


@dataclass(frozen=True)
class Text:
    """A word inside a formula, e.g. a function's name in a table."""

    text: str


Expr = (
    Num
    | Sym
    | Add
    | Sub
    | Neg
    | Mul
    | Frac
    | Pow
    | Exp
    | Call
    | Abs
    | Partial
    | Sum
    | Transpose
    | Hadamard
    | MatMul
    | Matrix
    | Rel
    | Cases
    | Since
    | Text
)

Message = tuple[str | Expr, ...]
"""Prose with formulas in it: strings and expressions, in reading order."""


def num(value: float) -> Num:
    return Num(float(value))


def column(values: np.ndarray) -> Matrix:
    """A vector shown as a column (n×1)."""
    return Matrix(np.asarray(values).reshape(-1, 1))


def row(values: np.ndarray) -> Matrix:
    """A vector shown as a row (1×n)."""
    return Matrix(np.asarray(values).reshape(1, -1))
