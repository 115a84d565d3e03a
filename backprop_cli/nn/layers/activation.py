"""The activation layer: no parameters, z = a (its input), then a = f(z).

Exercise 2 (softmax of given logits) is one activation layer. Its backward
pass hands δ = ∂L/∂z on unchanged: ∂L/∂a⁽ˡ⁻¹⁾ = δ⁽ˡ⁾.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

from backprop_cli.expr import Expr, Message, Rel, num
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
    "activation": "An activation name, or {name, alpha}: a layer without parameters.",
    "name": "A name shown in the solution.",
    "type": "activation (implied by activation alone).",
}


class ActivationLayer(KindDefaults):
    name = "activation"
    keys = tuple(FIELDS)
    unit = "neuron"
    takes: Arrangement | None = None
    """Any: its output has its input's shape."""
    resizes = False
    weights: ClassVar[tuple[str, ...]] = ()
    biases: ClassVar[tuple[str, ...]] = ()

    def implied_by(self, value: Mapping[str, object]) -> bool:
        return "activation" in value

    def schema(self, words: Mapping[str, Schema]) -> Schema:
        properties = {
            "activation": words["activation"],
            "name": words["text"],
            "type": {"const": self.name},
        }
        return object_schema(FIELDS, properties, ("activation",))

    def read(
        self,
        reading: LayerReading,
        value: dict[str, Any],
        index: int,
        shape: SampleShape,
        rows: int | None,
    ) -> Layer:
        r, path = reading.r, ("layers", index)
        if "bias" in value:
            raise r.error(
                (*path, "bias"),
                "expected weights or units beside bias, got bias alone "
                "(an activation layer has no parameters)",
            )
        r.keys(value, path, self.keys)
        if "activation" not in value:
            raise r.fail(
                path, "a dense layer (weights or units) or an activation layer (activation)", value
            )
        activation = reading.activation(value["activation"], (*path, "activation"))
        name = reading.name(value, path)
        return Layer(index + 1, self, activation, {}, shape.size, name, shape=shape)

    def forward(self, params: Params, a: Array) -> tuple[Array, Any]:
        return a, None  # z = a

    def backward(self, params: Params, cache: Any, delta: Array) -> tuple[Array, dict[str, Array]]:
        return delta, {}  # ∂L/∂a⁽ˡ⁻¹⁾ = δ⁽ˡ⁾

    def param_symbol(self, n: Notation, l: int, base: str, index: tuple[int, ...] | None) -> Expr:
        raise KeyError(f"an activation layer has no parameter {base}")

    def forward_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        return iter(())

    def gradient_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        return iter(())

    def pass_back(
        self, d: Deriving, r: LayerValues, s: int | None, j: int | None
    ) -> tuple[Expr, Expr]:
        l, n = r.index, d.n
        if s is not None and j is not None:
            return n.delta(l, j, s), num(r.delta[s, j])
        return n.delta(l), d.vector(r.delta)

    def sends_back(self, n: Notation, l: int, units: int) -> Expr | None:
        return None

    z_column: str | None = None

    def note(self, n: Notation, l: int) -> Message:
        return (
            "An activation layer has no weights: its pre-activation is its input, ",
            Rel(n.z(l), "=", n.a(l - 1)),
            ".",
        )

    def z_terms(
        self, r: LayerValues, s: int, j: int, built: Callable[[int], Sequence[int]] = range
    ) -> Expr:
        return num(r.a_prev[s, j])

    def chain_to_param(self, n: Notation, l: int) -> tuple[Expr, Expr, Expr] | None:
        return None

    def unit_params(self, layer: Layer, j: int) -> tuple[tuple[Expr, float], ...]:
        return ()

    def link(self, layer: Layer, j: int, k: int) -> tuple[bool, float | None]:
        # an element-wise f takes unit j from input j; softmax takes each from all of them
        return k == j or not layer.activation.elementwise, None

    def z_formula(self, l: int, prev: str) -> str:
        return f"{prev} (an activation layer passes its input on)"

    def pass_back_formula(self, l: int) -> str:
        return f"delta{l}"


ACTIVATION = ActivationLayer()
