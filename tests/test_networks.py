"""Whole networks against central finite differences of the loss.

Hypothesis draws random networks (depth 1–4, widths 1–5, every activation,
every loss, one sample or a batch) and checks every ∂L/∂W, ∂L/∂b and ∂L/∂x
the engine computes against the five-point central difference
(−L(θ+2h) + 8L(θ+h) − 8L(θ−h) + L(θ−2h))/12h, where L is the engine's own
forward pass and loss: the backward pass is checked against the forward pass,
which the exercise tests check against hand-derived values. The five-point
stencil (error O(h⁴)) keeps the reference accurate to far better than the
1e-6 relative tolerance even where the loss is large.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backprop_cli.load.problem import Problem, load_source
from backprop_cli.load.sources import Source
from backprop_cli.nn import ACTIVATIONS
from backprop_cli.solve.engine import forward, initial_params, rounding
from backprop_cli.solve.pipeline import solve

H = 1e-4
STENCIL = ((2, -1.0), (1, 8.0), (-1, -8.0), (-2, 1.0))
"""(multiple of h, weight) of the five-point central difference, divided by 12h."""
ELEMENTWISE = sorted(
    name for name in ACTIVATIONS if name not in ("softmax", "linear", "none", "swish")
)
LAST_FOR_LOSS = {
    "mse": [*ELEMENTWISE, "softmax"],
    "sse": [*ELEMENTWISE, "softmax"],
    "mae": [*ELEMENTWISE, "softmax"],
    "binary_cross_entropy": ["sigmoid", "softmax"],
    "cross_entropy": ["softmax", "sigmoid", "softplus"],
    "hinge": ELEMENTWISE,
    "huber": ELEMENTWISE,
    "smooth_l1": ELEMENTWISE,
    "kl_div": ["softmax", "sigmoid"],
    "nll": ["softmax", "sigmoid"],
}
LOSS_OPTIONS = {
    "hinge": st.fixed_dictionaries(
        {"margin": st.sampled_from([0.0, 1.0, 2.5]), "divide_by_classes": st.booleans()}
    ),
    "huber": st.fixed_dictionaries({"delta": st.sampled_from([0.5, 1.0, 2.0])}),
    "smooth_l1": st.fixed_dictionaries({"beta": st.sampled_from([0.5, 1.0, 2.0])}),
}
KINKED = {"relu", "leaky_relu", "elu"}
"""f′ jumps at 0 (ReLU, leaky ReLU), or f″ does (ELU): a difference quotient across 0 is off by O(h)."""


def numbers(count: int, low: float = -1.5, high: float = 1.5) -> st.SearchStrategy[list[float]]:
    return st.lists(
        st.floats(low, high, allow_nan=False).map(lambda v: round(v, 3)),
        min_size=count,
        max_size=count,
    )


@st.composite
def problems(draw: st.DrawFn) -> dict[str, Any]:
    loss = draw(st.sampled_from(sorted(LAST_FOR_LOSS)))
    depth = draw(st.integers(1, 4))
    width = input_width = draw(st.integers(1, 5))
    doc: dict[str, Any] = {
        "loss": loss
        if draw(st.booleans())
        else {
            "name": loss,
            "scale": draw(st.sampled_from([0.5, 2.0])),
            "reduction": draw(st.sampled_from(["mean", "sum"])),
            **draw(LOSS_OPTIONS.get(loss, st.just({}))),
        }
    }
    if draw(st.integers(0, 2)) == 0:
        doc["regularization"] = {
            "name": draw(st.sampled_from(["l2", "l1"])),
            "lambda": draw(st.sampled_from([0.01, 0.5])),
            "include_bias": draw(st.booleans()),
        }
    layers: list[dict[str, Any]] = []
    for i in range(depth):
        last = i == depth - 1
        activation = draw(
            st.sampled_from(LAST_FOR_LOSS[loss] if last else [*ELEMENTWISE, "softmax"])
        )
        if not last and draw(st.integers(0, 5)) == 0:
            layers.append({"activation": activation})  # an activation layer keeps the width
            continue
        units = draw(st.integers(1, 5))
        if last and loss in ("binary_cross_entropy",) and activation == "softmax":
            units = max(units, 2)
        weights = [draw(numbers(width)) for _ in range(units)]
        layers.append({"weights": weights, "bias": draw(numbers(units)), "activation": activation})
        width = units
    doc["layers"] = layers
    outputs = width
    samples = draw(st.integers(1, 4))

    def target() -> Any:
        if loss in ("hinge", "nll"):
            return draw(st.integers(0, outputs - 1))
        if loss in ("cross_entropy", "kl_div"):
            raw = draw(numbers(outputs, 0.05, 1.0))
            return [v / sum(raw) for v in raw]
        if loss == "binary_cross_entropy":
            return draw(numbers(outputs, 0.0, 1.0))
        return draw(numbers(outputs, -2, 2))

    def sample() -> dict[str, Any]:
        return {"input": draw(numbers(input_width, -2, 2)), "target": target()}

    if samples == 1 and draw(st.booleans()):
        doc.update(sample())
    else:
        doc["samples"] = [sample() for _ in range(samples)]
    return doc


def load_doc(doc: dict[str, Any]) -> Problem:
    return load_source(Source("generated.yaml", yaml.safe_dump(doc), "generated"))


def loss_at(problem: Problem, params: Any, x: np.ndarray | None = None) -> float:
    if x is not None:
        problem = Problem(**{**problem.__dict__, "x": x})
    return forward(problem, params, rounding(None)).loss


def resolvable(problem: Problem, yhat: np.ndarray, fused: bool) -> bool:
    """Whether float64 holds the loss finely enough for the five-point reference.

    Binary cross-entropy without the fused form takes log(1 − ŷ): with ŷ within
    1e-4 of 1, the rounding of 1 − ŷ divided by h is beyond the tolerance, while
    the engine is right (for ŷ = 1 − 3.06e-7, ∂L/∂w is 1.87499885287 in 50-digit
    arithmetic and from the engine, and 1.8750012 from the stencil).
    """
    bce = problem.loss.function.name == "binary_cross_entropy"
    return fused or not bce or bool(np.all(1.0 - yhat > 1e-4))


def away_from_kinks(problem: Problem, params: Any) -> bool:
    fwd = forward(problem, params, rounding(None))
    if not resolvable(problem, fwd.a[-1], fwd.fused):
        return False
    for layer, z in zip(problem.layers, fwd.z, strict=True):
        if layer.activation.name in KINKED and np.any(np.abs(z) < 1e-3):
            return False
    loss = problem.loss.function
    sides = loss.kinks(fwd.a[-1], problem.y)  # MAE's ŷ − y, a hinge's margins
    own_class = (problem.y == 1.0) if loss.class_index else np.zeros_like(problem.y, bool)
    if sides is not None and np.any((np.abs(sides) < 1e-3) & ~own_class):
        return False
    # Huber and smooth L1: f″ jumps where |ŷ − y| = δ (β), which the stencil feels at O(h)
    threshold = getattr(loss, "delta", getattr(loss, "beta", None))
    if threshold is not None and np.any(np.abs(np.abs(fwd.a[-1] - problem.y) - threshold) < 1e-3):
        return False
    reg = problem.regularization
    if reg is not None and reg.name == "l1":  # |w| at 0
        for layer, p in zip(problem.layers, params, strict=True):
            for base in reg.covers(layer.kind.weights, layer.kind.biases):
                if np.any(np.abs(p[base]) < 1e-3):
                    return False
    return True


@given(doc=problems())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_gradient_matches_finite_differences(doc: dict[str, Any]) -> None:
    problem = load_doc(doc)
    params = initial_params(problem)
    assume(away_from_kinks(problem, params))
    solution = solve(problem)
    # The stencil's rounding error is about 1.5·ε·|L|/h ≈ 3e-12·|L|: an absolute floor well above it.
    noise = 1e-9 * max(1.0, abs(solution.loss))
    for i, p in enumerate(params):
        for which in p:
            analytic = solution.gradients[f"{which}{i + 1}"]
            numeric = np.zeros_like(analytic)
            for index in np.ndindex(*analytic.shape):
                total = 0.0
                for multiple, weight in STENCIL:
                    values = p[which].copy()
                    values[index] += multiple * H
                    trial = list(params)
                    trial[i] = {**p, which: values}
                    total += weight * loss_at(problem, trial)
                numeric[index] = total / (12 * H)
            np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=noise)
    numeric_x = np.zeros_like(problem.x)
    for index in np.ndindex(*problem.x.shape):
        total = 0.0
        for multiple, weight in STENCIL:
            x = problem.x.copy()
            x[index] += multiple * H
            total += weight * loss_at(problem, params, x)
        numeric_x[index] = total / (12 * H)
    np.testing.assert_allclose(solution.dx, numeric_x, rtol=1e-6, atol=noise)


@given(doc=problems())
@settings(max_examples=100, deadline=None)
def test_a_gradient_step_with_a_small_rate_lowers_the_loss(doc: dict[str, Any]) -> None:
    doc = {**doc, "learning_rate": 1e-4}
    problem = load_doc(doc)
    assume(away_from_kinks(problem, initial_params(problem)))  # at a kink a step may go uphill
    solution = solve(problem)
    assert solution.update is not None
    before, after = solution.update.loss_history
    gradient_norm = sum(
        float(np.sum(g**2)) for name, g in solution.gradients.items() if name != "x"
    )
    assume(gradient_norm > 1e-6)
    assert after < before
