"""The recurrent cells and the loop through time against PyTorch and finite differences.

``data/recurrent_torch.json`` was produced with torch 2.13.0 (CPU) in float64:
``torch.nn.RNNCell``/``LSTMCell``/``GRUCell`` unrolled by hand (checked equal to
``torch.nn.RNN``/``LSTM``/``GRU`` with ``batch_first=True``), ``retain_grad()`` on every hₜ
and cₜ, loss ``(output * upstream).sum()``; its ``source`` field says the same.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_cli.nn.layers.recurrent_cells import CELLS, Conventions, RnnCell
from backprop_cli.nn.layers.recurrent_time import through_time, unroll

DATA = json.loads((Path(__file__).parent / "data" / "recurrent_torch.json").read_text())
LAYERS = DATA["layers"]
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def _cell(case: dict) -> object:
    return RnnCell(case["nonlinearity"]) if case["kind"] == "rnn" else CELLS[case["kind"]]


def _params(case: dict) -> dict[str, np.ndarray]:
    return {
        "W_ih": np.array(case["weights_ih"]),
        "W_hh": np.array(case["weights_hh"]),
        "b_ih": np.array(case["bias_ih"]),
        "b_hh": np.array(case["bias_hh"]),
    }


def _upstream(case: dict) -> np.ndarray:
    """∂ℓ/∂hₜ: the upstream of every step, or of the last alone (``return: last``)."""
    up = np.array(case["upstream"])
    if case["return"] == "sequence":
        return up
    full = np.zeros((case["N"], case["T"], case["H"]))
    full[:, -1] = up
    return full


def _run(case: dict):
    cell, params = _cell(case), _params(case)
    c0 = np.array(case["c0"]) if case["kind"] == "lstm" else None
    u = unroll(cell, params, np.array(case["x"]), np.array(case["h0"]), c0)  # type: ignore[arg-type]
    return u, through_time(cell, params, u, _upstream(case))  # type: ignore[arg-type]


def test_the_reference_file_names_its_source_and_covers_every_kind() -> None:
    assert DATA["source"].startswith("torch 2.13.0")
    assert {case["kind"] for case in LAYERS} == {"rnn", "lstm", "gru"}
    assert {case["nonlinearity"] for case in LAYERS} == {"tanh", "relu"}
    assert {case["T"] for case in LAYERS} >= {1, 3, 4}


@pytest.mark.parametrize("case", LAYERS, ids=lambda c: f"{c['kind']}-T{c['T']}-N{c['N']}")
def test_forward_and_backward_match_torch(case: dict) -> None:
    u, back = _run(case)
    np.testing.assert_allclose(u.h, case["h"], atol=1e-12)
    if case["kind"] == "lstm":
        np.testing.assert_allclose(u.c, case["c"], atol=1e-12)
    for ours, theirs in (
        ("W_ih", "dW_ih"),
        ("W_hh", "dW_hh"),
        ("b_ih", "db_ih"),
        ("b_hh", "db_hh"),
    ):
        np.testing.assert_allclose(back.grads[ours], case[theirs], atol=1e-12)
    np.testing.assert_allclose(back.dx, case["dx"], atol=1e-12)
    np.testing.assert_allclose(back.dh0, case["dh0"], atol=1e-12)


@pytest.mark.parametrize("case", LAYERS, ids=lambda c: f"{c['kind']}-T{c['T']}-N{c['N']}")
def test_each_steps_sum_is_the_gradient_autograd_saw_at_h_t(case: dict) -> None:
    """∂L/∂hₜ = from the output + from step t + 1, against ``h_t.grad`` of every step."""
    _, back = _run(case)
    for t, expected in enumerate(case["dh"]):
        np.testing.assert_allclose(back.dh[:, t], expected, atol=1e-12)
    np.testing.assert_allclose(back.dh, back.from_output + back.from_next, atol=0)
    assert not back.from_next[:, -1].any()  # nothing comes after the last step
    if case["kind"] == "lstm":
        for t, expected in enumerate(case["dc"]):
            np.testing.assert_allclose(back.dc[:, t], expected, atol=1e-12)  # type: ignore[index]
        np.testing.assert_allclose(back.dc0, case["dc0"], atol=1e-12)


def test_the_per_step_terms_add_up_to_the_gradients() -> None:
    case = next(c for c in LAYERS if c["kind"] == "gru" and c["T"] == 4)
    _, back = _run(case)
    assert back.dW_ih.shape == (4, 3 * case["H"], case["D"])
    np.testing.assert_allclose(back.dW_ih.sum(axis=0), case["dW_ih"], atol=1e-12)
    np.testing.assert_allclose(back.dW_hh.sum(axis=0), case["dW_hh"], atol=1e-12)
    np.testing.assert_allclose(back.db_hh.sum(axis=0), case["db_hh"], atol=1e-12)


def _loss(kind: str, params: dict, x: np.ndarray, h0: np.ndarray, c0, up: np.ndarray) -> float:
    return float(np.sum(unroll(CELLS[kind], params, x, h0, c0).h * up))


@settings(max_examples=25, deadline=None)
@given(
    kind=st.sampled_from(["rnn", "lstm", "gru"]),
    d=st.integers(1, 3),
    h=st.integers(1, 3),
    t=st.integers(1, 5),
    n=st.integers(1, 3),
    seed=st.integers(0, 10**6),
)
def test_gradients_match_finite_differences(kind: str, d: int, h: int, t: int, n: int, seed: int):
    rng = np.random.default_rng(seed)
    g = GATES[kind]
    params = {
        "W_ih": rng.normal(0, 0.8, (g * h, d)),
        "W_hh": rng.normal(0, 0.8, (g * h, h)),
        "b_ih": rng.normal(0, 0.5, g * h),
        "b_hh": rng.normal(0, 0.5, g * h),
    }
    x, h0, up = rng.normal(size=(n, t, d)), rng.normal(size=(n, h)), rng.normal(size=(n, t, h))
    c0 = rng.normal(size=(n, h)) if kind == "lstm" else None
    cell = CELLS[kind]
    back = through_time(cell, params, unroll(cell, params, x, h0, c0), up)
    eps = 1e-6
    for name in params:
        numeric = np.zeros_like(params[name])
        for idx in np.ndindex(params[name].shape):
            plus, minus = dict(params), dict(params)
            plus[name], minus[name] = params[name].copy(), params[name].copy()
            plus[name][idx] += eps
            minus[name][idx] -= eps
            numeric[idx] = (
                _loss(kind, plus, x, h0, c0, up) - _loss(kind, minus, x, h0, c0, up)
            ) / (2 * eps)
        np.testing.assert_allclose(back.grads[name], numeric, atol=1e-6)
    numeric_x = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        numeric_x[idx] = (
            _loss(kind, params, xp, h0, c0, up) - _loss(kind, params, xm, h0, c0, up)
        ) / (2 * eps)
    np.testing.assert_allclose(back.dx, numeric_x, atol=1e-6)


def test_forgetting_the_next_step_keeps_only_the_output_gradient() -> None:
    case = next(c for c in LAYERS if c["kind"] == "rnn" and c["T"] == 3)
    u, right = _run(case)
    wrong = through_time(_cell(case), _params(case), u, _upstream(case), next_path=False)  # type: ignore[arg-type]
    np.testing.assert_allclose(wrong.dh, wrong.from_output)
    assert not np.allclose(wrong.grads["W_hh"], right.grads["W_hh"])
    np.testing.assert_allclose(wrong.dh[:, -1], right.dh[:, -1])  # the last step has no next


def test_the_swapped_gru_keeps_the_new_candidate_where_pytorch_keeps_the_old_state() -> None:
    params = {
        "W_ih": np.zeros((3, 1)),
        "W_hh": np.zeros((3, 1)),
        "b_ih": np.array([0.0, 50.0, 0.0]),  # z ≈ 1
        "b_hh": np.zeros(3),
    }
    x, h0 = np.ones((1, 1, 1)), np.full((1, 1), 0.7)
    pytorch = unroll(CELLS["gru"], params, x, h0, None).h
    swapped = unroll(CELLS["gru"], params, x, h0, None, Conventions(gru_swapped=True)).h
    assert pytorch[0, 0, 0] == pytest.approx(0.7)  # z = 1 keeps hₜ₋₁
    assert swapped[0, 0, 0] == pytest.approx(0.0)  # … in the Specialization's reading z = 1 takes n
