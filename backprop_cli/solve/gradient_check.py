"""Every analytic gradient against a central finite difference of the loss.

For each entry θᵢ of every W, b and of x: (L(θᵢ + h) − L(θᵢ − h))/2h with
h = 10⁻⁶·max(1, |θᵢ|), compared with the backward pass (run without textbook
rounding: the check is of the mathematics, not of the rounding). An entry
whose perturbation moves a pre-activation across a kink (ReLU at 0) or a
residual of MAE across 0, changes a choice a layer makes (the winner of a tied
max-pooling window), or moves the output out of the loss's domain (ŷ = 1
with BCE), is reported as not differentiable there, not as a failure; only
that entry is skipped, and the report says how many were compared. Networks with more entries than `MAX_ENTRIES` are checked on an
evenly spread, fixed sample of them.
"""

from __future__ import annotations

import numpy as np

from backprop_cli.errors import ProblemError
from backprop_cli.load.problem import Problem
from backprop_cli.solve.engine import (
    Forward,
    Params,
    backward,
    forward,
    initial_params,
    penalised,
    rounding,
)
from backprop_cli.solve.records import GradientCheck, Solution

MAX_ENTRIES = 1_000
RTOL = 1e-5
ATOL = 1e-8

Entry = tuple[str, int, tuple[int, ...]]
"""(a parameter's base name (``W``, ``b``, …) or ``x``; the 0-based layer; the index inside it)."""


CHECK_WORK = 500_000_000
"""Multiply-adds the forward passes of a check may take (two per entry): a large
network or batch is checked on fewer entries, never fewer than `MIN_ENTRIES`."""
MIN_ENTRIES = 20


ELEMENTWISE = 16
"""Multiply-adds an activation value costs a forward pass (its function, the loss, the copies)."""
PER_LAYER = 100_000
"""Multiply-adds a layer's fixed cost in a forward pass is worth (about 50 µs of Python)."""


def _entry_count(problem: Problem, total: int, share: int = 1) -> int:
    """Entries to check of ``total``: what ``CHECK_WORK / share`` pays for, within bounds."""
    products = max(problem.samples, 8) * max(problem.parameters, problem.input_shape.size)
    products = max(products, problem.size.work // max(problem.steps, 1))  # a convolution's too
    fixed = PER_LAYER * len(problem.layers)
    per_entry = 2 * (products + ELEMENTWISE * problem.size.values + fixed)
    least = max(1, MIN_ENTRIES // share)
    return min(total, max(least, min(MAX_ENTRIES, CHECK_WORK // share // per_entry)))


def _entries(params: Params, problem: Problem, share: int = 1) -> list[Entry]:
    """Every entry, or an evenly spread, fixed sample of them, picked without listing them all."""
    arrays: list[tuple[str, int, tuple[int, ...]]] = []
    for i, p in enumerate(params):
        for base, theta in p.items():
            arrays.append((base, i, theta.shape))
    arrays.append(("x", 0, problem.x.shape))
    sizes = [int(np.prod(shape)) for _, _, shape in arrays]
    starts = np.cumsum([0, *sizes])
    total = int(starts[-1])
    count = _entry_count(problem, total, share)
    picks = np.linspace(0, total - 1, count).round().astype(int) if count < total else range(total)
    entries: list[Entry] = []
    for pick in picks:
        a = int(np.searchsorted(starts, pick, side="right")) - 1
        kind, layer, shape = arrays[a]
        index = tuple(int(i) for i in np.unravel_index(int(pick - starts[a]), shape))
        entries.append((kind, layer, index))
    return entries


def _name(entry: Entry) -> str:
    kind, layer, index = entry
    base = "x" if kind == "x" else f"{kind}{layer + 1}"
    return base + "".join(f"[{i}]" for i in index)


def _shifted(problem: Problem, params: Params, entry: Entry, step: float) -> tuple[Forward, float]:
    """The forward pass with one entry moved by h; the entry is put back exactly afterwards.

    The arrays are the problem's own (read-only to everything else), written for
    the length of one forward pass: no copy of a large matrix per entry.
    """
    kind, layer, index = entry
    values = problem.x if kind == "x" else params[layer][kind]
    original = float(values[index])
    h = step * max(1.0, abs(original))
    writable = values.flags.writeable
    values.flags.writeable = True  # the arrays own their data (`readonly` only locks them)
    try:
        values[index] = original + h
        return forward(problem, params, rounding(None)), h
    finally:
        values[index] = original
        values.flags.writeable = writable


def _crosses_kink(problem: Problem, plus: Forward, minus: Forward) -> bool:
    """A value this entry moves goes across (or onto, from one side) a kink. A unit that sits
    on a kink and does not move with the entry is no reason to skip it."""
    for layer, z_plus, z_minus in zip(problem.layers, plus.z, minus.z, strict=True):
        for kink in layer.activation.kinks:
            if np.any(np.sign(z_plus - kink) != np.sign(z_minus - kink)):
                return True
    for layer, c_plus, c_minus in zip(problem.layers, plus.cache, minus.cache, strict=True):
        minus_named = layer.kind.named(c_minus)
        for name, chosen in layer.kind.named(c_plus).items():
            # a choice the layer made (max pooling's winner, a whole number) that the nudge
            # flips: a tie broken one way and then the other, where L has no derivative
            whole = np.issubdtype(chosen.dtype, np.integer)
            if whole and not np.array_equal(chosen, minus_named[name]):
                return True
    loss = problem.loss.function
    sides_plus, sides_minus = loss.kinks(plus.a[-1], problem.y), loss.kinks(minus.a[-1], problem.y)
    if sides_plus is not None and sides_minus is not None:  # ŷ − y of MAE, a hinge's margins
        return bool(np.any(np.sign(sides_plus) != np.sign(sides_minus)))
    return False


def _penalty_kink(problem: Problem, params: Params, entry: Entry, h: float) -> bool:
    """The nudge of a penalised weight crosses the penalty's kink (L1's |w| at 0)."""
    kind, layer, index = entry
    reg = problem.regularization
    if reg is None or kind == "x" or kind not in penalised(problem, layer):
        return False
    theta = float(params[layer][kind][index])
    return reg.kinked(theta - h, theta + h)


def gradient_check(
    problem: Problem, solution: Solution, step: float = 1e-6, share: int = 1
) -> GradientCheck:
    params = initial_params(problem)
    exact = rounding(None)
    analytic_pass = backward(problem, params, forward(problem, params, exact), exact)
    assert analytic_pass.dx is not None  # asked for
    analytic = {"x": analytic_pass.dx}
    for i, grads in enumerate(analytic_pass.grads):
        for base, grad in grads.items():
            analytic[f"{base}{i + 1}"] = grad
    worst_abs = worst_rel = 0.0
    passed = True
    kinks: list[str] = []
    entries = _entries(params, problem, share)
    for entry in entries:
        try:
            plus, h = _shifted(problem, params, entry, step)
            minus, _ = _shifted(problem, params, entry, -step)
        except ProblemError:  # the nudge left the loss's domain: ŷ = 1 with BCE
            kinks.append(_name(entry))
            continue
        if _crosses_kink(problem, plus, minus) or _penalty_kink(problem, params, entry, h):
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
