"""What `check` grades in a graph problem, in the order a student works it out.

    each node's value (file order) → d<name> for each gate, output back → d<input>
      → <input>_new (after the update)

Each `Quantity` computes itself from *any* values of the quantities it reads
(a gate's value from its arguments; a gradient as Σ upstream × local over its
paths), so `check` can carry a student's own values forward and the mistakes
(`mistakes`) replay a wrong rule on them. The maths is the gates' own
(`gates`): nothing is computed twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import numpy as np

from backprop_cli.grade.quantities import Array, Quantity, Values
from backprop_cli.kinds.graph.records import GraphSolution, PathTerm
from backprop_cli.kinds.graph.staging import Node
from backprop_cli.nn.optimizers import Optimizer


class GraphQuantities:
    """The gradable quantities of a graph solution, in dependency order."""

    depth = 0
    """No layers: names such as ``a1`` are a graph's own."""

    def __init__(self, solution: GraphSolution) -> None:
        from backprop_cli.kinds.graph.mistakes import MISTAKES

        self.solution = solution
        self.problem = solution.problem
        self.nodes = {node.name: node for node in self.problem.nodes}
        self.constants = dict(self.problem.inputs)
        self.quantities = tuple(self._build())
        self.index = {q.name: i for i, q in enumerate(self.quantities)}
        self.mistakes = MISTAKES

    def __getitem__(self, name: str) -> Quantity:
        return self.quantities[self.index[name]]

    def __contains__(self, name: str) -> bool:
        return name in self.index

    # --- the steps, from any values -----------------------------------------

    def value_of(self, name: str, v: Values) -> float:
        """A name's value: the student's (or computed) node value, or the input's given one."""
        return float(v[name]) if name in self.nodes else self.constants[name]

    def arguments(self, node: Node, v: Values) -> tuple[float, ...]:
        return tuple(self.value_of(a.name, v) if a.name else a.value for a in node.args)

    def value(self, node: Node, v: Values) -> Array:
        return np.asarray(node.gate.value(self.arguments(node, v)))

    def upstream(self, term: PathTerm, v: Values) -> float:
        """∂f/∂(consumer): 1 at the output (the seed), else the consumer's gradient."""
        if term.consumer == self.problem.output:
            return 1.0
        return float(v[f"d{term.consumer}"])

    def local(self, term: PathTerm, v: Values) -> float:
        consumer = self.nodes[term.consumer]
        args = self.arguments(consumer, v)
        return consumer.gate.local(args, self.value_of(term.consumer, v))[term.position]

    def gradient(self, terms: tuple[PathTerm, ...], v: Values) -> Array:
        """Σ over the paths of upstream × local."""
        return np.asarray(sum(self.upstream(t, v) * self.local(t, v) for t in terms))

    def optimizer(self, wrong_way: bool = False) -> Optimizer:
        """The problem's gradient descent (ascent when it climbs; the other way round for the
        "+ instead of −" mistake)."""
        update = self.solution.update
        assert update is not None
        optimizer = update.optimizer
        return optimizer.ascending() if update.ascent != wrong_way else optimizer

    def updated(self, name: str, v: Values, wrong_way: bool = False) -> Array:
        """One step of the optimizer from the given input with the student's gradient."""
        theta = np.asarray(self.constants[name])
        optimizer = self.optimizer(wrong_way)
        return optimizer.step(theta, np.asarray(v[f"d{name}"]), optimizer.init_state(theta), 1)[0]

    def after_steps(self, name: str, v: Values) -> Array:
        """An input after several updates: not a function of one gradient, so the solution's."""
        return self[name].expected

    # --- building -----------------------------------------------------------

    def _reads(self, node: Node) -> tuple[str, ...]:
        """The node values a gate's value or local gradient reads (inputs are given)."""
        return tuple(dict.fromkeys(name for name in node.inputs if name in self.nodes))

    def _build(self) -> Iterator[Quantity]:
        s, p = self.solution, self.problem
        results = {r.name: r for r in s.nodes}
        for node in p.nodes:
            formula = _formula(node)
            compute = partial(self.value, node)
            expected = np.asarray(results[node.name].value)
            yield Quantity(node.name, "value", None, expected, self._reads(node), compute, formula)
        gates = [r for r in s.nodes if r.node is not None and r.name != p.output]
        leaves = [r for r in s.nodes if r.node is None]
        for r in [*reversed(gates), *leaves]:
            if not r.paths:
                continue
            reads: list[str] = []
            for t in r.paths:
                if t.consumer != p.output:
                    reads.append(f"d{t.consumer}")
                reads += [t.consumer, *self._reads(self.nodes[t.consumer])]
            terms = " + ".join(
                f"d{t.consumer}·∂{t.consumer}/∂{r.name}"
                if t.consumer != p.output
                else f"∂{t.consumer}/∂{r.name}"
                for t in r.paths
            )
            yield Quantity(
                f"d{r.name}",
                "grad",
                None,
                np.asarray(r.grad),
                tuple(
                    dict.fromkeys(name for name in reads if name in self.nodes or name[0] == "d")
                ),
                partial(self.gradient, r.paths),
                terms,
            )
        if s.update is None:
            return
        for name, value in s.update.inputs.items():
            sign = "+" if s.update.ascent else "−"
            rule = f"{name} {sign} η·d{name}"
            if s.update.optimizer.conventions():  # momentum, Adam, …: in the optimizer's words
                rule = s.update.optimizer.in_words(name, f"d{name}")
            if s.update.steps == 1:
                yield Quantity(
                    f"{name}_new",
                    "update",
                    None,
                    np.asarray(value),
                    (f"d{name}",),
                    partial(self.updated, name),
                    rule,
                )
            else:
                yield Quantity(
                    f"{name}_new",
                    "update",
                    None,
                    np.asarray(value),
                    (),
                    partial(self.after_steps, f"{name}_new"),
                    f"{name} after {s.update.steps} updates",
                )


def _formula(node: Node) -> str:
    from backprop_cli.kinds.graph.report import FORMULA
    from backprop_cli.kinds.graph.steps import formula

    return FORMULA.write(formula(node))


def quantities(solution: GraphSolution) -> GraphQuantities:
    return GraphQuantities(solution)
