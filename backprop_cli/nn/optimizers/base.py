"""The optimizer protocol: one module per optimizer, as ``torch.optim``.

Each parameter θ (``W1``, ``b1``, …) has its own state dictionary, as
``torch.optim.Optimizer.state[p]``: created by `init_state`, carried from one
`step` to the next. An optimizer also writes its update as formula trees
(`lines`), so the derivation shows it: each line computes one named value of
`worked` (``m``, ``v``, ``m_hat``, …, and last ``theta``), first in symbols,
then with the numbers in place, from the same code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace
from typing import Any, ClassVar, Protocol

import numpy as np

from backprop_cli.expr import Add, Call, Expr, Message, Mul, Sub, num
from backprop_cli.records import dataclass

Array = np.ndarray
State = dict[str, Array]
"""One parameter's optimizer state (``{}`` for plain gradient descent; ``m``, ``v`` for Adam)."""
Hyperparameter = float | bool | str


@dataclass(frozen=True)
class Setting:
    """One key of ``optimizer:``: what it means, its default (None: required) and its range."""

    meaning: str
    default: Hyperparameter | None
    rule: str
    """``positive`` (> 0), ``nonnegative`` (≥ 0), ``fraction`` (0 ≤ x < 1), ``flag`` (true or
    false) or ``choice`` (one of ``choices``)."""
    choices: tuple[str, ...] = ()


SYMBOLS: dict[str, str] = {
    "learning_rate": "eta",
    "momentum": "mu",
    "dampening": "tau",
    "weight_decay": "lambda",
    "eps": "epsilon",
    "alpha": "alpha",
    "beta1": "beta1",
    "beta2": "beta2",
    "theta": "theta",
    "g": "g",
    "velocity": "v",
    "G": "G",
    "s": "s",
    "m": "m",
    "v": "v",
    "m_hat": "mhat",
    "v_hat": "vhat",
}
"""The symbol (`expr.Sym` base) of each hyperparameter and each value of an update."""

LEARNING_RATE = "Greater than 0: the step size η."
WEIGHT_DECAY = "At least 0: λ, added to the gradient as λθ (as torch.optim's weight_decay)."


@dataclass(frozen=True)
class Line:
    """One line of an update: ``name ← rhs`` (a state or θ) or ``name = rhs`` (m̂, v̂)."""

    name: str
    rhs: Expr
    assign: bool = True


class Operands(Protocol):
    """What a line's formula reads: symbols (the rule) or numbers (its substitution)."""

    def before(self, name: str) -> Expr:
        """A value as it was before this update: ``theta``, ``grad``, a state (``m``)."""
        ...

    def after(self, name: str) -> Expr:
        """A value computed by an earlier line of this update (the new ``m``, ``g``, …)."""
        ...

    def hyper(self, name: str) -> Expr:
        """A hyperparameter by its key (``learning_rate``: η, ``beta1``: β₁), or its number."""
        ...

    def t(self) -> Expr:
        """The step number t (or its number)."""
        ...


@dataclass(frozen=True)
class OptimizerMistake:
    """A common mistake of an optimizer's update, for ``check``'s diagnosis: the optimizer
    made with it (``optimizer``) gives the wrong state and parameters."""

    kind: str
    title: str
    optimizer: Optimizer
    """The optimizer made with the mistake."""
    explanation: Message


class Optimizer(Protocol):
    name: str

    @property
    def state_names(self) -> tuple[str, ...]:
        """The state carried from step to step, in the report's names (``m``, ``v``)."""
        ...

    @property
    def hyperparameters(self) -> dict[str, Hyperparameter]:
        """Every hyperparameter by name, defaults filled in (for the report)."""
        ...

    @property
    def learning_rate(self) -> float: ...

    @property
    def title(self) -> str:
        """Its name in a sentence: ``Adam``, ``SGD with momentum (classic convention)``."""
        ...

    def init_state(self, theta: Array) -> State:
        """The state of a parameter before its first update."""
        ...

    def step(self, theta: Array, grad: Array, state: State, t: int) -> tuple[Array, State]:
        """θ after update ``t`` (1, 2, …) with gradient ``grad``, and the new state."""
        ...

    def worked(self, theta: Array, grad: Array, state: State, t: int) -> dict[str, Array]:
        """Every value update ``t`` (1, 2, …) computes, in the order of `lines`; ``theta``
        (the new θ) last."""
        ...

    def lines(self, o: Operands, t: int) -> tuple[Line, ...]:
        """The update's formulas, one per value of `worked`."""
        ...

    def conventions(self) -> str:
        """The convention used, in words, for the solution's conventions list (empty for
        plain gradient descent, which needs none)."""
        ...

    def mistakes(self) -> tuple[OptimizerMistake, ...]: ...

    def insights(self, run: Run) -> tuple[tuple[str, Message], ...]:
        """What is worth a student's attention in a run: (kind, message) pairs."""
        ...

    def ascending(self) -> Optimizer:
        """The same optimizer stepping uphill (the "+ instead of −" mistake; ``ascent``)."""
        ...

    def in_words(self, theta: str, grad: str) -> str:
        """The update in the answers file's names, for ``check``: ``W1 − η·dW1``."""
        ...


