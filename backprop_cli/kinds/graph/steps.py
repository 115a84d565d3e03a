"""A graph's worked solution as steps: formula → substitution → value.

Forward: ``q = x + y = −2 + 5 = 3``, node by node. Backward, from the output
(``∂f/∂f = 1``) to the inputs: each value's gradient as the sum over its paths
of upstream × local, ``∂f/∂x = ∂f/∂q·∂q/∂x = ∂f/∂q·1 = −4·1 = −4``, with one
term per use where a value feeds several gates. Update: ``x ← x − η ∂f/∂x``
for the first step, or the optimizer's own lines with every state. Symbols follow the names of the file: ``x0`` is x₀.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import numpy as np

from backprop_cli.derive.update import Numbers, Symbols, state_symbol
from backprop_cli.expr import Add, Expr, Mul, Neg, Num, Partial, Sub, Sym, num
from backprop_cli.kinds.graph.problem import GraphProblem
from backprop_cli.kinds.graph.records import GraphUpdate, NodeResult, PathTerm
from backprop_cli.kinds.graph.staging import Node
from backprop_cli.nn.optimizers.base import Operands
from backprop_cli.records import dataclass
from backprop_cli.solve.records import Phase, Step

_INDEXED = re.compile(r"([A-Za-z][A-Za-z_]*?)_?([0-9]+)\Z")
ETA = Sym("eta")


@functools.lru_cache(maxsize=16_384)
def symbol(name: str) -> Sym:
    """A graph name as a symbol: ``x0`` → x₀, ``w_12`` → w₁₂, ``q`` → q (made once a name: a
    long graph's derivation writes each name many times)."""
    match = _INDEXED.match(name)
    if match:
        return Sym(match.group(1), (match.group(2),))
    return Sym(name)


def formula(node: Node, value: dict[str, float] | None = None) -> Expr:
    """The node's formula in symbols, or with the numbers of ``value`` substituted."""
    args = tuple(
        num(a.value)
        if a.name is None
        else (symbol(a.name) if value is None else num(value[a.name]))
        for a in node.args
    )
    return node.gate.formula(args)


def inlined(nodes: dict[str, Node], name: str) -> Expr:
    """The formula of node ``name`` with the nodes named automatically written out in it:
    the expression as the file gave it, ``1/(1 + e^(−(w₀·x₀ + w₁·x₁ + w₂)))``."""
    node = nodes[name]
    args = tuple(
        num(a.value)
        if a.name is None
        else inlined(nodes, a.name)
        if a.name in nodes and not nodes[a.name].named
        else symbol(a.name)
        for a in node.args
    )
    return node.gate.formula(args)


def local_formula(node: Node, position: int) -> Expr:
    """∂(node)/∂(argument ``position``) in symbols."""
    args = tuple(num(a.value) if a.name is None else symbol(a.name) for a in node.args)
    return node.gate.local_formula(args, symbol(node.name), position)


def gradient_symbol(output: str, name: str) -> Partial:
    return Partial(symbol(output), symbol(name))


def _forward(problem: GraphProblem, values: dict[str, float]) -> Iterator[Step]:
    for node in problem.nodes:
        yield Step(
            Phase.FORWARD,
            node.name,
            symbol(node.name),
            (formula(node),),
            formula(node, values),
            np.array(values[node.name]),
        )


def _term(
    problem: GraphProblem, term: PathTerm, nodes: dict[str, Node], name: str
) -> tuple[Expr, Expr, Expr]:
    """One path's upstream × local: as partials, with the local rule's formula, in numbers."""
    consumer = nodes[term.consumer]
    rule = local_formula(consumer, term.position)
    if term.consumer == problem.output:  # the upstream is ∂f/∂f = 1: the local gradient alone
        return rule, rule, num(term.local)
    upstream = gradient_symbol(problem.output, term.consumer)
    return (
        Mul((upstream, Partial(symbol(term.consumer), symbol(name)))),
        Mul((upstream, rule)),
        Mul((num(term.upstream), num(term.local))),
    )


def _sum(parts: list[Expr]) -> Expr:
    return parts[0] if len(parts) == 1 else Add(tuple(parts))


def _backward(problem: GraphProblem, results: tuple[NodeResult, ...]) -> Iterator[Step]:
    output = problem.output
    yield Step(
        Phase.BACKWARD, f"d{output}", gradient_symbol(output, output), (), None, np.array(1.0)
    )
    nodes = {node.name: node for node in problem.nodes}
    gates = [r for r in results if r.node is not None]
    leaves = [r for r in results if r.node is None]
    for result in [*reversed(gates), *leaves]:  # the gates from the output back, then the inputs
        if result.name == output or not result.paths:
            continue
        terms = [_term(problem, t, nodes, result.name) for t in result.paths]
        chain, rules, numbers = (_sum([t[i] for t in terms]) for i in range(3))
        forms: tuple[Expr, ...] = (chain,) if chain == rules else (chain, rules)
        if isinstance(forms[-1], Num):  # the gradient is the local gradient's number: 1, −1
            forms = forms[:-1]
        yield Step(
            Phase.BACKWARD,
            f"d{result.name}",
            gradient_symbol(output, result.name),
            forms,
            None if isinstance(numbers, Num) else numbers,  # a number alone: the value itself
            np.array(result.grad),
        )


def _update(
    problem: GraphProblem, results: tuple[NodeResult, ...], update: GraphUpdate
) -> Iterator[Step]:
    if update.optimizer.conventions():  # momentum, Adam, …: the optimizer's own lines
        yield from _optimizer_lines(problem, results, update)
        return
    suffix = "_new" if update.steps == 1 else "_step1"
    by_name = {r.name: r for r in results}
    for i, name in enumerate(problem.wrt):
        x, g = by_name[name].value, by_name[name].grad
        step = Mul((ETA, gradient_symbol(problem.output, name)))
        numbers = Mul((num(update.learning_rate), num(g)))
        rule: Expr = Add((symbol(name), step)) if update.ascent else Sub(symbol(name), step)
        substitution: Expr = Add((num(x), numbers)) if update.ascent else Sub(num(x), numbers)
        yield Step(
            Phase.UPDATE,
            f"{name}{suffix}",
            symbol(name),
            (rule,),
            substitution,
            np.array(update.trajectory[1, i]),
            assign=True,
        )


@dataclass(frozen=True)
class _Climbing:
    """The operands of a rule that climbs: the gradient it follows is −∂f/∂x (torch.optim's
    ``maximize``), the rest as they are."""

    operands: Operands

    def before(self, name: str) -> Expr:
        value = self.operands.before(name)
        return Neg(value) if name == "grad" else value

    def after(self, name: str) -> Expr:
        return self.operands.after(name)

    def hyper(self, name: str) -> Expr:
        return self.operands.hyper(name)

    def t(self) -> Expr:
        return self.operands.t()


def _optimizer_lines(
    problem: GraphProblem, results: tuple[NodeResult, ...], update: GraphUpdate
) -> Iterator[Step]:
    """Each input's first update by the optimizer's rules (``v ← μv + g``, ``m̂ = m/(1 − β₁ᵗ)``,
    …), in symbols, then with the numbers: every state before and after."""
    suffix = "_new" if update.steps == 1 else "_step1"
    by_name = {r.name: r for r in results}
    optimizer = update.optimizer.ascending() if update.ascent else update.optimizer
    output = symbol(problem.output)
    for name in problem.wrt:
        x, g = by_name[name].value, by_name[name].grad
        start = {"theta": np.array(x), "grad": np.array(-g if update.ascent else g)}
        start.update(update.initial_state[name])
        values = update.worked[name]
        symbols: Operands = Symbols(symbol(name), output)
        if update.ascent:
            symbols = _Climbing(symbols)
        numbers = Numbers(start, values, optimizer, 1, lambda v: num(float(v)))
        for rule, line in zip(
            optimizer.lines(symbols, 1), optimizer.lines(numbers, 1), strict=True
        ):
            yield Step(
                Phase.UPDATE,
                f"{name}{suffix}" if rule.name == "theta" else f"{rule.name}_{name}",
                state_symbol(rule.name, symbol(name)),
                (rule.rhs,),
                line.rhs,
                np.array(values[rule.name]),
                assign=rule.assign,
            )


def derive(
    problem: GraphProblem, results: tuple[NodeResult, ...], update: GraphUpdate | None
) -> tuple[Step, ...]:
    values = {r.name: r.value for r in results}
    steps = [*_forward(problem, values), *_backward(problem, results)]
    if update is not None:
        steps += _update(problem, results, update)
    return tuple(steps)
