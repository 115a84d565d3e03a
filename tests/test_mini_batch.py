"""batch_size: the update section derives the first mini-batch's own gradient (SPEC section 5)
with the same derivation as the full batch's, formula → substitution → result."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from test_formulas import checked

from backprop_cli import derive, load, solve

MINI_BATCH = """
samples:
  - {input: [1, 2], target: 1}
  - {input: [0, 1], target: 0}
  - {input: [2, -1], target: 1}
layers:
  - weights: [[0.1, 0.2], [0.3, -0.1]]
    activation: sigmoid
  - weights: [0.5, -0.5]
loss: mse
learning_rate: 0.1
batch_size: 2
steps: 2
"""


def _solve(write: Any, text: str = MINI_BATCH) -> Any:
    return solve(load(str(write(text))))


def test_the_mini_batch_steps_give_the_gradients_the_update_used(write: Any) -> None:
    s = _solve(write)
    assert s.update.first_batch == (0, 1)
    steps = {step.symbol: step for step in s.steps if step.mini_batch}
    for name, g in s.update.first_gradients.items():
        np.testing.assert_array_equal(steps[f"d{name}_batch"].value, g)
    # the mini-batch's loss is the mean over its 2 samples, not the 3 of the file
    first = s.update.batch
    assert first.problem.samples == 2
    assert steps["loss_batch"].value == pytest.approx(np.mean(first.sample_losses), rel=1e-15)
    assert "dx_batch" not in steps  # ∂L_B/∂x is not asked for


def test_every_formula_of_the_mini_batch_evaluates_to_its_value(write: Any) -> None:
    first = _solve(write).update.batch
    substitutions, formulas, wrong = checked(replace(first, steps=derive.steps(first)))
    assert wrong == []
    assert substitutions > 10 and formulas > 10


def test_the_update_section_reads_the_mini_batch_derivation(write: Any, run: Any) -> None:
    text = run("solve", str(write(MINI_BATCH)), "--format", "plain").stdout
    update = text.split("\nUpdate\n------\n")[1]
    assert (
        "the gradient of the mini-batch's loss L_B (the mean over its samples), derived as the "
        "full batch's is, from the values of the forward pass above:"
    ) in " ".join(update.split())
    assert "  ℓ[1] = (ŷ[1] − y[1])² = (0.04874 − 1)² = 0.9049\n" in update
    assert "  L_B = (1/B)·Σₙ ℓ[n] = ½·(0.9049 + 0.001399) = 0.4531\n" in update
    assert "  ∂L_B/∂b⁽²⁾ = δ⁽²⁾[1] + δ⁽²⁾[2] = −0.9513 + 0.03741 = −0.9139\n" in update
    # the worked steps come before the table of the mini-batch's gradients and the updates
    assert update.index("L_B = ") < update.index("  gradient    value") < update.index("w₁₁⁽¹⁾ ←")
    # and nowhere else: the backward pass is the full batch's
    assert "L_B" not in text.split("\nUpdate\n------\n")[0]


@pytest.mark.parametrize(
    ("fmt", "shown"),
    [
        ("markdown", "L_{B}"),
        ("latex", "L_{B} &= \\frac{1}{B}"),
        ("html", "</span> = (1/B)·Σₙ ℓ[n] = ½·(0.9049 + 0.001399) = "),
    ],
)
def test_every_format_derives_the_mini_batch(write: Any, run: Any, fmt: str, shown: str) -> None:
    result = run("solve", str(write(MINI_BATCH)), "--format", fmt)
    assert result.exit_code == 0
    assert shown in result.stdout


def test_the_report_lists_the_mini_batch_steps_under_the_update(write: Any, run: Any) -> None:
    report = json.loads(run("solve", str(write(MINI_BATCH)), "--format", "json").stdout)
    steps = {s["symbol"]: s for s in report["steps"]}
    assert steps["dW2_batch"]["phase"] == "update"
    assert steps["dW2_batch"]["formula"] == "δ⁽²⁾ᵀa⁽¹⁾"
    assert steps["loss_batch"]["formula"] == "(1/B)·Σₙ ℓ[n]"


def test_the_full_batch_has_no_mini_batch_steps(write: Any) -> None:
    s = _solve(write, MINI_BATCH.replace("batch_size: 2\n", ""))
    assert s.update.batch is None
    assert not any(step.mini_batch for step in s.steps)


def test_a_summed_loss_says_its_mini_batch_sums(write: Any, run: Any) -> None:
    text = MINI_BATCH.replace("loss: mse", "loss: {name: mse, reduction: sum}")
    shown = run("solve", str(write(text)), "--format", "plain").stdout
    assert "L_B (the sum over its samples)" in " ".join(shown.split())
    assert "  L_B = Σₙ ℓ[n] = 0.9049 + 0.001399 = 0.9063\n" in shown
