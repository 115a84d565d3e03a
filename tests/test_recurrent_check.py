"""check on recurrent layers: the per-step quantities, and each BPTT mistake diagnosed as
itself and only where it was made.

The wrong answers are worked from the scalar RNN's own numbers (the ``rnn`` template:
w = 0.5, u = −0.8, b = 0.1, x = [1, −1, 2], h = [0.537, −0.6803, 0.9281], and what the
output sends to each hₜ, ∂ℓ/∂h = [0.7584, −0.7806, 0.8881]) the way a student makes the
mistake; the GRU's swapped gate from the ``gru`` template's forward pass.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from test_mistakes import graded, kinds

from backprop_cli import load, solve
from backprop_cli.author.starter import TEMPLATES
from backprop_cli.nn.layers.recurrent_cells import CELLS, Conventions
from backprop_cli.nn.layers.recurrent_time import unroll

RNN = TEMPLATES / "rnn.yaml"


def _scalar() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s = solve(load(str(RNN)))
    h = s.layers[0].layer.kind.named(s.layers[0].cache)["h"][0, :, 0]
    return h, s.layers[0].delta[:, 0], np.array([1.0, -1.0, 2.0])


def test_per_step_quantities_are_graded(run: Any, write: Any) -> None:
    h, _, _ = _scalar()
    data = graded(run, write, RNN, {"h1_t1": 0.537, "h1_t2": -0.6803, "h1_t3": 0.95})
    marks = {m["name"]: m["right"] for m in data["marks"]}
    assert marks == {"h1_t1": True, "h1_t2": True, "h1_t3": False}
    assert h[2] == np.float64(h[2]) and abs(h[2] - 0.9281) < 1e-4


def test_the_right_gradients_have_no_diagnosis(run: Any, write: Any) -> None:
    s = solve(load(str(RNN)))
    given = {
        "dW_hh1": float(s.gradients["W_hh1"][0, 0]),
        "dW_ih1": float(s.gradients["W_ih1"][0, 0]),
    }
    data = graded(run, write, RNN, given)
    assert data["passed"] and kinds(data) == {"dW_hh1": None, "dW_ih1": None}


def test_the_path_from_the_next_step_left_out(run: Any, write: Any) -> None:
    h, from_output, x = _scalar()
    delta = from_output * (1 - h**2)  # δₜ = ∂ℓₜ/∂hₜ·(1 − hₜ²), nothing from step t + 1
    h_prev = np.array([0.0, h[0], h[1]])
    wrong = {"dW_hh1": float(delta @ h_prev), "dW_ih1": float(delta @ x)}
    assert abs(wrong["dW_hh1"] - (-0.3089)) < 1e-3
    assert kinds(graded(run, write, RNN, wrong)) == {
        "dW_hh1": "bptt_next_step_left_out",
        "dW_ih1": "bptt_next_step_left_out",
    }


def test_the_last_step_only(run: Any, write: Any) -> None:
    s = solve(load(str(RNN)))
    h, _, _ = _scalar()
    delta_3 = 0.8881 * (1 - 0.9281**2)  # the last step's δ, as the full BPTT has it
    wrong = {"dW_hh1": round(delta_3 * h[1], 4)}  # δ₃·h₂ alone, not Σₜ δₜ hₜ₋₁
    assert abs(wrong["dW_hh1"] - float(s.gradients["W_hh1"][0, 0])) > 0.1
    assert kinds(graded(run, write, RNN, wrong)) == {"dW_hh1": "bptt_last_step_only"}


def test_tanh_prime_taken_at_h(run: Any, write: Any) -> None:
    h, from_output, x = _scalar()
    dh3 = from_output[2]
    d3 = dh3 * (1 - np.tanh(h[2]) ** 2)  # 1 − tanh²(h₃) instead of 1 − h₃²
    dh2 = from_output[1] + (-0.8) * d3
    d2 = dh2 * (1 - np.tanh(h[1]) ** 2)
    dh1 = from_output[0] + (-0.8) * d2
    d1 = dh1 * (1 - np.tanh(h[0]) ** 2)
    wrong = {"dW_ih1": float(d1 * x[0] + d2 * x[1] + d3 * x[2])}
    assert kinds(graded(run, write, RNN, wrong)) == {"dW_ih1": "tanh_prime_at_h"}


def test_the_gru_update_gate_swapped(run: Any, write: Any) -> None:
    path = TEMPLATES / "gru.yaml"
    s = solve(load(str(path)))
    kind = s.layers[0].layer.kind
    params = kind.full(s.layers[0].layer.params)
    x = s.layers[0].a_prev
    h0 = np.zeros((1, 2))
    swapped = unroll(CELLS["gru"], params, x, h0, None, Conventions(gru_swapped=True)).h
    right = s.layers[0].layer.kind.named(s.layers[0].cache)["h"]
    assert not np.allclose(swapped, right)
    wrong = {"h1_t2": swapped[0, 1].tolist()}
    assert kinds(graded(run, write, path, wrong)) == {"h1_t2": "gru_gates_swapped"}
    fine = {"h1_t2": right[0, 1].tolist()}
    assert kinds(graded(run, write, path, fine)) == {"h1_t2": None}


def test_the_rnn_template_key_passes_check(run: Any, write: Any, tmp_path: Any) -> None:
    out = run("generate", "--seed", "3", "--template", "lstm", "--out", str(tmp_path)).stdout
    assert "lstm-3-1.yaml" in out
    result = run(
        "check",
        str(tmp_path / "lstm-3-1.yaml"),
        "--answers",
        str(tmp_path / "lstm-3-1.answers.yaml"),
        "-f",
        "json",
    )
    assert json.loads(result.stdout)["passed"]
