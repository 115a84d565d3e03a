"""Forward pass, loss, backward pass and gradient-descent updates on a `Problem`.

Values are batches throughout: A⁽⁰⁾ = X is (N × D), and for layer l

    Z⁽ˡ⁾ = A⁽ˡ⁻¹⁾W⁽ˡ⁾ᵀ + b⁽ˡ⁾      (a dense layer; for an activation layer Z⁽ˡ⁾ = A⁽ˡ⁻¹⁾)
    A⁽ˡ⁾ = f(Z⁽ˡ⁾)
    L    = s·(1/N)Σₙ ℓ(ŷ⁽ⁿ⁾, y⁽ⁿ⁾)

and backwards, with Δ⁽ˡ⁾ = ∂L/∂Z⁽ˡ⁾ (the 1/N and the scale s are inside it):

    Δ⁽ᴸ⁾ = f′ applied to ∂L/∂Ŷ    (or (Ŷ − Y)·s/N… when the loss is fused with f)
    ∂L/∂W⁽ˡ⁾ = Δ⁽ˡ⁾ᵀA⁽ˡ⁻¹⁾,  ∂L/∂b⁽ˡ⁾ = Σₙ Δ⁽ˡ⁾,  ∂L/∂A⁽ˡ⁻¹⁾ = Δ⁽ˡ⁾W⁽ˡ⁾

Only the first pass is kept for the derivation; further training steps keep
the loss history and the final parameters. The derivation (`derivation`) and
the insights (`insights`) are recorded as data from the values found here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from backprop_cli.errors import ProblemError
from backprop_cli.load.problem import Problem
from backprop_cli.solve.records import LayerResult, Solution, Update, VariantSolution

Array = np.ndarray
Params = list[tuple[Array, Array] | None]
"""(W, b) of each layer; None for an activation layer."""
Rounding = Callable[[Array], Array]


@dataclass(frozen=True)
class Options:
    round_intermediate: int | None = None
    """Round every intermediate value to this many decimals before it is used."""
    gradient_check: bool = False
    """Compare every gradient with central finite differences."""


@dataclass(frozen=True)
class Forward:
    a_prev: list[Array]
    z: list[Array]
    a: list[Array]
    sample_losses: Array
    loss: float
    fused: bool


@dataclass(frozen=True)
class Backward:
    grad_a: list[Array]
    fprime: list[Array | None]
    """f′(z) of each element-wise activation (None for softmax and a fused output)."""
    delta: list[Array]
    dW: list[Array | None]
    db: list[Array | None]
    dx: Array | None
    """∂L/∂x; None when not asked for (the training steps after the first)."""


def rounding(decimals: int | None) -> Rounding:
    if decimals is None:
        return lambda v: v
    return lambda v: np.round(v, decimals)


def initial_params(problem: Problem) -> Params:
    return [
        None if layer.weights is None or layer.bias is None else (layer.weights, layer.bias)
        for layer in problem.layers
    ]


def is_fused(problem: Problem) -> bool:
    """The loss is computed from the last layer's logits (softmax + CE, sigmoid + BCE)."""
    return problem.loss.function.fused_with == problem.layers[-1].activation.name


def forward(problem: Problem, params: Params, rnd: Rounding, step: int = 0) -> Forward:
    a = problem.x
    a_prevs, zs, activations = [], [], []
    for layer, p in zip(problem.layers, params, strict=True):
        a_prevs.append(a)
        z = a if p is None else rnd(a @ p[0].T + p[1])  # z = W a + b, one row per sample
        a = rnd(layer.activation.fn(z))
        zs.append(z)
        activations.append(a)
    loss = problem.loss.function
    fused = is_fused(problem)
    if fused:
        per_sample = loss.fused_value(zs[-1], problem.y)
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
    per_sample = rnd(per_sample)
    value = float(rnd(np.asarray(problem.loss.scale * np.mean(per_sample))))
    return Forward(a_prevs, zs, activations, per_sample, value, fused)


def backward(
    problem: Problem, params: Params, fwd: Forward, rnd: Rounding, traced: bool = True
) -> Backward:
    """∂L/∂θ of every layer; ``traced`` (the step the report shows) also ∂L/∂x (a further
    N×D×units product) and, where the loss is fused with the output, ∂L/∂ŷ."""
    n = problem.samples
    loss, scale = problem.loss.function, problem.loss.scale
    y_hat = fwd.a[-1]
    # ∂L/∂ŷ; untraced with a fused loss it is not needed (δ comes from the fused loss).
    needed = traced or not fwd.fused
    g = rnd(scale / n * loss.grad(y_hat, problem.y)) if needed else y_hat
    count = len(problem.layers)
    grad_a: list[Array] = [g] * count
    fprime: list[Array | None] = [None] * count
    delta: list[Array] = [g] * count
    dW: list[Array | None] = [None] * count
    db: list[Array | None] = [None] * count
    for i in reversed(range(count)):
        layer, p = problem.layers[i], params[i]
        grad_a[i] = g
        f = layer.activation
        if i == count - 1 and fwd.fused:
            d = rnd(scale / n * loss.fused_delta(y_hat, problem.y))  # δ = (ŷ − y)·s/N(/K)
        elif f.elementwise:
            fprime[i] = rnd(f.grad(fwd.z[i], fwd.a[i]))
            d = rnd(g * fprime[i])  # δ = ∂L/∂a ⊙ f′(z)
        else:
            d = rnd(f.backward(fwd.z[i], fwd.a[i], g))  # δ = Jᵀ ∂L/∂a (softmax)
        delta[i] = d
        if p is None:
            g = d  # z⁽ˡ⁾ = a⁽ˡ⁻¹⁾ for an activation layer
            continue
        dW[i] = rnd(d.T @ fwd.a_prev[i])  # ∂L/∂W = Δᵀ A_prev (summed over samples)
        db[i] = rnd(np.sum(d, axis=0))  # ∂L/∂b = Σₙ δ
        if i == 0 and not traced:
            return Backward(grad_a, fprime, delta, dW, db, None)
        g = rnd(d @ p[0])  # ∂L/∂a⁽ˡ⁻¹⁾ = Wᵀδ, one row per sample
    return Backward(grad_a, fprime, delta, dW, db, g)


