"""The records a graph problem's solution is made of: what renderers and `check` read.

Values are Python floats (every node is a scalar); formulas are `expr` trees
inside the `Step`s. Nothing here computes or formats.
"""

from __future__ import annotations

from dataclasses import field

import numpy as np

from backprop_cli import kinds
from backprop_cli.kinds.graph.problem import GraphProblem
from backprop_cli.kinds.graph.staging import Node
from backprop_cli.nn.optimizers import Optimizer
from backprop_cli.records import dataclass
from backprop_cli.solve.records import GradientCheck, Insight, Step


@dataclass(frozen=True)
class PathTerm:
    """One term of a gradient's sum over paths: the gradient arriving through one argument
    of one consumer gate, upstream × local."""

    consumer: str
    position: int
    """Which argument of the consumer (0-based): ``x·x`` reads x through both."""
    upstream: float
    """∂f/∂(consumer)."""
    local: float
    """∂(consumer)/∂(this argument)."""

    @property
    def gradient(self) -> float:
        return self.upstream * self.local


@dataclass(frozen=True)
class NodeResult:
    """An input (``node`` is None) or a gate, with its value and ∂f/∂(it)."""

    name: str
    node: Node | None
    value: float
    grad: float
    paths: tuple[PathTerm, ...]
    """The terms ``grad`` sums, one per use of this value on the way to the output."""

    @property
    def inputs(self) -> tuple[str, ...]:
        return () if self.node is None else self.node.inputs


@dataclass(frozen=True)
class GraphUpdate:
    """``steps`` updates of the inputs in ``wrt`` by the optimizer: x ← x ∓ η ∂f/∂x for plain
    gradient descent (+ when climbing), else its own rule."""

    learning_rate: float
    steps: int
    ascent: bool
    value_history: np.ndarray
    """f before each update, then after the last one (steps + 1 values)."""
    trajectory: np.ndarray
    """The inputs in ``wrt`` before each update and after the last: (steps + 1) × len(wrt)."""
    inputs: dict[str, float]
    """The inputs in ``wrt`` after the last update."""
    optimizer: Optimizer
    """The optimizer as the file gives it (``ascent`` says whether it climbs)."""
    initial_state: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    """Each input's optimizer state before the first update."""
    worked: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    """Every value the first update computed for each input (``m``, ``m_hat``, ``theta``)."""
    state: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    """Each input's optimizer state after the last update."""


@dataclass(frozen=True)
class GraphSolution:
    """Everything solving a graph problem found; renderers read only this."""

    problem: GraphProblem
    nodes: tuple[NodeResult, ...]
    """The inputs, then the gates in file order."""
    steps: tuple[Step, ...]
    insights: tuple[Insight, ...] = ()
    update: GraphUpdate | None = None

    gradient_check: GradientCheck | None = None
    """``solve --check``: every gradient against finite differences."""
    variants: tuple[()] = ()
    """Graph problems have no variants (the command line asks every solution for them)."""

    def _repr_markdown_(self) -> str:
        """Jupyter shows a solution as its worked solution, in Markdown with maths."""
        return kinds.of(self).notebook(self, "markdown")

    def _repr_latex_(self) -> str:
        """The worked solution's LaTeX body, for a notebook's LaTeX output."""
        return kinds.of(self).notebook(self, "latex")

    def node(self, name: str) -> NodeResult:
        return next(n for n in self.nodes if n.name == name)

    @property
    def value(self) -> float:
        """The output's value."""
        return self.node(self.problem.output).value

    @property
    def gradients(self) -> dict[str, float]:
        """∂f/∂x for every input in ``wrt``."""
        return {name: self.node(name).grad for name in self.problem.wrt}
