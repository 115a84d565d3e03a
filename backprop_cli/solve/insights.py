"""Things worth a student's attention, found in a solution's values.

Each detector reads a `Solution` and returns `Insight`s: a kind and a message
of words and formulas (data; renderers only show them). A new insight is one
function added to `DETECTORS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from backprop_cli.expr import Call, Expr, Message, Partial, Rel, Sub, Sym, num
from backprop_cli.nn.optimizers.base import Run
from backprop_cli.notation import Notation
from backprop_cli.solve.noise import noise, residual_noise
from backprop_cli.solve.records import Insight, LayerResult, Solution, per_unit

Detector = Callable[[Solution], list[Insight]]
SATURATED = 0.01
"""f′(z) below this: a saturated sigmoid or tanh (the gradient through it shrinks 100-fold)."""
DRIFT = 100.0
"""The RMS of δ changing by more than this factor from the last layer to the first."""
LISTED = 3
"""Up to this many neurons of a layer are named one by one; more are counted."""

L, YHAT, Y, Z = Sym("L"), Sym("yhat"), Sym("y"), Sym("z")


def _where(solution: Solution, r: LayerResult, j: int) -> str:
    units = r.z[0].size
    if len(solution.problem.layers) == 1 and units == 1:
        return "the neuron"
    if units == 1:
        return f"the neuron of layer {r.index}"
    return f"neuron {j + 1} of layer {r.index}"


def _is(symbol: Expr, values: np.ndarray, op: str, bound: float) -> Message:
    """``z = −0.5 < 0`` for one sample; ``z < 0 for every sample`` for a batch."""
    if values.size == 1:
        return (Rel(Rel(symbol, "=", num(float(values[0]))), op, num(bound)),)
    return (Rel(symbol, op, num(bound)), " for every sample")


def dead_relu(solution: Solution) -> list[Insight]:
    """A ReLU whose pre-activation is negative for every sample passes no gradient back."""
    found = []
    n = Notation(solution.problem)
    samples = "every sample" if solution.problem.samples > 1 else "this input"
    for r in solution.layers:
        if r.z.ndim > 2 and r.layer.params:  # a kernel's maps: its kind's insights say it
            continue
        f = r.layer.activation
        if not f.dies:
            continue
        z = per_unit(r.z)  # a C×H×W sample's values as C·H·W units
        dead = np.flatnonzero(np.all(z < 0, axis=0)).tolist()  # one reduction per layer
        if len(dead) > LISTED:
            message: Message = (
                f"{len(dead)} of the {z.shape[1]} {f.label} neurons of layer {r.index} are inactive "
                f"(z < 0 for {samples}): {f.label}′(z) = 0 blocks their gradient, so their weights "
                f"get ∂L/∂w = 0 (dead {f.label}s).",
            )
            found.append(Insight("dead_relu", message, r.index))
            continue
        if "W" not in r.layer.params:  # no weights of its own to say are stuck
            found += _dead_without_weights(solution, r, z, dead, samples)
            continue
        for j in dead:
            w = (
                n.w(r.index, j, 0)
                if n.width(r.index - 1) == 1
                else Sym("w", (j + 1, "k"), n.z(r.index).layer)
            )
            message = (
                *_is(n.z(r.index, j), z[:, j], "<", 0.0),
                ": ",
                f"{_where(solution, r, j)} is inactive (its {f.label} outputs 0 for {samples}), so "
                f"{f.label}′(z) = 0 blocks the gradient: ",
                Partial(L, w),
                " = 0 and ",
                Partial(L, n.b(r.index, j)),
                f" = 0, a dead {f.label}.",
            )
            found.append(Insight("dead_relu", message, r.index, j))
    return found


def _dead_without_weights(
    solution: Solution, r: LayerResult, z: np.ndarray, dead: list[int], samples: str
) -> list[Insight]:
    """Inactive units of a layer without weights (a pooling layer's windows): nothing flows
    back through them."""
    f, n = r.layer.activation, Notation(solution.problem)
    found = []
    for j in dead:
        place = [int(i) + 1 for i in np.unravel_index(j, r.z.shape[1:])]
        if len(place) > 1 and r.z.shape[1] == 1:
            place = place[1:]  # one channel: left out, as the formulas write it
        symbol = replace(n.z(r.index), index=tuple(place), bold=False)
        where = f"{r.layer.kind.unit} ({', '.join(map(str, place))}) of layer {r.index}"
        message: Message = (
            *_is(symbol, z[:, j], "<", 0.0),
            ": ",
            f"{where} is inactive (its {f.label} outputs 0 for {samples}), so "
            f"{f.label}′(z) = 0 blocks the gradient: ",
            Rel(Partial(L, symbol), "=", num(0)),
            ", and nothing flows back through it to the layers below.",
        )
        found.append(Insight("dead_relu", message, r.index, j))
    return found


def kink_noise(solution: Solution) -> list[Insight]:
    """A value taken as a kink because it is one in exact arithmetic (see `noise`)."""
    found = []
    n = Notation(solution.problem)
    for r in solution.layers:
        if r.z.ndim > 2 and r.layer.params:  # a kernel's maps: its kind's insights say it
            continue
        f, forward, params = r.layer.activation, r.layer.kind.forward, r.layer.params
        if not f.kinks:
            continue
        with np.errstate(all="ignore"):
            raw, _ = forward(params, r.a_prev)  # as float64 computes it
            size, _ = forward({k: np.abs(v) for k, v in params.items()}, np.abs(r.a_prev))
        tolerance = noise(size, r.a_prev.shape[-1])
        # a C×H×W sample's values as C·H·W units
        raw, size, tolerance, z = per_unit(raw), per_unit(size), per_unit(tolerance), per_unit(r.z)
        for point in f.kinks:
            moved = (z == point) & (raw != point) & (np.abs(raw - point) <= tolerance)
            for j in np.flatnonzero(np.any(moved, axis=0)):
                i = int(np.flatnonzero(moved[:, j])[0])
                message: Message = (
                    n.z(r.index, int(j)),
                    " comes out as ",
                    num(float(raw[i, j])),
                    " in floating-point arithmetic: rounding noise in a sum of terms of size ",
                    num(float(size[i, j])),
                    f". In exact arithmetic it is {point:g}, the kink of {f.label}, so it is taken "
                    f"as {point:g}, as a worked answer has it.",
                )
                found.append(Insight("kink_noise", message, r.index, int(j)))
    last = solution.layers[-1]
    if solution.problem.loss.function.kink_at_target:
        with np.errstate(all="ignore"):
            raw_output = last.layer.activation.fn(last.flat().z)
        if np.any(residual_noise(raw_output, solution.problem.y)):
            message = (
                Sub(YHAT, Y),
                " comes out as rounding noise in floating-point arithmetic; in exact arithmetic ",
                Rel(YHAT, "=", Y),
                ", so it is taken as 0.",
            )
            found.append(Insight("kink_noise", message))
    return found


def kink(solution: Solution) -> list[Insight]:
    """A pre-activation exactly at a kink, where the derivative is a convention."""
    found = []
    n = Notation(solution.problem)
    for r in (result.flat() for result in solution.layers):  # C×H×W cells row-major
        f = r.layer.activation
        for point in f.kinks:
            for j in np.flatnonzero(np.any(r.z == point, axis=0)).tolist():
                at = np.array([point])
                taken = float(f.grad(at, f.fn(at))[0])
                message: Message = (
                    Rel(n.z(r.index, j), "=", num(point)),
                    f" is exactly at the kink of {f.label}, where it has no derivative; the "
                    "convention ",
                    Rel(Call(f.label, (num(point),), prime=True), "=", num(taken)),
                    " is used (a finite-difference check is not valid there).",
                )
                found.append(Insight("kink", message, r.index, j))
    if solution.problem.loss.function.kink_at_target and np.any(
        solution.output == solution.problem.y
    ):
        message = (
            Rel(YHAT, "=", Y),
            " exactly for an output: ",
            Call("abs", (Sub(YHAT, Y),)),
            " has no derivative there; ",
            Rel(Call("sign", (num(0),)), "=", num(0)),
            " is used.",
        )
        found.append(Insight("kink", message))
    return found


def saturated(solution: Solution) -> list[Insight]:
    """σ′ or tanh′ below 1%: the gradient through the neuron all but vanishes."""
    found = []
    n = Notation(solution.problem)
    for r in (result.flat() for result in solution.layers):  # C×H×W cells row-major
        f = r.layer.activation
        if not f.saturates or r.fprime is None:
            continue
        fprime = per_unit(r.fprime)
        units = np.flatnonzero(np.all(fprime < SATURATED, axis=0)).tolist()
        if len(units) > LISTED:
            message: Message = (
                f"{len(units)} of the {fprime.shape[1]} {f.name} neurons of layer {r.index} are "
                f"saturated ({f.label}′ < {SATURATED:g}): the gradient through them shrinks more "
                "than 100-fold (vanishing gradient).",
            )
            found.append(Insight("saturated", message, r.index))
            continue
        for j in units:
            z = n.z(r.index, j)
            message = (
                *_is(Call(f.label, (z,), prime=True), fprime[:, j], "<", SATURATED),
                f": {_where(solution, r, j)} is saturated, so every gradient through it is "
                f"multiplied by less than {SATURATED:g} (a vanishing gradient).",
            )
            found.append(Insight("saturated", message, r.index, j))
    return found


def cancellation(solution: Solution) -> list[Insight]:
    """Softmax + cross-entropy and sigmoid + BCE: the activation's derivative cancels."""
    if not solution.fused:
        return []
    return [
        Insight("cancellation", solution.problem.loss.function.cancellation(), len(solution.layers))
    ]


def no_cancellation(solution: Solution) -> list[Insight]:
    """A sigmoid or softmax output with a loss whose derivative does not cancel it."""
    if solution.fused or solution.problem.upstream:  # no loss chosen: nothing would cancel
        return []
    last = solution.layers[-1].layer.activation
    message = last.uncancelled(solution.problem.loss.function.abbreviation)
    return [Insight("no_cancellation", message, len(solution.layers))] if message else []


def log_clamp(solution: Solution) -> list[Insight]:
    """A log of a non-fused cross-entropy clamped at −100 (as PyTorch's BCELoss)."""
    loss = solution.problem.loss.function
    if solution.fused or not loss.clamped(solution.output, solution.problem.y):
        return []
    message: Message = (
        "A log in the loss was clamped at −100 (ŷ is 0 or 1 where the target disagrees): that term "
        "of the loss is capped at 100 and passes no gradient back.",
    )
    return [Insight("log_clamp", message)]


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(values))))


