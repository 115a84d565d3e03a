"""Writing `expr` trees as text: one walker, one notation per output.

`MathWriter` knows the grammar (precedence, where parentheses go, where a
minus sign needs them, eliding long sums and large matrices); a subclass
supplies the notation's tokens: `textmath.TextMath` writes Unicode (z₁⁽¹⁾ = σ(0.5)),
`latexmath.LatexMath` writes LaTeX. Numbers are written by the formatter given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from backprop_cli.expr import (
    Abs,
    Add,
    Call,
    Cases,
    Exp,
    Expr,
    Frac,
    Hadamard,
    MatMul,
    Matrix,
    Mul,
    Neg,
    Num,
    Partial,
    Pow,
    Rel,
    Since,
    Sub,
    Sum,
    Sym,
    Text,
    Transpose,
)

SUM, PRODUCT, POWER, ATOM = 1, 2, 3, 4


def sum_terms(max_rows: int) -> int:
    """The terms a human format writes of a long sum: the first ones, …, the last."""
    return max(max_rows, 4)


class MathWriter:
    """The grammar of formulas; subclasses give the tokens."""

    frac_precedence = PRODUCT
    """How tightly a fraction binds (``a/b`` in text; an atom as LaTeX's ``\\frac``)."""

    def __init__(
        self, number: Callable[[float], str], max_terms: int = 10, max_rows: int = 8
    ) -> None:
        self.number = number
        self.max_terms = max(max_terms, 3)
        self.max_rows = max(max_rows, 2)
        self._writers: dict[type, Callable[[Any], str]] = {
            Num: lambda e: self.num(e.value),
            Sym: self.sym,
            Add: self.add,
            Sub: lambda e: f"{self.write(e.left)} {self.minus} {self.operand(e.right, SUM + 1)}",
            Neg: lambda e: f"{self.minus}{self.operand(e.operand, PRODUCT)}",
            Mul: lambda e: self.mul(e),
            Frac: lambda e: self.frac(e.numerator, e.denominator),
            Pow: lambda e: self.power(self.operand(e.base, ATOM), e.exponent),
            Exp: lambda e: self.exp(e.exponent),
            Call: lambda e: self.call(e.name, [self.write(a) for a in e.args], e.prime),
            Abs: lambda e: self.abs(self.write(e.operand)),
            Partial: lambda e: self.partial(self.write(e.numerator), self.write(e.denominator)),
            Sum: self.summation,
            Transpose: lambda e: (
                self.matrix(e.operand.values.T)
                if isinstance(e.operand, Matrix)
                else self.transpose(self.operand(e.operand, ATOM))
            ),
            Hadamard: lambda e: (
                f"{self.operand(e.left, PRODUCT)} {self.hadamard} {self.operand(e.right, PRODUCT)}"
            ),
            MatMul: self.matmul,
            Matrix: lambda e: self.matrix(e.values),
            Rel: lambda e: f"{self.write(e.left)} {self.relation(e.op)} {self.write(e.right)}",
            Cases: self.cases,
            Since: lambda e: self.since(self.operand(e.value, PRODUCT), self.write(e.reason)),
            Text: lambda e: self.text(e.text),
        }

    # --- the grammar -----------------------------------------------------

    def write(self, e: Expr) -> str:
        return self._writers[type(e)](e)

    def precedence(self, e: Expr) -> int:
        if isinstance(e, (Add, Sub, Rel)):
            return SUM
        if isinstance(e, (Mul, Hadamard, MatMul, Neg)):
            return PRODUCT
        if isinstance(e, Frac):
            return self.frac_precedence
        if isinstance(e, (Pow, Exp)):
            return POWER
        if isinstance(e, (Cases, Since)):
            return ATOM
        if isinstance(e, Num) and e.value < 0:
            return PRODUCT
        return ATOM

    def negative(self, e: Expr) -> bool:
        """Whether the written expression starts with a minus sign."""
        if isinstance(e, Num):
            return e.value < 0 or (np.signbit(e.value) and e.value != 0)
        if isinstance(e, Neg):
            return True
        if isinstance(e, (Add, Mul, MatMul)):
            return self.negative(e.terms[0] if isinstance(e, Add) else e.factors[0])
        if isinstance(e, Sub):
            return self.negative(e.left)
        if isinstance(e, Transpose):
            return self.negative(e.operand)
        if isinstance(e, Matrix):
            return e.values.size == 1 and bool(e.values.reshape(-1)[0] < 0)
        return False

    def operand(self, e: Expr, tightness: int) -> str:
        """``e`` inside an operator that binds with ``tightness``: in parentheses if looser."""
        text = self.write(e)
        if self.precedence(e) < tightness or (tightness > SUM and self.negative(e)):
            return self.paren(text)
        return text

    def add(self, e: Add) -> str:
        terms = list(e.terms)
        shown: list[Expr | None] = list(terms)
        if len(terms) > self.max_terms:
            shown = [*terms[: self.max_terms - 2], None, terms[-1]]
        out = self.write(terms[0])
        for term in shown[1:]:
            if term is None:
                out += f" {self.plus} {self.ellipsis}"
            else:
                out += f" {self.plus} {self.term(term)}"
        return out

    def term(self, e: Expr) -> str:
        """A term after a +: a minus sign needs parentheses, on the number alone in a
        product (+ (−0.1152)·0.2) and around anything else (+ (−2))."""
        if not self.negative(e):
            return self.write(e)
        if isinstance(e, Mul):
            return self.mul(e, leading=False)
        return self.operand(e, SUM + 1)

    def mul(self, e: Mul, leading: bool = True) -> str:
        # A product inside a product needs no parentheses (a·b(1 − b)); a minus sign
        # after the first factor does: 0.5·(−0.1382); so does a first one after a +.
        parts = [self.factor(f, first=i == 0 and leading) for i, f in enumerate(e.factors)]
        if e.dot or any(isinstance(f, Num) for f in e.factors[1:]):
            return f" {self.times} ".join(parts) if self.spaced_times else self.times.join(parts)
        # Side by side, but a number next to a name gets a dot: 2(ŷ − y), yet 1·log(ŷ).
        out = parts[0]
        for before, factor, text in zip(e.factors[:-1], e.factors[1:], parts[1:], strict=True):
            wrapped = self.precedence(factor) < PRODUCT or self.negative(factor)
            dot = self.needs_dot(before, factor, wrapped)
            out = self.juxtapose([out, self.times, text] if dot else [out, text])
        return out

    def needs_dot(self, before: Expr, factor: Expr, wrapped: bool) -> bool:
        """Whether two factors side by side need a visible ·: a number before a name does."""
        return isinstance(before, Num) and not wrapped

    def factor(self, e: Expr, first: bool) -> str:
        text = self.write(e)
        if self.precedence(e) < PRODUCT or (not first and self.negative(e)):
            return self.paren(text)
        return text

    def matmul(self, e: MatMul) -> str:
        parts = [self.factor(f, first=i == 0) for i, f in enumerate(e.factors)]
        if any(
            isinstance(f, Matrix) or (isinstance(f, Transpose) and isinstance(f.operand, Matrix))
            for f in e.factors
        ):
            return f" {self.times} ".join(parts) if self.spaced_times else self.times.join(parts)
        return self.juxtapose(parts)

    def summation(self, e: Sum) -> str:
        return f"{self.sigma(e.index, e.lower, e.upper)}{self.operand(e.body, PRODUCT)}"

    def cases(self, e: Cases) -> str:
        rows = [
            (self.write(value), None if cond is None else self.write(cond))
            for value, cond in e.cases
        ]
        return self.piecewise(rows)

    def elide(self, count: int, limit: int | None = None) -> list[int | None]:
        """Which of ``count`` rows (or columns) to show, at most ``limit`` (default
        ``max_rows``) of them; None marks the elision."""
        limit = self.max_rows if limit is None else max(limit, 2)
        if count <= limit:
            return list(range(count))
        return [*range(limit - 1), None, count - 1]

    # --- tokens (Unicode text) --------------------------------------------

    plus, minus, times, hadamard, ellipsis = "+", "−", "·", "⊙", "…"
    spaced_times = False

    def num(self, value: float) -> str:
        return self.number(value)

    def paren(self, text: str) -> str:
        return f"({text})"

    def juxtapose(self, parts: list[str]) -> str:
        return "".join(parts)

    def relation(self, op: str) -> str:
        return op

    def text(self, text: str) -> str:
        return text

    def sym(self, s: Sym) -> str:
        raise NotImplementedError

    def frac(self, numerator: Expr, denominator: Expr) -> str:
        raise NotImplementedError

    def power(self, base: str, exponent: Expr) -> str:
        raise NotImplementedError

    def exp(self, exponent: Expr) -> str:
        raise NotImplementedError

    def call(self, name: str, args: list[str], prime: bool) -> str:
        raise NotImplementedError

    def abs(self, text: str) -> str:
        raise NotImplementedError

    def partial(self, numerator: str, denominator: str) -> str:
        raise NotImplementedError

    def sigma(self, index: str, lower: Expr | None, upper: Expr | None) -> str:
        raise NotImplementedError

    def transpose(self, text: str) -> str:
        raise NotImplementedError

    def matrix(self, values: np.ndarray) -> str:
        raise NotImplementedError

    def piecewise(self, rows: list[tuple[str, str | None]]) -> str:
        raise NotImplementedError

    def since(self, value: str, reason: str) -> str:
        raise NotImplementedError
