"""The forward and backward passes of a graph, and the updates of its inputs.

Forward: each gate's value from its arguments, in file order. Backward: the
output's gradient is 1 (the seed); walking the gates from the last to the
first, each adds upstream × local to each of its arguments, so a value that
feeds several gates (or one gate twice) gets the sum over its paths. Nothing
here formats: `steps` writes the derivation from these numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from backprop_cli.errors import ProblemError
from backprop_cli.kinds.graph import insights, steps
from backprop_cli.kinds.graph.problem import GraphProblem
from backprop_cli.kinds.graph.records import GraphSolution, GraphUpdate, NodeResult, PathTerm
from backprop_cli.kinds.graph.staging import Node
from backprop_cli.load.yaml_source import line_of


def _arguments(node: Node, values: Mapping[str, float]) -> tuple[float, ...]:
    return tuple(values[a.name] if a.name is not None else a.value for a in node.args)


def _fail(problem: GraphProblem, node: Node, reason: str, step: int | None) -> ProblemError:
    where = "" if step is None else f" (after update {step})"
    gate = "" if node.named else f"the gate {node.name}: "
    return ProblemError(
        problem.source,
        node.origin,
        f"{gate}{reason}{where}",
        line_of(problem.document, node.origin),
    )


def forward(
    problem: GraphProblem, inputs: Mapping[str, float], step: int | None = None
) -> dict[str, float]:
    """Every value: the inputs, then each gate's. A gate without a (finite) value or
    derivative there is a `ProblemError` naming its place in the file."""
    values = dict(inputs)
    for node in problem.nodes:
        args = _arguments(node, values)
        variable = tuple(a.name is not None for a in node.args)
        reason = node.gate.undefined(args, variable)
        if reason is not None:
            raise _fail(problem, node, reason, step)
        value = node.gate.value(args)
        if not math.isfinite(value):
            raise _fail(problem, node, f"the value overflows ({value})", step)
        values[node.name] = value
    return values


def backward(
    problem: GraphProblem, values: Mapping[str, float], step: int | None = None
) -> dict[str, list[PathTerm]]:
    """Each name's path terms (upstream × local, one per use on the way to the output)."""
    paths: dict[str, list[PathTerm]] = {name: [] for name in values}
    grads = {problem.output: 1.0}
    position = {node.name: i for i, node in enumerate(problem.nodes)}
    for node in reversed(problem.nodes[: position[problem.output] + 1]):
        upstream = grads.get(node.name)
        if upstream is None:  # no path from here to the output
            continue
        args = _arguments(node, values)
        local = node.gate.local(args, values[node.name])
        for i, arg in enumerate(node.args):
            if arg.name is None:
                continue
            term = PathTerm(node.name, i, upstream, local[i])
            if not math.isfinite(term.gradient):
                raise _fail(problem, node, "the gradient overflows", step)
            paths[arg.name].append(term)
            grads[arg.name] = grads.get(arg.name, 0.0) + term.gradient
    for terms in paths.values():  # in the order of the file, as a student writes the sum
        terms.reverse()
    return paths


def results(
    problem: GraphProblem, inputs: Mapping[str, float], step: int | None = None
) -> tuple[NodeResult, ...]:
    values = forward(problem, inputs, step)
    paths = backward(problem, values, step)
    nodes = {node.name: node for node in problem.nodes}
    out = []
    for name, value in values.items():
        terms = tuple(paths[name])
        grad = 1.0 if name == problem.output else math.fsum(t.gradient for t in terms)
        out.append(NodeResult(name, nodes.get(name), value, grad, terms))
    return tuple(out)


def gradients(problem: GraphProblem, nodes: tuple[NodeResult, ...]) -> np.ndarray:
    by_name = {n.name: n for n in nodes}
    return np.array([by_name[name].grad for name in problem.wrt])


def train(problem: GraphProblem, start: tuple[NodeResult, ...]) -> GraphUpdate | None:
    """``steps`` updates of the inputs in ``wrt`` by the problem's optimizer (the registry's,
    as torch.optim on scalar tensors; ``maximize=True`` to climb): x ← x − η ∂f/∂x for plain
    gradient descent."""
    if problem.optimizer is None:
        return None
    optimizer = problem.optimizer.ascending() if problem.ascent else problem.optimizer
    inputs = {name: np.array(value) for name, value in problem.inputs}
    states = {name: optimizer.init_state(inputs[name]) for name in problem.wrt}
    initial = dict(states)
    worked: dict[str, dict[str, np.ndarray]] = {}
    nodes = start
    history = [next(n.value for n in nodes if n.name == problem.output)]
    trajectory = [[float(inputs[name]) for name in problem.wrt]]
    for step in range(1, problem.steps + 1):
        for name, g in zip(problem.wrt, gradients(problem, nodes), strict=True):
            if step == 1:  # every value of the first update, for its derivation
                worked[name] = optimizer.worked(inputs[name], g, states[name], step)
            inputs[name], states[name] = optimizer.step(inputs[name], g, states[name], step)
        values = {name: float(value) for name, value in inputs.items()}
        trajectory.append([values[name] for name in problem.wrt])
        if step < problem.steps:
            nodes = results(problem, values, step)
            history.append(next(n.value for n in nodes if n.name == problem.output))
        else:
            history.append(forward(problem, values, step)[problem.output])
    return GraphUpdate(
        learning_rate=problem.optimizer.learning_rate,
        steps=problem.steps,
        ascent=problem.ascent,
        value_history=np.array(history),
        trajectory=np.array(trajectory),
        inputs={name: trajectory[-1][i] for i, name in enumerate(problem.wrt)},
        optimizer=problem.optimizer,
        initial_state=initial,
        worked=worked,
        state=states,
    )


def solve(problem: GraphProblem) -> GraphSolution:
    nodes = results(problem, dict(problem.inputs))
    update = train(problem, nodes)
    return GraphSolution(
        problem=problem,
        nodes=nodes,
        steps=steps.derive(problem, nodes, update),
        insights=insights.find(problem, nodes),
        update=update,
    )
