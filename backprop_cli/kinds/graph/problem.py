"""A graph problem file → validated, immutable `GraphProblem` (SPEC section 6).

```yaml
inputs: {x: -2, y: 5, z: -4}
graph: {q: x + y, f: q * z}      # or  expression: "(x + y) * z"
output: f                        # default: the last node
wrt: [x, y, z]                   # default: every input
learning_rate: 0.1               # or optimizer: {name: sgd, learning_rate: 0.1}
steps: 1
ascent: false
```

Every error names the file, the place and the line; a formula's error also
its column, with the formula and a caret under the column.
"""

from __future__ import annotations

import re
from dataclasses import field
from typing import Any, ClassVar

from backprop_cli.errors import ProblemError
from backprop_cli.kinds.graph.gates import FUNCTIONS
from backprop_cli.kinds.graph.parser import FormulaError, caret, parse
from backprop_cli.kinds.graph.staging import Node, Stager
from backprop_cli.load import caps as limits
from backprop_cli.load import training as train_keys
from backprop_cli.load.reader import Reader, did_you_mean, is_number
from backprop_cli.load.size import Size
from backprop_cli.load.yaml_source import parse as parse_yaml
from backprop_cli.nn.optimizers import Optimizer
from backprop_cli.records import dataclass

KEYS: dict[str, str] = {
    "title": "Shown as the heading; default: the file name without extension.",
    "description": "Free text shown under the title.",
    "tasks": "The exercise's task statements, echoed so the solution answers them in order.",
    "inputs": "The leaves of the graph and their values: a mapping of name: number.",
    "graph": "Named nodes, in order: a mapping of name: formula of inputs and earlier nodes.",
    "expression": "Instead of graph: one formula, staged into one node per operation.",
    "output": "The node whose gradients are computed (default: the last node).",
    "wrt": "The inputs to show gradients for and to update (default: every input).",
    "learning_rate": "Greater than 0: also update the inputs in wrt, x ← x − η ∂f/∂x.",
    "optimizer": (
        "Instead of learning_rate: an optimizer name or {name, hyperparameters}: sgd "
        "(momentum, nesterov), adagrad, rmsprop, adam, adamw; torch.optim's defaults."
    ),
    "steps": "Number of updates (default 1; needs learning_rate or optimizer).",
    "ascent": "true: climb, x ← x + η ∂f/∂x (default false: descend).",
    "notes": "Free text shown after the solution.",
}

MAX_NODES = 10_000
"""Inputs and nodes of one graph (a lecture's graph has a dozen)."""

