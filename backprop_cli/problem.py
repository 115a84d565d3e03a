"""YAML problem file → validated, immutable `Problem` (SPEC.md section 1).

Everything a problem can get wrong is reported here, as a `ProblemError`
naming the file, the place (``layers[1].weights``), the line, what was
expected and what was found. Shapes and sizes are checked against the caps
in `limits` before any array is allocated. Arrays are canonical and
read-only: inputs and targets (N samples × width), weights (outputs ×
inputs), biases (outputs,).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from backprop_cli import keys, limits, overrides
from backprop_cli.errors import BackpropError, ProblemError, format_path
from backprop_cli.functions import ACTIVATIONS, LOSSES, Activation, Loss
from backprop_cli.initializers import SCHEMES, Init, draw
from backprop_cli.reading import MISSING, Reader, Shape, is_number, plural
from backprop_cli.sources import Source, open_source
from backprop_cli.yamlsrc import YMap, parse

TOP_KEYS = tuple(keys.TOP)
DENSE_KEYS = tuple(keys.DENSE)
ACTIVATION_LAYER_KEYS = tuple(keys.ACTIVATION_LAYER)
INIT_KEYS = tuple(keys.INIT)


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class Layer:
    """One layer, numbered from 1 in file order; ``weights`` None: an activation layer."""

    index: int
    activation: Activation
    weights: np.ndarray | None = None
    bias: np.ndarray | None = None
    name: str | None = None
    init: Init | None = None

    @property
    def dense(self) -> bool:
        return self.weights is not None

    @property
    def kind(self) -> str:
        return "dense" if self.dense else "activation"

    @property
    def parameters(self) -> int:
        if self.weights is None or self.bias is None:
            return 0
        return int(self.weights.size + self.bias.size)


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
class Problem:
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
    steps: int = 1
    notes: str | None = None
    variants: tuple[Variant, ...] = ()
    document: Any = field(default=None, repr=False, compare=False)
    """The parsed file (after ``--set``), for re-solving variants."""

    @property
    def samples(self) -> int:
        return int(self.x.shape[0])

    @property
    def outputs(self) -> int:
        return int(self.y.shape[1])

    @property
    def parameters(self) -> int:
        return sum(layer.parameters for layer in self.layers)


# --- loading ----------------------------------------------------------------


def load(file: str, assignments: Sequence[str] = ()) -> Problem:
    """Load a problem from a path, ``-`` (stdin) or a bundled name, with ``--set`` assignments."""
    return load_source(
        open_source(file), [overrides.parse_assignment(text) for text in assignments]
    )


def load_source(source: Source, changes: Sequence[overrides.Override] = ()) -> Problem:
    document = parse(source.text, source.label)
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
    return _build(document, source, changes, with_variants=True)


def _build(
    document: YMap, source: Source, changes: Sequence[overrides.Override], with_variants: bool
) -> Problem:
    try:
        return _Loader(Reader(document, source.label), source.stem, with_variants).problem()
    except ProblemError as error:
        for change in changes:
            changed = tuple(str(part) for part in error.path[: len(change.parts)])
            if changed == change.parts:
                # The value came from the command line: no line of the file is to blame.
                raise ProblemError(
                    error.source, error.path, error.detail, None, f"(set by {change.origin})"
                ) from None
        raise


class _Loader:
    """Reads one problem document into a `Problem`, top to bottom."""

    def __init__(self, reader: Reader, stem: str, with_variants: bool) -> None:
        self.r = reader
        self.doc: YMap = reader.document
        self.stem = stem
        self.with_variants = with_variants
        self.parameter_count = 0
        self.widths: list[int] = []
        """The output width of each layer, as it is read."""

    def get(self, key: str) -> Any:
        return self.doc.get(key, MISSING)

    def problem(self) -> Problem:
        r, doc = self.r, self.doc
        r.keys(doc, (), TOP_KEYS)
        for key in ("layers", "loss"):
            if key not in doc:
                raise r.fail((key,), f"the key '{key}' (every problem needs layers and a loss)")
        loss = self.loss()
        x, targets, batched = self.data(loss.function)
        learning_rate = self.learning_rate()
        steps = self.steps(learning_rate)
        layers = self.layers(x.shape[1], self.target_width(targets, loss.function))
        y, class_index = self.targets(targets, layers, loss.function, batched)
        self.check_work(x, steps)
        variants = self.variants() if self.with_variants and "variants" in doc else ()
        return Problem(
            source=r.source,
            title=r.text(self.get("title"), ("title",)) if "title" in doc else self.stem,
            x=_readonly(x),
            y=_readonly(y),
            layers=layers,
            loss=loss,
            batched=batched,
            class_index=class_index,
            description=self.optional_text("description"),
            tasks=r.texts(doc["tasks"], ("tasks",), "a list of task statements")
            if "tasks" in doc
            else (),
            learning_rate=learning_rate,
            steps=steps,
            notes=self.optional_text("notes"),
            variants=variants,
            document=doc,
        )

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

    # --- inputs and targets ----------------------------------------------

    def data(self, loss: Loss) -> tuple[np.ndarray, list[tuple[Any, tuple[Any, ...]]], bool]:
        """Inputs (N × D) and the raw targets with their paths; whether it is a batch."""
        r, doc = self.r, self.doc
        if "samples" in doc:
            for key in ("input", "target"):
                if key in doc:
                    raise r.error(
                        (key,),
                        f"expected either samples or input/target, got both ('{key}' "
                        "beside 'samples'; move it into each sample)",
                    )
            return (*self.samples(), True)
        if "input" not in doc:
            raise r.fail(("input",), "'input' (with 'target') or 'samples' (a batch)")
        if "target" not in doc:
            raise r.fail(("target",), "a target beside the input")
        width = r.vector_length(doc["input"], ("input",), "an input: a number or a list of numbers")
        self.check_width(width, ("input",), "input values")
        x = r.vector(doc["input"], ("input",), "an input").reshape(1, -1)
        return x, [(doc["target"], ("target",))], False

    def samples(self) -> tuple[np.ndarray, list[tuple[Any, tuple[Any, ...]]]]:
        r, value = self.r, self.doc["samples"]
        what = "samples: a non-empty list of {input, target} mappings"
        if not isinstance(value, list) or not value:
            raise r.fail(("samples",), what, value)
        if len(value) > limits.MAX_SAMPLES:
            raise r.fail(
                ("samples",), f"at most {limits.MAX_SAMPLES:,} samples (the size cap)", value
            )
        width = -1
        targets: list[tuple[Any, tuple[Any, ...]]] = []
        for n, sample in enumerate(value):
            path = ("samples", n)
            r.mapping(sample, path, "a sample: a mapping with input and target")
            r.keys(sample, path, tuple(keys.SAMPLE))
            for key in ("input", "target"):
                if key not in sample:
                    raise r.fail((*path, key), f"the sample's {key}")
            found = r.vector_length(sample["input"], (*path, "input"), "an input: a number or list")
            if width >= 0 and found != width:
                raise r.error(
                    (*path, "input"),
                    f"expected {plural(width, 'value')} like samples[0].input, got {found}",
                )
            width = found
            targets.append((sample["target"], (*path, "target")))
        self.check_width(width, ("samples", 0, "input"), "input values")
        if len(value) * width > limits.MAX_ACTIVATIONS:
            raise r.error(
                ("samples",),
                f"expected at most {limits.MAX_ACTIVATIONS:,} input values "
                f"in all (the size cap), got {len(value) * width:,}",
            )
        x = np.array(
            [[s["input"]] if is_number(s["input"]) else s["input"] for s in value], dtype=float
        )
        return x, targets

    def target_width(self, targets: list[tuple[Any, tuple[Any, ...]]], loss: Loss) -> int | None:
        """The output width the first target asks for (None: a class index, any width)."""
        value, path = targets[0]
        if is_number(value) and loss.fused_with == "softmax":
            return None
        return self.r.vector_length(value, path, "a target: a number or a list of numbers")

    def targets(
        self,
        targets: list[tuple[Any, tuple[Any, ...]]],
        layers: tuple[Layer, ...],
        loss: Loss,
        batched: bool,
    ) -> tuple[np.ndarray, tuple[int | None, ...]]:
        r = self.r
        width = self.widths[-1]
        rows: list[np.ndarray] = []
        index: list[int | None] = []
        for value, path in targets:
            if is_number(value) and loss.fused_with == "softmax":
                k = r.integer(
                    value,
                    path,
                    f"a class index: a whole number from 0 to {width - 1}",
                    0,
                    width - 1,
                )
                row = np.zeros(width)
                row[k] = 1.0
                rows.append(row)
                index.append(k)
                continue
            found = r.vector_length(value, path, "a target: a number or a list of numbers")
            if found != width:
                source = f"layer {len(layers)}" if layers else "the input"
                raise r.error(
                    path,
                    f"expected {plural(width, 'value')} (one per output of {source}), got {found}",
                )
            row = r.vector(value, path, "a target")
            problem = loss.target_error(row)
            if problem:
                raise r.fail(path, problem, value)
            rows.append(row)
            index.append(None)
        y = np.array(rows, dtype=float).reshape(len(rows), width)
        return y, tuple(index) if any(k is not None for k in index) else ()

    def check_width(self, width: int, path: tuple[Any, ...], what: str) -> None:
        if width > limits.MAX_WIDTH:
            raise self.r.error(
                path, f"expected at most {limits.MAX_WIDTH:,} {what} (the size cap), got {width:,}"
            )

    # --- layers ----------------------------------------------------------

    def layers(self, width: int, target_width: int | None) -> tuple[Layer, ...]:
        r, value = self.r, self.doc["layers"]
        if not isinstance(value, list) or not value:
            raise r.fail(("layers",), "a non-empty list of layers", value)
        if len(value) > limits.MAX_LAYERS:
            raise r.fail(("layers",), f"at most {limits.MAX_LAYERS:,} layers (the size cap)", value)
        last_dense = max((i for i, v in enumerate(value) if _is_dense(v)), default=-1)
        if last_dense < 0 and target_width is not None and target_width != width:
            raise r.error(
                self.first_target_path(),
                f"expected {plural(width, 'value')} (one per output of layer {len(value)}), "
                f"got {target_width}",
            )
        layers: list[Layer] = []
        for i, item in enumerate(value):
            layer = self.layer(item, i, width, target_width if i == last_dense else None)
            if layer.weights is not None:
                width = layer.weights.shape[0]
            self.widths.append(width)
            layers.append(layer)
        return tuple(layers)

    def first_target_path(self) -> tuple[Any, ...]:
        return ("target",) if "target" in self.doc else ("samples", 0, "target")

    def layer(self, value: Any, i: int, width: int, rows: int | None) -> Layer:
        r, path = self.r, ("layers", i)
        r.mapping(value, path, "a layer: a mapping with weights (or units) and activation")
        source = "x" if i == 0 else f"layer {i}"
        if not _is_dense(value):
            if "bias" in value:
                raise r.error(
                    (*path, "bias"),
                    "expected weights or units beside bias, got bias alone "
                    "(an activation layer has no parameters)",
                )
            r.keys(value, path, ACTIVATION_LAYER_KEYS)
            if "activation" not in value:
                raise r.fail(
                    path,
                    "a dense layer (weights or units) or an activation layer (activation)",
                    value,
                )
            return Layer(
                i + 1,
                self.activation(value["activation"], (*path, "activation")),
                name=self.name(value, path),
            )
        r.keys(value, path, DENSE_KEYS)
        if "weights" in value and "units" in value:
            raise r.error((*path, "units"), "expected weights or units, got both")
        init: Init | None = None
        if "weights" in value:
            shape = r.matrix_shape(
                value["weights"], (*path, "weights"), "weights: a number, a row or a matrix"
            )
            expected = Shape(shape.rows if rows is None else rows, width)
            if shape != expected:
                raise r.error(
                    (*path, "weights"),
                    f"expected {expected} ({plural(expected.rows, 'neuron')} × "
                    f"{plural(expected.cols, 'input')} from {source}), got {shape}",
                )
            self.count_parameters(shape, (*path, "weights"))
            weights = r.matrix(value["weights"], shape)
            if "init" in value:
                raise r.error(
                    (*path, "init"), "expected init only with units, got init beside weights"
                )
        else:
            weights, init = self.drawn(value, path, width, rows)
        bias = self.bias(value.get("bias", 0.0), (*path, "bias"), weights.shape[0])
        activation = self.activation(value.get("activation", "identity"), (*path, "activation"))
        return Layer(
            i + 1, activation, _readonly(weights), _readonly(bias), self.name(value, path), init
        )

    def name(self, value: dict[str, Any], path: tuple[Any, ...]) -> str | None:
        return (
            self.r.text(value["name"], (*path, "name"), "a layer name (text)")
            if "name" in value
            else None
        )

    def count_parameters(self, shape: Shape, path: tuple[Any, ...]) -> None:
        self.parameter_count += shape.rows * shape.cols + shape.rows
        if self.parameter_count > limits.MAX_PARAMETERS:
            raise self.r.error(
                path,
                f"expected at most {limits.MAX_PARAMETERS:,} parameters in the whole network "
                f"(the size cap), got {self.parameter_count:,} by this layer",
            )

    def drawn(
        self, value: dict[str, Any], path: tuple[Any, ...], width: int, rows: int | None
    ) -> tuple[np.ndarray, Init]:
        r = self.r
        units = r.integer(
            value["units"],
            (*path, "units"),
            f"a whole number of units from 1 to {limits.MAX_WIDTH:,}",
            1,
            limits.MAX_WIDTH,
        )
        if rows is not None and units != rows:
            raise r.error(
                (*path, "units"),
                f"expected {rows} (the target has {plural(rows, 'value')}), got {units}",
            )
        if "init" not in value:
            raise r.fail(
                (*path, "init"), "init: {scheme: …, seed: …} beside units (how to draw the weights)"
            )
        init_path = (*path, "init")
        spec = r.mapping(
            value["init"], init_path, "init: a mapping such as {scheme: he_normal, seed: 0}"
        )
        r.keys(spec, init_path, INIT_KEYS)
        scheme = SCHEMES[
            r.choice(spec.get("scheme", MISSING), (*init_path, "scheme"), "a scheme", list(SCHEMES))
        ]
        for key in ("std", "limit"):
            if key in spec and scheme.parameter != key:
                takes = f"takes {scheme.parameter}" if scheme.parameter else "takes no std or limit"
                raise r.error(
                    (*init_path, key),
                    f"expected no {key} for {scheme.name} (it {takes}), got {key}",
                )
        parameter = 1.0
        if scheme.parameter and scheme.parameter in spec:
            parameter = r.positive(
                spec[scheme.parameter], (*init_path, scheme.parameter), f"a {scheme.parameter} > 0"
            )
        seed = r.integer(
            spec.get("seed", 0), (*init_path, "seed"), "a seed: a whole number ≥ 0", 0, 2**63 - 1
        )
        self.count_parameters(Shape(units, width), (*path, "units"))
        return draw(scheme, units, width, seed, parameter)

    def bias(self, value: Any, path: tuple[Any, ...], units: int) -> np.ndarray:
        r = self.r
        if is_number(value):
            return np.full(units, r.number(value, path))
        found = r.vector_length(value, path, f"a bias: a number or a list of {units}")
        if found != units:
            raise r.error(path, f"expected {plural(units, 'value')} (one per neuron), got {found}")
        return r.vector(value, path, "a bias")

    def activation(self, value: Any, path: tuple[Any, ...]) -> Activation:
        r = self.r
        names = sorted(ACTIVATIONS)
        alpha: Any = MISSING
        if isinstance(value, dict):
            r.keys(value, path, tuple(keys.ACTIVATION))
            alpha = value.get("alpha", MISSING)
            value, path = value.get("name", MISSING), (*path, "name")
        kind = ACTIVATIONS[r.choice(value, path, "an activation", names)]
        activation = kind()
        if alpha is MISSING:
            return activation
        alpha_path = (*path[:-1], "alpha")
        if activation.alpha is None:
            raise r.error(
                alpha_path,
                f"expected no parameters for {kind.name} (only leaky_relu and elu take alpha), got alpha",
            )
        return activation.with_alpha(r.number(alpha, alpha_path, "alpha: a number"))

    # --- caps and variants -----------------------------------------------

    def check_work(self, x: np.ndarray, steps: int) -> None:
        n = x.shape[0]
        values = n * (x.shape[1] + sum(self.widths))
        if values > limits.MAX_ACTIVATIONS:
            raise self.r.error(
                ("layers",),
                f"expected at most {limits.MAX_ACTIVATIONS:,} values in one "
                f"forward pass (samples × widths, the size cap), got {values:,}",
            )
        work = steps * n * max(self.parameter_count, 1)
        if work > limits.MAX_WORK:
            raise self.r.error(
                ("steps",),
                f"expected steps × samples × parameters at most "
                f"{limits.MAX_WORK:,} (the work cap), got {work:,}",
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
        return tuple(result)


def _is_dense(value: Any) -> bool:
    return isinstance(value, dict) and ("weights" in value or "units" in value)
