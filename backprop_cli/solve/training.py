"""Training: ``steps`` updates of every parameter by the problem's optimizer.

Each update t = 1, 2, … takes the gradient of the loss over the next mini-batch
(``batch_size`` samples in file order, wrapping around; by default every
sample), and steps every parameter not in ``freeze`` with its own optimizer
state, as ``torch.optim``. The loss over all samples is kept before each update
and after the last; the first update's worked values (state before and after,
m̂, v̂, …) are kept for the derivation, and each step's norms for its table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from backprop_cli.load.problem import Problem
from backprop_cli.nn.layers.shapes import rows
from backprop_cli.nn.optimizers import Optimizer, State
from backprop_cli.solve.engine import (
    Backward,
    Forward,
    Params,
    Rounding,
    backward,
    forward,
    initial_params,
    rounding,
)
from backprop_cli.solve.records import LayerResult, Solution, Update

Array = np.ndarray
States = dict[str, State]
"""Each parameter's optimizer state, by its report name (``W1``)."""

Progress = Callable[[int, int], None]
"""Told ``(step, steps)`` after each training step (the command line draws a bar)."""
Recorder = Callable[[int, dict[str, Array], States], None]
"""Told ``(t, parameters, states)`` after each update t (the grader's parameters per step)."""


def named(problem: Problem, params: Params) -> dict[str, Array]:
    """``{"W1": …, "b1": …}``: every parameter by its report name (1-based layers)."""
    return {
        layer.param_name(base): value
        for layer, p in zip(problem.layers, params, strict=True)
        for base, value in p.items()
    }


def batch(problem: Problem, t: int) -> tuple[int, ...]:
    """The samples update ``t`` uses: the next ``batch_size`` in file order, wrapping around."""
    n = problem.samples
    size = problem.batch_size or n
    if size >= n:
        return tuple(range(n))
    start = (t - 1) * size
    return tuple((start + i) % n for i in range(size))


def of_batch(problem: Problem, samples: tuple[int, ...]) -> Problem:
    """The problem restricted to ``samples`` (the loss is then averaged over them); a layer
    kind holding values of each sample (a dropout mask) gives its own for them."""
    if len(samples) == problem.samples:
        return problem
    rows = list(samples)
    layers = tuple(
        replace(layer, kind=layer.kind.for_samples(samples))
        if hasattr(layer.kind, "for_samples")
        else layer
        for layer in problem.layers
    )
    return replace(problem, x=problem.x[rows], y=problem.y[rows], layers=layers, batched=True)


def descend(
    problem: Problem,
    params: Params,
    bwd: Backward,
    states: States,
    t: int,
    rnd: Rounding,
    worked: dict[str, dict[str, Array]] | None = None,
) -> tuple[Params, float]:
    """One update of every parameter not frozen (its state carried along), and the update's
    norm ‖Δθ‖ over them; ``worked`` receives every value the optimizer computed."""
    optimizer = problem.optimizer
    assert optimizer is not None
    updated: Params = []
    squares = 0.0
    for layer, p, grads in zip(problem.layers, params, bwd.grads, strict=True):
        new: dict[str, Array] = {}
        for base, theta in p.items():
            name = layer.param_name(base)
            if name in problem.freeze:
                new[base] = theta
                continue
            values = optimizer.worked(theta, grads[base], states[name], t)
            if worked is not None:
                worked[name] = values
            states[name] = {key: values[key] for key in optimizer.state_names}
            new[base] = rnd(values["theta"])
            squares += _distance2(new[base], theta)
        updated.append(new)
    return updated, float(np.sqrt(squares))


def _distance2(a: Array, b: Array, chunk: int = 1 << 12) -> float:
    """‖a − b‖², a slice at a time: no full-size difference beside the two parameters."""
    a, b = a.reshape(-1), b.reshape(-1)
    total = 0.0
    for i in range(0, a.size, chunk):
        d = a[i : i + chunk] - b[i : i + chunk]
        total += float(d @ d)
    return total


def _norms(optimizer: Optimizer, states: States) -> dict[str, float]:
    """‖state‖ of each kind of state over every parameter (‖m‖, ‖v‖)."""
    return {
        key: float(np.sqrt(sum(float(np.sum(np.square(s[key]))) for s in states.values())))
        for key in optimizer.state_names
    }


