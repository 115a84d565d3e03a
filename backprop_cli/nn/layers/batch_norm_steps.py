"""Batch norm's worked solution: each statistic, x̂, z, the running statistics, and the
backward pass through γ, β, x̂, σ² and μ step by step (formulas in `batch_norm`'s docstring)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from backprop_cli.expr import (
    Add,
    Expr,
    Frac,
    Hadamard,
    Mul,
    Neg,
    Partial,
    Pow,
    Sub,
    Sum,
    Sym,
    num,
    total,
)
from backprop_cli.nn.layers.affine import affine_gradient_steps, affine_step, affine_vector_step
from backprop_cli.nn.layers.base import Array, Deriving, LayerValues, Params, root
from backprop_cli.notation import Notation
from backprop_cli.solve.steps import Phase, Step

L, EPS = Sym("L"), Sym("epsilon")


class BatchNormKind(Protocol):
    """What the steps read of the configured kind (`batch_norm.BatchNorm`)."""

    @property
    def eps(self) -> float: ...

    @property
    def momentum(self) -> float: ...

    @property
    def running_mean(self) -> Array: ...

    @property
    def running_var(self) -> Array: ...

    @property
    def train(self) -> bool: ...

    def backward(
        self, params: Params, cache: Any, delta: Array
    ) -> tuple[Array, dict[str, Array]]: ...

    def statistics_gradients(self, c: Any, d_x_hat: Array) -> tuple[Array, Array]: ...

    def running(self, cache: Any) -> tuple[Array, Array]: ...


def forward_steps(kind: BatchNormKind, d: Deriving, r: LayerValues) -> Iterator[Step]:
    """μ and σ² (train), x̂, z = γx̂ + β, and the running statistics (train)."""
    l, n, c = r.index, d.n, r.cache
    units, shown = r.z.shape[1], list(d.samples)
    small = d.small(r) and bool(shown)
    if kind.train:
        inv_n = Frac(num(1), num(r.z.shape[0]))
        for j in range(units) if small else ():
            x = [n.a(l - 1, j, s) for s in shown]
            xs = [num(c.x[s, j]) for s in shown]
            mu = n.per_unit("mu", l, j)
            yield d.step(
                Phase.FORWARD,
                f"mean{l}[{j}]",
                mu,
                (Mul((inv_n, total(x))),),
                Mul((inv_n, total(xs))),
                c.mean[j],
                layer=l,
                element=True,
            )
            squares = [Pow(Sub(xi, mu), num(2)) for xi in x]
            numbers = [Pow(Sub(xi, num(c.mean[j])), num(2)) for xi in xs]
            yield d.step(
                Phase.FORWARD,
                f"var{l}[{j}]",
                n.per_unit("sigma2", l, j),
                (Mul((inv_n, total(squares))),),
                Mul((inv_n, total(numbers))),
                c.var[j],
                layer=l,
                element=True,
            )
        x_n = n.a(l - 1, None, "n")
        mean_form = Mul((inv_n, Sum(x_n, "n")))
        var_form = Mul((inv_n, Sum(Pow(Sub(x_n, n.per_unit("mu", l)), num(2)), "n")))
        yield d.step(
            Phase.FORWARD, f"mean{l}", n.per_unit("mu", l), (mean_form,), None, c.mean, layer=l
        )
        yield d.step(
            Phase.FORWARD, f"var{l}", n.per_unit("sigma2", l), (var_form,), None, c.var, layer=l
        )
    mu_sym, var_sym = statistics(kind, n, l)
    for s in shown if d.small(r) else ():
        for j in range(units):
            sqrt_var = root(at(var_sym, n, l, j), EPS)
            form: Expr = Frac(Sub(n.a(l - 1, j, s), at(mu_sym, n, l, j)), sqrt_var)
            subst: Expr = Frac(
                Sub(num(c.x[s, j]), num(c.mean[j])), root(num(c.var[j]), num(kind.eps))
            )
            yield d.step(
                Phase.FORWARD,
                d.name(f"x_hat{l}", s, j),
                n.per_sample("xhat", l, j, s),
                (form,),
                subst,
                c.x_hat[s, j],
                layer=l,
                sample=s,
            )
    whole = Frac(Sub(n.a(l - 1), mu_sym), root(var_sym, EPS))
    yield d.step(
        Phase.FORWARD,
        f"x_hat{l}",
        n.per_sample("xhat", l),
        (whole,),
        None,
        d.per_sample(c.x_hat),
        layer=l,
    )
    for s in shown if d.small(r) else ():
        for j in range(units):
            yield affine_step(d, r, s, j)
    yield affine_vector_step(d, r)
    if kind.train:
        yield from _running_steps(kind, d, r)


def gradient_steps(kind: BatchNormKind, d: Deriving, r: LayerValues) -> Iterator[Step]:
    """∂L/∂β, ∂L/∂γ, then ∂L/∂x̂, ∂L/∂σ², ∂L/∂μ on the way to ∂L/∂x."""
    l, n, c = r.index, d.n, r.cache
    units, shown = r.z.shape[1], list(d.samples)
    small = d.small(r) and bool(shown)
    gamma = r.layer.params["gamma"]
    d_x_hat = r.delta * gamma
    for j in range(units) if small else ():
        yield d.step(
            Phase.BACKWARD,
            f"dbeta{l}[{j}]",
            Partial(L, n.per_unit("beta", l, j)),
            (total([n.delta(l, j, s) for s in shown]),),
            total([num(r.delta[s, j]) for s in shown]),
            r.grads["beta"][j],
            layer=l,
            element=True,
        )
        form = total(
            [Mul((n.delta(l, j, s), n.per_sample("xhat", l, j, s)), dot=False) for s in shown]
        )
        subst = total([Mul((num(r.delta[s, j]), num(c.x_hat[s, j]))) for s in shown])
        yield d.step(
            Phase.BACKWARD,
            f"dgamma{l}[{j}]",
            Partial(L, n.per_unit("gamma", l, j)),
            (form,),
            subst,
            r.grads["gamma"][j],
            layer=l,
            element=True,
        )
    yield from affine_gradient_steps(d, r)
    for s in shown if d.small(r) else ():
        for j in range(units):
            form = Mul((n.delta(l, j, s), n.per_unit("gamma", l, j)), dot=False)
            yield d.step(
                Phase.BACKWARD,
                d.name(f"dx_hat{l}", s, j),
                Partial(L, n.per_sample("xhat", l, j, s)),
                (form,),
                Mul((num(r.delta[s, j]), num(gamma[j]))),
                d_x_hat[s, j],
                layer=l,
                sample=s,
            )
    form = Hadamard(n.delta(l), n.per_unit("gamma", l))
    yield d.step(
        Phase.BACKWARD,
        f"dx_hat{l}",
        Partial(L, n.per_sample("xhat", l)),
        (form,),
        None,
        d.per_sample(d_x_hat),
        layer=l,
    )
    if not kind.train:
        return
    d_var, d_mean = kind.statistics_gradients(c, d_x_hat)
    for j in range(units) if small else ():
        mu, var = n.per_unit("mu", l, j), n.per_unit("sigma2", l, j)
        power = Pow(Add((var, EPS)), Neg(Frac(num(3), num(2))))
        form = Mul(
            (
                total(
                    [
                        Mul(
                            (Partial(L, n.per_sample("xhat", l, j, s)), Sub(n.a(l - 1, j, s), mu)),
                            dot=False,
                        )
                        for s in shown
                    ]
                ),
                Neg(Frac(num(1), num(2))),
                power,
            )
        )
        numbers = total(
            [Mul((num(d_x_hat[s, j]), Sub(num(c.x[s, j]), num(c.mean[j])))) for s in shown]
        )
        subst = Mul(
            (
                numbers,
                Neg(Frac(num(1), num(2))),
                Pow(Add((num(c.var[j]), num(kind.eps))), Neg(Frac(num(3), num(2)))),
            )
        )
        yield d.step(
            Phase.BACKWARD,
            f"dvar{l}[{j}]",
            Partial(L, var),
            (form,),
            subst,
            d_var[j],
            layer=l,
            element=True,
        )
        sqrt_var = root(var, EPS)
        form = Mul(
            (
                total([Partial(L, n.per_sample("xhat", l, j, s)) for s in shown]),
                Neg(Frac(num(1), sqrt_var)),
            )
        )
        subst = Mul(
            (
                total([num(d_x_hat[s, j]) for s in shown]),
                Neg(Frac(num(1), root(num(c.var[j]), num(kind.eps)))),
            )
        )
        yield d.step(
            Phase.BACKWARD,
            f"dmean{l}[{j}]",
            Partial(L, mu),
            (form,),
            subst,
            d_mean[j],
            layer=l,
            element=True,
        )
    mu, var = n.per_unit("mu", l), n.per_unit("sigma2", l)
    grad_n = Partial(L, n.per_sample("xhat", l, None, "n"))
    var_form = Mul(
        (
            Sum(Hadamard(grad_n, Sub(n.a(l - 1, None, "n"), mu)), "n"),
            Neg(Frac(num(1), num(2))),
            Pow(Add((var, EPS)), Neg(Frac(num(3), num(2)))),
        )
    )
    mean_form = Neg(Frac(Sum(grad_n, "n"), root(var, EPS)))
    yield d.step(Phase.BACKWARD, f"dvar{l}", Partial(L, var), (var_form,), None, d_var, layer=l)
    yield d.step(Phase.BACKWARD, f"dmean{l}", Partial(L, mu), (mean_form,), None, d_mean, layer=l)


def statistics(kind: BatchNormKind, n: Notation, l: int) -> tuple[Sym, Sym]:
    """μ and σ² of layer l: the batch's (train) or the running ones (eval)."""
    if kind.train:
        return n.per_unit("mu", l), n.per_unit("sigma2", l)
    return n.per_unit("running_mean", l), n.per_unit("running_var", l)


