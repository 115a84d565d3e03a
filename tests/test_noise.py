"""Floating-point noise at a kink is the kink: 0.1·3 − 0.3 with ReLU gives ∂L/∂w = 0.

In float64 0.1·3 − 0.3 = 5.551e−17; taken at face value ReLU′ = 1 and ∂L/∂w = 2(ŷ − 1)·1·3 = −6.
In exact arithmetic z = 0, ReLU′(0) = 0 (PyTorch's convention too) and ∂L/∂w = 0, the
answer every key has.
"""

from __future__ import annotations

from typing import Any

from backprop_cli import load, solve


def test_relu_at_a_noisy_zero_is_at_its_kink(write: Any, run: Any) -> None:
    assert 0.1 * 3 - 0.3 == 5.551115123125783e-17
    path = write(
        "input: 3\ntarget: 1\nlayers:\n  - {weights: 0.1, bias: -0.3, activation: relu}\nloss: mse\n"
    )
    s = solve(load(str(path)))
    assert s.layers[0].z.tolist() == [[0.0]]
    assert s.gradients["W1"].tolist() == [[0.0]] and s.gradients["b1"].tolist() == [0.0]
    assert [i.kind for i in s.insights] == ["kink_noise", "kink"]
    out = " ".join(run("solve", str(path), "-f", "plain").stdout.split())
    assert "z = wx + b = 0.1·3 + (−0.3) = 0 " in out
    assert (
        "z comes out as 5.551e−17 in floating-point arithmetic: rounding noise in a sum of "
        "terms of size 0.6. In exact arithmetic it is 0, the kink of ReLU, so it is taken as 0"
    ) in out


def test_mae_at_a_noisy_zero_residual_is_at_its_kink(write: Any) -> None:
    assert 0.1 * 3 != 0.3  # 0.30000000000000004
    path = write("input: 3\ntarget: 0.3\nlayers:\n  - {weights: 0.1, bias: 0}\nloss: mae\n")
    s = solve(load(str(path)))
    assert s.loss == 0.0 and s.gradients["W1"].tolist() == [[0.0]]  # sign(0) = 0
    assert "kink_noise" in [i.kind for i in s.insights]


def test_a_small_value_that_is_not_noise_is_kept(write: Any) -> None:
    path = write(
        "input: 3\ntarget: 1\nlayers:\n  - {weights: 0.1, bias: -0.2999999, activation: relu}\n"
        "loss: mse\n"
    )
    s = solve(load(str(path)))
    z = s.layers[0].z[0, 0]
    assert 0 < z < 2e-7 and "kink_noise" not in [i.kind for i in s.insights]
    assert s.gradients["W1"][0, 0] < -5.9  # 2(z − 1)·1·3
