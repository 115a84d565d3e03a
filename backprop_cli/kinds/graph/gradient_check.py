"""``solve --check`` for a graph: each input's gradient against a central finite difference.

(f(x + h) − f(x − h))/2h with h = 10⁻⁶·max(1, |x|), by the forward pass alone. An
input whose perturbation moves a relu or abs input across 0, or turns a max or min
the other way, is not differentiable there: listed, not failed.
"""

from __future__ import annotations

from backprop_cli.kinds.graph.problem import GraphProblem
from backprop_cli.kinds.graph.solver import forward
from backprop_cli.solve.gradient_check import ATOL, RTOL
from backprop_cli.solve.records import GradientCheck

KINKED = ("relu", "abs", "max", "min")


def _branches(problem: GraphProblem, values: dict[str, float]) -> tuple[bool, ...]:
    """Which side of its kink each relu, abs, max and min is on."""
    sides = []
    for node in problem.nodes:
        if node.gate.name in KINKED:
            args = [values[a.name] if a.name else a.value for a in node.args]
            sides.append(args[0] > 0 if len(args) == 1 else args[0] >= args[1])
            sides.append(args[0] == 0 if len(args) == 1 else args[0] == args[1])
    return tuple(sides)


def check(problem: GraphProblem, gradients: dict[str, float], step: float = 1e-6) -> GradientCheck:
    inputs = dict(problem.inputs)
    here = _branches(problem, forward(problem, inputs))
    worst_abs = worst_rel = 0.0
    passed, kinks = True, []
    for name in problem.wrt:
        h = step * max(1.0, abs(inputs[name]))
        up = forward(problem, {**inputs, name: inputs[name] + h})
        down = forward(problem, {**inputs, name: inputs[name] - h})
        if not _branches(problem, up) == _branches(problem, down) == here:
            kinks.append(name)
            continue
        numeric = (up[problem.output] - down[problem.output]) / (2 * h)
        error = abs(numeric - gradients[name])
        scale = max(abs(numeric), abs(gradients[name]))
        worst_abs = max(worst_abs, error)
        worst_rel = max(worst_rel, error / scale if scale > 0 else 0.0)
        passed = passed and error <= ATOL + RTOL * scale
    return GradientCheck(worst_abs, worst_rel, passed, len(problem.wrt), tuple(kinks), RTOL, ATOL)
