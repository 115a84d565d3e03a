"""The affine end of batch norm and layer norm, z = γ ⊙ x̂ + β: its steps forward and its
parameters' gradients.

Both layers sum over the samples: ∂L/∂β = Σₙ δ[n] and ∂L/∂γ = Σₙ δ[n] ⊙ x̂[n].
"""

from __future__ import annotations

from collections.abc import Iterator

from backprop_cli.expr import Add, Hadamard, Mul, Partial, Sum, Sym, num
from backprop_cli.nn.layers.base import Deriving, LayerValues
from backprop_cli.solve.steps import Phase, Step

L = Sym("L")


def affine_step(d: Deriving, r: LayerValues, s: int, j: int) -> Step:
    """zⱼ[s] = γⱼ x̂ⱼ[s] + βⱼ with its numbers (``r.cache`` holds ``x_hat``)."""
    l, n = r.index, d.n
    gamma, beta, x_hat = r.layer.params["gamma"], r.layer.params["beta"], r.cache.x_hat
    form = Add(
        (
            Mul((n.per_unit("gamma", l, j), n.per_sample("xhat", l, j, s)), dot=False),
            n.per_unit("beta", l, j),
        )
    )
    subst = Add((Mul((num(gamma[j]), num(x_hat[s, j]))), num(beta[j])))
    return d.step(
        Phase.FORWARD,
        d.name(f"z{l}", s, j),
        n.z(l, j, s),
        (form,),
        subst,
        r.z[s, j],
        layer=l,
        sample=s,
    )


def affine_vector_step(d: Deriving, r: LayerValues) -> Step:
    """z = γ ⊙ x̂ + β for the whole layer."""
    l, n = r.index, d.n
    form = Add((Hadamard(n.per_unit("gamma", l), n.per_sample("xhat", l)), n.per_unit("beta", l)))
    return d.step(Phase.FORWARD, f"z{l}", n.z(l), (form,), None, d.per_sample(r.z), layer=l)


def affine_gradient_steps(d: Deriving, r: LayerValues) -> Iterator[Step]:
    """∂L/∂β and ∂L/∂γ of layer ``r`` in vector form, each a sum over the samples."""
    l, n = r.index, d.n
    delta_n, xhat_n = n.delta(l, None, "n"), n.per_sample("xhat", l, None, "n")
    yield d.step(
        Phase.BACKWARD,
        f"dbeta{l}",
        Partial(L, n.per_unit("beta", l)),
        (Sum(delta_n, "n"),),
        None,
        r.grads["beta"],
        layer=l,
    )
    yield d.step(
        Phase.BACKWARD,
        f"dgamma{l}",
        Partial(L, n.per_unit("gamma", l)),
        (Sum(Hadamard(delta_n, xhat_n), "n"),),
        None,
        r.grads["gamma"],
        layer=l,
    )
