"""Numerical extremes: exact finite limits at huge logits, no NumPy warning, non-finite reported."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pytest

from backprop_cli import load, solve
from backprop_cli.render import RenderOptions, plain, report


def one_neuron(write: Any, x: float, activation: str, loss: str, target: Any) -> Any:
    path = write(
        f"input: {x}\ntarget: {target}\nlayers:\n  - {{weights: 1, activation: {activation}}}\nloss: {loss}\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy warning may escape
        return solve(load(str(path)))


def test_bce_of_a_sigmoid_at_logit_800_is_800_with_gradient_1(write: Any) -> None:
    s = one_neuron(write, 800, "sigmoid", "bce", 0)
    assert s.loss == 800.0
    assert s.layers[0].delta[0, 0] == 1.0
    assert s.gradients["W1"][0, 0] == 800.0  # δ·x


@pytest.mark.parametrize(
    "x,target,loss", [(1000, 0, 1000.0), (-1000, 1, 1000.0), (1000, 1, 0.0), (-1000, 0, 0.0)]
)
def test_bce_limits_at_plus_minus_1000(write: Any, x: float, target: int, loss: float) -> None:
    s = one_neuron(write, x, "sigmoid", "bce", target)
    assert s.loss == loss
    assert abs(s.layers[0].delta[0, 0]) in (0.0, 1.0)


@pytest.mark.parametrize("x", [1000.0, -1000.0])
def test_sigmoid_and_softplus_limits(write: Any, x: float) -> None:
    s = one_neuron(write, x, "sigmoid", "mse", 0)
    assert s.output[0, 0] == (1.0 if x > 0 else 0.0)
    assert s.layers[0].fprime[0, 0] == 0.0  # σ′ = σ(1 − σ) underflows to exactly 0
    s = one_neuron(write, x, "softplus", "mse", 0)
    assert s.output[0, 0] == (1000.0 if x > 0 else 0.0)


def test_softmax_cross_entropy_at_plus_minus_1000(write: Any) -> None:
    path = write(
        "input: [1000, -1000, 0]\ntarget: 1\nlayers:\n  - {activation: softmax}\nloss: ce\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = solve(load(str(path)))
    assert s.loss == 2000.0  # −log softmax(z)₂ = 1000 − (−1000)
    np.testing.assert_array_equal(s.output[0], [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(s.layers[0].delta[0], [1.0, -1.0, 0.0])  # ŷ − y


def test_non_fused_cross_entropy_clamps_instead_of_overflowing(write: Any) -> None:
    s = one_neuron(write, -1000, "sigmoid", "ce", "[1]")  # ŷ = 0, target 1: log clamped at −100
    assert s.loss == 100.0
    assert np.isfinite(s.gradients["W1"]).all()


def test_overflowing_weights_are_reported_not_crashed(write: Any) -> None:
    path = write(
        "input: [1.0e308, 1.0e308]\ntarget: 1\nlayers:\n  - {weights: [[1.0e308, 1.0e308]], activation: tanh}\n"
        "  - {weights: 1.0e308}\nloss: mse\nlearning_rate: 0.1\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = solve(load(str(path)))
    assert any(i.kind == "non_finite" for i in s.insights)
    data = json.loads(report.render([s]))
    assert data["gradients"]["W2"] == [[None]] or data["loss"]["value"] is None
    text = plain.render([s], RenderOptions())
    assert "∞" in text or "NaN" in text


def test_a_non_finite_z_gets_a_non_finite_insight(run: Any, write: Any) -> None:
    """z = 1e10·1e300 overflows to ∞ while σ(∞) = 1 is finite: JSON writes z as null, and
    SPEC section 3 lists every null among the insights as non_finite."""
    path = write(
        "input: 1e300\ntarget: 1\nlayers:\n  - {weights: 1e10, bias: 0, activation: sigmoid}\nloss: mse\n"
    )
    data = json.loads(run("solve", str(path), "-f", "json").stdout)
    assert data["layers"][0]["z"] == [None] and data["output"] == [1.0]
    assert [i["message"] for i in data["insights"] if i["kind"] == "non_finite"] == [
        "z of layer 1 is not finite (an overflow: the numbers are too large for 64-bit floats); "
        "it is written as null in JSON."
    ]
