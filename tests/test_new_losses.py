"""The losses of SPEC section 5 against PyTorch, and what the solution says of them.

Reference values: torch 2.13 (CPU, float64), torch.nn.functional; scratch script
inputs are the arrays below. Each ∂L/∂ŷ is of the loss averaged over the samples.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backprop_cli import load, solve
from backprop_cli.nn import LOSSES
from backprop_cli.nn.losses import Loss
from backprop_cli.nn.losses.huber import Huber

SCORES = np.array([[-0.7, 4.3, 0.2], [0.7, -0.35, -0.55], [0.0, 1.0, 0.0]])
CLASSES = np.eye(3)[[0, 2, 1]]  # sample 3 meets both margins exactly: ŷₖ − ŷ_y + 1 = 0


def _mean(loss: Loss, yhat: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """L = (1/N)Σₙ ℓₙ and ∂L/∂ŷ, as PyTorch's reduction='mean' (batchmean for KL)."""
    n = yhat.shape[0]
    return float(np.mean(loss.value(yhat, y))), loss.grad(yhat, y) / n


def test_hinge_is_cs231n_svm_which_is_multi_margin_loss_times_k() -> None:
    # torch: F.multi_margin_loss(SCORES, [0, 2, 1], margin=1.0) * 3 and its gradient
    value, grad = _mean(LOSSES["hinge"](), SCORES, CLASSES)
    assert value == pytest.approx(3.783333333333333, rel=1e-12)
    third = 1 / 3
    expected = [[-2 * third, third, third], [third, third, -2 * third], [0.0, 0.0, 0.0]]
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-15)


def test_hinge_divided_by_classes_is_multi_margin_loss() -> None:
    # torch: F.multi_margin_loss(SCORES, [0, 2, 1], margin=1.0)
    loss = LOSSES["hinge"].configured({"divide_by_classes": True})
    value, grad = _mean(loss, SCORES, CLASSES)
    assert value == pytest.approx(1.261111111111111, rel=1e-12)
    ninth = 1 / 9
    expected = [[-2 * ninth, ninth, ninth], [ninth, ninth, -2 * ninth], [0.0, 0.0, 0.0]]
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-15)


OUT = np.array([[0.5, 2.0, -1.0], [1.3, 0.0, 3.5]])
TARGET = np.array([[0.2, 3.0, -2.0], [0.3, 0.0, 0.0]])  # |d| = 1 exactly at [0, 2] and [1, 0]


@pytest.mark.parametrize(
    ("name", "options", "value", "grad"),
    [
        # torch: F.huber_loss(OUT, TARGET, delta=1.0)
        (
            "huber",
            {"delta": 1.0},
            0.7575,
            [[0.05, -1 / 6, 1 / 6], [1 / 6, 0.0, 1 / 6]],
        ),
        # torch: F.huber_loss(OUT, TARGET, delta=2.0)
        (
            "huber",
            {"delta": 2.0},
            1.0908333333333333,
            [[0.05, -1 / 6, 1 / 6], [1 / 6, 0.0, 1 / 3]],
        ),
        # torch: F.smooth_l1_loss(OUT, TARGET, beta=0.5)
        (
            "smooth_l1",
            {"beta": 0.5},
            0.9316666666666666,
            [[0.1, -1 / 6, 1 / 6], [1 / 6, 0.0, 1 / 6]],
        ),
    ],
)
def test_huber_and_smooth_l1_match_pytorch(
    name: str, options: dict[str, float], value: float, grad: list[list[float]]
) -> None:
    found, g = _mean(LOSSES[name].configured(options), OUT, TARGET)
    assert found == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(g, grad, rtol=1e-12, atol=1e-15)


PROBS = np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])


def test_kl_div_is_batchmean_kl_div_of_the_log_probabilities() -> None:
    # torch: F.kl_div(PROBS.log(), y, reduction="batchmean"); targets with zeros (0·log 0 = 0)
    y = np.array([[0.7, 0.3, 0.0], [0.0, 0.0, 1.0]])
    value, grad = _mean(LOSSES["kl_div"](), PROBS, y)
    assert value == pytest.approx(0.47341497106558494, rel=1e-12)
    np.testing.assert_allclose(grad, [[-1.75, -0.3, 0.0], [0.0, 0.0, -0.625]], rtol=1e-12)


