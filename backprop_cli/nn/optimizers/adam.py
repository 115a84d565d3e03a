"""Adam, as ``torch.optim.Adam``.

With g = ∂L/∂θ + λθ and step t = 1, 2, …:

    m ← β₁m + (1 − β₁)g          v ← β₂v + (1 − β₂)g²        (m₀ = v₀ = 0)
    m̂ = m/(1 − β₁ᵗ)              v̂ = v/(1 − β₂ᵗ)              (bias correction)
    θ ← θ − ηm̂/(√v̂ + ε)          (ε outside the root)

At t = 1, m̂ = g and v̂ = g²: every entry moves by η·g/(|g| + ε) ≈ ±η.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

import numpy as np

from backprop_cli.expr import Add, Frac, Message, Mul, Pow, Sub, num
from backprop_cli.nn.optimizers.base import (
    LEARNING_RATE,
    WEIGHT_DECAY,
    Array,
    Line,
    Operands,
    Optimizer,
    OptimizerMistake,
    Run,
    Setting,
    State,
    Stepping,
    decayed,
    eps_inside_mistake,
    gradient,
    gradient_lines,
    one_minus,
    overshoot,
    root,
    root_expr,
)
from backprop_cli.records import dataclass


def adam_settings(weight_decay: float, meaning: str) -> dict[str, Setting]:
    return {
        "learning_rate": Setting(LEARNING_RATE, 0.001, "positive"),
        "beta1": Setting(
            "From 0 to below 1: β₁, the decay of the first moment m.", 0.9, "fraction"
        ),
        "beta2": Setting(
            "From 0 to below 1: β₂, the decay of the second moment v.", 0.999, "fraction"
        ),
        "eps": Setting("At least 0: ε, added to √v̂.", 1e-8, "nonnegative"),
        "weight_decay": Setting(meaning, weight_decay, "nonnegative"),
    }


@dataclass(frozen=True)
class Adam(Stepping):
    learning_rate: float = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.0
    maximize: bool = False
    eps_inside: bool = False
    """The mistake of writing √(v̂ + ε)."""
    bias_correction: bool = True
    """False: the mistake of leaving out m̂ and v̂ (m and v used as they are)."""
    t_from_zero: bool = False
    """The mistake of counting steps from 0: the first step has no correction (1 − β⁰ = 0
    cannot be divided by), every later one the correction of the step before."""
    name = "adam"
    SETTINGS: ClassVar[dict[str, Setting]] = adam_settings(0.0, WEIGHT_DECAY)

    @property
    def title(self) -> str:
        return "Adam"

    @property
    def state_names(self) -> tuple[str, ...]:
        return ("m", "v")

    def init_state(self, theta: Array) -> State:
        return {"m": np.zeros_like(theta), "v": np.zeros_like(theta)}

    def correction(self, beta: float, t: int) -> float:
        """1 − βᵗ (1 without bias correction)."""
        power = t - 1 if self.t_from_zero else t
        return 1 - beta**power if self.bias_correction and power > 0 else 1.0

    def decoupled(self, theta: Array) -> dict[str, Array]:
        """AdamW's θ ← θ − ηλθ before the step (nothing for Adam)."""
        return {}

    def worked(self, theta: Array, grad: Array, state: State, t: int) -> dict[str, Array]:
        values = self.decoupled(theta)
        wd = 0.0 if values else self.weight_decay
        g = decayed(grad, theta, wd, self.maximize)
        if wd:
            values["g"] = g
        m = self.beta1 * state["m"] + (1 - self.beta1) * g  # m ← β₁m + (1 − β₁)g
        v = self.beta2 * state["v"] + (1 - self.beta2) * g * g  # v ← β₂v + (1 − β₂)g²
        m_hat = m / self.correction(self.beta1, t)  # m̂ = m/(1 − β₁ᵗ)
        v_hat = v / self.correction(self.beta2, t)  # v̂ = v/(1 − β₂ᵗ)
        start = values.get("decayed", theta)
        new = start - self.learning_rate * m_hat / root(v_hat, self.eps, self.eps_inside)
        return {**values, "m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "theta": new}

    def decoupled_lines(self, o: Operands) -> tuple[Line, ...]:
        return ()

    def lines(self, o: Operands, t: int) -> tuple[Line, ...]:
        first = self.decoupled_lines(o)
        wd = 0.0 if first else self.weight_decay
        g = gradient(o, wd)
        m = Add((Mul((o.hyper("beta1"), o.before("m"))), Mul((one_minus(o, "beta1"), g))))
        v = Add(
            (Mul((o.hyper("beta2"), o.before("v"))), Mul((one_minus(o, "beta2"), Pow(g, num(2)))))
        )
        hats = tuple(
            Line(f"{name}_hat", Frac(o.after(name), Sub(num(1), Pow(o.hyper(beta), o.t()))), False)
            for name, beta in (("m", "beta1"), ("v", "beta2"))
        )
        start = o.after("decayed") if first else o.before("theta")
        step = Frac(
            Mul((o.hyper("learning_rate"), o.after("m_hat"))),
            root_expr(o.after("v_hat"), o.hyper("eps"), self.eps_inside),
        )
        return (
            *first,
            *gradient_lines(o, wd),
            Line("m", m),
            Line("v", v),
            *hats,
            Line("theta", Sub(start, step)),
        )

    def conventions(self) -> str:
        decay = ", weight decay g = ∂L/∂θ + λθ (L2 inside the moments)" if self.weight_decay else ""
        return (
            "Adam as torch.optim: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², bias "
            "correction m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ) with t counted from 1, "
            f"θ ← θ − ηm̂/(√v̂ + ε) with ε outside the root{decay}"
        )

    def mistakes(self) -> tuple[OptimizerMistake, ...]:
        return (
            OptimizerMistake(
                "no_bias_correction",
                "no bias correction",
                replace(self, bias_correction=False),
                (
                    "The bias correction is left out: m̂ = m/(1 − β₁ᵗ) and v̂ = v/(1 − β₂ᵗ) "
                    "(t = 1 at the first step); yours uses m and v as they are.",
                ),
            ),
            eps_inside_mistake(self, "v̂"),
            OptimizerMistake(
                "t_from_zero",
                "t counted from 0",
                replace(self, t_from_zero=True),
                (
                    "The steps are counted from t = 0: the bias correction of step t is "
                    "1 − βᵗ with t = 1 at the first update, yours uses the step before's.",
                ),
            ),
        )

    def insights(self, run: Run) -> tuple[tuple[str, Message], ...]:
        found = overshoot(run, f"the first moment m (β₁ = {self.beta1:g})")
        moves = [np.abs(run.first[k] - run.start[k]).ravel() for k in run.first]
        grads = [np.abs(run.gradients[k]).ravel() for k in run.first]
        if not moves or self.weight_decay or not self.bias_correction:
            return found
        step, size = np.concatenate(moves), np.concatenate(grads)
        moved = step[size > 0]
        if moved.size < 2:
            return found
        message: Message = (
            f"Adam's first step moves every parameter by about η = {self.learning_rate:g}, "
            "whatever the size of its gradient: at t = 1, m̂ = g and v̂ = g², so "
            "m̂/(√v̂ + ε) = g/(|g| + ε) ≈ ±1. Here the gradients range from "
            f"{float(np.min(size[size > 0])):.4g} to {float(np.max(size)):.4g} in size, the "
            f"steps from {float(np.min(moved)):.4g} to {float(np.max(moved)):.4g}.",
        )
        return (("adam_first_step", message), *found)

    def ascending(self) -> Optimizer:
        return replace(self, maximize=not self.maximize)

    def in_words(self, theta: str, grad: str) -> str:
        return f"{theta} − η·m̂/(√v̂ + ε) from {grad}"
