"""Pooling's numbers (`nn.layers.windows`): against PyTorch, finite differences, ties."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_cli.nn.layers.windows import (
    Windows,
    avg_pool,
    avg_pool_backward,
    max_pool,
    max_pool_backward,
    output_length,
)

# Made with torch 2.13 (CPU), float64, by torch.nn.functional.max_pool1d/2d(return_indices=True)
# and avg_pool1d/2d (count_include_pad=True) with autograd for a random upstream gradient; the
# file's "source" says exactly how.
TORCH = json.loads((Path(__file__).parent / "data" / "pool_torch.json").read_text())


def _windows(x: np.ndarray, case: dict[str, Any]) -> Windows:
    return Windows(x.shape[2:], tuple(case["size"]), tuple(case["stride"]), tuple(case["padding"]))


@pytest.mark.parametrize("case", TORCH["cases"], ids=lambda c: c["op"])
def test_forward_backward_and_argmax_match_pytorch(case: dict[str, Any]) -> None:
    x, upstream = np.array(case["x"]), np.array(case["upstream"])
    w = _windows(x, case)
    if case["op"].startswith("max"):
        pooled = max_pool(w, x)
        out, grad = pooled.out, max_pool_backward(w, pooled, upstream)
        np.testing.assert_array_equal(pooled.argmax, case["argmax"])
    else:
        out, grad = avg_pool(w, x), avg_pool_backward(w, upstream)
    np.testing.assert_allclose(out, case["out"], rtol=0, atol=1e-13)
    np.testing.assert_allclose(grad, case["grad_x"], rtol=0, atol=1e-13)


def test_the_reference_file_holds_ties_and_both_dimensions() -> None:
    ops = {case["op"] for case in TORCH["cases"]}
    assert ops == {"max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d"}
    tied = [case for case in TORCH["cases"] if case["tie"]]
    assert any(
        max_pool(_windows(np.array(c["x"]), c), np.array(c["x"])).ties.max() > 1 for c in tied
    )


def test_a_tie_goes_to_the_first_cell_in_row_major_order() -> None:
    x = np.array([[[[1.0, 3.0, 0.0], [3.0, 3.0, 2.0], [0.0, 1.0, 3.0]]]])
    w = Windows((3, 3), (2, 2), (1, 1), (0, 0))
    pooled = max_pool(w, x)
    np.testing.assert_array_equal(pooled.out[0, 0], [[3, 3], [3, 3]])
    # window (0,0) holds 3 at (0,1), (1,0), (1,1): (0,1) wins, flat index 1; window (1,1)
    # holds 3 at (1,1) and (2,2): (1,1) wins, flat index 4
    np.testing.assert_array_equal(pooled.argmax[0, 0], [[1, 1], [3, 4]])
    np.testing.assert_array_equal(pooled.ties[0, 0], [[3, 2], [2, 2]])
    grad = max_pool_backward(w, pooled, np.ones((1, 1, 2, 2)))
    # overlapping windows add up at (0,1), the winner of both top windows
    np.testing.assert_array_equal(grad[0, 0], [[0, 2, 0], [1, 1, 0], [0, 0, 0]])


def test_max_padding_is_minus_infinity_and_average_counts_padding() -> None:
    x = np.array([[[-5.0, -1.0, -3.0]]])
    w = Windows((3,), (2,), (2,), (1,))
    np.testing.assert_array_equal(max_pool(w, x).out, [[[-5.0, -1.0]]])  # not 0 from padding
    np.testing.assert_array_equal(avg_pool(w, x), [[[-2.5, -2.0]]])


def test_the_output_length_formula() -> None:
    assert output_length(7, 3, 2, 1) == 4  # ⌊(7 + 2 − 3)/2⌋ + 1
    assert output_length(4, 2, 2, 0) == 2
    assert output_length(2, 3, 1, 0) == 0


def _spec(draw: Any, dims: int) -> tuple[Windows, np.ndarray]:
    size = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    padding = tuple(draw(st.integers(0, k // 2)) for k in size)
    spatial = tuple(draw(st.integers(k, k + 4)) for k in size)
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2**32 - 1))
    shape = (n, c, *spatial)
    # distinct values at least 0.01 apart: a 1e-6 step never changes a window's winner
    x = np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) * 0.01
    return Windows(spatial, size, stride, padding), x


@st.composite
def pools(draw: Any) -> tuple[Windows, np.ndarray]:
    return _spec(draw, draw(st.sampled_from((1, 2))))


def _numeric(f: Any, x: np.ndarray, upstream: np.ndarray, h: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        grad[i] = np.sum((f(up) - f(down)) * upstream) / (2 * h)
    return grad


@settings(max_examples=40, deadline=None)
@given(pools(), st.integers(0, 2**32 - 1))
def test_gradients_match_finite_differences(spec: tuple[Windows, np.ndarray], seed: int) -> None:
    w, x = spec
    upstream = np.random.default_rng(seed).normal(size=(*x.shape[:2], *w.out))
    np.testing.assert_allclose(
        avg_pool_backward(w, upstream),
        _numeric(lambda v: avg_pool(w, v), x, upstream),
        atol=1e-7,
    )
    np.testing.assert_allclose(
        max_pool_backward(w, max_pool(w, x), upstream),
        _numeric(lambda v: max_pool(w, v).out, x, upstream),
        atol=1e-7,
    )
