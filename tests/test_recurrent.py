"""Recurrent networks solved end to end: PyTorch's numbers, the printed maths, the report,
the messages, and check's quantities and mistakes.

The PyTorch values are in ``data/recurrent_torch.json`` (torch 2.13.0, CPU, float64; its
``source`` field says how each case was made): ``networks`` are ``nn.RNN``/``LSTM``/``GRU``
(``batch_first``) then ``nn.Linear`` on every step's h, with ``F.mse_loss`` over all the
outputs or ``F.cross_entropy`` on the logits reshaped to (N·T, K); ``scalar_rnn`` is the
3-step scalar RNN with L = ½ Σₜ (ŷₜ − yₜ)², as the ``rnn`` template writes it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_formulas import checked
from test_networks import load_doc

from backprop_cli import load, solve
from backprop_cli.author.starter import TEMPLATES
from backprop_cli.errors import ProblemError, ProblemErrors
from backprop_cli.render import Format, RenderOptions, render
from backprop_cli.solve.pipeline import Options

DATA = json.loads((Path(__file__).parent / "data" / "recurrent_torch.json").read_text())
CASES = DATA["networks"]


def network(case: dict[str, Any]) -> dict[str, Any]:
    """The problem file of a network case, its numbers as torch had them."""
    ce = case["loss"] == "ce"
    samples = [{"input": x, "target": y} for x, y in zip(case["x"], case["target"], strict=True)]
    return {
        "samples": samples,
        "layers": [
            {
                "type": case["kind"],
                "weights_ih": case["weights_ih"],
                "weights_hh": case["weights_hh"],
                "bias_ih": case["bias_ih"],
                "bias_hh": case["bias_hh"],
                "return": case["return"],
            },
            {
                "weights": case["dense_weights"],
                "bias": case["dense_bias"],
                "activation": "softmax" if ce else "identity",
            },
        ],
        "loss": "cross_entropy" if ce else "mse",
    }


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['kind']}-{c['loss']}-{c['return']}")
def test_networks_match_torch(case: dict[str, Any]) -> None:
    s = solve(load_doc(network(case)))
    assert s.loss == pytest.approx(case["loss_value"], abs=1e-12)
    g = s.gradients
    for ours, theirs in (
        ("W_ih1", "dW_ih"),
        ("W_hh1", "dW_hh"),
        ("b_ih1", "db_ih"),
        ("b_hh1", "db_hh"),
        ("W2", "dW"),
        ("b2", "db"),
        ("x", "dx"),
    ):
        np.testing.assert_allclose(g[ours], case[theirs], atol=1e-12, err_msg=ours)
    np.testing.assert_allclose(s.layers[0].layer.kind.named(s.layers[0].cache)["h"], case["h"])
    if case["return"] == "sequence":  # one row per (sample, step) after the sequence
        expected = np.array(case["output"]).reshape(-1, case["K"])
        if case["loss"] == "ce":
            expected = np.exp(expected) / np.exp(expected).sum(axis=1, keepdims=True)
        np.testing.assert_allclose(s.output, expected, atol=1e-12)


def test_the_scalar_rnn_template_matches_torch_and_reads_as_a_model_answer(run: Any) -> None:
    ref = DATA["scalar_rnn"]
    s = solve(load(str(TEMPLATES / "rnn.yaml")))
    assert s.loss == pytest.approx(ref["loss_value"], abs=1e-12)
    g = s.gradients
    for ours, theirs in (("W_ih1", "dW_ih"), ("W_hh1", "dW_hh"), ("b1", "db_ih"), ("W2", "dW")):
        np.testing.assert_allclose(g[ours], ref[theirs], atol=1e-12)
    np.testing.assert_allclose(g["x"].ravel(), ref["dx"], atol=1e-12)
    out = run("solve", str(TEMPLATES / "rnn.yaml"), "-f", "plain").stdout
    for line in (
        "h₁⁽¹⁾ = tanh(a₁⁽¹⁾) = tanh(0.6) = 0.537",
        "∂L/∂h₃⁽¹⁾ = ∂ℓ₃/∂h₃⁽¹⁾ + 0 = 0.8881 + 0 = 0.8881",
        "∂L/∂h₂⁽¹⁾ = ∂ℓ₂/∂h₂⁽¹⁾ + W_hh⁽¹⁾ᵀδ₃⁽¹⁾ = −0.7806 + (−0.8·0.1232) = −0.8792",
        "∂L/∂h₁⁽¹⁾ = ∂ℓ₁/∂h₁⁽¹⁾ + W_hh⁽¹⁾ᵀδ₂⁽¹⁾ = 0.7584 + (−0.8·(−0.4723)) = 1.136",
    ):
        assert line in out, line


@pytest.mark.parametrize("case", CASES[:6], ids=lambda c: f"{c['kind']}-{c['loss']}")
def test_every_recurrent_step_evaluates_to_its_value(case: dict[str, Any]) -> None:
    small = dict(case, x=case["x"][:1], target=case["target"][:1])
    substitutions, _, wrong = checked(solve(load_doc(network(small))))
    assert wrong == []
    assert substitutions > 20


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
def test_the_templates_steps_evaluate_and_the_report_has_h_per_step(name: str) -> None:
    s = solve(load(str(TEMPLATES / f"{name}.yaml")))
    substitutions, _, wrong = checked(s)
    assert wrong == [] and substitutions > 10
    report = json.loads(render(Format.JSON, [s], RenderOptions()))
    layer = report["layers"][0]
    assert layer["kind"] == name
    steps = s.layers[0].layer.kind.steps
    assert len(layer["h"]) == (steps if not s.problem.batched else 1)  # one sample: T × H
    assert ("c" in layer) == (name == "lstm")
    names = set(report["gradients"])
    assert {"W_ih1", "W_hh1"} <= names
    assert ({"b_ih1", "b_hh1"} <= names) if name == "gru" else ("b1" in names)


def _error(doc: dict[str, Any]) -> str:
    with pytest.raises((ProblemError, ProblemErrors)) as caught:
        load_doc(doc)
    return str(caught.value)


def test_wrong_weight_shapes_say_the_gate_blocks() -> None:
    doc = network(CASES[3])  # an LSTM, D = 2, H = 2
    doc["layers"][0]["weights_hh"] = [[0.1, 0.2]] * 6
    message = _error(doc)
    assert "layers[0].weights_hh" in message
    assert "expected 8×2 (4·2 rows: 4 gates i, f, g, o, a block of 2 rows each" in message
    doc = network(CASES[6])  # a GRU, D = 2, H = 2
    doc["layers"][0]["weights_ih"] = [[0.1, 0.2, 0.3]] * 9
    message = _error(doc)
    assert (
        "expected 6×2 (3·2 rows: 3 gates r, z, n, a block of 2 rows each × 2 input features)"
        in (message)
    )
    assert message.endswith("got 9×3")


def test_a_sequence_target_needs_one_value_per_step() -> None:
    doc = network(CASES[0])
    doc["samples"][1]["target"] = doc["samples"][1]["target"][:2]
    assert "samples[1].target: expected 3 targets, one per time step" in _error(doc)


def test_bias_and_bias_ih_together_are_refused() -> None:
    doc = network(CASES[0])
    doc["layers"][0]["bias"] = 0.1
    assert "expected bias or bias_ih and bias_hh, got bias and bias_ih" in _error(doc)


def test_an_unknown_nonlinearity_gets_a_hint() -> None:
    doc = network(CASES[0])
    doc["layers"][0]["nonlinearity"] = "tanhh"
    message = _error(doc)
    assert "layers[0].nonlinearity" in message and "tanh" in message


def _insights(doc: dict[str, Any]) -> dict[str, str]:
    s = solve(load_doc(doc))
    return {i.kind: "".join(p for p in i.message if isinstance(p, str)) for i in s.insights}


def _sequence(layer: dict[str, Any], steps: int = 6) -> dict[str, Any]:
    return {
        "input": [1.0] * steps,
        "target": 0.5,
        "layers": [{**layer, "return": "last"}, {"weights": 1.0}],
        "loss": "mse",
    }


def test_the_gradient_vanishing_and_exploding_across_time() -> None:
    small = _insights(_sequence({"type": "rnn", "weights_ih": 0.5, "weights_hh": 0.1}))
    assert "vanishing_gradient" in small and "exploding_gradient" not in small
    assert "the product of ‖∂hₜ/∂hₜ₋₁‖ over the steps is" in small["vanishing_gradient"]
    relu = {"type": "rnn", "nonlinearity": "relu", "weights_ih": 0.5, "weights_hh": 3.0}
    big = _insights(_sequence(relu))
    assert "exploding_gradient" in big and "vanishing_gradient" not in big
    assert "3 · 3 · 3 · 3 · 3 = 243" in big["exploding_gradient"]
    middle = _insights(_sequence({"type": "rnn", "weights_ih": 0.5, "weights_hh": 0.9}, 3))
    assert not {"vanishing_gradient", "exploding_gradient"} & set(middle)


def test_an_open_forget_gate_carries_the_gradient_and_a_saturated_gate_is_named() -> None:
    lstm = {
        "type": "lstm",
        "weights_ih": [0.1, 0.1, 0.5, 0.1],
        "weights_hh": [0.1, 0.1, 0.1, 0.1],
        "bias": [0, 4, 0, 0],  # f = σ(4 + …) ≈ 0.98
    }
    found = _insights(_sequence(lstm, 3))
    assert "forget_gate_carries" in found and "saturated_gate" not in found
    lstm["bias"] = [0, 6, 0, 0]  # σ(6.2) > 0.99
    found = _insights(_sequence(lstm, 3))
    assert "Gate f of layer 1 is saturated (unit 1 at t = 1" in found["saturated_gate"]
    lstm["bias"] = [0, 0, 0, 0]
    assert not {"forget_gate_carries", "saturated_gate"} & set(_insights(_sequence(lstm, 3)))


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
def test_the_recurrent_formulas_themselves_evaluate(name: str) -> None:
    """Not only the substitutions: each step's formula, its symbols bound to the solution's
    values (hₜ, the gates, the blocks of W, ∂L/∂hₜ), gives the step's value."""
    _, formulas, wrong = checked(solve(load(str(TEMPLATES / f"{name}.yaml"))))
    assert wrong == []
    steps = solve(load(str(TEMPLATES / f"{name}.yaml"))).layers[0].layer.kind.steps
    assert formulas >= 3 * steps


