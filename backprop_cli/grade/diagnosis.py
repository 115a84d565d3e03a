"""Why a wrong answer is wrong: the first common mistake that reproduces it.

The mistakes of the problem's kind (its quantities' ``mistakes``; a network's are
`mistakes.MISTAKES`) are tried in order. Each is tried where
the answer is computed and, where it may be made ``upstream``, in each
earlier δ (or the loss) the student did not give, nearest first, then in
all of them at once; the quantities after it are recomputed from the
student's own values (σ′ left out of δ2 also makes dW2 wrong). A mistake
explains the answer when it reproduces it within the tolerance, and only if
it changes anything there.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from backprop_cli.expr import Message
from backprop_cli.grade.mistake import Mistake, Places
from backprop_cli.grade.mistakes import mistakes_of
from backprop_cli.grade.quantities import Array, Graph, Quantity, Values
from backprop_cli.grade.tolerance import Tolerance
from backprop_cli.records import dataclass


@dataclass(frozen=True)
class Found:
    """A diagnosis: its kind, a short title for tables, and the explanation."""

    kind: str
    title: str
    message: Message
    source: str | None = None
    """Where the error comes from, when that is another quantity (carried over)."""


def _ancestors(graph: Graph, q: Quantity) -> set[str]:
    found: set[str] = set()
    stack = list(q.inputs)
    while stack:
        name = stack.pop()
        if name not in found:
            found.add(name)
            stack += graph[name].inputs
    return found


def _places(graph: Graph, given: set[str], q: Quantity, mistake: Mistake) -> Iterator[Places]:
    """Where the mistake may have been made: ``q`` itself, then earlier quantities the
    student did not give, nearest first, then (for a δ mistake) all of them at once."""
    singles = [q] if mistake.at(graph, q) else []
    if mistake.upstream:
        before = _ancestors(graph, q)
        singles += [
            p
            for p in reversed(graph.quantities[: graph.index[q.name]])
            if p.name in before and p.name not in given and mistake.at(graph, p)
        ]
    yield from ((p,) for p in singles)
    if mistake.upstream and len(singles) > 1:
        yield tuple(sorted(singles, key=lambda p: graph.index[p.name]))


def _replay(
    graph: Graph, given: set[str], world: Values, q: Quantity, places: Places, mistake: Mistake
) -> Array:
    """``q`` when ``mistake`` is made in ``places`` and the student's own values are kept."""
    values = dict(world)
    chosen = {p.name for p in places}
    start = min(graph.index[name] for name in chosen)
    for r in graph.quantities[start : graph.index[q.name] + 1]:
        if r.name in chosen:
            values[r.name] = mistake.value(graph, r, values)
        elif r.name not in given or r is q:
            values[r.name] = r.compute(values)
    return values[q.name]


def explain(
    graph: Graph,
    given: set[str],
    world: Values,
    tolerance: Tolerance,
    q: Quantity,
    value: Array,
    units: Array | None = None,
) -> Found | None:
    """The first mistake that turns the student's values into ``value`` for ``q``, if any."""
    with np.errstate(all="ignore"):
        correct = q.compute(world)
        for mistake in mistakes_of(graph):
            for places in _places(graph, given, q, mistake):
                wrong = _replay(graph, given, world, q, places, mistake)
                if tolerance.matches(value, wrong, q.start, units) and not tolerance.close(
                    wrong, correct, q.start
                ):
                    source = None if places == (q,) else places[0].name
                    return Found(
                        mistake.kind, mistake.title, mistake.explain(graph, places, q), source
                    )
    return None
