"""Forward pass, loss and backward pass on a `Problem`.

Values are batches throughout: A⁽⁰⁾ = X is (N × D), and for layer l

    Z⁽ˡ⁾ = A⁽ˡ⁻¹⁾W⁽ˡ⁾ᵀ + b⁽ˡ⁾      (a dense layer; for an activation layer Z⁽ˡ⁾ = A⁽ˡ⁻¹⁾)
    A⁽ˡ⁾ = f(Z⁽ˡ⁾)
    L    = s·(1/N)Σₙ ℓ(ŷ⁽ⁿ⁾, y⁽ⁿ⁾)

and backwards, with Δ⁽ˡ⁾ = ∂L/∂Z⁽ˡ⁾ (the 1/N and the scale s are inside it):

    Δ⁽ᴸ⁾ = f′ applied to ∂L/∂Ŷ    (or (Ŷ − Y)·s/N… when the loss is fused with f)
    ∂L/∂W⁽ˡ⁾ = Δ⁽ˡ⁾ᵀA⁽ˡ⁻¹⁾,  ∂L/∂b⁽ˡ⁾ = Σₙ Δ⁽ˡ⁾,  ∂L/∂A⁽ˡ⁻¹⁾ = Δ⁽ˡ⁾W⁽ˡ⁾

Only the first pass is kept for the derivation; `training` runs the further
steps. The engine knows neither the derivation nor the insights:
`kinds.network.solver` runs them on its values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from backprop_cli.errors import ProblemError
from backprop_cli.load.problem import Problem
from backprop_cli.nn.layers.shapes import rows
from backprop_cli.records import dataclass
from backprop_cli.solve.noise import at_kinks, residual_noise

Array = np.ndarray
Params = list[dict[str, Array]]
"""Each layer's parameters by base name (``{"W": …, "b": …}``; empty for none)."""
Rounding = Callable[[Array], Array]


@dataclass(frozen=True)
class Forward:
    a_prev: list[Array]
    z: list[Array]
    a: list[Array]
    cache: list[Any]
    """What each layer kind's backward pass needs of its forward pass."""
    sample_losses: Array
    loss: float
    """L: the data loss plus the penalty."""
    fused: bool
    data: float = 0.0
    """L_data, the loss of the outputs alone."""
    penalty: float = 0.0
    """R, the regularization's penalty on the weights (0 without one)."""


@dataclass(frozen=True)
class Backward:
    grad_a: list[Array]
    fprime: list[Array | None]
    """f′(z) of each element-wise activation (None for softmax and a fused output)."""
    delta: list[Array]
    grads: list[dict[str, Array]]
    """∂L/∂θ of each layer's parameters, by base name (the penalty's share included)."""
    dx: Array | None
    """∂L/∂x; None from a pass that needed the parameters' gradients alone."""
    data_grads: list[dict[str, Array]]
    """∂L_data/∂θ of each parameter the penalty covers (the rest are in ``grads`` alone)."""


def no_rounding(v: Array) -> Array:
    """Exact arithmetic: no value is rounded."""
    return v


def rounding(decimals: int | None) -> Rounding:
    """Textbook rounding to ``decimals`` places: half away from zero, as a person rounds
    (0.125 → 0.13, −0.125 → −0.13; NumPy's own rounds half to even). A value a hair below
    the half because of binary fractions (0.1525 is 0.15249999…) is rounded as written."""
    if decimals is None:
        return no_rounding
    scale = 10.0**decimals

    def half_up(v: Array) -> Array:
        with np.errstate(all="ignore"):
            scaled = np.abs(v) * scale * (1 + 1e-12)
            rounded = np.copysign(np.floor(scaled + 0.5) / scale, v)
            whole = ~(scaled < 2.0**52)  # already whole at this scale (or 1e300·10¹⁵: no overflow)
            return np.where(whole, v, rounded + 0.0)  # + 0.0: −0.0049 rounds to 0, not −0

    return half_up


def initial_params(problem: Problem) -> Params:
    return [dict(layer.params) for layer in problem.layers]


def is_fused(problem: Problem) -> bool:
    """The loss is computed from the last layer's logits (softmax + CE, sigmoid + BCE)."""
    return problem.loss.function.fused_with == problem.layers[-1].activation.name


