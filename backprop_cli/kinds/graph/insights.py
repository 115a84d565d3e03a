"""What a student should notice in a graph's solution: one detector per kind.

A value used by several gates gets the sum over its paths (``fan_out``); max
and min route the gradient to one argument only (``routes``); relu at a
negative input (or abs at 0) stops it (``kills``);
an input that does not reach the output has gradient 0 (``unused``). Each
detector reads the node results; messages are words and formulas.
"""

from __future__ import annotations

from collections.abc import Callable

from backprop_cli.expr import Add, Message, Rel, num
from backprop_cli.kinds.graph.problem import GraphProblem
from backprop_cli.kinds.graph.records import NodeResult
from backprop_cli.kinds.graph.staging import Node, Operand
from backprop_cli.kinds.graph.steps import formula, gradient_symbol, symbol
from backprop_cli.load.reader import listed
from backprop_cli.solve.records import Insight

Detector = Callable[[GraphProblem, dict[str, NodeResult]], list[Insight]]

ROUTING = ("max", "min")
KILLERS = ("relu", "abs")


def times(count: int) -> str:
    """``twice``, ``three times``, ``5 times``."""
    return {2: "twice", 3: "three times"}.get(count, f"{count} times")


def fan_out(problem: GraphProblem, nodes: dict[str, NodeResult]) -> list[Insight]:
    found = []
    for result in nodes.values():
        if len(result.paths) < 2:
            continue
        consumers = [t.consumer for t in result.paths]
        counted = {c: consumers.count(c) for c in consumers}
        users = listed([c if n == 1 else f"{c} {times(n)}" for c, n in counted.items()])
        message: Message = (
            f"{result.name} is used {times(len(consumers))} "
            f"(by {users}): its gradient is the sum over the {len(consumers)} paths, one term each, ",
            Rel(
                gradient_symbol(problem.output, result.name),
                "=",
                Rel(Add(tuple(num(t.gradient) for t in result.paths)), "=", num(result.grad)),
            ),
            " (leaving a path out is the classic mistake of backpropagation by hand).",
        )
        found.append(Insight("fan_out", message))
    return found


def _arguments(node: Node, nodes: dict[str, NodeResult]) -> tuple[float, ...]:
    return tuple(nodes[a.name].value if a.name is not None else a.value for a in node.args)


def _reaches(problem: GraphProblem, result: NodeResult) -> bool:
    """Whether the node is on a path to the output (or is the output)."""
    return bool(result.paths) or result.name == problem.output


def _shown(operand: Operand) -> str:
    return operand.name if operand.name is not None else f"the constant {operand.value:g}"


def routes(problem: GraphProblem, nodes: dict[str, NodeResult]) -> list[Insight]:
    """max and min send the whole upstream gradient to one argument (SPEC: the first on a tie)."""
    found = []
    for result in nodes.values():
        node = result.node
        if node is None or node.gate.name not in ROUTING or not _reaches(problem, result):
            continue
        args = _arguments(node, nodes)
        first = node.gate.local(args, result.value)[0] == 1.0
        winner, loser = node.args if first else node.args[::-1]
        tie = " (a tie: the first argument gets it)" if args[0] == args[1] else ""
        message: Message = (
            f"{node.gate.word} routes: ",
            Rel(symbol(result.name), "=", formula(node)),
            f" sends the whole upstream gradient to {_shown(winner)} and none to "
            f"{_shown(loser)}{tie}.",
        )
        found.append(Insight("routes", message))
    return found


def kills(problem: GraphProblem, nodes: dict[str, NodeResult]) -> list[Insight]:
    """relu at an input ≤ 0 (relu′(0) = 0) or abs at 0 passes no gradient back."""
    found = []
    for result in nodes.values():
        node = result.node
        if node is None or node.gate.name not in KILLERS or not _reaches(problem, result):
            continue
        (value,) = _arguments(node, nodes)
        if node.gate.local((value,), result.value)[0] != 0.0:
            continue
        arg = node.args[0]
        message: Message = (
            f"{result.name} = {node.gate.word}(…) kills the gradient: at its input ",
            Rel(symbol(arg.name) if arg.name is not None else num(value), "=", num(value)),
            " its local gradient is 0, so nothing before it gets a gradient through it.",
        )
        found.append(Insight("kills", message))
    return found


def unused(problem: GraphProblem, nodes: dict[str, NodeResult]) -> list[Insight]:
    found = []
    for name in problem.wrt:
        if not nodes[name].paths:
            message: Message = (
                f"{name} does not reach {problem.output}: ",
                Rel(gradient_symbol(problem.output, name), "=", num(0)),
                ".",
            )
            found.append(Insight("unused", message))
    return found


DETECTORS: tuple[Detector, ...] = (fan_out, routes, kills, unused)


def find(problem: GraphProblem, results: tuple[NodeResult, ...]) -> tuple[Insight, ...]:
    nodes = {r.name: r for r in results}
    return tuple(insight for detect in DETECTORS for insight in detect(problem, nodes))