def gradient_drift(solution: Solution) -> list[Insight]:
    """δ shrinking (vanishing) or growing (exploding) by a large factor across layers."""
    dense = [r for r in solution.layers if r.layer.params]  # the layers with parameters
    if len(dense) < 2:
        return []
    first, last = dense[0], dense[-1]
    top, bottom = _rms(last.delta), _rms(first.delta)
    if not (np.isfinite(top) and np.isfinite(bottom)) or top == 0 or bottom == 0:
        return []  # no gradient at all is not a drift (a dead ReLU or zero weights explain it)
    ratio = bottom / top
    if 1 / DRIFT <= ratio <= DRIFT:
        return []
    vanishing = ratio < 1 / DRIFT
    factor = 1 / ratio if vanishing else ratio
    kind = "vanishing_gradient" if vanishing else "exploding_gradient"
    message: Message = (
        f"The gradient {'shrinks' if vanishing else 'grows'} by a factor of ",
        num(factor),
        f" from layer {last.index} back to layer {first.index} (RMS of δ: ",
        num(top),
        " → ",
        num(bottom),
        f"): {'a vanishing' if vanishing else 'an exploding'} gradient; the layers near "
        f"the input {'barely learn' if vanishing else 'take steps far too large'}.",
    )
    return [Insight(kind, message, first.index)]


