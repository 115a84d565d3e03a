"""The JSON report of a graph problem (SPEC section 6), full float64 values.

``{"title", "source", "kind": "graph", "value", "output", "nodes": [{"name",
"formula", "inputs", "value", "grad"}], "gradients": {input: float},
"update": null | {"optimizer", "steps", "value_history", "inputs", "state"}, "steps",
"insights"}``. The inputs are nodes too (first, with an empty formula and no
inputs), so that every value and gradient of the picture is in ``nodes``.
"""

from __future__ import annotations

from typing import Any

from backprop_cli.kinds import ReportWriter
from backprop_cli.kinds.graph.records import GraphSolution, GraphUpdate
from backprop_cli.kinds.graph.steps import formula
from backprop_cli.render.numbers import full
from backprop_cli.render.textmath import TextMath

FORMULA = TextMath(full, max_terms=10**9, max_rows=10**9)
"""A node's formula in Unicode text, its constants in full."""


def optimizer(update: GraphUpdate) -> dict[str, Any]:
    """The optimizer's name and every hyperparameter, torch.optim's defaults filled in, and
    whether it climbs (torch.optim's ``maximize``)."""
    return {
        "name": update.optimizer.name,
        **update.optimizer.hyperparameters,
        "maximize": update.ascent,
    }


def report(solution: GraphSolution, writer: ReportWriter) -> dict[str, Any]:
    p = solution.problem
    nodes = [
        {
            "name": r.name,
            "formula": "" if r.node is None else FORMULA.write(formula(r.node)),
            "inputs": list(r.inputs),
            "value": r.value,
            "grad": r.grad,
        }
        for r in solution.nodes
    ]
    update = None
    if solution.update is not None:
        u = solution.update
        update = {
            "optimizer": optimizer(u),
            "steps": u.steps,
            "value_history": writer.array(u.value_history),
            "inputs": dict(u.inputs),
            "state": {
                name: {key: writer.array(value) for key, value in state.items()}
                for name, state in u.state.items()
            },
        }
    result = {
        "title": p.title,
        "source": p.source,
        "kind": "graph",
        "value": solution.value,
        "output": p.output,
        "nodes": nodes,
        "gradients": solution.gradients,
        "update": update,
        "steps": [writer.step(step) for step in solution.steps],
        "insights": [
            {"kind": i.kind, "message": writer.message(i.message)} for i in solution.insights
        ],
    }
    check = solution.gradient_check
    if check is not None:  # only with solve --check: SPEC section 6 has no such key
        result["gradient_check"] = {
            "max_abs_error": writer.number(check.max_abs_error),
            "max_rel_error": writer.number(check.max_rel_error),
            "passed": check.passed,
        }
    return result
