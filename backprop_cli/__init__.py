"""backprop: worked, step-by-step solutions of neural-network backpropagation exercises.

The library is what the command line calls::

    from backprop_cli import load, solve
    solution = solve(load("ex1"))
    solution.loss                     # 0.1013…

The pipeline's stages are subpackages (``load``, ``nn``, ``solve``, ``derive``,
``kinds``, ``grade``, ``author``, ``render``). Two of them share their names with the two
functions of the public API: the stage packages are imported first, so that the
names ``backprop_cli.load`` and ``backprop_cli.solve`` are then bound to the
functions; the stages' modules are reached as ``from backprop_cli.load.problem
import …``, which goes through ``sys.modules`` and is not affected.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, overload

# The stage packages hold only a docstring: importing them costs nothing.
import backprop_cli.load as _load_stage  # noqa: F401
import backprop_cli.solve as _solve_stage  # noqa: F401

if TYPE_CHECKING:
    from backprop_cli.load.problem import Problem
    from backprop_cli.solve.pipeline import Options
    from backprop_cli.solve.records import Solution, Solutions

__version__ = "0.1.0"

__all__ = ["__version__", "load", "solve"]


def load(file: str, assignments: Sequence[str] = ()) -> Problem:
    """A problem from a path, ``-`` (standard input) or a bundled name, with ``--set`` assignments."""
    # Imported on first use, so that `backprop --help` does not pay for NumPy.
    from backprop_cli.load.problem import load as load_problem

    return load_problem(file, assignments)


@overload
def solve(problem: Problem, options: Options | None = None) -> Solution: ...


@overload
def solve(problem: Sequence[Problem], options: Options | None = None) -> Solutions: ...


def solve(
    problem: Problem | Sequence[Problem], options: Options | None = None
) -> Solution | Solutions:
    """The worked solution of a problem: every value, step, insight and variant.

    Given a list of problems, their solutions, which a notebook shows one after
    another as Markdown.
    """
    from backprop_cli.solve.pipeline import Options
    from backprop_cli.solve.pipeline import solve as solve_problem
    from backprop_cli.solve.records import Solutions

    chosen = options or Options()
    if isinstance(problem, Sequence):
        return Solutions(solve_problem(p, chosen) for p in problem)
    return solve_problem(problem, chosen)
