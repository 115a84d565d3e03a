"""Common mistakes of hand-worked backpropagation, each where it can be made and in plain words.

A new mistake is one `Mistake` entry in `MISTAKES`, which `diagnosis` tries in
order. Here: a flipped sign and the activation's derivative; the loss's own are in
`loss_mistakes`, the update's (the optimizer's) in `update_mistakes`.
"""

from __future__ import annotations

from backprop_cli.expr import Message, Text
from backprop_cli.grade import penalty_mistakes
from backprop_cli.grade.loss_mistakes import HALF, LOG10, ONE_OVER_N, SUMMED_LOSS
from backprop_cli.grade.mistake import Mistake, Places, carries, names
from backprop_cli.grade.quantities import Array, Graph, Quantity, Values
from backprop_cli.grade.update_mistakes import NEW_WEIGHTS, NOT_UPDATED, PLUS
from backprop_cli.nn.layers.base import LayerMistake
from backprop_cli.nn.optimizers import OptimizerMistake

# --- a flipped sign; the layout of a transposed matrix ---------------------------

_BACKWARD = ("delta", "dW", "db", "dx")


def _sign_explain(graph: Graph, places: Places, q: Quantity) -> Message:
    text = "The sign is flipped: every entry is −1 times the expected one."
    if q.kind in _BACKWARD:
        text += " A common cause is the error written as y − ŷ instead of ŷ − y."
    elif q.kind == "loss" and graph.problem.loss.function.negated:
        text += " The cross-entropy has a minus in front: −Σ y log ŷ."
    return (text,)


SIGN = Mistake(
    "sign",
    "sign flipped",
    lambda g, q: q.kind not in ("W_new", "b_new"),
    lambda g, q, v: -q.compute(v),
    _sign_explain,
)


def transposed_explain(graph: Graph, q: Quantity) -> Message:
    """Right numbers with rows and columns swapped: a matter of layout, not a mistake to replay."""
    if q.kind == "dW":
        prev = "x" if q.layer == 1 else f"a{q.number - 1}"
        return (
            f"The numbers are right but transposed: {q.name} has the shape of W{q.layer}, "
            f"one row per neuron (outputs × inputs): {q.name} = delta{q.layer}·{prev}ᵀ, "
            f"not {prev}·delta{q.layer}ᵀ.",
        )
    if q.kind == "W_new":
        return (
            f"The numbers are right but transposed: {q.name} has the shape of W{q.layer}, "
            "one row per neuron (outputs × inputs).",
        )
    return ("The numbers are right but transposed: a batch has one row per sample.",)


# --- the activation's derivative in δ --------------------------------------------


def _has_derivative(graph: Graph, q: Quantity) -> bool:
    return q.kind == "delta" and not graph.layer(q.number).activation.identity


def _left_out_explain(graph: Graph, places: Places, q: Quantity) -> Message:
    if len(places) > 1:
        return (
            f"The activation's derivative is left out of {names(places)}: each "
            "delta = ∂L/∂a ⊙ f′(z), and yours are ∂L/∂a alone." + carries(places, q),
        )
    l = places[0].number
    f = graph.layer(l).activation
    incoming = "∂L/∂output" if l == graph.depth else f"∂L/∂a{l}"
    if f.elementwise:
        text = (
            f"{f.label}′(z{l}) is left out of delta{l}: delta{l} = {incoming} ⊙ {f.label}′(z{l}), "
            f"and yours is {incoming} alone."
        )
    else:
        text = (
            f"The softmax Jacobian is left out of delta{l}: delta{l} = Jᵀ·{incoming} with "
            f"J = diag(s) − s·sᵀ, and yours is {incoming} alone."
        )
    return (text + carries(places, q),)


LEFT_OUT = Mistake(
    "derivative_left_out",
    "activation derivative left out",
    _has_derivative,
    lambda g, q, v: g.grad_a(q.number, v),
    _left_out_explain,
    upstream=True,
)


def _at_a(graph: Graph, q: Quantity, v: Values) -> Array:
    l = q.number
    f, a = graph.layer(l).activation, graph.a_out(l, v)
    return graph.grad_a(l, v) * f.grad(a, f.fn(a))  # ∂L/∂a ⊙ f′(a), where f′(z) belongs


def _at_a_explain(graph: Graph, places: Places, q: Quantity) -> Message:
    if len(places) > 1:
        return (
            f"The activation's derivative is taken at a instead of z in {names(places)}: "
            "each delta needs f′(z)." + carries(places, q),
        )
    l = places[0].number
    f = graph.layer(l).activation
    z, a = Text(f"z{l}"), Text(f"a{l}")
    return (
        f"{f.label}′ is taken at a{l} instead of z{l}: delta{l} needs {f.label}′(z{l}) = ",
        f.derivative(z, a),
        f", and yours has {f.label}′(a{l}) = ",
        f.derivative(a, f.call(a)),
        "." + carries(places, q),
    )


AT_A = Mistake(
    "derivative_of_a",
    "derivative taken at a, not z",
    lambda g, q: _has_derivative(g, q) and g.layer(q.number).activation.elementwise,
    _at_a,
    _at_a_explain,
    upstream=True,
)


def _twice_possible(graph: Graph, q: Quantity) -> bool:
    last = q.kind == "delta" and q.layer == graph.depth
    return last and graph.solution.fused and graph.layer(q.number).activation.elementwise


