"""Grading a student's answers: each one right or wrong, and the first wrong step.

Answers are taken in the order a worked solution computes them (see
`quantities`), whatever their order in the file. A wrong one is explained:

1. *carried over* — it is right for the student's own earlier values, so an
   earlier wrong answer is to blame (checked first: a consequence is not a
   new mistake);
2. otherwise the first common mistake in `mistakes.MISTAKES` that
   reproduces it;
3. otherwise it is *right for rounded values* when it follows from the
   student's own (right but rounded) values, or unexplained.

The report leads with the first wrong step and everything carried over from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backprop_cli import kinds
from backprop_cli.expr import Message
from backprop_cli.grade.answers import Answers, Given, Tolerance, load_answers
from backprop_cli.grade.diagnosis import Found, explain
from backprop_cli.grade.quantities import Graph, Quantity, Values, world
from backprop_cli.load.problem import load
from backprop_cli.load.reader import listed
from backprop_cli.solve.pipeline import solve
from backprop_cli.solve.records import Solution


@dataclass(frozen=True)
class Mark:
    """One given answer against the solution."""

    quantity: Quantity
    given: Given
    right: bool
    found: Found | None = None
    """Why it is wrong (None when right)."""
    root: str | None = None
    """The first wrong step this one comes from (itself when it is a mistake of its own)."""


@dataclass(frozen=True)
class Grading:
    solution: Solution
    answers: str
    """The answers file's label."""
    tolerance: Tolerance
    marks: tuple[Mark, ...]
    """In the order the solution computes them."""

    @property
    def passed(self) -> bool:
        return all(mark.right for mark in self.marks)

    @property
    def wrong(self) -> tuple[Mark, ...]:
        return tuple(mark for mark in self.marks if not mark.right)

    @property
    def first_wrong(self) -> Mark | None:
        return next((mark for mark in self.marks if not mark.right), None)

    def carried_from(self, name: str) -> tuple[Mark, ...]:
        """The wrong answers that are wrong only because ``name`` is."""
        return tuple(m for m in self.wrong if m.root == name and m.quantity.name != name)

    @property
    def lead(self) -> Message:
        """The report's first words: the first wrong step, what it is, what it drags along."""
        first = self.first_wrong
        if first is None:
            n = len(self.marks)
            return ("The answer is right.",) if n == 1 else (f"All {n} answers are right.",)
        name = first.quantity.name
        assert first.found is not None
        words: Message = (f"The first wrong step is {name}. ", *first.found.message)
        carried = [m.quantity.name for m in self.carried_from(name)]
        if carried:
            verb = "is" if len(carried) == 1 else "are"
            words += (
                f" {name} is wrong, so {listed(carried)} {verb} wrong too (right for your "
                f"{name}): fix {name} first.",
            )
        return words


def check(problem: str, answers: str) -> Grading:
    """Solve ``problem`` (a path, ``-`` or a bundled name) and grade the answers file
    ``answers`` (a path or ``-``) against it."""
    solution = solve(load(problem))
    graph: Graph = kinds.of(solution).quantities(solution)
    return grade(graph, load_answers(answers, graph))


def grade(graph: Graph, answers: Answers) -> Grading:
    """Mark every given answer of ``answers`` against the solution of ``graph``."""
    given = answers.given
    tolerance = answers.tolerance
    values = world(graph, {name: g.value for name, g in given.items()})
    marks: dict[str, Mark] = {}
    for q in graph.quantities:
        if q.name not in given:
            continue
        g = given[q.name]
        if tolerance.close(g.written, q.expected):
            marks[q.name] = Mark(q, g, True)
            continue
        sources = _wrong_sources(graph, q, given, marks)
        found = _carried(graph, q, g, values, tolerance, sources, marks) or explain(
            graph, set(given), values, tolerance, q, g.written
        )
        found = found or _unexplained(q)
        root = found.source if found.kind == "carried_over" else q.name
        marks[q.name] = Mark(q, g, False, found, root)
    return Grading(graph.solution, answers.source, tolerance, tuple(marks.values()))


def _wrong_sources(
    graph: Graph, q: Quantity, given: dict[str, Given], marks: dict[str, Mark]
) -> list[str]:
    """The wrong answers ``q`` is computed from: directly, or through quantities not given or
    right within the tolerance (a right output can still carry a small error on to the loss)."""
    found: list[str] = []
    stack, seen = list(q.inputs), set()
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in given and not marks[name].right:
            found.append(name)
        else:
            stack += graph[name].inputs
    return sorted(found, key=lambda name: graph.index[name])


def _carried(
    graph: Graph,
    q: Quantity,
    g: Given,
    values: Values,
    tolerance: Tolerance,
    sources: list[str],
    marks: dict[str, Mark],
) -> Found | None:
    """Carried over (or merely rounded) when ``q`` is right for the student's own values."""
    with np.errstate(all="ignore"):
        if not tolerance.close(g.written, q.compute(values)):
            return None
    if not sources:
        return Found(
            "rounded",
            "right for your rounded values",
            (
                f"It is right for your own earlier values, which are right but rounded: carry "
                f"more digits from step to step (expected {q.name} = {q.formula}).",
            ),
        )
    roots = [marks[s].root or s for s in sources]
    root = min(roots, key=lambda name: graph.index[name])
    those = "it is" if len(sources) == 1 else "they are"
    return Found(
        "carried_over",
        f"carried over from {root}",
        (
            f"Carried over: {q.name} is right for your {listed(sources)}, so it is wrong only "
            f"because {those}; fix {root} first.",
        ),
        root,
    )


def _unexplained(q: Quantity) -> Found:
    return Found(
        "unexplained",
        "no common mistake fits",
        (f"None of the common mistakes explains it; work it out again: {q.name} = {q.formula}.",),
    )
