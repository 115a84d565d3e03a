"""Every analytic gradient against a central finite difference of the loss.

For each entry θᵢ of every W, b and of x: (L(θᵢ + h) − L(θᵢ − h))/2h with
h = 10⁻⁶·max(1, |θᵢ|), compared with the backward pass (run without textbook
rounding: the check is of the mathematics, not of the rounding). An entry
whose perturbation moves a pre-activation across a kink (ReLU at 0) or a
residual of MAE across 0, or moves the output out of the loss's domain (ŷ = 1
with BCE), is reported as not differentiable there, not as a failure; only
that entry is skipped, and the report says how many were compared. Networks with more entries than `MAX_ENTRIES` are checked on an
evenly spread, fixed sample of them.
"""

from __future__ import annotations

import numpy as np

from backprop_cli.errors import ProblemError
from backprop_cli.load.problem import Problem
from backprop_cli.solve.engine import Forward, Params, backward, forward, initial_params, rounding
from backprop_cli.solve.records import GradientCheck, Solution

MAX_ENTRIES = 1_000
RTOL = 1e-5
ATOL = 1e-8

Entry = tuple[str, int, tuple[int, ...]]
"""(a parameter's base name (``W``, ``b``, …) or ``x``; the 0-based layer; the index inside it)."""


def _entries(params: Params, problem: Problem) -> list[Entry]:
    entries: list[Entry] = []
    for i, p in enumerate(params):
        for base, theta in p.items():
            entries += [(base, i, index) for index in np.ndindex(*theta.shape)]
    entries += [("x", 0, index) for index in np.ndindex(*problem.x.shape)]
    if len(entries) > MAX_ENTRIES:
        picks = np.linspace(0, len(entries) - 1, MAX_ENTRIES).round().astype(int)
        entries = [entries[i] for i in picks]
    return entries


def _name(entry: Entry) -> str:
    kind, layer, index = entry
    base = "x" if kind == "x" else f"{kind}{layer + 1}"
    return base + "".join(f"[{i}]" for i in index)


def _shifted(problem: Problem, params: Params, entry: Entry, step: float) -> tuple[Forward, float]:
    kind, layer, index = entry
    if kind == "x":
        x = problem.x.copy()
        h = step * max(1.0, abs(float(x[index])))
        x[index] += h
        trial = Problem(**{**problem.__dict__, "x": x})
        return forward(trial, params, rounding(None)), h
    values = params[layer][kind].copy()
    h = step * max(1.0, abs(float(values[index])))
    values[index] += h
    changed = list(params)
    changed[layer] = {**params[layer], kind: values}
    return forward(problem, changed, rounding(None)), h


def _crosses_kink(problem: Problem, plus: Forward, minus: Forward) -> bool:
    """A value this entry moves goes across (or onto, from one side) a kink. A unit that sits
    on a kink and does not move with the entry is no reason to skip it."""
    for layer, z_plus, z_minus in zip(problem.layers, plus.z, minus.z, strict=True):
        for kink in layer.activation.kinks:
            if np.any(np.sign(z_plus - kink) != np.sign(z_minus - kink)):
                return True
    if problem.loss.function.kink_at_target:
        residual_plus, residual_minus = plus.a[-1] - problem.y, minus.a[-1] - problem.y
        return bool(np.any(np.sign(residual_plus) != np.sign(residual_minus)))
    return False


def gradient_check(problem: Problem, solution: Solution, step: float = 1e-6) -> GradientCheck:
    params = initial_params(problem)
    exact = rounding(None)
    analytic_pass = backward(problem, params, forward(problem, params, exact), exact)
    analytic = {"x": analytic_pass.dx}
    for i, grads in enumerate(analytic_pass.grads):
        for base, grad in grads.items():
            analytic[f"{base}{i + 1}"] = grad
    worst_abs = worst_rel = 0.0
    passed = True
    kinks: list[str] = []
    entries = _entries(params, problem)
    for entry in entries:
        try:
            plus, h = _shifted(problem, params, entry, step)
            minus, _ = _shifted(problem, params, entry, -step)
        except ProblemError:  # the nudge left the loss's domain: ŷ = 1 with BCE
            kinks.append(_name(entry))
            continue
        if _crosses_kink(problem, plus, minus):
            kinks.append(_name(entry))
            continue
        numeric = (plus.loss - minus.loss) / (2 * h)
        kind, layer, index = entry
        value = float(analytic["x" if kind == "x" else f"{kind}{layer + 1}"][index])
        error = abs(numeric - value)
        scale = max(abs(numeric), abs(value))
        worst_abs = max(worst_abs, error)
        worst_rel = max(worst_rel, error / scale if scale > 0 else 0.0)
        passed = passed and bool(error <= ATOL + RTOL * scale)
    checked = len(entries) - len(kinks)
    return GradientCheck(worst_abs, worst_rel, passed, checked, tuple(kinks), RTOL, ATOL)
