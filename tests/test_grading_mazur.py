"""Grading Mazur's worked example: updates judged by their change, tiny gradients relatively,
answers carried at 3 significant digits right as rounded.

The example is Matt Mazur's "A Step by Step Backpropagation Example" (examples/mazur.yaml);
the expected numbers below are PyTorch's (torch 2.13, float64: autograd of
0.5·Σ(σ(W2·σ(W1·x + b1) + b2) − y)² and one step W − 0.5·∂L/∂W), which agree with the
published ones (E_total = 0.298371109, w1⁺ = 0.149780716, w5⁺ = 0.35891648).
The student answers are files in tests/answers/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backprop_cli import load, solve

MAZUR = str(Path(__file__).parent.parent / "examples" / "mazur.yaml")
ANSWERS = Path(__file__).parent / "answers"

# PyTorch, float64 (see the module's docstring).
LOSS = 0.2983711087600027
DW1 = [
    [0.0004385677344743467, 0.0008771354689486934],
    [0.0004977127352608599, 0.0009954254705217198],
]
DW2 = [[0.08216704056423077, 0.08266762784753325], [-0.022602540477475067, -0.02274024221597822]]
W1_NEW = [[0.1497807161327628, 0.19956143226552567], [0.24975114363236958, 0.29950228726473915]]
W2_NEW = [[0.35891647971788465, 0.4086661860762334], [0.5113012702387375, 0.5613701211079891]]


def graded(run: Any, answers: str | Path) -> dict[str, Any]:
    result = run("check", MAZUR, "--answers", str(answers), "-f", "json")
    assert result.stderr == ""
    data: dict[str, Any] = json.loads(result.stdout)
    assert result.exit_code == (0 if data["passed"] else 1)
    return data


def verdicts(data: dict[str, Any]) -> dict[str, str]:
    """Each answer's verdict: right, rounded (right, as rounded) or the diagnosis kind."""
    return {
        m["name"]: ("rounded" if m["rounded"] else "right")
        if m["right"]
        else m["diagnosis"]["kind"]
        for m in data["marks"]
    }


def test_the_example_solves_to_the_published_numbers() -> None:
    s = solve(load(MAZUR))
    assert s.loss == pytest.approx(LOSS, abs=1e-12)
    assert s.gradients["W1"] == pytest.approx(np.array(DW1), abs=1e-12)
    assert s.gradients["W2"] == pytest.approx(np.array(DW2), abs=1e-12)
    assert s.update is not None
    assert s.update.params["W1"] == pytest.approx(np.array(W1_NEW), abs=1e-12)
    assert s.update.params["W2"] == pytest.approx(np.array(W2_NEW), abs=1e-12)


def test_an_update_with_plus_is_wrong_and_diagnosed(run: Any) -> None:
    data = graded(run, ANSWERS / "mazur-plus.yaml")
    assert verdicts(data) == {"dW1": "right", "W1_new": "plus_instead_of_minus"}
    assert data["first_wrong"] == "W1_new"


def test_a_parameter_not_updated_is_wrong_and_diagnosed(run: Any) -> None:
    data = graded(run, ANSWERS / "mazur-not-updated.yaml")
    assert verdicts(data) == {"W1_new": "not_updated", "W2_new": "right"}
    assert data["summary"] == (
        "The first wrong step is W1_new. W1_new is W1 itself: the update was left out. An "
        "updated parameter is judged by its change, W1_new − W1, which must be −η·dW1."
    )


def test_a_tiny_gradient_is_judged_relatively(run: Any) -> None:
    data = graded(run, ANSWERS / "mazur-derivative-of-a.yaml")
    assert verdicts(data) == {"dW1": "derivative_of_a"}


def test_answers_carried_at_3_significant_digits_are_right_as_rounded(run: Any) -> None:
    data = graded(run, ANSWERS / "mazur-3-digits.yaml")
    assert data["passed"]
    found = verdicts(data)
    assert found["delta2"] == "rounded"  # −0.0384 from the student's own output 0.772
    assert found["z1"] == "right" and found["W1_new"] == "rounded"
    assert set(found.values()) == {"right", "rounded"}


def test_an_update_right_to_4_significant_digits_is_right(run: Any, write: Any) -> None:
    rounded = np.vectorize(lambda v: float(f"{v:.4g}"))(np.array(W1_NEW)).tolist()
    assert rounded == [[0.1498, 0.1996], [0.2498, 0.2995]]
    path = write(f"answers:\n  W1_new: {json.dumps(rounded)}\n", "a.yaml")
    assert verdicts(graded(run, path)) == {"W1_new": "rounded"}


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        ([0.1385, -0.0381], "right"),
        ([0.13850, -0.03810], "right"),
        ([0.1386, -0.03795], "right"),  # within 0.5 %
        ([0.14, -0.038], "rounded"),  # 2 significant digits: 0.14 is 1.1 % off, but a rounding
        ([0.1, -0.038], "unexplained"),  # 1 significant digit is read as 2: 0.14
        ([0.138, -0.0384], "unexplained"),  # no rounding of −0.03810; nothing earlier given
    ],
)
def test_the_tolerance_follows_the_digits_written(
    run: Any, write: Any, value: list[float], verdict: str
) -> None:
    path = write(f"answers:\n  delta2: {json.dumps(value)}\n", "a.yaml")
    assert verdicts(graded(run, path)) == {"delta2": verdict}


def test_trailing_zeros_are_digits_written(run: Any, write: Any) -> None:
    """0.1500 claims 4 decimals, where the step of 0.0002 shows: W1 not updated is wrong even
    beside the student's own dW1 (which the float 0.15 alone could not tell)."""
    path = write(
        "answers:\n  dW1: [[0.0004386, 0.0008771], [0.0004977, 0.0009954]]\n"
        "  W1_new: [[0.1500, 0.2000], [0.2500, 0.3000]]\n",
        "a.yaml",
    )
    assert verdicts(graded(run, path)) == {"dW1": "right", "W1_new": "not_updated"}
