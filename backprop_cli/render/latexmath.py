"""Formulas in LaTeX (for the LaTeX document and Markdown's ``$…$`` maths).

`LatexMath` is the `MathWriter` grammar with LaTeX's tokens: ``\\frac``,
``\\partial``, ``\\left( \\right)`` where the contents are tall, ``bmatrix``
with elided rows and columns (as many as fit across the page), ``cases``, numbers with ``\\times 10^{k}``. No
``|`` is written (``\\lvert``): a Markdown table would read it as a cell border.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from backprop_cli.expr import Expr, Frac, Matrix, Num, Partial, Sym
from backprop_cli.render import recurrent_bases
from backprop_cli.render.latextext import escape
from backprop_cli.render.latexwidth import width
from backprop_cli.render.math_writer import ATOM, PRODUCT, MathWriter, sum_terms
from backprop_cli.render.numbers import human

_BASES = {
    "yhat": r"\hat{y}",
    "delta": r"\delta",
    "eta": r"\eta",
    "theta": r"\theta",
    "ell": r"\ell",
    "gamma": r"\gamma",
    "beta": r"\beta",
    "mu": r"\mu",
    "sigma2": r"{\sigma^{2}}",
    "xhat": r"\hat{x}",
    "epsilon": r"\varepsilon",
    "beta1": r"\beta_{1}",
    "beta2": r"\beta_{2}",
    "lambda": r"\lambda",
    "alpha": r"\alpha",
    "tau": r"\tau",
    "L_batch": r"L_{B}",
    "L_data": r"L_{\text{data}}",
    "running_mean": r"{\mu_{\mathrm{run}}}",
    "running_var": r"{\sigma^{2}_{\mathrm{run}}}",
    **recurrent_bases.LATEX,
}
_BOLD_BASES = {
    "yhat": r"\hat{\mathbf{y}}",
    "xhat": r"\hat{\mathbf{x}}",
    "sigma2": r"{\boldsymbol{\sigma}^{2}}",
    **recurrent_bases.LATEX_BOLD,
}
_FUNCTIONS = {
    "σ": r"\sigma",
    "Φ": r"\Phi",
    "φ": r"\phi",
    "log": r"\log",
    "exp": r"\exp",
    "max": r"\max",
    "min": r"\min",
    "tanh": r"\tanh",
    "m̂": r"\hat{m}",
    "v̂": r"\hat{v}",
    "m": "m",
    "v": "v",
    "G": "G",
    "s": "s",
    "g": "g",
}
_RELATIONS = {
    "≤": r"\le",
    "≥": r"\ge",
    "≠": r"\ne",
    "≈": r"\approx",
    "←": r"\leftarrow",
    "→": r"\to",
}
_TALL = re.compile(r"\\(frac|begin|sum|left)(?![a-zA-Z])")
"""What makes a formula taller than a line, so that the parentheses around it must grow."""

MAX_COLUMNS = 6
MATRIX_WIDTH = 58
"""Matrix columns shown before the middle ones are elided: at most this many, and no
more than fit in this width (in digits: about two thirds of the page)."""


def latex_math(
    precision: int, max_rows: int, inline: bool = False, highlight: bool = False
) -> LatexMath:
    """A LaTeX writer with ``precision`` significant digits, eliding beyond ``max_rows``;
    ``highlight``: marked matrix cells in colour boxes (for pdflatex with xcolor, not for the
    maths of a Markdown viewer)."""
    writer = LatexMath(lambda v: latex_number(v, precision), sum_terms(max_rows), max_rows, inline)
    writer.highlight = highlight
    return writer


def latex_number(value: float, precision: int) -> str:
    """``value`` to ``precision`` significant digits: ``-0.01623``, ``1.235 \\times 10^{4}``."""
    text = human(value, precision, minus="-")
    if text.endswith("∞"):
        return text.replace("∞", r"\infty")
    if text == "NaN":
        return r"\mathrm{NaN}"
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}" if e else text


class LatexMath(MathWriter):
    r"""LaTeX maths: ``z_{1}^{(1)} = w_{11}^{(1)} x_{1} + w_{12}^{(1)} x_{2} + b_{1}^{(1)}``."""

    frac_precedence = ATOM
    plus, minus, times, hadamard, ellipsis = "+", "-", r"\cdot", r"\odot", r"\cdots"
    spaced_times = True

    def precedence(self, e: Expr) -> int:
        # A power of ∂L/∂w needs parentheses: \left(\frac{∂L}{∂w}\right)^{2}.
        return PRODUCT if isinstance(e, Partial) else super().precedence(e)

    def __init__(
        self,
        number: Callable[[float], str],
        max_terms: int = 10,
        max_rows: int = 8,
        inline: bool = False,
    ) -> None:
        super().__init__(number, max_terms, max_rows)
        self.max_columns = min(self.max_rows, MAX_COLUMNS)
        self.inline = inline
        """Maths in a line of text: its parentheses never grow, so the line may break in them,
        and its fractions are slashed (−y/ŷ, ∂L/∂z), so that no line is taller than text."""
        if inline:
            self.frac_precedence = PRODUCT
        self._writers[Matrix] = self.marked_matrix
        self.highlight = False
        """Whether marked cells are boxed in colour (`latex_math`)."""
        self.marks: np.ndarray | None = None
        """The cells of the matrix being written to highlight (`Matrix.marked`)."""

    def marked_matrix(self, e: Matrix) -> str:
        """A matrix with its marked cells in a coloured box (xcolor, loaded with TikZ)."""
        self.marks = e.marked if self.highlight else None
        try:
            return self.matrix(e.values)
        finally:
            self.marks = None

    def _grows(self, text: str) -> bool:
        return not self.inline and bool(_TALL.search(text))

    def paren(self, text: str) -> str:
        return rf"\left({text}\right)" if self._grows(text) else f"({text})"

    def juxtapose(self, parts: list[str]) -> str:
        return " ".join(parts)

    def relation(self, op: str) -> str:
        return _RELATIONS.get(op, op)

    def text(self, text: str) -> str:
        return rf"\text{{{escape(text)}}}"

    def sym(self, s: Sym) -> str:
        base = _BASES.get(s.base, s.base)
        if base == s.base and len(base) > 1 and not base.startswith("\\"):
            # A name of several letters (a graph's node "dot", "my_out"): one italic word,
            # not a product of letters, its underscores printed.
            base = r"\mathit{" + base.replace("_", r"\_") + "}"
        if s.bold:
            bold = r"\boldsymbol" if base.startswith("\\") else r"\mathbf"
            base = _BOLD_BASES.get(s.base, f"{bold}{{{base}}}")
        text = base
        if s.index:
            parts = [str(p) for p in s.index]
            text += "_{" + ("," if any(len(p) > 1 for p in parts) else "").join(parts) + "}"
        if s.layer is not None:
            text += f"^{{({s.layer})}}"
        if s.sample is not None:
            text += f"[{s.sample}]"
        return text

    def frac(self, numerator: Expr, denominator: Expr) -> str:
        if self.inline and isinstance(numerator, Num) and isinstance(denominator, Num):
            return rf"\tfrac{{{self.write(numerator)}}}{{{self.write(denominator)}}}"
        if self.inline:
            return f"{self.operand(numerator, PRODUCT)}/{self.operand(denominator, ATOM)}"
        return rf"\frac{{{self.write(numerator)}}}{{{self.write(denominator)}}}"

    def factor(self, e: Expr, first: bool) -> str:
        # (1/N) \cdot \sum_{n}: a slashed fraction among factors is parenthesised.
        text = super().factor(e, first)
        slashed = self.inline and isinstance(e, Frac) and "/" in text
        return self.paren(text) if slashed else text

    def power(self, base: str, exponent: Expr) -> str:
        # Braced: the base may carry a superscript of its own (a layer: {a^{(1)}}^{2}).
        return f"{{{base}}}^{{{self.write(exponent)}}}"

    def exp(self, exponent: Expr) -> str:
        return f"e^{{{self.write(exponent)}}}"

    def call(self, name: str, args: list[str], prime: bool) -> str:
        if name == "abs":
            return self.abs(", ".join(args))
        if name == "sqrt":
            return rf"\sqrt{{{', '.join(args)}}}"
        if name == "floor":
            return rf"\left\lfloor {', '.join(args)}\right\rfloor"
        if name in _FUNCTIONS:
            function = _FUNCTIONS[name]
        elif name.isascii() and name.isalpha():
            function = rf"\operatorname{{{name}}}"
        else:
            function = self.text(name)
        return function + ("'" if prime else "") + self.paren(", ".join(args))

    def abs(self, text: str) -> str:
        if self._grows(text):
            return rf"\left\lvert {text}\right\rvert"
        return rf"\lvert {text}\rvert"

    def partial(self, numerator: str, denominator: str) -> str:
        if self.inline:  # ∂L/∂z in a line of text, as the problem texts write it: no tall lines
            return rf"\partial {numerator}/\partial {denominator}"
        return rf"\frac{{\partial {numerator}}}{{\partial {denominator}}}"

    def sigma(self, index: str, lower: Expr | None, upper: Expr | None) -> str:
        below = index if lower is None else f"{index}={self.write(lower)}"
        above = "" if upper is None else f"^{{{self.write(upper)}}}"
        return rf"\sum_{{{below}}}{above} "

    def transpose(self, text: str) -> str:
        return f"{{{text}}}^{{\\top}}"

    def matrix(self, values: np.ndarray) -> str:
        rows, cols = values.shape
        if rows == 1 and cols == 1:
            return self.num(float(values[0, 0]))
        # As many columns as fit across the page, the middle ones elided.
        limit = min(self.max_columns, cols)
        while True:
            text = self._bmatrix(values, self.elide(cols, limit))
            if limit <= 3 or width(text) <= MATRIX_WIDTH:
                return text
            limit -= 1

    def _bmatrix(self, values: np.ndarray, columns: list[int | None]) -> str:
        lines = []
        for i in self.elide(values.shape[0]):
            if i is None:
                cells = [r"\vdots" if j is not None else r"\ddots" for j in columns]
            else:
                cells = [self._cell(values, i, j) if j is not None else r"\cdots" for j in columns]
            lines.append(" & ".join(cells))
        return r"\begin{bmatrix} " + r" \\ ".join(lines) + r" \end{bmatrix}"

    def _cell(self, values: np.ndarray, i: int, j: int) -> str:
        text = self.num(float(values[i, j]))
        if self.marks is not None and self.marks[i, j]:
            return r"\colorbox{yellow!40}{$" + text + "$}"
        return text

    def piecewise(self, rows: list[tuple[str, str | None]]) -> str:
        lines = [
            rf"{value} & \text{{if }} {cond}" if cond else rf"{value} & \text{{otherwise}}"
            for value, cond in rows
        ]
        return r"\begin{cases} " + r" \\ ".join(lines) + r" \end{cases}"

    def since(self, value: str, reason: str) -> str:
        return rf"{value} \quad \text{{(as }}{reason}\text{{)}}"
