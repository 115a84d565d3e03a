"""upstream: (SPEC section 5, "Exercises that give the upstream gradient").

Reference values: torch 2.13 (CPU, float64). For the neuron,
``f = torch.sigmoid(x @ w.T + b); f.backward(torch.ones_like(f))``; for `TWO_LAYER`,
``out = torch.sigmoid(torch.tanh(X @ W1.T + b1) @ W2.T + b2); out.backward(G)`` with G the
samples' upstream rows, then three steps of ``torch.optim.SGD(lr=0.1)``, each
``opt.zero_grad(); fwd(X).backward(G); opt.step()`` (the same G every step).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_formulas import checked

from backprop_cli import load, solve

ROOT = Path(__file__).resolve().parent.parent
NEURON = str(ROOT / "examples" / "sigmoid-neuron-upstream.yaml")

TWO_LAYER = """
samples:
  - {input: [0.5, -1.0], upstream: [0.3, -0.7]}
  - {input: [1.5, 0.25], upstream: [-0.2, 0.4]}
layers:
  - weights: [[0.1, -0.4], [0.7, 0.2], [-0.3, 0.5]]
    bias: [0.05, -0.1, 0.2]
    activation: tanh
  - weights: [[0.6, -0.2, 0.3], [-0.5, 0.4, 0.9]]
    bias: [0.1, -0.05]
    activation: sigmoid
