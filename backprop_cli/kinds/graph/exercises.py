"""Random graph exercises with nice numbers, for ``backprop generate --template graph``.

As an exam asks: "draw the graph of f(a, b, c, d) at these values, backpropagate,
then take one gradient step with η = 0.1". The inputs are whole numbers from
−3 to 3 (not 0); the formula combines them with + − · and one of max, relu or
a square, so every value and gradient is a whole number too. A draw is kept
when every input reaches the output with a gradient other than 0, some value
is used twice (a sum over paths to work out), no relu or max sits on its kink
and no value is beyond ±100.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from backprop_cli.kinds.graph.records import GraphSolution

NAMES = ("a", "b", "c", "d")
LIMIT = 100.0

TASKS = [
    "Draw the computational graph and compute every node's value (the forward pass).",
    "Backpropagate: the gradient of f with respect to every node and input.",
    "Take one gradient step on the inputs and give their new values.",
]


def _term(rng: np.random.Generator, names: list[str]) -> str:
    """A product or sum of two names, or a name alone."""
    a, b = (str(n) for n in rng.choice(names, size=2))
    return str(rng.choice([f"{a} * {b}", f"{a} + {b}", f"{a} - {b}", a]))


def _grouped(term: str) -> str:
    return f"({term})" if " " in term else term


def draw(rng: np.random.Generator) -> dict[str, Any]:
    count = int(rng.integers(3, 5))
    names = list(NAMES[:count])
    values = rng.choice([v for v in range(-3, 4) if v != 0], size=count)
    left, right = _term(rng, names), _term(rng, names)
    shape = int(rng.integers(3))
    if shape == 0:
        inner = f"max({left}, {right})"
    elif shape == 1:
        inner = f"relu({left}) * {_grouped(right)}"
    else:
        inner = f"{_grouped(left)} ** 2 - {_grouped(right)}"
    used = set(re.findall(r"\b[a-d]\b", inner))
    rest = " * ".join(n for n in names if n not in used)
    expression = f"{_grouped(inner)} * {rest}" if rest else inner
    ascent = bool(rng.integers(2))
    return {
        "inputs": {name: int(v) for name, v in zip(names, values, strict=True)},
        "expression": expression,
        "learning_rate": 0.1,
        "ascent": ascent,
    }


def acceptable(solution: GraphSolution, saturated: bool) -> bool:
    nodes = {r.name: r for r in solution.nodes}
    if any(abs(r.value) > LIMIT or abs(r.grad) > LIMIT for r in solution.nodes):
        return False
    if any(nodes[name].grad == 0 for name in solution.problem.wrt):
        return False
    if not any(len(r.paths) > 1 for r in solution.nodes):
        return False
    for r in solution.nodes:
        node = r.node
        if node is None or node.gate.name not in ("relu", "max"):
            continue
        args = [nodes[a.name].value if a.name else a.value for a in node.args]
        if (node.gate.name == "relu" and args[0] == 0) or (len(args) == 2 and args[0] == args[1]):
            return False
    return True
