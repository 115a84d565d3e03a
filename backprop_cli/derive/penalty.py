"""The regularization's steps: the penalty R beside the data loss, L = L_data + R, and its
share of each covered gradient, ∂L/∂W = ∂L_data/∂W + ∂R/∂W (λW for L2).

Without a regularization the loss and gradient steps pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from backprop_cli.derive import forward
from backprop_cli.derive.context import DETAIL_TERMS, Context
from backprop_cli.expr import Add, Expr, Matrix, Partial, Sum, Sym, column, num, product, total
from backprop_cli.solve.records import LayerResult, Phase, Step

L, L_DATA, R = Sym("L"), Sym("L_data"), Sym("R")


def _shown(values: np.ndarray) -> Expr:
    return Matrix(values) if values.ndim == 2 else column(values)


def loss_steps(c: Context) -> Iterator[Step]:
    reg, s = c.problem.regularization, c.solution
    if reg is None or s.loss_data is None or s.penalty is None:
        yield from forward.loss_steps(c)
        return
    for step in forward.loss_steps(c):  # the data loss, under its own name
        data = replace(step, symbol="loss_data", lhs=L_DATA, value=np.asarray(s.loss_data))
        yield data if step.symbol == "loss" else step
    covered = [
        (r, base) for r in s.layers for base in r.data_grads
    ]  # every parameter the penalty covers, in layer order
    symbols: list[Expr] = []
    numbers: list[Expr] = []
    entries = sum(r.layer.params[base].size for r, base in covered)
    for r, base in covered:
        theta, kind = r.layer.params[base], r.layer.kind
        if entries <= DETAIL_TERMS:
            for index in np.ndindex(*theta.shape):
                symbols.append(reg.term(kind.param_symbol(c.n, r.index, base, index)))
                numbers.append(reg.term(num(theta[index])))
        else:
            symbols.append(Sum(reg.term(kind.param_symbol(c.n, r.index, base, None)), ""))
            numbers.append(num(reg.summed(theta)))
    factor = reg.factor()
    yield c.step(
        Phase.LOSS,
        "penalty",
        R,
        (product([factor, total(symbols)]),) if symbols else (num(0),),
        product([factor, total(numbers)]) if numbers else None,
        s.penalty,
    )
    yield c.step(
        Phase.LOSS, "loss", L, (Add((L_DATA, R)),), Add((num(s.loss_data), num(s.penalty))), s.loss
    )


def _on_data(step: Step, names: tuple[str, ...]) -> Step:
    """A step of ∂L/∂θ computed by the layer kind: for a covered θ it is ∂L_data/∂θ."""
    for name in names:
        symbol = f"d{name}"
        if step.symbol == symbol or step.symbol.startswith(symbol + "["):
            lhs = step.lhs
            if isinstance(lhs, Partial) and lhs.numerator == L:
                lhs = Partial(L_DATA, lhs.denominator)
            return replace(step, symbol=symbol + "_data" + step.symbol[len(symbol) :], lhs=lhs)
    return step


def gradient_steps(c: Context, r: LayerResult) -> Iterator[Step]:
    """The layer kind's gradient steps; for the covered parameters those of the data loss,
    then the sum with the penalty's share."""
    kind, reg = r.layer.kind, c.problem.regularization
    if reg is None or not r.data_grads:
        yield from kind.gradient_steps(c, r)
        return
    names = tuple(r.layer.param_name(base) for base in r.data_grads)
    data = replace(r, grads={**r.grads, **r.data_grads})
    for step in kind.gradient_steps(c, data):
        yield _on_data(step, names)
    for base, data_grad in r.data_grads.items():
        theta = kind.param_symbol(c.n, r.index, base, None)
        yield c.step(
            Phase.BACKWARD,
            f"d{r.layer.param_name(base)}",
            Partial(L, theta),
            (Add((Partial(L_DATA, theta), reg.grad_term(theta))),),
            Add((_shown(data_grad), reg.grad_term(_shown(r.layer.params[base])))),
            r.grads[base],
            layer=r.index,
        )
