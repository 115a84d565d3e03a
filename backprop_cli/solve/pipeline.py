"""Solving a problem of any kind: the options, and the call that hands it to its kind.

A network is solved in stages (`kinds.network.solver`): the engine finds the
values, the derivation (`derive`) writes them as steps, the insights read
them. The engine knows neither of the other two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import Any

from backprop_cli import kinds
from backprop_cli.records import dataclass


@dataclass(frozen=True)
class Options:
    round_intermediate: int | None = None
    """Round every intermediate value to this many decimals before it is used."""
    gradient_check: bool = False
    """Compare every gradient with central finite differences."""
    progress: Callable[[int, int], None] | None = field(default=None, compare=False)
    """Told ``(step, steps)`` after each training step (the command line's progress bar)."""
    check_share: int = 1
    """The gradient check's budget is shared by this many problems (variants, files)."""


def solve(problem: Any, options: Options = Options()) -> Any:
    """The worked solution of ``problem``, by its kind: values, steps, insights, variants."""
    return kinds.of(problem).solve(problem, options)
