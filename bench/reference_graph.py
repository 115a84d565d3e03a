"""The reference for the computational-graph benchmark: a minimal plain-Python script.

It does what `backprop solve PROBLEM --format json` does for the benchmark's graph
(`new_kinds.write_graph_problem`: one gate per node, ``a * b``, ``a + b``,
``tanh(a)`` or ``sigmoid(a)``), and nothing more: load the YAML, read each node's
gate, run the gradient-descent steps on the inputs (a forward pass, then the
gradients from ∂f/∂f = 1 back, summed over every use of a value), write each node's
value and gradient at the start, the value of f before each step and after the last,
and the inputs at the end as JSON.
Usage: python bench/reference_graph.py PROBLEM.yaml
"""

from __future__ import annotations

import json
import math
import re
import sys

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
GATE = re.compile(r"(\w+) ([*+]) (\w+)\Z|(tanh|sigmoid)\((\w+)\)\Z")


def main(path: str) -> None:
    with open(path, encoding="utf-8") as stream:
        doc = yaml.load(stream, Loader=Loader)
    inputs = {name: float(value) for name, value in doc["inputs"].items()}
    gates = []
    for name, formula in doc["graph"].items():
        match = GATE.match(formula)
        assert match is not None, formula
        if match[2]:
            gates.append((name, match[2], (match[1], match[3])))
        else:
            gates.append((name, match[4], (match[5],)))
    output, eta = gates[-1][0], doc["learning_rate"]
    history, first = [], None
    for step in range(doc["steps"] + 1):
        value = dict(inputs)
        for name, op, args in gates:
            a = value[args[0]]
            if op == "*":
                value[name] = a * value[args[1]]
            elif op == "+":
                value[name] = a + value[args[1]]
            elif op == "tanh":
                value[name] = math.tanh(a)
            else:
                value[name] = 1.0 / (1.0 + math.exp(-a))
        history.append(value[output])
        if step == doc["steps"]:
            break
        grad = dict.fromkeys(value, 0.0)
        grad[output] = 1.0
        for name, op, args in reversed(gates):
            g = grad[name]
            if op == "*":
                grad[args[0]] += g * value[args[1]]
                grad[args[1]] += g * value[args[0]]
            elif op == "+":
                grad[args[0]] += g
                grad[args[1]] += g
            elif op == "tanh":
                grad[args[0]] += g * (1.0 - value[name] ** 2)
            else:
                grad[args[0]] += g * value[name] * (1.0 - value[name])
        if first is None:
            first = [{"name": k, "value": value[k], "grad": grad[k]} for k in value]
        for name in inputs:
            inputs[name] -= eta * grad[name]
    out = {"nodes": first, "value_history": history, "inputs": inputs}
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
