"""Convolution layers, ``conv1d`` (C×L samples) and ``conv2d`` (C×H×W), as PyTorch's.

Cross-correlation, as ``torch.nn.functional.conv1d``/``conv2d`` (see `conv_core`
for the equations): y[o, i, j] = b[o] + Σ_c Σ_u Σ_v W[o, c, u, v]·x[c, i·s + u·d − p,
j·s + v·d − p], zero outside. ``flip: true`` is the mathematical convolution: the
kernel is rotated by 180° first. W is C_out × C_in × kernel; a list with fewer
levels gets leading 1s (for conv2d a matrix is 1×1×kh×kw). The output size along
each axis is ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1. The worked steps are in `conv_steps`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import field, replace
from typing import Any, ClassVar

import numpy as np

from backprop_cli.expr import Expr, Message, Sym, num
from backprop_cli.nn.layers import conv_core as core
from backprop_cli.nn.layers import conv_steps as steps
from backprop_cli.nn.layers.base import (
    Array,
    Deriving,
    KindDefaults,
    Layer,
    LayerMistake,
    LayerReading,
    LayerValues,
    Params,
    Schema,
    object_schema,
)
from backprop_cli.nn.layers.conv_reading import FIELDS, read_conv
from backprop_cli.nn.layers.shapes import Arrangement, SampleShape
from backprop_cli.notation import Notation
from backprop_cli.records import dataclass
from backprop_cli.solve.steps import Step


@dataclass(frozen=True, eq=False)
class Conv(KindDefaults):
    """A convolution kind, configured per layer: how its kernel slides, whether it is flipped."""

    geometry: core.Geometry = field(default_factory=lambda: core.Geometry((1,), (0,), (1,)))
    flip: bool = False
    inputs: tuple[int, ...] = ()
    """The per-sample shape of its input, C × (spatial…)."""
    slip: str = ""
    """A mistake made on purpose, for ``check``'s diagnosis: ``unrotated`` (∂L/∂x with the
    kernel not rotated), ``stride`` (∂L/∂x with the stride forgotten); '' none."""
    name = ""
    axes = 0
    keys = tuple(FIELDS)
    unit = "output"
    convention = (
        "Convolution is cross-correlation, as in PyTorch: each output is b + Σ w·x over its "
        "window, the kernel not rotated (flip: true rotates it by 180° first, the mathematical "
        "convolution); padding adds zeros."
    )
    resizes = True
    weights: ClassVar[tuple[str, ...]] = ("W",)
    biases: ClassVar[tuple[str, ...]] = ("b",)

    @property
    def takes(self) -> Arrangement | None:
        return Arrangement.SIGNAL if self.axes == 1 else Arrangement.IMAGE

    def schema(self, words: Mapping[str, Schema]) -> Schema:
        whole = {"type": "integer", "minimum": 1}
        per_axis = {"anyOf": [whole, {"type": "array", "items": whole, "minItems": self.axes}]}
        zero = {"type": "integer", "minimum": 0}
        kernel = {"type": "array", "minItems": 1}
        properties: dict[str, Schema] = {
            "type": {"const": self.name},
            "weights": kernel,
            "filters": whole,
            "kernel_size": per_axis,
            "init": words["init"],
            "bias": words["vector"],
            "stride": per_axis,
            "padding": {"anyOf": [zero, {"type": "array", "items": zero}]},
            "dilation": per_axis,
            "flip": {"type": "boolean"},
            "activation": words["activation"],
            "name": words["text"],
        }
        result = object_schema(FIELDS, properties, ("type",))
        result["oneOf"] = [{"required": ["weights"]}, {"required": ["filters"]}]
        result["dependentRequired"] = {"filters": ["kernel_size", "init"]}
        return result

    # --- fields and shape rule ------------------------------------------

    def read(
        self,
        reading: LayerReading,
        value: dict[str, Any],
        index: int,
        shape: SampleShape,
        rows: int | None,
    ) -> Layer:
        read = read_conv(reading, value, index, shape, self.axes)
        kind = replace(self, geometry=read.geometry, flip=read.flip, inputs=shape.dims)
        activation = reading.activation(value.get("activation", "identity"), ("layers", index))
        out = SampleShape(shape.arrangement, (int(read.W.shape[0]), *read.out))
        params = {"W": read.W, "b": read.b}
        name = reading.name(value, ("layers", index))
        return Layer(index + 1, kind, activation, params, 0, name, read.init, shape=out)

    # --- values -----------------------------------------------------------

    def kernel(self, W: Array) -> Array:
        """The kernel the input is correlated with: W, or W rotated by 180° when flipped."""
        return core.rotated(W) if self.flip else W

    def forward(self, params: Params, a: Array) -> tuple[Array, Any]:
        z = core.forward(self.geometry, self.kernel(params["W"]), params["b"], a)
        return z, a

    def backward(self, params: Params, cache: Any, delta: Array) -> tuple[Array, dict[str, Array]]:
        a, g = cache, self.geometry
        kernel = self.kernel(params["W"])
        dK = core.weight_gradient(g, a, delta, tuple(int(n) for n in kernel.shape[2:]))
        dW = core.rotated(dK) if self.flip else dK  # ∂L/∂W[u] = ∂L/∂K[k − 1 − u] when flipped
        db = delta.sum(axis=(0, *range(2, delta.ndim)))  # ∂L/∂b[o] = Σ δ[o] over positions
        back = core.rotated(kernel) if self.slip == "unrotated" else kernel
        dx = core.input_gradient(g, back, delta, a.shape, stride=self.slip != "stride")
        return dx, {"W": dW, "b": db}

    # --- formulas -----------------------------------------------------------

    def param_symbol(self, n: Notation, l: int, base: str, index: tuple[int, ...] | None) -> Expr:
        return steps.param_symbol(n, l, base, index)

    def forward_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        return steps.forward_steps(self, d, r)

    def gradient_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        return steps.gradient_steps(self, d, r)

    def pass_back(
        self, d: Deriving, r: LayerValues, s: int | None, j: int | None
    ) -> tuple[Expr, Expr]:
        return steps.pass_back(self, d, r, s, j)

    def sends_back(self, n: Notation, l: int, units: int) -> Expr | None:
        return None

    z_column: str | None = "window sum Σ w·x + b"

    def note(self, n: Notation, l: int) -> Message:
        how = (
            "convolution: the kernel is rotated by 180° first (flip: true)"
            if self.flip
            else "cross-correlation, as PyTorch (no kernel rotation)"
        )
        g = self.geometry
        return (
            f"Each output is the sum over the window of products of the kernel with the input, "
            f"plus the bias: {how}; stride {_listed(g.stride)}, padding {_listed(g.padding)} "
            f"(zeros), dilation {_listed(g.dilation)}.",
        )

    def z_terms(
        self, r: LayerValues, s: int, j: int, built: Callable[[int], Sequence[int]] = range
    ) -> Expr:
        return steps.window_terms(self, r, s, j, built)

    def chain_to_param(self, n: Notation, l: int) -> tuple[Expr, Expr, Expr] | None:
        return None

    def unit_params(self, layer: Layer, j: int) -> tuple[tuple[Expr, float], ...]:
        channels = layer.output.dims[0]
        per_channel = layer.width // channels
        return ((Sym("b"), float(layer.params["b"][j // per_channel])),)

    def link(self, layer: Layer, j: int, k: int) -> tuple[bool, float | None]:
        """Input cell k feeds output j when it is in j's window, by the kernel cell there."""
        o, *position = (int(i) for i in np.unravel_index(j, layer.output.dims))
        c, *cell = (int(i) for i in np.unravel_index(k, self.inputs))
        g, W = self.geometry, self.kernel(layer.params["W"])
        entry = []
        for axis, (i, x) in enumerate(zip(position, cell, strict=True)):
            u, rest = divmod(x + g.padding[axis] - i * g.stride[axis], g.dilation[axis])
            if rest or not 0 <= u < W.shape[2 + axis]:
                return False, None
            entry.append(u)
        return True, float(W[tuple([o, c, *entry])])

    def insights(self, r: LayerValues) -> Iterator[tuple[str, Message]]:
        l, f = r.index, r.layer.activation
        a = f.fn(r.z)  # the layer's output
        if f.dies:
            maps = a.shape[1]
            for o in np.flatnonzero(np.all(a.reshape(a.shape[0], maps, -1) == 0, axis=(0, 2))):
                yield (
                    "dead_feature_map",
                    (
                        f"Feature map {int(o) + 1} of layer {l} is all zero after {f.label} "
                        "(z ≤ 0 at every position): no gradient flows back through it, so "
                        f"filter {int(o) + 1}'s weights and bias get ∂L/∂w = 0 (a dead feature map).",
                    ),
                )
        if any(self.geometry.padding):
            lost = core.padding_gradient(
                self.geometry, self.kernel(r.layer.params["W"]), r.delta, r.a_prev.shape
            )
            if np.any(lost > 0):
                yield (
                    "padding_gradient",
                    (
                        f"The zero padding of layer {l} receives gradient (",
                        num(float(np.sum(lost))),
                        " in absolute value in all): it is thrown away, since the padding's "
                        "cells are no inputs; ∂L/∂x keeps only the input's own cells.",
                    ),
                )

    def mistakes(self) -> tuple[LayerMistake, ...]:
        return MISTAKES

    def z_formula(self, l: int, prev: str) -> str:
        op = "convolved with (the kernel rotated)" if self.flip else "correlated with"
        return f"{prev} {op} W{l}, + b{l}"

    def pass_back_formula(self, l: int) -> str:
        return f"full correlation of delta{l} (spread out by the stride) with W{l} rotated by 180°"


