"""Mathematical expressions as data.

The engine writes each step's formula and its substitution as a tree of these
nodes; each renderer turns the tree into its own notation (Unicode text,
LaTeX, Markdown math) and formats the numbers with its own precision. Nothing
here formats; `evaluate` computes a formula's value only to check it.

Indices in `Sym` are 1-based, as in a textbook (``z₁⁽¹⁾``); ``layer`` is the
superscript ``(l)``; ``sample`` is the 1-based sample number in a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields, replace
from typing import Any

import numpy as np

from backprop_cli.records import dataclass


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
    marked: np.ndarray | None = None
    """Cells to highlight where a format can (True in a mask of ``values``' shape): the
    window of a convolution's output."""


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


def replaced(e: Expr, find: Expr, put: Expr) -> Expr:
    """``e`` with every node equal to ``find`` replaced by ``put`` (L by L_batch); the nodes
    without it are kept as they are (the same objects)."""
    if type(e) is type(find) and e == find:
        return put
    if isinstance(e, (Num, Matrix, Text)):
        return e
    changes: dict[str, Any] = {}
    for f in fields(e):
        value: Any = getattr(e, f.name)
        new: Any = value
        if isinstance(value, tuple):
            items = tuple(_part(v, find, put) for v in value)
            if any(a is not b for a, b in zip(items, value, strict=True)):
                new = items
        else:
            new = _part(value, find, put)
        if new is not value:
            changes[f.name] = new
    return replace(e, **changes) if changes else e


def _part(value: Any, find: Expr, put: Expr) -> Any:
    """A field of a node: a node is searched, anything else (a name, a number) kept."""
    return replaced(value, find, put) if isinstance(value, Expr) else value


def num(value: float) -> Num:
    return Num(float(value))


def column(values: np.ndarray) -> Matrix:
    """A vector shown as a column (n×1)."""
    return Matrix(np.asarray(values).reshape(-1, 1))


def row(values: np.ndarray) -> Matrix:
    """A vector shown as a row (1×n)."""
    return Matrix(np.asarray(values).reshape(1, -1))


def total(terms: Sequence[Expr]) -> Expr:
    """The sum of ``terms`` (a single term stands alone)."""
    return terms[0] if len(terms) == 1 else Add(tuple(terms))


def product(factors: Sequence[Expr]) -> Expr:
    """The product of ``factors`` (a single factor stands alone)."""
    return factors[0] if len(factors) == 1 else Mul(tuple(factors))


class Unevaluable(ValueError):
    """A formula that names a symbol (or a sum over one): it has no value by itself."""


Function = Callable[..., Any]


def evaluate(
    e: Expr, functions: Mapping[str, Function], symbols: Callable[[Expr], Any] | None = None
) -> Any:
    """The value of a formula: a float or an array.

    ``functions`` gives each `Call` name its function (``σ``, ``log``, …) and each
    derivative, named with a prime (``σ′``); ``symbols`` the value of a `Sym` or a
    `Partial` (raising `Unevaluable` for one it does not know). Without it, only a
    formula of numbers (a substitution) has a value.
    """

    def ev(node: Expr) -> Any:
        return evaluate(node, functions, symbols)

    match e:
        case Sym() | Partial() if symbols is not None:
            return symbols(e)
        case Num(value):
            return value
        case Matrix(values):
            return values
        case Add(terms):
            return sum((ev(t) for t in terms[1:]), ev(terms[0]))
        case Sub(left, right):
            return ev(left) - ev(right)
        case Neg(operand):
            return -ev(operand)
        case Mul(factors):
            result = ev(factors[0])
            for factor in factors[1:]:
                result = result * ev(factor)
            return result
        case Frac(numerator, denominator):
            return ev(numerator) / ev(denominator)
        case Pow(base, exponent):
            return ev(base) ** ev(exponent)
        case Exp(exponent):
            return np.exp(ev(exponent))
        case Abs(operand):
            return np.abs(ev(operand))
        case Call(name, args, prime):
            key = name + "′" if prime else name
            if key not in functions:
                raise Unevaluable(f"no function {key}")
            return functions[key](*(ev(a) for a in args))
        case Transpose(operand):
            return np.transpose(ev(operand))
        case Hadamard(left, right):
            return ev(left) * ev(right)
        case MatMul(factors):
            result = ev(factors[0])
            for factor in factors[1:]:
                right = ev(factor)  # a single number (w, not W) stands in for a 1×1 matrix
                result = result @ right if np.ndim(result) and np.ndim(right) else result * right
            return result
        case Since(value, _):
            return ev(value)
        case Cases(cases):
            for value, condition in cases:
                if condition is None or _holds(condition, functions, symbols):
                    return ev(value)
            raise Unevaluable("no case holds")
        case _:
            raise Unevaluable(f"{type(e).__name__} has no value by itself")


def _holds(
    condition: Rel, functions: Mapping[str, Function], symbols: Callable[[Expr], Any] | None
) -> bool:
    left = evaluate(condition.left, functions, symbols)
    right = evaluate(condition.right, functions, symbols)
    tests: dict[str, Callable[[Any, Any], Any]] = {
        "=": lambda a, b: a == b,
        "<": lambda a, b: a < b,
        ">": lambda a, b: a > b,
        "≤": lambda a, b: a <= b,
        "≥": lambda a, b: a >= b,
        "≠": lambda a, b: a != b,
    }
    return bool(np.all(tests[condition.op](left, right)))
