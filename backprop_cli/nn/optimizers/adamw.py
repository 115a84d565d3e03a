"""AdamW, as ``torch.optim.AdamW``: Adam with the weight decay taken out of the gradient.

    θ ← θ − ηλθ               (decoupled weight decay, first)
    then Adam's step from g = ∂L/∂θ, without λθ in it

Adam's ``weight_decay`` adds λθ to g, so it passes through m and v (L2); AdamW's
shrinks θ directly, whatever the moments.
"""

from __future__ import annotations

from typing import ClassVar

from backprop_cli.expr import Mul, Sub
from backprop_cli.nn.optimizers.adam import Adam, adam_settings
from backprop_cli.nn.optimizers.base import Array, Line, Operands, OptimizerMistake, Setting
from backprop_cli.records import dataclass


@dataclass(frozen=True)
class AdamW(Adam):
    weight_decay: float = 0.01
    name = "adamw"
    SETTINGS: ClassVar[dict[str, Setting]] = adam_settings(
        0.01, "At least 0: λ, the decoupled decay θ ← θ − ηλθ before each step."
    )

    @property
    def title(self) -> str:
        return "AdamW"

    def decoupled(self, theta: Array) -> dict[str, Array]:
        return {"decayed": theta - self.learning_rate * self.weight_decay * theta}

    def decoupled_lines(self, o: Operands) -> tuple[Line, ...]:
        theta = o.before("theta")
        shrink = Mul((o.hyper("learning_rate"), o.hyper("weight_decay"), theta))
        return (Line("decayed", Sub(theta, shrink)),)

    def conventions(self) -> str:
        adam = super().conventions().removeprefix("Adam as torch.optim: ")
        return f"AdamW as torch.optim: θ ← θ − ηλθ first (decoupled weight decay), then {adam}"

    def mistakes(self) -> tuple[OptimizerMistake, ...]:
        as_l2 = Adam(
            self.learning_rate, self.beta1, self.beta2, self.eps, self.weight_decay, self.maximize
        )
        return (
            *super().mistakes(),
            OptimizerMistake(
                "weight_decay_as_l2",
                "weight decay applied as L2",
                as_l2,
                (
                    "The weight decay is applied as L2, g = ∂L/∂θ + λθ inside m and v (Adam's "
                    "weight_decay); AdamW decouples it: θ ← θ − ηλθ, then the Adam step from "
                    "∂L/∂θ alone.",
                ),
            ),
        )
