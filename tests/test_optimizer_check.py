"""`check` of optimizer exercises: the state, each step's parameters and loss, and the
optimizers' own mistakes, each firing on its mistake and not on a right answer.

The wrong answers are worked by hand below (NumPy, the network of test_optimizers
written out: tanh then identity, MSE over three samples) the way a student makes
each mistake; the right ones are torch's (test_optimizers.TORCH).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from test_optimizers import NETWORK, TORCH

X = np.array([[0.5, -1.0], [1.0, 0.5], [-0.3, 0.8]])
Y = np.array([[0.2], [0.9], [0.4]])
START = {
    "W1": np.array([[0.4, -0.3], [0.2, 0.6]]),
    "b1": np.array([0.1, -0.1]),
    "W2": np.array([[0.7, -0.5]]),
    "b2": np.array([0.05]),
}


def gradients(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """∂L/∂θ of L = mean (ŷ − y)², by hand: δ2 = 2(ŷ − y)/N, δ1 = δ2·W2 ⊙ (1 − a1²)."""
    a1 = np.tanh(X @ p["W1"].T + p["b1"])
    d2 = 2 * (a1 @ p["W2"].T + p["b2"] - Y) / len(X)
    d1 = (d2 @ p["W2"]) * (1 - a1**2)
    return {"W1": d1.T @ X, "b1": d1.sum(0), "W2": d2.T @ a1, "b2": d2.sum(0)}


G = gradients(START)


def graded(run: Any, write: Any, optimizer: str, answers: dict[str, Any], steps: int = 1) -> Any:
    problem = write(NETWORK.replace("steps: 4", f"steps: {steps}") + f"optimizer: {optimizer}\n")
    lines = ["answers:"] + [
        f"  {k}: {json.dumps(np.asarray(v).tolist())}" for k, v in answers.items()
    ]
    path = write("\n".join(lines) + "\n", "answers.yaml")
    result = run("check", str(problem), "--answers", str(path), "-f", "json")
    assert result.stderr == ""
    data = json.loads(result.stdout)
    return {
        m["name"]: "right" if m["right"] else (m["diagnosis"] or {}).get("kind")
        for m in data["marks"]
    }


ADAM = "{name: adam, learning_rate: 0.1}"


def test_adams_state_after_the_first_step_is_graded(run: Any, write: Any) -> None:
    m = 0.1 * G["W2"]  # m₁ = (1 − β₁)g
    v = 0.001 * G["W2"] ** 2  # v₁ = (1 − β₂)g²
    right = {"m_W2": m, "v_W2": v, "m_hat_W2": m / 0.1, "v_hat_W2": v / 0.001}
    assert graded(run, write, ADAM, right) == dict.fromkeys(right, "right")
    # No bias correction: m̂ and v̂ written as m and v.
    wrong = {"m_hat_W2": m, "v_hat_W2": v}
    assert graded(run, write, ADAM, wrong) == dict.fromkeys(wrong, "no_bias_correction")
    assert graded(run, write, ADAM, {"m_hat_W2": 3 * m})["m_hat_W2"] == "unexplained"


def test_eps_inside_the_root_is_diagnosed_where_it_matters(run: Any, write: Any) -> None:
    optimizer = "{name: adam, learning_rate: 0.1, eps: 0.1}"
    g = G["b2"]
    right = START["b2"] - 0.1 * g / (np.abs(g) + 0.1)  # m̂ = g, √v̂ = |g| at t = 1
    inside = START["b2"] - 0.1 * g / np.sqrt(g**2 + 0.1)
    assert graded(run, write, optimizer, {"b2_new": right}) == {"b2_new": "right"}
    assert graded(run, write, optimizer, {"b2_new": inside}) == {"b2_new": "eps_inside_root"}
    # With the default ε = 1e-8 the two are the same number: nothing to diagnose.
    tiny = START["b2"] - 0.1 * g / np.sqrt(g**2 + 1e-8)
    assert graded(run, write, ADAM, {"b2_new": tiny}) == {"b2_new": "right"}


def _adam_two_steps(t_from_zero: bool) -> dict[str, np.ndarray]:
    """Two Adam steps by hand; counting t from 0, the first has no correction and the
    second the first's."""
    p = {k: v.copy() for k, v in START.items()}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(x) for k, x in p.items()}
    for t in (1, 2):
        g = gradients(p)
        power = t - 1 if t_from_zero else t
        for k in p:
            m[k] = 0.9 * m[k] + 0.1 * g[k]
            v[k] = 0.999 * v[k] + 0.001 * g[k] ** 2
            c1, c2 = (1 - 0.9**power, 1 - 0.999**power) if power else (1.0, 1.0)
            p[k] = p[k] - 0.1 * (m[k] / c1) / (np.sqrt(v[k] / c2) + 1e-8)
    return p


