"""Batch normalisation of each feature over the batch, as PyTorch's ``nn.BatchNorm1d``.

Train mode, for feature j over the N samples of the batch (ε inside the root):

    μⱼ = (1/N) Σₙ xⱼ[n]                 σ²ⱼ = (1/N) Σₙ (xⱼ[n] − μⱼ)²    (biased)
    x̂ⱼ[n] = (xⱼ[n] − μⱼ)/√(σ²ⱼ + ε)      zⱼ[n] = γⱼ x̂ⱼ[n] + βⱼ

and the running statistics PyTorch keeps (m the momentum; the variance unbiased):

    running_mean ← (1 − m)·running_mean + m·μ
    running_var  ← (1 − m)·running_var + m·(N/(N − 1))·σ²

Backwards, with δ = ∂L/∂z:

    ∂L/∂βⱼ = Σₙ δⱼ[n]     ∂L/∂γⱼ = Σₙ δⱼ[n] x̂ⱼ[n]     ∂L/∂x̂ⱼ[n] = δⱼ[n] γⱼ
    ∂L/∂σ²ⱼ = Σₙ ∂L/∂x̂ⱼ[n] (xⱼ[n] − μⱼ) · (−½)(σ²ⱼ + ε)^(−3/2)
    ∂L/∂μⱼ = Σₙ ∂L/∂x̂ⱼ[n] · (−1/√(σ²ⱼ + ε))      (its σ² term is 0: Σₙ(xⱼ[n] − μⱼ) = 0)
    ∂L/∂xⱼ[n] = ∂L/∂x̂ⱼ[n]/√(σ²ⱼ + ε) + ∂L/∂σ²ⱼ · 2(xⱼ[n] − μⱼ)/N + ∂L/∂μⱼ/N

Eval mode uses the running statistics instead: x̂ = (x − running_mean)/√(running_var + ε),
and ∂L/∂x = δγ/√(running_var + ε).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field, replace
from typing import Any, ClassVar

import numpy as np

from backprop_cli.expr import (
    Add,
    Expr,
    Frac,
    Message,
    Mul,
    Partial,
    Sub,
    Sym,
    num,
)
from backprop_cli.load.reader import readonly
from backprop_cli.nn.layers import batch_norm_steps as steps
from backprop_cli.nn.layers.base import (
    Array,
    Deriving,
    KindDefaults,
    Layer,
    LayerMistake,
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
from backprop_cli.solve.steps import Step

L, EPS = Sym("L"), Sym("epsilon")

FIELDS: dict[str, str] = {
    "type": "batch_norm: normalise each feature over the batch.",
    "gamma": "The scale γ: a number (every feature) or one per feature; default 1.",
    "beta": "The shift β: a number (every feature) or one per feature; default 0.",
    "eps": "ε, added to the variance inside the square root; default 1e-5.",
    "momentum": "m of the running statistics' update; default 0.1.",
    "running_mean": "The running mean before this batch: a number or one per feature; default 0.",
    "running_var": "The running variance before this batch: a number or one per feature; default 1.",
    "mode": "train (batch statistics, the default) or eval (the running statistics).",
    "activation": "An activation name, or {name, alpha}, applied after; default identity.",
    "name": "A name shown in the solution.",
}
MODES = ("train", "eval")


@dataclass(frozen=True)
class Cache:
    x: Array
    mean: Array
    var: Array
    """Biased, over the batch (train), or the running variance (eval)."""
    std: Array
    """√(σ² + ε)."""
    x_hat: Array


@dataclass(frozen=True, eq=False)
class BatchNorm(KindDefaults):
    """The kind, configured per layer (as ``nn.BatchNorm1d(eps, momentum)`` is)."""

    eps: float = 1e-5
    momentum: float = 0.1
    running_mean: Array = field(default_factory=lambda: np.zeros(0))
    running_var: Array = field(default_factory=lambda: np.ones(0))
    train: bool = True
    ddof: int = 0
    """The variance divides by N − ddof: 0, as the forward pass must (1 only for a mistake)."""
    eps_inside: bool = True
    """ε inside the root, √(σ² + ε), as it must be (outside only for a mistake)."""
    name = "batch_norm"
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
            "momentum": {"type": "number", "minimum": 0, "maximum": 1},
            "running_mean": words["vector"],
            "running_var": words["vector"],
            "mode": {"enum": list(MODES)},
            "activation": words["activation"],
            "name": words["text"],
        }
        return object_schema(FIELDS, properties, ("type",))

    # --- fields and shape rule ------------------------------------------

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
        mode = r.choice(value.get("mode", "train"), (*path, "mode"), "a mode", list(MODES))
        if mode == "train" and reading.samples < 2:
            raise r.error(
                path,
                f"expected at least 2 samples for batch_norm in train mode (a batch statistic of "
                f"one value is that value), got {reading.samples}; use mode: eval or give samples",
            )
        if mode == "train" and reading.batch is not None and reading.batch < 2:
            raise r.error(
                ("batch_size",),
                f"expected mini-batches of at least 2 samples with batch_norm in train mode "
                f"(layers[{index}]: each update normalises over its mini-batch, and a batch "
                f"statistic of one value is that value), got {reading.batch}; use a batch_size "
                "of 2 or more, or mode: eval",
            )
        eps = r.positive(value["eps"], (*path, "eps"), "eps > 0") if "eps" in value else 1e-5
        momentum = 0.1
        if "momentum" in value:
            momentum = r.number(value["momentum"], (*path, "momentum"))
            if not 0 <= momentum <= 1:
                raise r.error(
                    (*path, "momentum"), f"expected a momentum from 0 to 1, got {momentum:g}"
                )
        vectors = {
            key: per_feature(r, value.get(key, default), (*path, key), width)
            for key, default in (
                ("gamma", 1.0),
                ("beta", 0.0),
                ("running_mean", 0.0),
                ("running_var", 1.0),
            )
        }
        if np.any(vectors["running_var"] < 0):
            raise r.error((*path, "running_var"), "expected variances ≥ 0, got a negative one")
        reading.count_parameters(2 * width, path)
        kind = replace(
            self,
            eps=eps,
            momentum=momentum,
            running_mean=readonly(vectors["running_mean"]),
            running_var=readonly(vectors["running_var"]),
            train=mode == "train",
        )
        activation = reading.activation(value.get("activation", "identity"), (*path, "activation"))
        params = {"gamma": readonly(vectors["gamma"]), "beta": readonly(vectors["beta"])}
        return Layer(index + 1, kind, activation, params, width, reading.name(value, path))

    # --- values -----------------------------------------------------------

    def forward(self, params: Params, a: Array) -> tuple[Array, Any]:
        if self.train:
            mean, var = np.mean(a, axis=0), np.var(a, axis=0, ddof=self.ddof)  # σ² biased: ÷ N
        else:
            mean, var = self.running_mean, self.running_var
        std = np.sqrt(var + self.eps) if self.eps_inside else np.sqrt(var) + self.eps
        x_hat = (a - mean) / std
        return params["gamma"] * x_hat + params["beta"], Cache(a, mean, var, std, x_hat)

    def backward(self, params: Params, cache: Any, delta: Array) -> tuple[Array, dict[str, Array]]:
        c: Cache = cache
        grads = {"gamma": np.sum(delta * c.x_hat, axis=0), "beta": np.sum(delta, axis=0)}
        d_x_hat = delta * params["gamma"]
        if not self.train:
            return d_x_hat / c.std, grads
        n = delta.shape[0]
        d_var, d_mean = self.statistics_gradients(c, d_x_hat)
        return d_x_hat / c.std + d_var * 2 * (c.x - c.mean) / n + d_mean / n, grads

    @staticmethod
    def statistics_gradients(c: Cache, d_x_hat: Array) -> tuple[Array, Array]:
        """∂L/∂σ² and ∂L/∂μ (train mode)."""
        d_var = np.sum(d_x_hat * (c.x - c.mean), axis=0) * -0.5 * c.std**-3
        return d_var, np.sum(d_x_hat, axis=0) * -1 / c.std

    def running(self, cache: Any) -> tuple[Array, Array]:
        """The running mean and variance after this batch (PyTorch: the variance unbiased)."""
        c: Cache = cache
        n, m = c.x.shape[0], self.momentum
        unbiased = c.var * n / (n - 1)
        return (1 - m) * self.running_mean + m * c.mean, (1 - m) * self.running_var + m * unbiased

    def unit_params(self, layer: Layer, j: int) -> tuple[tuple[Expr, float], ...]:
        gamma, beta = layer.params["gamma"], layer.params["beta"]
        return ((Sym("gamma"), float(gamma[j])), (Sym("beta"), float(beta[j])))

    def link(self, layer: Layer, j: int, k: int) -> tuple[bool, float | None]:
        return k == j, None  # each feature is normalised on its own (over the batch)

    def named(self, cache: Any) -> dict[str, Array]:
        c: Cache = cache
        return {"mean": c.mean, "var": c.var, "x_hat": c.x_hat}

    # --- formulas -----------------------------------------------------------

    def param_symbol(self, n: Notation, l: int, base: str, index: tuple[int, ...] | None) -> Expr:
        return n.per_unit(base, l, None if index is None else index[0])

    def note(self, n: Notation, l: int) -> Message:
        if self.train:
            return (
                "Batch normalisation in train mode: each feature is normalised over the batch with "
                "its mean and its biased variance (divided by N), ε inside the square root, then "
                "scaled by γ and shifted by β.",
            )
        return (
            "Batch normalisation in eval mode: each feature is normalised with the running mean "
            "and variance, then scaled by γ and shifted by β.",
        )

    def z_terms(self, r: LayerValues, s: int, j: int, built: object = range) -> Expr:
        return num(r.z[s, j])

    def forward_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        return steps.forward_steps(self, d, r)

    def gradient_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        return steps.gradient_steps(self, d, r)

    def pass_back(
        self, d: Deriving, r: LayerValues, s: int | None, j: int | None
    ) -> tuple[Expr, Expr]:
        """∂L/∂xⱼ[n] = ∂L/∂x̂ⱼ[n]/√(σ²ⱼ + ε) + ∂L/∂σ²ⱼ·2(xⱼ[n] − μⱼ)/N + ∂L/∂μⱼ/N (train)."""
        l, n, c = r.index, d.n, r.cache
        d_x_hat = r.delta * r.layer.params["gamma"]
        mu_sym, var_sym = steps.statistics(self, n, l)
        if s is None or j is None:
            d_x = self.backward(r.layer.params, c, r.delta)[0]
            sqrt_var = root(var_sym, EPS)
            form: Expr = Frac(Partial(L, n.per_sample("xhat", l)), sqrt_var)
            if self.train:
                count = num(r.z.shape[0])
                form = Add(
                    (
                        form,
                        Frac(Mul((Partial(L, var_sym), num(2), Sub(n.a(l - 1), mu_sym))), count),
                        Frac(Partial(L, mu_sym), count),
                    )
                )
            return form, d.vector(d_x)
        sqrt_var = root(steps.at(var_sym, n, l, j), EPS)
        sqrt_value = root(num(c.var[j]), num(self.eps))
        x_hat_grad = Partial(L, n.per_sample("xhat", l, j, s))
        if not self.train:
            return Frac(x_hat_grad, sqrt_var), Frac(num(d_x_hat[s, j]), sqrt_value)
        d_var, d_mean = self.statistics_gradients(c, d_x_hat)
        count = num(r.z.shape[0])
        mu, var = n.per_unit("mu", l, j), n.per_unit("sigma2", l, j)
        form = Add(
            (
                Frac(x_hat_grad, sqrt_var),
                Frac(Mul((Partial(L, var), num(2), Sub(n.a(l - 1, j, s), mu))), count),
                Frac(Partial(L, mu), count),
            )
        )
        subst = Add(
            (
                Frac(num(d_x_hat[s, j]), sqrt_value),
                Frac(Mul((num(d_var[j]), num(2), Sub(num(c.x[s, j]), num(c.mean[j])))), count),
                Frac(num(d_mean[j]), count),
            )
        )
        return form, subst

    def sends_back(self, n: Notation, l: int, units: int) -> Expr | None:
        """∂L/∂xⱼ with generic indices: through x̂, and in train mode through σ² and μ too."""
        mu_sym, var_sym = steps.statistics(self, n, l)
        j_var, j_mu = n.per_unit(var_sym.base, l, "j"), n.per_unit(mu_sym.base, l, "j")
        through_x_hat = Frac(Partial(L, n.per_sample("xhat", l, "j")), root(j_var, EPS))
        if not self.train:
            return through_x_hat
        count = Sym("N")
        x_j = n.a(l - 1, "j")
        through_var = Frac(Mul((Partial(L, j_var), num(2), Sub(x_j, j_mu))), count)
        return Add((through_x_hat, through_var, Frac(Partial(L, j_mu), count)))

    def chain_to_param(self, n: Notation, l: int) -> tuple[Expr, Expr, Expr] | None:
        gamma = n.per_unit("gamma", l, "j")  # ∂L/∂γⱼ = Σₙ δⱼ[n] x̂ⱼ[n]
        return (
            gamma,
            Partial(n.z(l, "j"), gamma),
            Mul((n.delta(l, "j"), n.per_sample("xhat", l, "j")), dot=False),
        )

    def insights(self, r: LayerValues) -> Iterator[tuple[str, Message]]:
        if not self.train or r.delta.shape[0] < 2:
            return
        c: Cache = r.cache
        d_x = self.backward(r.layer.params, c, r.delta)[0]
        sums = np.sum(d_x, axis=0)
        scale = max(float(np.max(np.abs(d_x))), 1e-300)
        if np.all(np.abs(sums) <= 1e-9 * scale):
            yield (
                "batch_norm_gradient_sum",
                (
                    f"Batch norm's gradient ∂L/∂x of layer {r.index} sums to zero over the batch "
                    "for every feature: shifting every sample of a feature by the same amount "
                    "changes nothing after normalisation, so the loss cannot depend on it.",
                ),
            )

    def mistakes(self) -> tuple[LayerMistake, ...]:
        return MISTAKES

    def z_formula(self, l: int, prev: str) -> str:
        return f"gamma{l}·x_hat{l} + beta{l}"

    def pass_back_formula(self, l: int) -> str:
        return f"batch norm's backward pass from delta{l} (through x_hat{l}, var{l}, mean{l})"


MISTAKES = (
    LayerMistake(
        "unbiased_variance",
        "the unbiased variance",
        ("var", "x_hat", "z"),
        lambda kind: replace(kind, ddof=1),
        (
            "The batch variance is divided by N − 1 (the unbiased variance). Batch norm's forward "
            "pass divides by N: σ² = (1/N)Σₙ(x[n] − μ)²; only the running variance uses N − 1.",
        ),
    ),
    LayerMistake(
        "epsilon_outside_root",
        "ε outside the square root",
        ("x_hat", "z"),
        lambda kind: replace(kind, eps_inside=False),
        ("ε is added after the square root, √σ² + ε; it belongs inside: x̂ = (x − μ)/√(σ² + ε).",),
    ),
)

BATCH_NORM = BatchNorm()