def at(symbol: Sym, n: Notation, l: int, j: int) -> Sym:
    """One feature's entry of a per-feature symbol (μⱼ of μ)."""
    return n.per_unit(symbol.base, l, j)


def _running_steps(kind: BatchNormKind, d: Deriving, r: LayerValues) -> Iterator[Step]:
    """running ← (1 − m)·running + m·statistic, the variance unbiased (×N/(N − 1))."""
    l, n, c = r.index, d.n, r.cache
    m, count = kind.momentum, r.z.shape[0]
    new_mean, new_var = kind.running(c)
    keep, take = Sub(num(1), Sym("m")), Sym("m")
    unbias = Frac(num(count), num(count - 1))
    rows = (
        ("running_mean", kind.running_mean, "mu", c.mean, new_mean, None),
        ("running_var", kind.running_var, "sigma2", c.var, new_var, unbias),
    )
    for name, old, statistic, values, new, factor in rows:
        for j in range(r.z.shape[1]) if d.small(r) else ():
            symbol = n.per_unit(name, l, j)
            stat: Expr = n.per_unit(statistic, l, j)
            stat_value: Expr = num(values[j])
            if factor is not None:
                stat, stat_value = Mul((factor, stat)), Mul((factor, stat_value))
            form = Add((Mul((keep, symbol)), Mul((take, stat))))
            subst = Add((Mul((num(1 - m), num(old[j]))), Mul((num(m), stat_value))))
            yield d.step(
                Phase.FORWARD,
                f"{name}{l}_new[{j}]",
                symbol,
                (form,),
                subst,
                new[j],
                layer=l,
                element=True,
                assign=True,
            )
        symbol = n.per_unit(name, l)
        stat = (
            n.per_unit(statistic, l) if factor is None else Mul((factor, n.per_unit(statistic, l)))
        )
        form = Add((Mul((keep, symbol)), Mul((take, stat))))
        yield d.step(
            Phase.FORWARD, f"{name}{l}_new", symbol, (form,), None, new, layer=l, assign=True
        )
