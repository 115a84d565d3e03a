"""Training keeps few full-size arrays: updates in place, the input gradient only when shown.

A training run must hold what the report shows (the first step's gradients, the
parameters after the first step and at the end) and one step's working arrays,
nothing per step beyond that. NumPy reports its buffers to tracemalloc, so the
peak is measured exactly, independent of the machine.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from backprop_cli import load, solve

WIDE = """
input: [0.5, -0.5]
target: 1
layers:
  - {units: 1000, init: {scheme: he_normal, seed: 1}, activation: tanh}
  - {units: 1000, init: {scheme: he_normal, seed: 2}, activation: tanh}
  - {units: 1, init: {scheme: zeros}, activation: sigmoid}
loss: bce
learning_rate: 0.1
steps: 10
"""


def reference_training(x: np.ndarray, params: list[tuple[np.ndarray, np.ndarray]], steps: int):
    """Hand-written gradient descent of the same network (tanh, tanh, sigmoid + BCE, y = 1)."""
    params = [(w.copy(), b.copy()) for w, b in params]
    history = []
    for step in range(steps + 1):
        h1 = np.tanh(x @ params[0][0].T + params[0][1])
        h2 = np.tanh(h1 @ params[1][0].T + params[1][1])
        z3 = h2 @ params[2][0].T + params[2][1]
        history.append(float(np.logaddexp(0.0, -z3).mean()))  # BCE of σ(z) at y = 1
        if step == steps:
            break
        d3 = 1 / (1 + np.exp(-z3)) - 1.0
        d2 = (d3 @ params[2][0]) * (1 - h2**2)
        d1 = (d2 @ params[1][0]) * (1 - h1**2)
        grads = [(d1.T @ x, d1.sum(0)), (d2.T @ h1, d2.sum(0)), (d3.T @ h2, d3.sum(0))]
        params = [
            (w - 0.1 * dw, b - 0.1 * db) for (w, b), (dw, db) in zip(params, grads, strict=True)
        ]
    return history, params


def test_training_peak_is_the_kept_arrays_and_one_steps_work(
    write: Callable[[str], Path],
) -> None:
    problem = load(str(write(WIDE)))
    matrix = 1000 * 1000 * 8  # bytes of W2, the one large parameter
    tracemalloc.start()
    try:
        solution = solve(problem)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Kept: ∂L/∂W2 of the first step, W2 after it, W2 at the end. At the peak two more:
    # the gradient of the step in progress and the new W2 the optimizer writes beside the
    # old one. Before: also a copy of η·∂L/∂W2 per step, 6 matrices.
    assert 3 * matrix <= kept < 3.2 * matrix
    assert peak < 5.2 * matrix

    start = [(problem.layers[i].params["W"], problem.layers[i].params["b"]) for i in range(3)]
    history, final = reference_training(problem.x, start, 10)  # type: ignore[arg-type]
    assert solution.update is not None
    np.testing.assert_allclose(solution.update.loss_history, history, rtol=1e-12)
    for i, (w, b) in enumerate(final, start=1):
        np.testing.assert_allclose(solution.update.params[f"W{i}"], w, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(solution.update.params[f"b{i}"], b, rtol=1e-12, atol=1e-15)
    # The first step's parameters are those after one update, not overwritten later.
    first = next(s for s in solution.steps if s.symbol == "W2_step1")
    np.testing.assert_array_equal(first.value, start[1][0] - 0.1 * solution.gradients["W2"])
