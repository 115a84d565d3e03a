"""The flatten layer: C×L, C×H×W (or T×D) per sample → a vector, as ``torch.flatten``.

No parameters. The values are laid out in row-major order (the last axis
varies fastest): element (c, i, j) of a C×H×W sample becomes element
c·H·W + i·W + j of the vector. The backward pass lays δ out the other way:

    z = vec(a)            ∂L/∂a = vec⁻¹(δ)  (δ reshaped to the input's shape)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from backprop_cli.expr import Call, Expr, Message, Rel, num
from backprop_cli.nn.layers.base import (
    Array,
    Deriving,
    KindDefaults,
    Layer,
    LayerReading,
    LayerValues,
    Params,
    Schema,
    object_schema,
)
from backprop_cli.nn.layers.shapes import Arrangement, SampleShape
from backprop_cli.notation import Notation
from backprop_cli.solve.steps import Step

FIELDS: dict[str, str] = {
    "type": "flatten: lay each sample's C×L or C×H×W values out as a vector, row-major.",
    "activation": "An activation name, or {name, alpha}, applied after; default identity.",
    "name": "A name shown in the solution.",
}


class Flatten(KindDefaults):
    name = "flatten"
    keys = tuple(FIELDS)
    unit = "value"
    takes: Arrangement | None = None
    """Any shape (a vector stays as it is)."""
    resizes = False
    weights: ClassVar[tuple[str, ...]] = ()
    biases: ClassVar[tuple[str, ...]] = ()

    def schema(self, words: Mapping[str, Schema]) -> Schema:
        properties = {
            "type": {"const": self.name},
            "activation": words["activation"],
            "name": words["text"],
        }
        return object_schema(FIELDS, properties, ("type",))

    def read(
        self,
        reading: LayerReading,
        value: dict[str, Any],
        index: int,
        shape: SampleShape,
        rows: int | None,
    ) -> Layer:
        r, path = reading.r, ("layers", index)
        r.keys(value, path, self.keys)
        activation = reading.activation(value.get("activation", "identity"), (*path, "activation"))
        return Layer(index + 1, self, activation, {}, shape.size, reading.name(value, path))

    # --- values -----------------------------------------------------------

    def forward(self, params: Params, a: Array) -> tuple[Array, Any]:
        return a.reshape(a.shape[0], -1), a.shape  # z = vec(a), row-major per sample

    def backward(self, params: Params, cache: Any, delta: Array) -> tuple[Array, dict[str, Array]]:
        return delta.reshape(cache), {}  # ∂L/∂a = δ laid out in the input's shape

    # --- formulas -----------------------------------------------------------

    def param_symbol(self, n: Notation, l: int, base: str, index: tuple[int, ...] | None) -> Expr:
        raise KeyError(f"a flatten layer has no parameter {base}")

    def forward_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        return iter(())

    def gradient_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        return iter(())

    def pass_back(
        self, d: Deriving, r: LayerValues, s: int | None, j: int | None
    ) -> tuple[Expr, Expr]:
        """Element j (row-major) of the input's gradient is δⱼ; the whole is δ reshaped."""
        l, n = r.index, d.n
        if s is not None and j is not None:
            return n.delta(l, j, s), num(r.delta[s, j])
        return n.delta(l), d.vector(r.delta)

    def sends_back(self, n: Notation, l: int, units: int) -> Expr | None:
        return None

    z_column: str | None = "input value (row-major)"

    def note(self, n: Notation, l: int) -> Message:
        return (
            "A flatten layer has no weights: it lays its input out as a vector in row-major "
            "order (the last axis fastest), ",
            Rel(n.z(l), "=", Call("vec", (n.a(l - 1),))),
            ".",
        )

    def z_terms(
        self, r: LayerValues, s: int, j: int, built: Callable[[int], Sequence[int]] = range
    ) -> Expr:
        return num(np.reshape(r.a_prev[s], -1)[j])

    def chain_to_param(self, n: Notation, l: int) -> tuple[Expr, Expr, Expr] | None:
        return None

    def unit_params(self, layer: Layer, j: int) -> tuple[tuple[Expr, float], ...]:
        return ()

    def link(self, layer: Layer, j: int, k: int) -> tuple[bool, float | None]:
        return k == j, None  # output j is input value j (row-major)

    def z_formula(self, l: int, prev: str) -> str:
        return f"{prev} laid out as a vector (row-major)"

    def pass_back_formula(self, l: int) -> str:
        return f"delta{l} laid out in the input's shape"


FLATTEN = Flatten()
