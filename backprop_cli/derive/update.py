"""Update steps: θ ← the optimizer's rule, for every parameter (the first step of training).

The rule and its numbers come from the optimizer (`nn.optimizers`), the symbols
from the layer's kind (`nn.layers`): nothing here knows either.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from backprop_cli.derive.context import Context
from backprop_cli.expr import Expr, Matrix, Partial, Sym, column, num
from backprop_cli.solve.records import Phase, Step

L = Sym("L")


def _shown(values: np.ndarray) -> Expr:
    """A parameter's numbers: a matrix as it is, a vector as a column."""
    return Matrix(values) if values.ndim == 2 else column(values)


def steps(c: Context) -> Iterator[Step]:
    update = c.solution.update
    if update is None:
        return
    n, optimizer = c.n, update.optimizer
    suffix = "_new" if update.steps == 1 else "_step1"
    for r in c.solution.layers:
        l, kind, layer = r.index, r.layer.kind, r.layer
        if c.small(r):  # every entry of every parameter, then each parameter whole
            for base, theta in layer.params.items():
                name, grad, new = (
                    layer.param_name(base),
                    r.grads[base],
                    update.first[layer.param_name(base)],
                )
                for index in np.ndindex(*theta.shape):
                    symbol = kind.param_symbol(n, l, base, index)
                    yield c.step(
                        Phase.UPDATE,
                        f"{name}{suffix}" + "".join(f"[{i}]" for i in index),
                        symbol,
                        (optimizer.rule(symbol, Partial(L, symbol)),),
                        optimizer.substitution(num(theta[index]), num(grad[index])),
                        new[index],
                        layer=l,
                        element=True,
                        assign=True,
                    )
        for base, theta in layer.params.items():
            name = layer.param_name(base)
            symbol = kind.param_symbol(n, l, base, None)
            yield c.step(
                Phase.UPDATE,
                f"{name}{suffix}",
                symbol,
                (optimizer.rule(symbol, Partial(L, symbol)),),
                optimizer.substitution(_shown(theta), _shown(r.grads[base])),
                update.first[name],
                layer=l,
                assign=True,
            )
