"""Scalar computational graphs (SPEC section 6): f(x, y, z) = (x + y)·z solved gate by gate.

`problem` reads the file (`parser` reads formulas safely, `staging` makes one
node per operation, `gates` holds each gate's value and local derivative),
`plan` compiles the graph once into positions for its passes, `solver` runs
the forward and backward passes and the updates into the `records`, `steps`
writes each as formula → substitution → value, `insights` finds what a student
should notice, `report` writes the JSON, `sections` the blocks of the human
formats, and `quantities` and `mistakes` grade a student's answers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from backprop_cli.kinds import ReportWriter

if TYPE_CHECKING:
    from backprop_cli.kinds.graph.problem import GraphProblem
    from backprop_cli.kinds.graph.records import GraphSolution


class Graph:
    name = "graph"

    def selects(self, document: Mapping[str, object]) -> bool:
        return "inputs" in document or "graph" in document or "expression" in document

    def build(
        self, document: Any, source: str, stem: str, *, every_error: bool = False
    ) -> GraphProblem:
        """The graph problem; its reading stops at the first error (``every_error`` finds that
        one: a graph's later keys are read against its earlier ones)."""
        from backprop_cli.kinds.graph.problem import read
        from backprop_cli.load.reader import Reader

        return read(Reader(document, source), stem)

    def solve(self, problem: GraphProblem, options: Any) -> GraphSolution:
        from backprop_cli.errors import BackpropError
        from backprop_cli.kinds.graph.solver import solve

        if getattr(options, "round_intermediate", None) is not None:
            raise BackpropError(
                "--round-intermediate is for network problems; a graph's values are shown "
                "to --precision digits and used in full"
            )
        solution = solve(problem)
        if not getattr(options, "gradient_check", False):
            return solution
        from backprop_cli.kinds.graph.gradient_check import check

        return replace(solution, gradient_check=check(problem, solution.gradients))

    def layout(
        self,
        solution: GraphSolution,
        max_rows: int,
        sections: Collection[str] | None = None,
        pointers: bool = True,
    ) -> tuple[Any, ...]:
        """The worked solution as blocks (a graph's tasks have no pointers to give)."""
        from backprop_cli.kinds.graph.sections import layout

        return layout(solution, max_rows, sections)

    def report(self, solution: GraphSolution, writer: ReportWriter) -> dict[str, Any]:
        from backprop_cli.kinds.graph.report import report

        return report(solution, writer)

    def report_size(self, solution: GraphSolution) -> int:
        return len(solution.nodes)

    def notebook(self, solution: GraphSolution, mime: str) -> str:
        from backprop_cli.render.notebook import display

        return display(solution, mime)  # type: ignore[arg-type]

    def describe(self, problem: GraphProblem) -> str:
        from backprop_cli.load.reader import plural

        parts = [plural(len(problem.inputs), "input"), plural(len(problem.nodes), "gate")]
        if problem.learning_rate is not None:
            parts.append(plural(problem.steps, "step"))
        return ", ".join(parts)

    def quantities(self, solution: GraphSolution) -> Any:
        from backprop_cli.kinds.graph.quantities import quantities

        return quantities(solution)


KIND = Graph()
