"""Scalar computational graphs (SPEC section 6): the lecture's examples with their
published numbers, PyTorch autograd on random graphs, and the worked steps."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_cli.kinds.graph.gradient_check import check as finite_differences
from backprop_cli.kinds.graph.problem import from_text
from backprop_cli.kinds.graph.solver import forward, solve
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


# --- finite differences on random smooth graphs --------------------------------------

SMOOTH_UNARY = (
    "sin({})",
    "cos({})",
    "tanh({})",
    "sigmoid({})",
    "exp(tanh({}))",
    "log(({})*({}) + 1)",
    "sqrt(({})*({}) + 1)",
    "-({})",
)
SMOOTH_BINARY = (
    "({}) + ({})",
    "({}) - ({})",
    "({}) * ({})",
    "({}) / (({})*({}) + 1)",
    "(sigmoid({}) + 0.5) ** ({})",
)


def _fill(template: str, *args: str) -> str:
    # A template's slots are filled in order; a repeated slot reuses the last argument
    # (x*x + 1 reads its argument twice: fan-out inside one gate).
    count = template.count("{}")
    values = list(args) + [args[-1]] * (count - len(args))
    return template.format(*values)


formulas = st.recursive(
    st.sampled_from(["x", "y", "z", "1.5", "0.5"]),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(SMOOTH_UNARY), inner).map(lambda t: _fill(t[0], t[1])),
        st.tuples(st.sampled_from(SMOOTH_BINARY), inner, inner).map(
            lambda t: _fill(t[0], t[1], t[2])
        ),
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(
    formulas.filter(lambda f: any(name in f for name in "xyz")),
    st.tuples(*(st.floats(-2, 2, allow_nan=False) for _ in range(3))),
)
def test_gradients_match_finite_differences(
    formula: str, point: tuple[float, float, float]
) -> None:
    inputs = dict(zip("xyz", point, strict=True))
    problem = from_text(json.dumps({"inputs": inputs, "expression": formula}))
    s = solve(problem)
    for name in "xyz":
        h = 1e-6 * max(1.0, abs(inputs[name]))
        up = forward(problem, {**inputs, name: inputs[name] + h})[problem.output]
        down = forward(problem, {**inputs, name: inputs[name] - h})[problem.output]
        numeric = (up - down) / (2 * h)
        assert s.gradients[name] == pytest.approx(numeric, rel=1e-5, abs=1e-6), name


# --- the JSON report (SPEC section 6) ------------------------------------------------


def test_json_report_of_the_staged_example(run: Any, write: Any) -> None:
    path = write(CS231N + "learning_rate: 0.5\nwrt: [x, z]\n")
    result = run("solve", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report) == [
        "format_version",
        "title",
        "source",
        "kind",
        "value",
        "output",
        "nodes",
        "gradients",
        "update",
        "steps",
        "insights",
    ]
    assert report["kind"] == "graph"
    assert report["value"] == -12.0
    assert report["output"] == "f"
    assert report["nodes"] == [
        {"name": "x", "formula": "", "inputs": [], "value": -2.0, "grad": -4.0},
        {"name": "y", "formula": "", "inputs": [], "value": 5.0, "grad": -4.0},
        {"name": "z", "formula": "", "inputs": [], "value": -4.0, "grad": 3.0},
        {"name": "q", "formula": "x + y", "inputs": ["x", "y"], "value": 3.0, "grad": -4.0},
        {"name": "f", "formula": "q·z", "inputs": ["q", "z"], "value": -12.0, "grad": 1.0},
    ]
    assert report["gradients"] == {"x": -4.0, "z": 3.0}
    # x ← −2 − 0.5·(−4) = 0, z ← −4 − 0.5·3 = −5.5; f = (0 + 5)·(−5.5) = −27.5
    assert report["update"] == {
        "optimizer": {
            "name": "sgd",
            "learning_rate": 0.5,
            "momentum": 0.0,
            "dampening": 0.0,
            "nesterov": False,
            "weight_decay": 0.0,
            "convention": "pytorch",
            "maximize": False,
        },
        "steps": 1,
        "value_history": [-12.0, -27.5],
        "inputs": {"x": 0.0, "z": -5.5},
        "state": {"x": {}, "z": {}},  # plain descent keeps no state
    }
    assert report["steps"][:2] == [
        {
            "phase": "forward",
            "symbol": "q",
            "formula": "x + y",
            "substitution": "-2 + 5",
            "value": 3.0,
        },
        {
            "phase": "forward",
            "symbol": "f",
            "formula": "q·z",
            "substitution": "3·(-4)",
            "value": -12.0,
        },
    ]
    backward = [s for s in report["steps"] if s["phase"] == "backward"]
    assert [(s["symbol"], s["formula"], s["value"]) for s in backward] == [
        ("df", "", 1.0),
        ("dq", "z", -4.0),
        ("dx", "∂f/∂q·∂q/∂x = ∂f/∂q·1", -4.0),
        ("dy", "∂f/∂q·∂q/∂y = ∂f/∂q·1", -4.0),
        ("dz", "q", 3.0),
    ]
    assert [s["symbol"] for s in report["steps"] if s["phase"] == "update"] == ["x_new", "z_new"]
    assert report["insights"] == []


KINKED_UNARY = ("relu({})", "abs({})")
KINKED_BINARY = ("max({}, {})", "min({}, {})")

every_formula = st.recursive(
    st.sampled_from(["x", "y", "z", "1.5", "0.5"]),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(SMOOTH_UNARY + KINKED_UNARY), inner).map(
            lambda t: _fill(t[0], t[1])
        ),
        st.tuples(st.sampled_from(SMOOTH_BINARY + KINKED_BINARY), inner, inner).map(
            lambda t: _fill(t[0], t[1], t[2])
        ),
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(
    every_formula.filter(lambda f: any(name in f for name in "xyz")),
    st.tuples(*(st.floats(-2, 2, allow_nan=False) for _ in range(3))),
)
def test_every_operator_passes_the_gradient_check(
    formula: str, point: tuple[float, float, float]
) -> None:
    # relu, abs, max and min too: an input whose perturbation crosses a kink is set aside
    # (listed as a kink), every other gradient matches its central finite difference.
    problem = from_text(
        json.dumps({"inputs": dict(zip("xyz", point, strict=True)), "expression": formula})
    )
    check = finite_differences(problem, solve(problem).gradients)
    assert check.passed, (check.max_abs_error, check.max_rel_error)
    assert check.checked == 3
