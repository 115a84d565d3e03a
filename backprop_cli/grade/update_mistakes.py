"""The update's common mistakes: + instead of −, no update, the updated weights used too early.

Each concerns the optimizer's step (θ_new) or the weights backpropagation runs through.
"""

from __future__ import annotations

from dataclasses import replace

from backprop_cli.errors import ProblemError
from backprop_cli.expr import Message
from backprop_cli.grade.mistake import Mistake, Places, carries
from backprop_cli.grade.quantities import Array, Graph, Quantity, Values
from backprop_cli.solve.engine import backward, forward, initial_params, rounding
from backprop_cli.solve.training import train

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


def _not_updated_explain(graph: Graph, places: Places, q: Quantity) -> Message:
    theta = q.name.removesuffix("_new")
    return (
        f"{q.name} is {theta} itself: the update was left out. An updated parameter is judged "
        f"by its change, {q.name} − {theta}, which must be −η·d{theta}.",
    )


NOT_UPDATED = Mistake(
    "not_updated",
    "not updated",
    lambda g, q: q.start is not None,
    lambda g, q, v: q.start if q.start is not None else q.compute(v),
    _not_updated_explain,
)


def _new_weights_possible(graph: Graph, q: Quantity) -> bool:
    if graph.solution.update is None:  # with several steps: W after the first, in the first pass
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
        f"the forward pass (W{above}, not the updated W{above}); update the weights only after every "
        "gradient is found." + carries(places, q),
    )


NEW_WEIGHTS = Mistake(
    "updated_weights_used",
    "updated weights used",
    _new_weights_possible,
    _with_new_weights,
    _new_weights_explain,
    upstream=True,
)
