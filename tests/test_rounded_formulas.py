"""In textbook rounding every printed step adds up: its substitution, evaluated, rounds to
its printed result (the exact mode's twin is test_formulas.py).

Half a unit of the last decimal is the most a shown result may differ from the arithmetic
it shows; a hidden rounded intermediate (σ′ rounded before δ, a loss computed from the logit
instead of the shown ŷ) breaks that, as ex4 and ex5 did.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_networks import load_doc, problems

from backprop_cli import load, solve
from backprop_cli.expr import Unevaluable, evaluate
from backprop_cli.nn import formula_functions
from backprop_cli.solve.pipeline import Options
from backprop_cli.solve.records import Solution

MAZUR = str(Path(__file__).parent.parent / "examples" / "mazur.yaml")


def off(solution: Solution, decimals: int) -> tuple[int, list[str]]:
    """(substitutions evaluated, the steps whose shown arithmetic does not round to the result)."""
    problem = solution.problem
    functions = formula_functions((layer.activation for layer in problem.layers), problem.batched)
    half = 0.5 * 10.0**-decimals
    evaluated, wrong = 0, []
    for step in solution.steps:
        if step.substitution is None:
            continue
        try:
            with np.errstate(all="ignore"):
                found = np.asarray(evaluate(step.substitution, functions), dtype=float)
        except (Unevaluable, ZeroDivisionError):  # ŷ rounded to 0 in (ŷ − y)/(ŷ(1 − ŷ))
            continue
        want = np.asarray(step.value, dtype=float)
        if found.size != want.size:
            wrong.append(f"{step.symbol}: shape")
            continue
        found = found.reshape(want.shape)
        finite = np.isfinite(want) & np.isfinite(found)  # 0·log 0: the log clamped at −100
        if not np.any(finite):
            continue
        evaluated += 1
        slack = half * (1 + 1e-9) + 1e-12 * np.abs(want)
        if not np.all(np.abs(found - want)[finite] <= slack[finite]):
            wrong.append(f"{step.symbol}: {found.ravel()[:3]} shown as {want.ravel()[:3]}")
    return evaluated, wrong


@pytest.mark.parametrize("decimals", [2, 3, 4])
@pytest.mark.parametrize("name", ["ex1", "ex2", "ex3", "ex4", "ex5", MAZUR])
def test_every_rounded_step_of_the_exercises_adds_up(name: str, decimals: int) -> None:
    evaluated, wrong = off(solve(load(name), Options(round_intermediate=decimals)), decimals)
    assert wrong == []
    assert evaluated > 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(2, 4))
def test_every_rounded_step_of_a_random_network_adds_up(doc: dict[str, Any], decimals: int) -> None:
    doc["learning_rate"] = 0.1
    with np.errstate(all="ignore"):
        solution = solve(load_doc(doc), Options(round_intermediate=decimals))
    evaluated, wrong = off(solution, decimals)
    assert wrong == []
    assert evaluated > 0