def test_nll_is_nll_loss_of_the_log_probabilities() -> None:
    # torch: F.nll_loss(PROBS.log(), [1, 2])
    value, grad = _mean(LOSSES["nll"](), PROBS, np.eye(3)[[1, 2]])
    assert value == pytest.approx(0.4581453659370775, rel=1e-12)
    np.testing.assert_allclose(grad, [[0.0, -1.0, 0.0], [0.0, 0.0, -0.625]], rtol=1e-12)


def _solve(write: Any, text: str) -> Any:
    return solve(load(str(write(text))))


SVM = """
samples:
  - {input: [1.0, 2.0], target: 0}
  - {input: [0.5, -1.0], target: 2}
layers:
  - {weights: [[0.2, -0.5], [1.5, 1.3], [0.0, 0.25]], bias: [0.1, 0.2, -0.3]}
loss: {name: hinge, margin: 1}
"""


def test_a_hinge_network_shows_each_margin_and_its_indicator(write: Any) -> None:
    s = _solve(write, SVM)
    assert s.loss == pytest.approx((7.9 + 3.45) / 2)
    steps = {step.symbol: step for step in s.steps}
    assert steps["loss_per_sample[0]"].value == pytest.approx(7.9)
    np.testing.assert_allclose(s.layers[0].delta, [[-1, 0.5, 0.5], [0.5, 0.5, -1]])


def test_a_hinge_with_every_margin_met_passes_no_gradient(write: Any) -> None:
    met = SVM.replace("[0.2, -0.5]", "[5.0, 5.0]").replace("target: 2", "target: 1")
    met = met.replace("[1.5, 1.3], [0.0, 0.25]", "[0.0, 0.0], [0.0, 0.0]")
    s = _solve(
        write, met.replace("{input: [0.5, -1.0], target: 1}", "{input: [1.0, 1.0], target: 0}")
    )
    assert s.loss == 0.0
    assert not np.any(s.gradients["W1"])
    assert "hinge_margins_met" in {i.kind for i in s.insights}
    assert "hinge_margins_met" not in {i.kind for i in _solve(write, SVM).insights}


def test_huber_in_its_linear_part_is_an_insight(write: Any) -> None:
    doc = """
        input: [0.5, -1.0]
        target: [0.2, 3.0]
        layers:
          - {weights: [[0.7, -0.2], [0.1, 0.9]]}
        loss: {name: huber, delta: 1.0}
        """
    kinds = {i.kind for i in _solve(write, doc).insights}
    assert "huber_linear" in kinds
    near = {i.kind for i in _solve(write, doc.replace("3.0]", "-0.5]")).insights}
    assert "huber_linear" not in near


def test_the_conventions_name_the_pytorch_form(write: Any, run: Any) -> None:
    path = write(SVM)
    result = run("solve", str(path), "--format", "plain")
    text = " ".join(result.stdout.split())
    assert "CS231n's SVM loss; PyTorch's MultiMarginLoss divides it by the K classes" in text
    assert "max(0, ŷ₂[1] − ŷ₁[1] + 1) + max(0, ŷ₃[1] − ŷ₁[1] + 1)" in text


def test_reduction_sum_drops_the_one_over_n(write: Any, run: Any) -> None:
    summed = SVM.replace("{name: hinge, margin: 1}", "{name: hinge, reduction: sum}")
    s = _solve(write, summed)
    assert s.loss == pytest.approx(7.9 + 3.45)
    np.testing.assert_allclose(s.layers[0].delta, [[-2, 1, 1], [1, 1, -2]])
    loss_step = next(step for step in s.steps if step.symbol == "loss")
    assert "Frac" not in repr(loss_step.forms[0])  # no 1/N in L = Σₙ ℓ[n]
    path = write(summed)
    result = run("solve", str(path), "--format", "json")
    import json

    assert json.loads(result.stdout)["loss"]["reduction"] == "sum"
    text = " ".join(run("solve", str(path), "--format", "plain").stdout.split())
    assert "summed over (no 1/N) 2 samples" in text
    assert "loss summed: no 1/N" in text


