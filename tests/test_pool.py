"""Pooling layers (SPEC sections 4, 7 and 8): whole networks against PyTorch, finite
differences, ties, the worked solution's maths, the report's argmax, check's diagnoses and
the messages of a bad file."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_formulas import checked

from backprop_cli import load, solve
from backprop_cli.grade.check import check
from backprop_cli.load import caps
from backprop_cli.load.problem import load_source
from backprop_cli.load.sources import Source
from backprop_cli.render import Format, RenderOptions, render
from backprop_cli.solve.engine import forward, initial_params, rounding
from backprop_cli.solve.gradient_check import gradient_check

EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "max-pool.yaml")

AVG_1D = """
input: [[1.0, -2.0, 3.0, 0.5], [0.0, 2.0, -1.0, 4.0]]
target: 0.5
layers:
  - {type: avg_pool1d, size: 3, stride: 1, padding: 1}
  - {type: flatten}
  - weights: [[0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.7, 0.8]]
loss: mse
"""


def _doc(doc: dict[str, Any]) -> Any:
    return load_source(Source("p.yaml", yaml.safe_dump(doc), "p"))


def test_the_max_pool_example_matches_pytorch() -> None:
    # torch 2.13 (CPU), float64: F.max_pool2d(x, 2, return_indices=True) → flatten → x @ W.T + b
    # → F.mse_loss against 1, then loss.backward().
    s = solve(load(EXAMPLE))
    np.testing.assert_allclose(s.layers[0].z, [[[[4, 5], [2, 3]]]])
    assert np.isclose(s.output[0, 0], 1.65, rtol=1e-12)
    assert np.isclose(s.loss, 0.42250000000000015, rtol=1e-12)
    np.testing.assert_allclose(s.gradients["W3"], [[5.2, 6.5, 2.6, 3.9]], rtol=1e-12)
    np.testing.assert_allclose(s.gradients["b3"], [1.3], rtol=1e-12)
    np.testing.assert_allclose(
        s.dx,
        [[[[0, 0, 0, 0], [0.65, 0, 0, -0.325], [0, 0, 0.26, 0], [0.13, 0, 0, 0]]]],
        rtol=1e-12,
    )
    np.testing.assert_array_equal(
        s.layers[0].layer.kind.named(s.layers[0].cache)["argmax"], [[[[4, 7], [12, 10]]]]
    )


def test_average_pooling_with_padding_matches_pytorch(write: Any) -> None:
    # torch 2.13 (CPU), float64: F.avg_pool1d(x, 3, 1, 1) (count_include_pad=True) → flatten →
    # x @ W.T → F.mse_loss against 0.5, then loss.backward().
    s = solve(load(str(write(AVG_1D))))
    np.testing.assert_allclose(
        s.layers[0].z[0],
        [
            [-0.3333333333333333, 0.6666666666666666, 0.5, 1.1666666666666667],
            [0.6666666666666666, 0.3333333333333333, 1.6666666666666667, 1.0],
        ],
        rtol=1e-12,
    )
    assert np.isclose(s.loss, 4.066944444444444, rtol=1e-12)
    np.testing.assert_allclose(
        s.gradients["W3"],
        [
            [
                -1.3444444444444443,
                2.6888888888888887,
                2.0166666666666666,
                4.705555555555556,
                2.6888888888888887,
                1.3444444444444443,
                6.722222222222222,
                4.033333333333333,
            ]
        ],
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        s.dx[0],
        [
            [0.4033333333333333, 0.0, 0.4033333333333334, 0.13444444444444448],
            [-0.13444444444444448, 0.8066666666666666, 1.21, 2.0166666666666666],
        ],
        rtol=1e-12,
        atol=1e-15,
    )


def test_a_tie_routes_the_gradient_to_the_first_cell_and_is_said() -> None:
    s = solve(load(EXAMPLE))
    # window (2, 1) holds 2 at (4, 1) and (4, 2): the first, flat index 12, takes δ
    assert s.dx[0, 0, 3, 0] == pytest.approx(0.13) and s.dx[0, 0, 3, 1] == 0
    kinds = [insight.kind for insight in s.insights]
    assert kinds.count("max_pool_tie") == 1 and "max_pool_routing" in kinds
    text = render(Format.PLAIN, [s], RenderOptions(width=100))
    assert "max(0, 1, 2, 2) → (4, 1), a tie of 2: the first" in text
    assert "max(1, 3, 4, 2) → (2, 1) " in text
    assert "Hₒᵤₜ = ⌊(n + 2·p − k)/s⌋ + 1 = ⌊(4 + 2·0 − 2)/2⌋ + 1 = 2" in text
    assert "∂L/∂x₄₁ = δ₂₁⁽¹⁾ = 0.13" in text


def test_no_tie_no_tie_insight_and_average_pooling_routes_nothing(write: Any) -> None:
    s = solve(load(str(write(AVG_1D))))
    assert not {"max_pool_tie", "max_pool_routing"} & {i.kind for i in s.insights}
    doc = yaml.safe_load(AVG_1D)
    doc["layers"][0]["type"] = "max_pool1d"
    s = solve(_doc(doc))
    kinds = [insight.kind for insight in s.insights]
    assert "max_pool_routing" in kinds and "max_pool_tie" not in kinds


def test_the_report_has_the_kind_and_argmax_per_sample() -> None:
    s = solve(load(EXAMPLE))
    layer = json.loads(render(Format.JSON, [s], RenderOptions()))["layers"][0]
    assert layer["kind"] == "max_pool2d"
    assert layer["argmax"] == [[[4, 7], [12, 10]]]  # whole numbers, one sample's 1×2×2
    doc = yaml.safe_load(Path(EXAMPLE).read_text(encoding="utf-8"))
    x = doc.pop("input")
    doc.pop("target")
    doc["samples"] = [{"input": x, "target": 1}, {"input": np.flip(x).tolist(), "target": 0}]
    layer = json.loads(render(Format.JSON, [solve(_doc(doc))], RenderOptions()))["layers"][0]
    assert layer["argmax"] == [[[[4, 7], [12, 10]]], [[[4, 2], [8, 11]]]]  # flipped: ties again


def test_every_step_of_the_examples_evaluates_to_its_value(write: Any) -> None:
    for source in (EXAMPLE, str(write(AVG_1D))):
        substitutions, formulas, wrong = checked(solve(load(source)))
        assert wrong == []
        assert substitutions > 10 and formulas > 10


@st.composite
def pool_problems(draw: st.DrawFn) -> dict[str, Any]:
    two = draw(st.booleans(), label="2-D")
    largest = draw(st.booleans(), label="max")
    dims = 2 if two else 1
    size = [draw(st.integers(1, 3)) for _ in range(dims)]
    stride = [draw(st.integers(1, 3)) for _ in range(dims)]
    padding = [draw(st.integers(0, k // 2)) for k in size]
    spatial = [draw(st.integers(k, k + 3)) for k in size]
    channels, samples = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    shape = (samples, channels, *spatial)
    # distinct values 0.05 apart: a small step never changes a window's winner
    x = (rng.permutation(int(np.prod(shape))).reshape(shape) * 0.05 - 1).round(2)
    layer: dict[str, Any] = {
        "type": f"{'max' if largest else 'avg'}_pool{dims}d",
        "size": size if two else size[0],
        "stride": stride if two else stride[0],
        "padding": padding if two else padding[0],
    }
    windows = [
        (n + 2 * p - k) // s + 1 for n, k, s, p in zip(spatial, size, stride, padding, strict=True)
    ]
    outputs = channels * int(np.prod(windows))
    weights = rng.integers(-9, 10, size=(2, outputs)) / 10
    return {
        "samples": [{"input": x[i].tolist(), "target": [0.5, -0.5]} for i in range(samples)],
        "layers": [layer, {"type": "flatten"}, {"weights": weights.tolist(), "bias": 0.1}],
        "loss": "mse",
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pool_problems())
def test_gradients_match_finite_differences(doc: dict[str, Any]) -> None:
    problem = _doc(doc)
    solution = solve(problem)
    params = initial_params(problem)
    h = 1e-6

    def loss(p: Any, x: np.ndarray) -> float:
        return float(forward(replace(problem, x=x), p, rounding(None)).loss)

    x = problem.x
    numeric = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[index] += h
        down[index] -= h
        numeric[index] = (loss(params, up) - loss(params, down)) / (2 * h)
    np.testing.assert_allclose(solution.dx, numeric, rtol=1e-5, atol=1e-8)
    W = params[2]["W"]
    numeric_w = np.zeros_like(W)
    for index in np.ndindex(*W.shape):
        shifted = [dict(p) for p in params]
        for sign in (1, -1):
            moved = W.copy()
            moved[index] += sign * h
            shifted[2]["W"] = moved
            numeric_w[index] += sign * loss(shifted, x) / (2 * h)
    np.testing.assert_allclose(solution.gradients["W3"], numeric_w, rtol=1e-5, atol=1e-8)
    assert checked(solution)[2] == []


# --- check ---------------------------------------------------------------------------


def _graded(tmp_path: Path, source: str, answers: dict[str, Any]) -> list[tuple[str, Any]]:
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"answers": answers}), encoding="utf-8")
    grading = check(source, str(path))
    return [(m.quantity.name, m.right if m.found is None else m.found.kind) for m in grading.marks]


WRONG = "unexplained"
"""A wrong answer no common mistake explains."""


def test_check_grades_argmax_as_the_report_writes_it_or_without_its_one_channel(
    tmp_path: Path,
) -> None:
    assert _graded(tmp_path, EXAMPLE, {"argmax1": [[[4, 7], [12, 10]]]}) == [("argmax1", True)]
    assert _graded(tmp_path, EXAMPLE, {"argmax1": [[4, 7], [12, 10]]}) == [("argmax1", True)]
    # the last of a tie (13, not 12) is wrong
    assert _graded(tmp_path, EXAMPLE, {"argmax1": [[4, 7], [13, 10]]}) == [("argmax1", WRONG)]


def test_check_finds_the_max_pool_gradient_spread_over_the_window(tmp_path: Path) -> None:
    delta = np.array([[0.65, -0.325], [0.13, 0.26]])
    spread = np.kron(delta, np.ones((2, 2))) / 4  # δ/4 to every cell, as average pooling
    found = _graded(tmp_path, EXAMPLE, {"dx": spread.tolist()})
    assert found == [("dx", "max_pool_gradient_spread")]
    copied = np.kron(delta, np.ones((2, 2)))  # another wrong answer: not this mistake
    assert _graded(tmp_path, EXAMPLE, {"dx": copied.tolist()}) == [("dx", WRONG)]
    right = solve(load(EXAMPLE)).dx[0, 0]
    assert _graded(tmp_path, EXAMPLE, {"dx": right.tolist()}) == [("dx", True)]


def test_check_finds_the_average_pool_not_divided(tmp_path: Path, write: Any) -> None:
    source = str(write(AVG_1D))
    z = solve(load(source)).layers[0].z[0]
    assert _graded(tmp_path, source, {"z1": (z * 3).tolist()}) == [("z1", "avg_pool_not_divided")]
    assert _graded(tmp_path, source, {"z1": (z * 2).tolist()}) == [("z1", WRONG)]
    assert _graded(tmp_path, source, {"z1": z.tolist()}) == [("z1", True)]


def test_a_spread_gradient_below_a_hidden_layer_is_diagnosed_in_its_delta(
    tmp_path: Path, write: Any
) -> None:
    source = str(
        write(
            """
            input: [[1, 3, 2, 0], [4, 2, 1, 5]]
            target: 1
            layers:
              - {type: avg_pool1d, size: 1}
              - {type: max_pool1d, size: 2}
              - {type: flatten}
              - weights: [[0.5, -0.25, 0.1, 0.2]]
            loss: mse
            """
        )
    )
    s = solve(load(source))
    delta2 = s.layers[1].delta[0]
    spread = np.repeat(delta2, 2, axis=1) / 2
    assert _graded(tmp_path, source, {"delta1": spread.tolist()}) == [
        ("delta1", "max_pool_gradient_spread")
    ]


# --- bad files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (
            "{type: max_pool2d, size: 2, padding: 2}",
            "layers[0].padding (layer 1): expected padding of at most half the window's height "
            "(2 // 2 = 1, as PyTorch requires: a window of padding alone has no value), got 2",
        ),
        (
            "{type: max_pool2d, size: [2, 4]}",
            "layers[0].size (layer 1): expected a window that fits the input's width (3 + 2·0 "
            "padding = 3 cells), got 4",
        ),
        (
            "{type: avg_pool2d, size: 0}",
            "layers[0].size (layer 1): expected a whole number or one per axis (height, width), "
            "each ≥ 1, got the number 0",
        ),
        (
            "{type: max_pool2d, size: [2, 2, 2]}",
            "layers[0].size (layer 1): expected a whole number or one per axis (height, width), "
            "each ≥ 1, got a list of 3 items",
        ),
        (
            "{type: max_pool2d}",
            "layers[0].size (layer 1): expected the window's size: a whole number or one per axis "
            "(height, width), got nothing (the key is missing)",
        ),
    ],
)
def test_bad_pooling_keys_are_refused_with_their_place(
    run: Any, write: Any, layer: str, message: str
) -> None:
    path = write(
        "input: [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\ntarget: 1\nlayers:\n"
        f"  - {layer}\n  - {{type: flatten}}\n  - {{weights: [1]}}\nloss: mse\n"
    )
    result = run("solve", str(path))
    assert result.exit_code == 2
    assert result.stderr == f"{path}:4: {message}\n"


def test_a_misspelt_key_is_named_with_a_hint(run: Any, write: Any) -> None:
    path = write(
        "input: [[1, 2], [3, 4]]\ntarget: 1\nlayers:\n"
        "  - {type: max_pool2d, size: 2, strides: 1}\n  - {type: flatten}\n  - {weights: [1]}\n"
        "loss: mse\n"
    )
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"{path}:4: layers[0].strides (layer 1): unknown key 'strides' (did you mean 'stride'?); "
        "expected one of the keys type, size, stride, padding, activation, name\n"
    )


def test_dense_after_pooling_names_flatten(run: Any, write: Any) -> None:
    path = write(
        "input: [[1, 2], [3, 4]]\ntarget: 1\nlayers:\n"
        "  - {type: max_pool2d, size: 1}\n  - {weights: [1, 1, 1, 1]}\nloss: mse\n"
    )
    result = run("solve", str(path))
    assert result.exit_code == 2
    assert "flatten" in result.stderr and "Traceback" not in result.stderr


def test_the_windows_count_towards_the_values_of_one_forward_pass(
    run: Any, write: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(caps, "MAX_ACTIVATIONS", 60)
    path = write(
        "input: [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\ntarget: 1\nlayers:\n"
        "  - {type: avg_pool2d, size: 2, stride: 1, padding: 1}\n  - {type: flatten}\n"
        "  - {weights: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}\nloss: mse\n"
    )
    result = run("validate", str(path))
    assert result.exit_code == 2
    # 16 windows of 4 cells: 64 values held by layer 1 of one sample
    assert result.stderr == (
        f"{path}:4: layers[0] (layer 1): expected at most 60 values held in one forward pass "
        "(the size cap), got 64 by this layer (samples × its values per sample)\n"
    )


def test_the_gradient_check_skips_an_entry_that_breaks_a_tie() -> None:
    s = solve(load(EXAMPLE))
    result = gradient_check(s.problem, s)
    assert result.passed
    # x₃₃ and x₃₄ (3 and 3), x₄₁ and x₄₂ (2 and 2): nudging one flips the winner
    ties = {"x[0][0][2][2]", "x[0][0][2][3]", "x[0][0][3][0]", "x[0][0][3][1]"}
    assert set(result.kinks) == ties


def test_the_pooling_page_shows_what_solve_prints() -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "pooling.md").read_text("utf-8")
    text = render(Format.PLAIN, [solve(load(EXAMPLE))], RenderOptions(width=100))
    blocks, block, fence = [], "", None
    for line in page.splitlines(keepends=True):
        if line.startswith("```"):
            if fence is None:
                fence, block = line.strip(), ""
            else:
                blocks.append((fence, block))
                fence = None
        elif fence is not None:
            block += line
    shown = [text for fence, text in blocks if fence == "```"]  # the output, not the yaml
    assert len(shown) == 2
    for block in shown:
        assert block in text


def test_the_target_is_checked_against_the_windows_of_a_map_output(run: Any, write: Any) -> None:
    path = write(
        "input: [1, 2, 3, 4]\ntarget: [1, 2, 3]\nlayers:\n"
        "  - {type: max_pool1d, size: 2}\n  - {type: flatten}\nloss: mse\n"
    )
    result = run("solve", str(path))
    assert result.stderr == (
        f"{path}:4: layers[0] (layer 1): expected windows giving 3 values (the target's), "
        "got 1×2 (channels × length)\n"
    )
    path = write(  # a map output is compared with the target cell by cell, row-major
        "input: [1, 2, 3, 4]\ntarget: [1, 2]\nlayers:\n  - {type: max_pool1d, size: 2}\nloss: mse\n"
    )
    assert run("solve", str(path)).exit_code == 0
    path = write(
        "input: [1, 2, 3, 4]\ntarget: [1, 2]\nlayers:\n  - {type: max_pool1d, size: 2}\n  - {type: flatten}\nloss: mse\n"
    )
    assert run("solve", str(path)).exit_code == 0


def test_a_dead_relu_after_pooling_says_no_gradient_flows_and_names_no_weights(
    write: Any,
) -> None:
    path = write(
        "input: [[1, 2], [-3, -4]]\ntarget: [1, 0]\nlayers:\n"
        "  - {type: max_pool2d, size: [1, 2], activation: relu}\n  - {type: flatten}\nloss: mse\n"
    )
    s = solve(load(str(path)))
    (dead,) = [i for i in s.insights if i.kind == "dead_relu"]
    text = " ".join(render(Format.PLAIN, [s], RenderOptions()).split())  # unwrapped
    assert (
        "z₂₁⁽¹⁾ = −3 < 0: window (2, 1) of layer 1 is inactive (its ReLU outputs 0 for this "
        "input), so ReLU′(z) = 0 blocks the gradient: ∂L/∂z₂₁⁽¹⁾ = 0, and nothing flows back "
        "through it to the layers below."
    ) in text
    assert dead.layer == 1