"""

TORCH_GRADIENTS = {  # out.backward(G), torch 2.13 float64
    "W1": [
        [-0.07009338109290597, -0.1168624869686567],
        [-0.0074920882624171375, 0.08310937919205814],
        [0.06107648092213866, 0.11721818021292944],
    ],
    "b1": [0.017997391140014918, -0.05690737816620281, -0.02515235634477299],
    "W2": [
        [0.029179264324964507, -0.03437811768673936, -0.024972201074826766],
        [-0.06316045871430065, 0.06809208809307196, 0.05433486262457772],
    ],
    "b2": [0.023935132584167983, -0.05841291161351683],
    "x": [
        [-0.015157833878738678, -0.10381209063819782],
        [-0.015331884820169905, 0.0726554803765648],
    ],
}

TORCH_AFTER_3_SGD_STEPS = {  # torch.optim.SGD(lr=0.1), 3 steps, the same G each step
    "W1": [
        [0.12053270027003345, -0.3648595191893566],
        [0.7023333146790851, 0.17537650160215848],
        [-0.31780842032810785, 0.46457545499913067],
    ],
    "b1": [0.044169473555014396, -0.08305222046357057, 0.2081009351327597],
    "W2": [
        [0.5915830169701769, -0.18997475653321588, 0.30715455805528963],
        [-0.4815895792232336, 0.3802101368657001, 0.8842578655778481],
    ],
    "b2": [0.09279624082901769, -0.03208244792168023],
}


def _solve(write: Any, text: str) -> Any:
    return solve(load(str(write(text))))


# --- the numbers -------------------------------------------------------------------


def test_the_cs231n_sigmoid_neuron_gives_the_circuits_gradients() -> None:
    s = solve(load(NEURON))
    sigma = 1 / (1 + math.exp(-1))  # w·x + b = 2·(−1) + (−3)·(−2) + (−3) = 1
    prime = sigma * (1 - sigma)  # σ′(1) = 0.1966
    assert s.output[0, 0] == pytest.approx(0.7310585786300049, rel=1e-15)
    np.testing.assert_allclose(s.gradients["W1"], [[-prime, -2 * prime]], rtol=1e-14)
    np.testing.assert_allclose(s.gradients["b1"], [prime], rtol=1e-14)
    np.testing.assert_allclose(s.gradients["x"], [[2 * prime, -3 * prime]], rtol=1e-14)
    # torch: w.grad, b.grad, x.grad after f.backward(1)
    np.testing.assert_allclose(
        s.gradients["W1"], [[-0.19661193324148185, -0.3932238664829637]], rtol=1e-14
    )
    np.testing.assert_allclose(
        s.gradients["x"], [[0.3932238664829637, -0.5898357997244456]], rtol=1e-14
    )
    assert round(float(s.gradients["W1"][0, 0]), 3) == -0.197
    assert round(float(s.gradients["b1"][0]), 3) == 0.197


def test_a_vector_upstream_through_two_layers_matches_torch(write: Any) -> None:
    s = _solve(write, TWO_LAYER)
    for name, want in TORCH_GRADIENTS.items():
        np.testing.assert_allclose(s.gradients[name], want, rtol=1e-12, atol=1e-15)


def _output(params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    a1 = np.tanh(x @ params["W1"].T + params["b1"])
    return 1 / (1 + np.exp(-(a1 @ params["W2"].T + params["b2"])))


def test_the_gradients_are_finite_differences_of_the_upstream_times_the_output(
    write: Any,
) -> None:
    """L = Σ upstream ⊙ output: its central differences, computed here from the numbers alone."""
    s = _solve(write, TWO_LAYER)
    g = np.array([[0.3, -0.7], [-0.2, 0.4]])
    x = np.array([[0.5, -1.0], [1.5, 0.25]])
    params = {name: np.array(value, dtype=float) for name, value in s.params.items()}

    def loss(p: dict[str, np.ndarray], inputs: np.ndarray) -> float:
        return float(np.sum(g * _output(p, inputs)))

    h = 1e-6
    for name, theta in params.items():
        numeric = np.zeros_like(theta)
        for index in np.ndindex(*theta.shape):
            up = {**params, name: theta.copy()}
            down = {**params, name: theta.copy()}
            up[name][index] += h
            down[name][index] -= h
            numeric[index] = (loss(up, x) - loss(down, x)) / (2 * h)
        np.testing.assert_allclose(s.gradients[name], numeric, rtol=1e-7, atol=1e-10)
    numeric_x = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[index] += h
        down[index] -= h
        numeric_x[index] = (loss(params, up) - loss(params, down)) / (2 * h)
    np.testing.assert_allclose(s.gradients["x"], numeric_x, rtol=1e-7, atol=1e-10)


def test_the_gradient_check_passes(write: Any, run: Any) -> None:
    result = run("solve", str(write(TWO_LAYER)), "--check", "--format", "json")
    assert result.exit_code == 0
    check = json.loads(result.stdout)["gradient_check"]
    assert check["passed"] is True and check["checked"] == 21
    assert check["max_rel_error"] < 1e-6


def test_steps_reuse_the_same_upstream_as_torch_does(write: Any) -> None:
    s = _solve(write, TWO_LAYER + "learning_rate: 0.1\nsteps: 3\n")
    assert s.update is not None and s.update.steps == 3
    for name, want in TORCH_AFTER_3_SGD_STEPS.items():
        np.testing.assert_allclose(s.update.params[name], want, rtol=1e-12)


def test_upstream_beside_samples_is_one_row_per_sample(write: Any) -> None:
    beside = """
    samples:
      - {input: [0.5, -1.0]}
      - {input: [1.5, 0.25]}
    upstream: [[0.3, -0.7], [-0.2, 0.4]]
    layers:
      - weights: [[0.1, -0.4], [0.7, 0.2], [-0.3, 0.5]]
        bias: [0.05, -0.1, 0.2]
        activation: tanh
      - weights: [[0.6, -0.2, 0.3], [-0.5, 0.4, 0.9]]
        bias: [0.1, -0.05]
        activation: sigmoid
    """
    s = _solve(write, beside)
    np.testing.assert_allclose(s.gradients["W2"], TORCH_GRADIENTS["W2"], rtol=1e-12)


def test_every_printed_formula_evaluates_to_its_value(write: Any) -> None:
    for solution in (solve(load(NEURON)), _solve(write, TWO_LAYER + "learning_rate: 0.1\n")):
        substitutions, formulas, wrong = checked(solution)
        assert wrong == []
        assert substitutions > 0 and formulas > 0


# --- the report and the worked solution ----------------------------------------------


def test_the_report_has_no_loss_and_carries_the_upstream(run: Any) -> None:
    report = json.loads(run("solve", NEURON, "--format", "json").stdout)
    assert report["loss"] is None
    assert report["target"] is None
    assert report["upstream"] == [1.0]
    assert report["update"] is None
    assert report["gradients"]["b1"] == [0.19661193324148185]
    given = [step for step in report["steps"] if step["phase"] == "loss"]
    assert [(step["symbol"], step["value"]) for step in given] == [("upstream", [1.0])]
    assert not any(i["kind"] == "no_cancellation" for i in report["insights"])


def test_the_worked_solution_starts_the_backward_pass_from_the_given_gradient(run: Any) -> None:
    text = run("solve", NEURON, "--format", "plain").stdout
    assert "\nLoss\n----" not in text
    assert "Given: the upstream gradient\n----------------------------\n" in text
    assert "  ∂L/∂ŷ = 1\n" in text
    assert "δ = ∂L/∂ŷ·σ′(z) = ∂L/∂ŷ·ŷ(1 − ŷ) = 1·0.7311(1 − 0.7311) = 0.1966" in text
    assert "every gradient below is the output's own (a circuit's ∂ŷ/∂θ)" in text
    assert "No loss is given: the exercise gives the upstream gradient ∂L/∂ŷ" in text
    assert "(the given upstream gradient times the activation's derivative)" in " ".join(
        text.split()
    )
    answers = text.split("Final answers\n-------------\n")[1]
    assert "L =" not in answers
    assert "  ∂L/∂W = [−0.1966, −0.3932]\n" in answers


@pytest.mark.parametrize(
    ("fmt", "given"),
    [
        ("markdown", "## Given: the upstream gradient"),
        ("latex", "\\section{Given: the upstream gradient}"),
        ("html", "Given: the upstream gradient"),
        ("rich", "Given: the upstream gradient"),
    ],
)
def test_every_format_shows_the_given_gradient(run: Any, fmt: str, given: str) -> None:
    result = run("solve", NEURON, "--format", fmt)
    assert result.exit_code == 0
    assert given in result.stdout


def test_several_steps_say_which_loss_they_follow(write: Any, run: Any) -> None:
    path = write(TWO_LAYER + "learning_rate: 0.1\nsteps: 3\n")
    text = run("solve", str(path), "--format", "plain").stdout
    assert "Training: 3 steps" in text
    assert "steps taken  Σ ∂L/∂ŷ ⊙ ŷ" in text
    report = json.loads(run("solve", str(path), "--format", "json").stdout)
    assert report["loss"] is None
    assert len(report["update"]["loss_history"]) == 4


# --- check -----------------------------------------------------------------------------


def test_check_grades_the_gradients_and_says_there_is_no_loss(write: Any, run: Any) -> None:
    right = write(
        "answers:\n  dW1: [[-0.1966, -0.3932]]\n  db1: 0.1966\n  dx: [0.3932, -0.59]\n",
        "answers.yaml",
    )
    result = run("check", NEURON, "--answers", str(right), "--format", "plain")
    assert result.exit_code == 0
    assert "Result: 3 of 3 right." in result.stdout
    asked = write("answers:\n  loss: 0.73\n", "loss.yaml")
    result = run("check", NEURON, "--answers", str(asked))
    assert result.exit_code == 2
    assert "answers.loss: unknown quantity 'loss'; the problem gives the upstream gradient" in (
        result.stderr
    )


# --- errors ----------------------------------------------------------------------------

LAYER = "layers: [{weights: [[1, 2], [3, 4]], activation: sigmoid}]\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "input: [1, 2]\n" + LAYER + "upstream: [1, 2]\nloss: mse\n",
            "p.yaml:4: loss: expected either upstream (the gradient ∂L/∂ŷ the exercise gives) "
            "or loss and target, got both ('loss' beside 'upstream'; upstream replaces the loss "
            "and the targets)",
        ),
        (
            "input: [1, 2]\n" + LAYER + "upstream: [1, 2]\ntarget: [0, 1]\n",
            "p.yaml:4: target: expected either upstream (the gradient ∂L/∂ŷ the exercise gives) "
            "or loss and target, got both ('target' beside 'upstream'; upstream replaces the "
            "loss and the targets)",
        ),
        (
            "input: [1, 2]\n" + LAYER + "upstream: 1\n",
            "p.yaml:3: upstream: expected the output's shape, 2 values (one per output of "
            "layer 1), got a number",
        ),
        (
            "input: [1, 2]\n" + LAYER + "upstream: [1, 2, 3]\n",
            "p.yaml:3: upstream: expected the output's shape, 2 values (one per output of "
            "layer 1), got 3",
        ),
        (
            "samples: [{input: [1, 2], upstream: [1, 0]}, {input: [1, 2]}]\n" + LAYER,
            "p.yaml:1: samples[1].upstream: expected the sample's upstream like the other "
            "samples, got nothing (the key is missing)",
        ),
        (
            "samples: [{input: [1, 2]}, {input: [1, 2]}]\n" + LAYER + "upstream: [[1, 0]]\n",
            "p.yaml:3: upstream: expected beside samples, a list of 2 upstream gradients (one "
            "per sample, each of the output's shape), or upstream in each sample, got a 1×2 "
            "matrix",
        ),
        (
            "input: [1, 2]\n" + LAYER + "upstream: [1, 2]\nregularization: {name: l2, lambda: 1}\n",
            "p.yaml:4: regularization: expected no regularization beside upstream (a penalty is "
            "added to a loss, and an exercise that gives ∂L/∂ŷ has none), got one",
        ),
        (
            "input: [1, 2]\n" + LAYER + "upstraem: [1, 2]\n",
            "p.yaml:3: upstraem: unknown key 'upstraem' (did you mean 'upstream'?)",
        ),
    ],
)
def test_a_bad_upstream_is_one_clear_error(write: Any, run: Any, text: str, message: str) -> None:
    path = write(text, "p.yaml")
    result = run("solve", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.replace(str(path), "p.yaml").startswith(message)
    assert "Traceback" not in result.stderr


def test_a_variant_compares_gradients_and_no_loss(write: Any, run: Any) -> None:
    text = (ROOT / "examples" / "sigmoid-neuron-upstream.yaml").read_text(encoding="utf-8")
    text += "variants:\n  - {name: twice the upstream, set: {upstream: 2}}\n"
    shown = run("solve", str(write(text)), "--format", "plain").stdout
    table = shown.split("twice the upstream:\n")[1]
    assert "  upstream (set)  1                   2                   changed\n" in table
    assert "  ∂L/∂b           0.1966              0.3932              changed\n" in table
    assert "\n  L " not in table


def test_the_one_line_summary_says_the_gradient_is_given() -> None:
    assert repr(solve(load(NEURON))).startswith(
        "<Solution 'The sigmoid neuron of the computational-graph lecture': ∂L/∂ŷ given, "
        "output [0.7311], 1 layer,"
    )


def test_validate_and_check_of_an_update_from_the_given_gradient(write: Any, run: Any) -> None:
    result = run("validate", NEURON)
    assert result.exit_code == 0
    assert "valid (1 layer, 3 parameters, 1 sample)" in result.stdout
    text = (ROOT / "examples" / "sigmoid-neuron-upstream.yaml").read_text(encoding="utf-8")
    problem = write(text + "learning_rate: 0.5\n")
    answers = write(
        "answers:\n  W1_new: [[2.0983, -2.8034]]\n  b1_new: -3.0983\n", "answers.yaml"
    )  # W ← W − 0.5·∂f/∂W: 2 − 0.5·(−0.1966), −3 − 0.5·(−0.3932); b: −3 − 0.5·0.1966
    result = run("check", str(problem), "--answers", str(answers), "--format", "plain")
    assert result.exit_code == 0
    assert "Result: 2 of 2 right." in result.stdout


def test_a_softmax_output_takes_the_upstream_through_its_jacobian(write: Any, run: Any) -> None:
    text = """
    input: [1, -1]
    layers:
      - weights: [[0.2, -0.3], [0.5, 0.1], [-0.4, 0.6]]
        activation: softmax
    upstream: [0.1, -0.2, 0.3]
    """
    s = _solve(write, text)
    # torch 2.13 float64: torch.softmax(W @ x, 0).backward(torch.tensor([0.1, -0.2, 0.3]))
    np.testing.assert_allclose(
        s.gradients["W1"],
        [
            [0.05009118159429643, -0.05009118159429643],
            [-0.08223923419197864, 0.08223923419197864],
            [0.03214805259768219, -0.03214805259768219],
        ],
        rtol=1e-12,
    )
    assert checked(s)[2] == []
    shown = " ".join(run("solve", str(write(text)), "--format", "plain").stdout.split())
    assert (
        "Chain rule: δⱼ = Σₖ ∂L/∂ŷₖ·∂ŷₖ/∂zⱼ, where ∂L/∂ŷₖ is the given upstream gradient." in shown
    )
