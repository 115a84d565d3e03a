"""Formulas as Unicode text: ``z₁⁽¹⁾ = w₁₁⁽¹⁾x₁ + w₁₂⁽¹⁾x₂ + b₁⁽¹⁾ = 0.1·1 + 0.2·2 + 0``.

The notation of the terminal formats and of the JSON report's formulas, on the
grammar of `math.MathWriter`.
"""

from __future__ import annotations

import functools

import numpy as np

from backprop_cli.expr import Call, Expr, Frac, Num, Partial, Sym
from backprop_cli.render import recurrent_bases
from backprop_cli.render.math_writer import ATOM, PRODUCT, MathWriter
from backprop_cli.render.numbers import human

_SUB = str.maketrans("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUP = str.maketrans("0123456789+-=()niLTt", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᴸᵀᵗ")
_VULGAR = {
    (1.0, 2.0): "½",
    (1.0, 3.0): "⅓",
    (2.0, 3.0): "⅔",
    (1.0, 4.0): "¼",
    (3.0, 4.0): "¾",
    (1.0, 5.0): "⅕",
    (1.0, 6.0): "⅙",
    (1.0, 7.0): "⅐",
    (1.0, 8.0): "⅛",
    (1.0, 9.0): "⅑",
    (1.0, 10.0): "⅒",
}
_TEXT_BASES = {
    "yhat": "ŷ",
    "delta": "δ",
    "eta": "η",
    "theta": "θ",
    "ell": "ℓ",
    "gamma": "γ",
    "beta": "β",
    "mu": "μ",
    "sigma2": "σ²",
    "xhat": "x̂",
    "epsilon": "ε",
    "beta1": "β₁",
    "beta2": "β₂",
    "lambda": "λ",
    "alpha": "α",
    "tau": "τ",
    "L_batch": "L_B",
    "L_data": "L_data",
    "running_mean": "μ_run",
    "running_var": "σ²_run",
    **recurrent_bases.TEXT,
}


def subscript(parts: tuple[int | str, ...]) -> str:
    """Indices as subscripts: ``(1, 2)`` → ``₁₂``; ``(12, 3)`` → ``₁₂‚₃`` (a comma where needed)."""
    texts = [str(p) for p in parts]
    joiner = "‚" if any(len(t) > 1 for t in texts) else ""
    return joiner.join(t.translate(_SUB) for t in texts)


def superscript(text: str) -> str:
    return text.translate(_SUP)


@functools.lru_cache(maxsize=16_384)
def symbol_text(s: Sym) -> str:
    """A symbol in Unicode text: ``w₁₂⁽¹⁾`` (made once a symbol: a long derivation writes
    the same ones many times)."""
    text = _TEXT_BASES.get(s.base, s.base) + subscript(s.index)
    if s.layer is not None:
        text += superscript(f"({s.layer})")
    if s.sample is not None:
        text += f"[{s.sample}]"
    return text


class TextMath(MathWriter):
    """Unicode text: ``z₁⁽¹⁾ = w₁₁⁽¹⁾x₁ + w₁₂⁽¹⁾x₂ + b₁⁽¹⁾ = 0.1·1 + 0.2·2 + 0``."""

    def sym(self, s: Sym) -> str:
        return symbol_text(s)

    def precedence(self, e: Expr) -> int:
        # ∂L/∂w is written with a slash: (∂L/∂w)², not ∂L/∂w².
        return PRODUCT if isinstance(e, Partial) else super().precedence(e)

    def needs_dot(self, before: Expr, factor: Expr, wrapped: bool) -> bool:
        # y·log(ŷ): a named function after a factor would read as one word.
        named = isinstance(factor, Call) and len(factor.name) > 1
        return super().needs_dot(before, factor, wrapped) or named

    def factor(self, e: Expr, first: bool) -> str:
        # (1/N)·Σₙ ℓ[n]: a slashed fraction among factors would read as 1/(N·Σₙ ℓ[n]).
        text = super().factor(e, first)
        return self.paren(text) if isinstance(e, Frac) and "/" in text else text

    def frac(self, numerator: Expr, denominator: Expr) -> str:
        if isinstance(numerator, Num) and isinstance(denominator, Num):
            vulgar = _VULGAR.get((numerator.value, denominator.value))
            if vulgar:
                return vulgar  # ½, ⅓: one glyph, so ½Σ(…) cannot be misread
        return f"{self.operand(numerator, PRODUCT)}/{self.operand(denominator, ATOM)}"

    def power(self, base: str, exponent: Expr) -> str:
        if isinstance(exponent, Num) and exponent.value.is_integer() and 0 <= exponent.value < 10:
            return base + superscript(str(int(exponent.value)))
        if exponent == Sym("t"):  # the step of an optimizer: β₁ᵗ
            return base + superscript("t")
        return f"{base}^{self.operand(exponent, ATOM)}"

    def exp(self, exponent: Expr) -> str:
        return self.power("e", exponent)

    def call(self, name: str, args: list[str], prime: bool) -> str:
        if name == "abs":
            return self.abs(", ".join(args))
        if name == "sqrt":
            return f"√({', '.join(args)})"
        if name == "floor":
            return f"⌊{', '.join(args)}⌋"
        return f"{name}{'′' if prime else ''}({', '.join(args)})"

    def abs(self, text: str) -> str:
        return f"|{text}|"

    def partial(self, numerator: str, denominator: str) -> str:
        return f"∂{numerator}/∂{denominator}"

    def sigma(self, index: str, lower: Expr | None, upper: Expr | None) -> str:
        return f"Σ{subscript((index,))} "

    def transpose(self, text: str) -> str:
        return text + "ᵀ"

    def matrix(self, values: np.ndarray) -> str:
        rows, cols = values.shape
        if rows == 1 and cols == 1:
            return self.num(float(values[0, 0]))
        if cols == 1:
            return self._row(values[:, 0]) + "ᵀ"
        if rows == 1:
            return self._row(values[0])
        shown = [self._row(values[i]) if i is not None else self.ellipsis for i in self.elide(rows)]
        return "[" + ", ".join(shown) + "]"

    def _row(self, values: np.ndarray) -> str:
        shown = [
            self.num(float(values[i])) if i is not None else self.ellipsis
            for i in self.elide(len(values))
        ]
        return "[" + ", ".join(shown) + "]"

    def piecewise(self, rows: list[tuple[str, str | None]]) -> str:
        parts = [f"{value} if {cond}" if cond else f"{value} otherwise" for value, cond in rows]
        return "(" + "; ".join(parts) + ")"

    def since(self, value: str, reason: str) -> str:
        return f"{value} (as {reason})"

    def spell(self, text: str) -> str:
        """Prose as this writer shows it (`AsciiTextMath` spells it in ASCII)."""
        return text


class AsciiTextMath(TextMath):
    """The same formulas spelled in ASCII (``dL/dW^(1)``), for a stream without Unicode:
    laid out in ASCII, so the width is that of what is printed."""

    def write(self, e: Expr) -> str:
        from backprop_cli.render.ascii_text import ascii_text

        return ascii_text(super().write(e))

    def spell(self, text: str) -> str:
        from backprop_cli.render.ascii_text import ascii_text

        return ascii_text(text)


def text_math(
    precision: int = 4, max_terms: int = 10, max_rows: int = 8, ascii: bool = False
) -> TextMath:
    """A Unicode (or ``ascii``) writer with ``precision`` significant digits."""
    kind = AsciiTextMath if ascii else TextMath
    return kind(lambda v: human(v, precision), max_terms, max_rows)
