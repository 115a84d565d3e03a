"""The affine end of batch norm and layer norm, z = γ ⊙ x̂ + β: its parameters' gradients.

Both layers sum over the samples: ∂L/∂β = Σₙ δ[n] and ∂L/∂γ = Σₙ δ[n] ⊙ x̂[n].
"""

from __future__ import annotations

from collections.abc import Iterator

from backprop_cli.expr import Hadamard, Partial, Sum, Sym
from backprop_cli.nn.layers.base import Deriving, LayerValues
from backprop_cli.solve.steps import Phase, Step

L = Sym("L")


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
