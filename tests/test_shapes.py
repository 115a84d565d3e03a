"""Per-sample shapes (SPEC section 4): inputs read in the arrangement the first layer takes,
ragged inputs refused with the place of the first ragged row, a dense layer given an image
pointed to flatten, and flatten's forward and backward pass."""

from __future__ import annotations

import json
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
from backprop_cli.nn.layers.shapes import Arrangement, SampleShape
from backprop_cli.render import Format, RenderOptions, render
from backprop_cli.solve.engine import forward, initial_params, rounding

IMAGE = [[[1, 2], [3, 4]], [[0, 1], [1, 0]]]
"""One 2×2×2 sample: channel 0 then channel 1."""
DENSE = {"weights": [[0.1, 0.2, -0.1, 0.3, 0.5, -0.2, 0.1, 0.0]], "activation": "sigmoid"}


def _load(doc: dict[str, Any]) -> Any:
    return load_source(Source("s.yaml", yaml.safe_dump(doc, sort_keys=False), "s"))


def _error(doc: dict[str, Any]) -> str:
    with pytest.raises(ProblemError) as error:
        _load(doc)
    return str(error.value)


def test_sample_shape_names_its_axes() -> None:
    shape = SampleShape(Arrangement.IMAGE, (2, 3, 3))
    assert shape.size == 18
    assert shape.describe() == "2×3×3 (channels × height × width)"
    assert SampleShape.vector(4).describe() == "4 (features)"
    assert SampleShape.vector(4) == SampleShape(Arrangement.VECTOR, (4,))
    assert [a.ndim for a in Arrangement] == [1, 2, 3, 2]
    assert Arrangement.SEQUENCE.layout() == "T×D (time steps × features)"


def test_an_image_is_read_nested_and_flattened_row_major() -> None:
    problem = _load(
        {"input": IMAGE, "target": 1, "layers": [{"type": "flatten"}, DENSE], "loss": "mse"}
    )
    assert problem.x.shape == (1, 2, 2, 2)
    assert problem.input_shape.describe() == "2×2×2 (channels × height × width)"
    assert problem.widths == (8, 8, 1)
    s = solve(problem)
    # torch.flatten(x, 1) of x = tensor(IMAGE)[None]: channel 0's rows, then channel 1's
    np.testing.assert_array_equal(s.layers[0].z, [[1, 2, 3, 4, 0, 1, 1, 0]])
    assert s.gradients["x"].shape == (1, 2, 2, 2)  # ∂L/∂x laid out as x
    np.testing.assert_allclose(
        s.gradients["x"].reshape(-1), s.layers[0].delta.reshape(-1), rtol=0, atol=0
    )
    report = json.loads(render(Format.JSON, [s], RenderOptions()))
    assert report["x"] == [[[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0], [1.0, 0.0]]]
    assert report["layers"][0]["kind"] == "flatten"
    assert np.shape(report["gradients"]["x"]) == (2, 2, 2)
    assert checked(s)[2] == []


def test_a_batch_of_images_keeps_each_sample_nested() -> None:
    doc = {
        "samples": [{"input": IMAGE, "target": 1}, {"input": IMAGE, "target": 0}],
        "layers": [{"type": "flatten"}, DENSE],
        "loss": "mse",
    }
    s = solve(_load(doc))
    assert s.problem.x.shape == (2, 2, 2, 2)
    report = json.loads(render(Format.JSON, [s], RenderOptions()))
    assert np.shape(report["x"]) == (2, 2, 2, 2)
    assert np.shape(report["gradients"]["x"]) == (2, 2, 2, 2)


def _text_error(text: str) -> str:
    with pytest.raises(ProblemError) as error:
        load_source(Source("s.yaml", text, "s"))
    return str(error.value)


FLATTEN_DENSE = (
    "layers:\n  - {type: flatten}\n  - {weights: [[1, 1, 1, 1, 1, 1, 1, 1]]}\nloss: mse\n"
)


def test_a_ragged_input_names_its_first_ragged_row() -> None:
    text = "input:\n  - [[1, 2], [3, 4]]\n  - [[0, 1], [1]]\ntarget: 1\n" + FLATTEN_DENSE
    assert _text_error(text) == (
        "s.yaml:3: input[1][1]: expected 2 values (as the first at this level), got 1"
    )
    text = "input:\n  - [[1, 2], [3, 4]]\n  - [[0, 1]]\ntarget: 1\n" + FLATTEN_DENSE
    assert _text_error(text) == (
        "s.yaml:3: input[1]: expected 2 rows (as the first at this level), got 1"
    )
    text = "input:\n  - [[1, 2], [3, x]]\n  - [[0, 1], [1, 0]]\ntarget: 1\n" + FLATTEN_DENSE
    assert _text_error(text) == "s.yaml:2: input[0][1][1]: expected a number, got the text 'x'"