@pytest.mark.parametrize(
    ("loss", "target", "message"),
    [
        ("{name: hinge, margin: -1}", "0", "loss.margin: expected a number ≥ 0, got the number -1"),
        (
            "{name: huber, delta: 0}",
            "[0.1, 0.2]",
            "loss.delta: expected a number > 0, got the number 0",
        ),
        ("{name: hinge, margin: 1, delta: 2}", "0", "unknown key 'delta'"),
        (
            "{name: mse, margin: 1}",
            "[0.1, 0.2]",
            "unknown key 'margin' (did you mean the loss hinge, which takes margin?)",
        ),
        ("{name: hinge, divide_by_classes: 1}", "0", "expected true or false, got the number 1"),
        ("{name: hinge}", "[0.5, 0.5]", "expected a class index"),
        ("nll", "[0.5, 0.5]", "expected a class index"),
        ("kl_div", "[0.5, 0.6]", "expected a probability vector"),
        ("{name: mse, reduction: total}", "[0.1, 0.2]", "(one of mean, sum)"),
        ("hinj", "0", "did you mean 'hinge'"),
    ],
)
def test_bad_loss_settings_are_one_clear_error(
    write: Any, run: Any, loss: str, target: str, message: str
) -> None:
    path = write(
        f"""
        input: [1.0, 2.0]
        target: {target}
        layers:
          - {{weights: [[0.2, -0.5], [1.5, 1.3]]}}
        loss: {loss}
        """
    )
    result = run("solve", str(path))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") <= 3


def test_huber_forgetting_the_half_is_diagnosed(write: Any, run: Any) -> None:
    problem = write(
        """
        input: [0.5, -1.0]
        target: [0.2, 3.0]
        layers:
          - {weights: [[0.7, -0.2], [0.1, 0.9]]}
        loss: {name: huber, delta: 1.0}
        """
    )
    s = solve(load(str(problem)))
    right = [float(v) for v in s.layers[0].delta[0]]
    wrong = [2 * right[0], right[1]]  # 2d/K inside |d| < δ; the linear part unchanged
    for given, kind in ((wrong, "Huber's ½ forgotten"), (right, None)):
        answers = write(f"answers:\n  delta1: {given}\n", "answers.yaml")
        result = run("check", str(problem), "--answers", str(answers), "--format", "plain")
        if kind is None:
            assert result.exit_code == 0 and "½" not in result.stdout
        else:
            assert result.exit_code == 1 and kind in result.stdout


def test_the_hinge_counting_the_true_class_is_diagnosed(write: Any, run: Any) -> None:
    problem = write(SVM)
    for given, fires in ((6.675, True), (5.675, False), (5.9, False)):
        answers = write(f"answers:\n  loss: {given}\n", "answers.yaml")
        result = run("check", str(problem), "--answers", str(answers), "--format", "plain")
        assert ("the true class counted" in result.stdout) is fires


def test_every_new_loss_is_a_registry_entry_of_its_own() -> None:
    assert {LOSSES[n].name for n in ("svm", "multiclass_hinge")} == {"hinge"}
    assert LOSSES["huber"] is Huber
    assert LOSSES["smooth_l1"]().mistakes() == ()  # β = 1: smooth L1 is Huber with δ = 1
    assert LOSSES["smooth_l1"].configured({"beta": 2.0}).mistakes()[0].kind == "smooth_l1_as_huber"


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_the_huber_example_matches_pytorch() -> None:
    # torch: F.huber_loss(x @ W.T, y, delta=1.0) over the example's 3 samples × 2 outputs
    s = solve(load(str(EXAMPLES / "huber.yaml")))
    assert s.loss == pytest.approx(0.47875000000000006, rel=1e-12)
    expected = [[0.15833333333333333, -0.36666666666666664], [-0.5666666666666667, -0.05]]
    np.testing.assert_allclose(s.gradients["W1"], expected, rtol=1e-12)
    assert "huber_linear" in {i.kind for i in s.insights}


def test_the_svm_and_l2_examples_solve_as_pytorch() -> None:
    svm = solve(load(str(EXAMPLES / "svm-hinge.yaml")))  # torch: 3·F.multi_margin_loss
    assert svm.loss == pytest.approx(5.675, rel=1e-12)
    l2 = solve(load(str(EXAMPLES / "l2-regularization.yaml")))  # torch: SGD weight_decay=0.01
    assert l2.update is not None
    assert l2.update.loss_history[-1] == pytest.approx(0.08035237526491701, rel=1e-12)


def test_a_margin_met_but_for_rounding_is_met_exactly() -> None:
    # 1.1·1.1 − 2.21 + 1 is 2.2e-16 in float64, 0 on paper: no gradient, as by hand
    scores = np.array([[1.1 * 1.1, 2.21]])
    hinge = LOSSES["hinge"]()
    assert hinge.value(scores, np.array([[0.0, 1.0]]))[0] == 0.0
    np.testing.assert_array_equal(hinge.grad(scores, np.array([[0.0, 1.0]])), [[0.0, 0.0]])
