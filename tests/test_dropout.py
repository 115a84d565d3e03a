"""Dropout (SPEC sections 4 and 7): values against PyTorch, gradients against finite
differences, every step's maths evaluated, its mask gradable, its mistake diagnosed."""

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
from backprop_cli.grade.check import check
from backprop_cli.load.problem import load_source
from backprop_cli.load.sources import Source
from backprop_cli.render import Format, RenderOptions, render
from backprop_cli.solve.engine import forward, initial_params, rounding

EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "dropout.yaml")


def test_train_mode_matches_pytorch() -> None:
    # PyTorch 2.13, float64: Linear(2, 3) → tanh → h·mask/(1 − 0.25) (nn.Dropout(p=0.25)'s train
    # computation for this mask) → Linear(3, 1) → MSELoss.
    s = solve(load(EXAMPLE))
    assert np.isclose(s.loss, 0.5087129392607234, rtol=1e-12)
    np.testing.assert_allclose(
        s.output[:, 0], [0.21453021363451077, 0.9254133728953787, 0.7489039592639479], rtol=1e-12
    )
    np.testing.assert_allclose(
        s.gradients["W1"],
        [
            [0.12050221907920561, -1.2459253716193572],
            [-0.2980165725727395, 0.49174880908757096],
            [-0.012840228736277895, -0.13486221016079705],
        ],
        rtol=1e-11,
    )
    np.testing.assert_allclose(
        s.gradients["x"],
        [
            [-0.10176215329869429, 0.044917835803366155],
            [0.018563496037450056, -0.42131219716021573],
            [0.043763215410314256, 0.011498431266875199],
        ],
        rtol=1e-11,
    )


def _one_layer(write: Any, dropout: str, samples: int = 2) -> Any:
    rows = "\n".join(f"  - {{input: [{k + 1}, {-k}], target: [0, 1]}}" for k in range(samples))
    text = f"samples:\n{rows}\nlayers:\n  - {dropout}\nloss: sse\n"
    return solve(load(str(write(text))))


def test_a_seed_draws_the_mask_in_sample_order(write: Any) -> None:
    s = _one_layer(write, "{type: dropout, p: 0.5, seed: 3}", samples=3)
    mask = (np.random.default_rng(3).random((3, 2)) >= 0.5).astype(float)
    np.testing.assert_array_equal(s.output, s.problem.x * mask / 0.5)


def test_keep_prob_not_inverted_and_eval_mode(write: Any) -> None:
    s = _one_layer(write, "{type: dropout, keep_prob: 0.8, mask: [1, 0], inverted: false}")
    np.testing.assert_allclose(s.output, s.problem.x * [1, 0])  # no scale, one mask for all
    s = _one_layer(write, "{type: dropout, p: 0.2, inverted: false, mode: eval}")
    np.testing.assert_allclose(s.output, 0.8 * s.problem.x)
    s = _one_layer(write, "{type: dropout, p: 0.2, mode: eval}")
    np.testing.assert_allclose(s.output, s.problem.x)


def test_p_and_keep_prob_are_not_both_given(run: Any, write: Any) -> None:
    path = write(
        "input: [1, 2]\ntarget: [0, 1]\nlayers:\n  - {type: dropout, p: 0.5, keep_prob: 0.5}\nloss: mse\n"
    )
    result = run("solve", str(path))
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"{path}:4: layers[0].keep_prob (layer 1): expected p or keep_prob, got both\n"
    )


def test_the_report_carries_the_mask_and_a_dropped_unit_passes_no_gradient() -> None:
    s = solve(load(EXAMPLE))
    layer = json.loads(render(Format.JSON, [s], RenderOptions()))["layers"][1]
    assert layer["kind"] == "dropout"
    assert layer["mask"] == [[1, 0, 1], [1, 1, 0], [0, 1, 1]]
    dropped = np.array(layer["mask"], dtype=float) == 0
    assert np.all(s.layers[0].grad_a[dropped] == 0)  # ∂L/∂a¹ is 0 where the unit was dropped
    assert "dropped_unit" in [insight.kind for insight in s.insights]


def test_every_step_of_the_example_evaluates_to_its_value() -> None:
    substitutions, formulas, wrong = checked(solve(load(EXAMPLE)))
    assert wrong == []
    assert formulas > 80  # γ, β, μ, σ², x̂, m bound to the solution's values
    assert substitutions > 20


def test_check_finds_the_dropout_scale_forgotten(tmp_path: Path) -> None:
    s = solve(load(EXAMPLE))
    unscaled = s.layers[0].a * np.asarray([[1, 0, 1], [1, 1, 0], [0, 1, 1]])
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"answers": {"z2": unscaled.tolist()}}), encoding="utf-8")
    grading = check(EXAMPLE, str(path))
    assert [(m.quantity.name, m.found and m.found.kind) for m in grading.marks] == [
        ("z2", "dropout_scale_forgotten")
    ]


@st.composite
def dropout_problems(draw: st.DrawFn) -> dict[str, Any]:
    samples, width = draw(st.integers(1, 4), label="samples"), draw(st.integers(1, 3))
    value = st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 2))
    vector = st.lists(value, min_size=width, max_size=width)
    return {
        "samples": [{"input": draw(vector), "target": draw(vector)} for _ in range(samples)],
        "layers": [
            {"weights": [draw(vector) for _ in range(width)], "activation": "tanh"},
            {
                "type": "dropout",
                "p": draw(st.sampled_from([0.0, 0.2, 0.5])),
                "seed": draw(st.integers(0, 100)),
                "inverted": draw(st.booleans()),
                "mode": draw(st.sampled_from(["train", "eval"])),
            },
            {"weights": [draw(vector) for _ in range(width)]},
        ],
        "loss": "mse",
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dropout_problems())
def test_gradients_match_finite_differences(doc: dict[str, Any]) -> None:
    problem = load_source(Source("d.yaml", yaml.safe_dump(doc), "d"))
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


def test_a_mask_that_is_not_a_list_is_refused(run: Any, write: Any) -> None:
    path = write(
        "samples:\n  - {input: [1, 2], target: [0, 1]}\n  - {input: [0, 1], target: [1, 0]}\nlayers:\n  - {type: dropout, mask: yes}\nloss: mse\n"
    )
    result = run("solve", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"{path}:5: layers[0].mask (layer 1): expected mask: a row of 0/1 or one row per sample, "
        "got the text 'yes'\n"
    )
