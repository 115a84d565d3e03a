"""The JSON writer: orjson's text reads back as exactly what the standard library writes.

The reference here is independent of the writer: every array turned into Python
floats by NumPy's ``tolist``, non-finite values into None, the whole written by
``json.dumps`` and read back by ``json.loads``. The writer's text must parse to
the very same data, float for float (float equality, so every digit counts).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest

from backprop_cli import load, solve
from backprop_cli.render import jsonwriter
from backprop_cli.render.report import INDENT_LIMIT, _Report, render
from backprop_cli.solve.records import Solution


def standard_library_data(values: np.ndarray) -> Any:
    def clean(value: Any) -> Any:
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value if math.isfinite(value) else None

    return clean(np.asarray(values, dtype=float).tolist())


def reference(solution: Solution) -> Any:
    return json.loads(json.dumps(_Report(4, standard_library_data).report(solution)))


BATCH = """
title: a batch trained for three steps
samples:
  - {input: [0.5, -1.25, 3], target: [1, 0]}
  - {input: [1e-7, 2.5, -0.3], target: [0, 1]}
layers:
  - {units: 4, init: {scheme: he_normal, seed: 3}, activation: tanh}
  - {units: 2, init: {scheme: xavier_uniform, seed: 4}, activation: softmax}
loss: cross_entropy
learning_rate: 0.3
steps: 3
variants:
  - {name: relu, set: {layers.0.activation: relu}}
"""

OVERFLOW = """
input: [1e308, 1e308]
target: 1
layers:
  - {weights: [[1e308, 1e308]], activation: identity}
loss: mse
"""

WIDE = """
input: [0.25, 0.5, 0.75]
target: 1
layers:
  - {units: 6000, init: {scheme: he_uniform, seed: 5}, activation: relu}
  - {units: 1, init: {scheme: zeros}, activation: sigmoid}
loss: bce
learning_rate: 0.1
"""


@pytest.mark.parametrize("name", ["ex1", "ex2", "ex3", "ex4", "ex5"])
def test_bundled_reports_parse_as_the_standard_library_writes_them(name: str) -> None:
    solution = solve(load(name))
    assert json.loads(render([solution])) == reference(solution)


@pytest.mark.parametrize("text", [BATCH, OVERFLOW, WIDE], ids=["batch", "overflow", "wide"])
def test_written_problems_parse_as_the_standard_library_writes_them(
    text: str, write: Callable[[str], Path]
) -> None:
    solution = solve(load(str(write(text))))
    assert json.loads(render([solution])) == reference(solution)


def test_several_solutions_parse_as_a_list_of_the_reports() -> None:
    solutions = [solve(load("ex1")), solve(load("ex4"))]
    assert json.loads(render(solutions)) == [reference(s) for s in solutions]


def test_each_distinct_array_is_encoded_once(
    write: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    solution = solve(load(str(write(WIDE))))
    assert solution.problem.parameters > INDENT_LIMIT  # the compact path
    encoded: list[int] = []
    encode = jsonwriter.encode_array

    def counting(values: np.ndarray) -> bytes:
        encoded.append(id(values))
        return encode(values)

    monkeypatch.setattr(jsonwriter, "encode_array", counting)
    render([solution])
    assert len(encoded) == len(set(encoded))
    # ∂L/∂W1 appears in "gradients" and in its derivation step; encoded once for both.
    assert id(solution.gradients["W1"]) in encoded


def test_indented_matrices_keep_one_row_a_line() -> None:
    text = render([solve(load("ex1"))])
    assert (
        '  "gradients": {\n'
        '    "W1": [\n'
        "      [-0.01623440693863419,-0.03246881387726838],\n"
        "      [-0.015532548881651316,-0.031065097763302633]\n"
        "    ],\n"
    ) in text


class _Pair(NamedTuple):
    first: float
    second: float


@pytest.mark.parametrize("indent", [2, None])
def test_a_container_written_whole_is_the_text_written_value_by_value(
    indent: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    Array = jsonwriter.Array
    data = {
        "plain": [1, 2.5, None, True, "a\nb", {}, [], -0.0, float("nan")],
        "arrays": {
            "matrix": Array(np.eye(2)),
            "vector": Array(np.array([1.0, np.inf])),
            "scalar": Array(np.array(3.0)),
            "empty": Array(np.zeros((0, 2))),
        },
        "deep": [[{"rows": [Array(np.ones((1, 2)))], "x": 1.5}], {"y": [2, 3]}],
        3: "a key that is not a string",
        "tuples": (1, (2.0, "x"), _Pair(0.5, -1.0)),
        "numpy scalars": [np.float64(1.5), np.int64(3), np.bool_(True)],
        "beyond 64 bits": 10**30,
        "lone surrogate": "\ud800",
    }
    whole = jsonwriter.dump_bytes(data, indent)
    monkeypatch.setattr(jsonwriter._Writer, "whole", lambda self, value, depth: False)
    assert whole == jsonwriter.dump_bytes(data, indent)


def test_a_number_beyond_64_bits_falls_back_to_the_standard_library() -> None:
    assert jsonwriter.encode_scalar(10**30) == b"1000000000000000000000000000000"
    assert jsonwriter.encode_scalar(float("nan")) == b"null"
    assert jsonwriter.encode_scalar(np.float64("inf")) == b"null"


def test_the_command_line_writes_the_json_bytes_unchanged(run: Callable[..., Any]) -> None:
    from backprop_cli.render import Format, RenderOptions, render_chunks

    expected = b"".join(render_chunks(Format.JSON, [solve(load("ex3"))], RenderOptions()))
    assert expected == render([solve(load("ex3"))]).encode()
    assert run("solve", "ex3", "--format", "json").stdout_bytes == expected
