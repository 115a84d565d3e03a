"""The grading corpus: common mistakes made on random networks, each diagnosed as itself.

A simulated student (its own NumPy, written here from the textbook formulas, not the
package's) works random networks — several layers, batches, K > 1 outputs, MSE, SSE with
the ½, BCE after a sigmoid, CE after a softmax — either right or making one common mistake,
and writes every answer to 4 significant digits. Then:

- right answers at 3 and 4 significant digits pass;
- each mistake is the diagnosis of the first wrong answer (or an equivalent one: a mistake
  that gives the very same numbers on that network), also when only dW1 is given and the
  mistake is hidden upstream;
- no mistake that changes an answer passes as right.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backprop_cli import load, solve
from backprop_cli.grade.answers import load_answers
from backprop_cli.grade.check import Grading, grade
from backprop_cli.grade.quantities import Graph

Array = np.ndarray


def sig(z: Array) -> Array:
    return 1 / (1 + np.exp(-z))


def softmax(z: Array) -> Array:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    s: Array = e / e.sum(axis=1, keepdims=True)
    return s


FN: dict[str, Callable[[Array], Array]] = {
    "identity": lambda z: z,
    "sigmoid": sig,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "softmax": softmax,
}
PRIME: dict[str, Callable[[Array], Array]] = {  # f′ as a function of the point it is taken at
    "identity": lambda z: np.ones_like(z),
    "sigmoid": lambda z: sig(z) * (1 - sig(z)),
    "tanh": lambda z: 1 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(float),
}


@dataclass
class Net:
    x: Array  # N × D
    y: Array  # N × K
    layers: list[tuple[Array, Array, str]]
    loss: str  # mse, sse (with scale 0.5), bce, ce
    eta: float

    @property
    def scale(self) -> float:
        return 0.5 if self.loss == "sse" else 1.0

    def yaml(self) -> str:
        lines = ["samples:"]
        for xn, yn in zip(self.x, self.y, strict=True):
            target = int(np.argmax(yn)) if self.loss == "ce" else yn.tolist()
            lines.append(f"  - {{input: {xn.tolist()}, target: {json.dumps(target)}}}")
        lines.append("layers:")
        for W, b, f in self.layers:
            lines.append(f"  - {{weights: {W.tolist()}, bias: {b.tolist()}, activation: {f}}}")
        loss = "{name: sse, scale: 0.5}" if self.loss == "sse" else self.loss
        return "\n".join([*lines, f"loss: {loss}", f"learning_rate: {self.eta}"]) + "\n"


def student(net: Net, mistake: str | None = None) -> dict[str, Array]:
    """Every answer as a student works it out, making ``mistake`` (None: right)."""
    N, K, depth = net.x.shape[0], net.y.shape[1], len(net.layers)
    s, y = net.scale, net.y
    log = np.log10 if mistake == "log10" else np.log
    A, Z = [net.x], []
    for W, b, f in net.layers:
        Z.append(A[-1] @ W.T + b)
        A.append(FN[f](Z[-1]))
    out, f_out = A[-1], net.layers[-1][2]
    per_output = {
        "mse": lambda: (out - y) ** 2 / K,
        "sse": lambda: (out - y) ** 2,
        "bce": lambda: -(y * log(out) + (1 - y) * log(1 - out)) / K,
        "ce": lambda: -(y * log(out)),
    }[net.loss]()
    if mistake == "half_convention" and net.loss == "sse":  # the ½ of scale 0.5 left out
        loss, G = np.sum((out - y) ** 2) / N, 2 * (out - y) / N
    elif mistake == "half_convention":  # ½Σₖ(ŷₖ − yₖ)² instead of the problem's (1/K)Σₖ
        loss, G = 0.5 * np.sum((out - y) ** 2) / N, (out - y) / N
    else:
        loss = s * np.sum(per_output) / N
        G = (
            {  # ∂L/∂ŷ
                "mse": lambda: 2 * (out - y) / K,
                "sse": lambda: 2 * (out - y),
                "bce": lambda: (out - y) / (out * (1 - out)) / K,
                "ce": lambda: -y / out,
            }[net.loss]()
            * s
            / N
        )
        if mistake == "log10":
            G = G / math.log(10)
    if mistake == "loss_summed_over_samples":
        loss = loss * N
    if mistake == "batch_mean_forgotten":
        G = G * N
    fused = (net.loss, f_out) in (("bce", "sigmoid"), ("ce", "softmax"))
    if fused:  # the activation's derivative cancels: δ = (ŷ − y)·s/N (/K for BCE's mean)
        delta = (out - y) * s / N / (K if net.loss == "bce" else 1)
        if mistake == "log10":
            delta = delta / math.log(10)
        if mistake == "batch_mean_forgotten":
            delta = delta * N
    elif f_out == "softmax":  # δ = Jᵀ G
        delta = out * (G - np.sum(G * out, axis=1, keepdims=True))
    else:
        delta = G * PRIME[f_out](Z[-1])
    if mistake == "sign":
        delta = -delta
    elif mistake == "derivative_left_out":
        delta = G
    elif mistake == "derivative_of_a":
        delta = G * PRIME[f_out](out)
    elif mistake == "derivative_twice":
        delta = delta * PRIME[f_out](Z[-1])
    elif mistake == "jacobian_diagonal_only":
        delta = G * out * (1 - out)
    deltas, dW, db = [delta], [], []
    for l in range(depth - 1, -1, -1):
        W, b, _ = net.layers[l]
        dW.insert(0, deltas[0].T @ A[l])
        db.insert(0, deltas[0].sum(axis=0))
        if l > 0:  # δ of layer l (1-based), from the layer above
            through = W - net.eta * dW[0] if mistake == "updated_weights_used" else W
            f = net.layers[l - 1][2]
            prime = PRIME[f](A[l] if mistake == f"derivative_of_a@{l}" else Z[l - 1])
            if mistake == f"derivative_left_out@{l}":
                prime = np.ones_like(prime)
            deltas.insert(0, (deltas[0] @ through) * prime)
    values: dict[str, Array] = {"loss": np.asarray(loss)}
    for l in range(depth):
        W, b, _ = net.layers[l]
        values[f"delta{l + 1}"] = deltas[l]
        values[f"dW{l + 1}"] = dW[l]
        step = {"plus_instead_of_minus": -1.0, "not_updated": 0.0}.get(mistake or "", 1.0)
        values[f"W{l + 1}_new"] = W - step * net.eta * dW[l]
    return values


MISTAKES = {  # mistake → where it can be made on a network (None: anywhere)
    "half_convention": lambda net: net.loss in ("mse", "sse"),
    "loss_summed_over_samples": lambda net: net.x.shape[0] > 1,
    "batch_mean_forgotten": lambda net: net.x.shape[0] > 1,
    "log10": lambda net: net.loss in ("bce", "ce"),
    "sign": lambda net: True,
    "derivative_left_out": lambda net: net.layers[-1][2] in ("sigmoid", "tanh"),
    "derivative_of_a": lambda net: net.layers[-1][2] in ("sigmoid", "tanh"),
    "derivative_twice": lambda net: net.loss == "bce",
    "jacobian_diagonal_only": lambda net: net.loss == "ce",
    "plus_instead_of_minus": lambda net: True,
    "not_updated": lambda net: True,
    "updated_weights_used": lambda net: len(net.layers) > 1,
}


def mistakes(net: Net) -> list[str]:
    """The mistakes a student can make on ``net``: ``kind`` (at the output) or ``kind@l``."""
    found = [m for m, possible in MISTAKES.items() if possible(net)]
    for l in range(1, len(net.layers)):
        found += [f"derivative_of_a@{l}", f"derivative_left_out@{l}"]
    return found


def network(seed: int) -> Net:
    """A random network whose units sit neither on a kink nor saturated."""
    rng = np.random.default_rng([2026, seed])

    def nice(*shape: int) -> Array:
        return rng.choice([v / 10 for v in range(-9, 10) if v], size=shape)

    while True:
        n, d, depth = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(2, 4))
        loss = str(rng.choice(["mse", "sse", "bce", "ce"]))
        k = 1 if loss == "bce" and rng.random() < 0.5 else int(rng.integers(2, 4))
        widths = [d] + [int(rng.integers(1, 4)) for _ in range(depth - 1)] + [k]
        hidden = [str(rng.choice(["sigmoid", "tanh", "relu"])) for _ in range(depth - 1)]
        last = {"bce": "sigmoid", "ce": "softmax"}.get(loss, str(rng.choice(["sigmoid", "tanh"])))
        layers = [
            (nice(widths[i + 1], widths[i]), nice(widths[i + 1]), f)
            for i, f in enumerate([*hidden, last])
        ]
        if loss == "ce":
            y = np.eye(k)[rng.integers(0, k, size=n)]
        else:
            y = rng.choice([0.0, 0.5, 1.0] if loss == "bce" else [-0.5, 0.0, 0.5, 1.0], (n, k))
        net = Net(nice(n, d), y, layers, loss, float(rng.choice([0.1, 0.5])))
        a, ok = net.x, True
        for W, b, f in net.layers:
            z = a @ W.T + b
            ok = ok and bool(np.all(np.abs(z) > 0.05) and np.all(np.abs(z) < 3))
            a = FN[f](z)
        if ok:
            return net


def significant(value: Any, digits: int) -> str:
    """YAML for ``value`` with ``digits`` significant digits, trailing zeros kept (−0.6000)."""
    if isinstance(value, np.ndarray) and value.ndim:
        return "[" + ", ".join(significant(v, digits) for v in value) + "]"
    return f"{float(value):#.{digits}g}"


def written(values: dict[str, Array], digits: int, names: list[str] | None = None) -> str:
    lines = ["answers:"]
    for name, value in values.items():
        if names is None or name in names:
            lines.append(f"  {name}: {significant(value, digits)}")
    return "\n".join(lines) + "\n"


def graded(graph: Graph, text: str, tmp: Path) -> Grading:
    path = tmp / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    return grade(graph, load_answers(str(path), graph))


def distinct(mine: dict[str, Array], other: dict[str, Array], names: list[str]) -> bool:
    """Some answer's entry differs by more than 1 % of itself and 0.1 % of the answer's
    largest entry (twice the tolerance's floor for entries near 0): beyond the tolerance (a mistake that changes every answer by less cannot
    be told from rounding, and is not asked to be)."""
    return any(
        not np.allclose(mine[name], other[name], rtol=1e-2, atol=1e-3 * np.max(np.abs(mine[name])))
        for name in names
    )


def alike(works: dict[str, dict[str, Array]], mistake: str, name: str) -> set[str]:
    """The mistakes that give (within 1 %) the same value of ``name`` as ``mistake`` on this
    network: any of them is a right diagnosis there (a coincidence of one scalar, or two
    mistakes that are one on this network: the ½ of SSE and the 1/N of 2 samples)."""
    mine = works[mistake][name]
    return {
        m.split("@")[0]
        for m, v in works.items()
        if np.allclose(v[name], mine, rtol=1e-2, atol=1e-12)
    }


@pytest.mark.parametrize("seed", range(40))
def test_the_corpus(seed: int, tmp_path: Path) -> None:
    net = network(seed)
    problem = tmp_path / "net.yaml"
    problem.write_text(net.yaml(), encoding="utf-8")
    graph = Graph(solve(load(str(problem))))
    right = student(net)
    for digits in (3, 4):
        grading = graded(graph, written(right, digits), tmp_path)
        assert grading.passed, (net.yaml(), digits, [m.quantity.name for m in grading.wrong])
    names = list(right)
    works = {m: student(net, m) for m in mistakes(net)}
    for mistake, values in works.items():
        if not distinct(values, right, names):
            continue  # the mistake changes nothing on this network (½Σ of 2 outputs)
        grading = graded(graph, written(values, 4), tmp_path)
        assert not grading.passed, (mistake, net.yaml())
        first = grading.first_wrong
        assert first is not None and first.found is not None
        same = alike(works, mistake, first.quantity.name)
        assert first.found.kind in same, (mistake, first.quantity.name, first.found, net.yaml())
        upstream = [n for n in ("dW1",) if distinct(values, right, ["dW1"])]
        if upstream and mistake not in ("loss_summed_over_samples", "updated_weights_used"):
            alone = graded(graph, written(values, 4, upstream), tmp_path)
            assert alone.marks[0].found is not None, (mistake, net.yaml())
            kind = alone.marks[0].found.kind
            assert kind in alike(works, mistake, "dW1"), (
                mistake,
                "dW1 alone",
                alone.marks[0].found,
                net.yaml(),
            )