def non_finite(solution: Solution) -> list[Insight]:
    """An overflow turned a value into ±∞ or NaN (JSON writes it as null)."""
    checks: list[tuple[str, np.ndarray]] = []
    for r in solution.layers:  # every value the report writes, layer by layer
        checks.append((f"z of layer {r.index}", r.z))
        if r is not solution.layers[-1]:
            checks.append((f"a of layer {r.index}", r.a))
    checks.append(("the output", solution.output))
    if not solution.problem.upstream:  # given ∂L/∂ŷ, there is no loss to report
        checks.append(("the loss", np.asarray(solution.loss)))
    checks += [(f"δ of layer {r.index}", r.delta) for r in reversed(solution.layers)]
    checks += [(f"∂L/∂{name}", grad) for name, grad in solution.gradients.items()]
    if solution.update is not None:
        checks += [(f"the updated {name}", value) for name, value in solution.update.params.items()]
        if not solution.problem.upstream:
            checks.append(("the loss history", solution.update.loss_history))
    return [
        Insight(
            "non_finite",
            (
                f"{what} is not finite (an overflow: the numbers are too large for "
                "64-bit floats); it is written as null in JSON.",
            ),
        )
        for what, values in checks
        if not np.all(np.isfinite(values))
    ]


def layer_kinds(solution: Solution) -> list[Insight]:
    """What each layer kind finds in its own values (a dropped unit, batch norm's sums)."""
    return [
        Insight(kind, message, r.index)
        for r in solution.layers
        for kind, message in r.layer.kind.insights(r)
    ]


def optimizer(solution: Solution) -> list[Insight]:
    """What the optimizer finds in its run (Adam's first step, AdaGrad's falling rate)."""
    update = solution.update
    if update is None:
        return []
    run = Run(
        start={name: solution.params[name] for name in update.first if name not in update.frozen},
        first={name: v for name, v in update.first.items() if name not in update.frozen},
        gradients={n: g for n, g in update.first_gradients.items() if n not in update.frozen},
        # given ∂L/∂ŷ there is no loss whose course the optimizer could comment on
        loss_history=np.zeros(0) if solution.problem.upstream else update.loss_history,
        state=update.state,
    )
    return [Insight(kind, message) for kind, message in update.optimizer.insights(run)]


def loss_values(solution: Solution) -> list[Insight]:
    """What the loss finds in its own values (a hinge with every margin met)."""
    loss = solution.problem.loss.function
    return [
        Insight(kind, message)
        for kind, message in loss.insights(solution.output, solution.problem.y)
    ]


DETECTORS: tuple[Detector, ...] = (
    dead_relu,
    kink_noise,
    kink,
    saturated,
    cancellation,
    no_cancellation,
    log_clamp,
    gradient_drift,
    layer_kinds,
    optimizer,
    loss_values,
    non_finite,
)


def find(solution: Solution) -> tuple[Insight, ...]:
    return tuple(insight for detect in DETECTORS for insight in detect(solution))
