"""`backprop validate`: load problem files without solving them, one verdict each."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from backprop_cli import kinds
from backprop_cli.errors import BackpropError
from backprop_cli.load.problem import Problem, load
from backprop_cli.load.reader import plural


def validate(files: Sequence[str]) -> Iterator[tuple[str, Problem | BackpropError]]:
    """Each file with its loaded problem, or the error that stops it from loading."""
    for file in files:
        try:
            yield file, load(file)
        except BackpropError as error:
            yield file, error


def describe(problem: Any) -> str:
    """What a valid file holds, in its kind's words (``2 layers, 9 parameters, 1 sample``)."""
    return kinds.of(problem).describe(problem)


def describe_network(problem: Problem) -> str:
    """``2 layers, 9 parameters, 1 sample``: what a valid network file holds."""
    parts = [
        plural(len(problem.layers), "layer"),
        plural(problem.parameters, "parameter"),
        plural(problem.samples, "sample"),
    ]
    if problem.variants:
        parts.append(plural(len(problem.variants), "variant"))
    return ", ".join(parts)
