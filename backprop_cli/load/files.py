"""The FILE arguments of one command: how many, and their sizes capped together."""

from __future__ import annotations

from collections.abc import Sequence

from backprop_cli.errors import BackpropError
from backprop_cli.load import caps as limits
from backprop_cli.load.problem import Problem, load
from backprop_cli.load.size import NOTHING
from backprop_cli.load.yaml_source import ValueBudget


def check_file_count(files: Sequence[str]) -> None:
    if len(files) > limits.MAX_FILES:
        raise BackpropError(
            f"expected at most {limits.MAX_FILES} FILE arguments (the size cap), got {len(files)}"
        )


def load_all(files: Sequence[str], assignments: Sequence[str] = ()) -> list[Problem]:
    """The problems of one ``solve``, their sizes capped together.

    Each file is refused as soon as it brings the total beyond a cap, before the
    next one is read.
    """
    check_file_count(files)
    problems: list[Problem] = []
    total = NOTHING
    budget = ValueBudget()
    for file in files:
        problem = load(file, assignments, budget=budget)
        total = total + problem.total_size
        over = total.over()
        if over is not None and problems:
            raise BackpropError(f"{problem.source}: with the files before it, {over[1]}")
        problems.append(problem)
    return problems
