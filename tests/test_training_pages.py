"""What the worked training pages read like (the momentum, Adam and Mazur examples in the
PDF): a chart's steps are whole numbers, sentences carry one parenthesis at a time, and a
frozen parameter is named and answered as such."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backprop_cli.render.document import Chart
from backprop_cli.render.pgfplot import chart, tick_distance

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize(
    ("last", "distance"),
    [
        (1, 1),
        (3, 1),
        (10, 1),
        (11, 2),
        (20, 2),
        (21, 5),
        (50, 5),
        (51, 10),
        (100, 10),
        (10_000, 1000),
    ],
)
def test_chart_ticks_are_whole_steps_and_at_most_ten_intervals(last: int, distance: int) -> None:
    assert tick_distance(last) == distance
    assert last / distance <= 10


def test_a_three_step_chart_ticks_each_step() -> None:
    lines = chart(Chart(np.array([3.1, 0.33, 0.85, 2.6]), "loss per step"))
    assert "  xmin=0, xmax=3, xtick distance=1, enlarge y limits=0.05]" in lines
    assert any("ylabel={loss}" in line for line in lines)


def test_a_chart_names_its_own_quantity_on_the_y_axis() -> None:
    lines = chart(Chart(np.array([-12.0, -13.1, -14.3]), "f per step"))
    assert any("xlabel={step}, ylabel={f}," in line for line in lines)


def _plain(run: Any, name: str) -> str:
    result = run("solve", str(EXAMPLES / f"{name}.yaml"), "--format", "plain")
    assert result.exit_code == 0
    return " ".join(result.stdout.split())


@pytest.mark.parametrize("convention", ["classic", "ema", "pytorch"])
def test_the_update_sentence_has_one_parenthesis(run: Any, convention: str) -> None:
    text = _plain(run, f"momentum-{convention}")
    assert (
        f"SGD with momentum ({convention} convention), the first step in detail, as the "
        "conventions state it, with η = 0.1, μ = 0.9:"
    ) in text
    assert ") (the first step in detail)" not in text


def test_frozen_parameters_are_named_as_symbols_and_answered_unchanged(run: Any) -> None:
    text = _plain(run, "mazur-frozen-biases")
    assert "Frozen, never updated: b⁽¹⁾, b⁽²⁾ (their gradients are shown above" in text
    assert "b⁽¹⁾ (frozen, unchanged) = [0.35, 0.35]ᵀ" in text
    assert "b⁽¹⁾ (new)" not in text
    assert "W⁽¹⁾ (new) = [[0.1498, 0.1996], [0.2498, 0.2995]]" in text
