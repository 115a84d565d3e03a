"""The network kind: a layered network, its loss and its training (SPEC sections 1–5).

Selected by ``layers``; the default kind, so a file of no kind is read as a
network and told what it lacks. Each hook imports its stage when called: the
JSON path never loads the human formats' layout, and ``--help`` no NumPy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from backprop_cli.kinds import ReportWriter

if TYPE_CHECKING:
    from backprop_cli.grade.quantities import Graph
    from backprop_cli.load.problem import Problem
    from backprop_cli.solve.pipeline import Options
    from backprop_cli.solve.records import Solution


class Network:
    name = "network"

    def selects(self, document: Mapping[str, object]) -> bool:
        return "layers" in document

    def build(self, document: Any, source: str, stem: str, *, every_error: bool = False) -> Problem:
        from backprop_cli.load.problem import build_network

        return build_network(document, source, stem, every_error)

    def solve(self, problem: Problem, options: Options) -> Solution:
        from backprop_cli.kinds.network.solver import solve

        return solve(problem, options)

    def layout(self, solution: Solution, max_rows: int) -> tuple[Any, ...]:
        from backprop_cli.render.layout import network_layout

        return network_layout(solution, max_rows)

    def report(self, solution: Solution, writer: ReportWriter) -> dict[str, Any]:
        from backprop_cli.kinds.network.report import report

        return report(solution, writer)

    def report_size(self, solution: Solution) -> int:
        return solution.problem.parameters + solution.problem.x.size

    def notebook(self, solution: Solution, mime: str) -> str:
        from backprop_cli.render.notebook import display

        return display(solution, mime)

    def quantities(self, solution: Solution) -> Graph:
        from backprop_cli.grade.quantities import Graph

        return Graph(solution)


KIND = Network()