class Stepping(ABC):
    """`Optimizer.step` from `Optimizer.worked`: the values are computed in one place; the
    hyperparameters are read off the optimizer's own `SETTINGS`."""

    SETTINGS: ClassVar[dict[str, Setting]]

    @classmethod
    def refuse(cls, settings: dict[str, Hyperparameter]) -> tuple[str, str] | None:
        """A combination torch.optim refuses: (the key, what it needs); none by default."""
        return None

    @property
    def hyperparameters(self) -> dict[str, Hyperparameter]:
        """Every hyperparameter by name, defaults filled in (for the report)."""
        return {key: getattr(self, key) for key in self.SETTINGS}

    @property
    @abstractmethod
    def state_names(self) -> tuple[str, ...]: ...

    @abstractmethod
    def worked(self, theta: Array, grad: Array, state: State, t: int) -> dict[str, Array]: ...

    def step(self, theta: Array, grad: Array, state: State, t: int) -> tuple[Array, State]:
        """θ after update ``t`` with gradient ``grad``, and the new state."""
        values = self.worked(theta, grad, state, t)
        return values["theta"], {name: values[name] for name in self.state_names}


# --- pieces several optimizers share -------------------------------------------


def decayed(grad: Array, theta: Array, weight_decay: float, maximize: bool) -> Array:
    """g = ∂L/∂θ + λθ (torch.optim's weight_decay; −∂L/∂θ first when climbing)."""
    g = -grad if maximize else grad
    return g + weight_decay * theta if weight_decay else g


def gradient_lines(o: Operands, weight_decay: float) -> tuple[Line, ...]:
    """``g = ∂L/∂θ + λθ`` when there is weight decay (else g is ∂L/∂θ itself)."""
    if not weight_decay:
        return ()
    return (
        Line(
            "g", Add((o.before("grad"), Mul((o.hyper("weight_decay"), o.before("theta"))))), False
        ),
    )


def gradient(o: Operands, weight_decay: float) -> Expr:
    """The gradient the update uses: g with weight decay, else ∂L/∂θ."""
    return o.after("g") if weight_decay else o.before("grad")


def root(value: Array, eps: float, inside: bool) -> Array:
    """√x + ε, as torch.optim (``inside``: the √(x + ε) of some textbooks, a mistake here)."""
    return np.sqrt(value + eps) if inside else np.sqrt(value) + eps


def root_expr(value: Expr, eps: Expr, inside: bool) -> Expr:
    return Call("sqrt", (Add((value, eps)),)) if inside else Add((Call("sqrt", (value,)), eps))


def eps_inside_mistake(optimizer: Any, accumulated: str) -> OptimizerMistake:
    """√(x + ε) for √x + ε, where x is the ``accumulated`` average of squares (G, s, v̂);
    ``optimizer`` is a dataclass with an ``eps_inside`` field."""
    return OptimizerMistake(
        "eps_inside_root",
        "ε inside the square root",
        replace(optimizer, eps_inside=True),
        (
            f"ε is inside the square root: the update divides by √{accumulated} + ε (ε outside "
            f"the root, as torch.optim), not by √({accumulated} + ε).",
        ),
    )


def one_minus(o: Operands, name: str) -> Expr:
    """1 − β (a hyperparameter's complement)."""
    return Sub(num(1), o.hyper(name))


@dataclass(frozen=True)
class Run:
    """What an optimizer's insights read of a training run (by parameter name)."""

    start: dict[str, Array]
    """The parameters before the first update (those updated)."""
    first: dict[str, Array]
    """… after it."""
    gradients: dict[str, Array]
    """The gradients the first update used."""
    loss_history: Array
    state: dict[str, State]
    """The state after the last update."""


def overshoot(run: Run, what: str) -> tuple[tuple[str, Message], ...]:
    """The loss rising again after it fell: the momentum carried the parameters past a minimum."""
    history = run.loss_history
    for i in range(1, len(history) - 1):
        if history[i] < history[i - 1] and history[i + 1] > history[i]:
            message: Message = (
                f"The loss falls, then rises again after step {i} ({history[i]:.4g} → "
                f"{history[i + 1]:.4g}): {what} still points the old way and carries the "
                "parameters past the minimum before it turns back. Momentum overshoots; a "
                "smaller momentum or learning rate damps it.",
            )
            return (("momentum_overshoot", message),)
    return ()
