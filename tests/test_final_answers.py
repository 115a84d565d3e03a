"""The Final answers box with several steps: the first pass labelled, the final loss shown."""

from __future__ import annotations

import math
from typing import Any


def test_several_steps_label_the_first_pass_and_show_the_final_loss(run: Any, write: Any) -> None:
    path = write(
        "input: 1\ntarget: 1\nlayers:\n  - {weights: 0.5, bias: 0, activation: sigmoid}\n"
        "loss: mse\nlearning_rate: 0.5\nsteps: 5\n"
    )
    w, b = 0.5, 0.0  # five gradient-descent steps by hand
    for _ in range(5):
        a = 1 / (1 + math.exp(-(w + b)))
        d = 2 * (a - 1) * a * (1 - a)
        w, b = w - 0.5 * d, b - 0.5 * d
    final = (1 / (1 + math.exp(-(w + b))) - 1) ** 2
    assert (round(final, 4), round(w, 4), round(b, 4)) == (0.0565, 0.8327, 0.3327)
    out = run("solve", str(path), "-f", "plain").stdout
    box = out[out.index("Final answers\n") :].splitlines()[2:9]
    assert box == [
        "  ŷ (first pass) = 0.6225",
        "  L (first pass) = 0.1425",
        "  ∂L/∂w (first pass) = −0.1774",
        "  ∂L/∂b (first pass) = −0.1774",
        "  L (after 5 steps) = 0.0565",
        "  w (after 5 steps) = 0.8327",
        "  b (after 5 steps) = 0.3327",
    ]


def test_one_step_keeps_the_plain_labels(run: Any) -> None:
    out = run("solve", "ex1", "-f", "plain").stdout
    assert "first pass" not in out[out.index("Final answers\n") :]