MAX_WORK = 100_000_000
"""Steps × nodes: gate evaluations of a whole run."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def formula_error(
    reader: Reader, path: tuple[str, ...], text: str, error: FormulaError
) -> ProblemError:
    """A formula that cannot be read: the message with its column, then the formula and a
    caret under that column (the one message that takes three lines: the caret needs them)."""
    shown = text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return ProblemError(
        reader.source,
        path,
        f"column {error.column}: {error.message}",
        reader.error(path, "").line,
        note=reader.note,
        excerpt=caret(shown, error.column),
    )


@dataclass(frozen=True)
class GraphProblem:
    kind: ClassVar[str] = "graph"
    batched: ClassVar[bool] = False
    """One set of values, never a batch (what `check` asks of every problem)."""
    source: str
    title: str
    inputs: tuple[tuple[str, float], ...]
    """The leaves, in file order, with their values."""
    nodes: tuple[Node, ...]
    output: str
    wrt: tuple[str, ...]
    expression: str | None = None
    description: str | None = None
    tasks: tuple[str, ...] = ()
    notes: str | None = None
    learning_rate: float | None = None
    optimizer: Optimizer | None = None
    """How the inputs in ``wrt`` are updated (None: no update is asked for)."""
    steps: int = 1
    ascent: bool = False
    document: Any = field(default=None, repr=False, compare=False)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.inputs)

    @property
    def total_size(self) -> Size:
        """What solving it costs, counted with the other files of one command (`load.size`):
        one sample whose values are the inputs and nodes, the inputs as its parameters."""
        values = len(self.inputs) + len(self.nodes)
        return Size(1, 0, values, len(self.inputs), self.steps * values, 0)


def is_graph(document: Any) -> bool:
    """Whether a parsed problem file is a graph problem (it has ``inputs``)."""
    return isinstance(document, dict) and "inputs" in document


def read(reader: Reader, stem: str) -> GraphProblem:
    """The graph problem of a parsed file (``reader.document``, a mapping)."""
    return _GraphLoader(reader).problem(stem)


def from_text(text: str, label: str = "<text>", stem: str = "graph") -> GraphProblem:
    """The graph problem of a YAML text."""
    document = parse_yaml(text, label)
    reader = Reader(document, label)
    reader.mapping(document, (), "a graph problem: a mapping with inputs and graph or expression")
    return read(reader, stem)


class _GraphLoader:
    def __init__(self, reader: Reader) -> None:
        self.r = reader
        self.doc: dict[str, Any] = reader.document

    def problem(self, stem: str) -> GraphProblem:
        r, doc = self.r, self.doc
        r.keys(doc, (), tuple(KEYS))
        inputs = self.inputs()
        if ("graph" in doc) == ("expression" in doc):
            found = "both" if "graph" in doc else "neither"
            raise r.error(
                (), f"expected either graph (named nodes) or expression (one formula), got {found}"
            )
        nodes, expression = self.nodes([name for name, _ in inputs])
        self.check_names(inputs, nodes)
        optimizer = train_keys.update(r, doc)
        learning_rate = None if optimizer is None else optimizer.learning_rate
        steps = self.steps(learning_rate)
        if steps * (len(inputs) + len(nodes)) > MAX_WORK:
            raise r.error(
                ("steps",),
                f"expected steps × nodes at most {MAX_WORK:,} (the work cap), "
                f"got {steps * (len(inputs) + len(nodes)):,}",
            )
        return GraphProblem(
            source=r.source,
            title=r.text(doc["title"], ("title",)) if "title" in doc else stem,
            inputs=inputs,
            nodes=nodes,
            output=self.output(nodes),
            wrt=self.wrt(inputs),
            expression=expression,
            description=self.optional_text("description"),
            tasks=r.texts(doc["tasks"], ("tasks",), "a list of task statements")
            if "tasks" in doc
            else (),
            notes=self.optional_text("notes"),
            learning_rate=learning_rate,
            optimizer=optimizer,
            steps=steps,
            ascent=self.ascent(),
            document=doc,
        )

    def optional_text(self, key: str) -> str | None:
        return self.r.text(self.doc[key], (key,)) if key in self.doc else None

    def name(self, value: Any, path: tuple[str | int, ...], what: str) -> str:
        if not isinstance(value, str) or not _NAME.match(value):
            raise self.r.fail(path, f"{what}: a name of letters, digits and _", value)
        if value in FUNCTIONS:
            raise self.r.fail(path, f"{what} that is not a function's name", value)
        return value

    def pick(self, value: Any, path: tuple[str | int, ...], what: str, names: list[str]) -> str:
        """One of ``names``, exactly as spelled, with a "did you mean" when one is close."""
        if not isinstance(value, str) or value not in names:
            hint = did_you_mean(value, names) if isinstance(value, str) else ""
            raise self.r.fail(path, f"{what} (one of {', '.join(names)})", value, hint=hint)
        return value

    def inputs(self) -> tuple[tuple[str, float], ...]:
        r = self.r
        if "inputs" not in self.doc:
            raise r.fail(
                ("inputs",), "the key 'inputs' (a graph's leaves and their values, {x: -2, y: 5})"
            )
        value = self.doc["inputs"]
        mapping = r.mapping(value, ("inputs",), "a mapping of name: number, e.g. {x: -2, y: 5}")
        if not mapping:
            raise r.fail(("inputs",), "at least one input", mapping)
        if len(mapping) > MAX_NODES:
            raise r.fail(("inputs",), f"at most {MAX_NODES:,} inputs", mapping)
        result = []
        for key, number in mapping.items():
            name = self.name(key, ("inputs", key), "an input")
            result.append((name, r.number(number, ("inputs", key))))
        return tuple(result)

    def nodes(self, inputs: list[str]) -> tuple[tuple[Node, ...], str | None]:
        r, stager = self.r, Stager(inputs)
        if "expression" in self.doc:
            text = r.text(self.doc["expression"], ("expression",), "a formula (text)")
            self.stage(
                stager, ("expression",), text, set(inputs), "f" if "f" not in inputs else None
            )
            return tuple(stager.nodes), text
        graph = r.mapping(
            self.doc["graph"], ("graph",), "a mapping of name: formula, e.g. {q: x + y}"
        )
        if not graph:
            raise r.fail(("graph",), "at least one node", graph)
        if len(graph) > MAX_NODES:
            raise r.fail(("graph",), f"at most {MAX_NODES:,} nodes", graph)
        known = set(inputs)
        for key, formula in graph.items():
            path = ("graph", key)
            name = self.name(key, path, "a node")
            if name in known:
                raise r.error(path, f"expected a new name, got {name!r}, which is an input")
            if is_number(formula):
                raise r.fail(
                    path, "a formula of inputs or earlier nodes, not a number alone", formula
                )
            text = r.text(formula, path, "a formula (text), e.g. x + y")
            staged = len(stager.nodes)
            self.stage(stager, path, text, known, name)
            known.update(node.name for node in stager.nodes[staged:])
        return tuple(stager.nodes), None

    def stage(
        self, stager: Stager, path: tuple[str, ...], text: str, known: set[str], name: str | None
    ) -> None:
        try:
            formula = parse(text, known, FUNCTIONS)
            stager.origin = path
            stager.stage(formula, name if name is not None else stager.fresh)
        except FormulaError as error:
            raise formula_error(self.r, path, text, error) from None
        if len(stager.nodes) > MAX_NODES:
            raise self.r.error(path, f"expected at most {MAX_NODES:,} nodes after staging")

    def check_names(self, inputs: tuple[tuple[str, float], ...], nodes: tuple[Node, ...]) -> None:
        """No name may read as another's gradient (``dx``) or update (``x_new``) in answers."""
        places: dict[str, tuple[str, ...]] = {name: ("inputs", name) for name, _ in inputs}
        places.update({n.name: n.origin for n in nodes})
        for name, path in places.items():
            readings = []
            if name.startswith("d"):
                readings.append((name[1:], f"the gradient {name}"))
            if name.endswith("_new"):
                readings.append((name.removesuffix("_new"), f"the update {name}"))
            for other, reads in readings:
                if other in places:
                    raise self.r.error(
                        path,
                        f"expected a name that does not read as {reads} of {other!r} "
                        f"(answers files name gradients d<name> and updates <name>_new), "
                        f"got {name!r}",
                    )

    def output(self, nodes: tuple[Node, ...]) -> str:
        if "output" not in self.doc:
            return nodes[-1].name
        names = [node.name for node in nodes]
        return self.pick(self.doc["output"], ("output",), "the output: a node", names)

    def wrt(self, inputs: tuple[tuple[str, float], ...]) -> tuple[str, ...]:
        names = [name for name, _ in inputs]
        if "wrt" not in self.doc:
            return tuple(names)
        value = self.doc["wrt"]
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            raise self.r.fail(("wrt",), "a list of input names", value)
        chosen: list[str] = []
        for i, item in enumerate(items):
            path: tuple[str | int, ...] = ("wrt",) if isinstance(value, str) else ("wrt", i)
            name = self.pick(item, path, "an input", names)
            if name in chosen:
                raise self.r.error(path, f"expected each input once, got {name!r} again")
            chosen.append(name)
        return tuple(chosen)

    def steps(self, learning_rate: float | None) -> int:
        if "steps" not in self.doc:
            return 1
        steps = self.r.integer(
            self.doc["steps"],
            ("steps",),
            f"a whole number of steps from 1 to {limits.MAX_STEPS:,}",
            1,
            limits.MAX_STEPS,
        )
        if learning_rate is None:
            raise self.r.error(
                ("steps",),
                "expected a learning_rate or optimizer beside steps (each step updates the "
                "inputs, x ← x − η ∂f/∂x), got neither",
            )
        return steps

    def ascent(self) -> bool:
        if "ascent" not in self.doc:
            return False
        value = self.doc["ascent"]
        if not isinstance(value, bool):
            raise self.r.fail(("ascent",), "true or false", value)
        if "learning_rate" not in self.doc and "optimizer" not in self.doc:
            raise self.r.error(
                ("ascent",), "expected a learning_rate or optimizer beside ascent, got neither"
            )
        return value
