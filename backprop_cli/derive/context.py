"""What every part of the derivation shares: the solution, its notation, and how
much detail to show."""

from __future__ import annotations

import numpy as np

from backprop_cli.expr import Expr, Frac, Matrix, Neg, column, num
from backprop_cli.nn.layers.base import LayerValues
from backprop_cli.notation import Notation
from backprop_cli.solve.records import Phase, Solution, Step, per_unit

DETAIL_UNITS = 8
"""Layers of at most this many units and inputs are derived element by element."""
DETAIL_SAMPLES = 4
"""Batches of at most this many samples are derived sample by sample."""
DETAIL_TERMS = 16
"""Sums over outputs or samples are written out term by term up to this many terms."""


class Context:
    def __init__(self, solution: Solution) -> None:
        self.solution = solution
        self.problem = solution.problem
        self.n = Notation(self.problem)
        self.depth = len(self.problem.layers)
        count = self.problem.samples
        self.samples = range(count) if count <= DETAIL_SAMPLES else range(0)
        """The samples derived element by element (none for a large batch)."""

    @property
    def batched(self) -> bool:
        return self.problem.batched

    def small(self, result: LayerValues) -> bool:
        return self.shows_elements(result.index)

    def shows_elements(self, l: int) -> bool:
        """Whether layer ``l`` is derived element by element: it and its input are small."""
        return self.n.width(l) <= DETAIL_UNITS and self.n.width(l - 1) <= DETAIL_UNITS

    def per_sample(self, values: np.ndarray) -> np.ndarray:
        """The report's shape: a flat vector for a single input, rows per sample for a batch."""
        return values if self.problem.batched else values[0]

    def vector(self, values: np.ndarray) -> Matrix:
        """A per-sample quantity as numbers: a column for one input, rows per sample for a batch
        (a batch's samples of several axes laid out row-major; one such sample as its
        last-two-axes matrices stacked, as its value is shown)."""
        if not self.problem.batched and values.ndim > 2:
            return Matrix(values[0].reshape(-1, values.shape[-1]))
        values = per_unit(values)
        return Matrix(values) if self.problem.batched else column(values[0])

    def name(self, base: str, sample: int, *index: int) -> str:
        """``z1[0]`` (or ``z1[2][0]`` for sample 2 of a batch): a path into the report."""
        parts = ([sample] if self.problem.batched else []) + list(index)
        return base + "".join(f"[{i}]" for i in parts)

    def cell(self, base: str, layer: int, sample: int, j: int) -> str:
        """`name` of unit j (row-major) of layer ``layer``'s output: ``delta1[0][1][0]`` for a
        C×H×W output, as the report nests it."""
        shape = self.problem.shapes[layer]
        index = (j,) if shape.arrangement.ndim == 1 else np.unravel_index(j, shape.dims)
        return self.name(base, sample, *(int(i) for i in index))

    def step(
        self,
        phase: Phase,
        symbol: str,
        lhs: Expr,
        forms: tuple[Expr, ...],
        substitution: Expr | None,
        value: np.ndarray | float,
        *,
        layer: int | None = None,
        sample: int | None = None,
        element: bool | None = None,
        assign: bool = False,
    ) -> Step:
        """A step; it is an element step when a sample is given unless ``element`` says otherwise."""
        return Step(
            phase=phase,
            symbol=symbol,
            lhs=lhs,
            forms=forms,
            substitution=substitution,
            value=np.asarray(value),
            layer=layer,
            element=sample is not None if element is None else element,
            sample=sample if self.problem.batched else None,
            assign=assign,
        )

    def coefficient(self, outputs: bool) -> list[Expr]:
        """The factors s·(1/N)·(1/K) in front of a loss derivative (those that are not 1)."""
        p = self.problem
        factors: list[Expr] = []
        if p.loss.scale != 1.0:
            factors.append(num(p.loss.scale))
        if p.loss.count(p.samples) > 1 and p.loss.averaged:
            factors.append(Frac(num(1), num(p.loss.count(p.samples))))
        if outputs and p.loss.function.mean_over_outputs and p.outputs > 1:
            factors.append(Frac(num(1), num(p.outputs)))
        return factors

    def negate(self, e: Expr) -> Expr:
        """−e for the losses written as minus a sum (the cross-entropies)."""
        return Neg(e) if self.problem.loss.function.negated else e
