"""Formulas staged into gates: one node per operation, as a lecture draws the graph.

``(x + y) * z`` becomes ``n1 = x + y`` and ``f = n1 · z``. Constants stay
inside their gate (``1 + n2`` is one add gate with one input), and a gate
whose arguments are all constants is folded into its number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection

from backprop_cli.kinds.graph.gates import GATES, Gate
from backprop_cli.kinds.graph.parser import Apply, Const, Formula, FormulaError, Ref
from backprop_cli.records import dataclass


@dataclass(frozen=True)
class Operand:
    """An argument of a gate: an input or node by ``name``, or a constant ``value``."""

    name: str | None
    value: float = 0.0


@dataclass(frozen=True)
class Node:
    """One gate of the graph: ``name = gate(args)``."""

    name: str
    gate: Gate
    args: tuple[Operand, ...]
    named: bool = True
    """Named in the file (else named automatically when its formula was staged)."""
    origin: tuple[str, ...] = ()
    """Where its formula is in the file: ``("graph", "q")`` or ``("expression",)``."""

    @property
    def inputs(self) -> tuple[str, ...]:
        """The names it reads, in argument order (a name used twice appears twice)."""
        return tuple(a.name for a in self.args if a.name is not None)


class Stager:
    """Turns parsed formulas into nodes, naming the intermediate ones ``n1``, ``n2``, …"""

    def __init__(self, taken: Collection[str]) -> None:
        self.origin: tuple[str, ...] = ()
        self.taken = set(taken)
        self.nodes: list[Node] = []
        self.counter = 0

    def fresh(self) -> str:
        while True:
            self.counter += 1
            name = f"n{self.counter}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def stage(self, formula: Formula, name: str | Callable[[], str]) -> None:
        """Add the nodes of ``formula``; its last operation is the node ``name`` (a name, or a
        function giving one once the inner nodes have taken theirs)."""
        if isinstance(formula, Const):
            raise FormulaError(
                formula.column, "expected a formula of inputs or earlier nodes, got a number alone"
            )
        if isinstance(formula, Ref):
            node_name = name if isinstance(name, str) else name()
            self.nodes.append(
                Node(node_name, GATES["identity"], (Operand(formula.name),), True, self.origin)
            )
            return
        args = tuple(self.operand(arg) for arg in formula.args)
        node_name = name if isinstance(name, str) else name()
        self.taken.add(node_name)
        self.nodes.append(
            Node(node_name, GATES[formula.gate], args, isinstance(name, str), self.origin)
        )

    def operand(self, formula: Formula) -> Operand:
        if isinstance(formula, Const):
            return Operand(None, formula.value)
        if isinstance(formula, Ref):
            return Operand(formula.name)
        if all(isinstance(arg, Const) for arg in formula.args):
            return Operand(None, self.fold(formula))
        self.stage(formula, self.fresh)
        return Operand(self.nodes[-1].name)

    def fold(self, formula: Apply) -> float:
        gate = GATES[formula.gate]
        values = tuple(arg.value for arg in formula.args if isinstance(arg, Const))
        reason = gate.undefined(values, (False,) * len(values))
        value = math.nan if reason else gate.value(values)
        if not math.isfinite(value):
            raise FormulaError(formula.column, reason or "this constant overflows")
        return value
