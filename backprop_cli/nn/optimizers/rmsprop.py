"""RMSprop, as ``torch.optim.RMSprop`` (not centred).

With g = ∂L/∂θ + λθ:

    s ← αs + (1 − α)g²     (s₀ = 0)
    θ ← θ − ηg/(√s + ε)

and with momentum μ > 0:  v ← μv + g/(√s + ε) (v₀ = 0), θ ← θ − ηv.
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


@dataclass(frozen=True)
class RMSprop(Stepping):
    learning_rate: float = 0.01
    alpha: float = 0.99
    eps: float = 1e-8
    momentum: float = 0.0
    weight_decay: float = 0.0
    maximize: bool = False
    eps_inside: bool = False
    """The mistake of writing √(s + ε)."""
    name = "rmsprop"
    SETTINGS: ClassVar[dict[str, Setting]] = {
        "learning_rate": Setting(LEARNING_RATE, 0.01, "positive"),
        "alpha": Setting("From 0 to below 1: α, the share of s kept each step.", 0.99, "fraction"),
        "eps": Setting("At least 0: ε, added to √s.", 1e-8, "nonnegative"),
        "momentum": Setting("At least 0: μ of a velocity v ← μv + g/(√s + ε).", 0.0, "nonnegative"),
        "weight_decay": Setting(WEIGHT_DECAY, 0.0, "nonnegative"),
    }

    @property
    def title(self) -> str:
        return "RMSprop with momentum" if self.momentum else "RMSprop"

    @property
    def state_names(self) -> tuple[str, ...]:
        return ("s", "velocity") if self.momentum else ("s",)

    def init_state(self, theta: Array) -> State:
        return {name: np.zeros_like(theta) for name in self.state_names}

    def worked(self, theta: Array, grad: Array, state: State, t: int) -> dict[str, Array]:
        g = decayed(grad, theta, self.weight_decay, self.maximize)
        values = {"g": g} if self.weight_decay else {}
        s = self.alpha * state["s"] + (1 - self.alpha) * g * g  # s ← αs + (1 − α)g²
        scaled = g / root(s, self.eps, self.eps_inside)
        if not self.momentum:
            return {**values, "s": s, "theta": theta - self.learning_rate * scaled}
        v = self.momentum * state["velocity"] + scaled  # v ← μv + g/(√s + ε)
        return {**values, "s": s, "velocity": v, "theta": theta - self.learning_rate * v}

    def lines(self, o: Operands, t: int) -> tuple[Line, ...]:
        g, eta = gradient(o, self.weight_decay), o.hyper("learning_rate")
        average = Add(
            (Mul((o.hyper("alpha"), o.before("s"))), Mul((one_minus(o, "alpha"), Pow(g, num(2)))))
        )
        denominator = root_expr(o.after("s"), o.hyper("eps"), self.eps_inside)
        first = (*gradient_lines(o, self.weight_decay), Line("s", average))
        theta = o.before("theta")
        if not self.momentum:
            return (*first, Line("theta", Sub(theta, Frac(Mul((eta, g)), denominator))))
        velocity = Add((Mul((o.hyper("momentum"), o.before("velocity"))), Frac(g, denominator)))
        return (
            *first,
            Line("velocity", velocity),
            Line("theta", Sub(theta, Mul((eta, o.after("velocity"))))),
        )

    def conventions(self) -> str:
        decay = ", weight decay g = ∂L/∂θ + λθ" if self.weight_decay else ""
        momentum = ", momentum v ← μv + g/(√s + ε), θ ← θ − ηv" if self.momentum else ""
        return (
            "RMSprop as torch.optim: s ← αs + (1 − α)g², θ ← θ − ηg/(√s + ε), ε outside the "
            f"root{momentum}{decay}"
        )

    def mistakes(self) -> tuple[OptimizerMistake, ...]:
        return (eps_inside_mistake(self, "s"),)

    def insights(self, run: Run) -> tuple[tuple[str, Message], ...]:
        return overshoot(run, f"the velocity (μ = {self.momentum:g})") if self.momentum else ()

    def ascending(self) -> Optimizer:
        return replace(self, maximize=not self.maximize)

    def in_words(self, theta: str, grad: str) -> str:
        return f"{theta} − η·{grad}/(√s + ε), s = (1 − α)·{grad}²"
