"""The JSON report: SPEC.md section 3, keys, canonical shapes, standard JSON."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from backprop_cli import load, solve
from backprop_cli.render.report import render, report

TOP_KEYS = {
    "format_version",  # beyond SPEC section 3: CI scripts pin the report's shape (README)
    "title",
    "source",
    "loss",
    "x",
    "target",
    "layers",
    "output",
    "gradients",
    "update",
    "steps",
    "insights",
    "gradient_check",
    "variants",
}


def shape(value: Any) -> tuple[int, ...]:
    return np.asarray(value).shape


def test_report_has_exactly_the_spec_keys() -> None:
    data = report(solve(load("ex1")))
    assert set(data) == TOP_KEYS
    assert set(data["loss"]) == {"name", "scale", "value"}
    assert set(data["layers"][0]) == {"index", "name", "kind", "activation", "z", "a", "delta"}
    assert set(data["update"]) == {
        "learning_rate",
        "steps",
        "loss_history",
        "params",
        "optimizer",
        "state",
    }
    # SPEC 7: the optimizer with every hyperparameter (learning_rate alone is plain SGD).
    assert data["update"]["optimizer"] == {
        "name": "sgd",
        "learning_rate": 0.1,
        "momentum": 0.0,
        "dampening": 0.0,
        "nesterov": False,
        "weight_decay": 0.0,
        "convention": "pytorch",
    }
    assert data["update"]["state"] == {"W1": {}, "b1": {}, "W2": {}, "b2": {}}
    for step in data["steps"]:
        assert set(step) == {"phase", "symbol", "formula", "substitution", "value"}
        assert step["phase"] in {"forward", "loss", "backward", "update"}


def test_ex1_values_and_canonical_shapes() -> None:
    data = json.loads(render([solve(load("ex1"))]))
    assert data["loss"] == {
        "name": "mse",
        "scale": 1.0,
        "value": pytest.approx(0.10134384787889553, abs=1e-15),
    }
    assert data["x"] == [1.0, 2.0] and data["target"] == [1.0]
    assert shape(data["gradients"]["W1"]) == (2, 2)
    assert shape(data["gradients"]["W2"]) == (1, 2)  # a row stays a list of rows
    assert shape(data["gradients"]["b2"]) == (1,)
    assert shape(data["gradients"]["x"]) == (2,)  # a single input: flat
    assert shape(data["output"]) == (1,)
    assert data["layers"][1]["kind"] == "dense" and data["layers"][1]["index"] == 2
    assert data["update"]["steps"] == 1 and len(data["update"]["loss_history"]) == 2
    assert data["gradient_check"] is None and data["variants"] == []


def test_a_one_by_one_weight_stays_a_matrix() -> None:
    data = report(solve(load("ex3")))
    assert data["gradients"]["W1"] == [[0.0]]
    assert data["update"]["params"]["W1"] == [[0.5]]
    assert data["layers"][0]["z"] == [-0.5]


def test_batch_shapes_are_per_sample_lists(write: Any) -> None:
    path = write("""
        samples:
          - {input: [1, 2], target: 1}
          - {input: [0, 1], target: [0]}
          - {input: [2, 2], target: 1}
        layers:
          - {weights: [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], activation: tanh}
          - {weights: [1, 1, 1]}
        loss: mse
        """)
    data = report(solve(load(str(path))))
    assert shape(data["x"]) == (3, 2) and shape(data["target"]) == (3, 1)
    assert shape(data["layers"][0]["z"]) == (3, 3)
    assert shape(data["output"]) == (3, 1)
    assert shape(data["gradients"]["x"]) == (3, 2)
    assert shape(data["gradients"]["W1"]) == (3, 2)


def test_steps_give_formula_substitution_and_value_in_full() -> None:
    data = report(solve(load("ex1")))
    step = next(s for s in data["steps"] if s["symbol"] == "z1[0]")
    assert step["formula"] == "w₁₁⁽¹⁾x₁ + w₁₂⁽¹⁾x₂ + b₁⁽¹⁾"
    assert step["substitution"] == "0.1·1 + 0.2·2 + 0"
    assert step["value"] == 0.5
    a = next(s for s in data["steps"] if s["symbol"] == "a1[0]")
    assert a["value"] == pytest.approx(0.6224593312018546, abs=1e-16)
    loss = next(s for s in data["steps"] if s["symbol"] == "loss")
    y_hat = 1 / (1 + math.exp(-(0.5 / (1 + math.exp(-0.5)) + 0.6 / (1 + math.exp(-1.1)))))
    assert loss["substitution"] == f"({y_hat!r} − 1)²"  # every number in full


def test_several_files_give_an_array_in_order() -> None:
    data = json.loads(render([solve(load("ex2")), solve(load("ex5"))]))
    assert [item["source"] for item in data] == ["ex2", "ex5"]


def test_variants_carry_their_own_report_without_variants() -> None:
    data = report(solve(load("ex3")))
    (variant,) = data["variants"]
    assert variant["name"] == "x = 2 instead of 3" and variant["set"] == {"input": 2}
    assert set(variant["report"]) == TOP_KEYS - {"variants", "format_version"}
    assert variant["report"]["layers"][0]["z"] == [-1.0]


def test_non_finite_numbers_are_null_and_listed(write: Any) -> None:
    path = write("""
        input: [1.0e308, 1.0e308]
        target: 1
        layers:
          - {weights: [[1.0e308, 1.0e308]]}
        loss: mse
        """)
    text = render([solve(load(str(path)))])
    data = json.loads(text)  # standard JSON: no NaN or Infinity tokens
    assert "NaN" not in text and "Infinity" not in text
    assert data["loss"]["value"] is None
    assert any(i["kind"] == "non_finite" for i in data["insights"])
