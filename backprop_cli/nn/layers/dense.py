"""The dense (fully connected) layer: z = W·a + b, one row of W per neuron.

Per sample a vector in, a vector out. With a batch A (N × inputs), as PyTorch's
``nn.Linear``:

    Z = A Wᵀ + bᵀ                     (forward)
    ∂L/∂W = Δᵀ A,  ∂L/∂b = Σₙ Δ,  ∂L/∂A = Δ W   (backward, Δ = ∂L/∂Z)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from backprop_cli.expr import (
    Add,
    Expr,
    MatMul,
    Matrix,
    Message,
    Mul,
    Partial,
    Sum,
    Sym,
    Transpose,
    column,
    num,
    total,
)
from backprop_cli.load import caps as limits
from backprop_cli.load.reader import Shape, is_number, plural, readonly
from backprop_cli.nn.initializers import Init, draw
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
from backprop_cli.nn.layers.init_spec import read_init
from backprop_cli.nn.layers.shapes import Arrangement, SampleShape
from backprop_cli.notation import Notation, transpose
from backprop_cli.solve.steps import Phase, Step

L = Sym("L")

FIELDS: dict[str, str] = {
    "weights": (
        "Outputs × inputs: row j holds neuron j's weights, so z = W·a + b. "
        "A number is a 1×1 matrix; a flat list is one row (one neuron)."
    ),
    "units": "Instead of weights: the number of neurons, weights drawn by init.",
    "init": "With units: how to draw the weights, {scheme, seed} (and std or limit).",
    "bias": "A number (every neuron) or a list with one value per neuron; default 0.",
    "activation": "An activation name, or {name, alpha}; default identity.",
    "name": "A name shown in the solution.",
    "type": "dense (implied by weights or units).",
}


class Dense(KindDefaults):
    name = "dense"
    keys = tuple(FIELDS)
    unit = "neuron"
    convention = (
        "Weights: row j of a layer's W holds neuron j's weights, so z = W·a + b; "
        "a layer's input is the previous layer's output (x for layer 1)."
    )
    takes: Arrangement | None = Arrangement.VECTOR
    resizes = True
    weights = ("W",)
    biases = ("b",)
    """Its output width is its own (the target's width is asked of the last such layer)."""

    def implied_by(self, value: Mapping[str, object]) -> bool:
        return "weights" in value or "units" in value

    def schema(self, words: Mapping[str, Schema]) -> Schema:
        properties = {
            "weights": words["matrix"],
            "units": {"type": "integer", "minimum": 1, "maximum": limits.MAX_WIDTH},
            "init": words["init"],
            "bias": words["vector"],
            "activation": words["activation"],
            "name": words["text"],
            "type": {"const": self.name},
        }
        result = object_schema(FIELDS, properties)
        result["oneOf"] = [{"required": ["weights"]}, {"required": ["units"]}]
        result["dependentRequired"] = {"units": ["init"], "init": ["units"]}
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
        width = shape.size
        r, path = reading.r, ("layers", index)
        source = "x" if index == 0 else f"layer {index}"
        r.keys(value, path, self.keys)
        if "weights" in value and "units" in value:
            raise r.error((*path, "units"), "expected weights or units, got both")
        init: Init | None = None
        if "weights" in value:
            found = r.matrix_shape(
                value["weights"], (*path, "weights"), "weights: a number, a row or a matrix"
            )
            expected = Shape(found.rows if rows is None else rows, width)
            if rows is not None and found.cols == width and found.rows != rows:
                reading.check_target_width(rows, found.rows, index)
            if found != expected:
                raise r.error(
                    (*path, "weights"),
                    f"expected {expected} ({plural(expected.rows, 'neuron')} × "
                    f"{plural(expected.cols, 'input')} from {source}), got {found}",
                )
            reading.count_parameters(found.rows * found.cols + found.rows, (*path, "weights"))
            weights = r.matrix(value["weights"], found)
            if "init" in value:
                raise r.error(
                    (*path, "init"), "expected init only with units, got init beside weights"
                )
        else:
            weights, init = _drawn(reading, value, path, width, rows)
        # The bias does not change the width the next layer takes: when every error is
        # wanted, the reading goes on past its error.
        units = int(weights.shape[0])
        bias = r.attempt(lambda: _bias(r, value.get("bias", 0.0), (*path, "bias"), units))
        bias = np.zeros(units) if bias is None else bias
        activation = reading.activation(value.get("activation", "identity"), (*path, "activation"))
        params = {"W": readonly(weights), "b": readonly(bias)}
        return Layer(
            index + 1,
            self,
            activation,
            params,
            int(weights.shape[0]),
            reading.name(value, path),
            init,
        )

    # --- values -----------------------------------------------------------

    def forward(self, params: Params, a: Array) -> tuple[Array, Any]:
        return a @ params["W"].T + params["b"], a  # z = W a + b, one row per sample

    def backward(self, params: Params, cache: Any, delta: Array) -> tuple[Array, dict[str, Array]]:
        grads = self.param_gradients(params, cache, delta)
        return delta @ params["W"], grads  # ∂L/∂a⁽ˡ⁻¹⁾ = Wᵀδ, one row per sample

    def param_gradients(self, params: Params, cache: Any, delta: Array) -> dict[str, Array]:
        a_prev = cache
        dW = delta.T @ a_prev  # ∂L/∂W = Δᵀ A_prev (summed over samples)
        db = np.sum(delta, axis=0)  # ∂L/∂b = Σₙ δ
        return {"W": dW, "b": db}

    # --- formulas -----------------------------------------------------------

    def param_symbol(self, n: Notation, l: int, base: str, index: tuple[int, ...] | None) -> Expr:
        if base == "W":
            return n.W(l) if index is None else n.w(l, *index)
        return n.b(l) if index is None else n.b(l, index[0])

    def forward_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        l, n = r.index, d.n
        W, b = r.layer.params["W"], r.layer.params["b"]
        units, inputs = W.shape
        if d.small(r):
            for s in d.samples:
                for j in range(units):
                    # zⱼ = Σₖ wⱼₖ aₖ + bⱼ
                    ks = range(inputs)
                    form = total(
                        [Mul((n.w(l, j, k), n.a(l - 1, k, s)), dot=False) for k in ks] + [n.b(l, j)]
                    )
                    subst = total(
                        [Mul((num(W[j, k]), num(r.a_prev[s, k]))) for k in ks] + [num(b[j])]
                    )
                    yield d.step(
                        Phase.FORWARD,
                        d.name(f"z{l}", s, j),
                        n.z(l, j, s),
                        (form,),
                        subst,
                        r.z[s, j],
                        layer=l,
                        sample=s,
                    )
        if d.batched:  # Z = A Wᵀ + bᵀ, one row per sample
            form = Add((MatMul((n.a(l - 1), transpose(n.W(l)))), transpose(n.b(l))))
            subst = Add((MatMul((Matrix(r.a_prev), Transpose(Matrix(W)))), Transpose(column(b))))
        else:  # z = W a + b
            form = Add((MatMul((n.W(l), n.a(l - 1))), n.b(l)))
            subst = Add((MatMul((Matrix(W), column(r.a_prev[0]))), column(b)))
        yield d.step(Phase.FORWARD, f"z{l}", n.z(l), (form,), subst, d.per_sample(r.z), layer=l)

    def gradient_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        """∂L/∂wⱼₖ = δⱼ aₖ and ∂L/∂bⱼ = δⱼ (summed over the samples of a batch)."""
        l, n = r.index, d.n
        dW, db = r.grads["W"], r.grads["b"]
        units, inputs = dW.shape
        shown = list(d.samples)
        if d.small(r) and shown:
            for j in range(units):
                for k in range(inputs):
                    chain = Mul((Partial(L, n.z(l, j)), Partial(n.z(l, j), n.w(l, j, k))))
                    form = total(
                        [Mul((n.delta(l, j, s), n.a(l - 1, k, s)), dot=False) for s in shown]
                    )
                    subst = total([Mul((num(r.delta[s, j]), num(r.a_prev[s, k]))) for s in shown])
                    forms = (form,) if d.batched else (chain, form)
                    yield d.step(
                        Phase.BACKWARD,
                        f"dW{l}[{j}][{k}]",
                        Partial(L, n.w(l, j, k)),
                        forms,
                        subst,
                        dW[j, k],
                        layer=l,
                        element=True,
                    )
            for j in range(units):
                chain = Mul((Partial(L, n.z(l, j)), Partial(n.z(l, j), n.b(l, j))))
                form = total([n.delta(l, j, s) for s in shown])
                subst = total([num(r.delta[s, j]) for s in shown])
                forms = (form,) if d.batched else (chain, form)
                yield d.step(
                    Phase.BACKWARD,
                    f"db{l}[{j}]",
                    Partial(L, n.b(l, j)),
                    forms,
                    subst,
                    db[j],
                    layer=l,
                    element=True,
                )
        if d.batched:  # ∂L/∂W = Δᵀ A, ∂L/∂b = Σₙ δ⁽ⁿ⁾
            w_form: Expr = MatMul((transpose(n.delta(l)), n.a(l - 1)))
            w_subst: Expr = MatMul((Transpose(Matrix(r.delta)), Matrix(r.a_prev)))
            b_form: Expr = Sum(n.delta(l, None, "n"), "n")
            b_subst: Expr | None = None
        else:  # ∂L/∂W = δ aᵀ (an outer product), ∂L/∂b = δ
            w_form = MatMul((n.delta(l), transpose(n.a(l - 1))))
            w_subst = MatMul((column(r.delta[0]), Transpose(column(r.a_prev[0]))))
            b_form, b_subst = n.delta(l), column(r.delta[0])
        yield d.step(Phase.BACKWARD, f"dW{l}", Partial(L, n.W(l)), (w_form,), w_subst, dW, layer=l)
        yield d.step(Phase.BACKWARD, f"db{l}", Partial(L, n.b(l)), (b_form,), b_subst, db, layer=l)

    def pass_back(
        self, d: Deriving, r: LayerValues, s: int | None, j: int | None
    ) -> tuple[Expr, Expr]:
        """∂L/∂aⱼ⁽ˡ⁻¹⁾ = Σₖ wₖⱼ⁽ˡ⁾ δₖ⁽ˡ⁾; as a whole W⁽ˡ⁾ᵀδ⁽ˡ⁾ (Δ⁽ˡ⁾W⁽ˡ⁾, a row per sample)."""
        l, n, W = r.index, d.n, r.layer.params["W"]
        if s is not None and j is not None:
            ks = range(W.shape[0])
            form = total([Mul((n.w(l, k, j), n.delta(l, k, s)), dot=False) for k in ks])
            return form, total([Mul((num(W[k, j]), num(r.delta[s, k]))) for k in ks])
        if d.batched:
            return MatMul((n.delta(l), n.W(l))), MatMul((Matrix(r.delta), Matrix(W)))
        form = MatMul((transpose(n.W(l)), n.delta(l)))
        return form, MatMul((Transpose(Matrix(W)), column(r.delta[0])))

    def sends_back(self, n: Notation, l: int, units: int) -> Expr | None:
        if units == 1:  # one neuron: no sum
            return Mul((n.w(l, 0, "j"), n.delta(l)), dot=False)
        return Sum(Mul((n.w(l, "i", "j"), n.delta(l, "i")), dot=False), "i")

    z_column: str | None = "weighted sum Σ w·a + b"

    def note(self, n: Notation, l: int) -> Message:
        return ()

    def z_terms(
        self, r: LayerValues, s: int, j: int, built: Callable[[int], Sequence[int]] = range
    ) -> Expr:
        W, b = r.layer.params["W"], r.layer.params["b"]
        terms: list[Expr] = [Mul((num(W[j, k]), num(r.a_prev[s, k]))) for k in built(W.shape[1])]
        return Add((*terms, num(b[j])))

    def chain_to_param(self, n: Notation, l: int) -> tuple[Expr, Expr, Expr] | None:
        w = n.w(l, "j", "k")  # ∂L/∂wⱼₖ = ∂L/∂aⱼ · ∂aⱼ/∂zⱼ · ∂zⱼ/∂wⱼₖ = δⱼ aₖ
        return w, Partial(n.z(l, "j"), w), Mul((n.delta(l, "j"), n.a(l - 1, "k")), dot=False)

    def unit_params(self, layer: Layer, j: int) -> tuple[tuple[Expr, float], ...]:
        return ((Sym("b"), float(layer.params["b"][j])),)

    def link(self, layer: Layer, j: int, k: int) -> tuple[bool, float | None]:
        return True, float(layer.params["W"][j, k])  # every input feeds every neuron, by wⱼₖ

    def z_formula(self, l: int, prev: str) -> str:
        return f"W{l}·{prev} + b{l}"

    def pass_back_formula(self, l: int) -> str:
        return f"W{l}ᵀ·delta{l}"


def _drawn(
    reading: LayerReading,
    value: dict[str, Any],
    path: tuple[Any, ...],
    width: int,
    rows: int | None,
) -> tuple[np.ndarray, Init]:
    r = reading.r
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
    scheme, seed, parameter = read_init(r, value["init"], (*path, "init"))
    reading.count_parameters(units * width + units, (*path, "units"))
    return draw(scheme, units, width, seed, parameter)


def _bias(r: Any, value: Any, path: tuple[Any, ...], units: int) -> np.ndarray:
    if is_number(value):
        return np.full(units, r.number(value, path))
    found = r.vector_length(value, path, f"a bias: a number or a list of {units}")
    if found != units:
        raise r.error(path, f"expected {plural(units, 'value')} (one per neuron), got {found}")
    return r.vector(value, path, "a bias")


DENSE = Dense()
