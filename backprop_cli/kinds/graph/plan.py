"""A graph compiled once for its many passes: positions in one list instead of names.

A pass keeps every value in one list: the constants first, then the inputs, then
each gate's value as it is computed, so that a gate's arguments are positions
found once, not names looked up on every pass. The backward pass walks only the
gates on a path to the output (which those are depends on the graph, not on the
values) and keeps, for each value, the terms of its gradient: upstream × local,
one per use. The maths is the gates' own (`value`, `local`, `undefined`); `solver`
reads the records of a worked solution off a pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

from backprop_cli.errors import ProblemError
from backprop_cli.kinds.graph.gates import Values
from backprop_cli.kinds.graph.problem import GraphProblem
from backprop_cli.kinds.graph.records import PathTerm
from backprop_cli.kinds.graph.staging import Node
from backprop_cli.load.yaml_source import line_of


class Evaluation(NamedTuple):
    """What the forward pass needs of a gate (a tuple, unpacked in the loop)."""

    value: Callable[[Values], float]
    undefined: Callable[[Values, tuple[bool, ...]], str | None] | None
    """None for a gate defined everywhere (nothing to check)."""
    gather: Callable[[list[float]], Any]
    """The argument values from a pass's list: a tuple, or the one value of a single one."""
    single: bool
    variable: tuple[bool, ...]
    """Which arguments are values of the graph (the others are constants)."""
    node: Node


class Derivation(NamedTuple):
    """What the backward pass needs of a gate (a tuple, unpacked in the loop)."""

    local: Callable[[Values, float], Values]
    gather: Callable[[list[float]], Any]
    single: bool
    uses: tuple[tuple[int, int], ...]
    """(argument, position of the value it reads) for each argument that is not a constant."""
    at: int
    """The gate's own position."""
    node: Node


class Backward(NamedTuple):
    """What a backward pass found, by position."""

    terms: list[list[float]]
    """Each input's gradient terms, from the output back (one per use), by position (the
    constants before the inputs get none)."""
    paths: list[list[PathTerm]] | None
    """Every value's terms as records, when asked for."""


class Plan:
    """The passes of one graph problem; every error names the gate's place in the file."""

    def __init__(self, problem: GraphProblem) -> None:
        self.problem = problem
        self.constants = [a.value for node in problem.nodes for a in node.args if a.name is None]
        self.names = (*problem.input_names, *(node.name for node in problem.nodes))
        """The inputs and the gates, in the order of their positions (after the constants)."""
        self.position = {name: len(self.constants) + i for i, name in enumerate(self.names)}
        constant = iter(range(len(self.constants)))
        gates, derivations = [], []
        for node in problem.nodes:
            at = [next(constant) if a.name is None else self.position[a.name] for a in node.args]
            gather, single, gate = itemgetter(*at), len(at) == 1, node.gate
            variable = tuple(a.name is not None for a in node.args)
            undefined = None if gate.total else gate.undefined
            gates.append(Evaluation(gate.value, undefined, gather, single, variable, node))
            uses = tuple((i, p) for i, p in enumerate(at) if variable[i])
            position = self.position[node.name]
            derivations.append(Derivation(gate.local, gather, single, uses, position, node))
        self.gates = tuple(gates)
        self.output = self.position[problem.output]
        self.wrt = [self.position[name] for name in problem.wrt]
        self.first = first = len(self.constants) + len(problem.inputs)
        """The first gate's position."""
        reaches = {self.output}
        walk = []
        for gate in reversed(derivations[: self.output - first + 1]):
            if gate.at in reaches:
                walk.append(gate)
                reaches.update(p for _, p in gate.uses)
        self.walk = tuple(walk)
        """The gates on a path to the output, from the output back."""

    def fail(self, node: Node, reason: str, step: int | None) -> ProblemError:
        where = "" if step is None else f" (after update {step})"
        gate = "" if node.named else f"the gate {node.name}: "
        problem = self.problem
        return ProblemError(
            problem.source,
            node.origin,
            f"{gate}{reason}{where}",
            line_of(problem.document, node.origin),
        )

    def forward(self, inputs: Mapping[str, float], step: int | None = None) -> list[float]:
        """Every value by position: the constants, the inputs, then each gate's. A gate
        without a (finite) value or derivative there is a `ProblemError`."""
        values = [*self.constants, *(inputs[name] for name in self.problem.input_names)]
        append, isfinite = values.append, math.isfinite
        for value, undefined, gather, single, variable, node in self.gates:
            args = (gather(values),) if single else gather(values)
            if undefined is not None and (reason := undefined(args, variable)) is not None:
                raise self.fail(node, reason, step)
            out = value(args)
            if not isfinite(out):
                raise self.fail(node, f"the value overflows ({out})", step)
            append(out)
        return values

    def backward(
        self, values: Sequence[float], step: int | None = None, record: bool = False
    ) -> Backward:
        """From ∂f/∂f = 1 back: each gate on a path to the output adds upstream × local to
        each argument's gradient (so a value used twice gets the sum of both)."""
        grads = [0.0] * len(values)
        grads[self.output] = 1.0
        first, isfinite = self.first, math.isfinite
        terms: list[list[float]] = [[] for _ in range(first)]
        paths: list[list[PathTerm]] | None = [[] for _ in values] if record else None
        for local, gather, single, uses, at, node in self.walk:
            upstream = grads[at]
            slopes = local((gather(values),) if single else gather(values), values[at])
            for i, p in uses:
                term = upstream * slopes[i]
                if not isfinite(term):
                    raise self.fail(node, "the gradient overflows", step)
                grads[p] += term
                if p < first:
                    terms[p].append(term)
                if paths is not None:
                    paths[p].append(PathTerm(node.name, i, upstream, slopes[i]))
        return Backward(terms, paths)

    def gradients(self, values: Sequence[float], step: int | None = None) -> list[float]:
        """∂f/∂x for each input in ``wrt``: the sum of its terms, exactly rounded."""
        terms = self.backward(values, step).terms
        return [math.fsum(terms[p]) for p in self.wrt]
