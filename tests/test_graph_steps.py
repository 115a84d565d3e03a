"""The printed maths of a graph's steps is checked, not only its numbers: every step's
substitution evaluates to its value, and its formula, with the solution's values put in for
its symbols, does too (so a wrong local-derivative formula fails even where the number is
right)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from backprop_cli.expr import Expr, Partial, Sym, Unevaluable, evaluate
from backprop_cli.kinds.graph.problem import from_text
from backprop_cli.kinds.graph.solver import solve
from backprop_cli.kinds.graph.steps import symbol

CORPUS = json.loads((Path(__file__).parent / "data" / "graph_torch.json").read_text())


FUNCTIONS = {
    "log": math.log,
    "sqrt": math.sqrt,
    "sin": math.sin,
    "cos": math.cos,
    "tanh": math.tanh,
    "σ": lambda z: 1 / (1 + math.exp(-z)),
    "relu": lambda z: max(z, 0.0),
    "relu′": lambda z: 1.0 if z > 0 else 0.0,
    "sign": lambda z: float((z > 0) - (z < 0)),
    "max": max,
    "min": min,
}
"""The gates' functions as a reader evaluates them (independently of `gates`)."""


def problems() -> list[str]:
    texts = [
        json.dumps({k: c[k] for k in ("inputs", "graph", "expression") if k in c})
        for c in CORPUS["cases"]
    ]
    texts += [
        json.dumps({k: r[k] for k in ("inputs", "expression", "learning_rate", "ascent")})
        for r in CORPUS["training"]
    ]
    return texts


@pytest.mark.parametrize("text", problems())
def test_every_step_evaluates_to_its_value(text: str) -> None:
    s = solve(from_text(text))
    f = symbol(s.problem.output)
    env: dict[Any, float] = {symbol(r.name): r.value for r in s.nodes}
    env |= {(f, symbol(r.name)): r.grad for r in s.nodes}
    if s.problem.learning_rate is not None:
        env[Sym("eta")] = s.problem.learning_rate

    def symbols(e: Expr) -> float:
        key = (e.numerator, e.denominator) if isinstance(e, Partial) else e
        if key not in env:  # a local partial ∂q/∂x: no number of its own here
            raise Unevaluable(str(e))
        return env[key]

    checked = 0
    for step in s.steps:
        value = float(step.value)
        if step.substitution is not None:
            shown = evaluate(step.substitution, FUNCTIONS)
            assert shown == pytest.approx(value, rel=1e-12, abs=1e-12)
        for form in step.forms:
            try:
                shown = evaluate(form, FUNCTIONS, symbols)
            except Unevaluable:
                continue
            assert shown == pytest.approx(value, rel=1e-12, abs=1e-12), step.symbol
            checked += 1
    assert checked >= len([st for st in s.steps if st.forms]) // 2
