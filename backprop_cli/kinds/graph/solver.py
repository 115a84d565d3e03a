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

from backprop_cli.kinds.graph import insights, steps
from backprop_cli.kinds.graph.plan import Plan
from backprop_cli.kinds.graph.problem import GraphProblem
from backprop_cli.kinds.graph.records import GraphSolution, GraphUpdate, NodeResult


def forward(
    problem: GraphProblem, inputs: Mapping[str, float], step: int | None = None
) -> dict[str, float]:
    """Every value: the inputs, then each gate's. A gate without a (finite) value or
    derivative there is a `ProblemError` naming its place in the file."""
    plan = Plan(problem)
    values = plan.forward(inputs, step)
    return {name: values[plan.position[name]] for name in plan.names}


def results(
    plan: Plan, inputs: Mapping[str, float], step: int | None = None
) -> tuple[NodeResult, ...]:
    """Every value with its gradient and the path terms that sum to it (in the order of the
    file, as a student writes the sum)."""
    values = plan.forward(inputs, step)
    backward = plan.backward(values, step, record=True)
    assert backward.paths is not None
    nodes = {node.name: node for node in plan.problem.nodes}
    out = []
    for name in plan.names:
        at = plan.position[name]
        paths = tuple(reversed(backward.paths[at]))
        grad = 1.0 if at == plan.output else math.fsum(t.gradient for t in paths)
        out.append(NodeResult(name, nodes.get(name), values[at], grad, paths))
    return tuple(out)


def train(plan: Plan, start: tuple[NodeResult, ...]) -> GraphUpdate | None:
    """``steps`` updates of the inputs in ``wrt`` by the problem's optimizer (the registry's,
    as torch.optim on scalar tensors; ``maximize=True`` to climb): x ← x − η ∂f/∂x for plain
    gradient descent."""
    problem = plan.problem
    if problem.optimizer is None:
        return None
    optimizer = problem.optimizer.ascending() if problem.ascent else problem.optimizer
    inputs = {name: np.array(value) for name, value in problem.inputs}
    states = {name: optimizer.init_state(inputs[name]) for name in problem.wrt}
    initial = dict(states)
    worked: dict[str, dict[str, np.ndarray]] = {}
    by_name = {n.name: n for n in start}
    grads = [by_name[name].grad for name in problem.wrt]
    history = [by_name[problem.output].value]
    trajectory = [[float(inputs[name]) for name in problem.wrt]]
    for step in range(1, problem.steps + 1):
        for name, g in zip(problem.wrt, np.array(grads), strict=True):
            if step == 1:  # every value of the first update, for its derivation
                worked[name] = optimizer.worked(inputs[name], g, states[name], step)
            inputs[name], states[name] = optimizer.step(inputs[name], g, states[name], step)
        values = {name: float(value) for name, value in inputs.items()}
        trajectory.append([values[name] for name in problem.wrt])
        passed = plan.forward(values, step)
        history.append(passed[plan.output])
        if step < problem.steps:  # later steps need the gradients alone, not their records
            grads = plan.gradients(passed, step)
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
    plan = Plan(problem)
    nodes = results(plan, dict(problem.inputs))
    update = train(plan, nodes)
    return GraphSolution(
        problem=problem,
        nodes=nodes,
        steps=steps.derive(problem, nodes, update),
        insights=insights.find(problem, nodes),
        update=update,
    )
