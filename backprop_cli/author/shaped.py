"""`generate` recipes for layers that take images: convolution exercises."""

from __future__ import annotations

from typing import Any

import numpy as np

Rng = np.random.Generator


def conv(rng: Rng, nice: Any) -> dict[str, Any]:
    """A 2×2 kernel (one filter) on a 3×3 image, a sigmoid, and SSE against a 2×2 target:
    ``nice(rng, shape, limit)`` draws the numbers."""
    stride = int(rng.choice([1, 1, 2]))
    padding = 1 if stride == 2 else 0  # a 2×2 output either way
    return {
        "input": nice(rng, (3, 3), 1.0, True),
        "target": [int(v) for v in rng.integers(0, 2, size=4)],
        "layers": [
            {
                "type": "conv2d",
                "weights": nice(rng, (2, 2), 1.0),
                "bias": nice(rng, (), 0.5, True),
                "stride": stride,
                "padding": padding,
                "activation": "sigmoid",
            }
        ],
        "loss": {"name": "sse", "scale": 0.5},
        "learning_rate": float(rng.choice([0.1, 0.2, 0.25, 0.5])),
    }


CONV_TASKS = [
    "Give the size of the output map from ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1.",
    "Compute each output as the sum of products of its window with the kernel, then σ.",
    "Compute the loss.",
    "Compute ∂L/∂W, ∂L/∂b and ∂L/∂X, each element as a sum.",
    "Do one gradient-descent step θ ← θ − η ∂L/∂θ and give the new kernel and bias.",
]


def conv_upstream(rng: Rng, nice: Any) -> dict[str, Any]:
    """A 2×2 kernel on a 3×3 image and a sigmoid, given ∂L/∂Y (the 2×2 output's upstream
    gradient) instead of a loss."""
    return {
        "input": nice(rng, (3, 3), 1.0, True),
        "layers": [
            {
                "type": "conv2d",
                "weights": nice(rng, (2, 2), 1.0),
                "bias": nice(rng, (), 0.5, True),
                "activation": "sigmoid",
            }
        ],
        "upstream": nice(rng, (2, 2), 1.0),
    }


CONV_UPSTREAM_TASKS = [
    "Give the size of the output map from ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1.",
    "Compute each output as the sum of products of its window with the kernel, then σ.",
    "Given ∂L/∂Y, compute δ = ∂L/∂Y ⊙ σ′(Z) for each output.",
    "Compute ∂L/∂W, ∂L/∂b and ∂L/∂X, each element as a sum.",
]
