"""The table over t of a layer whose quantities are per time step (a recurrent layer's hₜ,
cₜ and gates): one row per step, xₜ first, then each quantity at that step, then the
output the layers above give at it. Vectors are written as rows of numbers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from backprop_cli.expr import Expr, Matrix, num
from backprop_cli.render.document import Cell, Table

if TYPE_CHECKING:
    from backprop_cli.render.context import Layout
    from backprop_cli.solve.records import LayerResult

SAMPLES = 4
"""Samples whose steps are tabled; a larger batch keeps its first."""
SUBSCRIPT_T = "ₜ"


def _cell(values: np.ndarray) -> Expr:
    flat = values.reshape(-1)
    return num(float(flat[0])) if flat.size == 1 else Matrix(flat.reshape(1, -1))


def time_table(c: Layout, r: LayerResult) -> Iterator[Table]:
    per_step = {k: v for k, v in r.layer.kind.named(r.cache).items() if v.ndim == 3}
    if not per_step:
        return
    first = next(iter(per_step.values()))
    samples, steps = first.shape[:2]
    x = r.a_prev.reshape(samples, steps, -1)
    output = c.s.output
    every_step = output.shape[0] == samples * steps  # the layers above give a row per step
    names: list[Cell] = [k.removeprefix("gate_") + SUBSCRIPT_T for k in per_step]
    header: list[Cell] = (["sample"] if samples > 1 else []) + ["t", "x" + SUBSCRIPT_T, *names]
    header.append("ŷ" + SUBSCRIPT_T)
    rows: list[tuple[Cell, ...]] = []
    for s in range(min(samples, SAMPLES)):
        for t in range(steps):
            row: list[Cell] = [str(s + 1)] if samples > 1 else []
            row += [str(t + 1), _cell(x[s, t]), *(_cell(v[s, t]) for v in per_step.values())]
            if every_step:
                row.append(_cell(output[s * steps + t]))
            else:
                row.append(_cell(output[s]) if t == steps - 1 else "")
            rows.append(tuple(row))
    yield Table(tuple(header), tuple(rows))
