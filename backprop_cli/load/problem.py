"""YAML problem file → validated, immutable `Problem` (SPEC.md section 1).

Every error names the file, the place (``layers[1].weights``), the line, what was
expected and what was found (a `ProblemError`). Sizes are checked against the caps
in `limits` before any array is allocated. Arrays are canonical and read-only:
inputs (N, *shape), targets (N × width), weights (outputs × inputs), biases. This
module reads the top-level keys, the loss, training and variants; `samples` reads
the data and `network` the layers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field, replace
from typing import Any, ClassVar

import numpy as np

from backprop_cli import kinds
from backprop_cli.errors import ProblemError, ProblemErrors
from backprop_cli.load import caps as limits
from backprop_cli.load import fields as keys
from backprop_cli.load import overrides
from backprop_cli.load import training as train_keys
from backprop_cli.load.loss import LossSpec, over_steps, read_loss
from backprop_cli.load.network import Layer, NetworkReader
from backprop_cli.load.reader import MISSING, Reader, readonly
from backprop_cli.load.regularization import read_regularization
from backprop_cli.load.samples import DataReader
from backprop_cli.load.size import NOTHING, Size
from backprop_cli.load.sources import Source, open_source
from backprop_cli.load.variants import read_variants
from backprop_cli.load.yaml_source import ValueBudget, YMap, parse
from backprop_cli.nn.layers.shapes import Arrangement, SampleShape
from backprop_cli.nn.losses.upstream import GivenUpstream
from backprop_cli.nn.optimizers import Optimizer
from backprop_cli.nn.regularizers import Regularizer
from backprop_cli.records import dataclass

TOP_KEYS = tuple(keys.TOP)
UPSTREAM_GIVEN = LossSpec(GivenUpstream(), 1.0, "sum")
"""The "loss" of an exercise that gives ∂L/∂ŷ: L = Σ upstream ⊙ ŷ, summed over the samples."""

__all__ = ["Layer", "LossSpec", "Problem", "Variant", "build_network", "load", "load_source"]


@dataclass(frozen=True)
class Variant:
    """A ``variants`` entry: its name, its overrides, and the problem they give."""

    name: str
    assignments: tuple[tuple[str, Any], ...]
    problem: Problem


@dataclass(frozen=True)
class Problem:
    kind: ClassVar[str] = "network"
    source: str
    title: str
    x: np.ndarray
    """Inputs, (N, *`input_shape`): N × D for vectors (one row for a single ``input``)."""
    y: np.ndarray
    """Targets, N × K outputs (a class index is stored as its one-hot row); with ``upstream``
    the given ∂L/∂ŷ (then `upstream` is true)."""
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
    freeze: tuple[str, ...] = ()
    """Parameters never updated, by report name (``b1``)."""
    batch_size: int | None = None
    """Samples per update (None: every sample)."""
    regularization: Regularizer | None = None
    """A weight penalty added to the loss (None: none)."""
    notes: str | None = None
    variants: tuple[Variant, ...] = ()
    document: Any = field(default=None, repr=False, compare=False)
    """The parsed file (after ``--set``), for re-solving variants."""
    overridden: tuple[str, ...] = ()
    """The command line's changes, as written (``--set input=2``): the texts of the file
    (description, notes) still describe the problem without them."""
    size: Size = NOTHING
    """What solving this problem alone costs (without its variants), for the caps."""
    arrangement: Arrangement = Arrangement.VECTOR
    """How each sample's input is laid out: what the first layer takes."""

    @property
    def upstream(self) -> bool:
        """The file gives ∂L/∂ŷ instead of a loss and targets (held in ``y``)."""
        return self.loss.function.given

    @property
    def samples(self) -> int:
        """The loss's rows: the samples, or (sample, step) pairs after a recurrent sequence."""
        return int(self.y.shape[0])

    @property
    def rows_per_sample(self) -> int:
        """The loss's rows each sample gives: T after a recurrent layer's sequence, else 1."""
        return self.samples // int(self.x.shape[0])

    @property
    def outputs(self) -> int:
        return int(self.y.shape[1])

    @property
    def input_shape(self) -> SampleShape:
        """One sample's input shape: 4 (features), 1×28×28 (channels × height × width)."""
        return SampleShape(self.arrangement, tuple(int(n) for n in self.x.shape[1:]))

    @property
    def shapes(self) -> tuple[SampleShape, ...]:
        """The per-sample shapes of x and of each layer's output."""
        return (self.input_shape, *(layer.output for layer in self.layers))

    @property
    def widths(self) -> tuple[int, ...]:
        """Values per sample of x and of each layer's output."""
        return (self.input_shape.size, *(layer.width for layer in self.layers))

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


