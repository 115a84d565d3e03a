"""A graph problem's inputs trained by every optimizer of the registry (SPEC section 6).

Reference values: torch 2.13 (CPU, float64) on scalar tensors x = 0.5, y = −1.5, three
steps of ``opt.zero_grad(); f = torch.tanh(x * y) + x ** 2; f.backward(); opt.step()``
with the optimizer of each case (``torch.optim.SGD(lr=0.1, momentum=0.9, nesterov=True)``,
``SGD(lr=0.1, weight_decay=0.1)``, ``Adagrad(lr=0.5)``, ``RMSprop(lr=0.01, momentum=0.5)``,
``Adam(lr=0.1)``, ``AdamW(lr=0.1, weight_decay=0.1)``, ``Adam(lr=0.1, maximize=True)``);
``f`` holds f before each step and after the last.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

GRAPH = """
title: Trained inputs
inputs: {x: 0.5, y: -1.5}
expression: "tanh(x * y) + x ** 2"
steps: 3
"""

CASES = [
    pytest.param(
        "{name: sgd, learning_rate: 0.1, momentum: 0.9, nesterov: true}",
        False,
        0.46155210249401396,
        -1.732473668348466,
        [-0.3851489523872873, -0.403077366203531, -0.42516976895156444, -0.4507977717313267],
        id="sgd_nesterov",
    ),
    pytest.param(
        "{name: sgd, learning_rate: 0.1, weight_decay: 0.1}",
        False,
        0.46920917920770383,
        -1.5430768406099453,
        [-0.3851489523872873, -0.39072703130521913, -0.39520809439532156, -0.3992395415456937],
        id="sgd_decay",
    ),
    pytest.param(
        "{name: adagrad, learning_rate: 0.5}",
        False,
        0.46025749633475316,
        -2.2879560601895985,
        [-0.3851489523872873, -9.512820528239256e-10, -0.5117033847356818, -0.5711519308571723],
        id="adagrad",
    ),
    pytest.param(
        "{name: rmsprop, learning_rate: 0.01, momentum: 0.5}",
        False,
        0.5025885252813542,
        -1.8309346759758316,
        [-0.3851489523872873, -0.40489957124787296, -0.4454870045191953, -0.47339998636495684],
        id="rmsprop",
    ),
    pytest.param(
        "{name: adam, learning_rate: 0.1}",
        False,
        0.5024529732035353,
        -1.7990869737166992,
        [-0.3851489523872873, -0.4048995546863935, -0.4411283568697075, -0.4657599620898542],
        id="adam",
    ),
    pytest.param(
        "{name: adamw, learning_rate: 0.1, weight_decay: 0.1}",
        False,
        0.4947963726835871,
        -1.751648948506093,
        [-0.3851489523872873, -0.3993186311303919, -0.4320357611270678, -0.4548750241803695],
        id="adamw",
    ),
    pytest.param(
        "{name: adam, learning_rate: 0.1}",
        True,
        0.7777431110179062,
        -1.199582588140007,
        [-0.3851489523872873, -0.32580906765580947, -0.24054502646548692, -0.1270899088868246],
        id="adam_ascent",
    ),
]


@pytest.mark.parametrize(("optimizer", "ascent", "x", "y", "history"), CASES)
def test_every_optimizer_trains_the_inputs_as_torch_optim(
    write: Any,
    run: Any,
    optimizer: str,
    ascent: bool,
    x: float,
    y: float,
    history: list[float],
) -> None:
    text = GRAPH + f"optimizer: {optimizer}\n" + ("ascent: true\n" if ascent else "")
    result = run("solve", str(write(text)), "--format", "json")
    assert result.exit_code == 0, result.stderr
    update = json.loads(result.stdout)["update"]
    assert update["inputs"]["x"] == pytest.approx(x, rel=1e-12)
    assert update["inputs"]["y"] == pytest.approx(y, rel=1e-12)
    np.testing.assert_allclose(update["value_history"], history, rtol=1e-10, atol=1e-15)
    assert update["optimizer"]["maximize"] is ascent
    assert update["steps"] == 3


def test_the_report_names_every_hyperparameter_and_the_state(write: Any, run: Any) -> None:
    text = GRAPH + "optimizer: {name: adam, learning_rate: 0.1}\n"
    update = json.loads(run("solve", str(write(text)), "--format", "json").stdout)["update"]
    assert update["optimizer"] == {
        "name": "adam",
        "learning_rate": 0.1,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-08,
        "weight_decay": 0.0,
        "maximize": False,
    }
    assert set(update["state"]) == {"x", "y"} and set(update["state"]["x"]) == {"m", "v"}


def test_plain_descent_keeps_its_one_line_and_sgd_defaults(write: Any, run: Any) -> None:
    text = GRAPH.replace("steps: 3", "learning_rate: 0.1")
    report = json.loads(run("solve", str(write(text)), "--format", "json").stdout)
    assert report["update"]["optimizer"] == {
        "name": "sgd",
        "learning_rate": 0.1,
        "momentum": 0.0,
        "dampening": 0.0,
        "nesterov": False,
        "weight_decay": 0.0,
        "convention": "pytorch",
        "maximize": False,
    }
    assert [s["symbol"] for s in report["steps"] if s["phase"] == "update"] == ["x_new", "y_new"]


def test_the_first_update_shows_every_state_before_and_after(write: Any, run: Any) -> None:
    text = GRAPH + "optimizer: {name: adam, learning_rate: 0.1}\n"
    result = run("solve", str(write(text)), "--format", "json")
    steps = [s for s in json.loads(result.stdout)["steps"] if s["phase"] == "update"]
    assert [s["symbol"] for s in steps] == [
        "m_x", "v_x", "m_hat_x", "v_hat_x", "x_step1", "m_y", "v_y", "m_hat_y", "v_hat_y", "y_step1",
    ]  # fmt: skip
    assert steps[2]["formula"] == "m(x)/(1 − β₁ᵗ)"
    # Adam's first step moves by about η whatever the gradient: m̂/√v̂ = ±1
    assert steps[4]["value"] == pytest.approx(0.5 - 0.1, rel=1e-6)
    plain = run("solve", str(write(text)), "--format", "plain").stdout
    assert "Adam, the first step in detail, as the conventions state it, with η = 0.1" in plain
    assert "m(x) ← β₁·m(x) + (1 − β₁)·∂f/∂x = 0.9·0 + (1 − 0.9)·" in plain


def test_climbing_follows_minus_the_gradient_in_the_rules(write: Any, run: Any) -> None:
    text = GRAPH + "optimizer: {name: sgd, learning_rate: 0.1, momentum: 0.9}\nascent: true\n"
    plain = run("solve", str(write(text)), "--format", "plain").stdout
    assert "v(x) ← −∂f/∂x = " in plain
    assert "as torch.optim's maximize" in " ".join(plain.split())


def test_an_unknown_optimizer_is_one_clear_error(write: Any, run: Any) -> None:
    path = write(GRAPH + "optimizer: {name: adamm, learning_rate: 0.1}\n", "g.yaml")
    result = run("solve", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:5: optimizer.name: expected an optimizer name")
    assert "did you mean 'adam'" in result.stderr


def test_check_grades_an_update_by_the_optimizer(write: Any, run: Any) -> None:
    problem = write(
        GRAPH.replace("steps: 3\n", "") + "optimizer: {name: adam, learning_rate: 0.1}\n"
    )
    # Adam's first step moves each input by η against its gradient's sign: 0.5 − 0.1, −1.5 − 0.1
    answers = write("answers:\n  dx: 0.1051\n  x_new: 0.4\n  y_new: -1.4\n", "answers.yaml")
    result = run("check", str(problem), "--answers", str(answers), "--format", "plain")
    assert result.exit_code == 1
    assert "  x_new   0.4     0.4       ✓ right\n" in result.stdout
    assert "  y_new   −1.4    −1.6      ✗ wrong: + instead of −\n" in result.stdout
