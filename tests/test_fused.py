"""A fused pair (sigmoid + BCE, softmax + CE) is worked unfused with numbers, then simplified."""

from __future__ import annotations

import math
from typing import Any


def test_sigmoid_and_bce_are_shown_unfused_first(run: Any) -> None:
    # ex5: z = 2, ŷ = σ(2) = 0.8808, y = 0: ∂L/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)) = 1/(1 − σ(2)) = 1 + e²
    assert round(1 + math.exp(2), 3) == 8.389
    out = run("solve", "ex5", "-f", "plain").stdout
    lines = [line.strip() for line in out.splitlines()]
    start = lines.index("∂L/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)) = (0.8808 − 0)/(0.8808(1 − 0.8808)) = 8.389")
    assert lines[start + 1 : start + 3] == [
        "δ = ∂L/∂ŷ·∂ŷ/∂z = (ŷ − y)/(ŷ(1 − ŷ))·ŷ(1 − ŷ) = 8.389·0.8808(1 − 0.8808) = 0.8808",
        "δ = ∂L/∂ŷ·∂ŷ/∂z = ŷ − y = 0.8808 − 0 = 0.8808",
    ]


def test_softmax_and_ce_are_shown_unfused_first(run: Any) -> None:
    out = run("solve", "ex2", "-f", "plain").stdout
    unfused = out.index("= ŷ₁(∂L/∂ŷ₁ − (∂L/∂ŷ₁·ŷ₁ + ∂L/∂ŷ₂·ŷ₂ + ∂L/∂ŷ₃·ŷ₃))")
    assert out.index("∂L/∂ŷ₁ = −y₁/ŷ₁ = −1/0.6652 = −1.503") < unfused
    assert unfused < out.index("δ₁ = Σⱼ ∂L/∂ŷⱼ·∂ŷⱼ/∂z₁ = ŷ₁ − y₁ = 0.6652 − 1 = −0.3348")


def test_a_clamped_log_is_not_shown_unfused(run: Any, write: Any) -> None:
    path = write(
        "input: 1\ntarget: 0\nlayers:\n  - {weights: 800, bias: 0, activation: sigmoid}\n"
        "loss: bce\n"
    )
    steps = [line.strip() for line in run("solve", str(path), "-f", "plain").stdout.splitlines()]
    assert "δ = ∂L/∂ŷ·∂ŷ/∂z = ŷ − y = 1 − 0 = 1" in steps  # log(1 − ŷ) clamped at −100:
    assert not any(line.startswith("∂L/∂ŷ =") for line in steps)  # no numbers to show
