"""regularization (SPEC section 5): the penalty, its gradient share, the report and check.

Reference values: torch 2.13 (CPU, float64): the network of `TWO_LAYER` trained by
torch.optim.SGD(lr=0.5) with weight_decay=0.01 on the weights only (the biases in a
group with weight_decay=0), the loss mean((ŷ − y)²) + 0.005·(ΣW1² + ΣW2²).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backprop_cli import load, solve
from backprop_cli.nn.regularizers import REGULARIZERS

TWO_LAYER = """
samples:
  - {input: [1.0, 2.0], target: 0.5}
  - {input: [0.5, -1.0], target: 0.1}
layers:
  - {weights: [[0.1, 0.2], [0.3, -0.4]], bias: [0.1, 0.1], activation: sigmoid}
  - {weights: [[0.5, 0.6]], bias: 0.2}
loss: mse
regularization: {name: l2, lambda: 0.01}
learning_rate: 0.5
steps: 2
"""


def _solve(write: Any, text: str) -> Any:
    return solve(load(str(write(text))))


def test_l2_with_sgd_is_torch_weight_decay_on_the_weights(write: Any) -> None:
    s = _solve(write, TWO_LAYER)
    g = s.gradients  # torch: W.grad + 0.01·W at the start (the data loss's grad + weight decay)
    np.testing.assert_allclose(
        g["W1"],
        [[0.07724907674455483, -0.02987598350671667], [0.09089099839162088, -0.027774468003715146]],
        rtol=1e-12,
    )
    np.testing.assert_allclose(g["W2"], [[0.5349612880487874, 0.5966380266786984]], rtol=1e-12)
    np.testing.assert_allclose(g["b1"], [0.12234261099351142, 0.1377801145883601], rtol=1e-12)
    np.testing.assert_allclose(g["b2"], [1.0015731364074205], rtol=1e-12)
    assert s.update is not None
    np.testing.assert_allclose(
        s.update.loss_history,
        [0.3115872754270921, 0.15281578073440474, 0.08035237526491701],
        rtol=1e-12,
    )
    p = s.update.params
    np.testing.assert_allclose(
        p["W1"],
        [[0.0771740875750439, 0.2401737603147232], [0.2742586743749056, -0.34938109623769525]],
        rtol=1e-12,
    )
    np.testing.assert_allclose(p["b1"], [0.056409334756401266, 0.053875085335311275], rtol=1e-12)
    np.testing.assert_allclose(p["W2"], [[0.42484435579249635, 0.43516937902810826]], rtol=1e-12)
    np.testing.assert_allclose(p["b2"], [0.020017431428227705], rtol=1e-12)


def test_the_report_carries_data_penalty_and_their_sum(write: Any, run: Any) -> None:
    data = json.loads(run("solve", str(write(TWO_LAYER)), "--format", "json").stdout)
    loss = data["loss"]
    assert set(loss) == {"name", "scale", "value", "data", "penalty"}
    assert loss["penalty"] == pytest.approx(0.005 * (0.01 + 0.04 + 0.09 + 0.16 + 0.25 + 0.36))
    assert loss["value"] == pytest.approx(loss["data"] + loss["penalty"], rel=1e-15)
    assert loss["value"] == pytest.approx(0.3115872754270921, rel=1e-12)
    plain = json.loads(run("solve", "ex1", "--format", "json").stdout)
    assert "penalty" not in plain["loss"] and "data" not in plain["loss"]


def test_the_worked_solution_shows_data_penalty_sum_and_the_gradient_share(
    write: Any, run: Any
) -> None:
    text = run("solve", str(write(TWO_LAYER)), "--format", "plain").stdout
    assert "R = (0.01/2)·(w₁₁⁽¹⁾² + w₁₂⁽¹⁾² + w₂₁⁽¹⁾² + w₂₂⁽¹⁾² + w₁₁⁽²⁾² + w₁₂⁽²⁾²)" in text
    assert "= (0.01/2)·(0.1² + 0.2² + 0.3² + (−0.4)² + 0.5² + 0.6²)" in text
    assert "L = L_data + R = 0.307 + 0.00455 = 0.3116" in text
    assert "∂L/∂W⁽²⁾ = ∂L_data/∂W⁽²⁾ + 0.01·W⁽²⁾" in text
    assert "∂L/∂b⁽²⁾ = ∂L_data" not in text  # biases are not penalised by default
    flat = " ".join(text.split())
    assert "L2 regularization, λ = 0.01: R = (λ/2)·Σ w² over the weights W (not the biases)" in flat


@pytest.mark.parametrize(("setting", "factor"), [("half: false", 2.0), ("include_bias: true", 1.0)])
def test_half_false_doubles_the_share_and_include_bias_covers_b(
    write: Any, setting: str, factor: float
) -> None:
    base = _solve(write, TWO_LAYER.replace("regularization: {name: l2, lambda: 0.01}", ""))
    s = _solve(write, TWO_LAYER.replace("lambda: 0.01}", f"lambda: 0.01, {setting}}}"))
    W1 = np.array([[0.1, 0.2], [0.3, -0.4]])
    np.testing.assert_allclose(s.gradients["W1"], base.gradients["W1"] + factor * 0.01 * W1)
    bias_share = s.gradients["b1"] - base.gradients["b1"]
    expected = 0.01 * np.array([0.1, 0.1]) if "bias" in setting else np.zeros(2)
    np.testing.assert_allclose(bias_share, expected, atol=1e-15)


def test_l1_uses_sign_with_sign_zero_zero(write: Any) -> None:
    doc = TWO_LAYER.replace("{name: l2, lambda: 0.01}", "{name: l1, lambda: 0.1}")
    doc = doc.replace("[0.3, -0.4]]", "[0.0, -0.4]]")
    base = _solve(write, doc.replace("regularization: {name: l1, lambda: 0.1}", ""))
    s = _solve(write, doc)
    share = s.gradients["W1"] - base.gradients["W1"]
    np.testing.assert_allclose(share, [[0.1, 0.1], [0.0, -0.1]], atol=1e-15)
    assert s.penalty == pytest.approx(0.1 * (0.1 + 0.2 + 0.4 + 0.5 + 0.6))


def test_the_gradient_check_skips_an_l1_weight_at_zero(write: Any, run: Any) -> None:
    doc = TWO_LAYER.replace("{name: l2, lambda: 0.01}", "{name: l1, lambda: 0.1}")
    doc = doc.replace("[0.3, -0.4]]", "[0.0, -0.4]]")
    result = run("solve", str(write(doc)), "--check", "--format", "json")
    assert result.exit_code == 0
    check = json.loads(result.stdout)["gradient_check"]
    assert check["passed"] and check["at_kink"] == 1


def test_batch_norm_gamma_and_beta_are_never_penalised(write: Any) -> None:
    doc = """
        samples:
          - {input: [1.0, 2.0], target: 0.5}
          - {input: [0.5, -1.0], target: 0.1}
        layers:
          - {weights: [[0.1, 0.2], [0.3, -0.4]]}
          - {type: batch_norm, gamma: [1.5, 0.5], beta: [0.1, 0.2]}
          - {weights: [[0.5, 0.6]]}
        loss: mse
        regularization: {name: l2, lambda: 0.3, include_bias: true}
        """
    s = _solve(write, doc)
    base = _solve(
        write, doc.replace("regularization: {name: l2, lambda: 0.3, include_bias: true}", "")
    )
    for name in ("gamma2", "beta2"):
        np.testing.assert_array_equal(s.gradients[name], base.gradients[name])
    assert s.penalty == pytest.approx(0.15 * (0.01 + 0.04 + 0.09 + 0.16 + 0.25 + 0.36))


@pytest.mark.parametrize("name", sorted(REGULARIZERS))
@given(
    theta=hnp.arrays(
        float,
        hnp.array_shapes(min_dims=1, max_dims=2, max_side=5),
        elements=st.floats(-3, 3).filter(lambda v: abs(v) > 1e-3),
    ),
    strength=st.floats(0, 2),
    half=st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_each_penalty_gradient_matches_finite_differences(
    name: str, theta: np.ndarray, strength: float, half: bool
) -> None:
    reg = REGULARIZERS[name](strength, **({"half": half} if name == "l2" else {}))
    h = 1e-6
    numeric = np.zeros_like(theta)
    for index in np.ndindex(*theta.shape):
        plus, minus = theta.copy(), theta.copy()
        plus[index] += h
        minus[index] -= h
        numeric[index] = (reg.penalty(plus) - reg.penalty(minus)) / (2 * h)
    np.testing.assert_allclose(reg.grad(theta), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("{name: l2, lambda: -0.1}", "regularization.lambda: expected λ: a number ≥ 0"),
        ("{name: l22, lambda: 0.1}", "did you mean 'l2'"),
        ("{name: ridge, lambda: 0.1}", "ridge regression's penalty is l2"),
        ("{name: l2, lambda: 0.1, halve: false}", "unknown key 'halve' (did you mean 'half'?)"),
        ("{name: l1, lambda: 0.1, half: false}", "unknown key 'half'"),
        ("{name: l2}", "regularization.lambda: expected the penalty's strength"),
        ("{name: l2, lambda: 0.1, include_bias: yes please}", "expected true or false"),
        ("l2", "expected a penalty: {name: l2 or l1, lambda: λ}"),
    ],
)
def test_bad_regularization_is_one_clear_error(
    write: Any, run: Any, setting: str, message: str
) -> None:
    doc = TWO_LAYER.replace("{name: l2, lambda: 0.01}", setting)
    result = run("solve", str(write(doc)))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def _check(write: Any, run: Any, answers: str) -> Any:
    problem = write(TWO_LAYER.replace("steps: 2\n", ""))
    path = write(answers, "answers.yaml")
    return run("check", str(problem), "--answers", str(path), "--format", "plain")


def test_check_grades_the_data_loss_and_the_penalty(write: Any, run: Any) -> None:
    s = _solve(write, TWO_LAYER.replace("steps: 2\n", ""))
    assert s.loss_data is not None and s.penalty is not None
    result = _check(
        write,
        run,
        f"answers:\n  loss_data: {s.loss_data}\n  penalty: {s.penalty}\n  loss: {s.loss}\n",
    )
    assert result.exit_code == 0, result.stdout


def test_l2_half_forgotten_fires_and_does_not(write: Any, run: Any) -> None:
    wrong = _check(write, run, "answers:\n  penalty: 0.0091\n")
    assert wrong.exit_code == 1 and "L2's ½ forgotten" in wrong.stdout
    other = _check(write, run, "answers:\n  penalty: 0.007\n")
    assert other.exit_code == 1 and "½" not in other.stdout
    s = _solve(write, TWO_LAYER.replace("steps: 2\n", ""))
    doubled = s.gradients["W2"] + 0.01 * np.array([[0.5, 0.6]])
    fired = _check(write, run, f"answers:\n  dW2: {doubled.tolist()}\n")
    assert "L2's ½ forgotten" in fired.stdout


def test_the_penalty_left_out_of_the_gradient_fires_and_does_not(write: Any, run: Any) -> None:
    s = _solve(write, TWO_LAYER.replace("steps: 2\n", ""))
    data_only = s.layers[0].data_grads["W"].tolist()
    fired = _check(write, run, f"answers:\n  dW1: {data_only}\n")
    assert fired.exit_code == 1 and "regularization left out of the gradient" in fired.stdout
    right = _check(write, run, f"answers:\n  dW1: {s.gradients['W1'].tolist()}\n")
    assert right.exit_code == 0 and "left out" not in right.stdout
