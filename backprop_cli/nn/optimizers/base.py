"""The optimizer protocol: one module per optimizer, as ``torch.optim``.

Each parameter θ (``W1``, ``b1``, …) has its own state dictionary, as
``torch.optim.Optimizer.state[p]``: created by `init_state`, carried from one
`step` to the next. An optimizer also writes its update as formula trees, so
the derivation shows it.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from backprop_cli.expr import Expr

Array = np.ndarray
State = dict[str, Array]
"""One parameter's optimizer state (``{}`` for plain gradient descent; ``m``, ``v`` for Adam)."""


class Optimizer(Protocol):
    name: str

    @property
    def hyperparameters(self) -> dict[str, float]:
        """Every hyperparameter by name, defaults filled in (for the report)."""
        ...

    def init_state(self, theta: Array) -> State:
        """The state of a parameter before its first update."""
        ...

    def step(self, theta: Array, grad: Array, state: State, t: int) -> tuple[Array, State]:
        """θ after update ``t`` (1, 2, …) with gradient ``grad``, and the new state."""
        ...

    def rule(self, theta: Expr, grad: Expr) -> Expr:
        """The right-hand side of θ ← …, in symbols (θ − η ∂L/∂θ)."""
        ...

    def substitution(self, theta: Expr, grad: Expr) -> Expr:
        """The same with the numbers ``theta`` and ``grad`` in place."""
        ...

    def ascending(self) -> Optimizer:
        """The same optimizer stepping uphill (the "+ instead of −" mistake)."""
        ...

    def in_words(self, theta: str, grad: str) -> str:
        """The update in the answers file's names, for ``check``: ``W1 − η·dW1``."""
        ...