def test_counting_steps_from_zero_is_diagnosed_in_the_second_step(run: Any, write: Any) -> None:
    right, wrong = _adam_two_steps(False), _adam_two_steps(True)
    assert graded(run, write, ADAM, {"W1_step2": right["W1"]}, steps=2) == {"W1_step2": "right"}
    found = graded(run, write, ADAM, {"W1_step2": wrong["W1"]}, steps=2)
    assert found == {"W1_step2": "t_from_zero"}


def test_the_steps_and_the_loss_after_each_step_are_graded(run: Any, write: Any) -> None:
    ref = TORCH["adam"]  # 4 steps of Adam(lr=0.1), torch
    answers = {"W2_step4": ref["params"]["W2"], "loss_step4": ref["loss"][4]}
    assert graded(run, write, ADAM, answers, steps=4) == dict.fromkeys(answers, "right")
    assert graded(run, write, ADAM, {"loss_step4": ref["loss"][3]}, steps=4) == {
        "loss_step4": "unexplained"
    }


@pytest.mark.parametrize(
    ("convention", "given", "diagnosis"),
    [
        ("pytorch", -0.1 * G["W1"], "momentum_classic"),  # v₁ = −ηg
        ("pytorch", 0.1 * G["W1"], "momentum_ema"),  # v₁ = (1 − μ)g
        ("classic", G["W1"], "momentum_pytorch"),  # v₁ = g
        ("ema", G["W1"], "momentum_pytorch"),
    ],
)
def test_the_wrong_momentum_convention_is_diagnosed(
    run: Any, write: Any, convention: str, given: np.ndarray, diagnosis: str
) -> None:
    optimizer = f"{{name: sgd, learning_rate: 0.1, momentum: 0.9, convention: {convention}}}"
    right = {"pytorch": G["W1"], "classic": -0.1 * G["W1"], "ema": 0.1 * G["W1"]}[convention]
    assert graded(run, write, optimizer, {"velocity_W1": right}) == {"velocity_W1": "right"}
    assert graded(run, write, optimizer, {"velocity_W1": given}) == {"velocity_W1": diagnosis}


def test_adamws_decay_applied_as_l2_is_diagnosed(run: Any, write: Any) -> None:
    optimizer = "{name: adamw, learning_rate: 0.1, weight_decay: 0.5}"
    decoupled = 0.1 * G["W1"]  # m₁ = (1 − β₁)g: the decay is not in g
    as_l2 = 0.1 * (G["W1"] + 0.5 * START["W1"])
    assert graded(run, write, optimizer, {"m_W1": decoupled}) == {"m_W1": "right"}
    assert graded(run, write, optimizer, {"m_W1": as_l2}) == {"m_W1": "weight_decay_as_l2"}
    # Adam's own weight_decay is L2: there the same numbers are right.
    adam = "{name: adam, learning_rate: 0.1, weight_decay: 0.5}"
    assert graded(run, write, adam, {"m_W1": as_l2}) == {"m_W1": "right"}


def test_adagrad_and_rmsprop_state_is_graded(run: Any, write: Any) -> None:
    adagrad = "{name: adagrad, learning_rate: 0.1, initial_accumulator: 0.1}"
    assert graded(run, write, adagrad, {"G_b1": 0.1 + G["b1"] ** 2}) == {"G_b1": "right"}
    rmsprop = "{name: rmsprop, learning_rate: 0.01, alpha: 0.9, momentum: 0.5}"
    s = 0.1 * G["b1"] ** 2
    answers = {"s_b1": s, "velocity_b1": G["b1"] / (np.sqrt(s) + 1e-8)}
    assert graded(run, write, rmsprop, answers) == dict.fromkeys(answers, "right")