@settings(max_examples=20, deadline=None)
@given(
    kind=st.sampled_from(["rnn", "lstm", "gru"]),
    steps=st.integers(1, 4),
    features=st.integers(1, 2),
    hidden=st.integers(1, 3),
    samples=st.integers(1, 2),
    returns=st.sampled_from(["sequence", "last"]),
    seed=st.integers(0, 10**6),
)
def test_random_recurrent_networks_pass_the_gradient_check_and_their_steps_evaluate(
    kind: str, steps: int, features: int, hidden: int, samples: int, returns: str, seed: int
) -> None:
    """Over random sizes and lengths, the whole pipeline's gradients (the recurrent layer's
    and the dense layer's above it, and ∂L/∂x) agree with finite differences."""
    rng = np.random.default_rng(seed)
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[kind]
    per_step = returns == "sequence"
    doc = {
        "samples": [
            {
                "input": rng.normal(size=(steps, features)).round(2).tolist(),
                "target": rng.normal(size=steps if per_step else 1).round(2).tolist(),
            }
            for _ in range(samples)
        ],
        "layers": [
            {
                "type": kind,
                "weights_ih": rng.normal(0, 0.7, (gates * hidden, features)).round(2).tolist(),
                "weights_hh": rng.normal(0, 0.7, (gates * hidden, hidden)).round(2).tolist(),
                "bias_ih": rng.normal(0, 0.3, gates * hidden).round(2).tolist(),
                "bias_hh": rng.normal(0, 0.3, gates * hidden).round(2).tolist(),
                "h0": rng.normal(0, 0.3, hidden).round(2).tolist(),
                "return": returns,
            },
            {"weights": rng.normal(0, 0.7, (1, hidden)).round(2).tolist(), "activation": "tanh"},
        ],
        "loss": "mse",
    }
    if not per_step:
        for sample in doc["samples"]:
            sample["target"] = sample["target"][0]
    s = solve(load_doc(doc), Options(gradient_check=True))
    assert s.gradient_check is not None and s.gradient_check.passed
    _, _, wrong = checked(s)
    assert wrong == []


