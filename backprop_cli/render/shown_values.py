"""Small helpers for showing a solution's values: which rows to show, values as numbers."""

from __future__ import annotations

import numpy as np

from backprop_cli.expr import Expr, Matrix, column, num
from backprop_cli.render.math_writer import sum_terms
from backprop_cli.solve.records import Solution


def shown_rows(count: int, max_rows: int) -> tuple[list[int], int]:
    """The rows to show of ``count`` (the first ones and the last) and how many are left out."""
    if count <= max_rows:
        return list(range(count)), 0
    keep = max(max_rows - 1, 1)
    return [*range(keep), count - 1], count - keep - 1


def evenly_spaced(count: int, max_rows: int) -> list[int]:
    """About ``max_rows`` of ``count`` steps at a round stride (1, 2, 5, 10, 20, 50, …),
    always with the first and the last: a training run's loss table."""
    if count <= max_rows:
        return list(range(count))
    wanted = (count - 1) / max(max_rows - 1, 1)
    stride = 1
    while stride < wanted:
        for factor in (2, 5, 10):
            if stride * factor >= wanted:
                stride *= factor
                break
        else:
            stride *= 10
    rows = list(range(0, count - 1, stride))
    return [*rows, count - 1]


def built_terms(count: int, max_rows: int) -> list[int]:
    """The terms of a sum of ``count`` worth building for a human format.

    The writers show the first `sum_terms` − 2 terms, an ellipsis and the last
    one of a longer sum, by position: building those, one stand-in that is never
    shown, and the last gives the same text without a term per input.
    """
    limit = sum_terms(max_rows)
    if count <= limit + 1:
        return list(range(count))
    return [*range(limit), count - 1]


def value_expr(value: np.ndarray) -> Expr:
    """A value as numbers: a scalar, a column vector, or a matrix (1×1 shown as a scalar);
    a value of more axes (a C×H×W sample) as its matrices over the last two axes, stacked
    in row-major order (channel 1's rows first)."""
    if value.size == 1:
        return num(float(value.reshape(-1)[0]))
    if value.ndim > 2:
        return Matrix(value.reshape(-1, value.shape[-1]))
    return column(value) if value.ndim == 1 else Matrix(value)


def per_sample(solution: Solution, values: np.ndarray) -> np.ndarray:
    """A per-sample quantity as the report shapes it: flat for one input, rows for a batch."""
    return values if solution.problem.batched else values[0]
