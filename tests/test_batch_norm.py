"""Batch normalisation (SPEC sections 4 and 7): values against PyTorch, gradients against
finite differences, every step's maths evaluated, its quantities gradable."""

from __future__ import annotations

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

EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "batch-norm.yaml")


def test_train_mode_matches_pytorch() -> None:
    # PyTorch 2.13, float64: Linear(2, 2) → BatchNorm1d(2) (weight [1.5, 0.5], bias [0.1, −0.1])
    # → ReLU → Linear(2, 1) → BCEWithLogitsLoss, on the example's batch of 4.
    s = solve(load(EXAMPLE))
    assert np.isclose(s.loss, 0.7636508230032676, rtol=1e-12)
    np.testing.assert_allclose(
        s.layers[1].z,
        [
            [-0.12641663764281347, 0.3354667286588983],
            [1.0811387631188587, -0.4330039689744517],
            [-2.23963858897574, -0.7403922480277917],
            [1.6849164634996947, 0.437929488343345],
        ],
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        s.gradients["gamma2"], [0.07256011138692961, 0.08421115224559654], rtol=1e-12
    )
    np.testing.assert_allclose(
        s.gradients["beta2"], [0.13978767763419717, 0.09117425189387432], rtol=1e-12
    )
    np.testing.assert_allclose(
        s.gradients["W1"],
        [
            [-0.37266131394663216, -0.7453339139126942],
            [-0.011491706444857804, 0.017238125491699417],
        ],
        rtol=1e-11,
    )
    np.testing.assert_allclose(s.gradients["b1"], [0, 0], atol=1e-15)  # a bias before batch norm
    np.testing.assert_allclose(
        s.gradients["x"],
        [
            [-0.030717278328042854, 0.024898019759413297],
            [0.16619847011453642, -0.08624513241829018],
            [-0.006751711439086398, 0.004871486743940816],
            [-0.1287294803474072, 0.05647562591493608],
        ],
        rtol=1e-10,
    )
    steps = {step.symbol: step.value for step in s.steps}
    np.testing.assert_allclose(
        steps["running_mean2_new"], [0.019375, 0.04875000000000001], rtol=1e-12
    )
    np.testing.assert_allclose(
        steps["running_var2_new"], [0.9514322916666667, 1.0984375], rtol=1e-12
    )


EVAL = """
samples:
  - {input: [1, 2], target: [0.3, -0.2]}
  - {input: [0.5, -1], target: [0.1, 0.4]}
layers:
  - {type: batch_norm, gamma: [2, -1], beta: [0.5, 0], eps: 0.001, running_mean: [0.2, -0.1],
     running_var: [0.5, 2], mode: eval}
loss: mse
"""


def test_eval_mode_uses_the_running_statistics_as_pytorch() -> None:
    # PyTorch 2.13, float64: BatchNorm1d(2, eps=1e-3).eval() with those running statistics, MSELoss.
    s = solve(load_source(Source("eval.yaml", EVAL, "eval")))
    np.testing.assert_allclose(
        s.output,
        [[2.7604823465627324, -1.484553148585295], [1.3476808799610245, 0.6362370636794121]],
    )
    assert np.isclose(s.loss, 2.329141424440858)
    np.testing.assert_allclose(s.gradients["gamma1"], [1.6548780336675526, -1.0286450984925446])
    np.testing.assert_allclose(s.gradients["beta1"], [1.8540816132618785, -0.5241580424529415])
    np.testing.assert_allclose(
        s.gradients["x"],
        [[3.4761730677714398, 0.4540446241089176], [1.7627253770598446, -0.08350154207090858]],
    )


def test_the_report_carries_mean_var_and_x_hat() -> None:
    import json

    s = solve(load(EXAMPLE))
    layer = json.loads(render(Format.JSON, [s], RenderOptions()))["layers"][1]
    assert layer["kind"] == "batch_norm"
    np.testing.assert_allclose(layer["mean"], [0.19375, 0.4875])
    np.testing.assert_allclose(
        layer["var"], np.var([[0.1, 1.55], [0.6, -0.325], [-0.775, -1.075], [0.85, 1.8]], axis=0)
    )
    assert np.asarray(layer["x_hat"]).shape == (4, 2)


def test_every_step_of_the_example_evaluates_to_its_value() -> None:
    substitutions, formulas, wrong = checked(solve(load(EXAMPLE)))
    assert wrong == []
    assert formulas > 100  # γ, β, μ, σ², x̂, m bound to the solution's values
    assert substitutions > 80


