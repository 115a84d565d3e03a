"""The quantities of training a student may give, after the backward pass.

    m_W1, v_W1, m_hat_W1, … (the state after the first update) → W1_new
    and with several steps W1_step1, W1_step2, … and loss_step1, loss_step2, …

Each knows its value had another optimizer been used (``under``): the
optimizer's own mistakes (`nn.optimizers`) are diagnosed with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Protocol

import numpy as np

from backprop_cli.grade.quantity import Array, Quantity, Values
from backprop_cli.grade.runs import Runs, recordable
from backprop_cli.nn.optimizers import Optimizer

if TYPE_CHECKING:
    from backprop_cli.load.problem import Layer, Problem
    from backprop_cli.nn.layers.base import Params
    from backprop_cli.solve.records import Solution


def _constant(value: Array, v: Values) -> Array:
    """A value of the run, not a function of the student's values."""
    return value


class Owner(Protocol):
    """What the training quantities read of the whole graph of quantities."""

    solution: Solution
    problem: Problem

    def __getitem__(self, name: str) -> Quantity: ...

    def layer(self, l: int) -> Layer: ...

    def params(self, l: int) -> Params: ...

    def updated(self, l: int, base: str, v: Values, optimizer: Optimizer) -> Array: ...

    def after_steps(self, name: str, v: Values) -> Array: ...


class Training:
    """The quantities of a solution's training, in the order they are worked out."""

    def __init__(self, graph: Owner) -> None:
        self.g = graph
        self.solution = graph.solution
        self.problem = graph.problem
        self.runs = Runs(self.problem, self.solution.round_intermediate)

    def quantities(self) -> Iterator[Quantity]:
        """The state after the first update, each parameter after it (``W1_new`` after the
        last), and with several steps the parameters and the loss after each."""
        update = self.solution.update
        assert update is not None
        for r in self.solution.layers:
            for base, theta in r.layer.params.items():
                name = r.layer.param_name(base)
                if name not in update.frozen:
                    yield from self._states(r.index, base, theta)
                yield self._new(r.index, base, theta)
        if update.steps > 1 and recordable(self.problem):
            yield from self._per_step()

    def _whole_batch(self) -> bool:
        """The first update used every sample: its gradients are the ``dW`` of the answers."""
        update = self.solution.update
        return update is not None and len(update.first_batch) == self.problem.samples

    def _states(self, l: int, base: str, theta: Array) -> Iterator[Quantity]:
        update = self.solution.update
        assert update is not None
        name = self.g.layer(l).param_name(base)
        for key, value in update.worked[name].items():
            if key in ("theta", "decayed", "g"):
                continue
            whole = self._whole_batch()
            yield Quantity(
                f"{key}_{name}",
                "state",
                l,
                value,
                (f"d{name}",) if whole else (),
                partial(self.state, l, base, key, update.optimizer),
                f"{key} of {name} after the first update, from d{name}",
                oriented=theta.ndim == 2,
                under=partial(self._state_under, l, base, key),
            )

    def state(self, l: int, base: str, key: str, optimizer: Optimizer, v: Values) -> Array:
        """A state after the first update by ``optimizer``: from the student's gradient when
        the update used every sample, else from the optimizer's own run."""
        name = self.g.layer(l).param_name(base)
        if self._whole_batch():
            theta = self.g.params(l)[base]
            values = optimizer.worked(theta, v[f"d{name}"], optimizer.init_state(theta), 1)
        else:
            run = self.runs.run(optimizer)
            values = {} if run is None else run.first.get(name, {})
        return values[key] if key in values else self.g[f"{key}_{name}"].expected

    def _state_under(self, l: int, base: str, key: str, v: Values, optimizer: Optimizer) -> Array:
        return self.state(l, base, key, optimizer, v)

    def _new(self, l: int, base: str, theta: Array) -> Quantity:
        update = self.solution.update
        assert update is not None
        name = self.g.layer(l).param_name(base)
        expected = update.params[name]
        compute: Callable[[Values], Array]
        inputs: tuple[str, ...] = ()
        if name in update.frozen:
            compute = partial(self.g.after_steps, f"{name}_new")
            formula = f"{name} itself (frozen: never updated)"
        elif update.steps == 1 and self._whole_batch():
            inputs = (f"d{name}",)
            compute = partial(self.g.updated, l, base, optimizer=update.optimizer)
            formula = update.optimizer.in_words(name, f"d{name}")
        else:
            compute = partial(self.g.after_steps, f"{name}_new")
            formula = f"{name} after {update.steps} update{'s' * (update.steps > 1)}"
        steps = update.steps
        return Quantity(
            f"{name}_new",
            f"{base}_new",
            l,
            expected,
            inputs,
            compute,
            formula,
            oriented=theta.ndim == 2,
            start=theta,
            under=None if name in update.frozen else partial(self._param_under, l, base, steps),
        )

    def _param_under(self, l: int, base: str, step: int, v: Values, optimizer: Optimizer) -> Array:
        """A parameter after update ``step`` by ``optimizer``."""
        name = self.g.layer(l).param_name(base)
        if step == 1 and self._whole_batch():
            return self.g.updated(l, base, v, optimizer)
        run = self.runs.run(optimizer)
        return self.solution.params[name] if run is None else run.params[step - 1][name]

    def _per_step(self) -> Iterator[Quantity]:
        update = self.solution.update
        assert update is not None
        run = self.runs.run(update.optimizer)
        assert run is not None  # the solution's own run
        for k in range(1, update.steps + 1):
            for r in self.solution.layers:
                for base, theta in r.layer.params.items():
                    name = r.layer.param_name(base)
                    if name in update.frozen:
                        continue
                    expected = run.params[k - 1][name]
                    yield Quantity(
                        f"{name}_step{k}",
                        "step",
                        r.index,
                        expected,
                        (),
                        partial(_constant, expected),
                        f"{name} after {k} update{'s' * (k > 1)}",
                        oriented=theta.ndim == 2,
                        start=theta,
                        under=partial(self._param_under, r.index, base, k),
                    )
            if self.g.problem.upstream:  # given ∂L/∂ŷ, there is no loss after a step either
                continue
            loss = np.asarray(update.loss_history[k])
            yield Quantity(
                f"loss_step{k}",
                "loss_step",
                None,
                loss,
                (),
                partial(_constant, loss),
                f"the loss after {k} update{'s' * (k > 1)}",
                under=partial(self._loss_under, k),
            )

    def _loss_under(self, step: int, v: Values, optimizer: Optimizer) -> Array:
        run = self.runs.run(optimizer)
        return (
            self.g[f"loss_step{step}"].expected
            if run is None
            else np.asarray(run.loss_history[step])
        )
