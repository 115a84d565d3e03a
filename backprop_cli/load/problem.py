"""YAML problem file → validated, immutable `Problem` (SPEC.md section 1).

Everything a problem can get wrong is reported as a `ProblemError` naming the
file, the place (``layers[1].weights``), the line, what was expected and what
was found. Shapes and sizes are checked against the caps in `limits` before
any array is allocated. Arrays are canonical and read-only: inputs and targets
(N samples × width), weights (outputs × inputs), biases (outputs,).

This module reads the top-level keys, the loss, the training settings and the
variants; `inputs` reads the data and `network` the layers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from backprop_cli import kinds
from backprop_cli.errors import BackpropError, ProblemError, format_path
from backprop_cli.load import caps as limits
from backprop_cli.load import fields as keys
from backprop_cli.load import overrides
from backprop_cli.load.network import Layer, NetworkReader
from backprop_cli.load.reader import MISSING, Reader, readonly
from backprop_cli.load.samples import DataReader
from backprop_cli.load.sources import Source, open_source
from backprop_cli.load.yaml_source import ValueBudget, YMap, parse
from backprop_cli.nn import LOSSES, Loss
from backprop_cli.nn.optimizers import OPTIMIZERS, Optimizer

TOP_KEYS = tuple(keys.TOP)

__all__ = ["Layer", "LossSpec", "Problem", "Variant", "build_network", "load", "load_source"]


@dataclass(frozen=True)
class LossSpec:
    function: Loss
    scale: float = 1.0


@dataclass(frozen=True)
class Variant:
    """A ``variants`` entry: its name, its overrides, and the problem they give."""

    name: str
    assignments: tuple[tuple[str, Any], ...]
    problem: Problem


@dataclass(frozen=True)
class Size:
    """What solving costs, for the size caps: they hold for a problem and its variants
    together, and for all the files of one command."""

    samples: int
    layers: int
    values: int
    """Samples × (input width + all layer widths): the values of one forward pass."""
    parameters: int
    work: int
    """Steps × max(samples, 8) × parameters."""
    layer_steps: int

    @staticmethod
    def of(shape: tuple[int, ...], widths: Sequence[int], parameters: int, steps: int) -> Size:
        n = shape[0]
        values = n * (shape[1] + sum(widths))
        work = steps * max(n, 8) * max(parameters, 1)
        return Size(n, len(widths), values, parameters, work, steps * len(widths))

    def __add__(self, other: Size) -> Size:
        return Size(*(getattr(self, f) + getattr(other, f) for f in _SIZE_CAPS))

    def over(self) -> tuple[tuple[str, ...], str] | None:
        """The place and message of the first cap exceeded, or None."""
        for name, (key, what, cap) in _SIZE_CAPS.items():
            got = getattr(self, name)
            if got > cap():
                return (key,), f"expected at most {cap():,} {what} (the size cap), got {got:,}"
        return None


_SIZE_CAPS: dict[str, tuple[str, str, Callable[[], int]]] = {
    "samples": ("samples", "samples in all", lambda: limits.MAX_SAMPLES),
    "layers": ("layers", "layers in all", lambda: limits.MAX_LAYERS_SOLVED),
    "values": (
        "layers",
        "values in one forward pass, samples × widths",
        lambda: limits.MAX_ACTIVATIONS,
    ),
    "parameters": ("layers", "parameters", lambda: limits.MAX_PARAMETERS),
    "work": ("steps", "steps × max(samples, 8) × parameters", lambda: limits.MAX_WORK),
    "layer_steps": ("steps", "steps × layers", lambda: limits.MAX_LAYER_STEPS),
}
"""Each field of `Size`: the place a message names, what it counts, its cap (read when
checked, so that a test can lower it)."""


@dataclass(frozen=True)
class Problem:
    kind: ClassVar[str] = "network"
    source: str
    title: str
    x: np.ndarray
    """Inputs, N samples × input width (one row for a single ``input``)."""
    y: np.ndarray
    """Targets, N × K outputs (a class index is stored as its one-hot row)."""
    layers: tuple[Layer, ...]
    loss: LossSpec
    batched: bool = False
    """Given as ``samples`` (else a single ``input``/``target``)."""
    class_index: tuple[int | None, ...] = ()
    """For cross-entropy: each sample's class index where the file gave one."""
    description: str | None = None
    tasks: tuple[str, ...] = ()
    learning_rate: float | None = None
    optimizer: Optimizer | None = None
    """How the parameters are updated (None: no update is asked for)."""
    steps: int = 1
    notes: str | None = None
    variants: tuple[Variant, ...] = ()
    document: Any = field(default=None, repr=False, compare=False)
    """The parsed file (after ``--set``), for re-solving variants."""
    size: Size = Size(0, 0, 0, 0, 0, 0)
    """What solving this problem alone costs (without its variants), for the caps."""

    @property
    def samples(self) -> int:
        return int(self.x.shape[0])

    @property
    def outputs(self) -> int:
        return int(self.y.shape[1])

    @property
    def widths(self) -> tuple[int, ...]:
        """Values per sample of x and of each layer's output."""
        return (int(self.x.shape[1]), *(layer.width for layer in self.layers))

    @property
    def parameters(self) -> int:
        return sum(layer.parameters for layer in self.layers)

    @property
    def total_size(self) -> Size:
        """What solving this problem and its variants costs."""
        total = self.size
        for variant in self.variants:
            total = total + variant.problem.size
        return total


