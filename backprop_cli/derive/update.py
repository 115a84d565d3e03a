"""Update steps: the optimizer's lines for every parameter, for the first step of training.

Each line (``m ← β₁m + (1 − β₁)g``, ``m̂ = m/(1 − β₁ᵗ)``, …, ``θ ← …``) comes from the
optimizer (`nn.optimizers`), once with symbols and once with the numbers of the
first update in place; the parameter's symbols come from the layer's kind
(`nn.layers`): nothing here knows either. A state is written as a function of
its parameter, m(w₁₂⁽¹⁾), so that W's and b's never share a name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np

from backprop_cli.derive import backward, penalty
from backprop_cli.derive.context import Context
from backprop_cli.expr import Call, Expr, Matrix, Partial, Sym, column, num, replaced
from backprop_cli.nn.optimizers.base import SYMBOLS, Optimizer
from backprop_cli.records import dataclass
from backprop_cli.solve.records import Phase, Step

L = Sym("L")
L_BATCH = Sym("L_batch")
"""The loss of the first mini-batch, when the update uses one."""
N, B = Sym("N"), Sym("B")
"""The samples of the problem, and of a mini-batch."""
STATE_GLYPHS = {"m_hat": "m̂", "v_hat": "v̂", "velocity": "v"}
"""How a state is written (as a function of its parameter): m̂(w), v(w)."""


def _shown(values: np.ndarray) -> Expr:
    """A parameter's numbers: a matrix as it is, a vector as a column, a kernel of more axes
    as its matrices over the last two stacked."""
    if values.ndim > 2:
        return Matrix(values.reshape(-1, values.shape[-1]))
    return Matrix(values) if values.ndim == 2 else column(values)


def state_symbol(key: str, theta: Expr) -> Expr:
    """The symbol of a value of the update for parameter ``theta``: m(w₁₂⁽¹⁾), g(W⁽¹⁾)."""
    if key in ("theta", "decayed"):
        return theta
    return Call(STATE_GLYPHS.get(key, key), (theta,))


@dataclass(frozen=True)
class Symbols:
    """The operands of a rule: θ, ∂L/∂θ, its states, the hyperparameters and t, as symbols."""

    theta: Expr
    loss: Sym

    def before(self, name: str) -> Expr:
        return Partial(self.loss, self.theta) if name == "grad" else state_symbol(name, self.theta)

    def after(self, name: str) -> Expr:
        return state_symbol(name, self.theta)

    def hyper(self, name: str) -> Expr:
        return Sym(SYMBOLS[name])

    def t(self) -> Expr:
        return Sym("t")


@dataclass(frozen=True)
class Numbers:
    """The same operands as numbers: before and after this update, ``shown`` as one entry
    (a `Num`) or whole (a matrix or a column)."""

    start: dict[str, np.ndarray]
    values: dict[str, np.ndarray]
    optimizer: Optimizer
    step: int
    shown: Callable[[np.ndarray], Expr]

    def before(self, name: str) -> Expr:
        return self.shown(self.start[name])

    def after(self, name: str) -> Expr:
        return self.shown(self.values[name])

    def hyper(self, name: str) -> Expr:
        value = self.optimizer.hyperparameters[name]
        assert isinstance(value, float)
        return num(value)

    def t(self) -> Expr:
        return num(self.step)


def _entry(index: tuple[int, ...]) -> Callable[[np.ndarray], Expr]:
    return lambda values: num(values[index])


def mini_batch_steps(c: Context) -> Iterator[Step]:
    """The first update's mini-batch gradient, derived as the full batch's is (its loss L_B,
    then the backward pass) on the problem restricted to its samples, which are the first
    ones in file order, numbered as in the file."""
    update = c.solution.update
    if update is None or update.batch is None:
        return
    part = Context(update.batch)
    # given ∂L/∂ŷ, the backward pass states it: no loss line; ∂L_B/∂x is not asked for
    loss = () if part.problem.upstream else tuple(penalty.loss_steps(part))
    for step in (*loss, *(s for s in backward.steps(part) if s.symbol != "dx")):
        name, bracket, index = step.symbol.partition("[")
        yield replace(
            step,
            phase=Phase.UPDATE,
            symbol=f"{name}_batch{bracket}{index}",
            lhs=replaced(step.lhs, L, L_BATCH),
            # the batch's own loss and size: L_B = (1/B)Σₙ ℓ[n]
            forms=tuple(replaced(replaced(f, L, L_BATCH), N, B) for f in step.forms),
            mini_batch=True,
        )


def steps(c: Context) -> Iterator[Step]:
    update = c.solution.update
    if update is None:
        return
    yield from mini_batch_steps(c)
    n, optimizer = c.n, update.optimizer
    suffix = "_new" if update.steps == 1 else "_step1"
    loss = L_BATCH if len(update.first_batch) < c.problem.samples else L
    lines = optimizer.lines
    for r in c.solution.layers:
        l, kind, layer = r.index, r.layer.kind, r.layer
        updated = [b for b in layer.params if layer.param_name(b) not in update.frozen]
        forms: list[tuple[str, tuple[int, ...] | None, Expr, Callable[[np.ndarray], Expr]]] = []
        if c.small(r):  # every entry of every parameter, then each parameter whole
            forms += [
                (base, index, kind.param_symbol(n, l, base, index), _entry(index))
                for base in updated
                for index in np.ndindex(*layer.params[base].shape)
            ]
        forms += [(base, None, kind.param_symbol(n, l, base, None), _shown) for base in updated]
        small = c.small(r)
        for base, index, symbol, shown in forms:
            name = layer.param_name(base)
            start = {
                "theta": layer.params[base],
                "grad": update.first_gradients[name],
                **update.initial_state[name],
            }
            values = update.worked[name]
            rules = lines(Symbols(symbol, loss), 1)
            numbers = lines(Numbers(start, values, optimizer, 1, shown), 1)
            at = "" if index is None else "".join(f"[{i}]" for i in index)
            for rule, line in zip(rules, numbers, strict=True):
                if small and index is None and rule.name != "theta":
                    continue  # each entry's state is shown above: the parameter whole suffices
                value = values[rule.name]
                yield c.step(
                    Phase.UPDATE,
                    _step_name(rule.name, name, suffix) + at,
                    state_symbol(rule.name, symbol),
                    (rule.rhs,),
                    line.rhs,
                    value if index is None else value[index],
                    layer=l,
                    element=index is not None,
                    assign=rule.assign,
                )


def _step_name(key: str, parameter: str, suffix: str) -> str:
    """The report's name of a step: ``W1_new`` for θ, ``m_W1`` for a state, as ``check`` names
    them."""
    if key == "theta":
        return f"{parameter}{suffix}"
    if key == "decayed":
        return f"{parameter}_decayed"
    return f"{key}_{parameter}"
