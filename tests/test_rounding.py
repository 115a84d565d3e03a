"""--round-intermediate as a hand-worked key: half up, no hidden rounded intermediate, every
shown step evaluates to its shown result, and the tool's own rounded keys pass its check."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backprop_cli import load, solve
from backprop_cli.grade.answers import key
from backprop_cli.grade.check import check
from backprop_cli.solve.engine import rounding
from backprop_cli.solve.pipeline import Options

MAZUR = str(Path(__file__).parent.parent / "examples" / "mazur.yaml")


def test_rounding_is_half_up_as_a_person_rounds() -> None:
    r = rounding(2)
    values = np.array([0.125, -0.125, 0.135, 0.1549, -0.0049, 2.0])
    assert r(values).tolist() == [0.13, -0.13, 0.14, 0.15, 0.0, 2.0]
    assert math.copysign(1, float(r(np.array(-0.0049)))) == 1  # 0, not −0
    assert rounding(3)(np.array([0.1525])).tolist() == [0.153]  # 0.15249999… as written


def test_a_half_is_rounded_up_in_the_solution(run: Any, write: Any) -> None:
    path = write("input: 0.125\ntarget: 0\nlayers:\n  - {weights: 1, bias: 0}\nloss: mse\n")
    out = run("solve", str(path), "-f", "plain", "--round-intermediate", "2").stdout
    assert "z = wx + b = 1·0.125 + 0 = 0.13" in out  # NumPy's half to even gave 0.12


def test_many_decimals_on_huge_values_do_not_overflow(run: Any, write: Any) -> None:
    path = write("input: 1e300\ntarget: 0\nlayers:\n  - {weights: 1, bias: 0}\nloss: mae\n")
    s = solve(load(str(path)), Options(round_intermediate=15))
    assert s.loss == 1e300  # 1e300·10¹⁵ overflowed: inf, a false overflow insight
    assert [i.kind for i in s.insights if i.kind == "non_finite"] == []


def test_no_hidden_intermediate_is_rounded(run: Any) -> None:
    """ex4, 4 decimals: ∂L/∂ŷ = 2(0.8119 − 1) = −0.3762, δ = −0.3762·0.8119(1 − 0.8119)
    = −0.3762·0.15271839 = −0.0574527…, by hand −0.0575; rounding σ′ = 0.1527 first, as the
    engine did, gave −0.0574. δ's step uses the shown ∂L/∂ŷ, as a hand key does."""
    out = run("solve", "ex4", "-f", "plain", "--round-intermediate", "4").stdout
    assert "∂L/∂ŷ = 2(ŷ − y) = 2(0.8119 − 1) = −0.3762\n" in out
    assert "= 2(ŷ − y)·ŷ(1 − ŷ) = −0.3762·0.8119(1 − 0.8119) = −0.0575\n" in out


def test_a_fused_loss_is_computed_from_the_shown_output(run: Any) -> None:
    """ex5, 3 decimals: ŷ = σ(2) = 0.881, and the line shows −log(1 − 0.881) = 2.12863…; the
    logit gives softplus(2) = 2.12693, which the line does not evaluate to."""
    out = run("solve", "ex5", "-f", "plain", "--round-intermediate", "3").stdout
    assert "(1 − 0)·log(1 − 0.881)) = 2.129\n" in out
    assert round(-math.log(1 - 0.881), 3) == 2.129


@pytest.mark.parametrize("decimals", [3, 4])
@pytest.mark.parametrize("problem", ["ex1", "ex4", MAZUR])
def test_the_tools_own_rounded_key_passes_its_check(
    write: Any, problem: str, decimals: int
) -> None:
    rounded = solve(load(problem), Options(round_intermediate=decimals))
    path = write(key(rounded, f"{problem} rounded to {decimals} decimals"), "key.yaml")
    grading = check(problem, str(path))
    assert grading.passed, [(m.quantity.name, m.found) for m in grading.wrong]
