"""The loss's common mistakes: the ½ convention, the mean over the samples, log₁₀ for ln.

Each is made where the loss's derivative enters (the loss, the output layer's δ)
and carries on into every gradient after it.
"""

from __future__ import annotations

import math

from backprop_cli.expr import Message
from backprop_cli.grade.mistake import Mistake, Places, carries
from backprop_cli.grade.quantities import Graph, Quantity

# --- the ½ convention of MSE and SSE -----------------------------------------


def _factor(graph: Graph) -> float | None:
    """Yours over the expected, for the ½ convention: a problem with the ½ (scale 0.5) gets
    doubled answers when it is left out; one without it gets ½Σ, which is K/2 times a mean
    over K outputs (the same for K = 2) and half a sum."""
    loss, scale = graph.problem.loss.function, graph.problem.loss.scale
    ratio = loss.half_ratio(graph.problem.outputs, 1.0)
    if ratio is None or scale not in (0.5, 1.0):
        return None
    factor = 2.0 if scale == 0.5 else ratio
    return None if factor == 1 else factor


def _at_loss(graph: Graph, q: Quantity) -> bool:
    """The data loss, or the δ of the output layer, where the loss's derivative enters."""
    data = "loss" if graph.problem.regularization is None else "loss_data"
    return q.kind == data or (q.kind == "delta" and q.layer == graph.depth)


def _half_explain(graph: Graph, places: Places, q: Quantity) -> Message:
    loss, factor = graph.problem.loss.function, _factor(graph)
    k = graph.problem.outputs
    if graph.problem.loss.scale == 0.5:
        return (
            "Exactly twice the expected value: this problem's loss has the ½ "
            "(scale 0.5, L = ½Σ(ŷ − y)²), which halves the loss and every gradient; "
            "yours leaves it out.",
        )
    if factor == 0.5:
        return (
            "Exactly half the expected value: you used the ½ convention, L = ½Σ(ŷ − y)², "
            f"but this problem's {loss.abbreviation} has no ½, so its loss and every gradient "
            "are twice yours.",
        )
    return (
        f"{factor:g} times the expected value: you used the ½ convention, L = ½Σ(ŷ − y)², "
        f"but this problem's {loss.abbreviation} is the mean over its {k} outputs, (1/{k})Σ, "
        f"so yours is {k}/2 times its loss and every gradient.",
    )


HALF = Mistake(
    "half_convention",
    "the ½ convention",
    lambda g, q: _factor(g) is not None and _at_loss(g, q),
    lambda g, q, v: q.compute(v) * (_factor(g) or 1.0),
    _half_explain,
    upstream=True,
)

# --- the mean over the samples ---------------------------------------------------


def _count(graph: Graph) -> int:
    """N of the mean over the samples (the rows, or a sequence's samples for SSE)."""
    return graph.problem.loss.count(graph.problem.samples)


def _summed_explain(graph: Graph, places: Places, q: Quantity) -> Message:
    n = graph.problem.loss.count(graph.problem.samples)
    return (
        f"{n} times the expected value: the loss is summed over the {n} samples, where it is "
        f"their mean, L = (1/{n})Σₙ ℓₙ.",
    )


SUMMED_LOSS = Mistake(
    "loss_summed_over_samples",
    "loss summed over the samples",
    lambda g, q: _count(g) > 1 and g.problem.loss.averaged and _at_loss(g, q) and q.kind != "delta",
    lambda g, q, v: q.compute(v) * _count(g),
    _summed_explain,
)


def _one_over_n_explain(graph: Graph, places: Places, q: Quantity) -> Message:
    n = _count(graph)
    return (
        f"{n} times the expected value: the 1/N of the mean over the batch is left out of "
        f"the gradient. L = (1/{n})Σₙ ℓₙ, so ∂L/∂ŷ carries 1/{n}, and so do δ and every "
        "gradient after it." + carries(places, q),
    )


ONE_OVER_N = Mistake(
    "batch_mean_forgotten",
    "1/N of the batch forgotten",
    lambda g, q: (
        _count(g) > 1 and g.problem.loss.averaged and q.kind == "delta" and q.layer == g.depth
    ),
    lambda g, q, v: q.compute(v) * _count(g),
    _one_over_n_explain,
    upstream=True,
)

# --- the logarithm of the cross-entropies ----------------------------------------


def _log10_explain(graph: Graph, places: Places, q: Quantity) -> Message:
    return (
        f"{1 / math.log(10):.4g} times the expected value, 1/ln 10: the logarithm is taken "
        "to base 10. The cross-entropy uses the natural log, ln (as PyTorch does), and "
        "d(ln ŷ)/dŷ = 1/ŷ." + carries(places, q),
    )


LOG10 = Mistake(
    "log10",
    "log₁₀ instead of ln",
    lambda g, q: g.problem.loss.function.negated and _at_loss(g, q),  # the losses with a log
    lambda g, q, v: q.compute(v) / math.log(10),
    _log10_explain,
    upstream=True,
)
