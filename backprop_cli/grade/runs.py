"""Training runs for ``check``: the parameters and the loss after every step, by any optimizer.

The solution keeps the parameters after the first and the last update only; a
student may give them after any step (``W1_step2``), and a mistaken optimizer
(no bias correction, the wrong momentum convention) gives other ones. A run is
made once per optimizer and remembered; problems too large to record every
step of are not recorded (their per-step quantities are not offered).
"""

from __future__ import annotations

from dataclasses import field, replace

import numpy as np

from backprop_cli.errors import ProblemError
from backprop_cli.load.problem import Problem
from backprop_cli.nn.optimizers import Optimizer
from backprop_cli.records import dataclass
from backprop_cli.solve.engine import backward, forward, initial_params, rounding
from backprop_cli.solve.training import States, train

Array = np.ndarray
MAX_RECORDED = 200_000
"""Parameter values × steps recorded at most (a hand-worked exercise has a few dozen)."""


@dataclass(frozen=True)
class Run:
    """A training run by one optimizer, every step kept."""

    params: tuple[dict[str, Array], ...]
    """The parameters after update 1, 2, …"""
    loss_history: Array
    first: dict[str, dict[str, Array]]
    """Every value the first update computed, by parameter (``m``, ``m_hat``, ``theta``)."""


def recordable(problem: Problem) -> bool:
    return problem.parameters * problem.steps <= MAX_RECORDED


@dataclass
class Runs:
    """The problem trained by each optimizer asked for, each run once."""

    problem: Problem
    round_intermediate: int | None = None
    _runs: dict[Optimizer, Run | None] = field(default_factory=dict)

    def run(self, optimizer: Optimizer) -> Run | None:
        """The run by ``optimizer`` (None when it leaves the loss's domain)."""
        if optimizer not in self._runs:
            self._runs[optimizer] = self._train(optimizer)
        return self._runs[optimizer]

    def _train(self, optimizer: Optimizer) -> Run | None:
        problem = replace(self.problem, optimizer=optimizer)
        rnd = rounding(self.round_intermediate)
        kept: list[dict[str, Array]] = []

        def record(t: int, params: dict[str, Array], states: States) -> None:
            kept.append(dict(params))

        params = initial_params(problem)
        try:
            with np.errstate(all="ignore"):
                fwd = forward(problem, params, rnd)
                update = train(
                    problem, params, fwd, backward(problem, params, fwd, rnd), rnd, recorder=record
                )
        except ProblemError:  # the mistaken run left the loss's domain: nothing to compare
            return None
        return Run(tuple(kept), update.loss_history, update.worked)
