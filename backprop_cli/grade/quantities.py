"""The quantities a student works out, by report name, in the order they are worked out.

    z1 → a1 → z2 → … → output → loss → delta_L → dW_L, db_L → delta_{L−1} → … → dx
       → W1_new, b1_new, …

Each `Quantity` knows its expected value (from the `Solution`), the quantities
it is computed from, and how to compute it from *any* values of those, one
textbook step at a time. That lets `check` carry a student's own earlier
values forward (is z2 right for the student's a1?) and `diagnosis` work out
what a common mistake would have given.

Values have the engine's canonical shapes: per-sample quantities N × width,
weights outputs × inputs, biases (outputs,), the loss a 0-d array.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

import numpy as np

from backprop_cli.load.problem import Layer
from backprop_cli.solve.records import Solution

Array = np.ndarray
Values = dict[str, Array]
"""Quantity name → value (the solution's, a student's, or a mixture)."""


@dataclass(frozen=True)
class Quantity:
    name: str
    kind: str
    """``z``, ``a``, ``output``, ``loss``, ``delta``, ``dW``, ``db``, ``dx``, ``W_new``, ``b_new``."""
    layer: int | None
    """1-based, as in the report (None for output, loss, dx)."""
    expected: Array
    inputs: tuple[str, ...]
    """The quantities ``compute`` reads (the problem's own x, y, W and b are not quantities)."""
    compute: Callable[[Values], Array]
    formula: str
    """How it is computed, in the answers file's names: ``W2·a1 + b2``."""
    per_sample: bool = False
    """One row per sample (z, a, output, delta, dx)."""
    oriented: bool = False
    """Rows and columns mean different things (weights: neurons × inputs; a batch: samples)."""
    start: Array | None = None
    """An updated parameter's value before the update: it is judged by its change from it."""

    @property
    def number(self) -> int:
        """The layer number of a quantity of one layer (z, a, delta, dW, db, W_new, b_new)."""
        assert self.layer is not None, f"{self.name} belongs to no layer"
        return self.layer


class Graph:
    """The quantities of one solution in dependency order, with the formulas that link them."""

    def __init__(self, solution: Solution) -> None:
        self.solution = solution
        self.problem = solution.problem
        self.depth = len(self.problem.layers)
        self.quantities = tuple(self._build())
        self.index = {q.name: i for i, q in enumerate(self.quantities)}

    def __getitem__(self, name: str) -> Quantity:
        return self.quantities[self.index[name]]

    def __contains__(self, name: str) -> bool:
        return name in self.index

    def layer(self, l: int) -> Layer:
        return self.problem.layers[l - 1]

    # --- the textbook steps, from any values ----------------------------

    def a_prev(self, l: int, v: Values) -> Array:
        """The input of layer ``l``: x for the first layer, else a_{l−1}."""
        return self.problem.x if l == 1 else v[f"a{l - 1}"]

    def a_out(self, l: int, v: Values) -> Array:
        """Layer ``l``'s output as the student carries it on (the last one is ``output``)."""
        return v["output"] if l == self.depth else v[f"a{l}"]

    def z(self, l: int, v: Values) -> Array:
        layer = self.layer(l)
        if layer.weights is None or layer.bias is None:
            return self.a_prev(l, v)  # an activation layer passes its input on
        return self.a_prev(l, v) @ layer.weights.T + layer.bias  # z = W·a + b, a row per sample

    def a(self, l: int, v: Values) -> Array:
        return self.layer(l).activation.fn(v[f"z{l}"])  # a = f(z)

    def output(self, v: Values) -> Array:
        return v[f"a{self.depth}"]

    def loss(self, v: Values) -> Array:
        p = self.problem
        return np.asarray(p.loss.scale * np.mean(p.loss.function.value(v["output"], p.y)))

    def back_through(self, l: int, delta: Array, weights: Array | None = None) -> Array:
        """∂L/∂a_{l−1} from δ_l: δ·W (rows are samples), or δ itself for an activation layer."""
        W = self.layer(l).weights if weights is None else weights
        return delta if W is None else delta @ W  # ∂L/∂a⁽ˡ⁻¹⁾ = W⁽ˡ⁾ᵀδ⁽ˡ⁾

    def grad_a(self, l: int, v: Values) -> Array:
        """∂L/∂a_l: from the loss at the output, else from δ_{l+1}."""
        p = self.problem
        if l == self.depth:
            scale = p.loss.scale / p.samples
            return scale * p.loss.function.grad(v["output"], p.y)  # ∂L/∂ŷ
        return self.back_through(l + 1, v[f"delta{l + 1}"])

    def delta(self, l: int, v: Values) -> Array:
        """δ_l = ∂L/∂a_l ⊙ f′(z_l) (Jᵀ∂L/∂a for softmax; ŷ − y, scaled, when fused)."""
        p, f = self.problem, self.layer(l).activation
        if l == self.depth and self.solution.fused:
            return p.loss.scale / p.samples * p.loss.function.fused_delta(v["output"], p.y)
        return f.backward(v[f"z{l}"], self.a_out(l, v), self.grad_a(l, v))

    def dW(self, l: int, v: Values) -> Array:
        return v[f"delta{l}"].T @ self.a_prev(l, v)  # ∂L/∂W = δ a_prevᵀ, summed over samples

    def db(self, l: int, v: Values) -> Array:
        return np.sum(v[f"delta{l}"], axis=0)  # ∂L/∂b = δ, summed over samples

    def dx(self, v: Values) -> Array:
        return self.back_through(1, v["delta1"])

    def updated(self, l: int, kind: str, v: Values, eta: float) -> Array:
        """θ − η·∂L/∂θ for ``W`` or ``b`` of layer ``l`` (one step)."""
        layer = self.layer(l)
        theta = layer.weights if kind == "W" else layer.bias
        assert theta is not None
        return theta - eta * v[f"d{kind}{l}"]

    def after_steps(self, name: str, v: Values) -> Array:
        """A parameter after several updates: not a function of one gradient, so the solution's."""
        return self[name].expected

    # --- building ----------------------------------------------------------

    def _build(self) -> Iterator[Quantity]:
        s, p, depth = self.solution, self.problem, self.depth
        for r in s.layers:
            l, f = r.index, r.layer.activation
            prev = "x" if l == 1 else f"a{l - 1}"
            inputs = () if l == 1 else (prev,)
            formula = (
                f"W{l}·{prev} + b{l}"
                if r.layer.dense
                else f"{prev} (an activation layer passes its input on)"
            )
            yield self._per_sample(f"z{l}", "z", l, r.z, inputs, partial(self.z, l), formula)
            formula = f"{f.label}(z{l})" if f.name != "identity" else f"z{l}"
            yield self._per_sample(f"a{l}", "a", l, r.a, (f"z{l}",), partial(self.a, l), formula)
        last = f"a{depth}"
        yield self._per_sample("output", "output", None, s.output, (last,), self.output, last)
        formula = f"{p.loss.function.abbreviation} of output and target"
        yield Quantity("loss", "loss", None, np.asarray(s.loss), ("output",), self.loss, formula)
        for r in reversed(s.layers):
            yield from self._backward(r.index)
        formula = "W1ᵀ·delta1" if self.layer(1).dense else "delta1"
        yield self._per_sample("dx", "dx", None, s.dx, ("delta1",), self.dx, formula)
        if s.update is not None:
            yield from self._updates()

    def _per_sample(
        self,
        name: str,
        kind: str,
        layer: int | None,
        expected: Array,
        inputs: tuple[str, ...],
        compute: Callable[[Values], Array],
        formula: str,
    ) -> Quantity:
        batched = self.problem.batched
        return Quantity(
            name, kind, layer, expected, inputs, compute, formula, per_sample=True, oriented=batched
        )

    def _backward(self, l: int) -> Iterator[Quantity]:
        r, f = self.solution.layers[l - 1], self.layer(l).activation
        last = l == self.depth
        inputs: tuple[str, ...] = (
            (f"z{l}", "output") if last else (f"delta{l + 1}", f"z{l}", f"a{l}")
        )
        if last and self.solution.fused:
            formula = "output − target (the loss and the activation's derivatives combined)"
        else:
            above = self.layer(l + 1) if not last else None
            incoming = (
                "∂L/∂output"
                if above is None
                else f"(W{l + 1}ᵀ·delta{l + 1})"
                if above.dense
                else f"delta{l + 1}"
            )
            derivative = f"{f.label}′(z{l})" if f.elementwise else "the softmax Jacobian"
            formula = f"{incoming} ⊙ {derivative}"
        yield self._per_sample(
            f"delta{l}", "delta", l, r.delta, inputs, partial(self.delta, l), formula
        )
        if r.dW is None or r.db is None:
            return
        prev = "x" if l == 1 else f"a{l - 1}"
        over = " (summed over the samples)" if self.problem.batched else ""
        inputs = (f"delta{l}",) if l == 1 else (f"delta{l}", prev)
        dW = partial(self.dW, l)
        yield Quantity(
            f"dW{l}", "dW", l, r.dW, inputs, dW, f"delta{l}·{prev}ᵀ{over}", oriented=True
        )
        yield Quantity(
            f"db{l}", "db", l, r.db, (f"delta{l}",), partial(self.db, l), f"delta{l}{over}"
        )

    def _updates(self) -> Iterator[Quantity]:
        update = self.solution.update
        assert update is not None
        for r in self.solution.layers:
            if not r.layer.dense:
                continue
            l = r.index
            for kind in ("W", "b"):
                name, expected = f"{kind}{l}_new", update.params[f"{kind}{l}"]
                start = r.layer.weights if kind == "W" else r.layer.bias
                compute: Callable[[Values], Array]
                if update.steps == 1:
                    inputs: tuple[str, ...] = (f"d{kind}{l}",)
                    compute = partial(self.updated, l, kind, eta=update.learning_rate)
                    formula = f"{kind}{l} − η·d{kind}{l}"
                else:
                    inputs = ()
                    compute = partial(self.after_steps, name)
                    formula = f"{kind}{l} after {update.steps} updates"
                yield Quantity(
                    name,
                    f"{kind}_new",
                    l,
                    expected,
                    inputs,
                    compute,
                    formula,
                    oriented=kind == "W",
                    start=start,
                )


def world(graph: Graph, given: Values) -> Values:
    """Every quantity as the student has it: their value where given, else computed from theirs."""
    values: Values = {}
    with np.errstate(all="ignore"):
        for q in graph.quantities:
            values[q.name] = given[q.name] if q.name in given else q.compute(values)
    return values
