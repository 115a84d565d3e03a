"""Common mistakes of hand-worked backpropagation, each where it can be made and in plain words.

A `Mistake` says where it can be made (``at``: the loss, a δ, an update …),
what a quantity comes to when it is (``value``: computed from the student's
own values with the formula changed), and how to say so (``explain``). A new
mistake is one entry in `MISTAKES`, which `diagnosis` tries in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from backprop_cli.errors import ProblemError
from backprop_cli.expr import Message, Text
from backprop_cli.grade.quantities import Array, Graph, Quantity, Values
from backprop_cli.load.reader import listed
from backprop_cli.nn.layers.base import LayerMistake
from backprop_cli.solve.engine import backward, forward, initial_params, rounding, train

Places = tuple[Quantity, ...]
"""Where a mistake is made: one quantity, or several δ at once."""


@dataclass(frozen=True)
class Mistake:
    kind: str
    title: str
    at: Callable[[Graph, Quantity], bool]
    """Whether the mistake can be made in this quantity."""
    value: Callable[[Graph, Quantity, Values], Array]
    """The quantity made with the mistake, from the values before it."""
    explain: Callable[[Graph, Places, Quantity], Message]
    """Plain words: the mistake made in ``places``, seen in the given quantity."""
    upstream: bool = False
    """May be made in an earlier δ or loss the student did not give, and carry forward."""


def _names(places: Places) -> str:
    return listed([p.name for p in places])


def _carries(places: Places, q: Quantity) -> str:
    if places == (q,):
        return ""
    one = len(places) == 1
    return (
        f" The mistake is in {_names(places)}, which {'is' if one else 'are'} not among your "
        "answers; it carries on from there."
    )


# --- the ½ convention of MSE and SSE -----------------------------------------


def _squared(graph: Graph) -> bool:
    return graph.problem.loss.function.squared


def _factor(graph: Graph) -> float:
    """A problem without the ½ gets halved answers from it; one with it, doubled without it."""
    return 2.0 if graph.problem.loss.scale == 0.5 else 0.5


def _half_explain(graph: Graph, places: Places, q: Quantity) -> Message:
    abbreviation = graph.problem.loss.function.abbreviation
    if _factor(graph) == 2.0:
        return (
            "Exactly twice the expected value: this problem's loss has the ½ "
            "(scale 0.5, L = ½Σ(ŷ − y)²), which halves the loss and every gradient; "
            "yours leaves it out.",
        )
    return (
        "Exactly half the expected value: you used the ½ convention, L = ½Σ(ŷ − y)², "
        f"but this problem's {abbreviation} has no ½, so its loss and every gradient "
        "are twice yours.",
    )


HALF = Mistake(
    "half_convention",
    "the ½ convention",
    lambda g, q: _squared(g) and (q.kind == "loss" or (q.kind == "delta" and q.layer == g.depth)),
    lambda g, q, v: q.compute(v) * _factor(g),
    _half_explain,
    upstream=True,
)

# --- a flipped sign, a transposed matrix ---------------------------------------

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


def _transposed_explain(graph: Graph, places: Places, q: Quantity) -> Message:
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


TRANSPOSED = Mistake(
    "transposed",
    "transposed",
    lambda g, q: q.oriented,
    lambda g, q, v: q.compute(v).T,
    _transposed_explain,
)

# --- the activation's derivative in δ --------------------------------------------


def _has_derivative(graph: Graph, q: Quantity) -> bool:
    return q.kind == "delta" and not graph.layer(q.number).activation.identity


def _left_out_explain(graph: Graph, places: Places, q: Quantity) -> Message:
    if len(places) > 1:
        return (
            f"The activation's derivative is left out of {_names(places)}: each "
            "delta = ∂L/∂a ⊙ f′(z), and yours are ∂L/∂a alone." + _carries(places, q),
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
    return (text + _carries(places, q),)


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
            f"The activation's derivative is taken at a instead of z in {_names(places)}: "
            "each delta needs f′(z)." + _carries(places, q),
        )
    l = places[0].number
    f = graph.layer(l).activation
    z, a = Text(f"z{l}"), Text(f"a{l}")
    return (
        f"{f.label}′ is taken at a{l} instead of z{l}: delta{l} needs {f.label}′(z{l}) = ",
        f.derivative(z, a),
        f", and yours has {f.label}′(a{l}) = ",
        f.derivative(a, f.call(a)),
        "." + _carries(places, q),
    )


AT_A = Mistake(
    "derivative_of_a",
    "derivative taken at a, not z",
    lambda g, q: _has_derivative(g, q) and g.layer(q.number).activation.elementwise,
    _at_a,
    _at_a_explain,
    upstream=True,
)

# --- the update ----------------------------------------------------------------


def _ascended(graph: Graph, q: Quantity, v: Values) -> Array:
    """θ + η·∂L/∂θ: one step from the student's gradient, or every step re-run uphill."""
    update = graph.solution.update
    assert update is not None
    base = q.kind.removesuffix("_new")
    uphill_optimizer = update.optimizer.ascending()
    if update.steps == 1:
        return graph.updated(q.number, base, v, uphill_optimizer)
    uphill = replace(graph.problem, learning_rate=-update.learning_rate, optimizer=uphill_optimizer)
    params, exact = initial_params(uphill), rounding(None)
    try:
        fwd = forward(uphill, params, exact)
        after = train(uphill, params, fwd, backward(uphill, params, fwd, exact), exact)
    except ProblemError:  # uphill left the loss's domain: nothing to compare with
        return q.compute(v)
    return after.params[graph.layer(q.number).param_name(base)]


