"""Layer normalisation (SPEC sections 4 and 7): values against PyTorch, gradients against
finite differences, every step's maths evaluated, its quantities gradable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_formulas import checked

from backprop_cli import load, solve
from backprop_cli.grade.answers import key
from backprop_cli.grade.check import check
from backprop_cli.load.problem import load_source
from backprop_cli.load.sources import Source
from backprop_cli.render import Format, RenderOptions, render
from backprop_cli.solve.engine import forward, initial_params, rounding

EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "layer-norm.yaml")


def test_matches_pytorch() -> None:
    # PyTorch 2.13, float64: Linear(2, 3) → LayerNorm(3) (weight [1.5, 0.5, −1], bias
    # [0.1, 0, −0.2]) → tanh → Linear(3, 1) → MSELoss, on the example's batch of 3.
    s = solve(load(EXAMPLE))
    assert np.isclose(s.loss, 2.392750445903534, rtol=1e-12)
    np.testing.assert_allclose(
        s.output[:, 0], [-1.0214505524722062, 1.2553837120844993, -0.6116015120008156], rtol=1e-12
    )
    np.testing.assert_allclose(
        s.gradients["gamma2"],
        [0.7144517608214099, 0.32251200824478765, -0.07134432815079896],
        rtol=1e-11,
    )
    np.testing.assert_allclose(
        s.gradients["beta2"],
        [-1.0029870362610847, 0.3021324210651713, -0.08781348795186339],
        rtol=1e-11,
    )
    np.testing.assert_allclose(
        s.gradients["W1"],
        [
            [0.8117230489662861, -1.467607336489712],
            [-1.2153763796550305, 0.3566502671866798],
            [0.4036533306887444, 1.1109570693030317],
        ],
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        s.gradients["x"],
        [
            [-0.525110845895508, 0.2679411362690044],
            [-0.11061897680270077, -0.02817254350981514],
            [0.057807838824512764, 0.6289185449177068],
        ],
        rtol=1e-10,
    )


def test_the_report_carries_each_samples_statistics() -> None:
    s = solve(load(EXAMPLE))
    layer = json.loads(render(Format.JSON, [s], RenderOptions()))["layers"][1]
    assert layer["kind"] == "layer_norm"
    z1 = s.layers[0].z
    np.testing.assert_allclose(np.asarray(layer["mean"])[:, 0], z1.mean(axis=1))
    np.testing.assert_allclose(np.asarray(layer["var"])[:, 0], z1.var(axis=1))


def test_every_step_of_the_example_evaluates_to_its_value() -> None:
    substitutions, formulas, wrong = checked(solve(load(EXAMPLE)))
    assert wrong == []
    assert formulas > 100  # γ, β, μ, σ², x̂, m bound to the solution's values
    assert substitutions > 40


def test_its_answer_key_passes_check(tmp_path: Path) -> None:
    solution = solve(load(EXAMPLE))
    answers = tmp_path / "key.yaml"
    answers.write_text(key(solution, "the key"), encoding="utf-8")
    grading = check(EXAMPLE, str(answers))
    assert {"dgamma2", "dbeta2", "x_hat2", "mean2", "var2"} <= {
        m.quantity.name for m in grading.marks
    }
    assert grading.passed


def test_one_feature_is_refused(run: Any, write: Any) -> None:
    path = write("input: 1\ntarget: 1\nlayers:\n  - {type: layer_norm}\nloss: mse\n")
    result = run("solve", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"{path}:4: layers[0] (layer 1): expected at least 2 features to normalise over, got 1\n"
    )


@st.composite
def layer_norm_problems(draw: st.DrawFn) -> dict[str, Any]:
    samples, width = draw(st.integers(1, 3)), draw(st.integers(2, 4))
    value = st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 2))
    vector = st.lists(value, min_size=width, max_size=width)
    return {
        "samples": [{"input": draw(vector), "target": draw(vector)} for _ in range(samples)],
        "layers": [
            {"weights": [draw(vector) for _ in range(width)], "activation": "tanh"},
            {
                "type": "layer_norm",
                "gamma": draw(vector),
                "beta": draw(vector),
                "activation": "sigmoid",
            },
        ],
        "loss": "mse",
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layer_norm_problems())
def test_gradients_match_finite_differences(doc: dict[str, Any]) -> None:
    problem = load_source(Source("ln.yaml", yaml.safe_dump(doc), "ln"))
    solution = solve(problem)
    params = initial_params(problem)
    h = 1e-6
    for i, p in enumerate(params):
        for base, theta in p.items():
            numeric = np.zeros_like(theta)
            for index in np.ndindex(*theta.shape):
                losses = []
                for sign in (1, -1):
                    shifted = theta.copy()
                    shifted[index] += sign * h
                    trial = [dict(q) for q in params]
                    trial[i][base] = shifted
                    losses.append(forward(problem, trial, rounding(None)).loss)
                numeric[index] = (losses[0] - losses[1]) / (2 * h)
            np.testing.assert_allclose(
                solution.gradients[f"{base}{i + 1}"], numeric, rtol=1e-5, atol=1e-8
            )
    assert checked(solution)[2] == []
