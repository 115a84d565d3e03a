"""A student's answers file: values by report name, read safely, in the problem's shapes.

    answers:
      output: 0.6817          # a number matches a one-element quantity
      loss: 0.1013
      dW2: [[-0.086, -0.1037]]
    tolerance: {rel: 5e-3}   # optional (abs: an absolute floor)

Read with the same safe YAML reader as problem files; every error names the
file, the line, the place and what was expected (exit status 2). `key`
writes a solution's answers in this format: an answer key.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, replace
from typing import Any

import numpy as np

from backprop_cli import kinds
from backprop_cli.errors import ProblemError
from backprop_cli.grade import written
from backprop_cli.grade.quantities import Graph, Quantity
from backprop_cli.grade.tolerance import Tolerance
from backprop_cli.load.arrays import depth, nested_shape, squeezed
from backprop_cli.load.reader import MISSING, Reader, did_you_mean, is_number, plural
from backprop_cli.load.sources import open_source
from backprop_cli.load.yaml_source import line_of, parse
from backprop_cli.records import dataclass
from backprop_cli.solve.records import Solution

KEYS = ("answers", "tolerance")
TOLERANCE_KEYS = ("abs", "rel")
_NAME = re.compile(r"(z|a|delta|dW|db|W|b)(\d+)(_new)?\Z")


@dataclass(frozen=True)
class Given:
    """One answer: as written (``written``) and the same numbers in the canonical orientation."""

    written: np.ndarray
    value: np.ndarray
    transposed: bool = False
    """Written with rows and columns swapped (a k×m matrix for an m×k quantity)."""
    line: int | None = None
    """The line of the answer in the answers file (for CI annotations)."""
    units: np.ndarray | None = None
    """A unit in the last place written of each entry of ``value`` (None: not known)."""


@dataclass(frozen=True)
class Answers:
    source: str
    given: dict[str, Given]
    tolerance: Tolerance


@dataclass(frozen=True)
class AnswersFile:
    """An answers file read and checked as far as it can be without the problem's solution:
    its caps, its keys, the tolerance, and how many numbers each answer holds."""

    reader: Reader
    document: Any
    values: dict[str, Any]
    """Answer name → the value as written (checked against its quantity by `against`)."""
    counts: dict[str, int]
    """Answer name → how many numbers it holds as written."""
    units: dict[str, Any]
    """Answer name → a unit in the last place of each number written (`written.units`)."""
    tolerance: Tolerance

    def fit(self, largest: int) -> None:
        """Refuse an answer with more numbers than ``largest``, the most any quantity of the
        problem has: it cannot be right in any shape, and the problem need not be solved to
        tell."""
        for name, count in self.counts.items():
            if count > largest:
                raise self.reader.error(
                    ("answers", name),
                    f"expected at most {plural(largest, 'number')} (no quantity of the problem "
                    f"holds more), got {count:,}",
                )


def read_answers(file: str) -> AnswersFile:
    """Read ``file`` (a path or ``-``) as an answers file, before any problem is solved."""
    source = open_source(file, by_name=False)
    document = parse(source.text, source.label)
    r = Reader(document, source.label)
    what = "answers: a mapping with the key answers (quantity names such as output, loss, dW1)"
    if document is None:
        raise ProblemError(source.label, (), f"expected {what}, got an empty file")
    r.mapping(document, (), what)
    r.keys(document, (), KEYS)
    values = r.mapping(
        document.get("answers", MISSING),
        ("answers",),
        "a mapping of quantity names (output, loss, dW1, …) to numbers",
    )
    if not values:
        raise r.fail(("answers",), "at least one quantity", values)
    counts = {name: _count(value) for name, value in values.items()}
    tolerance = _tolerance(r, document["tolerance"]) if "tolerance" in document else Tolerance()
    return AnswersFile(r, document, values, counts, written.units(source.text), tolerance)


def _count(value: Any) -> int:
    """The numbers of an answer as written (a number, a flat list or rows), before they are
    checked against its quantity (with that quantity's shape in the messages)."""
    if not isinstance(value, list):
        return 1
    return sum(_count(row) for row in value)


def load_answers(file: str, graph: Graph) -> Answers:
    """Read ``file`` (a path or ``-``) against the quantities of ``graph``."""
    return against(read_answers(file), graph)


def against(answers: AnswersFile, graph: Graph) -> Answers:
    """The answers read from a file, in the shapes of the quantities of ``graph``."""
    r, given = answers.reader, {}
    for name, value in answers.values.items():
        if name not in graph:
            raise r.error(("answers", name), _unknown(name, graph))
        g = _read(r, graph[name], value, graph.problem.batched)
        given[name] = replace(
            g,
            units=_aligned(answers.units.get(name), g),
            line=line_of(answers.document, ("answers", name)),
        )
    return Answers(r.source, given, answers.tolerance)


def _aligned(units: Any, g: Given) -> np.ndarray | None:
    """The written units in the layout of ``g.value`` (None when not all are known)."""
    flat = np.array(units, dtype=object).ravel() if units is not None else np.array([None])
    if flat.size != g.written.size or any(u is None for u in flat):
        return None
    found = flat.astype(float).reshape(g.written.shape)
    return found.T if g.transposed else found.reshape(g.value.shape)


def _unknown(name: str, graph: Graph) -> str:
    """Why ``name`` is not a quantity of this problem, with the names that are."""
    names = [q.name for q in graph.quantities]
    reason = ""
    match = _NAME.match(name)
    if graph.depth and graph.problem.upstream and name.startswith("loss"):
        reason = (
            "; the problem gives the upstream gradient ∂L/∂ŷ instead of a loss and targets, "
            "so there is no loss to check"
        )
    elif match and graph.depth:  # a network's layer quantities
        base, number, new = match.group(1), int(match.group(2)), bool(match.group(3))
        if not 1 <= number <= graph.depth:
            reason = f"; the network has {plural(graph.depth, 'layer')}"
        elif base not in ("z", "a", "delta") and base.removeprefix("d") not in graph.params(number):
            reason = f"; layer {number} is an activation layer, without weights"
        elif base in ("W", "b") and not new:
            after = f" (its value after the update is {name}_new)" if graph.solution.update else ""
            reason = f"; {name} is given in the problem{after}"
        elif new and graph.solution.update is None:
            reason = "; the problem has no learning_rate, so no update"
    hint = "" if reason else did_you_mean(name, names)
    return f"unknown quantity {name!r}{hint}{reason}; this problem's are {', '.join(names)}"


def _shape_text(q: Quantity, batched: bool) -> str:
    shape = q.expected.shape
    if q.kind == "loss":
        return "a number"
    if len(shape) > 2:  # a kernel, or a C×H×W quantity: a grid in the report's nesting
        dims = shape[1:] if q.per_sample and not batched else shape
        return f"a {'×'.join(map(str, dims))} grid (leading 1s may be left out)"
    if q.kind in ("dW", "W_new"):
        return f"a {shape[0]}×{shape[1]} matrix (the shape of W{q.layer}: neurons × inputs)"
    if q.per_sample and batched:
        return f"a {shape[0]}×{shape[1]} matrix ({plural(shape[0], 'sample')} × {shape[1]})"
    return plural(int(np.prod(shape)), "value")


def _read(r: Reader, q: Quantity, value: Any, batched: bool) -> Given:
    """The value in ``q``'s shape: a number or flat list where that is unambiguous, a
    nested list in the report's shape, or (noted) that shape transposed."""
    path = ("answers", q.name)
    expected = q.expected.shape
    size = int(np.prod(expected))
    wanted = _shape_text(q, batched)
    if len(expected) > 2 and isinstance(value, list) and value and isinstance(value[0], list):
        nesting = nested_shape(r, value, path, depth(value), wanted)
        if squeezed(nesting) != squeezed(expected):
            raise r.error(path, f"expected {wanted}, got a {'×'.join(map(str, nesting))} grid")
        grid = np.array(value, dtype=float).reshape(expected)
        return Given(grid, grid)
    if is_number(value) or (isinstance(value, list) and value and not isinstance(value[0], list)):
        found = r.vector_length(value, path, wanted)
        vector = sum(d > 1 for d in expected) <= 1
        if found != size or not vector:
            got = "a number" if is_number(value) else f"a flat list of {plural(found, 'value')}"
            raise r.error(path, f"expected {wanted}, got {got}")
        flat = r.vector(value, path, wanted).reshape(expected)
        return Given(flat, flat)
    shape = r.matrix_shape(value, path, wanted)
    matrix = np.array(value, dtype=float).reshape(shape.rows, shape.cols)
    rows, cols = shape.rows, shape.cols
    if (rows, cols) == expected:
        return Given(matrix, matrix)
    if not q.oriented and rows * cols == size and min(rows, cols) == 1:
        return Given(matrix.reshape(expected), matrix.reshape(expected))
    if q.oriented and (cols, rows) == expected:
        return Given(matrix, matrix.T, transposed=True)
    raise r.error(path, f"expected {wanted}, got a {rows}×{cols} matrix")


def _tolerance(r: Reader, value: Any) -> Tolerance:
    path = ("tolerance",)
    spec = r.mapping(value, path, "tolerance: a mapping such as {abs: 1e-4, rel: 5e-3}")
    r.keys(spec, path, TOLERANCE_KEYS)
    found = asdict(Tolerance())
    for key, what, high in (
        ("abs", "a number ≥ 0", np.inf),
        ("rel", "a number ≥ 0 and below 1", 1),
    ):
        if key in spec:
            found[key] = r.number(spec[key], (*path, key), what)
            if not 0 <= found[key] < high:
                raise r.fail((*path, key), what, spec[key])
    return Tolerance(**found)


# --- writing ----------------------------------------------------------------------

DIGITS = 4
"""Significant digits in an answer key, as `backprop solve` shows them."""


def _rounded(values: np.ndarray, digits: int) -> Any:
    if np.issubdtype(values.dtype, np.integer):  # max pooling's argmax: indices, exact
        return values.tolist()
    return np.vectorize(lambda v: float(f"{v:.{digits}g}"), otypes=[float])(values).tolist()


def key(solution: Solution, header: str, digits: int = DIGITS) -> str:
    """An answers file holding every quantity `check` reads (``output`` standing for the
    last ``a``), in the report's shapes, to ``digits`` significant digits: an answer key."""
    graph: Graph = kinds.of(solution).quantities(solution)
    last = f"a{graph.depth}" if graph.depth else None
    lines = [f"# {line}" for line in header.splitlines()] + ["answers:"]
    for q in graph.quantities:
        value = q.expected[0] if q.per_sample and not solution.problem.batched else q.expected
        if q.name == last or not np.all(np.isfinite(value)):
            continue
        shown = _rounded(value, digits)
        if isinstance(shown, list) and len(shown) == 1 and not isinstance(shown[0], list):
            shown = shown[0]
        lines.append(f"  {q.name}: {json.dumps(shown)}")
    return "\n".join(lines) + "\n"
