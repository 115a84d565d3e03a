"""The loss's and the output layer's common mistakes, each diagnosed as itself.

Every wrong answer below is worked by hand (the arithmetic is in the comments), the way a
student makes the mistake.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

PROBLEMS = Path(__file__).parent.parent / "problems"


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def graded(run: Any, write: Any, problem: Path | str, values: dict[str, Any]) -> dict[str, Any]:
    lines = ["answers:"] + [f"  {name}: {json.dumps(value)}" for name, value in values.items()]
    path = write("\n".join(lines) + "\n", "answers.yaml")
    result = run("check", str(problem), "--answers", str(path), "-f", "json")
    assert result.stderr == ""
    data: dict[str, Any] = json.loads(result.stdout)
    assert result.exit_code == (0 if data["passed"] else 1)
    return data


def kinds(data: dict[str, Any]) -> dict[str, str | None]:
    return {m["name"]: m["diagnosis"] and m["diagnosis"]["kind"] for m in data["marks"]}


# Three outputs, identity: x = [1, 2], z = Wx = [0.5, 1.1, 1.7], y = [0, 1, 0.5], so
# z − y = [0.5, 0.1, 1.2]; MSE = (0.25 + 0.01 + 1.44)/3 = 1.7/3; ½Σ = 0.85 = 1.5 × MSE.
K3 = (
    "input: [1, 2]\ntarget: [0, 1, 0.5]\nlayers:\n"
    "  - {weights: [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], bias: [0, 0, 0]}\nloss: mse\n"
)


def test_the_half_convention_with_three_outputs(run: Any, write: Any) -> None:
    problem = write(K3)
    half = {"loss": 0.85, "dW1": [[0.5, 1.0], [0.1, 0.2], [1.2, 2.4]]}  # δ = z − y, not 2(z − y)/3
    data = graded(run, write, problem, half)
    assert kinds(data) == {"loss": "half_convention", "dW1": "half_convention"}
    assert data["summary"].startswith(
        "The first wrong step is loss. 1.5 times the expected value: you used the ½ convention, "
        "L = ½Σ(ŷ − y)², but this problem's MSE is the mean over its 3 outputs, (1/3)Σ, so "
        "yours is 3/2 times its loss and every gradient."
    )
    out = run("solve", str(problem), "-f", "plain").stdout
    assert "the loss and every gradient are 1.5 times these (½Σ is 3/2 times the mean)" in (
        " ".join(out.split())
    )


def test_the_half_convention_with_two_outputs_is_the_mean(run: Any, write: Any) -> None:
    problem = write(
        "input: [1, 2]\ntarget: [0, 1]\nlayers:\n"
        "  - {weights: [[0.1, 0.2], [0.3, 0.4]], bias: [0, 0]}\nloss: mse\n"
    )
    data = graded(run, write, problem, {"loss": 0.5 * (0.5**2 + 0.1**2)})  # ½Σ = the mean
    assert data["passed"]
    out = " ".join(run("solve", str(problem), "-f", "plain").stdout.split())
    assert "the loss and every gradient are the same (½Σ over 2 outputs is their mean)" in out


# Two samples, one identity neuron w = 0.5: z = [0.5, 1], y = 0, MSE L = (0.25 + 1)/2 = 0.625;
# ∂L/∂w = (1/2)(2·0.5·1 + 2·1·2) = 2.5.
BATCH = (
    "samples:\n  - {input: 1, target: 0}\n  - {input: 2, target: 0}\n"
    "layers:\n  - {weights: 0.5, bias: 0}\nloss: mse\n"
)


def test_the_loss_summed_over_samples_and_the_forgotten_one_over_n(run: Any, write: Any) -> None:
    data = graded(run, write, write(BATCH), {"loss": 1.25, "dW1": 5.0})
    assert kinds(data) == {"loss": "loss_summed_over_samples", "dW1": "batch_mean_forgotten"}
    right = graded(run, write, write(BATCH), {"loss": 0.625, "dW1": 2.5})
    assert right["passed"]


# ex5: x = 4, w = 0.5, z = 2, ŷ = σ(2) = 0.880797, y = 0, BCE.
YHAT5 = sig(2.0)


def test_sigma_prime_twice_with_bce(run: Any, write: Any) -> None:
    twice = YHAT5 * YHAT5 * (1 - YHAT5)  # (ŷ − y)·σ′(z) = 0.880797·0.104994 = 0.092478
    data = graded(run, write, "ex5", {"dW1": round(4 * twice, 4)})  # 0.3699
    assert kinds(data) == {"dW1": "derivative_twice"}
    assert "σ′(z1) is applied twice" in data["summary"]


def test_log10_instead_of_ln(run: Any, write: Any) -> None:
    loss = -math.log10(1 - YHAT5)  # 0.923714, where −ln(1 − ŷ) = 2.126928
    grad = 4 * YHAT5 / math.log(10)  # 1.530102, where 4(ŷ − y) = 3.523188
    data = graded(run, write, "ex5", {"loss": round(loss, 4), "dW1": round(grad, 4)})
    assert kinds(data) == {"loss": "log10", "dW1": "log10"}


def test_a_diagonal_only_softmax_jacobian(run: Any, write: Any) -> None:
    # z = [0.5, 1.1], s = [0.354344, 0.645656], class 0: δ = s − y = [−0.645656, 0.645656];
    # the diagonal alone: −y/s ⊙ s(1 − s) = [−(1 − 0.354344), 0] = [−0.645656, 0].
    problem = write(
        "input: [1, 2]\ntarget: 0\nlayers:\n"
        "  - {weights: [[0.1, 0.2], [0.3, 0.4]], bias: [0, 0], activation: softmax}\n"
        "loss: cross_entropy\n"
    )
    s0 = math.exp(0.5) / (math.exp(0.5) + math.exp(1.1))
    data = graded(run, write, problem, {"delta1": [round(-(1 - s0), 4), 0]})
    assert kinds(data) == {"delta1": "jacobian_diagonal_only"}


def test_updated_weights_used_with_several_steps(run: Any, write: Any) -> None:
    problem = write((PROBLEMS / "ex1.yaml").read_text(encoding="utf-8") + "steps: 2\n")
    a1 = [sig(0.5), sig(1.1)]
    y_hat = sig(0.5 * a1[0] + 0.6 * a1[1])
    d2 = 2 * (y_hat - 1) * y_hat * (1 - y_hat)
    w2_new = [0.5 - 0.1 * d2 * a1[0], 0.6 - 0.1 * d2 * a1[1]]  # W2 after the first update
    d1 = [w2_new[j] * d2 * a1[j] * (1 - a1[j]) for j in range(2)]  # through W2_new, not W2
    data = graded(run, write, problem, {"delta1": d1})
    assert kinds(data) == {"delta1": "updated_weights_used"}