def _twice(graph: Graph, q: Quantity, v: Values) -> Array:
    l, f = q.number, graph.layer(q.number).activation
    a = graph.a_out(l, v)
    return q.compute(v) * f.grad(v[f"z{l}"], a)  # (ŷ − y)·σ′(z): σ′ once more


def _twice_explain(graph: Graph, places: Places, q: Quantity) -> Message:
    l = places[0].number
    f = graph.layer(l).activation
    return (
        f"{f.label}′(z{l}) is applied twice: with {graph.problem.loss.function.abbreviation}, "
        f"∂L/∂output·{f.label}′(z{l}) already simplifies to output − target (the "
        f"{f.label}′ cancels); yours multiplies that by {f.label}′(z{l}) again."
        + carries(places, q),
    )


TWICE = Mistake(
    "derivative_twice",
    "activation derivative applied twice",
    _twice_possible,
    _twice,
    _twice_explain,
    upstream=True,
)


def _diagonal(graph: Graph, q: Quantity, v: Values) -> Array:
    s = graph.a_out(q.number, v)
    return graph.grad_a(q.number, v) * s * (1 - s)  # ∂L/∂a ⊙ diag(J) = ∂L/∂a ⊙ s(1 − s)


def _diagonal_explain(graph: Graph, places: Places, q: Quantity) -> Message:
    l = places[0].number
    return (
        f"Only the diagonal of the softmax Jacobian is used in delta{l}: yours is "
        f"∂L/∂a{l} ⊙ s(1 − s). The softmax couples its outputs, J = diag(s) − s·sᵀ, and "
        f"delta{l} = Jᵀ·∂L/∂a{l}: the off-diagonal terms −sᵢsⱼ are missing." + carries(places, q),
    )


DIAGONAL = Mistake(
    "jacobian_diagonal_only",
    "softmax Jacobian's diagonal only",
    lambda g, q: q.kind == "delta" and not g.layer(q.number).activation.elementwise,
    _diagonal,
    _diagonal_explain,
    upstream=True,
)

MISTAKES: tuple[Mistake, ...] = (
    HALF,
    SUMMED_LOSS,
    ONE_OVER_N,
    LOG10,
    SIGN,
    LEFT_OUT,
    AT_A,
    TWICE,
    DIAGONAL,
    PLUS,
    NOT_UPDATED,
    NEW_WEIGHTS,
)
"""Tried in this order; the first that reproduces the given value explains it."""


def _of_layer_kind(owner: str, mistake: LayerMistake) -> Mistake:
    """A layer kind's own mistake (`nn.layers`), made in the forward pass of its layers (or
    in the backward pass: then it shows in the δ of the layer below, or in dx)."""
    if mistake.backward:
        return _of_backward(owner, mistake)

    return Mistake(
        mistake.kind,
        mistake.title,
        lambda g, q: (
            q.layer is not None
            and g.layer(q.layer).kind.name == owner
            and q.kind in mistake.quantities
        ),
        lambda g, q, v: g.mistaken(q.number, q.kind, mistake, v, q.step),
        lambda g, places, q: (*mistake.explanation, carries(places, q)),
    )


def _of_backward(owner: str, mistake: LayerMistake) -> Mistake:
    """A mistake in the backward pass of a layer of kind ``owner``: the δ of the layer below
    it (that layer's ∂L/∂a ⊙ f′(z)) or dx when it is the first."""

    def above(g: Graph, q: Quantity) -> int | None:
        """The layer whose backward pass gives q: the one above δ_l, layer 1 for dx."""
        if q.kind == "dx":
            return 1
        return q.number + 1 if q.kind == "delta" and q.number < g.depth else None

    def at(g: Graph, q: Quantity) -> bool:
        l = above(g, q)
        return l is not None and g.layer(l).kind.name == owner and q.kind in mistake.quantities

    def value(g: Graph, q: Quantity, v: Values) -> Array:
        l = above(g, q)
        assert l is not None
        sent = g.mistaken_back(l, mistake, v)
        if q.kind == "dx":
            return sent
        below = g.layer(q.number).activation
        return below.backward(v[f"z{q.number}"], g.a_out(q.number, v), sent)

    return Mistake(
        mistake.kind,
        mistake.title,
        at,
        value,
        lambda g, places, q: (*mistake.explanation, carries(places, q)),
    )


def _of_optimizer(mistake: OptimizerMistake) -> Mistake:
    """An optimizer's own mistake (`nn.optimizers`): the training quantities (state, the
    parameters after a step, the loss after one) as the mistaken optimizer gives them."""

    def value(graph: Graph, q: Quantity, v: Values) -> Array:
        assert q.under is not None
        return q.under(v, mistake.optimizer)

    return Mistake(
        mistake.kind,
        mistake.title,
        lambda g, q: q.under is not None,
        value,
        lambda g, places, q: (*mistake.explanation, carries(places, q)),
    )


def mistakes_of(graph: Graph) -> tuple[Mistake, ...]:
    """The common mistakes, then those of the problem's layer kinds and its optimizer (a
    problem kind with mistakes of its own, such as a computational graph, brings them
    instead)."""
    brought: tuple[Mistake, ...] | None = getattr(graph, "mistakes", None)
    if brought is not None:
        return brought
    kinds = {layer.kind.name: layer.kind for layer in graph.problem.layers}
    own = tuple(_of_layer_kind(name, m) for name, kind in kinds.items() for m in kind.mistakes())
    update = graph.solution.update
    optimizer = () if update is None else tuple(map(_of_optimizer, update.optimizer.mistakes()))
    return MISTAKES + penalty_mistakes.of_problem(graph) + own + optimizer
