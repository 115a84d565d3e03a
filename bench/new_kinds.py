"""The problems of the benchmark rows for kinds beyond dense networks (`run.new_kinds`).

Each is solved as a whole ``backprop solve PROBLEM --format json`` process against a
minimal reference of the same work in this folder, then rendered in every format
(goal: under 1 s each):

* batch norm: 784 → 128 → batch norm + ReLU → 10 + softmax, cross-entropy, 32
  samples, 50 steps, against `reference_batch_norm.py` (NumPy);
* conv2d: 8 filters of 3×3 on 1×28×28 + ReLU → flatten → 10 + softmax, cross-entropy,
  32 samples, 50 steps, against `reference_conv.py` (NumPy);
* a computational graph of 200 nodes (10 inputs, one gate each), 100 steps of
  gradient descent on its inputs, against `reference_graph.py` (plain Python);
* an LSTM over a sequence of 100 steps (4 features, 16 hidden units, ``return: last``)
  then a dense output, MSE, 10 steps of gradient descent, against `reference_lstm.py`
  (NumPy, the same forward pass and backpropagation through time).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

GRAPH_NODES, GRAPH_STEPS = 200, 100


def write_batch_norm_problem(path: Path, samples: int = 32, steps: int = 50) -> None:
    rng = np.random.default_rng(0)
    lines = ["samples:"]
    for n in range(samples):
        pixels = ", ".join(f"{v:.3f}" for v in rng.random(784))
        lines.append(f"  - {{input: [{pixels}], target: {n % 10}}}")
    lines += [
        "layers:",
        "  - {units: 128, init: {scheme: he_normal, seed: 1}}",
        "  - {type: batch_norm, activation: relu}",
        "  - {units: 10, init: {scheme: he_normal, seed: 2}, activation: softmax}",
        "loss: cross_entropy",
        "learning_rate: 0.1",
        f"steps: {steps}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_conv_problem(path: Path, samples: int = 32, steps: int = 50) -> None:
    rng = np.random.default_rng(0)
    lines = ["samples:"]
    for n in range(samples):
        rows = ", ".join(
            "[" + ", ".join(f"{v:.3f}" for v in row) + "]" for row in rng.random((28, 28))
        )
        lines.append(f"  - {{input: [{rows}], target: {n % 10}}}")
    lines += [
        "layers:",
        "  - {type: conv2d, filters: 8, kernel_size: 3, init: {scheme: he_normal, seed: 1},"
        " activation: relu}",
        "  - {type: flatten}",
        "  - {units: 10, init: {scheme: he_normal, seed: 2}, activation: softmax}",
        "loss: cross_entropy",
        "learning_rate: 0.05",
        f"steps: {steps}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_graph_problem(path: Path, nodes: int = GRAPH_NODES, steps: int = GRAPH_STEPS) -> None:
    """Ten inputs and ``nodes`` gates in a chain that also reaches back two nodes and to the
    inputs: ``a * x``, ``a + b``, ``tanh(a)``, ``sigmoid(a)`` in turn (values stay near 1)."""
    inputs = ", ".join(f"x{k}: {0.5 + 0.1 * k:.1f}" for k in range(10))
    lines = [f"title: A computational graph of {nodes} nodes", f"inputs: {{{inputs}}}", "graph:"]
    lines += ["  n1: x0 * x1", "  n2: n1 + x2"]
    for i in range(3, nodes + 1):
        gate = ("n{p} * x{k}", "n{p} + n{q}", "tanh(n{p})", "sigmoid(n{p})")[i % 4]
        lines.append(f"  n{i}: " + gate.format(p=i - 1, q=i - 2, k=i % 10))
    lines += ["learning_rate: 0.01", f"steps: {steps}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


LSTM_STEPS, LSTM_UPDATES = 100, 10


def write_lstm_problem(path: Path, steps: int = LSTM_STEPS, updates: int = LSTM_UPDATES) -> None:
    """An LSTM (D = 4, H = 16) over ``steps`` time steps, its last h into one output."""
    rng = np.random.default_rng(0)

    def matrix(rows: int, cols: int) -> str:
        return "[" + ", ".join(
            "[" + ", ".join(f"{v:.3f}" for v in row) + "]" for row in rng.normal(0, 0.3, (rows, cols))
        ) + "]"  # fmt: skip

    lines = [
        f"title: An LSTM over {steps} steps",
        "input: " + matrix(steps, 4),
        "target: 0.5",
        "layers:",
        "  - type: lstm",
        "    weights_ih: " + matrix(64, 4),
        "    weights_hh: " + matrix(64, 16),
        "    bias: 0.1",
        "    return: last",
        "  - weights: " + matrix(1, 16),
        "loss: mse",
        "learning_rate: 0.05",
        f"steps: {updates}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


KINDS: list[tuple[str, str, Callable[[Path], None], str]] = [  # row, file, writer, reference
    (
        "batch norm: 784-128-BN-10, 32 samples, 50 steps",
        "batch-norm.yaml",
        write_batch_norm_problem,
        "reference_batch_norm.py",
    ),
    (
        "conv2d: 8 filters 3×3 on 1×28×28, 32 samples, 50 steps",
        "conv.yaml",
        write_conv_problem,
        "reference_conv.py",
    ),
    (
        f"graph: {GRAPH_NODES} nodes, {GRAPH_STEPS} steps",
        "graph.yaml",
        write_graph_problem,
        "reference_graph.py",
    ),
    (
        f"lstm: {LSTM_STEPS} time steps, 4-16-1, {LSTM_UPDATES} updates",
        "lstm.yaml",
        write_lstm_problem,
        "reference_lstm.py",
    ),
]
