"""The JSON report (SPEC.md section 3): full float64 values, canonical shapes.

Standard JSON only: a non-finite number is written as ``null`` (the engine
lists it among the insights, kind ``non_finite``). Formulas and
substitutions are written in Unicode text, the substitution with every
number in full.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from backprop_cli import kinds
from backprop_cli.expr import Message
from backprop_cli.render import FORMAT_VERSION, RenderOptions
from backprop_cli.render.jsonwriter import Array, dumps, plain_data
from backprop_cli.render.numbers import full
from backprop_cli.render.textmath import TextMath, text_math
from backprop_cli.solve.records import Solution, Step


def number(value: float) -> float | None:
    return value if math.isfinite(value) else None


SUBSTITUTION_ROWS = 8
"""Rows, columns and sum terms a substitution writes before eliding the middle with …"""


class _Report:
    def __init__(self, precision: int, array: Callable[[np.ndarray], Any]) -> None:
        self.array = array
        self.formula = text_math(precision, max_terms=10**9, max_rows=10**9)
        # Every number in full, but a large matrix or sum elided as in the human formats:
        # the values themselves are in "value".
        self.exact = TextMath(full, max_terms=SUBSTITUTION_ROWS, max_rows=SUBSTITUTION_ROWS)
        self.words = text_math(precision)

    def number(self, value: float) -> float | None:
        return number(value)

    def step(self, step: Step) -> dict[str, Any]:
        forms = [self.formula.write(form) for form in step.forms]
        return {
            "phase": step.phase.value,
            "symbol": step.symbol,
            "formula": " = ".join(forms),
            "substitution": ""
            if step.substitution is None
            else self.exact.write(step.substitution),
            "value": self.array(step.value),
        }

    def message(self, parts: Message) -> str:
        return "".join(p if isinstance(p, str) else self.words.write(p) for p in parts)

    def report(self, s: Solution) -> dict[str, Any]:
        """The report of one solution, laid out by its kind, with the format's version first
        (a variant's report inside it has none of its own)."""
        return {"format_version": FORMAT_VERSION, **kinds.of(s).report(s, self)}


def report(solution: Solution, precision: int = 4) -> dict[str, Any]:
    """The report of one solution as JSON-ready data (nested lists of floats)."""
    return _Report(precision, plain_data).report(solution)


INDENT_LIMIT = 20_000
"""Reports of problems with more values than this are written compactly."""


def render(solutions: Sequence[Solution], options: RenderOptions | None = None) -> str:
    """One object for one solution; an array of them, in order, for several."""
    precision = (options or RenderOptions()).precision
    reports = [_Report(precision, Array).report(s) for s in solutions]
    data: Any = reports[0] if len(reports) == 1 else reports
    size = sum(kinds.of(s).report_size(s) for s in solutions)
    return dumps(data, indent=2 if size <= INDENT_LIMIT else None) + "\n"
