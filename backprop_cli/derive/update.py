"""Update steps: θ ← θ − η ∂L/∂θ for every weight and bias (the first step of training)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from backprop_cli.derive.context import Context
from backprop_cli.expr import Expr, Matrix, Mul, Partial, Sub, Sym, column, num
from backprop_cli.solve.records import Phase, Step

L, ETA = Sym("L"), Sym("eta")


def _rule(symbol: Expr) -> Expr:
    """θ − η ∂L/∂θ."""
    return Sub(symbol, Mul((ETA, Partial(L, symbol))))


def steps(c: Context) -> Iterator[Step]:
    update = c.solution.update
    if update is None:
        return
    n, eta = c.n, update.learning_rate
    suffix = "_new" if update.steps == 1 else "_step1"
    for r in c.solution.layers:
        W, b = r.layer.weights, r.layer.bias
        if r.dW is None or r.db is None or W is None or b is None:
            continue
        l = r.index
        W_new, b_new = update.first[f"W{l}"], update.first[f"b{l}"]
        if c.small(r):
            for j, k in np.ndindex(*W.shape):
                subst = Sub(num(W[j, k]), Mul((num(eta), num(r.dW[j, k]))))
                yield c.step(
                    Phase.UPDATE,
                    f"W{l}{suffix}[{j}][{k}]",
                    n.w(l, j, k),
                    (_rule(n.w(l, j, k)),),
                    subst,
                    W_new[j, k],
                    layer=l,
                    element=True,
                    assign=True,
                )
            for j in range(b.shape[0]):
                subst = Sub(num(b[j]), Mul((num(eta), num(r.db[j]))))
                yield c.step(
                    Phase.UPDATE,
                    f"b{l}{suffix}[{j}]",
                    n.b(l, j),
                    (_rule(n.b(l, j)),),
                    subst,
                    b_new[j],
                    layer=l,
                    element=True,
                    assign=True,
                )
        for symbol, old, grad, new, name in (
            (n.W(l), Matrix(W), Matrix(r.dW), W_new, f"W{l}"),
            (n.b(l), column(b), column(r.db), b_new, f"b{l}"),
        ):
            subst = Sub(old, Mul((num(eta), grad)))
            yield c.step(
                Phase.UPDATE,
                f"{name}{suffix}",
                symbol,
                (_rule(symbol),),
                subst,
                new,
                layer=l,
                assign=True,
            )
