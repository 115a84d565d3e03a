"""Drawn exercises of the recurrent layers for `backprop generate`: a short sequence, one
recurrent layer and a dense output at every step, with L = ½ Σₜ (ŷₜ − yₜ)²."""

from __future__ import annotations

from typing import Any

import numpy as np

from backprop_cli.author.numbers import nice

Document = dict[str, Any]


def draw(rng: np.random.Generator, kind: str, steps: int, hidden: int, features: int) -> Document:
    """A sequence of ``steps`` × ``features``, a recurrent layer of ``hidden`` units and a
    dense output at every step, with one target per step."""
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[kind]
    rows = gates * hidden
    layer: dict[str, Any] = {
        "type": kind,
        "weights_ih": nice(rng, (rows, features), 0.8),
        "weights_hh": nice(rng, (rows, hidden), 0.8),
        "bias": nice(rng, (rows,), 0.5, zero=True),
    }
    inputs = nice(rng, (steps, features), 1.0)
    return {
        "input": [row[0] for row in inputs] if features == 1 else inputs,
        "target": nice(rng, (steps,), 1.0, zero=True),
        "layers": [layer, {"weights": nice(rng, (1, hidden), 1.0), "bias": 0}],
        "loss": {"name": "sse", "scale": 0.5},
        "learning_rate": float(rng.choice([0.1, 0.2, 0.25, 0.5])),
    }


def tasks() -> list[str]:
    return [
        "Unroll the network: compute every hₜ (and the gates and cₜ) and the output at each step.",
        "Compute the loss L = ½ Σₜ (ŷₜ − yₜ)².",
        "Backpropagate through time: ∂L/∂hₜ for t = T … 1, from the output and from step t + 1.",
        "Compute ∂L/∂W_ih, ∂L/∂W_hh and ∂L/∂b as sums over the steps.",
        "Do one gradient-descent step θ ← θ − η ∂L/∂θ and give the new weights and biases.",
    ]
