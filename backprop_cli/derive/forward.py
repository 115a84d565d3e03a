"""Forward-pass and loss steps: weighted sums, activations, the loss."""

from __future__ import annotations

from collections.abc import Iterator

from backprop_cli.derive.context import DETAIL_TERMS, Context
from backprop_cli.expr import Expr, Frac, Partial, Sum, Sym, num, product, total
from backprop_cli.solve.records import LayerResult, Phase, Step

L = Sym("L")


def steps(c: Context) -> Iterator[Step]:
    for result in c.solution.layers:
        yield from result.layer.kind.forward_steps(c, result)  # z from the layer's input
        yield from activations(c, result)


def activations(c: Context, r: LayerResult) -> Iterator[Step]:
    l, n, f = r.index, c.n, r.layer.activation
    flat = r.flat()  # unit by unit (a C×H×W output's cells row-major)
    units = flat.z.shape[1]
    if c.small(r):
        for s in c.samples:
            zs = tuple(n.z(l, j, s) for j in range(units))
            values = tuple(num(v) for v in flat.z[s])
            for j in range(units):
                forms = tuple(dict.fromkeys((f.call(zs[j]), f.formula(zs, j))))
                yield c.step(
                    Phase.FORWARD,
                    c.cell(f"a{l}", l, s, j),
                    n.a(l, j, s),
                    forms,
                    f.formula(values, j),
                    flat.a[s, j],
                    layer=l,
                    sample=s,
                )
    yield c.step(
        Phase.FORWARD,
        f"a{l}",
        n.a(l),
        (f.call(n.z(l)),),
        f.call(c.vector(r.z)),
        c.per_sample(r.a),
        layer=l,
    )


def sample_loss(c: Context, s: int | None) -> tuple[Expr, Expr | None]:
    """ℓ of sample ``s`` in symbols, and with its numbers when it has few enough outputs.

    ℓ = (1/K) Σₖ term(ŷₖ, yₖ) for a mean over outputs, Σₖ term for a sum, minus
    that for the cross-entropies.
    """
    p, n, loss = c.problem, c.n, c.problem.loss.function
    outputs = p.outputs
    mean = [Frac(num(1), num(outputs))] if loss.mean_over_outputs and outputs > 1 else []
    if outputs > DETAIL_TERMS:
        return c.negate(product([*mean, loss.generic_sum()])), None
    ks = range(outputs)
    row = 0 if s is None else s
    target = p.y[row]
    symbols = loss.terms([n.yhat(k, s) for k in ks], [n.y(k, s) for k in ks], target)
    yhat = [num(c.solution.output[row, k]) for k in ks]
    numbers = loss.terms(yhat, [num(p.y[row, k]) for k in ks], target)
    return c.negate(product([*mean, total(symbols)])), c.negate(product([*mean, total(numbers)]))


def loss_steps(c: Context) -> Iterator[Step]:
    p, n = c.problem, c.n
    if p.upstream:  # no loss: ∂L/∂ŷ is given, and the backward pass starts from it
        given = p.y.reshape(p.y.shape[0], *p.layers[-1].output.dims)  # a map as a grid
        yield c.step(Phase.LOSS, "upstream", Partial(L, n.yhat()), (), None, c.per_sample(given))
        return
    scale: list[Expr] = [num(p.loss.scale)] if p.loss.scale != 1.0 else []
    if not p.batched:
        form, numbers = sample_loss(c, None)
        subst = None if numbers is None else product([*scale, numbers])
        yield c.step(
            Phase.LOSS, "loss", n.loss(), (product([*scale, form]),), subst, c.solution.loss
        )
        return
    for s in c.samples:
        form, numbers = sample_loss(c, s)
        yield c.step(
            Phase.LOSS,
            f"loss_per_sample[{s}]",
            n.loss(s),
            (form,),
            numbers,
            c.solution.sample_losses[s],
            sample=s,
        )
    # L = s·(1/N) Σₙ ℓ⁽ⁿ⁾ (no 1/N for a sum): the formula names N, the substitution its number
    averaged = p.loss.averaged and p.loss.count(p.samples) > 1
    mean: list[Expr] = [*scale, Frac(num(1), Sym("N"))] if averaged else scale
    rows = Sym("N") if p.loss.over is None else num(p.samples)  # a sequence's (sample, step) rows
    form = product([*mean, Sum(Sym("ell", sample="n"), "n", num(1), rows)])
    subst = None
    if p.samples <= DETAIL_TERMS:
        count = num(p.loss.count(p.samples))
        average: list[Expr] = [*scale, Frac(num(1), count)] if averaged else scale
        subst = product([*average, total([num(v) for v in c.solution.sample_losses])])
    yield c.step(Phase.LOSS, "loss", n.loss(), (form,), subst, c.solution.loss)
