"""The worked solution as steps: each quantity's formula, substitution and value.

Built from the values the engine found; nothing is recomputed. Element-by-element
steps are made for small layers (at most `context.DETAIL_UNITS` units and inputs)
of small batches (at most `context.DETAIL_SAMPLES` samples); the matrix form of
every step is always made, its numbers held by reference, so a large network
costs no copies.
"""

from __future__ import annotations

from backprop_cli.derive import backward, forward, penalty, update
from backprop_cli.derive.context import Context
from backprop_cli.solve.records import Solution, Step


def steps(solution: Solution) -> tuple[Step, ...]:
    """Every step of ``solution`` in reading order: forward, loss, backward, update."""
    context = Context(solution)
    return (
        *forward.steps(context),
        *penalty.loss_steps(context),
        *backward.steps(context),
        *update.steps(context),
    )