def load(
    file: str,
    assignments: Sequence[str] = (),
    *,
    every_error: bool = False,
    budget: ValueBudget | None = None,
) -> Problem:
    """Load a problem from a path, ``-`` (stdin) or a bundled name, with ``--set`` assignments.

    ``every_error``: on a bad file raise `ProblemErrors` with every error the loader can find
    (it goes on where what follows does not depend on what failed), not only the first.
    With a ``budget``, the file's YAML values count against those of the command.
    """
    changes = [overrides.parse_assignment(text) for text in assignments]
    return load_source(open_source(file), changes, every_error=every_error, budget=budget)


def load_source(
    source: Source,
    changes: Sequence[overrides.Override] = (),
    *,
    every_error: bool = False,
    budget: ValueBudget | None = None,
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
    problem: Problem = _build(document, source, changes, every_error)
    if changes and hasattr(problem, "overridden"):  # said at the top of the solution
        problem = replace(problem, overridden=tuple(c.origin for c in changes))
    return problem


def _build(
    document: YMap, source: Source, changes: Sequence[overrides.Override], every_error: bool
) -> Any:
    """The problem of the kind the document selects (`kinds`), ``--set`` errors without a line."""
    try:
        kind = kinds.select(document)
        return kind.build(document, source.label, source.stem, every_error=every_error)
    except ProblemError as error:
        for change in changes:
            changed = tuple(str(part) for part in error.path[: len(change.parts)])
            if changed == change.parts:
                # The value came from the command line: no line of the file is to blame.
                raise ProblemError(
                    error.source,
                    error.path,
                    error.detail,
                    None,
                    f"(set by {change.origin})",
                    excerpt=error.excerpt,
                ) from None
        raise


def build_network(document: YMap, source: str, stem: str, every_error: bool = False) -> Problem:
    """The network problem of a parsed document (the network kind's loader entry)."""
    reader = Reader(document, source, errors=[] if every_error else None)
    try:
        return _Loader(reader, stem, with_variants=True).problem()
    except ProblemErrors:
        raise
    except ProblemError as error:
        if reader.errors:  # an error that stops the reading, after some that did not
            raise ProblemErrors([*reader.errors, error]) from None
        raise


class _Loader:
    """Reads one problem document into a `Problem`, top to bottom."""

    def __init__(self, reader: Reader, stem: str, with_variants: bool) -> None:
        self.r = reader
        self.doc: YMap = reader.document
        self.stem = stem
        self.with_variants = with_variants
        self.data = DataReader(reader)
        self.network = NetworkReader(reader)
        self.size = NOTHING
        """What the problem costs (without its variants), once read."""

    def get(self, key: str) -> Any:
        return self.doc.get(key, MISSING)

    def problem(self) -> Problem:
        r, doc = self.r, self.doc
        r.keys(doc, (), TOP_KEYS, keys.TOP_NEAR_MISSES)
        given = self.data.given  # upstream: ∂L/∂ŷ given instead of a loss and targets
        if "layers" not in doc:
            r.report(r.fail(("layers",), "the key 'layers' (every problem needs layers)"))
        if "loss" not in doc and not given:
            r.report(self.data.no_loss())
        # Each part is read on its own where it can be; what depends on a part that failed is
        # left out (the layers need the input width, the targets the layers and the loss).
        loss = UPSTREAM_GIVEN if given else r.attempt(self.loss) if "loss" in doc else None
        arrangement = self.network.input_arrangement()
        data = r.attempt(lambda: self.data.read(arrangement))
        optimizer = r.attempt(lambda: train_keys.update(r, doc))
        rate_failed = ("learning_rate" in doc or "optimizer" in doc) and optimizer is None
        steps = None if rate_failed else r.attempt(lambda: self.steps(optimizer))
        title = r.attempt(lambda: self.optional_text("title"))
        description = r.attempt(lambda: self.optional_text("description"))
        tasks = r.attempt(self.tasks)
        notes = r.attempt(lambda: self.optional_text("notes"))
        penalty = None
        if "regularization" in doc and not given:  # given ∂L/∂ŷ, it is refused with the data
            penalty = r.attempt(lambda: read_regularization(r, doc["regularization"]))
        layers = y = class_index = None
        if data is not None and "layers" in doc:
            x, raw_targets, batched = data
            target_path = self.data.target_path()
            shape = SampleShape(arrangement, tuple(int(n) for n in x.shape[1:]))
            rows = self.network.rows_per_sample(shape)
            targets = r.attempt(lambda: self.data.per_step(raw_targets, rows))
            target_width = (  # a given ∂L/∂ŷ does not shape the network: checked against it
                None
                if loss is None or given or targets is None
                else r.attempt(lambda: self.data.target_width(targets, loss.function))
            )
            self.network.samples = int(x.shape[0])
            layers = r.attempt(lambda: self.network.layers(shape, target_width, target_path))
            if layers is not None and loss is not None and targets is not None:
                width, source = self.network.widths[-1], f"layer {len(layers)}"
                dims = self.network.shapes[-1].dims
                read = r.attempt(
                    lambda: self.data.targets(targets, width, source, loss.function, dims)
                )
                y, class_index = read if read is not None else (None, None)
        elif "layers" in doc:
            r.attempt(self.network.check_keys)
        if r.errors:
            raise ProblemErrors(r.errors)
        assert data is not None and loss is not None and layers is not None and y is not None
        assert steps is not None and tasks is not None and class_index is not None
        x, _, batched = data
        names = tuple(layer.param_name(base) for layer in layers for base in layer.params)
        freeze = train_keys.freeze(r, doc, names)
        batch_size = train_keys.batch_size(r, doc, int(x.shape[0]), rows)
        self.check_work(x, steps)
        variants = (
            tuple(Variant(*read) for read in read_variants(r, doc, self.size, self.variant))
            if self.with_variants and "variants" in doc
            else ()
        )
        problem = Problem(
            source=r.source,
            title=self.stem if title is None else title,
            x=readonly(x),
            y=readonly(y),
            layers=layers,
            loss=over_steps(loss, int(x.shape[0]), int(y.shape[0])),
            batched=batched or rows > 1,
            class_index=class_index,
            description=description,
            tasks=tasks,
            learning_rate=None if optimizer is None else optimizer.learning_rate,
            optimizer=optimizer,
            steps=steps,
            freeze=freeze,
            batch_size=batch_size,
            regularization=penalty,
            notes=notes,
            variants=variants,
            document=doc,
            size=self.size,
            arrangement=arrangement,
        )
        self.check_text(problem)
        return problem

    def tasks(self) -> tuple[str, ...]:
        if "tasks" not in self.doc:
            return ()
        return self.r.texts(self.doc["tasks"], ("tasks",), "a list of task statements")

    def optional_text(self, key: str) -> str | None:
        return self.r.text(self.doc[key], (key,)) if key in self.doc else None

    # --- loss, steps --------------------------------------

    def loss(self) -> LossSpec:
        return read_loss(self.r, self.doc["loss"])

    def steps(self, optimizer: Optimizer | None) -> int:
        if "steps" not in self.doc:
            return 1
        steps = self.r.integer(
            self.doc["steps"],
            ("steps",),
            f"a whole number of steps from 1 to {limits.MAX_STEPS:,}",
            1,
            limits.MAX_STEPS,
        )
        if optimizer is None:
            raise self.r.error(
                ("steps",),
                "expected a learning_rate or optimizer beside steps (each step is an update "
                "such as gradient descent's θ ← θ − η∂L/∂θ), got neither",
            )
        return steps

    # --- caps -----------------------------------------------------------

    def check_work(self, x: np.ndarray, steps: int) -> None:
        net = self.network
        size = Size.of(x.shape, net.widths, net.parameter_count, steps, net.products, net.held)
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

    def variant(self, document: YMap) -> Problem:
        """The problem a variant's document gives (without variants of its own)."""
        return _Loader(Reader(document, self.r.source), self.stem, False).problem()