def _listed(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else " × ".join(map(str, values))


class Conv1d(Conv):
    name = "conv1d"
    axes = 1


class Conv2d(Conv):
    name = "conv2d"
    axes = 2


MISTAKES = (
    LayerMistake(
        "conv_flip_confused",
        "the kernel rotated in the forward pass (or not rotated for a convolution)",
        ("z",),
        lambda kind: replace(kind, flip=not kind.flip),
        (
            "The output is what the kernel rotated by 180° gives: the forward pass of a "
            "convolution layer here is a cross-correlation (PyTorch's convention, flip: false), "
            "which slides the kernel as it is; only flip: true rotates it first.",
        ),
    ),
    LayerMistake(
        "conv_kernel_not_rotated",
        "the kernel not rotated in ∂L/∂x",
        ("dx", "delta"),
        lambda kind: replace(kind, slip="unrotated"),
        (
            "∂L/∂x is the full correlation of δ with the kernel rotated by 180° (each input "
            "cell collects δ·w from every window it was in); this is the kernel unrotated.",
        ),
        backward=True,
    ),
    LayerMistake(
        "conv_stride_forgotten",
        "the stride forgotten in ∂L/∂x",
        ("dx", "delta"),
        lambda kind: replace(kind, slip="stride"),
        (
            "With stride s, δ must be spread out first (s − 1 zeros between its cells) before "
            "the full correlation with the rotated kernel; this is δ used as it is.",
        ),
        backward=True,
    ),
)

CONV1D = Conv1d()
CONV2D = Conv2d()
