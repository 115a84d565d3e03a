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
    assert data["gradient_check"]["max_rel_error"] < 1e-6
    assert "Gradient check" not in run("solve", "ex1", "-f", "plain").stdout
    assert json.loads(run("solve", "ex1", "-f", "json").stdout)["gradient_check"] is None


def test_a_relu_at_its_kink_is_not_differentiable_there_not_a_failure(run: Any) -> None:
    result = run("solve", "ex3", "--check", "--set", "layers.0.bias=-1.5", "-f", "plain")
    assert result.exit_code == 0  # z = 0.5·3 − 1.5 = 0 exactly
    out = " ".join(result.stdout.split())
    assert "over 3 entries (3 of them at a kink)" in out
    assert "Not differentiable at W1[0][0], b1[0], x[0][0]: the perturbation crosses a kink" in out


def test_a_failed_check_is_exit_1(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from backprop_cli.solve import gradient_check as gradcheck

    failed = GradientCheck(0.5, 0.25, False, 11, (), 1e-5)
    monkeypatch.setattr(gradcheck, "gradient_check", lambda problem, solution, **_: failed)
    result = run("solve", "ex1", "--check", "-f", "plain")
    assert result.exit_code == 1
    assert (
        "FAILED: an error is beyond a relative tolerance of 1e−05 (plus an absolute 1e−08)."
        in result.stdout
    )

    passed = GradientCheck(0.0, 0.0, True, 3, (), 1e-5)

    def fails_for_x_2(problem: Any, solution: Any, **_: Any) -> GradientCheck:
        return failed if problem.x[0, 0] == 2 else passed

    monkeypatch.setattr(gradcheck, "gradient_check", fails_for_x_2)
    result = run("solve", "ex3", "--check", "-f", "json")  # ex3's variant has x = 2
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["gradient_check"]["passed"] is True
    assert data["variants"][0]["report"]["gradient_check"]["passed"] is False
