"""Problem kinds: what differs between kinds of exercise, one package per kind.

A *network* problem (``layers``, SPEC sections 1–5) and a scalar computational
*graph* (``graph`` or ``expression``, SPEC section 6) share the pipeline — the
file reader, the `Step` and `Insight` records, the renderers' blocks and
writers, the grader's tolerance and table — and differ in what a kind
answers here:

- ``selects(document)``: whether a problem file is of this kind (by its keys);
- ``build(document, source, stem)``: the validated problem (the loader entry);
- ``solve(problem, options)``: the solution, steps and insights included;
- ``layout(solution, max_rows)``: the sections of the worked solution, as blocks;
- ``report(solution, writer)``: the JSON report;
- ``quantities(solution)``: what ``check`` may grade, in the order it is worked out;
- ``notebook(solution, mime)``: how a solution shows itself in Jupyter.

A problem and a solution name their kind (``problem.kind``); every stage asks
`kind` for the entry instead of testing which kind it holds. Kinds are tried
in `KINDS` order; ``network`` comes last and takes any file no other kind
selects, so that its messages say what a network problem is missing.

This module imports no other module of the package (each kind is imported
when it is first asked for), so every stage can ask it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import import_module
from typing import Any, Generic, Protocol, TypeVar

ProblemT = TypeVar("ProblemT")
SolutionT = TypeVar("SolutionT")


class ReportWriter(Protocol):
    """What the JSON writer lends a kind's report: arrays, steps and messages as JSON data."""

    def array(self, values: Any) -> Any: ...

    def number(self, value: float) -> float | None: ...

    def step(self, step: Any) -> dict[str, Any]: ...

    def message(self, parts: Any) -> str: ...


class ProblemKind(Protocol, Generic[ProblemT, SolutionT]):
    """One kind of problem: its loader entry, solver, sections, report and gradable quantities."""

    name: str
    """As the JSON report's ``kind`` and the problem's ``kind``."""

    def selects(self, document: Mapping[str, object]) -> bool:
        """Whether a problem file (its top-level mapping) is of this kind."""
        ...

    def build(
        self, document: Any, source: str, stem: str, *, every_error: bool = False
    ) -> ProblemT:
        """The validated problem; a bad document raises `ProblemError` (``every_error``, for
        ``validate``: `ProblemErrors` with every error found, as far as reading can go on)."""
        ...

    def solve(self, problem: ProblemT, options: Any) -> SolutionT:
        """The worked solution: values, steps, insights (and variants)."""
        ...

    def layout(self, solution: SolutionT, max_rows: int) -> tuple[Any, ...]:
        """The worked solution as `render.document` blocks, in reading order."""
        ...

    def report(self, solution: SolutionT, writer: ReportWriter) -> dict[str, Any]:
        """The JSON report of one solution (variants included)."""
        ...

    def report_size(self, solution: SolutionT) -> int:
        """About how many numbers the report holds (large reports are written compactly)."""
        ...

    def notebook(self, solution: SolutionT, mime: str) -> str:
        """The solution for a notebook: ``markdown`` or ``latex`` (`render.notebook`)."""
        ...

    def quantities(self, solution: SolutionT) -> Any:
        """The gradable quantities (``grade.quantities.Graph`` for a network)."""
        ...


KINDS: dict[str, str] = {
    "network": "backprop_cli.kinds.network",
}
"""Kind name → the module whose ``KIND`` is its entry; the last one is the default."""


@cache
def kind(name: str) -> ProblemKind[Any, Any]:
    """The entry of the kind called ``name``."""
    entry: ProblemKind[Any, Any] = import_module(KINDS[name]).KIND
    return entry


def select(document: Mapping[str, object]) -> ProblemKind[Any, Any]:
    """The kind of a problem file: the first that selects it, else the default (network)."""
    names = list(KINDS)
    for name in names[:-1]:
        if kind(name).selects(document):
            return kind(name)
    return kind(names[-1])


def of(item: Any) -> ProblemKind[Any, Any]:
    """The kind of a problem or a solution (a solution's is its problem's)."""
    problem = getattr(item, "problem", item)
    return kind(problem.kind)
