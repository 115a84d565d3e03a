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

from backprop_cli.expr import (
    Abs,
    Add,
    Call,
    Cases,
    Exp,
    Expr,
    Frac,
    Mul,
    Neg,
    Num,
    Partial,
    Pow,
    Rel,
    Sub,
    Sym,
)
from backprop_cli.kinds.graph.problem import from_text
from backprop_cli.kinds.graph.solver import solve
from backprop_cli.kinds.graph.steps import symbol

CORPUS = json.loads((Path(__file__).parent / "data" / "graph_torch.json").read_text())


class Unknown(Exception):
    """A symbol without a value here (a local partial ∂q/∂x, a routing gate's max′)."""


FUNCTIONS = {
    "log": math.log,
    "sqrt": math.sqrt,
    "sin": math.sin,
    "cos": math.cos,
    "tanh": math.tanh,
    "σ": lambda z: 1 / (1 + math.exp(-z)),
    "relu": lambda z: max(z, 0.0),
    "sign": lambda z: float((z > 0) - (z < 0)),
    "max": max,
    "min": min,
}


def evaluate(e: Expr, env: dict[Any, float]) -> float:
    if isinstance(e, Num):
        return e.value
    if isinstance(e, Sym):
        if e not in env:
            raise Unknown(e)
        return env[e]
    if isinstance(e, Partial):
        if (e.numerator, e.denominator) not in env:
            raise Unknown(e)
        return env[(e.numerator, e.denominator)]
    if isinstance(e, Add):
        return sum(evaluate(t, env) for t in e.terms)
    if isinstance(e, Sub):
        return evaluate(e.left, env) - evaluate(e.right, env)
    if isinstance(e, Neg):
        return -evaluate(e.operand, env)
    if isinstance(e, Mul):
        return math.prod(evaluate(f, env) for f in e.factors)
    if isinstance(e, Frac):
        return evaluate(e.numerator, env) / evaluate(e.denominator, env)
    if isinstance(e, Pow):
        return float(evaluate(e.base, env) ** evaluate(e.exponent, env))
    if isinstance(e, Exp):
        return math.exp(evaluate(e.exponent, env))
    if isinstance(e, Abs):
        return abs(evaluate(e.operand, env))
    if isinstance(e, Cases):
        for value, condition in e.cases:
            if condition is None or _holds(condition, env):
                return evaluate(value, env)
        raise AssertionError("no case holds")
    if isinstance(e, Call):
        if e.prime:
            if e.name != "relu":
                raise Unknown(e)
            return 1.0 if evaluate(e.args[0], env) > 0 else 0.0
        return float(FUNCTIONS[e.name](*(evaluate(a, env) for a in e.args)))
    raise AssertionError(f"no evaluation for {type(e).__name__}")


def _holds(r: Rel, env: dict[Any, float]) -> bool:
    left, right = evaluate(r.left, env), evaluate(r.right, env)
    return {"≥": left >= right, ">": left > right, "≤": left <= right, "<": left < right}[r.op]


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
    checked = 0
    for step in s.steps:
        value = float(step.value)
        if step.substitution is not None:
            assert evaluate(step.substitution, {}) == pytest.approx(value, rel=1e-12, abs=1e-12)
        for form in step.forms:
            try:
                shown = evaluate(form, env)
            except Unknown:
                continue
            assert shown == pytest.approx(value, rel=1e-12, abs=1e-12), step.symbol
            checked += 1
    assert checked >= len([st for st in s.steps if st.forms]) // 2
