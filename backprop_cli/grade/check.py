"""Grading a student's answers: each one right or wrong, and the first wrong step.

Answers are taken in the order a worked solution computes them (see
`quantities`), whatever their order in the file. A wrong one is explained:

1. *transposed* — its numbers are right (for the expected or the student's
   own values) but written with rows and columns swapped: the same verdict
   whatever the shape, square or not;
2. *carried over* — it is right for the student's own earlier values, so an
   earlier wrong answer is to blame (checked first: a consequence is not a
   new mistake);
3. otherwise the first common mistake in `mistakes.MISTAKES` that
   reproduces it, or unexplained.

An answer that is right only at the digits the student wrote (see
`tolerance`), or that follows from the student's own right but rounded
values, is *right, as rounded*.

The report leads with the first wrong step and everything carried over from it.
"""

from __future__ import annotations

import numpy as np

from backprop_cli import kinds
from backprop_cli.expr import Message
from backprop_cli.grade.answers import Answers, Given, against, read_answers
from backprop_cli.grade.diagnosis import Found, explain
from backprop_cli.grade.mistakes import transposed_explain
from backprop_cli.grade.quantities import Graph, Quantity, Values, world
from backprop_cli.grade.tolerance import Tolerance
from backprop_cli.load.problem import load
from backprop_cli.load.reader import listed
from backprop_cli.records import dataclass
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
    rounded: bool = False
    """Right only at the digits written: the expected value, or the student's own earlier
    values carried on, rounded as the student rounded."""


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
    ``answers`` (a path or ``-``) against it.

    The answers file is read, capped and checked first, and its answers' sizes against
    the problem's before the solve: a file that cannot be right is refused at once,
    however long the problem takes to solve."""
    written = read_answers(answers)
    loaded = load(problem)
    size = loaded.total_size
    written.fit(max(size.values, size.parameters, 1))
    solution = solve(loaded)
    graph: Graph = kinds.of(solution).quantities(solution)
    return grade(graph, against(written, graph))


def grade(graph: Graph, answers: Answers) -> Grading:
    """Mark every given answer of ``answers`` against the solution of ``graph``."""
    tolerance = answers.tolerance
    given = {name: _laid_out(graph[name], g, tolerance) for name, g in answers.given.items()}
    values = world(graph, {name: g.value for name, g in given.items()})
    marks: dict[str, Mark] = {}
    for q in graph.quantities:
        if q.name not in given:
            continue
        g = given[q.name]
        if tolerance.close(g.value, q.expected, q.start) and not g.transposed:
            marks[q.name] = Mark(q, g, True)
            continue
        sources = _wrong_sources(graph, q, given, marks)
        own = _follows(q, g, given, values, tolerance)
        rounded = not sources and (own or tolerance.rounded(g.value, q.expected, q.start, g.units))
        if rounded and not g.transposed:
            marks[q.name] = Mark(q, g, True, rounded=True)
            continue
        if g.transposed and (own or tolerance.matches(g.value, q.expected, q.start, g.units)):
            found: Found | None = _transposed(graph, q)
        elif own:
            found = _carried(graph, q, sources, marks)
        else:
            found = explain(graph, set(given), values, tolerance, q, g.value, g.units)
        found = found or _unexplained(q)
        root = found.source if found.kind == "carried_over" else q.name
        marks[q.name] = Mark(q, g, False, found, root)
    return Grading(graph.solution, answers.source, tolerance, tuple(marks.values()))


def _laid_out(q: Quantity, g: Given, tolerance: Tolerance) -> Given:
    """A square answer whose transpose is right is read as written transposed, like any other
    transposed answer, so one layout gets one verdict whatever the shapes."""
    if g.transposed or not q.oriented or g.value.shape[0] != g.value.shape[-1]:
        return g
    if tolerance.matches(g.value, q.expected, q.start, g.units):
        return g
    units = None if g.units is None else g.units.T
    if tolerance.matches(g.value.T, q.expected, q.start, units):
        return Given(g.written, g.value.T, transposed=True, units=units)
    return g


def _follows(
    q: Quantity, g: Given, given: dict[str, Given], values: Values, tolerance: Tolerance
) -> bool:
    """Right for the student's own earlier values, at the digits written. An update that
    follows from the student's own gradient may lose its step to their rounding (θ − 0.5·0.000
    is θ); without that gradient, it must show its step."""
    own_gradient = q.start is not None and all(name in given for name in q.inputs)
    start = None if own_gradient else q.start
    with np.errstate(all="ignore"):
        own = q.compute(values)
        return tolerance.close(g.value, own, q.start) or tolerance.rounded(
            g.value, own, start, g.units
        )


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


def _carried(graph: Graph, q: Quantity, sources: list[str], marks: dict[str, Mark]) -> Found:
    """Right for the student's own values, which are wrong: carried over from the first of them."""
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


def _transposed(graph: Graph, q: Quantity) -> Found:
    return Found("transposed", "transposed", transposed_explain(graph, q))


def _unexplained(q: Quantity) -> Found:
    return Found(
        "unexplained",
        "no common mistake fits",
        (f"None of the common mistakes explains it; work it out again: {q.name} = {q.formula}.",),
    )
