"""The JSON report of a network problem (SPEC section 3): canonical shapes, full float64."""

from __future__ import annotations

from typing import Any

import numpy as np

from backprop_cli.kinds import ReportWriter
from backprop_cli.solve.records import Solution


def _per_sample(s: Solution, w: ReportWriter, values: np.ndarray) -> Any:
    """A flat list for a single input, a list of rows for a batch."""
    return w.array(values if s.problem.batched else values[0])


def report(s: Solution, w: ReportWriter, with_variants: bool = True) -> dict[str, Any]:
    """The report of a network solution (SPEC section 3); a variant's has no variants."""
    p = s.problem
    layers = [
        {
            "index": r.index,
            "name": r.layer.name,
            "kind": r.layer.kind.name,
            "activation": r.layer.activation.name,
            "z": _per_sample(s, w, r.z),
            "a": _per_sample(s, w, r.a),
            "delta": _per_sample(s, w, r.delta),
            **{
                name: _per_sample(s, w, value) if value.ndim >= 2 else w.array(value)
                for name, value in r.layer.kind.named(r.cache).items()
            },
        }
        for r in s.layers
    ]
    gradients = {name: w.array(g) for name, g in s.gradients.items() if name != "x"}
    gradients["x"] = _per_sample(s, w, s.dx)
    update = None
    if s.update is not None:
        update = {
            "learning_rate": s.update.learning_rate,
            "steps": s.update.steps,
            "loss_history": w.array(s.update.loss_history),
            "params": {name: w.array(v) for name, v in s.update.params.items()},
            "optimizer": {"name": s.update.optimizer.name, **s.update.optimizer.hyperparameters},
            "state": {
                name: {key: w.array(v) for key, v in state.items()}
                for name, state in s.update.state.items()
            },
        }
    check = None
    if s.gradient_check is not None:
        c = s.gradient_check
        check = {
            "max_abs_error": w.number(c.max_abs_error),
            "max_rel_error": w.number(c.max_rel_error),
            "passed": c.passed,
            "checked": c.checked,
            "at_kink": len(c.kinks),
        }
    loss: dict[str, Any] = {
        "name": p.loss.function.name,
        "scale": p.loss.scale,
        "value": w.number(s.loss),
    }
    if not p.loss.averaged:  # summed over the samples (the mean is the default, left unsaid)
        loss["reduction"] = p.loss.reduction
    if s.loss_data is not None and s.penalty is not None:  # L = data + penalty
        loss["data"], loss["penalty"] = w.number(s.loss_data), w.number(s.penalty)
    result: dict[str, Any] = {
        "title": p.title,
        "source": p.source,
        "loss": loss,
        "x": _per_sample(s, w, p.x),
        "target": _per_sample(s, w, p.y),
        "layers": layers,
        "output": _per_sample(s, w, s.output),
        "gradients": gradients,
        "update": update,
        "steps": [w.step(step) for step in s.steps],
        "insights": [{"kind": i.kind, "message": w.message(i.message)} for i in s.insights],
        "gradient_check": check,
    }
    if with_variants:
        result["variants"] = [
            {
                "name": v.name,
                "set": dict(v.assignments),
                "report": report(v.solution, w, False),
            }
            for v in s.variants
        ]
    return result
