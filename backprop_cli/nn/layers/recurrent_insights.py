"""What a recurrent layer's values show a student, and the common mistakes of BPTT.

Insights: the gradient vanishing or exploding across time (the product over t of
‖∂hₜ/∂hₜ₋₁‖, each the spectral norm of the step's Jacobian), a saturated gate, and the
LSTM's forget gate carrying the gradient back along cₜ.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from backprop_cli.expr import Message
from backprop_cli.nn.layers.base import LayerMistake, LayerValues
from backprop_cli.nn.layers.recurrent_cells import Conventions, StepState
from backprop_cli.nn.layers.recurrent_time import Through

VANISHING, EXPLODING = 1e-2, 1e2
"""The product of the step Jacobians' norms below or above which the gradient is said to
vanish or explode across the sequence."""
SATURATED = 0.01
"""A sigmoid gate within this of 0 or 1 (σ′ < 0.01) passes almost no gradient to its input."""
CARRYING = 0.9
"""A forget gate at least this open keeps most of ∂L/∂cₜ on the way to cₜ₋₁."""
GRADIENTS = ("dW_ih", "dW_hh", "db", "db_ih", "db_hh")


def jacobians(kind: Any, r: LayerValues, sample: int = 0) -> np.ndarray:
    """∂hₜ/∂hₜ₋₁ (T − 1 × H × H) of one sample for t = 2 … T (through the gates, with cₜ₋₁
    held): row k of step t is the pass back of ∂hₜ,ₖ, the step's values broadcast to its H rows."""
    u = r.cache.unrolled
    params = kind.full(r.layer.params)
    hidden = params["W_hh"].shape[1]

    def rows(values: np.ndarray) -> np.ndarray:
        """The sample's values at t = 2 … T, one row each: T − 1 × 1 × …"""
        return values[sample, 1:, None]

    if kind.steps < 2:
        return np.empty((0, hidden, hidden))
    s, c_before = u.states, u.c_before
    c = None if s.c is None else rows(s.c)
    states = StepState(rows(s.pre), rows(s.gates), rows(s.hh), rows(s.h), c)
    c_prev = None if c_before is None else rows(c_before)
    k = Conventions()
    factors = kind.cell.factors(states, rows(u.h_before), c_prev, k)
    eye = np.broadcast_to(np.eye(hidden), (kind.steps - 1, hidden, hidden))  # row k: ∂hₜ,ₖ
    dc = None if c_prev is None else np.zeros(eye.shape)
    _, d_hh, direct, _, _ = kind.cell.back(factors, eye, dc, k)
    result: np.ndarray = (np.zeros(eye.shape) if direct is None else direct) + d_hh @ params["W_hh"]
    return result


def insights(kind: Any, r: LayerValues, back: Through) -> Iterator[tuple[str, Message]]:
    steps = jacobians(kind, r)
    norms = [float(v) for v in np.linalg.norm(steps, 2, axis=(1, 2))] if len(steps) else []
    if norms:
        product = float(np.prod(norms))
        written = " · ".join(f"{v:.3g}" for v in norms[:6]) + (" · …" if len(norms) > 6 else "")
        first, last = (float(np.linalg.norm(back.dh[0, t])) for t in (0, -1))
        said = f"‖∂L/∂h₁‖ = {first:.3g} against ‖∂L/∂h_T‖ = {last:.3g}"
        if product < VANISHING:
            yield (
                "vanishing_gradient",
                (
                    f"The gradient vanishes across time in layer {r.index}: the product of "
                    f"‖∂hₜ/∂hₜ₋₁‖ over the steps is {written} = {product:.3g} (< {VANISHING:g}), "
                    f"so the early steps learn little from the late outputs ({said}).",
                ),
            )
        elif product > EXPLODING:
            yield (
                "exploding_gradient",
                (
                    f"The gradient explodes across time in layer {r.index}: the product of "
                    f"‖∂hₜ/∂hₜ₋₁‖ over the steps is {written} = {product:.3g} (> {EXPLODING:g}); "
                    f"clipping the gradient is the usual remedy ({said}).",
                ),
            )
    if not kind.cell.gated:
        return
    u = r.cache.unrolled
    gates = u.states.gates  # N × T × G·H
    hidden = r.layer.params["W_hh"].shape[1]
    for k, g in enumerate(kind.cell.gates):
        if g in ("g", "n"):
            continue  # the tanh candidates
        values = gates[..., k * hidden : (k + 1) * hidden]
        near = (values < SATURATED) | (values > 1 - SATURATED)
        if near.any():
            n, t, j = (int(i) for i in np.argwhere(near)[0])
            yield (
                "saturated_gate",
                (
                    f"Gate {g} of layer {r.index} is saturated (unit {j + 1} at t = {t + 1}"
                    f"{f', sample {n + 1}' if values.shape[0] > 1 else ''}: {values[n, t, j]:.4g}): "
                    f"σ′ = {g}(1 − {g}) is below {SATURATED:g} there, so almost no gradient "
                    "reaches its weights through it.",
                ),
            )
    if kind.cell.has_cell and kind.steps > 1:
        forget = gates[:, 1:, hidden : 2 * hidden]
        if float(np.mean(forget)) >= CARRYING:
            yield (
                "forget_gate_carries",
                (
                    f"The forget gate of layer {r.index} stays open (mean f = "
                    f"{float(np.mean(forget)):.3g}): ∂L/∂cₜ₋₁ = ∂L/∂cₜ ⊙ fₜ + … carries the "
                    "gradient back along the cell state almost undiminished, the LSTM's remedy "
                    "for the vanishing gradient.",
                ),
            )


def mistakes(kind: Any) -> tuple[LayerMistake, ...]:
    result = [
        LayerMistake(
            "bptt_next_step_left_out",
            "the path from step t + 1 left out",
            GRADIENTS,
            lambda k: replace(k, next_path=False),
            (
                "∂L/∂hₜ has two parts: what the output at t sends and what step t + 1 sends "
                "back through W_hh (and the gates); with only the output's part every earlier "
                "step's δ, and so each sum over t, is too small.",
            ),
        ),
        LayerMistake(
            "bptt_last_step_only",
            "the gradient taken at the last step only",
            GRADIENTS,
            lambda k: replace(k, last_term_only=True),
            (
                "The weights are shared by every step, so ∂L/∂W = Σₜ δₜ·(the step's input)ᵀ is "
                "a sum over t = 1 … T; the last step's term alone leaves out the others.",
            ),
        ),
        LayerMistake(
            "tanh_prime_at_h",
            "tanh′ taken at h instead of the pre-activation",
            GRADIENTS,
            lambda k: replace(k, conventions=Conventions(derivative_at_h=True)),
            (
                "tanh′(a) = 1 − tanh²(a) = 1 − h² with h = tanh(a) already computed: "
                "1 − tanh²(h) applies tanh twice.",
            ),
        ),
    ]
    if kind.cell.carries_h:
        result.append(
            LayerMistake(
                "gru_gates_swapped",
                "the GRU update gate's role swapped",
                ("z", "h", "a"),
                lambda k: replace(k, conventions=Conventions(gru_swapped=True)),
                (
                    "PyTorch (and d2l) write hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁: z keeps the old "
                    "state. The Deep Learning Specialization's Γᵤ multiplies the new candidate "
                    "instead; with PyTorch's weights that gives another hₜ.",
                ),
            )
        )
    if kind.nonlinearity == "relu":
        result = [m for m in result if m.kind != "tanh_prime_at_h"]
    return tuple(result)