def test_its_answer_key_passes_check(tmp_path: Path) -> None:
    solution = solve(load(EXAMPLE))
    answers = tmp_path / "key.yaml"
    answers.write_text(key(solution, "the key"), encoding="utf-8")
    grading = check(EXAMPLE, str(answers))
    names = {mark.quantity.name for mark in grading.marks}
    assert {"gamma2_new", "dgamma2", "dbeta2", "x_hat2", "mean2", "var2"} <= names
    assert grading.passed


def test_the_gradient_sums_to_zero_over_the_batch() -> None:
    kinds = [insight.kind for insight in solve(load(EXAMPLE)).insights]
    assert "batch_norm_gradient_sum" in kinds


def test_train_mode_needs_two_samples(run: Any, write: Any) -> None:
    path = write(
        "input: [1, 2]\ntarget: 1\nlayers:\n  - {type: batch_norm}\n  - {weights: [[1, 1]]}\nloss: mse\n"
    )
    result = run("solve", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"{path}:4: layers[0] (layer 1): expected at least 2 samples for batch_norm in train mode "
        "(a batch statistic of one value is that value), got 1; use mode: eval or give samples\n"
    )


def test_train_mode_refuses_mini_batches_of_one_sample(run: Any, write: Any) -> None:
    text = (
        "samples:\n  - {input: [1, 2], target: 1}\n  - {input: [0, 1], target: 0}\n"
        "layers:\n  - {type: batch_norm}\n  - {weights: [[1, 1]]}\nloss: mse\n"
        "learning_rate: 0.1\nbatch_size: 1\n"
    )
    path = write(text)
    result = run("solve", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"{path}:9: batch_size: expected mini-batches of at least 2 samples with batch_norm in "
        "train mode (layers[0]: each update normalises over its mini-batch, and a batch "
        "statistic of one value is that value), got 1; use a batch_size of 2 or more, or "
        "mode: eval\n"
    )
    assert run("solve", str(write(text.replace("batch_size: 1", "batch_size: 2")))).exit_code == 0
    eval_mode = text.replace("{type: batch_norm}", "{type: batch_norm, mode: eval}")
    assert run("solve", str(write(eval_mode))).exit_code == 0


@st.composite
def batch_norm_problems(draw: st.DrawFn) -> dict[str, Any]:
    samples, width = draw(st.integers(2, 5)), draw(st.integers(1, 3))
    value = st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 2))
    vector = st.lists(value, min_size=width, max_size=width)
    return {
        "samples": [{"input": draw(vector), "target": draw(vector)} for _ in range(samples)],
        "layers": [
            {"weights": [draw(vector) for _ in range(width)], "activation": "tanh"},
            {
                "type": "batch_norm",
                "gamma": draw(vector),
                "beta": draw(vector),
                "mode": draw(st.sampled_from(["train", "eval"])),
                "activation": "sigmoid",
            },
        ],
        "loss": "mse",
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch_norm_problems())
def test_gradients_match_finite_differences(doc: dict[str, Any]) -> None:
    problem = load_source(Source("bn.yaml", yaml.safe_dump(doc), "bn"))
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


def _diagnosis(tmp_path: Path, problem: str, answers: dict[str, Any]) -> dict[str, str | None]:
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"answers": answers}), encoding="utf-8")
    grading = check(problem, str(path))
    return {m.quantity.name: None if m.found is None else m.found.kind for m in grading.marks}


def test_check_finds_the_unbiased_variance(tmp_path: Path) -> None:
    x = np.array([[0.1, 1.55], [0.6, -0.325], [-0.775, -1.075], [0.85, 1.8]])  # layer 1's output
    unbiased = np.var(x, axis=0, ddof=1)
    found = _diagnosis(tmp_path, EXAMPLE, {"var2": unbiased.tolist()})
    assert found == {"var2": "unbiased_variance"}


def test_check_finds_epsilon_outside_the_root(tmp_path: Path, write: Any) -> None:
    path = write(
        """
        samples:
          - {input: [1], target: [0.5]}
          - {input: [3], target: [0]}
        layers:
          - {type: batch_norm, eps: 0.5}
        loss: mse
        """
    )
    # x = [1, 3]: μ = 2, σ² = 1; with ε outside the root x̂ = ±1/(√1 + 0.5) = ±2/3
    found = _diagnosis(tmp_path, str(path), {"x_hat1": [[-2 / 3], [2 / 3]]})
    assert found == {"x_hat1": "epsilon_outside_root"}
