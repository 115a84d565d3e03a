"""Backward-pass steps: ∂L/∂ŷ, each layer's δ by the chain rule, ∂L/∂W, ∂L/∂b, ∂L/∂x."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from backprop_cli.derive import penalty
from backprop_cli.derive.context import DETAIL_UNITS, Context
from backprop_cli.expr import (
    Call,
    Expr,
    Hadamard,
    MatMul,
    Mul,
    Partial,
    Sub,
    Sum,
    Sym,
    Transpose,
    num,
    product,
    total,
)
from backprop_cli.solve.records import LayerResult, Phase, Step, per_unit

L = Sym("L")


def steps(c: Context) -> Iterator[Step]:
    for r in reversed(c.solution.layers):
        if r.index == c.depth:
            yield from output_layer(c, r)
        else:
            yield from hidden_layer(c, r)
        yield from penalty.gradient_steps(c, r)
    yield from input_gradient(c)


# --- the output layer --------------------------------------------------------


def output_layer(c: Context, shaped: LayerResult) -> Iterator[Step]:
    r = shaped.flat()  # unit by unit: the outputs as a vector per sample, as the target
    l, n, f, loss = r.index, c.n, r.layer.activation, c.problem.loss.function
    units, y = r.z.shape[1], c.problem.y
    y_shaped = y.reshape(shaped.z.shape)  # as a whole, in the output's own shape
    coef = c.coefficient(outputs=True)
    few = units <= DETAIL_UNITS  # the output's steps do not depend on its fan-in
    unfused = few and c.solution.fused and shows_unfused(c, r)
    if c.problem.upstream:  # ∂L/∂ŷ given: the first line of the backward pass, as given
        yield from given_upstream(c, r, few, shaped.grad_a)
    elif not c.solution.fused or unfused:
        # ∂L/∂ŷₖ = s·(1/N)(1/K)·∂term/∂ŷₖ
        if few:
            for s in c.samples:
                for k in range(units):
                    form = product([*coef, output_grad(c, r, s, k, symbols=True)])
                    value = product([*coef, output_grad(c, r, s, k, symbols=False)])
                    yield c.step(
                        Phase.BACKWARD,
                        c.cell(f"da{l}", l, s, k),
                        Partial(L, n.yhat(k, s)),
                        (form,),
                        value,
                        r.grad_a[s, k],
                        layer=l,
                        sample=s,
                    )
        form = product([*coef, loss.vector_grad(n.yhat(), n.y())])
        yield c.step(
            Phase.BACKWARD,
            f"da{l}",
            Partial(L, n.yhat()),
            (form,),
            None,
            c.per_sample(shaped.grad_a),
            layer=l,
        )
    if few:
        for s in c.samples:
            for k in range(units):
                if unfused:
                    yield unfused_delta(c, r, s, k, coef)
                yield output_delta(c, r, s, k, coef)
    forms: tuple[Expr, ...]
    subst: Expr | None = None
    if c.solution.fused:  # δ = s·(1/N)(1/K)·(ŷ − y)
        forms = (product([*coef, Sub(n.yhat(), n.y())]),)
        subst = product([*coef, Sub(c.vector(shaped.a), c.vector(y_shaped))])
    elif shaped.fprime is not None:  # δ = ∂L/∂ŷ ⊙ f′(z)
        forms = (Hadamard(Partial(L, n.yhat()), Call(f.label, (n.z(l),), prime=True)),)
        subst = Hadamard(c.vector(shaped.grad_a), c.vector(shaped.fprime))
    else:  # δ = Jᵀ ∂L/∂ŷ, J the softmax Jacobian
        forms = (MatMul((Transpose(Partial(n.yhat(), n.z(l))), Partial(L, n.yhat()))),)
    delta = c.per_sample(shaped.delta)
    yield c.step(Phase.BACKWARD, f"delta{l}", n.delta(l), forms, subst, delta, layer=l)


def given_upstream(c: Context, r: LayerResult, few: bool, shaped: np.ndarray) -> Iterator[Step]:
    """∂L/∂ŷ as the exercise gives it (no formula: it is the data), element by element for a
    small output, then as a whole (``shaped``: in the output's own shape, a map as a grid)."""
    l, n = r.index, c.n
    if few:
        for s in c.samples:
            for k in range(r.a.shape[1]):
                yield c.step(
                    Phase.BACKWARD,
                    c.name(f"da{l}", s, k),
                    Partial(L, n.yhat(k, s)),
                    (),
                    None,
                    r.grad_a[s, k],
                    layer=l,
                    sample=s,
                )
    yield c.step(
        Phase.BACKWARD, f"da{l}", Partial(L, n.yhat()), (), None, c.per_sample(shaped), layer=l
    )


def output_grad(c: Context, r: LayerResult, s: int, k: int, symbols: bool) -> Expr:
    """∂ℓ/∂ŷₖ of sample s, in symbols or with its numbers (the loss picks the terms)."""
    p, n, units = c.problem, c.n, r.a.shape[1]
    yhat: list[Expr]
    y: list[Expr]
    if symbols:
        yhat, y = [n.yhat(j, s) for j in range(units)], [n.y(j, s) for j in range(units)]
    else:
        yhat = [num(v) for v in r.a[s]]
        y = [num(v) for v in p.y[s]]
    return p.loss.function.output_grad(yhat, y, k, p.y[s])


def shows_unfused(c: Context, r: LayerResult) -> bool:
    """A fused pair (softmax + CE, sigmoid + BCE) is first worked unfused, with numbers, where
    ∂L/∂ŷ has them: finite, no log clamped, and exact (rounded factors need not multiply to
    the rounded ŷ − y: the cancellation is exact only in exact arithmetic)."""
    finite = bool(np.all(np.isfinite(r.grad_a)))
    exact = c.solution.round_intermediate is None
    return exact and finite and not c.problem.loss.function.clamped(r.a, c.problem.y)


def unfused_delta(c: Context, r: LayerResult, s: int, k: int, coef: list[Expr]) -> Step:
    """δₖ = ∂L/∂ŷₖ·∂ŷₖ/∂zₖ with numbers, before the pair's simplification δ = ŷ − y:
    8.394·0.8808(1 − 0.8808) = 0.8808 for ex5."""
    l, n, f = r.index, c.n, r.layer.activation
    y_hat, z = n.yhat(k, s), n.z(l, k, s)
    forms: tuple[Expr, ...]
    if f.elementwise:
        grad = product([*coef, output_grad(c, r, s, k, symbols=True)])
        forms = (Mul((Partial(L, y_hat), Partial(y_hat, z))), Mul((grad, f.derivative(z, y_hat))))
        derivative = f.derivative(num(r.z[s, k]), num(r.a[s, k]), float(r.z[s, k]))
        subst: Expr = Mul((num(r.grad_a[s, k]), derivative))
    else:
        forms, subst = softmax_delta(c, r, s, k)
    return c.step(
        Phase.BACKWARD,
        c.cell(f"delta{l}", l, s, k) + " (unfused)",
        n.delta(l, k, s),
        forms,
        subst,
        r.delta[s, k],
        layer=l,
        sample=s,
    )


def output_delta(c: Context, r: LayerResult, s: int, k: int, coef: list[Expr]) -> Step:
    """δₖ = ∂L/∂ŷₖ · ∂ŷₖ/∂zₖ for one output."""
    l, n, f, loss = r.index, c.n, r.layer.activation, c.problem.loss.function
    y_hat, y, z = n.yhat(k, s), n.y(k, s), n.z(l, k, s)
    a_value, y_value, z_value = r.a[s, k], c.problem.y[s, k], r.z[s, k]
    chain: Expr = Mul((Partial(L, y_hat), Partial(y_hat, z)))
    if not f.elementwise:  # a softmax output: δⱼ = Σₖ ∂L/∂ŷₖ ∂ŷₖ/∂zⱼ, as its chain rule reads
        y_k = Sym("yhat", ("k",))
        chain = Sum(Mul((Partial(L, y_k), Partial(y_k, z))), "k")
    forms: tuple[Expr, ...]
    if c.solution.fused:  # the activation's derivative cancels: δ = ŷ − y
        forms = (chain, product([*coef, loss.fused_term(y_hat, y)]))
        subst: Expr = product([*coef, loss.fused_term(num(a_value), num(y_value))])
    elif f.elementwise:
        grad = product([*coef, output_grad(c, r, s, k, symbols=True)])
        grad_value = (
            product([*coef, output_grad(c, r, s, k, symbols=False)])
            if c.solution.round_intermediate is None
            else num(r.grad_a[s, k])  # rounding: the ∂L/∂ŷ shown (and used), not its expansion
        )
        forms = (
            Mul((Partial(L, y_hat), Call(f.label, (z,), prime=True))),
            Mul((grad, f.derivative(z, y_hat))),
        )
        subst = Mul((grad_value, f.derivative(num(z_value), num(a_value), float(z_value))))
    else:
        forms, subst = softmax_delta(c, r, s, k)
    return c.step(
        Phase.BACKWARD,
        c.cell(f"delta{l}", l, s, k),
        n.delta(l, k, s),
        forms,
        subst,
        r.delta[s, k],
        layer=l,
        sample=s,
    )


def softmax_delta(c: Context, r: LayerResult, s: int, i: int) -> tuple[tuple[Expr, ...], Expr]:
    """δᵢ = Σⱼ ∂L/∂aⱼ ∂aⱼ/∂zᵢ = aᵢ(gᵢ − Σⱼ gⱼaⱼ) with g = ∂L/∂a: the softmax Jacobian applied to g."""
    l, n = r.index, c.n
    units = r.z.shape[1]
    a = [n.a(l, j, s) for j in range(units)]
    g = [Partial(L, a[j]) for j in range(units)]
    # The summation index is k, as in the layer's chain rule δⱼ = Σₖ ∂L/∂aₖ ∂aₖ/∂zⱼ.
    a_k = Sym("yhat" if l == c.depth else "a", ("k",), None if c.depth == 1 else l)
    chain = Sum(Mul((Partial(L, a_k), Partial(a_k, n.z(l, i, s)))), "k")
    form = Mul((a[i], Sub(g[i], total([Mul((g[j], a[j])) for j in range(units)]))), dot=False)
    g_values, a_values = r.grad_a[s], r.a[s]
    weighted = total([Mul((num(g_values[j]), num(a_values[j]))) for j in range(units)])
    subst = Mul((num(a_values[i]), Sub(num(g_values[i]), weighted)))
    return (chain, form), subst


# --- hidden layers -----------------------------------------------------------


def hidden_layer(c: Context, r: LayerResult) -> Iterator[Step]:
    """∂L/∂a⁽ˡ⁾ from the layer above, then δ⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ ⊙ f′(z⁽ˡ⁾)."""
    l, n, f = r.index, c.n, r.layer.activation
    above = c.solution.layers[l]  # layer l + 1 (the list is 0-based)
    flat = r.flat()  # unit by unit (a C×H×W output's cells row-major)
    units = flat.z.shape[1]
    if c.small(r) and c.small(above):
        for s in c.samples:
            for j in range(units):
                yield hidden_gradient(c, flat, above, s, j)
        for s in c.samples:
            for j in range(units):
                yield hidden_delta(c, flat, s, j)
    back, back_subst = above.layer.kind.pass_back(c, above, None, None)  # ∂L/∂a⁽ˡ⁾ from above
    yield c.step(
        Phase.BACKWARD,
        f"da{l}",
        Partial(L, n.a(l)),
        (back,),
        back_subst,
        c.per_sample(r.grad_a),
        layer=l,
    )
    if r.fprime is not None:
        prime = Call(f.label, (n.z(l),), prime=True)
        forms: tuple[Expr, ...] = (Hadamard(Partial(L, n.a(l)), prime), Hadamard(back, prime))
        subst: Expr | None = Hadamard(c.vector(r.grad_a), c.vector(r.fprime))
    else:
        forms, subst = (MatMul((Transpose(Partial(n.a(l), n.z(l))), Partial(L, n.a(l)))),), None
    yield c.step(
        Phase.BACKWARD, f"delta{l}", n.delta(l), forms, subst, c.per_sample(r.delta), layer=l
    )


def hidden_gradient(c: Context, r: LayerResult, above: LayerResult, s: int, j: int) -> Step:
    """∂L/∂aⱼ⁽ˡ⁾ = Σₖ wₖⱼ⁽ˡ⁺¹⁾ δₖ⁽ˡ⁺¹⁾ (or δⱼ⁽ˡ⁺¹⁾ above an activation layer)."""
    l, n = r.index, c.n
    form, subst = above.layer.kind.pass_back(c, above, s, j)
    return c.step(
        Phase.BACKWARD,
        c.cell(f"da{l}", l, s, j),
        Partial(L, n.a(l, j, s)),
        (form,),
        subst,
        per_unit(r.grad_a)[s, j],
        layer=l,
        sample=s,
    )


def hidden_delta(c: Context, r: LayerResult, s: int, j: int) -> Step:
    """δⱼ⁽ˡ⁾ = ∂L/∂aⱼ⁽ˡ⁾ · f′(zⱼ⁽ˡ⁾)."""
    l, n, f = r.index, c.n, r.layer.activation
    a, z = n.a(l, j, s), n.z(l, j, s)
    zs, values, grad_a = per_unit(r.z), per_unit(r.a), per_unit(r.grad_a)
    if f.elementwise:
        forms: tuple[Expr, ...] = (
            Mul((Partial(L, a), Partial(a, z))),
            Mul((Partial(L, a), f.derivative(z, a))),
        )
        derivative = f.derivative(num(zs[s, j]), num(values[s, j]), float(zs[s, j]))
        subst: Expr = Mul((num(grad_a[s, j]), derivative))
    else:
        forms, subst = softmax_delta(c, r, s, j)
    return c.step(
        Phase.BACKWARD,
        c.cell(f"delta{l}", l, s, j),
        n.delta(l, j, s),
        forms,
        subst,
        per_unit(r.delta)[s, j],
        layer=l,
        sample=s,
    )


# --- gradients of the parameters and of the input ------------------------------


def input_gradient(c: Context) -> Iterator[Step]:
    """∂L/∂x = W⁽¹⁾ᵀδ⁽¹⁾ (or δ⁽¹⁾ when layer 1 is an activation layer)."""
    n, first = c.n, c.solution.layers[0]
    form, subst = first.layer.kind.pass_back(c, first, None, None)
    yield c.step(
        Phase.BACKWARD,
        "dx",
        # ∂L/∂z when layer 1 passes its input on (ex2 gives the logits z), else ∂L/∂x
        Partial(L, n.z(1) if first.layer.kind.z_column is None else n.x()),
        (form,),
        subst,
        c.per_sample(c.solution.dx),
    )
