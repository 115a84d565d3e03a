"""`backprop solve --check`: the finite-difference check reported, and exit 1 when it fails."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backprop_cli.solve.records import GradientCheck


def test_the_check_is_reported_in_every_format(run: Any) -> None:
    result = run("solve", "ex1", "--check", "-f", "plain")
    assert result.exit_code == 0
    out = " ".join(result.stdout.split())
    assert "Gradient check" in out
    assert "over 11 entries of W, b and x: largest absolute error" in out
    assert (
        "Passed: every error is within a relative tolerance of 1e−05 (plus an absolute 1e−08)."
        in out
    )
    data = json.loads(run("solve", "ex1", "--check", "-f", "json").stdout)
    assert data["gradient_check"]["passed"] is True
    assert (data["gradient_check"]["checked"], data["gradient_check"]["at_kink"]) == (11, 0)
    assert data["gradient_check"]["max_rel_error"] < 1e-6
    assert "Gradient check" not in run("solve", "ex1", "-f", "plain").stdout
    assert json.loads(run("solve", "ex1", "-f", "json").stdout)["gradient_check"] is None


def test_a_relu_at_its_kink_is_not_differentiable_there_not_a_failure(run: Any) -> None:
    result = run("solve", "ex3", "--check", "--set", "layers.0.bias=-1.5", "-f", "plain")
    assert result.exit_code == 0  # z = 0.5·3 − 1.5 = 0 exactly
    out = " ".join(result.stdout.split())
    assert "over 0 entries (3 more at a kink or an edge, not compared) of W, b and x." in out
    assert "Not differentiable at W1[0][0], b1[0], x[0][0]: the perturbation crosses a kink" in out
    assert "Nothing was compared: every entry is at a kink." in out
    assert "largest absolute error" not in out  # no "Passed, largest error 0"


def test_a_failed_check_is_exit_1(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from backprop_cli.solve import gradient_check as gradcheck

    failed = GradientCheck(0.5, 0.25, False, 11, (), 1e-5)
    monkeypatch.setattr(gradcheck, "gradient_check", lambda problem, solution: failed)
    result = run("solve", "ex1", "--check", "-f", "plain")
    assert result.exit_code == 1
    assert (
        "FAILED: an error is beyond a relative tolerance of 1e−05 (plus an absolute 1e−08)."
        in result.stdout
    )

    passed = GradientCheck(0.0, 0.0, True, 3, (), 1e-5)

    def fails_for_x_2(problem: Any, solution: Any) -> GradientCheck:
        return failed if problem.x[0, 0] == 2 else passed

    monkeypatch.setattr(gradcheck, "gradient_check", fails_for_x_2)
    result = run("solve", "ex3", "--check", "-f", "json")  # ex3's variant has x = 2
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["gradient_check"]["passed"] is True
    assert data["variants"][0]["report"]["gradient_check"]["passed"] is False


def test_only_the_entries_that_move_a_unit_across_its_kink_are_skipped(
    run: Any, write: Any
) -> None:
    """Unit 1 sits at ReLU's kink (z = 1 − 1 = 0); unit 2 does not (z = 1). Only the entries
    that move unit 1 (its weights and bias, and x) are skipped; a unit at a kink that an
    entry does not move (W2, unit 2's row) is no reason to skip it, as it was for all 11."""
    problem = write(
        "input: [1, 1]\ntarget: 0\nlayers:\n"
        "  - {weights: [[1, -1], [0.5, 0.5]], bias: [0, 0], activation: relu}\n"
        "  - {weights: [1, 1], bias: 0}\nloss: mse\n"
    )
    result = run("solve", str(problem), "--check", "-f", "json")
    assert result.exit_code == 0
    check = json.loads(result.stdout)["gradient_check"]
    assert (check["checked"], check["at_kink"], check["passed"]) == (6, 5, True)
    out = " ".join(run("solve", str(problem), "--check", "-f", "plain").stdout.split())
    assert "Not differentiable at W1[0][0], W1[0][1], b1[0], x[0][0], x[0][1]:" in out


def test_an_output_on_the_edge_of_bce_is_no_bad_file(run: Any, write: Any) -> None:
    """ŷ₁ = 1·1 = 1 is a valid BCE output; the nudge 1 + 10⁻⁶ is not. Exit 2 ("bad file")
    was wrong: the entries that push ŷ₁ out are not compared, the rest are."""
    problem = write(
        "input: 1\ntarget: [1, 0]\nlayers:\n  - {weights: [[1], [0.5]], bias: [0, 0]}\nloss: bce\n"
    )
    result = run("solve", str(problem), "--check", "-f", "json")
    assert result.exit_code == 0, result.stderr
    check = json.loads(result.stdout)["gradient_check"]
    assert (check["checked"], check["at_kink"], check["passed"]) == (2, 3, True)
