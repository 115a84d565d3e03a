"""What every section of a network's worked solution reads: the solution, its notation, the row limit."""

from __future__ import annotations

from backprop_cli.expr import Expr
from backprop_cli.notation import Notation
from backprop_cli.solve.records import Phase, Solution, Step


class Layout:
    """The solution, its notation and the row limit: what every section reads."""

    def __init__(self, solution: Solution, max_rows: int, pointers: bool = True) -> None:
        self.s = solution
        self.p = solution.problem
        self.n = Notation(self.p)
        self.max_rows = max_rows
        self.depth = len(self.p.layers)
        self.pointers = pointers
        """Whether each task says where it is answered (in the terminal; a document has none)."""
        self.symbols: dict[str, Expr] = {
            layer.param_name(base): layer.kind.param_symbol(self.n, layer.index, base, None)
            for layer in self.p.layers
            for base in layer.params
        }
        """Each parameter's report name (``W2``, ``gamma3``) → its symbol, as its kind writes it."""

    def param_symbol(self, name: str) -> Expr:
        return self.symbols[name]

    def steps(self, phase: Phase, layer: int | None = None) -> tuple[Step, ...]:
        """The steps of a phase (and layer); a one-element quantity derived element by
        element is not repeated in matrix form."""
        chosen = [
            s
            for s in self.s.steps
            if s.phase == phase and (layer is None or s.layer == layer) and not s.mini_batch
        ]
        singles = {s.symbol.split("[")[0] for s in chosen if s.element}
        return tuple(s for s in chosen if s.element or s.value.size > 1 or s.symbol not in singles)