def train(
    problem: Problem,
    params: Params,
    fwd: Forward,
    bwd: Backward,
    rnd: Rounding,
    progress: Progress | None = None,
    recorder: Recorder | None = None,
) -> Update:
    """``steps`` updates (the first one's values kept for the derivation)."""
    optimizer = problem.optimizer
    assert optimizer is not None
    start = named(problem, params)
    states: States = {
        name: optimizer.init_state(theta)
        for name, theta in start.items()
        if name not in problem.freeze
    }
    initial = dict(states)
    history, update_norms = [fwd.loss], []
    state_norms: dict[str, list[float]] = {key: [] for key in optimizer.state_names}
    worked: dict[str, dict[str, Array]] = {}
    first_batch = batch(problem, 1)
    current, after = params, fwd
    for t in range(1, problem.steps + 1):
        samples = batch(problem, t)
        if len(samples) == problem.samples:  # the full batch: the loss's forward pass serves
            gradients = bwd if t == 1 else backward(problem, current, after, rnd, dx=False)
        else:
            part = of_batch(problem, samples)
            passed = forward(part, current, rnd, t - 1)
            gradients = backward(part, current, passed, rnd, dx=False)
        if t == 1:
            first_gradients = {
                layer.param_name(base): g
                for layer, grads in zip(problem.layers, gradients.grads, strict=True)
                for base, g in grads.items()
            }
        kept = worked if t == 1 else None
        current, norm = descend(problem, current, gradients, states, t, rnd, kept)
        del gradients  # no name holds a step's gradients into the next step's backward pass
        update_norms.append(norm)
        for key, value in _norms(optimizer, states).items():
            state_norms[key].append(value)
        if t == 1:
            first = named(problem, current)
        after = forward(problem, current, rnd, t)
        history.append(after.loss)
        if recorder is not None:
            recorder(t, named(problem, current), states)
        if progress is not None:
            progress(t, problem.steps)
    return Update(
        optimizer,
        problem.steps,
        np.array(history),
        named(problem, current),
        first,
        initial_state=initial,
        worked=worked,
        state=states,
        update_norms=np.array(update_norms),
        state_norms={key: np.array(values) for key, values in state_norms.items()},
        first_gradients=first_gradients,
        first_batch=first_batch,
        frozen=problem.freeze,
    )


def values(
    problem: Problem, round_intermediate: int | None = None, progress: Progress | None = None
) -> Solution:
    """Every value of ``problem``'s forward and backward pass and its updates (no steps yet)."""
    rnd = rounding(round_intermediate)
    params = initial_params(problem)
    fwd = forward(problem, params, rnd)
    bwd = backward(problem, params, fwd, rnd)
    update = train(problem, params, fwd, bwd, rnd, progress) if problem.optimizer else None
    if update is not None and len(update.first_batch) < problem.samples:
        part = of_batch(problem, update.first_batch)  # its own gradient, derived with the update
        alone = replace(part, optimizer=None, learning_rate=None, steps=1, variants=())
        update = replace(update, batch=values(alone, round_intermediate))
    results = tuple(
        LayerResult(
            layer,
            fwd.a_prev[i],
            fwd.z[i],
            fwd.a[i],
            bwd.grad_a[i],
            bwd.delta[i],
            bwd.fprime[i],
            bwd.grads[i],
            fwd.cache[i],
            bwd.data_grads[i],
        )
        for i, layer in enumerate(problem.layers)
    )
    assert bwd.dx is not None  # asked for: the first pass reports ∂L/∂x
    return Solution(
        problem=problem,
        layers=results,
        output=rows(fwd.a[-1]),  # each sample's outputs as a vector, as its target
        loss=fwd.loss,
        sample_losses=fwd.sample_losses,
        dx=bwd.dx,
        fused=fwd.fused,
        steps=(),
        update=update,
        round_intermediate=round_intermediate,
        params=named(problem, params),
        loss_data=fwd.data if problem.regularization else None,
        penalty=fwd.penalty if problem.regularization else None,
    )
