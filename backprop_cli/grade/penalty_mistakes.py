"""The mistakes of a loss of its own (`nn.losses`: Huber's ½, the hinge's k = y) and of
the regularization: L2's ½ forgotten, the penalty left out of the gradient.

A loss's mistake is the loss made with it (`LossMistake.mistaken`): it gives the
wrong loss, and where its derivative changes, the wrong δ of the output layer,
carried on from there.
"""

from __future__ import annotations

from backprop_cli.grade.mistake import Mistake, carries
from backprop_cli.grade.quantities import Array, Graph, Quantity, Values
from backprop_cli.nn.losses import LossMistake

_GRADIENTS = ("dW", "db")


def _at_loss(graph: Graph, q: Quantity) -> bool:
    return q.kind in ("loss", "loss_data") or (q.kind == "delta" and q.layer == graph.depth)


def _with_loss(graph: Graph, q: Quantity, v: Values, mistake: LossMistake) -> Array:
    """The loss (or the output layer's δ) with the loss made with ``mistake``."""
    p, wrong = graph.problem, mistake.mistaken
    if q.kind == "delta":
        l = graph.depth
        grad = p.loss.weight(p.samples) * wrong.grad(v["output"], p.y)  # ∂L/∂ŷ, mistaken
        return graph.layer(l).activation.backward(v[f"z{l}"], graph.a_out(l, v), grad)
    data = graph.loss_data(v, wrong)
    if q.kind == "loss" and p.regularization is not None:
        return data + v["penalty"]
    return data


def of_loss(mistake: LossMistake) -> Mistake:
    """A mistake of the problem's loss, made where its value or derivative enters."""
    return Mistake(
        mistake.kind,
        mistake.title,
        _at_loss,
        lambda g, q, v: _with_loss(g, q, v, mistake),
        lambda g, places, q: (*mistake.explanation, carries(places, q)),
        upstream=True,
    )


# --- the regularization ----------------------------------------------------------


def _covered(graph: Graph, q: Quantity) -> bool:
    """A gradient the penalty adds to."""
    reg = graph.problem.regularization
    if reg is None or reg.strength == 0 or q.kind not in _GRADIENTS:
        return False
    kind = graph.layer(q.number).kind
    return q.kind[1:] in reg.covers(kind.weights, kind.biases)


def _half_possible(graph: Graph, q: Quantity) -> bool:
    reg = graph.problem.regularization
    if reg is None or reg.half_forgotten() is None:
        return False
    return (reg.strength != 0 and q.kind in ("penalty", "loss")) or _covered(graph, q)


def _half(graph: Graph, q: Quantity, v: Values) -> Array:
    reg = graph.problem.regularization
    assert reg is not None
    doubled = reg.half_forgotten()
    if q.kind == "penalty":
        return graph.penalty(v, doubled)
    if q.kind == "loss":
        return v["loss_data"] + graph.penalty(v, doubled)
    return graph.gradient(q.number, q.kind[1:], v, doubled)


HALF_FORGOTTEN = Mistake(
    "l2_half_forgotten",
    "L2's ½ forgotten",
    _half_possible,
    _half,
    lambda g, places, q: (
        "The ½ of the L2 penalty is left out: R = (λ/2)·ΣW², whose gradient is λW; yours is "
        "λ·ΣW² (or its gradient 2λW), twice the penalty's share.",
    ),
)


LEFT_OUT = Mistake(
    "penalty_left_out_of_gradient",
    "regularization left out of the gradient",
    _covered,
    lambda g, q, v: g.gradient(q.number, q.kind[1:], v, shared=False),
    lambda g, places, q: (
        f"This is ∂L_data/∂{q.name[1:]} alone: the penalty's share is left out. With the "
        "regularization L = L_data + R, so the gradient is ∂L_data/∂W + ∂R/∂W (λW for L2).",
    ),
)


def of_problem(graph: Graph) -> tuple[Mistake, ...]:
    """The mistakes of the problem's loss and regularization."""
    p = graph.problem
    own = tuple(of_loss(m) for m in p.loss.function.mistakes())
    return own + ((HALF_FORGOTTEN, LEFT_OUT) if p.regularization is not None else ())