def descend(
    params: Params,
    bwd: Backward,
    eta: float,
    rnd: Rounding,
    scratch_gradients: bool = False,
    in_place: bool = False,
) -> Params:
    """θ ← θ − η ∂L/∂θ for every parameter.

    ``scratch_gradients``: the gradients are kept nowhere else, so η ∂L/∂θ is
    written over them; ``in_place``: nor are the parameters, so θ is overwritten.
    With both, a step allocates no full-size temporary.
    """
    updated: Params = []
    for p, dW, db in zip(params, bwd.dW, bwd.db, strict=True):
        if p is None or dW is None or db is None:
            updated.append(None)
            continue
        pair = []
        for theta, grad in ((p[0], dW), (p[1], db)):
            # θ + (−η g) is θ − η g to the last bit; the sum goes where no copy is needed.
            step = np.multiply(grad, -eta, out=grad if scratch_gradients else None)
            if in_place:
                theta += step
                theta[...] = rnd(theta)
            else:
                step += theta
                theta = rnd(step)
            pair.append(theta)
        updated.append((pair[0], pair[1]))
    return updated


def named(params: Params) -> dict[str, Array]:
    """``{"W1": …, "b1": …}`` for the dense layers (1-based, as in the report)."""
    table: dict[str, Array] = {}
    for i, p in enumerate(params, start=1):
        if p is not None:
            table[f"W{i}"], table[f"b{i}"] = p
    return table


def train(
    problem: Problem, params: Params, fwd: Forward, bwd: Backward, rnd: Rounding
) -> tuple[Update, dict[str, Array]]:
    """``steps`` full-batch updates; the update and the parameters after the first one."""
    assert problem.learning_rate is not None
    eta = problem.learning_rate
    history = [fwd.loss]
    current = descend(params, bwd, eta, rnd)
    first = named(current)
    for step in range(1, problem.steps + 1):
        after = forward(problem, current, rnd, step)
        history.append(after.loss)
        if step < problem.steps:
            # The gradients are used once, so the update is written over them; the
            # parameters after the first step are kept (`first`), later ones are
            # overwritten. No name holds a step's gradients into the next step.
            current = descend(
                current,
                backward(problem, current, after, rnd, traced=False),
                eta,
                rnd,
                scratch_gradients=True,
                in_place=step > 1,
            )
    update = Update(eta, problem.steps, np.array(history), named(current))
    return update, first


def solve(problem: Problem, options: Options = Options()) -> Solution:
    """The worked solution of ``problem``: values, derivation steps, insights, variants."""
    from backprop_cli import derive as derivation
    from backprop_cli.solve import insights

    rnd = rounding(options.round_intermediate)
    params = initial_params(problem)
    with np.errstate(all="ignore"):  # overflow becomes inf/NaN, reported as an insight
        fwd = forward(problem, params, rnd)
        bwd = backward(problem, params, fwd, rnd)
        assert bwd.dx is not None
        update, first_update = (
            train(problem, params, fwd, bwd, rnd) if problem.learning_rate else (None, {})
        )
        results = tuple(
            LayerResult(
                layer,
                fwd.a_prev[i],
                fwd.z[i],
                fwd.a[i],
                bwd.grad_a[i],
                bwd.delta[i],
                bwd.fprime[i],
                bwd.dW[i],
                bwd.db[i],
            )
            for i, layer in enumerate(problem.layers)
        )
        solution = Solution(
            problem=problem,
            layers=results,
            output=fwd.a[-1],
            loss=fwd.loss,
            sample_losses=fwd.sample_losses,
            dx=bwd.dx,
            fused=fwd.fused,
            steps=(),
            update=update,
            round_intermediate=options.round_intermediate,
            params=named(params),
        )
        check = None
        if options.gradient_check:
            from backprop_cli.solve.gradient_check import gradient_check

            check = gradient_check(problem, solution)
        solution = replace(
            solution,
            steps=derivation.steps(solution, first_update),
            insights=insights.find(solution),
            gradient_check=check,
        )
    variants = tuple(
        VariantSolution(v.name, v.assignments, solve(v.problem, options)) for v in problem.variants
    )
    return replace(solution, variants=variants)