# --- loading ----------------------------------------------------------------


def load(file: str, assignments: Sequence[str] = (), budget: ValueBudget | None = None) -> Problem:
    """Load a problem from a path, ``-`` (stdin) or a bundled name, with ``--set`` assignments.

    With a ``budget``, the file's YAML values count against those of the command."""
    return load_source(
        open_source(file), [overrides.parse_assignment(text) for text in assignments], budget
    )


def check_file_count(files: Sequence[str]) -> None:
    if len(files) > limits.MAX_FILES:
        raise BackpropError(
            f"expected at most {limits.MAX_FILES} FILE arguments (the size cap), got {len(files)}"
        )


def load_all(files: Sequence[str], assignments: Sequence[str] = ()) -> list[Problem]:
    """The problems of one ``solve``, their sizes capped together.

    Each file is refused as soon as it brings the total beyond a cap, before the
    next one is read.
    """
    check_file_count(files)
    problems: list[Problem] = []
    total = Size(0, 0, 0, 0, 0, 0)
    budget = ValueBudget()
    for file in files:
        problem = load(file, assignments, budget)
        total = total + problem.total_size
        over = total.over()
        if over is not None and problems:
            raise BackpropError(f"{problem.source}: with the files before it, {over[1]}")
        problems.append(problem)
    return problems


def load_source(
    source: Source, changes: Sequence[overrides.Override] = (), budget: ValueBudget | None = None
) -> Problem:
    document = parse(source.text, source.label, budget)
    if document is None:
        raise ProblemError(
            source.label,
            (),
            "expected a problem (a mapping with at least layers and loss), got an empty file",
        )
    reader = Reader(document, source.label)
    reader.mapping(document, (), "a problem: a mapping with keys such as input, layers, loss")
    for change in changes:
        document = overrides.apply(document, change, source.label)
    problem: Problem = _build(document, source, changes)
    return problem


def _build(document: YMap, source: Source, changes: Sequence[overrides.Override]) -> Any:
    """The problem of the kind the document selects (`kinds`), ``--set`` errors without a line."""
    try:
        return kinds.select(document).build(document, source.label, source.stem)
    except ProblemError as error:
        for change in changes:
            changed = tuple(str(part) for part in error.path[: len(change.parts)])
            if changed == change.parts:
                # The value came from the command line: no line of the file is to blame.
                raise ProblemError(
                    error.source, error.path, error.detail, None, f"(set by {change.origin})"
                ) from None
        raise


def build_network(document: YMap, source: str, stem: str) -> Problem:
    """The network problem of a parsed document (the network kind's loader entry)."""
    return _Loader(Reader(document, source), stem, with_variants=True).problem()


