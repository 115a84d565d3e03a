"""The worked solution as a tutor writes it: rounding, variants, elision, training, snapshots.

The snapshots in tests/snapshots/ were read by eye before they were committed.
Regenerate them after an intended change with ``BACKPROP_UPDATE_SNAPSHOTS=1 pytest
tests/test_tutor.py`` and read the diff.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest

from backprop_cli import load, solve
from backprop_cli.render import RenderOptions, plain, rich
from backprop_cli.solve.pipeline import Options

SNAPSHOTS = Path(__file__).parent / "snapshots"


def plain_text(solution: Any, width: int = 100, max_rows: int = 8) -> str:
    return plain.render([solution], RenderOptions(width=width, max_rows=max_rows))


def test_rounding_mode_matches_a_hand_rounded_computation() -> None:
    def r(value: float) -> float:
        return round(value, 4)

    def sig(z: float) -> float:
        return 1 / (1 + math.exp(-z))

    # Exercise 1 worked by hand, every intermediate value rounded to 4 decimals before use.
    a1 = [r(sig(0.5)), r(sig(1.1))]  # 0.6225, 0.7503
    z2 = r(0.5 * a1[0] + 0.6 * a1[1])  # 0.7614
    y_hat = r(sig(z2))  # 0.6817
    loss = r((y_hat - 1) ** 2)  # 0.1013
    grad = r(2 * (y_hat - 1))  # −0.6366
    d2 = r(grad * (y_hat * (1 - y_hat)))  # σ′ = 0.21698…, not rounded: shown only inside δ²
    dW2 = [r(d2 * a1[0]), r(d2 * a1[1])]
    back = [r(d2 * 0.5), r(d2 * 0.6)]
    d1 = [r(back[j] * (a1[j] * (1 - a1[j]))) for j in range(2)]
    s = solve(load("ex1"), Options(round_intermediate=4))
    assert s.layers[0].a[0].tolist() == a1
    assert s.layers[1].z[0].tolist() == [z2]
    assert s.output[0].tolist() == [y_hat]
    assert s.loss == loss
    assert s.layers[1].grad_a[0].tolist() == [grad]
    assert s.layers[1].delta[0].tolist() == [d2]
    assert s.gradients["W2"].tolist() == [dW2]
    assert s.layers[0].delta[0].tolist() == d1
    assert s.gradients["W1"].tolist() == [[d1[0], r(d1[0] * 2)], [d1[1], r(d1[1] * 2)]]
    assert (
        "Textbook rounding is on: every intermediate value is rounded to 4 decimals"
        in plain_text(s)
    )


def test_rounding_from_the_command_line(run: Any) -> None:
    out = run("solve", "ex1", "-f", "plain", "--round-intermediate", "2").stdout
    assert "rounded to 2 decimals" in out
    assert "a₁⁽¹⁾ = σ(z₁⁽¹⁾) = 1/(1 + e^(−z₁⁽¹⁾)) = 1/(1 + e^(−0.5)) = 0.62" in out


def test_variant_table_and_its_explanation() -> None:
    out = plain_text(solve(load("ex3")))
    variants = out[out.index("Variants\n--------") :]
    assert "input (set)  3         2             changed" in variants
    assert "z            −0.5      −1            changed" in variants
    assert "∂L/∂w        0         0             same" in variants
    assert "▸ Still: z = −1 < 0: the neuron is inactive" in variants


def test_variant_that_revives_the_relu_says_no_longer(write: Any) -> None:
    problem = Path(__file__).parent.parent / "problems" / "ex3.yaml"
    text = problem.read_text(encoding="utf-8").replace("set: {input: 2}", "set: {input: 6}")
    out = plain_text(solve(load(str(write(text)))))
    assert "▸ No longer: z = −0.5 < 0" in out


def test_large_layers_elide_rows_sums_and_matrices(write: Any) -> None:
    inputs = ", ".join(str(i / 10) for i in range(20))
    path = write(f"""
        input: [{inputs}]
        target: 1
        layers:
          - {{units: 30, init: {{scheme: he_normal, seed: 4}}, activation: tanh}}
          - {{units: 1, init: {{scheme: xavier_normal, seed: 5}}, activation: sigmoid}}
        loss: mse
        """)
    out = plain_text(solve(load(str(path))), max_rows=6)
    assert "… 24 more" in out  # 30 neurons: the first 5 and the last shown
    assert " + … + " in out  # 20-term weighted sums
    assert "z₁⁽¹⁾ =" not in out  # no element-by-element steps for a 30×20 layer
    assert "z⁽¹⁾ = W⁽¹⁾x + b⁽¹⁾" in out


def test_training_shows_the_loss_history_and_a_chart() -> None:
    out = plain_text(solve(load("ex1", ["steps=30"])))
    assert "Training: 30 steps:" in out
    assert "steps taken  loss" in out and "… 23 more" in out  # 31 losses, 8 shown
    assert "│" in out and "└" in out  # the chart
    assert "the first step in detail" in out
    assert "W⁽¹⁾ (after 30 steps)" in out


def test_prose_wraps_to_the_width() -> None:
    for width in (60, 80, 120):
        for line in plain_text(solve(load("ex4")), width=width).splitlines():
            if not line.startswith("  "):  # prose wraps; equations and tables may not
                assert len(line) <= width, line


@pytest.mark.parametrize("name", ["ex1", "ex2", "ex3", "ex4", "ex5"])
@pytest.mark.parametrize("kind", ["plain", "rich"])
def test_snapshot(name: str, kind: str) -> None:
    options = RenderOptions(width=100, color=False)
    text = (plain if kind == "plain" else rich).render([solve(load(name))], options)
    path = SNAPSHOTS / f"{name}.{kind}.txt"
    if os.environ.get("BACKPROP_UPDATE_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
