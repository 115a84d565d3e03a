"""Stochastic gradient descent with momentum, as ``torch.optim.SGD``, in three notations.

With g = ∂L/∂θ + λθ (weight decay λ), momentum μ, dampening τ, step t:

    pytorch:  v ← μv + (1 − τ)g  (v₁ = g);   θ ← θ − ηv   (nesterov: θ ← θ − η(g + μv))
    classic:  v ← μv − η(1 − τ)g (v₁ = −ηg); θ ← θ + v    (nesterov: θ ← θ − ηg + μv), CS231n
    ema:      v ← μv + (1 − μ)g  (v₀ = 0);   θ ← θ − ηv,  the Deep Learning Specialization

``classic``'s v is −η times ``pytorch``'s: the parameters follow the same path for a
constant η. ``ema`` averages the gradients instead of summing them: a different path.
Without momentum all three are θ ← θ − ηg.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

import numpy as np

from backprop_cli.expr import Add, Expr, Message, Mul, Neg, Sub
from backprop_cli.nn.optimizers.base import (
    LEARNING_RATE,
    WEIGHT_DECAY,
    Array,
    Hyperparameter,
    Line,
    Operands,
    Optimizer,
    OptimizerMistake,
    Run,
    Setting,
    State,
    Stepping,
    decayed,
    gradient,
    gradient_lines,
    one_minus,
    overshoot,
)
from backprop_cli.records import dataclass

CONVENTIONS = ("pytorch", "classic", "ema")
_FORMS = {
    "pytorch": "v ← μv + (1 − τ)g with v₁ = g, θ ← θ − ηv (PyTorch)",
    "classic": "v ← μv − ηg, θ ← θ + v (CS231n)",
    "ema": "v ← μv + (1 − μ)g with v₀ = 0, θ ← θ − ηv (an exponential average, as the Deep "
    "Learning Specialization's β)",
}


@dataclass(frozen=True)
class SGD(Stepping):
    """``torch.optim.SGD`` (``maximize`` climbs, for a graph's ``ascent``)."""

    learning_rate: float
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    convention: str = "pytorch"
    maximize: bool = False
    name = "sgd"
    SETTINGS: ClassVar[dict[str, Setting]] = {
        "learning_rate": Setting(LEARNING_RATE, None, "positive"),
        "momentum": Setting(
            "At least 0: μ, the share of the last velocity kept.", 0.0, "nonnegative"
        ),
        "dampening": Setting("From 0 to 1: τ, the velocity takes (1 − τ)g.", 0.0, "unit"),
        "nesterov": Setting("true: step along g + μv (Nesterov momentum).", False, "flag"),
        "weight_decay": Setting(WEIGHT_DECAY, 0.0, "nonnegative"),
        "convention": Setting(
            "How the velocity is written: pytorch, classic (CS231n) or ema.",
            "pytorch",
            "choice",
            CONVENTIONS,
        ),
    }

    @classmethod
    def refuse(cls, settings: dict[str, Hyperparameter]) -> tuple[str, str] | None:
        """A combination torch.optim (or the convention) refuses: (the key, what it needs)."""
        momentum, dampening = settings["momentum"], settings["dampening"]
        if settings["nesterov"] and (momentum == 0 or dampening != 0):
            return "nesterov", "momentum > 0 and dampening 0 for Nesterov momentum"
        if settings["convention"] == "ema":
            if settings["nesterov"] or dampening != 0:
                key = "nesterov" if settings["nesterov"] else "dampening"
                return key, "neither nesterov nor dampening in the ema convention (its 1 − μ damps)"
            if isinstance(momentum, float) and momentum >= 1:
                return "momentum", "momentum below 1 in the ema convention (an average)"
        return None

    @property
    def title(self) -> str:
        if not self.momentum:
            return "Gradient descent"
        kind = "Nesterov momentum" if self.nesterov else "momentum"
        return f"SGD with {kind} ({self.convention} convention)"

    @property
    def state_names(self) -> tuple[str, ...]:
        return ("velocity",) if self.momentum else ()

    def init_state(self, theta: Array) -> State:
        return {"velocity": np.zeros_like(theta)} if self.momentum else {}

    def worked(self, theta: Array, grad: Array, state: State, t: int) -> dict[str, Array]:
        g = decayed(grad, theta, self.weight_decay, self.maximize)
        values = {"g": g} if self.weight_decay else {}
        mu, eta, keep = self.momentum, self.learning_rate, 1 - self.dampening
        if not mu:
            # θ ← θ − ηg, written as (−ηg) + θ: the same bits, and one new array where
            # θ − ηg makes two (ηg, then the difference).
            new = np.multiply(g, -eta)
            new += theta
            return {**values, "theta": new}
        v = state["velocity"]
        if self.convention == "ema":
            v = mu * v + (1 - mu) * g  # v ← μv + (1 − μ)g
            return {**values, "velocity": v, "theta": theta - eta * v}
        if self.convention == "classic":
            v = -eta * g if t == 1 else mu * v - eta * keep * g  # v ← μv − ηg
            new = theta - eta * g + mu * v if self.nesterov else theta + v
            return {**values, "velocity": v, "theta": new}
        v = g.copy() if t == 1 else mu * v + keep * g  # v ← μv + (1 − τ)g, v₁ = g
        new = theta - eta * (g + mu * v) if self.nesterov else theta - eta * v
        return {**values, "velocity": v, "theta": new}

    def lines(self, o: Operands, t: int) -> tuple[Line, ...]:
        g, eta, mu = gradient(o, self.weight_decay), o.hyper("learning_rate"), o.hyper("momentum")
        theta = o.before("theta")
        first = gradient_lines(o, self.weight_decay)
        if not self.momentum:
            return (*first, Line("theta", Sub(theta, Mul((eta, g)))))
        v = o.after("velocity")
        damped = Mul((one_minus(o, "dampening"), g)) if self.dampening else g
        mu_v = Mul((mu, o.before("velocity")))
        velocity: Expr
        if self.convention == "ema":
            velocity = Add((mu_v, Mul((one_minus(o, "momentum"), g))))
            return (*first, Line("velocity", velocity), Line("theta", Sub(theta, Mul((eta, v)))))
        if self.convention == "classic":
            velocity = Neg(Mul((eta, g))) if t == 1 else Sub(mu_v, Mul((eta, damped)))
            step = (
                Add((Sub(theta, Mul((eta, g))), Mul((mu, v)))) if self.nesterov else Add((theta, v))
            )
            return (*first, Line("velocity", velocity), Line("theta", step))
        velocity = g if t == 1 else Add((mu_v, damped))
        along = Add((g, Mul((mu, v)))) if self.nesterov else v
        return (*first, Line("velocity", velocity), Line("theta", Sub(theta, Mul((eta, along)))))

    def conventions(self) -> str:
        decay = ", weight decay g = ∂L/∂θ + λθ" if self.weight_decay else ""
        if not self.momentum:  # plain gradient descent needs no words: its update says it all
            return f"SGD without momentum, θ ← θ − ηg{decay}" if decay else ""
        nesterov = ", Nesterov: the step is taken along g + μv" if self.nesterov else ""
        return f"SGD with momentum, {self.convention} convention: {_FORMS[self.convention]}{nesterov}{decay}"

    def mistakes(self) -> tuple[OptimizerMistake, ...]:
        if not self.momentum:
            return ()
        return tuple(
            OptimizerMistake(
                f"momentum_{other}",
                f"momentum in the {other} convention",
                replace(self, convention=other, nesterov=False, dampening=0.0)
                if other == "ema"
                else replace(self, convention=other),
                (
                    f"The momentum is written in the {other} convention ({_FORMS[other]}); this "
                    f"problem uses the {self.convention} one: {_FORMS[self.convention]}.",
                ),
            )
            for other in CONVENTIONS
            if other != self.convention
        )

    def insights(self, run: Run) -> tuple[tuple[str, Message], ...]:
        return overshoot(run, f"the velocity (μ = {self.momentum:g})") if self.momentum else ()

    def ascending(self) -> Optimizer:
        return replace(self, maximize=not self.maximize)

    def in_words(self, theta: str, grad: str) -> str:
        if not self.momentum:
            return f"{theta} − η·{grad}"
        return f"{theta} after one SGD step with momentum ({self.convention})"