class _Loader:
    """Reads one problem document into a `Problem`, top to bottom."""

    def __init__(self, reader: Reader, stem: str, with_variants: bool) -> None:
        self.r = reader
        self.doc: YMap = reader.document
        self.stem = stem
        self.with_variants = with_variants
        self.data = DataReader(reader)
        self.network = NetworkReader(reader)
        self.size = Size(0, 0, 0, 0, 0, 0)
        """What the problem costs (without its variants), once read."""

    def get(self, key: str) -> Any:
        return self.doc.get(key, MISSING)

    def problem(self) -> Problem:
        r, doc = self.r, self.doc
        r.keys(doc, (), TOP_KEYS)
        for key in ("layers", "loss"):
            if key not in doc:
                raise r.fail((key,), f"the key '{key}' (every problem needs layers and a loss)")
        loss = self.loss()
        x, targets, batched = self.data.read()
        learning_rate = self.learning_rate()
        steps = self.steps(learning_rate)
        target_width = self.data.target_width(targets, loss.function)
        self.network.samples = int(x.shape[0])
        layers = self.network.layers(x.shape[1], target_width, self.data.target_path())
        source = f"layer {len(layers)}"
        y, class_index = self.data.targets(targets, self.network.widths[-1], source, loss.function)
        self.check_work(x, steps)
        variants = self.variants() if self.with_variants and "variants" in doc else ()
        problem = Problem(
            source=r.source,
            title=r.text(self.get("title"), ("title",)) if "title" in doc else self.stem,
            x=readonly(x),
            y=readonly(y),
            layers=layers,
            loss=loss,
            batched=batched,
            class_index=class_index,
            description=self.optional_text("description"),
            tasks=r.texts(doc["tasks"], ("tasks",), "a list of task statements")
            if "tasks" in doc
            else (),
            learning_rate=learning_rate,
            optimizer=None
            if learning_rate is None
            else OPTIMIZERS["gradient_descent"](learning_rate),
            steps=steps,
            notes=self.optional_text("notes"),
            variants=variants,
            document=doc,
            size=self.size,
        )
        self.check_text(problem)
        return problem

    def optional_text(self, key: str) -> str | None:
        return self.r.text(self.doc[key], (key,)) if key in self.doc else None

    # --- loss, learning rate, steps --------------------------------------

    def loss(self) -> LossSpec:
        r, value = self.r, self.doc["loss"]
        path: tuple[str, ...] = ("loss",)
        names = sorted(LOSSES)
        scale = 1.0
        if isinstance(value, dict):
            r.keys(value, path, tuple(keys.LOSS))
            if "scale" in value:
                scale = r.positive(value["scale"], (*path, "scale"), "a scale > 0")
            value, path = value.get("name", MISSING), (*path, "name")
        name = r.choice(value, path, "a loss name", names)
        return LossSpec(LOSSES[name](), scale)

    def learning_rate(self) -> float | None:
        if "learning_rate" not in self.doc:
            return None
        return self.r.positive(self.doc["learning_rate"], ("learning_rate",), "a learning rate > 0")

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
                "expected a learning_rate beside steps (each step is a gradient-descent "
                "update θ ← θ − η∂L/∂θ), got no learning_rate",
            )
        return steps

    # --- caps and variants -----------------------------------------------

    def check_work(self, x: np.ndarray, steps: int) -> None:
        size = Size.of(x.shape, self.network.widths, self.network.parameter_count, steps)
        self.size = size
        over = size.over()
        if over is not None:
            raise self.r.error(over[0], over[1])

    def check_text(self, problem: Problem) -> None:
        texts = [problem.title, problem.description or "", problem.notes or "", *problem.tasks]
        length = sum(len(text) for text in texts)
        if length > limits.MAX_TEXT:
            raise self.r.error(
                ("tasks",) if "tasks" in self.doc else (),
                f"expected at most {limits.MAX_TEXT:,} characters of title, description, "
                f"tasks and notes together (the size cap), got {length:,}",
            )

    def variants(self) -> tuple[Variant, ...]:
        r, value = self.r, self.doc["variants"]
        if not isinstance(value, list):
            raise r.fail(("variants",), "a list of {name, set} mappings", value)
        if len(value) > limits.MAX_VARIANTS:
            raise r.fail(("variants",), f"at most {limits.MAX_VARIANTS} variants", value)
        base = YMap(self.doc.line)
        base.update({k: v for k, v in self.doc.items() if k != "variants"})
        base.key_lines = dict(self.doc.key_lines)
        result = []
        total = self.size
        for i, item in enumerate(value):
            path = ("variants", i)
            r.mapping(item, path, "a variant: {name: …, set: {PATH: VALUE}}")
            r.keys(item, path, tuple(keys.VARIANT))
            name = r.text(item.get("name", MISSING), (*path, "name"), "the variant's name (text)")
            changes = r.mapping(
                item.get("set", MISSING), (*path, "set"), "set: a mapping of PATH: VALUE"
            )
            origin = format_path(path) + ".set"
            document = base
            try:
                parsed = overrides.from_mapping(changes, origin)
                for change in parsed:
                    document = overrides.apply(document, change, r.source)
                problem = _Loader(Reader(document, r.source), self.stem, False).problem()
            except ProblemError as error:
                raise r.error(
                    (*path, "set"),
                    f"in this variant, {error.detail}"
                    if not error.path
                    else f"in this variant, {format_path(error.path)}: {error.detail}",
                ) from None
            except BackpropError as error:
                raise r.error((*path, "set"), str(error).split(": ", 1)[-1]) from None
            result.append(Variant(name, tuple((c.path, c.value) for c in parsed), problem))
            total = total + problem.size
            over = total.over()
            if over is not None:  # refused at the first variant too many, before the next is built
                raise r.error(path, f"with the problem and the variants before it, {over[1]}")
        return tuple(result)
