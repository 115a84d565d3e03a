"""freeze and batch_size (SPEC 5, "Training options"), and the training keys' messages.

The reference numbers come from torch 2.13.0+cpu in float64: the network of
test_optimizers (the same weights and three samples), F.mse_loss over each update's
mini-batch (samples (t·B + i) mod 3 of update t = 0, 1, …, as batch_size reads them) and
torch.optim with the frozen parameters left out of its parameter list; the loss over all
three samples (torch.no_grad) before each update and after the last.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_optimizers import NETWORK

from backprop_cli import load, solve

ROOT = Path(__file__).parent.parent
BASE = NETWORK.replace("steps: 4\n", "")

TORCH: dict[str, dict[str, Any]] = {
    "sgd_momentum_batch2": {
        "keys": "optimizer: {name: sgd, learning_rate: 0.1, momentum: 0.9}\n"
        "steps: 3\n"
        "batch_size: 2\n",
        "params": {
            "W1": [
                [0.4758875742656886, -0.023585572231107882],
                [0.14524334635863456, 0.41983441043280734],
            ],
            "b1": [0.2513413490006982, -0.19313891574305686],
            "W2": [[0.6523137560904856, -0.24154369701952125]],
            "b2": [0.24822235291245612],
        },
        "loss": [0.4526302551212104, 0.34594671139680316, 0.21716491735304874, 0.1079465622289631],
    },
    "adam_batch1": {
        "keys": "optimizer: {name: adam, learning_rate: 0.1}\nsteps: 4\nbatch_size: 1\n",
        "params": {
            "W1": [
                [0.4215136499534792, 0.0857951148849024],
                [0.1913295104724332, 0.21902928073900185],
            ],
            "b1": [0.14683863312658985, -0.11823271207608584],
            "W2": [[0.5509158911476845, -0.14479448463710998]],
            "b2": [0.08442405453978816],
        },
        "loss": [
            0.4526302551212104,
            0.5287688049778044,
            0.3361951366480172,
            0.19482743774439248,
            0.12282785362411358,
        ],
    },
    "adam_freeze_b1_b2": {
        "keys": "optimizer: {name: adam, learning_rate: 0.1}\nsteps: 3\nfreeze: [b1, b2]\n",
        "params": {
            "W1": [
                [0.6833119774072696, -0.009014761219066011],
                [-0.0955913631164092, 0.3103550165571802],
            ],
            "b1": [0.1, -0.1],
            "W2": [[0.5430504099655731, -0.21384824197465957]],
            "b2": [0.05],
        },
        "loss": [0.4526302551212104, 0.3028899558322995, 0.2134683904859662, 0.1558427627772365],
    },
}


@pytest.mark.parametrize("case", sorted(TORCH))
def test_mini_batches_and_frozen_parameters_match_torch(write: Any, case: str) -> None:
    ref = TORCH[case]
    solution = solve(load(str(write(BASE + ref["keys"]))))
    update = solution.update
    assert update is not None
    np.testing.assert_allclose(update.loss_history, ref["loss"], rtol=1e-12)
    for name, value in ref["params"].items():
        got = update.params[name]
        np.testing.assert_allclose(
            got, np.asarray(value).reshape(got.shape), rtol=1e-12, atol=1e-15
        )


def test_the_reported_gradients_stay_those_of_every_sample(write: Any) -> None:
    full = solve(load(str(write(BASE + "learning_rate: 0.1\n"))))
    batched = solve(load(str(write(BASE + "learning_rate: 0.1\nbatch_size: 2\n"))))
    for name, g in full.gradients.items():
        np.testing.assert_array_equal(batched.gradients[name], g)
    assert batched.update is not None and full.update is not None
    assert batched.update.first_batch == (0, 1)
    # The first update follows the mini-batch's own gradient, not the full batch's.
    assert not np.allclose(batched.update.first_gradients["W1"], full.gradients["W1"])
    assert not np.allclose(batched.update.params["W1"], full.update.params["W1"])


def test_a_frozen_parameter_keeps_its_value_and_its_gradient_is_shown(write: Any) -> None:
    s = solve(load(str(write(BASE + "learning_rate: 0.1\nfreeze: [b1]\n"))))
    assert s.update is not None
    np.testing.assert_array_equal(s.update.params["b1"], s.params["b1"])
    assert np.any(s.gradients["b1"] != 0)
    assert "b1" not in s.update.state
    assert not any(step.symbol.startswith("b1_") for step in s.steps)


def test_mazurs_example_with_frozen_biases_gives_his_second_round_error() -> None:
    s = solve(load(str(ROOT / "examples" / "mazur-frozen-biases.yaml")))
    assert s.update is not None
    # torch 2.13 float64: 0.5·Σ(σ(W2·σ(W1·x + b1) + b2) − y)², one torch.optim.SGD(lr=0.5)
    # step of W1 and W2 only: 0.29102777369359933. Mazur publishes 0.291027924, the same
    # to six significant digits (his seventh comes from rounded intermediate values).
    assert s.update.loss_history[1] == pytest.approx(0.29102777369359933, rel=1e-12)
    assert s.update.loss_history[1] == pytest.approx(0.291027924, rel=1e-6)
    assert s.update.params["W2"][0, 0] == pytest.approx(0.35891648, abs=5e-9)  # his w5⁺
    assert s.update.params["W1"][0, 0] == pytest.approx(0.149780716, abs=5e-10)  # his w1⁺
    np.testing.assert_array_equal(s.update.params["b1"], [0.35, 0.35])
    np.testing.assert_array_equal(s.update.params["b2"], [0.6, 0.6])


GOOD = """input: [1, 2]
target: 0.5
layers:
  - {weights: [[0.1, 0.2]], bias: 0.1}