def test_the_unrolled_picture_and_the_table_over_t(run: Any) -> None:
    out = run("solve", str(TEMPLATES / "rnn.yaml"), "-f", "plain").stdout
    assert "t = 0        t = 1" in out and "│ h₀ = 0 │" in out
    assert "│ h₂ = −0.6803     │" in out and "│ ∂L/∂h₂ = −0.8792 │" in out
    assert "│ h₁ ─−0.8─▶       │" in out  # the recurrence, labelled by W_hh
    table = [line.split() for line in out.splitlines() if line.startswith("  2  −1 ")]
    assert table == [["2", "−1", "−0.6803", "−0.8204"]]  # t, xₜ, hₜ, ŷₜ
    latex = run("solve", str(TEMPLATES / "lstm.yaml"), "-f", "latex").stdout
    assert r"\begin{tikzpicture}" in latex and "The network unrolled through time" in latex


def test_sse_over_sequences_sums_each_samples_steps_then_averages_over_the_samples() -> None:
    """SPEC: a sample's T×K outputs count as T·K outputs, summed by SSE, then the mean over
    the N samples: with N = 2, T = 3, K = 2 that is (12/2)·MSE, every gradient too."""
    case = CASES[0]
    assert (case["N"], case["T"], case["K"], case["loss"]) == (2, 3, 2, "mse")
    doc = network(case)
    doc["loss"] = "sse"
    s = solve(load_doc(doc), Options(gradient_check=True))
    assert s.loss == pytest.approx(6 * case["loss_value"], abs=1e-12)
    np.testing.assert_allclose(s.gradients["W_hh1"], 6 * np.array(case["dW_hh"]), atol=1e-12)
    assert s.gradient_check is not None and s.gradient_check.passed
    _, _, wrong = checked(s)
    assert wrong == []
    doc["loss"] = {"name": "sse", "reduction": "sum"}  # summed over the samples too: 12·MSE
    assert solve(load_doc(doc)).loss == pytest.approx(12 * case["loss_value"], abs=1e-12)


def test_the_tables_after_a_sequence_number_their_rows_by_step_and_sample() -> None:
    rnn = {"type": "rnn", "weights_ih": 0.5, "weights_hh": -0.8, "bias": 0.1}
    layers = [rnn, {"weights": 1.5, "bias": 0.2}]
    loss = {"name": "sse", "scale": 0.5}
    one = load_doc({"input": [1, -1, 2], "target": [0.5, -0.3, 1], "layers": layers, "loss": loss})
    text = render(Format.PLAIN, [solve(one)], RenderOptions())
    assert "  t  neuron  weighted sum Σ w·a + b  z        a = z" in text
    samples = [{"input": [1, -1], "target": [0.5, -0.3]}, {"input": [2, 0], "target": [1, 0]}]
    two = load_doc({"samples": samples, "layers": layers, "loss": loss})
    text = render(Format.PLAIN, [solve(two)], RenderOptions())
    assert "sample, t  neuron" in text
    assert "\n  2, 1       1       1.5·" in text  # sample 2 at step 1
