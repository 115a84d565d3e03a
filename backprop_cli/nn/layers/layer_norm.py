"""Layer normalisation of each sample over its features, as PyTorch's ``nn.LayerNorm(D)``.

For sample n with features j = 1 … D (biased variance, ε inside the root):

    μ[n] = (1/D) Σⱼ xⱼ[n]        σ²[n] = (1/D) Σⱼ (xⱼ[n] − μ[n])²
    x̂ⱼ[n] = (xⱼ[n] − μ[n])/√(σ²[n] + ε)      zⱼ[n] = γⱼ x̂ⱼ[n] + βⱼ

Backwards, with δ = ∂L/∂z (each sample on its own; no running statistics):

    ∂L/∂βⱼ = Σₙ δⱼ[n]    ∂L/∂γⱼ = Σₙ δⱼ[n] x̂ⱼ[n]    ∂L/∂x̂ⱼ[n] = δⱼ[n] γⱼ
    ∂L/∂σ²[n] = Σⱼ ∂L/∂x̂ⱼ[n] (xⱼ[n] − μ[n]) · (−½)(σ²[n] + ε)^(−3/2)
    ∂L/∂μ[n] = −Σⱼ ∂L/∂x̂ⱼ[n]/√(σ²[n] + ε)
    ∂L/∂xⱼ[n] = ∂L/∂x̂ⱼ[n]/√(σ²[n] + ε) + ∂L/∂σ²[n]·2(xⱼ[n] − μ[n])/D + ∂L/∂μ[n]/D
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np

from backprop_cli.expr import (
    Add,
    Expr,
    Frac,
    Message,
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
from backprop_cli.load.reader import readonly
from backprop_cli.nn.layers.affine import affine_gradient_steps, affine_step, affine_vector_step
from backprop_cli.nn.layers.base import (
    Array,
    Deriving,
    KindDefaults,
    Layer,
    LayerReading,
    LayerValues,
    Params,
    Schema,
    object_schema,
    per_feature,
    root,
)
from backprop_cli.nn.layers.shapes import Arrangement, SampleShape
from backprop_cli.notation import Notation
from backprop_cli.records import dataclass
from backprop_cli.solve.steps import Phase, Step

L, EPS = Sym("L"), Sym("epsilon")
HALF, THREE_HALVES = Neg(Frac(num(1), num(2))), Neg(Frac(num(3), num(2)))

FIELDS: dict[str, str] = {
    "type": "layer_norm: normalise each sample over its features.",
    "gamma": "The scale γ: a number (every feature) or one per feature; default 1.",
    "beta": "The shift β: a number (every feature) or one per feature; default 0.",
    "eps": "ε, added to the variance inside the square root; default 1e-5.",
    "activation": "An activation name, or {name, alpha}, applied after; default identity.",
    "name": "A name shown in the solution.",
}


@dataclass(frozen=True)
class Cache:
    x: Array
    mean: Array
    """One per sample, N × 1."""
    var: Array
    std: Array
    x_hat: Array


@dataclass(frozen=True)
class LayerNorm(KindDefaults):
    eps: float = 1e-5
    name = "layer_norm"
    keys = tuple(FIELDS)
    unit = "feature"
    takes: Arrangement | None = Arrangement.VECTOR
    resizes = False
    weights: ClassVar[tuple[str, ...]] = ()
    biases: ClassVar[tuple[str, ...]] = ()
    z_column: str | None = None

    def schema(self, words: Mapping[str, Schema]) -> Schema:
        properties = {
            "type": {"const": self.name},
            "gamma": words["vector"],
            "beta": words["vector"],
            "eps": words["positive"],
            "activation": words["activation"],
            "name": words["text"],
        }
        return object_schema(FIELDS, properties, ("type",))

    def read(
        self,
        reading: LayerReading,
        value: dict[str, Any],
        index: int,
        shape: SampleShape,
        rows: int | None,
    ) -> Layer:
        width = shape.size
        r, path = reading.r, ("layers", index)
        r.keys(value, path, self.keys)
        if width < 2:
            raise r.error(path, "expected at least 2 features to normalise over, got 1")
        eps = r.positive(value["eps"], (*path, "eps"), "eps > 0") if "eps" in value else 1e-5
        params = {
            key: readonly(per_feature(r, value.get(key, default), (*path, key), width))
            for key, default in (("gamma", 1.0), ("beta", 0.0))
        }
        reading.count_parameters(2 * width, path)
        activation = reading.activation(value.get("activation", "identity"), (*path, "activation"))
        return Layer(
            index + 1, replace(self, eps=eps), activation, params, width, reading.name(value, path)
        )

    # --- values -----------------------------------------------------------

    def forward(self, params: Params, a: Array) -> tuple[Array, Any]:
        mean = np.mean(a, axis=1, keepdims=True)
        var = np.var(a, axis=1, keepdims=True)  # biased: divide by D
        std = np.sqrt(var + self.eps)
        x_hat = (a - mean) / std
        return params["gamma"] * x_hat + params["beta"], Cache(a, mean, var, std, x_hat)

    def backward(self, params: Params, cache: Any, delta: Array) -> tuple[Array, dict[str, Array]]:
        c: Cache = cache
        grads = {"gamma": np.sum(delta * c.x_hat, axis=0), "beta": np.sum(delta, axis=0)}
        d_x_hat = delta * params["gamma"]
        d_var, d_mean = _statistics_gradients(c, d_x_hat)
        features = delta.shape[1]
        return d_x_hat / c.std + d_var * 2 * (c.x - c.mean) / features + d_mean / features, grads

    def unit_params(self, layer: Layer, j: int) -> tuple[tuple[Expr, float], ...]:
        gamma, beta = layer.params["gamma"], layer.params["beta"]
        return ((Sym("gamma"), float(gamma[j])), (Sym("beta"), float(beta[j])))

    def link(self, layer: Layer, j: int, k: int) -> tuple[bool, float | None]:
        return True, None  # every feature of a sample enters its μ and σ²

    def named(self, cache: Any) -> dict[str, Array]:
        c: Cache = cache
        return {"mean": c.mean, "var": c.var, "x_hat": c.x_hat}

    # --- formulas -----------------------------------------------------------

    def param_symbol(self, n: Notation, l: int, base: str, index: tuple[int, ...] | None) -> Expr:
        return n.per_unit(base, l, None if index is None else index[0])

    def note(self, n: Notation, l: int) -> Message:
        return (
            "Layer normalisation: each sample is normalised over its own features with their "
            "mean and biased variance (divided by D), ε inside the square root, then scaled by γ "
            "and shifted by β (one per feature).",
        )

    def z_terms(self, r: LayerValues, s: int, j: int, built: object = range) -> Expr:
        return num(r.z[s, j])

    def forward_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        l, n, c = r.index, d.n, r.cache
        features = r.z.shape[1]
        inv_d = Frac(num(1), num(features))
        for s in d.samples if d.small(r) else ():
            x = [n.a(l - 1, j, s) for j in range(features)]
            xs = [num(c.x[s, j]) for j in range(features)]
            mu, var = _sample(n, "mu", l, s), _sample(n, "sigma2", l, s)
            yield d.step(
                Phase.FORWARD,
                d.name(f"mean{l}", s, 0),
                mu,
                (Mul((inv_d, total(x))),),
                Mul((inv_d, total(xs))),
                c.mean[s, 0],
                layer=l,
                sample=s,
            )
            squares = [Pow(Sub(xi, mu), num(2)) for xi in x]
            numbers = [Pow(Sub(xi, num(c.mean[s, 0])), num(2)) for xi in xs]
            yield d.step(
                Phase.FORWARD,
                d.name(f"var{l}", s, 0),
                var,
                (Mul((inv_d, total(squares))),),
                Mul((inv_d, total(numbers))),
                c.var[s, 0],
                layer=l,
                sample=s,
            )
            for j in range(features):
                form: Expr = Frac(Sub(x[j], mu), root(var, EPS))
                subst: Expr = Frac(
                    Sub(xs[j], num(c.mean[s, 0])), root(num(c.var[s, 0]), num(self.eps))
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
            for j in range(features):
                yield affine_step(d, r, s, j)
        x_hat = Frac(
            Sub(n.a(l - 1), _sample(n, "mu", l, None)), root(_sample(n, "sigma2", l, None), EPS)
        )
        yield d.step(
            Phase.FORWARD,
            f"x_hat{l}",
            n.per_sample("xhat", l),
            (x_hat,),
            None,
            d.per_sample(c.x_hat),
            layer=l,
        )
        yield affine_vector_step(d, r)

    def gradient_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        """∂L/∂β, ∂L/∂γ, then for each sample ∂L/∂x̂, ∂L/∂σ², ∂L/∂μ on the way to ∂L/∂x."""
        l, n, c = r.index, d.n, r.cache
        yield from affine_gradient_steps(d, r)
        gamma = r.layer.params["gamma"]
        d_x_hat = r.delta * gamma
        d_var, d_mean = _statistics_gradients(c, d_x_hat)
        features = r.z.shape[1]
        for s in d.samples if d.small(r) else ():
            grads = [Partial(L, n.per_sample("xhat", l, j, s)) for j in range(features)]
            for j in range(features):
                form: Expr = Mul((n.delta(l, j, s), n.per_unit("gamma", l, j)), dot=False)
                yield d.step(
                    Phase.BACKWARD,
                    d.name(f"dx_hat{l}", s, j),
                    grads[j],
                    (form,),
                    Mul((num(r.delta[s, j]), num(gamma[j]))),
                    d_x_hat[s, j],
                    layer=l,
                    sample=s,
                )
            mu, var = _sample(n, "mu", l, s), _sample(n, "sigma2", l, s)
            # Σⱼ over the features, written with a generic j: the numbers follow term by term
            grad_j = Partial(L, n.per_sample("xhat", l, "j", s))
            terms = Sum(Mul((grad_j, Sub(n.a(l - 1, "j", s), mu)), dot=False), "j")
            numbers = [
                Mul((num(d_x_hat[s, j]), Sub(num(c.x[s, j]), num(c.mean[s, 0]))))
                for j in range(features)
            ]
            power = Pow(Add((num(c.var[s, 0]), num(self.eps))), THREE_HALVES)
            yield d.step(
                Phase.BACKWARD,
                d.name(f"dvar{l}", s, 0),
                Partial(L, var),
                (Mul((terms, HALF, Pow(Add((var, EPS)), THREE_HALVES))),),
                Mul((total(numbers), HALF, power)),
                d_var[s, 0],
                layer=l,
                sample=s,
            )
            form = Neg(Frac(Sum(grad_j, "j"), root(var, EPS)))
            subst = Neg(
                Frac(
                    total([num(d_x_hat[s, j]) for j in range(features)]),
                    root(num(c.var[s, 0]), num(self.eps)),
                )
            )
            yield d.step(
                Phase.BACKWARD,
                d.name(f"dmean{l}", s, 0),
                Partial(L, mu),
                (form,),
                subst,
                d_mean[s, 0],
                layer=l,
                sample=s,
            )

    def pass_back(
        self, d: Deriving, r: LayerValues, s: int | None, j: int | None
    ) -> tuple[Expr, Expr]:
        l, n, c = r.index, d.n, r.cache
        count = num(r.z.shape[1])
        if s is None or j is None:
            d_x = self.backward(r.layer.params, c, r.delta)[0]
            return _sent(n, l), d.vector(d_x)
        d_x_hat = r.delta * r.layer.params["gamma"]
        d_var, d_mean = _statistics_gradients(c, d_x_hat)
        mu, var = _sample(n, "mu", l, s), _sample(n, "sigma2", l, s)
        form = Add(
            (
                Frac(Partial(L, n.per_sample("xhat", l, j, s)), root(var, EPS)),
                Frac(Mul((Partial(L, var), num(2), Sub(n.a(l - 1, j, s), mu))), count),
                Frac(Partial(L, mu), count),
            )
        )
        subst = Add(
            (
                Frac(num(d_x_hat[s, j]), root(num(c.var[s, 0]), num(self.eps))),
                Frac(
                    Mul((num(d_var[s, 0]), num(2), Sub(num(c.x[s, j]), num(c.mean[s, 0])))), count
                ),
                Frac(num(d_mean[s, 0]), count),
            )
        )
        return form, subst

    def sends_back(self, n: Notation, l: int, units: int) -> Expr | None:
        return _sent(n, l)

    def chain_to_param(self, n: Notation, l: int) -> tuple[Expr, Expr, Expr] | None:
        gamma = n.per_unit("gamma", l, "j")
        return (
            gamma,
            Partial(n.z(l, "j"), gamma),
            Mul((n.delta(l, "j"), n.per_sample("xhat", l, "j")), dot=False),
        )

    def z_formula(self, l: int, prev: str) -> str:
        return f"gamma{l}·x_hat{l} + beta{l}"

    def pass_back_formula(self, l: int) -> str:
        return f"layer norm's backward pass from delta{l} (through x_hat{l}, var{l}, mean{l})"


def _sent(n: Notation, l: int) -> Expr:
    """∂L/∂xⱼ with generic indices: through x̂, σ² and μ of the sample."""
    mu, var, features = _sample(n, "mu", l, None), _sample(n, "sigma2", l, None), Sym("D")
    return Add(
        (
            Frac(Partial(L, n.per_sample("xhat", l, "j")), root(var, EPS)),
            Frac(Mul((Partial(L, var), num(2), Sub(n.a(l - 1, "j"), mu))), features),
            Frac(Partial(L, mu), features),
        )
    )


def _statistics_gradients(c: Cache, d_x_hat: Array) -> tuple[Array, Array]:
    """∂L/∂σ² and ∂L/∂μ of each sample (N × 1)."""
    d_var = np.sum(d_x_hat * (c.x - c.mean), axis=1, keepdims=True) * -0.5 * c.std**-3
    return d_var, -np.sum(d_x_hat, axis=1, keepdims=True) / c.std


def _sample(n: Notation, base: str, l: int, s: int | None) -> Sym:
    """A statistic of one sample, μ⁽ˡ⁾[n] (a number per sample, never bold)."""
    symbol = n.per_sample(base, l, None, s)
    return Sym(symbol.base, (), symbol.layer, symbol.sample, bold=False)


LAYER_NORM = LayerNorm()
