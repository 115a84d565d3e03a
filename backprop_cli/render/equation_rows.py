"""Equations that fit the page: a step as rows of an ``align`` (LaTeX, and Markdown's maths).

A step is written ``lhs = form = substitution = value``; where that is wider
than the page it continues on rows ``&= part``, and a part too wide for a row
of its own is cut before one of its top-level ``+ - \\cdot \\odot`` and
continues on rows ``&\\quad + term`` (a ``\\left( … \\right)`` around the cut is
closed with ``\\right.`` and reopened with ``\\left.``). Widths are estimated from the LaTeX
itself (`latexwidth`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from backprop_cli.expr import Expr, Matrix
from backprop_cli.render.latexmath import LatexMath
from backprop_cli.render.latexwidth import tokens, width
from backprop_cli.render.shown_values import value_expr
from backprop_cli.solve.records import Step

LINE = 78
"""About how many digits of formula fit across the page (11pt on A4 with 2.5 cm margins;
a notebook's Markdown is about as wide)."""

_PRODUCTS = {r"\cdot", r"\odot"}
_BINARY = {"+", "-", *_PRODUCTS}
_RELATION = 2.7
"""The width of `` = `` between two parts."""
QUAD = r"\quad"
_LEFT = re.compile(r"\\left(?![a-zA-Z])")
_RIGHT = re.compile(r"\\right(?![a-zA-Z])")


def chain(step: Step, math: LatexMath) -> list[str]:
    """A step's right-hand side: its forms, its substitution and its value, each written
    once (as in the terminal: a part equal to an earlier one or to the value is left out)."""
    value = math.write(value_expr(step.value))
    forms: tuple[Expr, ...] = (
        *step.forms,
        *(() if step.substitution is None else (step.substitution,)),
    )
    parts = [text for text in dict.fromkeys(math.write(e) for e in forms) if text != value]
    marked = step.substitution
    if isinstance(marked, Matrix) and marked.marked is not None and parts:
        return parts  # the value itself, with cells highlighted (a convolution's window)
    return [*parts, value]


class _Part:
    """One part of a chain and the places it may be cut if it is wider than ``room``:
    before a binary operator, the loosest-binding ones first."""

    def __init__(self, text: str, room: float) -> None:
        self.tokens = tokens(text)
        self.room = room
        # How loosely each token binds: twice the parentheses open before it, plus one
        # for a product, so that a sum is cut before a product, an outer one before an inner.
        self.depth, depth = [], 0
        for token in self.tokens:
            self.depth.append(2 * depth + (token in _PRODUCTS))
            depth += (token == "(" or bool(_LEFT.match(token))) - (
                token == ")" or bool(_RIGHT.match(token))
            )
        self.cuts = [0, *self._cuts(0, len(self.tokens), 0)]
        bounds = [*self.cuts, len(self.tokens)]
        self.pieces = ["".join(self.tokens[a:b]) for a, b in pairwise(bounds)]

    def _cuts(self, start: int, end: int, level: int) -> list[int]:
        """Cuts in ``tokens[start:end]`` if it is too wide: before its loosest operators
        (those binding at least as tightly as ``level``), then in pieces still too wide."""
        if width("".join(self.tokens[start:end])) <= self.room:
            return []
        operators = [
            i
            for i in range(start + 1, end - 2)
            if self.tokens[i] == " "
            and self.tokens[i + 1] in _BINARY
            and self.tokens[i + 2] == " "
            and self.depth[i + 1] >= level
        ]
        if not operators:
            return []
        outermost = min(self.depth[i + 1] for i in operators)
        chosen = [i for i in operators if self.depth[i + 1] == outermost]
        cuts: list[int] = []
        for a, b in pairwise([start, *chosen, end]):
            cuts += ([a] if a != start else []) + self._cuts(a, b, outermost + 1)
        return cuts

    def split(self, cuts: set[int]) -> list[str]:
        """The part cut at ``cuts`` only; a ``\\left( … \\right)`` a cut falls inside is
        closed with ``\\right.`` before the cut and reopened with ``\\left.`` after it."""
        out = []
        for a, b in pairwise([0, *sorted(cuts), len(self.tokens)]):
            segment, opened, unopened = self.tokens[a:b], 0, 0
            for token in segment:
                if _LEFT.match(token):
                    opened += 1
                elif _RIGHT.match(token):
                    opened, unopened = (opened - 1, unopened) if opened else (0, unopened + 1)
            text = "".join(segment).strip()
            out.append(r"\left.{} " * unopened + text + r" \right." * opened)
        return out


def rows(steps: Sequence[Step], math: LatexMath) -> list[str]:
    """The rows of one ``align`` holding ``steps``: the left sides are as wide as the
    widest of them, and the right sides have the rest of the line."""
    room = LINE - max(width(math.write(step.lhs)) for step in steps) - _RELATION
    return [row for step in steps for row in aligned(step, math, room)]


def aligned(step: Step, math: LatexMath, room: float) -> list[str]:
    r"""A step as ``align`` rows no wider than ``room`` (right of the ``&``) where it can be:
    ``lhs &= part = part``, then ``&= part`` and ``&\quad + term`` rows."""
    parts = [_Part(text, room) for text in chain(step, math)]
    # Fill the rows greedily; a row breaks before a part (cut 0) or at a cut inside one.
    breaks: list[set[int]] = []
    filled = room + 1  # the first part starts the first row
    for part in parts:
        breaks.append(set())
        for cut, piece in zip(part.cuts, part.pieces, strict=True):
            cost = width(piece) + (_RELATION if cut == 0 else 0.0)
            if filled + cost > room:
                breaks[-1].add(cut)
                filled = 0.0
            filled += cost
    rows: list[str] = []
    for p, (part, cuts) in enumerate(zip(parts, breaks, strict=True)):
        relation = r"\leftarrow" if step.assign and p == 0 else "="
        for i, text in enumerate(part.split(cuts - {0})):
            if i == 0 and 0 not in cuts:
                rows[-1] += f" {relation} {text}"
            else:
                rows.append(f"&{relation if i == 0 else QUAD} {text}")
    rows[0] = f"{math.write(step.lhs)} {rows[0]}"
    return rows