loss: mse
"""


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (
            "optimizer: {name: adam, learning_rate: -0.1}",
            "p.yaml:6: optimizer.learning_rate: expected learning_rate greater than 0, got the "
            "number -0.1",
        ),
        (
            "optimizer: {name: adam, beta1: 1}",
            "p.yaml:6: optimizer.beta1: expected beta1 from 0 to below 1, got the number 1",
        ),
        (
            "optimizer: {name: adam, beta_1: 0.9}",
            "p.yaml:6: optimizer.beta_1: unknown key 'beta_1' (did you mean 'beta1'?); expected "
            "one of the keys name, learning_rate, beta1, beta2, eps, weight_decay",
        ),
        (
            "learning_rate: 0.1\noptimizer: adam",
            "p.yaml:7: optimizer: expected learning_rate or optimizer, got both (an optimizer "
            "takes its own learning_rate: optimizer: {name: sgd, learning_rate: 0.1})",
        ),
        (
            "optimizer: {name: sgd, learning_rate: 0.1, nesterov: true}",
            "p.yaml:6: optimizer.nesterov: expected momentum > 0 and dampening 0 for Nesterov "
            "momentum, got nesterov: true (a boolean)",
        ),
        (
            "optimizer: adan",
            "p.yaml:6: optimizer: expected an optimizer name (one of sgd, adagrad, rmsprop, adam, "
            "adamw), got the text 'adan' (did you mean 'adam'?)",
        ),
        (
            "optimizer: sgd",
            "p.yaml:6: optimizer: expected learning_rate in the sgd optimizer (it has no "
            "default), got no learning_rate",
        ),
        (
            "optimizer: {name: sgd, learning_rate: 0.1, momentum: 0.9, convention: cs231n}",
            "p.yaml:6: optimizer.convention: expected a convention (one of pytorch, classic, "
            "ema), got the text 'cs231n'",
        ),
        (
            "optimizer: {name: sgd, learning_rate: 0.1, momentum: 0.9, convention: ema, "
            "dampening: 0.5}",
            "p.yaml:6: optimizer.dampening: expected neither nesterov nor dampening in the ema "
            "convention (its 1 − μ damps), got dampening: the number 0.5",
        ),
        (
            "learning_rate: 0.1\nfreeze: [B1, b2]",
            "p.yaml:7: freeze[1]: expected a parameter name (one of W1, b1), got the text 'b2'",
        ),
        (
            "freeze: [b1]",
            "p.yaml:6: freeze: expected a learning_rate or optimizer beside freeze, got neither",
        ),
        (
            "learning_rate: 0.1\nbatch_size: 3",
            "p.yaml:7: batch_size: expected a whole number of samples per update from 1 to 1 "
            "(the samples given), got the number 3",
        ),
        (
            "steps: 2",
            "p.yaml:6: steps: expected a learning_rate or optimizer beside steps (each step is an "
            "update such as gradient descent's θ ← θ − η∂L/∂θ), got neither",
        ),
    ],
)
def test_bad_training_keys_are_exit_2_with_one_clear_message(
    run: Any, write: Any, keys: str, message: str
) -> None:
    path = write(GOOD + keys + "\n", "p.yaml")
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip() == message.replace("p.yaml", str(path), 1)


def test_a_mini_batch_keeps_each_samples_dropout_mask(write: Any) -> None:
    problem = """
    samples:
      - {input: [1, 2], target: 1}
      - {input: [2, 1], target: 0}
    layers:
      - {weights: [[0.1, 0.2], [0.3, -0.1]]}
      - {type: dropout, p: 0.5, mask: [[1, 0], [0, 1]]}
      - {weights: [[0.5, 0.5]]}
    loss: mse
    learning_rate: 0.1
    batch_size: 1
    steps: 2
    """
    update = solve(load(str(write(problem)))).update
    assert update is not None
    # By hand: update t uses sample t alone, its own mask m and the scale 1/(1 − p) = 2.
    w1, w3 = np.array([[0.1, 0.2], [0.3, -0.1]]), np.array([[0.5, 0.5]])
    b1, b3 = np.zeros(2), np.zeros(1)
    for x, y, m in (([1, 2], 1, [1, 0]), ([2, 1], 0, [0, 1])):
        x_, m_ = np.array([x], float), np.array([m], float)
        a2 = (x_ @ w1.T + b1) * m_ * 2
        d3 = 2 * (a2 @ w3.T + b3 - y)  # mean over one sample and one output
        d1 = (d3 @ w3) * m_ * 2
        w1, b1 = w1 - 0.1 * d1.T @ x_, b1 - 0.1 * d1.sum(0)
        w3, b3 = w3 - 0.1 * d3.T @ a2, b3 - 0.1 * d3.sum(0)
    np.testing.assert_allclose(update.params["W1"], w1, rtol=1e-12)
    np.testing.assert_allclose(update.params["W3"], w3, rtol=1e-12)
