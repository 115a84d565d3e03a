"""Convolution exercises as wholes against PyTorch: the 3×3 image / 2×2 kernel / sigmoid
exercise given ∂L/∂Y, and a 2-channel conv → ReLU → max pool → flatten → dense →
cross-entropy network on a batch.

The numbers in ``data/conv_network_torch.json`` come from torch 2.13.0 (CPU, float64):
``torch.sigmoid(F.conv2d(x, W, b)).backward(G)`` with the template's x, W, b and
G = [[1, −1], [0.5, 2]]; and for the network, inputs and weights drawn with
``torch.Generator().manual_seed(0)`` and rounded to one decimal,
``F.cross_entropy(flatten(F.max_pool2d(relu(F.conv2d(X, K, kb)), 2, stride=1)) @ D.T + db,
[1, 0])`` and its ``backward()``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from backprop_cli import load, solve
from backprop_cli.author.starter import TEMPLATES
from backprop_cli.render import Format, RenderOptions, render

TORCH = json.loads((Path(__file__).parent / "data" / "conv_network_torch.json").read_text())


def _close(ours: Any, theirs: Any) -> None:
    np.testing.assert_allclose(
        np.asarray(ours, dtype=float).reshape(-1),
        np.asarray(theirs).reshape(-1),
        rtol=1e-12,
        atol=1e-15,
    )


def test_the_conv_upstream_template_matches_torch_backward_of_the_given_gradient() -> None:
    solution = solve(load(str(TEMPLATES / "conv-upstream.yaml")))
    expected = TORCH["upstream_exercise"]
    assert solution.problem.upstream  # no loss: the backward pass starts from ∂L/∂Y
    _close(solution.gradients["W1"], expected["dW"])
    _close(solution.gradients["b1"], expected["db"])
    _close(solution.gradients["x"], expected["dx"])
    text = render(Format.PLAIN, [solution], RenderOptions())
    assert "Given: the upstream gradient" in text
    assert "∂L/∂w₁₁ = δ₁₁x₁₁ + δ₁₂x₁₂ + δ₂₁x₂₁ + δ₂₂x₂₂" in text
    assert "∂L/∂x₂₂ = w₁₁δ₂₂ + w₁₂δ₂₁ + w₂₁δ₁₂ + w₂₂δ₁₁" in text


def test_a_conv_relu_max_pool_dense_network_on_a_batch_matches_torch(tmp_path: Path) -> None:
    net = TORCH["network"]
    doc = {
        "samples": [{"input": net["X"][0], "target": 1}, {"input": net["X"][1], "target": 0}],
        "layers": [
            {"type": "conv2d", "weights": net["K"], "bias": net["kb"], "activation": "relu"},
            {"type": "max_pool2d", "size": 2, "stride": 1},
            {"type": "flatten"},
            {"weights": net["D"], "bias": net["db"], "activation": "softmax"},
        ],
        "loss": "cross_entropy",
    }
    path = tmp_path / "cnn.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    solution = solve(load(str(path)))
    assert abs(solution.loss - net["loss"]) <= 1e-12 * net["loss"]
    for ours, theirs in (("W1", "dK"), ("b1", "dkb"), ("W4", "dD"), ("b4", "ddb"), ("x", "dX")):
        _close(solution.gradients[ours], net[theirs])
