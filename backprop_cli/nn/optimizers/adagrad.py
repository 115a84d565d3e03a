"""AdaGrad, as ``torch.optim.Adagrad`` (its ``lr_decay`` kept at 0).

With g = ∂L/∂θ + λθ:

    G ← G + g²             (G₀ = initial_accumulator)
    θ ← θ − ηg/(√G + ε)

The effective rate η/(√G + ε) of every entry only falls: G only grows.
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
    root,
    root_expr,
)
from backprop_cli.records import dataclass


@dataclass(frozen=True)
class Adagrad(Stepping):
    learning_rate: float = 0.01
    eps: float = 1e-10
    initial_accumulator: float = 0.0
    weight_decay: float = 0.0
    maximize: bool = False
    eps_inside: bool = False
    """The mistake of writing √(G + ε)."""
    name = "adagrad"
    SETTINGS: ClassVar[dict[str, Setting]] = {
        "learning_rate": Setting(LEARNING_RATE, 0.01, "positive"),
        "eps": Setting("At least 0: ε, added to √G.", 1e-10, "nonnegative"),
        "initial_accumulator": Setting("At least 0: G before the first step.", 0.0, "nonnegative"),
        "weight_decay": Setting(WEIGHT_DECAY, 0.0, "nonnegative"),
    }

    @property
    def title(self) -> str:
        return "AdaGrad"

    @property
    def state_names(self) -> tuple[str, ...]:
        return ("G",)

    def init_state(self, theta: Array) -> State:
        return {"G": np.full_like(theta, self.initial_accumulator)}

    def worked(self, theta: Array, grad: Array, state: State, t: int) -> dict[str, Array]:
        g = decayed(grad, theta, self.weight_decay, self.maximize)
        big_g = state["G"] + g * g  # G ← G + g²
        new = theta - self.learning_rate * g / root(big_g, self.eps, self.eps_inside)
        return {**({"g": g} if self.weight_decay else {}), "G": big_g, "theta": new}

    def lines(self, o: Operands, t: int) -> tuple[Line, ...]:
        g = gradient(o, self.weight_decay)
        accumulated = Add((o.before("G"), Pow(g, num(2))))
        step = Frac(
            Mul((o.hyper("learning_rate"), g)),
            root_expr(o.after("G"), o.hyper("eps"), self.eps_inside),
        )
        return (
            *gradient_lines(o, self.weight_decay),
            Line("G", accumulated),
            Line("theta", Sub(o.before("theta"), step)),
        )

    def conventions(self) -> str:
        decay = ", weight decay g = ∂L/∂θ + λθ" if self.weight_decay else ""
        return f"AdaGrad as torch.optim: G ← G + g², θ ← θ − ηg/(√G + ε), ε outside the root{decay}"

    def mistakes(self) -> tuple[OptimizerMistake, ...]:
        return (eps_inside_mistake(self, "G"),)

    def insights(self, run: Run) -> tuple[tuple[str, Message], ...]:
        if not run.state or len(run.loss_history) < 3:
            return ()
        # The largest effective rate η/(√G + ε) of any entry after the first and the last step.
        first = max(
            float(
                np.max(self.learning_rate / root(self.init_state(g)["G"] + g * g, self.eps, False))
            )
            for g in run.gradients.values()
        )
        last = max(
            float(np.max(self.learning_rate / root(s["G"], self.eps, False)))
            for s in run.state.values()
        )
        steps = len(run.loss_history) - 1
        message: Message = (
            "AdaGrad's effective rate η/(√G + ε) only falls, since G only grows: the largest "
            f"of any entry is {first:.4g} after the first step and {last:.4g} after step "
            f"{steps}. On a long run the steps shrink towards 0 (RMSprop and Adam forget old "
            "gradients instead).",
        )
        return (("adagrad_rate_falls", message),)

    def ascending(self) -> Optimizer:
        return replace(self, maximize=not self.maximize)

    def in_words(self, theta: str, grad: str) -> str:
        return f"{theta} − η·{grad}/(√G + ε), G = {grad}²"
