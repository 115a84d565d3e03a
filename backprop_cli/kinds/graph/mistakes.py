"""The common mistakes of backpropagation through a graph by hand, for `check`.

- a path missing from a sum over paths (a value used twice, counted once);
- the upstream gradient left out: the local gradient alone;
- an add gate treated as a multiply gate (the other input's value as its local gradient);
- a flipped sign; an update with + instead of − (or − instead of + when climbing).

Each may be made in the answer itself or, for the backward ones, in an earlier
gradient the student did not give, and carried on from there (`diagnosis`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backprop_cli.expr import Message
from backprop_cli.grade.mistake import Mistake, Places
from backprop_cli.grade.quantities import Array, Quantity, Values
from backprop_cli.kinds.graph.insights import times

MAX_PATHS = 8
"""Paths of one sum tried one by one for a missing path."""


def _result(g: Any, q: Quantity) -> Any:
    return g.solution.node(q.name[1:])


def _carries(places: Places, q: Quantity) -> str:
    if places == (q,):
        return ""
    names = ", ".join(p.name for p in places)
    return f" The mistake is in {names}, which you did not give; it carries on into {q.name}."


def _missing(k: int) -> Mistake:
    def at(g: Any, q: Quantity) -> bool:
        return q.kind == "grad" and len(_result(g, q).paths) > max(k, 1)

    def value(g: Any, q: Quantity, v: Values) -> Array:
        terms = _result(g, q).paths
        return np.asarray(g.gradient(terms[:k] + terms[k + 1 :], v))

    def explain(g: Any, places: Places, q: Quantity) -> Message:
        p = places[0]
        terms = _result(g, p).paths
        name = p.name[1:]
        t = terms[k]
        return (
            f"A path is missing: {name} is used {times(len(terms))}, so {p.name} is a sum of "
            f"{len(terms)} terms, one per path; the one through {t.consumer} "
            f"(argument {t.position + 1}) is left out.{_carries(places, q)}",
        )

    return Mistake("missing_path", "a path missing", at, value, explain, upstream=True)


def _upstream_at(g: Any, q: Quantity) -> bool:
    return q.kind == "grad" and any(t.consumer != g.problem.output for t in _result(g, q).paths)


def _local_only(g: Any, q: Quantity, v: Values) -> Array:
    return np.asarray(sum(g.local(t, v) for t in _result(g, q).paths))


def _upstream_explain(g: Any, places: Places, q: Quantity) -> Message:
    p = places[0]
    return (
        f"The upstream gradient is left out: {p.name} is the local gradient alone. "
        "By the chain rule each path contributes upstream × local, "
        f"{p.name} = {p.formula}.{_carries(places, q)}",
    )


def _add_at(g: Any, q: Quantity) -> bool:
    return q.kind == "grad" and any(
        g.nodes[t.consumer].gate.name == "add" for t in _result(g, q).paths
    )


def _add_as_multiply(g: Any, q: Quantity, v: Values) -> Array:
    total = 0.0
    for t in _result(g, q).paths:
        consumer = g.nodes[t.consumer]
        local = g.local(t, v)
        if consumer.gate.name == "add":
            local = g.arguments(consumer, v)[1 - t.position]  # the other input, as multiply
        total += g.upstream(t, v) * local
    return np.asarray(total)


def _add_explain(g: Any, places: Places, q: Quantity) -> Message:
    p = places[0]
    adds = [t.consumer for t in _result(g, p).paths if g.nodes[t.consumer].gate.name == "add"]
    return (
        f"An add gate is treated as a multiply gate: the local gradient of {adds[0]} with "
        "respect to each input is 1 (add distributes the upstream gradient unchanged), not "
        f"the other input's value.{_carries(places, q)}",
    )


def _sign_explain(g: Any, places: Places, q: Quantity) -> Message:
    return ("The sign is flipped: the answer is −1 times the expected one.",)


def _plus(g: Any, q: Quantity, v: Values) -> Array:
    return np.asarray(g.updated(q.name.removesuffix("_new"), v, wrong_way=True))


def _plus_explain(g: Any, places: Places, q: Quantity) -> Message:
    name = q.name.removesuffix("_new")
    if g.solution.update.ascent:
        return (
            f"The update goes downhill: {q.name} = {name} − η·d{name}, but this problem "
            f"climbs (ascent: true): {name} ← {name} + η·d{name}.",
        )
    return (
        f"The update adds the gradient: {q.name} = {name} + η·d{name}. Gradient descent "
        f"moves against it: {name} ← {name} − η·d{name}.",
    )


MISTAKES: tuple[Mistake, ...] = (
    *(_missing(k) for k in range(MAX_PATHS)),
    Mistake(
        "upstream_left_out",
        "upstream left out",
        _upstream_at,
        _local_only,
        _upstream_explain,
        upstream=True,
    ),
    Mistake(
        "add_as_multiply",
        "add treated as multiply",
        _add_at,
        _add_as_multiply,
        _add_explain,
        upstream=True,
    ),
    Mistake(
        "sign",
        "sign flipped",
        lambda g, q: q.kind in ("value", "grad"),
        lambda g, q, v: -q.compute(v),
        _sign_explain,
    ),
    Mistake(
        "plus_instead_of_minus",
        "+ instead of −",
        lambda g, q: q.kind == "update" and q.inputs != (),
        _plus,
        _plus_explain,
    ),
)