def _plus_explain(graph: Graph, places: Places, q: Quantity) -> Message:
    theta = q.name.removesuffix("_new")
    return (
        f"The update adds the gradient: {q.name} = {theta} + η·d{theta}. Gradient descent "
        f"moves against it: {theta} ← {theta} − η·d{theta}.",
    )


PLUS = Mistake(
    "plus_instead_of_minus",
    "+ instead of −",
    lambda g, q: q.kind in ("W_new", "b_new"),
    _ascended,
    _plus_explain,
)


def _new_weights_possible(graph: Graph, q: Quantity) -> bool:
    if graph.solution.update is None or graph.solution.update.steps != 1:
        return False
    if q.kind == "dx":
        return bool(graph.params(1))
    return q.kind == "delta" and q.number < graph.depth and bool(graph.params(q.number + 1))


def _with_new_weights(graph: Graph, q: Quantity, v: Values) -> Array:
    update = graph.solution.update
    assert update is not None
    above = 1 if q.kind == "dx" else q.number + 1
    new = {base: graph.updated(above, base, v, update.optimizer) for base in graph.params(above)}
    g = graph.back_through(above, v, new)  # through W_new, not W
    if q.kind == "dx":
        return g
    l = q.number
    return graph.layer(l).activation.backward(v[f"z{l}"], graph.a_out(l, v), g)


def _new_weights_explain(graph: Graph, places: Places, q: Quantity) -> Message:
    p = places[0]
    above = 1 if p.kind == "dx" else p.number + 1
    return (
        f"{p.name} is computed with the updated W{above}: backpropagation uses the weights of "
        f"the forward pass (W{above}, not W{above}_new); update the weights only after every "
        "gradient is found." + _carries(places, q),
    )


NEW_WEIGHTS = Mistake(
    "updated_weights_used",
    "updated weights used",
    _new_weights_possible,
    _with_new_weights,
    _new_weights_explain,
    upstream=True,
)

MISTAKES: tuple[Mistake, ...] = (HALF, SIGN, TRANSPOSED, LEFT_OUT, AT_A, PLUS, NEW_WEIGHTS)
"""Tried in this order; the first that reproduces the given value explains it."""


def _of_layer_kind(owner: str, mistake: LayerMistake) -> Mistake:
    """A layer kind's own mistake (`nn.layers`), made in the forward pass of its layers."""
    return Mistake(
        mistake.kind,
        mistake.title,
        lambda g, q: (
            q.layer is not None
            and g.layer(q.layer).kind.name == owner
            and q.kind in mistake.quantities
        ),
        lambda g, q, v: g.mistaken(q.number, q.kind, mistake, v),
        lambda g, places, q: (*mistake.explanation, _carries(places, q)),
    )


def mistakes_of(graph: Graph) -> tuple[Mistake, ...]:
    """The common mistakes, then those of the problem's layer kinds."""
    kinds = {layer.kind.name: layer.kind for layer in graph.problem.layers}
    own = tuple(_of_layer_kind(name, m) for name, kind in kinds.items() for m in kind.mistakes())
    return MISTAKES + own
