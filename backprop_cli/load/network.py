"""The network of a problem file: its layers, read and checked against each other.

Each layer's weights must take the previous layer's outputs (and the last
dense layer must give the target's width); ``units`` with ``init`` draws
them. The parameters are counted against `limits.MAX_PARAMETERS` before a
layer's weights are allocated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from backprop_cli.load import caps as limits
from backprop_cli.load import fields as keys
from backprop_cli.load.reader import MISSING, Reader, Shape, is_number, plural
from backprop_cli.load.yaml_source import YMap
from backprop_cli.nn import ACTIVATIONS, Activation
from backprop_cli.nn.initializers import SCHEMES, Init, draw

DENSE_KEYS = tuple(keys.DENSE)
ACTIVATION_LAYER_KEYS = tuple(keys.ACTIVATION_LAYER)
LAYER_KEYS = tuple(dict.fromkeys((*DENSE_KEYS, *ACTIVATION_LAYER_KEYS)))
"""Every key some layer kind takes: a key outside them all is a typo, reported first."""
INIT_KEYS = tuple(keys.INIT)


def readonly(array: np.ndarray) -> np.ndarray:
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


class NetworkReader:
    """Reads ``layers``; remembers each layer's width and the parameters so far."""

    def __init__(self, reader: Reader) -> None:
        self.r = reader
        self.doc: YMap = reader.document
        self.parameter_count = 0
        self.widths: list[int] = []
        """The output width of each layer, as it is read."""
        self.target: tuple[Any, ...] = ("target",)
        """Where the first target is written."""

    def layers(
        self, width: int, target_width: int | None, target_path: tuple[Any, ...]
    ) -> tuple[Layer, ...]:
        """The layers, given the input width and the width the targets ask for (None: any)."""
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
        last_dense = max((i for i, v in enumerate(value) if is_dense(v)), default=-1)
        if last_dense < 0 and target_width is not None and target_width != width:
            raise r.error(
                target_path,
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

    def check_keys(self) -> None:
        """Every layer is a mapping of keys some layer kind takes.

        A typo'd key (``weight:``) would change what kind the layer is read as, and the
        errors that follow would blame the wrong place: unknown keys are reported first.
        """
        value = self.doc["layers"]
        for i, item in enumerate(value if isinstance(value, list) else ()):
            path = ("layers", i)
            self.r.mapping(item, path, "a layer: a mapping with weights (or units) and activation")
            self.r.keys(item, path, LAYER_KEYS)

    def layer(self, value: Any, i: int, width: int, rows: int | None) -> Layer:
        r, path = self.r, ("layers", i)
        r.mapping(value, path, "a layer: a mapping with weights (or units) and activation")
        source = "x" if i == 0 else f"layer {i}"
        if not is_dense(value):
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
                self.activation_or_identity(value["activation"], (*path, "activation")),
                name=r.attempt(lambda: self.name(value, path)),
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
            if rows is not None and shape.cols == width and shape.rows != rows:
                self.check_target_width(rows, shape.rows, i)
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
        # The bias, activation and name do not change the width the next layer takes: when
        # every error is wanted, the reading goes on past theirs.
        units = weights.shape[0]
        bias = r.attempt(lambda: self.bias(value.get("bias", 0.0), (*path, "bias"), units))
        activation = self.activation_or_identity(
            value.get("activation", "identity"), (*path, "activation")
        )
        name = r.attempt(lambda: self.name(value, path))
        return Layer(
            i + 1,
            activation,
            readonly(weights),
            readonly(np.zeros(units) if bias is None else bias),
            name,
            init,
        )

    def check_target_width(self, values: int, outputs: int, i: int) -> None:
        """A target written as a list states its width: when the network's last dense layer
        gives another, say so at the target (a number target leaves the blame on the weights).
        """
        value = self.r.value_at(self.target)
        if isinstance(value, list):
            raise self.r.error(
                self.target,
                f"the target has {plural(values, 'value')} but the network has "
                f"{plural(outputs, 'output')} (layer {i + 1} has {plural(outputs, 'neuron')}); "
                f"expected {plural(outputs, 'value')}, or {plural(values, 'neuron')} in layer {i + 1}",
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
            if parameter > 1e300:
                # U(−limit, limit) needs 2·limit finite, and N(0, std²) draws several std.
                raise r.fail(
                    (*init_path, scheme.parameter),
                    f"a {scheme.parameter} > 0 and at most 1e300",
                    spec[scheme.parameter],
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

    def activation_or_identity(self, value: Any, path: tuple[Any, ...]) -> Activation:
        """The activation; identity in its place when it is wrong and every error is wanted."""
        activation = self.r.attempt(lambda: self.activation(value, path))
        return ACTIVATIONS["identity"]() if activation is None else activation

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


def is_dense(value: Any) -> bool:
    return isinstance(value, dict) and ("weights" in value or "units" in value)
