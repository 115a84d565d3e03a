"""The network of a problem file: its layers, read and checked against each other.

Each layer's weights must take the previous layer's outputs (and the last
dense layer must give the target's width); each kind must take the
arrangement of what it is given (a dense layer a vector: an image needs a
flatten layer first); ``units`` with ``init`` draws
them. The parameters are counted against `limits.MAX_PARAMETERS` before a
layer's weights are allocated.
"""

from __future__ import annotations

from typing import Any

from backprop_cli.load import caps as limits
from backprop_cli.load import fields as keys
from backprop_cli.load.reader import MISSING, Reader, plural
from backprop_cli.load.yaml_source import YMap
from backprop_cli.nn import ACTIVATIONS, Activation
from backprop_cli.nn.layers import IMPLIED, LAYER_KINDS, Layer, LayerKind, implied_kind
from backprop_cli.nn.layers.shapes import Arrangement, SampleShape

__all__ = ["Layer", "NetworkReader"]

LAYER_KEYS = tuple(dict.fromkeys(key for kind in IMPLIED for key in kind.keys))
"""The keys of a layer without ``type`` (of the kinds its keys can imply): a key outside
them all is a typo, reported first."""


class NetworkReader:
    """Reads ``layers``; remembers each layer's width and the parameters so far."""

    def __init__(self, reader: Reader) -> None:
        self.r = reader
        self.doc: YMap = reader.document
        self.parameter_count = 0
        self.products = 0
        """Multiply-adds per sample beyond one per parameter (`count_products`)."""
        self.widths: list[int] = []
        """The output width of each layer, as it is read."""
        self.shapes: list[SampleShape] = []
        """The per-sample shape of each layer's output, as it is read."""
        self.samples = 1
        """The problem's samples (set before the layers are read)."""
        batch = self.doc.get("batch_size")  # checked with the training keys; here, as written
        self.batch: int | None = (
            batch if isinstance(batch, int) and not isinstance(batch, bool) else None
        )
        """The mini-batch's samples as ``batch_size`` writes it (None: every sample)."""
        self.held = 0
        """Values per sample the layers hold besides their outputs (`hold`)."""
        self.target: tuple[Any, ...] = ("target",)
        """Where the first target is written."""

    def input_arrangement(self) -> Arrangement:
        """What the first layer takes, which says how each sample's input is read; a first
        layer that takes any shape (activation, flatten) takes the input as it is nested: a
        flat list a vector, a matrix C×L, three levels C×H×W. A vector when the layers are
        in doubt (reading them reports why)."""
        value = self.doc.get("layers")
        if not isinstance(value, list) or not value or not isinstance(value[0], dict):
            return Arrangement.VECTOR
        first = value[0]
        name = first.get("type")
        kind = LAYER_KINDS.get(name.strip().lower()) if isinstance(name, str) else None
        if kind is None and "type" in first:  # unknown: reading the layers says so
            return _nesting(self.doc)
        kind = kind or implied_kind(first)
        if kind.takes is not None:
            return kind.takes
        return _nesting(self.doc)

    def layers(
        self, shape: SampleShape, target_width: int | None, target_path: tuple[Any, ...]
    ) -> tuple[Layer, ...]:
        """The layers, given the input's per-sample shape and the width the targets ask for
        (None: any)."""
        width = shape.size
        r, value = self.r, self.doc["layers"]
        if not isinstance(value, list) or not value:
            raise r.fail(("layers",), "a non-empty list of layers", value)
        if len(value) > limits.MAX_LAYERS:
            raise r.fail(("layers",), f"at most {limits.MAX_LAYERS:,} layers (the size cap)", value)
        found = len(r.errors or ())
        self.check_keys()
        if r.errors and len(r.errors) > found:
            raise r.errors[-1]  # the layers' kinds are in doubt: what follows would mislead
        self.target = target_path
        kinds = [self.kind(item, i) for i, item in enumerate(value)]
        last_dense = max((i for i, kind in enumerate(kinds) if kind.resizes), default=-1)
        if last_dense < 0 and target_width is not None and target_width != width:
            raise r.error(
                target_path,
                f"expected {plural(width, 'value')} (one per output of layer {len(value)}), "
                f"got {target_width}",
            )
        layers: list[Layer] = []
        for i, (item, kind) in enumerate(zip(value, kinds, strict=True)):
            self.check_takes(kind, shape, i)
            layer = kind.read(self, item, i, shape, target_width if i == last_dense else None)
            shape = layer.output
            self.widths.append(layer.width)
            self.shapes.append(shape)
            layers.append(layer)
        return tuple(layers)

    def rows_per_sample(self, shape: SampleShape) -> int:
        """The rows each sample becomes for the layers above a kind that gives one row per time
        step (a recurrent layer returning its sequence: T), and so the targets per sample."""
        value = self.doc.get("layers")
        rows = 1
        for item in value if isinstance(value, list) else ():
            name = item.get("type") if isinstance(item, dict) else None
            kind = LAYER_KINDS.get(name) if isinstance(name, str) else None
            steps_given = getattr(kind, "steps_given", None)
            if steps_given is not None and shape.arrangement is kind.takes:  # type: ignore[union-attr]
                rows *= steps_given(item, shape)
        return rows

    def check_takes(self, kind: LayerKind, shape: SampleShape, i: int) -> None:
        """``layers[i]`` of ``kind`` is given samples of ``shape``: refuse another arrangement
        than the one it takes (a dense layer given an image names flatten)."""
        wanted = kind.takes
        if wanted is None or wanted is shape.arrangement:
            return
        source = "x" if i == 0 else f"layer {i}"
        hint = ""
        if wanted is Arrangement.VECTOR:
            hint = (
                f"; put a flatten layer ({{type: flatten}}) before it to lay the "
                f"{shape.size} values out as a vector"
            )
        raise self.r.error(
            ("layers", i),
            f"expected {wanted.noun} {wanted.layout()} from {source} for a {kind.name} layer, "
            f"got {shape.describe()}{hint}",
        )

    def kind(self, value: Any, i: int) -> LayerKind:
        """The kind of ``layers[i]``: its ``type``, else the one its keys imply."""
        path = ("layers", i)
        self.r.mapping(value, path, "a layer: a mapping with weights (or units) and activation")
        if "type" in value:
            name = self.r.choice(value["type"], (*path, "type"), "a layer type", list(LAYER_KINDS))
            return LAYER_KINDS[name]
        return implied_kind(value)

    def check_keys(self) -> None:
        """Every layer is a mapping of keys some layer kind takes.

        A typo'd key (``weight:``) would change what kind the layer is read as, and the
        errors that follow would blame the wrong place: unknown keys are reported first.
        """
        value = self.doc["layers"]
        for i, item in enumerate(value if isinstance(value, list) else ()):
            path = ("layers", i)
            self.r.mapping(item, path, "a layer: a mapping with weights (or units) and activation")
            typed = LAYER_KINDS.get(item["type"]) if isinstance(item.get("type"), str) else None
            self.r.keys(item, path, LAYER_KEYS if typed is None else typed.keys)

    def check_target_width(self, values: int, outputs: int, i: int) -> None:
        """A target written as a list states its width: when the network's last resizing layer
        gives another, say so at the target (a number target leaves the blame on the layer).
        """
        if isinstance(self.r.value_at(self.target), list):
            raise self.r.error(
                self.target,
                f"the target has {plural(values, 'value')} but the network has "
                f"{plural(outputs, 'output')} (layer {i + 1} has {plural(outputs, 'neuron')}); "
                f"expected {plural(outputs, 'value')}, or {plural(values, 'neuron')} in layer {i + 1}",
            )

    def name(self, value: dict[str, Any], path: tuple[Any, ...]) -> str | None:
        """The layer's name (None when it has none, or when it is wrong and every error is
        wanted: a name changes nothing that follows)."""
        if "name" not in value:
            return None
        return self.r.attempt(
            lambda: self.r.text(value["name"], (*path, "name"), "a layer name (text)")
        )

    def hold(self, count: int, path: tuple[Any, ...]) -> None:
        """A layer's forward pass holds ``count`` values per sample besides its output (a
        pooling layer's windows): they count towards the values of one forward pass."""
        self.held += count
        total = self.samples * self.held
        if total > limits.MAX_ACTIVATIONS:
            raise self.r.error(
                path,
                f"expected at most {limits.MAX_ACTIVATIONS:,} values held in one forward pass "
                f"(the size cap), got {total:,} by this layer (samples × its values per sample)",
            )

    def count_parameters(self, count: int, path: tuple[Any, ...]) -> None:
        self.parameter_count += count
        if self.parameter_count > limits.MAX_PARAMETERS:
            raise self.r.error(
                path,
                f"expected at most {limits.MAX_PARAMETERS:,} parameters in the whole network "
                f"(the size cap), got {self.parameter_count:,} by this layer",
            )

    def count_products(self, count: int) -> None:
        self.products += count

    def activation(self, value: Any, path: tuple[Any, ...]) -> Activation:
        """The activation; identity in its place when it is wrong and every error is wanted
        (an activation does not change the width the next layer takes)."""
        activation = self.r.attempt(lambda: self.read_activation(value, path))
        return ACTIVATIONS["identity"]() if activation is None else activation

    def read_activation(self, value: Any, path: tuple[Any, ...]) -> Activation:
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


def _nesting(doc: YMap) -> Arrangement:
    """The arrangement the first input's nesting shows: a number or flat list a vector, a
    matrix C×L, deeper C×H×W."""
    samples = doc.get("samples")
    value: Any = doc.get("input")
    if isinstance(samples, list) and samples and isinstance(samples[0], dict):
        value = samples[0].get("input")
    depth = 0
    while isinstance(value, list) and value:
        depth, value = depth + 1, value[0]
    return {2: Arrangement.SIGNAL, 3: Arrangement.IMAGE}.get(depth, Arrangement.VECTOR)