def test_samples_of_another_shape_than_the_first_are_refused() -> None:
    doc = {
        "samples": [{"input": IMAGE, "target": 1}, {"input": [[[1, 2, 3]]], "target": 0}],
        "layers": [{"type": "flatten"}, DENSE],
        "loss": "mse",
    }
    assert _error(doc).endswith(
        "samples[1].input: expected 2×2×2 (channels × height × width) like samples[0].input, "
        "got 1×1×3 (channels × height × width)"
    )


def test_a_dense_layer_given_an_image_names_flatten() -> None:
    text = (
        "input: [[[1, 2], [3, 4]], [[0, 1], [1, 0]]]\ntarget: 1\nlayers:\n"
        "  - {activation: relu}\n  - {weights: [[1, 1, 1, 1, 1, 1, 1, 1]]}\nloss: mse\n"
    )
    assert _text_error(text) == (
        "s.yaml:5: layers[1] (layer 2): expected a vector D (features) from layer 1 for a dense "
        "layer, got 2×2×2 (channels × height × width); put a flatten layer ({type: flatten}) "
        "before it to lay the 8 values out as a vector"
    )


def test_a_kind_given_another_arrangement_names_what_it_takes() -> None:
    class Imaging:
        """A stand-in for a 2-D kind: only what the reader asks before reading it."""

        takes = Arrangement.IMAGE
        name = "conv2d"

    from backprop_cli.load.network import NetworkReader
    from backprop_cli.load.reader import Reader

    reader = NetworkReader(Reader({"layers": [{}]}, "s.yaml"))
    with pytest.raises(ProblemError) as error:
        reader.check_takes(Imaging(), SampleShape.vector(4), 0)  # type: ignore[arg-type]
    assert str(error.value) == (
        "s.yaml: layers[0] (layer 1): expected an image C×H×W (channels × height × width) from x "
        "for a conv2d layer, got 4 (features)"
    )


def test_vector_kinds_keep_taking_vectors() -> None:
    takes = {name: kind.takes for name, kind in LAYER_KINDS.items()}
    assert takes["dense"] is Arrangement.VECTOR
    assert takes["activation"] is None and takes["flatten"] is None


def test_an_input_deeper_than_the_first_layer_takes_is_refused() -> None:
    doc = {"input": IMAGE, "target": 1, "layers": [DENSE], "loss": "mse"}
    assert "input: expected an input: a number or a list of numbers" in _error(doc)


@st.composite
def flatten_problems(draw: st.DrawFn) -> dict[str, Any]:
    dims = draw(st.lists(st.integers(1, 3), min_size=2, max_size=3))
    size = int(np.prod(dims))
    value = st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 2))

    def nested(shape: list[int]) -> Any:
        if not shape:
            return draw(value)
        return [nested(shape[1:]) for _ in range(shape[0])]

    samples = draw(st.integers(1, 3))
    return {
        "samples": [{"input": nested(dims), "target": [draw(value)]} for _ in range(samples)],
        "layers": [
            {"type": "flatten", "activation": "tanh"},
            {"weights": [[draw(value) for _ in range(size)]], "activation": "sigmoid"},
        ],
        "loss": "mse",
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flatten_problems())
def test_flatten_gradients_match_finite_differences(doc: dict[str, Any]) -> None:
    problem = _load(doc)
    solution = solve(problem)
    params = initial_params(problem)
    x = np.array(problem.x)
    numeric = np.zeros_like(x)
    h = 1e-6
    for index in np.ndindex(*x.shape):
        losses = []
        for sign in (1, -1):
            shifted = x.copy()
            shifted[index] += sign * h
            trial = problem.__class__(**{**problem.__dict__, "x": shifted})
            losses.append(forward(trial, params, rounding(None)).loss)
        numeric[index] = (losses[0] - losses[1]) / (2 * h)
    np.testing.assert_allclose(solution.gradients["x"], numeric, rtol=1e-5, atol=1e-8)
    flat = solution.layers[0].z
    np.testing.assert_array_equal(flat, x.reshape(x.shape[0], -1))  # row-major, as torch.flatten
    assert checked(solution)[2] == []
