"""`backprop validate`: load problem files without solving them, one verdict each."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from backprop_cli.errors import BackpropError
from backprop_cli.load.problem import Problem, load
from backprop_cli.load.reader import plural
from backprop_cli.load.yaml_source import ValueBudget


def validate(files: Sequence[str]) -> Iterator[tuple[str, Problem | BackpropError]]:
    """Each file with its loaded problem, or the error that stops it from loading.

    The files share one budget of YAML values (`MAX_YAML_VALUES`): reading is
    what validating costs."""
    budget = ValueBudget()
    for file in files:
        try:
            yield file, load(file, budget=budget)
        except BackpropError as error:
            yield file, error


def describe(problem: Problem) -> str:
    """``2 layers, 9 parameters, 1 sample``: what a valid file holds."""
    parts = [
        plural(len(problem.layers), "layer"),
        plural(problem.parameters, "parameter"),
        plural(problem.samples, "sample"),
    ]
    if problem.variants:
        parts.append(plural(len(problem.variants), "variant"))
    return ", ".join(parts)
