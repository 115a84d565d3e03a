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

from backprop_cli.expr import Message
from backprop_cli.render import RenderOptions
from backprop_cli.render.jsonwriter import Array, dump_chunks, plain_data
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

    def per_sample(self, solution: Solution, values: np.ndarray) -> Any:
        return self.array(values if solution.problem.batched else values[0])

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

    def report(self, s: Solution, with_variants: bool = True) -> dict[str, Any]:
        p = s.problem
        layers = [
            {
                "index": r.index,
                "name": r.layer.name,
                "kind": r.layer.kind,
                "activation": r.layer.activation.name,
                "z": self.per_sample(s, r.z),
                "a": self.per_sample(s, r.a),
                "delta": self.per_sample(s, r.delta),
            }
            for r in s.layers
        ]
        gradients = {name: self.array(g) for name, g in s.gradients.items() if name != "x"}
        gradients["x"] = self.per_sample(s, s.dx)
        update = None
        if s.update is not None:
            update = {
                "learning_rate": s.update.learning_rate,
                "steps": s.update.steps,
                "loss_history": self.array(s.update.loss_history),
                "params": {name: self.array(v) for name, v in s.update.params.items()},
            }
        check = None
        if s.gradient_check is not None:
            c = s.gradient_check
            check = {
                "max_abs_error": number(c.max_abs_error),
                "max_rel_error": number(c.max_rel_error),
                "passed": c.passed,
            }
        result: dict[str, Any] = {
            "title": p.title,
            "source": p.source,
            "loss": {"name": p.loss.function.name, "scale": p.loss.scale, "value": number(s.loss)},
            "x": self.per_sample(s, p.x),
            "target": self.per_sample(s, p.y),
            "layers": layers,
            "output": self.per_sample(s, s.output),
            "gradients": gradients,
            "update": update,
            "steps": [self.step(step) for step in s.steps],
            "insights": [{"kind": i.kind, "message": self.message(i.message)} for i in s.insights],
            "gradient_check": check,
        }
        if with_variants:
            result["variants"] = [
                {
                    "name": v.name,
                    "set": dict(v.assignments),
                    "report": self.report(v.solution, False),
                }
                for v in s.variants
            ]
        return result


def report(solution: Solution, precision: int = 4) -> dict[str, Any]:
    """The report of one solution as JSON-ready data (nested lists of floats)."""
    return _Report(precision, plain_data).report(solution)


INDENT_LIMIT = 20_000
"""Reports of problems with more values than this are written compactly."""


def render_chunks(
    solutions: Sequence[Solution], options: RenderOptions | None = None
) -> list[bytes]:
    """One object for one solution; an array of them, in order, for several (UTF-8, in pieces)."""
    precision = (options or RenderOptions()).precision
    reports = [_Report(precision, Array).report(s) for s in solutions]
    data: Any = reports[0] if len(reports) == 1 else reports
    size = sum(s.problem.parameters + s.problem.x.size for s in solutions)
    return [*dump_chunks(data, indent=2 if size <= INDENT_LIMIT else None), b"\n"]


def render(solutions: Sequence[Solution], options: RenderOptions | None = None) -> str:
    """The report as text."""
    return b"".join(render_chunks(solutions, options)).decode()