def forward(problem: Problem, params: Params, rnd: Rounding, step: int = 0) -> Forward:
    """The forward pass and the loss. Exact, a fused loss is computed from the logits (stable
    at ±1000); rounding, from the rounded ŷ the worked solution shows (when ŷ is in the loss's
    range), so that its loss line evaluates to its result."""
    a = problem.x
    a_prevs, zs, activations, caches = [], [], [], []
    for layer, p in zip(problem.layers, params, strict=True):
        a_prevs.append(a)
        z, cache = layer.kind.forward(p, a)  # z = T(a; θ): W a + b for a dense layer
        z = rnd(at_kinks(layer.kind.forward, p, a, z, layer.activation.kinks))
        a = rnd(layer.activation.fn(z))
        zs.append(z)
        activations.append(a)
        caches.append(cache)
    loss = problem.loss.function
    shape = a.shape
    a = rows(a)  # the loss compares each sample's outputs, laid out as a vector, with its target
    if loss.kink_at_target:  # ŷ − y of MAE: noise at 0 is 0
        a = np.where(residual_noise(a, problem.y), problem.y, a)
        activations[-1] = a.reshape(shape)
    fused = is_fused(problem)
    if fused and (rnd is no_rounding or loss.output_error(a) is not None):
        per_sample = loss.fused_value(rows(zs[-1]), problem.y)
    else:
        problem_text = loss.output_error(a)
        if problem_text is not None:
            when = f" at training step {step + 1}" if step else ""
            raise ProblemError(
                problem.source,
                ("loss",),
                f"expected {problem_text}, got outputs from {np.min(a):.6g} to {np.max(a):.6g}{when}",
            )
        per_sample = loss.value(a, problem.y)
    if problem.batched:  # each ℓₙ is a shown step; one sample's ℓ is L's step itself
        per_sample = rnd(per_sample)
    data = float(rnd(problem.loss.total(per_sample)))
    penalty = float(rnd(np.asarray(_penalty(problem, params))))
    value = float(rnd(np.asarray(data + penalty))) if problem.regularization else data
    return Forward(a_prevs, zs, activations, caches, per_sample, value, fused, data, penalty)


def penalised(problem: Problem, i: int) -> tuple[str, ...]:
    """The parameters of layer i (0-based) the problem's penalty covers (none without one)."""
    reg, kind = problem.regularization, problem.layers[i].kind
    return () if reg is None else reg.covers(kind.weights, kind.biases)


def _penalty(problem: Problem, params: Params) -> float:
    """R = Σ over the covered parameters of the penalty (λ/2·ΣW² for L2)."""
    reg = problem.regularization
    if reg is None:
        return 0.0
    return sum(reg.penalty(p[base]) for i, p in enumerate(params) for base in penalised(problem, i))


def backward(
    problem: Problem, params: Params, fwd: Forward, rnd: Rounding, *, dx: bool = True
) -> Backward:
    """Every δ and gradient from the loss back; ``dx=False``: not ∂L/∂x, when the first
    layer's kind can skip that product (`LayerKind` ``param_gradients``: a training step
    after the first reports only its parameters)."""
    loss, weight = problem.loss.function, problem.loss.weight(problem.samples)
    shape = fwd.a[-1].shape
    y_hat = rows(fwd.a[-1])
    g = rnd(weight * loss.grad(y_hat, problem.y)).reshape(shape)  # ∂L/∂ŷ = s·(1/N)·∂ℓ/∂ŷ
    count = len(problem.layers)
    grad_a: list[Array] = [g] * count
    fprime: list[Array | None] = [None] * count
    delta: list[Array] = [g] * count
    grads: list[dict[str, Array]] = [{} for _ in range(count)]
    data_grads: list[dict[str, Array]] = [{} for _ in range(count)]
    reg = problem.regularization
    for i in reversed(range(count)):
        layer = problem.layers[i]
        grad_a[i] = g
        f = layer.activation
        if i == count - 1 and fwd.fused:
            d = rnd(weight * loss.fused_delta(y_hat, problem.y)).reshape(shape)  # (ŷ − y)·s/N
        elif f.elementwise:
            fprime[i] = f.grad(fwd.z[i], fwd.a[i])  # not rounded: shown only inside δ's step
            d = rnd(g * fprime[i])  # δ = ∂L/∂a ⊙ f′(z)
        else:
            d = rnd(f.backward(fwd.z[i], fwd.a[i], g))  # δ = Jᵀ ∂L/∂a (softmax)
        delta[i] = d
        alone = None if i or dx else getattr(layer.kind, "param_gradients", None)
        if alone is not None:
            grad_in, layer_grads = None, alone(params[i], fwd.cache[i], d)
        else:
            grad_in, layer_grads = layer.kind.backward(params[i], fwd.cache[i], d)
        grads[i] = {base: rnd(value) for base, value in layer_grads.items()}
        covered = penalised(problem, i)
        data_grads[i] = {base: grads[i][base] for base in covered}
        for base in covered:  # ∂L/∂W = ∂L_data/∂W + ∂R/∂W (λW for L2)
            assert reg is not None
            grads[i][base] = rnd(grads[i][base] + reg.grad(params[i][base]))
        if grad_in is None:
            return Backward(grad_a, fprime, delta, grads, None, data_grads)
        g = rnd(grad_in)  # ∂L/∂a⁽ˡ⁻¹⁾
    return Backward(grad_a, fprime, delta, grads, g, data_grads)
