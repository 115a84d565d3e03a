"""Scalar computational graphs (SPEC section 6): the lecture's examples with their
published numbers, PyTorch autograd on random graphs, and the worked steps."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from backprop_cli.kinds.graph.problem import from_text
from backprop_cli.kinds.graph.solver import solve
from backprop_cli.render.textmath import text_math

CORPUS = json.loads((Path(__file__).parent / "data" / "graph_torch.json").read_text())

CS231N = """
inputs: {x: -2, y: 5, z: -4}
graph:
  q: x + y
  f: q * z
"""

NEURON = """
inputs: {w0: 2, x0: -1, w1: -3, x1: -2, w2: -3}
expression: "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))"
"""


def lines(text: str) -> list[str]:
    w = text_math(4)
    out = []
    for s in solve(from_text(text)).steps:
        parts = [w.write(s.lhs), *(w.write(f) for f in s.forms)]
        if s.substitution is not None:
            parts.append(w.write(s.substitution))
        out.append((" ← " if s.assign else " = ").join([*parts, w.num(float(s.value))]))
    return out


def test_cs231n_staged_example() -> None:
    # CS231n "Backpropagation, intuitions": f(x, y, z) = (x + y)z at −2, 5, −4 is −12,
    # with ∂f/∂x = −4, ∂f/∂y = −4, ∂f/∂z = 3.
    s = solve(from_text(CS231N))
    assert s.value == -12.0
    assert s.gradients == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert lines(CS231N) == [
        "q = x + y = −2 + 5 = 3",
        "f = q·z = 3·(−4) = −12",
        "∂f/∂f = 1",
        "∂f/∂q = z = −4",
        "∂f/∂x = ∂f/∂q·∂q/∂x = ∂f/∂q·1 = −4·1 = −4",
        "∂f/∂y = ∂f/∂q·∂q/∂y = ∂f/∂q·1 = −4·1 = −4",
        "∂f/∂z = q = 3",
    ]


def test_cs231n_sigmoid_neuron() -> None:
    # CS231n's sigmoid circuit: w = [2, −3, −3], x = [−1, −2] gives 0.73 and the gradients
    # ∂f/∂w0 = −0.20, ∂f/∂x0 = 0.39, ∂f/∂w1 = −0.39, ∂f/∂x1 = −0.59, ∂f/∂w2 = 0.20.
    s = solve(from_text(NEURON))
    assert round(s.value, 2) == 0.73
    assert {k: round(v, 2) for k, v in s.gradients.items()} == {
        "w0": -0.2,
        "x0": 0.39,
        "w1": -0.39,
        "x1": -0.59,
        "w2": 0.2,
    }
    # σ(1) exactly, and its local gradient σ(1)(1 − σ(1)) = 0.19661193324148185 times each input
    sigma = 1 / (1 + math.exp(-1))
    assert s.value == pytest.approx(sigma, rel=1e-15)
    assert s.gradients["x1"] == pytest.approx(sigma * (1 - sigma) * -3, rel=1e-14)


@pytest.mark.parametrize(
    "case", CORPUS["cases"], ids=lambda c: c.get("expression") or str(c["graph"])
)
def test_against_torch_autograd(case: dict) -> None:
    # Values and gradients from PyTorch autograd (float64): tests/data/make_graph_corpus.py.
    text = json.dumps({k: case[k] for k in ("inputs", "graph", "expression") if k in case})
    s = solve(from_text(text))
    assert s.value == pytest.approx(case["value"], rel=1e-12, abs=1e-12)
    for name, grad in case["gradients"].items():
        assert s.gradients[name] == pytest.approx(grad, rel=1e-10, abs=1e-12), name


@pytest.mark.parametrize("run", CORPUS["training"], ids=lambda r: r["expression"])
def test_gradient_descent_matches_torch_sgd(run: dict) -> None:
    # torch.optim.SGD(lr, maximize=ascent) step for step: tests/data/make_graph_corpus.py.
    spec = {k: run[k] for k in ("inputs", "expression", "learning_rate", "steps", "ascent")}
    s = solve(from_text(json.dumps(spec)))
    assert s.update is not None
    assert s.update.value_history.tolist() == pytest.approx(run["value_history"], rel=1e-12)
    assert s.update.inputs == pytest.approx(run["final"], rel=1e-12)
