"""Convolution layers (SPEC section 4): values against PyTorch, gradients against finite
differences, every step's maths evaluated, the 17-vs-16 marking dispute, the messages of a
kernel that does not fit, the insights, and the size a 28×28 image solves at."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_formulas import checked

from backprop_cli import solve
from backprop_cli.errors import ProblemError
from backprop_cli.load.problem import load_source
from backprop_cli.load.sources import Source
from backprop_cli.nn.layers import LAYER_KINDS
from backprop_cli.nn.layers.conv_core import Geometry
from backprop_cli.render import Format, RenderOptions, render
from backprop_cli.solve.engine import forward, initial_params, rounding

ROOT = Path(__file__).resolve().parent.parent
TORCH = json.loads((ROOT / "tests" / "data" / "conv_torch.json").read_text(encoding="utf-8"))
"""torch 2.13 float64 values (the file's ``source`` says how they were made)."""
X = [[5, 1, 0], [2, 4, 3], [0, 2, 4]]
K = [[2, 1], [1, 1]]


def _load(doc: dict[str, Any]) -> Any:
    return load_source(Source("c.yaml", yaml.safe_dump(doc, sort_keys=False), "c"))


def _error(doc: dict[str, Any]) -> str:
    with pytest.raises(ProblemError) as error:
        _load(doc)
    return str(error.value)


@pytest.mark.parametrize("case", range(len(TORCH["cases"])))
def test_forward_and_both_gradients_match_pytorch(case: int) -> None:
    c = TORCH["cases"][case]
    kind = LAYER_KINDS["conv1d" if c["dims"] == 1 else "conv2d"]
    geometry = Geometry(tuple(c["stride"]), tuple(c["padding"]), tuple(c["dilation"]))
    kind = replace(kind, geometry=geometry)  # type: ignore[type-var]
    params = {"W": np.array(c["weight"]), "b": np.array(c["bias"])}
    x = np.array(c["x"])
    z, cache = kind.forward(params, x)
    np.testing.assert_allclose(z, c["z"], rtol=1e-12, atol=1e-12)
    dx, grads = kind.backward(params, cache, np.array(c["upstream"]))
    np.testing.assert_allclose(dx, c["dx"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grads["W"], c["dW"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grads["b"], c["db"], rtol=1e-12, atol=1e-12)


def test_the_pytorch_cases_cover_strides_paddings_dilations_and_channels() -> None:
    cases = TORCH["cases"]
    assert {c["dims"] for c in cases} == {1, 2}
    assert max(max(c["stride"]) for c in cases) > 1
    assert max(max(c["padding"]) for c in cases) > 0
    assert max(max(c["dilation"]) for c in cases) > 1
    assert max(len(c["weight"][0]) for c in cases) > 1  # input channels
    assert max(len(c["x"]) for c in cases) > 1  # samples


def test_a_two_channel_network_on_a_batch_matches_pytorch() -> None:
    t = TORCH["network"]
    doc = {
        "samples": [{"input": x, "target": y} for x, y in zip(t["x"], t["target"], strict=True)],
        "layers": [
            {"type": "conv2d", "weights": t["W1"], "bias": t["b1"], "padding": 1},
            {"activation": "relu"},
            {"type": "flatten"},
            {"weights": t["W2"], "bias": t["b2"], "activation": "softmax"},
        ],
        "loss": "cross_entropy",
    }
    doc["layers"][0]["activation"] = doc["layers"].pop(1)["activation"]
    s = solve(_load(doc))
    assert np.isclose(s.loss, t["loss"], rtol=1e-12)
    np.testing.assert_allclose(s.layers[0].z, t["z1"], rtol=1e-12, atol=1e-12)
    for name, ours in (("dW1", "W1"), ("db1", "b1"), ("dW2", "W3"), ("db2", "b3")):
        np.testing.assert_allclose(s.gradients[ours], t[name], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(s.gradients["x"], t["dx"], rtol=1e-10, atol=1e-12)
    assert checked(s)[2] == []


def _one_layer(flip: bool) -> Any:
    layer = {"type": "conv2d", "weights": K, "flip": flip}
    return solve(_load({"input": X, "target": [0, 0, 0, 0], "layers": [layer], "loss": "sse"}))


def test_the_top_left_output_is_17_correlated_and_16_convolved() -> None:
    correlated, convolved = _one_layer(False), _one_layer(True)
    assert correlated.layers[0].z[0, 0, 0, 0] == 17  # 5·2 + 1·1 + 2·1 + 4·1
    assert convolved.layers[0].z[0, 0, 0, 0] == 16  # 5·1 + 1·1 + 2·1 + 4·2, the kernel rotated
    np.testing.assert_array_equal(correlated.layers[0].z, TORCH["example"]["correlated"])
    np.testing.assert_array_equal(convolved.layers[0].z, TORCH["example"]["flipped"])
    steps = {step.symbol: step for step in convolved.steps}
    np.testing.assert_array_equal(steps["W1_rotated"].value, [[[[1, 1], [1, 2]]]])
    text = render(Format.PLAIN, [convolved], RenderOptions())
    assert "z₁₁ = w₂₂x₁₁ + w₂₁x₁₂ + w₁₂x₂₁ + w₁₁x₂₂ + b = 1·5 + 1·1 + 1·2 + 2·4 + 0 = 16" in text
    assert "rot180(W) = [[1, 1], [1, 2]]" in text
    text = render(Format.PLAIN, [correlated], RenderOptions())
    assert "z₁₁ = w₁₁x₁₁ + w₁₂x₁₂ + w₂₁x₂₁ + w₂₂x₂₂ + b = 2·5 + 1·1 + 1·2 + 1·4 + 0 = 17" in text


def test_the_output_size_is_shown_with_its_numbers() -> None:
    layer = {"type": "conv2d", "weights": K, "stride": [2, 1], "padding": 1, "dilation": [1, 2]}
    s = solve(_load({"input": X, "target": [0] * 6, "layers": [layer], "loss": "sse"}))
    assert s.layers[0].z.shape == (1, 1, 2, 3)
    text = render(Format.PLAIN, [s], RenderOptions())
    assert "height_out = ⌊(n + 2·p − d(k − 1) − 1)/s⌋ + 1" in text
    assert "= ⌊(3 + 2·1 − 1·(2 − 1) − 1)/2⌋ + 1 = 2" in text
    assert "= ⌊(3 + 2·1 − 2·(2 − 1) − 1)/1⌋ + 1 = 3" in text
    assert checked(s)[2] == []


def test_a_kernel_that_does_not_fit_says_why() -> None:
    layer = {"type": "conv2d", "weights": [[1, 1, 1, 1]], "stride": 1}
    doc = {"input": X, "target": 0, "layers": [layer], "loss": "sse"}
    assert _error(doc).endswith(
        "layers[0].weights (layer 1): expected a kernel that fits the input's width of 3: "
        "⌊(3 + 2·0 − 1·(4 − 1) − 1)/1⌋ + 1 = 0 output positions, got a kernel of 4 there"
    )


def test_a_kernel_of_other_input_channels_is_refused() -> None:
    layer = {"type": "conv2d", "weights": [[K, K]]}
    doc = {"input": X, "target": [0] * 4, "layers": [layer], "loss": "sse"}
    assert _error(doc).endswith(
        "layers[0].weights (layer 1): expected a kernel of 1 input channel (the input is "
        "1×3×3 (channels × height × width)), got 2: C_out × C_in × kh × kw is 1×2×2×2"
    )


def test_a_vector_input_to_conv2d_names_what_it_takes() -> None:
    doc = {"input": [1, 2, 3], "target": 0, "layers": [{"activation": "relu"}]}
    doc["layers"].append({"type": "conv1d", "weights": [1, 1]})
    doc["loss"] = "sse"
    assert "expected a signal C×L (channels × length) from layer 1 for a conv1d layer" in _error(
        doc
    )


def test_filters_draw_the_kernel_with_fan_in_of_the_window() -> None:
    layer = {"type": "conv1d", "filters": 3, "kernel_size": 2, "init": {"scheme": "he_normal"}}
    s = solve(
        _load(
            {"input": [[1, 2, 3], [0, 1, 0]], "target": [0] * 6, "layers": [layer], "loss": "sse"}
        )
    )
    W = s.problem.layers[0].params["W"]
    assert W.shape == (3, 2, 2)
    drawn = np.random.default_rng(0).normal(0, np.sqrt(2 / 4), size=(3, 4))  # fan_in = 2·2
    np.testing.assert_array_equal(W, drawn.reshape(3, 2, 2))


def test_insights_a_dead_feature_map_and_padding_gradient() -> None:
    dead = {"type": "conv2d", "weights": [[K], [[[-1, -1], [-1, -1]]]], "activation": "relu"}
    doc = {"input": X, "target": [1] * 8, "layers": [dead], "loss": "sse"}
    kinds = [i.kind for i in solve(_load(doc)).insights]
    assert kinds.count("dead_feature_map") == 1  # filter 2: z < 0 everywhere
    assert "padding_gradient" not in kinds  # no padding
    doc["layers"][0]["padding"] = 1
    doc["target"] = [1] * 32
    s = solve(_load(doc))
    found = {i.kind: i for i in s.insights}
    assert "padding_gradient" in found and "dead_feature_map" in found
    lively = {"type": "conv2d", "weights": K, "activation": "relu"}
    doc = {"input": X, "target": [1] * 4, "layers": [lively], "loss": "sse"}
    assert "dead_feature_map" not in [i.kind for i in solve(_load(doc)).insights]


@st.composite
def conv_problems(draw: st.DrawFn) -> dict[str, Any]:
    axes = draw(st.sampled_from([1, 2]), label="axes")
    channels, filters = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = [draw(st.integers(1, 3)) for _ in range(axes)]
    stride = [draw(st.integers(1, 2)) for _ in range(axes)]
    padding = [draw(st.integers(0, 1)) for _ in range(axes)]
    dilation = [draw(st.integers(1, 2)) for _ in range(axes)]
    size = [
        draw(st.integers(max(1, dilation[i] * (kernel[i] - 1) + 1 - 2 * padding[i]), 5))
        for i in range(axes)
    ]
    value = st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 2))

    def nested(shape: list[int]) -> Any:
        if not shape:
            return draw(value)
        return [nested(shape[1:]) for _ in range(shape[0])]

    out = [
        (size[i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
        for i in range(axes)
    ]
    outputs = filters * int(np.prod(out))
    samples = draw(st.integers(1, 3))
    return {
        "samples": [
            {"input": nested([channels, *size]), "target": [draw(value) for _ in range(outputs)]}
            for _ in range(samples)
        ],
        "layers": [
            {
                "type": f"conv{axes}d",
                "weights": nested([filters, channels, *kernel]),
                "bias": [draw(value) for _ in range(filters)],
                "stride": stride,
                "padding": padding,
                "dilation": dilation,
                "flip": draw(st.booleans()),
                "activation": draw(st.sampled_from(["tanh", "sigmoid", "identity"])),
            }
        ],
        "loss": "mse",
    }


def _numeric(problem: Any, values: np.ndarray, put: Any) -> np.ndarray:
    numeric = np.zeros_like(values)
    h = 1e-6
    for index in np.ndindex(*values.shape):
        losses = []
        for sign in (1, -1):
            shifted = values.copy()
            shifted[index] += sign * h
            losses.append(put(shifted))
        numeric[index] = (losses[0] - losses[1]) / (2 * h)
    return numeric


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conv_problems())
def test_conv_gradients_match_finite_differences(doc: dict[str, Any]) -> None:
    problem = _load(doc)
    solution = solve(problem)
    params = initial_params(problem)

    def with_param(base: str) -> Any:
        return lambda v: forward(problem, [{**params[0], base: v}], rounding(None)).loss

    for base in ("W", "b"):
        numeric = _numeric(problem, params[0][base], with_param(base))
        np.testing.assert_allclose(solution.gradients[f"{base}1"], numeric, rtol=1e-5, atol=1e-8)

    def with_x(x: np.ndarray) -> float:
        return forward(replace(problem, x=x), params, rounding(None)).loss

    numeric = _numeric(problem, np.array(problem.x), with_x)
    np.testing.assert_allclose(solution.gradients["x"], numeric, rtol=1e-5, atol=1e-8)
    assert checked(solution)[2] == []


def test_a_28_by_28_image_with_8_filters_solves_in_well_under_a_second() -> None:
    rng = np.random.default_rng(0)
    image = np.round(rng.random((28, 28)), 2).tolist()
    doc = {
        "input": image,
        "target": 3,
        "layers": [
            {"type": "conv2d", "filters": 8, "kernel_size": 3, "init": {"scheme": "he_normal"}},
            {"activation": "relu"},
            {"type": "flatten"},
            {"units": 10, "init": {"scheme": "he_normal"}, "activation": "softmax"},
        ],
        "loss": "cross_entropy",
    }
    doc["layers"][0]["activation"] = doc["layers"].pop(1)["activation"]
    text = yaml.safe_dump(doc)
    render(Format.PLAIN, [_one_layer(False)], RenderOptions())  # imports done: time the work
    start = time.perf_counter()
    s = solve(load_source(Source("big.yaml", text, "big")))
    render(Format.PLAIN, [s], RenderOptions())
    elapsed = time.perf_counter() - start  # about 0.15 s on a shared 2-core machine
    assert s.layers[0].z.shape == (1, 8, 26, 26)
    assert elapsed < 1.0, elapsed


STRIDED = """input: [[1, 2, 0, 1], [0, 1, 3, 2], [2, 1, 0, 1], [1, 0, 2, 3]]
target: [1, 0, 0, 1]
layers:
  - {type: conv2d, weights: [[1, 2], [0, -1]], stride: 2}
loss: {name: sse, scale: 0.5}
"""


def _diagnosis(tmp_path: Path, problem: str, answers: dict[str, Any]) -> list[Any]:
    from backprop_cli.grade.check import check

    source, key = tmp_path / "p.yaml", tmp_path / "a.yaml"
    source.write_text(problem, encoding="utf-8")
    key.write_text(yaml.safe_dump({"answers": answers}), encoding="utf-8")
    grading = check(str(source), str(key))
    return [(m.quantity.name, m.found and m.found.kind) for m in grading.marks]


def _dx(kind_change: dict[str, Any]) -> list[Any]:
    s = solve(load_source(Source("p.yaml", STRIDED, "p")))
    layer = s.problem.layers[0]
    wrong = replace(layer.kind, **kind_change)
    _, cache = wrong.forward(layer.params, s.problem.x)
    dx = wrong.backward(layer.params, cache, s.layers[0].delta)[0]
    return np.asarray(dx)[0, 0].tolist()


def test_check_finds_the_kernel_not_rotated_and_the_stride_forgotten(tmp_path: Path) -> None:
    unrotated = _diagnosis(tmp_path, STRIDED, {"dx": _dx({"slip": "unrotated"})})
    assert unrotated == [("dx", "conv_kernel_not_rotated")]
    forgotten = _diagnosis(tmp_path, STRIDED, {"dx": _dx({"slip": "stride"})})
    assert forgotten == [("dx", "conv_stride_forgotten")]


def test_check_does_not_blame_the_kernel_for_a_right_or_other_answer(tmp_path: Path) -> None:
    right = _dx({})
    assert _diagnosis(tmp_path, STRIDED, {"dx": right}) == [("dx", None)]
    doubled = (2 * np.asarray(right)).tolist()
    found = _diagnosis(tmp_path, STRIDED, {"dx": doubled})[0][1]
    assert found not in ("conv_kernel_not_rotated", "conv_stride_forgotten", "conv_flip_confused")


def test_check_finds_the_kernel_rotated_in_the_forward_pass(tmp_path: Path) -> None:
    problem = f"input: {X}\ntarget: [0, 0, 0, 0]\nlayers:\n  - {{type: conv2d, weights: {K}}}\nloss: sse\n"
    convolved = TORCH["example"]["flipped"][0][0]
    assert _diagnosis(tmp_path, problem, {"z1": convolved}) == [("z1", "conv_flip_confused")]
    flipped = problem.replace("weights:", "flip: true, weights:")
    correlated = TORCH["example"]["correlated"][0][0]
    assert _diagnosis(tmp_path, flipped, {"z1": correlated}) == [("z1", "conv_flip_confused")]
    assert _diagnosis(tmp_path, problem, {"z1": correlated}) == [("z1", None)]


def test_the_windows_are_capped_before_anything_is_allocated(monkeypatch: Any) -> None:
    from backprop_cli.load import caps

    monkeypatch.setattr(caps, "MAX_UNFOLDED", 30)
    layer = {"type": "conv2d", "weights": K}
    doc = {"input": [[1] * 5] * 5, "target": [0] * 16, "layers": [layer], "loss": "sse"}
    assert _error(doc).endswith(
        "layers[0].weights (layer 1): expected at most 30 window values (samples × input "
        "channels × output positions × kernel cells, the size cap), got 64"
    )
    monkeypatch.setattr(caps, "MAX_UNFOLDED", 1000)
    monkeypatch.setattr(caps, "MAX_CONV_PRODUCTS", 100)
    doc["layers"][0]["weights"] = [[K], [K]]  # two filters
    doc["target"] = [0] * 32
    assert "expected at most 100 multiply-adds" in _error(doc)


def test_the_report_names_the_kind_and_writes_grids(run: Any) -> None:
    result = run("solve", str(ROOT / "examples" / "conv.yaml"), "--format", "json")
    report = json.loads(result.stdout)
    layer = report["layers"][0]
    assert layer["kind"] == "conv2d"
    assert np.shape(report["gradients"]["W1"]) == (1, 1, 2, 2)  # C_out × C_in × kh × kw
    assert np.shape(report["gradients"]["b1"]) == (1,)
    assert np.shape(layer["z"]) == (1, 2, 2)  # one filter's 2×2 map
    assert np.shape(report["gradients"]["x"]) == (1, 3, 3)  # C×H×W, one channel
    assert report["gradients"]["W1"][0][0][0][0] == pytest.approx(-1.1110, abs=5e-4)


def test_the_convolution_page_shows_the_example_and_what_the_command_prints(run: Any) -> None:
    page = (ROOT / "docs" / "convolution.md").read_text(encoding="utf-8")
    example = (ROOT / "examples" / "conv.yaml").read_text(encoding="utf-8")
    assert f"```yaml\n{example}```" in page
    shown = run("solve", str(ROOT / "examples" / "conv.yaml"), "--format", "plain").stdout
    flipped = _one_layer(True)
    shown += render(Format.PLAIN, [flipped], RenderOptions())
    for block in page.split("```\n")[1::2]:
        if block.startswith("  "):  # a quoted output
            for line in block.splitlines():
                assert line.rstrip() in shown, line


def test_the_example_reads_as_a_model_answer_at_80_and_120_columns() -> None:
    from backprop_cli import load

    s = solve(load(str(ROOT / "examples" / "conv.yaml")))
    for width in (80, 120):
        text = render(Format.RICH, [s], RenderOptions(width=width))
        assert max(len(line) for line in text.splitlines()) <= width
        for element in ("z₂₂ = w₁₁x₂₂", "∂L/∂w₂₁ = δ₁₁x₂₁", "∂L/∂x₂₂ = w₁₁δ₂₂", "∂L/∂b = δ₁₁"):
            assert element in text, element
    assert checked(s)[2] == []


def test_latex_highlights_the_first_window_and_compiles(tmp_path: Path) -> None:
    import shutil
    import subprocess

    from backprop_cli import load

    s = solve(load(str(ROOT / "examples" / "conv.yaml")))
    tex = render(Format.LATEX, [s], RenderOptions())
    assert tex.count(r"\colorbox{yellow!40}") == 4  # x₁₁, x₁₂, x₂₁, x₂₂: the window of z₁₁
    assert r"\colorbox{yellow!40}{$5$} & \colorbox{yellow!40}{$1$} & 0" in tex
    assert "colorbox" not in render(Format.MARKDOWN, [s], RenderOptions())  # no xcolor there
    if shutil.which("pdflatex") is None:
        pytest.skip("no pdflatex")
    (tmp_path / "conv.tex").write_text(tex, encoding="utf-8")
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "conv.tex"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:]


def test_snapshot_of_the_example_at_80_columns() -> None:
    """Read by eye before it was committed; rewrite it on purpose with
    BACKPROP_UPDATE_SNAPSHOTS=1 (never in CI) and read the diff."""
    import os

    from backprop_cli import load

    s = solve(load(str(ROOT / "examples" / "conv.yaml")))
    text = render(Format.PLAIN, [s], RenderOptions(width=80))
    path = ROOT / "tests" / "snapshots" / "conv.plain.txt"
    if os.environ.get("BACKPROP_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_an_unknown_first_layer_type_is_blamed_not_the_input() -> None:
    doc = {"input": X, "target": [0] * 4, "layers": [{"type": "conv3d", "weights": K}]}
    assert _error({**doc, "loss": "sse"}).endswith("got the text 'conv3d' (did you mean 'conv2d'?)")
