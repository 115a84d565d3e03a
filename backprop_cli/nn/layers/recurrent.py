"""The recurrent layers ``rnn``, ``lstm`` and ``gru``, as PyTorch's ``nn.RNN``, ``nn.LSTM``
and ``nn.GRU`` (one layer, ``batch_first``).

A sample is a sequence x₁ … x_T of D features each (T × D). With G gates (1, 4, 3)
and H hidden units, ``weights_ih`` is G·H × D and ``weights_hh`` G·H × H, the gates'
blocks of H rows in PyTorch's order (lstm i, f, g, o; gru r, z, n). The equations
and the loop through time are in `recurrent_cells`.

The layer gives every hₜ (``return: sequence``) or h_T alone (``return: last``).
After a sequence the layers above apply at every step: each (sample, step) is one
row of theirs, sample by sample and step by step (row n·T + t), and the target
gives a value or vector per step, so that the loss sees T·K outputs per sample.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field, replace
from typing import Any, ClassVar

import numpy as np

from backprop_cli.expr import Expr, Message, Sym
from backprop_cli.load.reader import Shape, is_number, plural, readonly
from backprop_cli.nn.layers import recurrent_bptt as bptt
from backprop_cli.nn.layers import recurrent_insights as findings
from backprop_cli.nn.layers import recurrent_steps as steps
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
from backprop_cli.nn.layers.recurrent_cells import CELLS, Cell, Conventions, RnnCell
from backprop_cli.nn.layers.recurrent_time import Through, Unrolled, through_time, unroll
from backprop_cli.nn.layers.shapes import Arrangement, SampleShape
from backprop_cli.notation import Notation
from backprop_cli.records import dataclass
from backprop_cli.solve.steps import Step

COMMON: dict[str, str] = {
    "type": "rnn, lstm or gru: a recurrent layer over a sequence (T steps × D features).",
    "weights_ih": "G·H × D: the input weights, the gates' blocks of H rows in PyTorch's order.",
    "weights_hh": "G·H × H: the recurrent weights, the blocks in the same order.",
    "bias": "b_ih (with b_hh = 0): a number or one per row (G·H); default 0.",
    "bias_ih": "Instead of bias: the input bias, a number or G·H values.",
    "bias_hh": "With bias_ih: the recurrent bias, a number or G·H values.",
    "h0": "The initial hidden state: a number or H values; default 0.",
    "return": "sequence (every hₜ, default) or last (h_T alone).",
    "activation": "An activation name, or {name, alpha}, applied after; default identity.",
    "name": "A name shown in the solution.",
}
EXTRA: dict[str, dict[str, str]] = {
    "rnn": {"nonlinearity": "tanh (default) or relu: hₜ = f(W_ih xₜ + b_ih + W_hh hₜ₋₁ + b_hh)."},
    "lstm": {"c0": "The initial cell state: a number or H values; default 0."},
    "gru": {},
}
GATE_WORDS = {"rnn": "1 block", "lstm": "4 gates i, f, g, o", "gru": "3 gates r, z, n"}


@dataclass(frozen=True)
class Cache:
    """The layer's pass through time: its input, its steps, and how it was computed."""

    unrolled: Unrolled
    conventions: Conventions
    back: list[tuple[tuple[object, ...], Through]] = field(default_factory=list, compare=False)
    """The last pass back from it and what it came from (the kind, δ, the parameters): the
    worked solution asks again for the one the first update took."""


@dataclass(frozen=True)
class Recurrent(KindDefaults):
    """What the three recurrent kinds share; each subclass names its cell."""

    name = ""
    keys = tuple(COMMON)
    nonlinearity: str = "tanh"
    returns: str = "sequence"
    two_biases: bool = False
    h0: tuple[float, ...] = ()
    c0: tuple[float, ...] = ()
    steps: int = 1
    conventions: Conventions = field(default_factory=Conventions)
    next_path: bool = True
    """False: the mistake of leaving out what step t + 1 sends back to hₜ."""
    last_term_only: bool = False
    """True: the mistake of taking ∂L/∂W from the last step's term alone."""
    unit = "hidden unit"
    takes: Arrangement | None = Arrangement.SEQUENCE
    resizes = True
    z_column: ClassVar[str | None] = "state"

    @property
    def cell(self) -> Cell:
        return RnnCell(self.nonlinearity) if self.name == "rnn" else CELLS[self.name]

    @property
    def gates(self) -> int:
        return len(self.cell.gates)

    @property
    def weights(self) -> tuple[str, ...]:
        return ("W_ih", "W_hh")

    @property
    def biases(self) -> tuple[str, ...]:
        return ("b_ih", "b_hh") if self.two_biases else ("b",)

    def schema(self, words: Mapping[str, Schema]) -> Schema:
        described = {**COMMON, **EXTRA[self.name]}
        properties: dict[str, Schema] = {
            "type": {"const": self.name},
            "weights_ih": words["matrix"],
            "weights_hh": words["matrix"],
            "bias": words["vector"],
            "bias_ih": words["vector"],
            "bias_hh": words["vector"],
            "h0": words["vector"],
            "return": {"enum": ["sequence", "last"]},
            "activation": words["activation"],
            "name": words["text"],
        }
        if not self.cell.gated:
            properties["nonlinearity"] = {"enum": ["tanh", "relu"]}
        if self.cell.has_cell:
            properties["c0"] = words["vector"]
        return object_schema(described, properties, ("type", "weights_ih", "weights_hh"))

    # --- fields and shape rule ------------------------------------------

    def steps_given(self, value: Mapping[str, object], shape: SampleShape) -> int:
        """Rows the layers above get per sample: T for ``return: sequence``, else 1."""
        return 1 if value.get("return") == "last" else shape.dims[0]

    def read(
        self,
        reading: LayerReading,
        value: dict[str, Any],
        index: int,
        shape: SampleShape,
        rows: int | None,
    ) -> Layer:
        steps, features = shape.dims
        layer = self.read_sequence(reading, value, index, steps, features)
        if rows is not None and layer.width != rows:
            reading.check_target_width(rows, layer.width, index)
            raise reading.r.error(
                ("layers", index, "weights_hh"),
                f"expected {plural(rows, 'hidden unit')} (the target has {plural(rows, 'value')} "
                f"per step), got {layer.width}",
            )
        return layer

    def read_sequence(
        self, reading: LayerReading, value: dict[str, Any], index: int, steps: int, features: int
    ) -> Layer:
        """The layer of ``layers[index]`` over sequences of ``steps`` × ``features``."""
        r, path = reading.r, ("layers", index)
        r.keys(value, path, self.keys)
        for key in ("weights_ih", "weights_hh"):
            if key not in value:
                raise r.fail((*path, key), f"{key} ({self._rows_words('H')} × …)")
        g = self.gates
        hh_shape = self._shape(r, value["weights_hh"], (*path, "weights_hh"), g)
        hidden = hh_shape.cols
        if hh_shape.rows != g * hidden:
            raise r.error(
                (*path, "weights_hh"),
                f"expected {g * hidden}×{hidden} ({self._rows_words(str(hidden))} × "
                f"{plural(hidden, 'hidden unit')}), got {hh_shape}",
            )
        ih_shape = self._shape(r, value["weights_ih"], (*path, "weights_ih"), g * hidden)
        if ih_shape != Shape(g * hidden, features):
            raise r.error(
                (*path, "weights_ih"),
                f"expected {g * hidden}×{features} ({self._rows_words(str(hidden))} × "
                f"{plural(features, 'input feature')}), got {ih_shape}",
            )
        reading.count_parameters(g * hidden * (features + hidden + 2), (*path, "weights_ih"))
        params = {
            "W_ih": readonly(self._matrix(r, value["weights_ih"], ih_shape)),
            "W_hh": readonly(self._matrix(r, value["weights_hh"], hh_shape)),
        }
        two = "bias_ih" in value or "bias_hh" in value
        if two and "bias" in value:
            other = "bias_ih" if "bias_ih" in value else "bias_hh"
            raise r.error(
                (*path, other), f"expected bias or bias_ih and bias_hh, got bias and {other}"
            )
        names = ("bias_ih", "bias_hh") if two else ("bias",)
        for key in names:
            bias = _values(r, value.get(key, 0.0), (*path, key), g * hidden, "row (G·H)")
            params["b_ih" if key == "bias" else key.replace("ias", "")] = readonly(bias)
        if not two:
            params["b"] = params.pop("b_ih")
        h0 = _values(r, value.get("h0", 0.0), (*path, "h0"), hidden, "hidden unit")
        c0 = _values(r, value.get("c0", 0.0), (*path, "c0"), hidden, "hidden unit")
        nonlinearity = "tanh"
        if "nonlinearity" in value:
            nonlinearity = r.choice(
                value["nonlinearity"], (*path, "nonlinearity"), "a nonlinearity", ["tanh", "relu"]
            )
        returns = "sequence"
        if "return" in value:
            returns = r.choice(
                value["return"], (*path, "return"), "what to return", ["sequence", "last"]
            )
        activation = reading.activation(value.get("activation", "identity"), (*path, "activation"))
        kind = replace(
            self,
            nonlinearity=nonlinearity,
            returns=returns,
            two_biases=two,
            h0=tuple(float(v) for v in h0),
            c0=tuple(float(v) for v in c0) if self.cell.has_cell else (),
            steps=steps,
        )
        return Layer(index + 1, kind, activation, params, hidden, reading.name(value, path))

    def _rows_words(self, hidden: str) -> str:
        rows = hidden if self.gates == 1 else f"{self.gates}·{hidden}"
        each = "1 row" if hidden == "1" else f"{hidden} rows"
        return f"{rows} rows: {GATE_WORDS[self.name]}, a block of {each} each"

    def _shape(self, r: Any, value: Any, path: tuple[Any, ...], rows: int | None) -> Shape:
        """A matrix's shape; a flat list of ``rows`` numbers is one column (one input)."""
        shape: Shape = r.matrix_shape(value, path, "a number, a row or a matrix")
        column = isinstance(value, list) and not isinstance(value[0], list)
        return Shape(shape.cols, 1) if column and shape.cols == rows and rows != 1 else shape

    def _matrix(self, r: Any, value: Any, shape: Shape) -> np.ndarray:
        if isinstance(value, list) and not isinstance(value[0], list) and shape.cols == 1:
            return np.asarray(value, dtype=float).reshape(-1, 1)
        result: np.ndarray = r.matrix(value, shape)
        return result

    # --- values -----------------------------------------------------------

    def full(self, params: Params) -> dict[str, Array]:
        """W_ih, W_hh, b_ih, b_hh (a single bias is b_ih, with b_hh = 0)."""
        if "b" not in params:
            return dict(params)
        return {**params, "b_ih": params["b"], "b_hh": np.zeros_like(params["b"])}

    def sequences(self, a: Array) -> Array:
        """The input as N × T × D."""
        return a.reshape(a.shape[0], self.steps, -1)

    def forward(self, params: Params, a: Array) -> tuple[Array, Any]:
        x = self.sequences(a)
        n, hidden = x.shape[0], params["W_hh"].shape[1]
        h0 = np.broadcast_to(np.asarray(self.h0 or [0.0] * hidden), (n, hidden))
        c0 = np.broadcast_to(np.asarray(self.c0 or [0.0] * hidden), (n, hidden))
        u = unroll(
            self.cell,
            self.full(params),
            x,
            h0,
            c0 if self.cell.has_cell else None,
            self.conventions,
        )
        h = u.h
        z = h.reshape(n * self.steps, hidden) if self.returns == "sequence" else h[:, -1]
        return z, Cache(u, self.conventions)

    def through(self, params: Params, cache: Any, delta: Array) -> Through:
        """The pass back through time from δ = ∂L/∂(the layer's output)."""
        c: Cache = cache
        given = (self, delta, *params.values())
        for taken, back in c.back:
            if len(taken) == len(given) and all(a is b for a, b in zip(taken, given, strict=True)):
                return back
        u = c.unrolled
        n, hidden = u.x.shape[0], params["W_hh"].shape[1]
        if self.returns == "sequence":
            from_output = delta.reshape(n, self.steps, hidden)
        else:
            from_output = np.zeros((n, self.steps, hidden))
            from_output[:, -1] = delta
        back = through_time(
            self.cell, self.full(params), u, from_output, c.conventions, next_path=self.next_path
        )
        c.back[:] = [(given, back)]
        return back

    def backward(self, params: Params, cache: Any, delta: Array) -> tuple[Array, dict[str, Array]]:
        back = self.through(params, cache, delta)
        if self.last_term_only:
            terms = {"W_ih": back.dW_ih, "W_hh": back.dW_hh, "b_ih": back.db_ih, "b_hh": back.db_hh}
            grads = {key: value[-1] for key, value in terms.items()}
        else:
            grads = back.grads
        if "b" in params:
            grads = {"W_ih": grads["W_ih"], "W_hh": grads["W_hh"], "b": grads["b_ih"]}
        dx = back.dx.reshape(cache.unrolled.x.shape[0], -1).reshape(cache.unrolled.x.shape)
        return dx, {key: grads[key] for key in params}

    def named(self, cache: Any) -> dict[str, Array]:
        c: Cache = cache
        u = c.unrolled
        result = {"h": u.h}
        if u.c0 is not None:
            result["c"] = u.c  # type: ignore[assignment]
        if self.name != "rnn":
            gates = u.states.gates
            for g, block in zip(self.cell.gates, np.split(gates, self.gates, axis=-1), strict=True):
                result[f"gate_{g}"] = block
        return result

    # --- formulas -----------------------------------------------------------

    def param_symbol(self, n: Notation, l: int, base: str, index: tuple[int, ...] | None) -> Expr:
        return steps.param_symbol(n, l, base, index)

    def note(self, n: Notation, l: int) -> Message:
        return steps.note(self, l)

    def z_terms(self, r: LayerValues, s: int, j: int, built: object = range) -> Expr:
        """Which state row s holds: hₜ of its step (h_T for ``return: last``)."""
        t = s % self.steps + 1 if self.returns == "sequence" else self.steps
        hidden = r.layer.params["W_hh"].shape[1]
        return Sym("hstate", (t,) if hidden == 1 else (f"{t},{j + 1}",))

    def forward_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        return steps.forward_steps(self, d, r)

    def gradient_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        return bptt.gradient_steps(self, d, r, self.through(r.layer.params, r.cache, r.delta))

    def pass_back(
        self, d: Deriving, r: LayerValues, s: int | None, j: int | None
    ) -> tuple[Expr, Expr]:
        back = self.through(r.layer.params, r.cache, r.delta)
        return steps.pass_back(self, d, r, back, s, j)

    def sends_back(self, n: Notation, l: int, units: int) -> Expr | None:
        return steps.sent(n, l, not self.cell.gated)

    def chain_to_param(self, n: Notation, l: int) -> tuple[Expr, Expr, Expr] | None:
        return None  # the sums over t are written out instead

    def unit_params(self, layer: Layer, j: int) -> tuple[tuple[Expr, float], ...]:
        return ()

    def link(self, layer: Layer, j: int, k: int) -> tuple[bool, float | None]:
        return True, None  # every input feature feeds every gate of every unit

    def insights(self, r: LayerValues) -> Iterator[tuple[str, Message]]:
        return findings.insights(self, r, self.through(r.layer.params, r.cache, r.delta))

    def mistakes(self) -> tuple[LayerMistake, ...]:
        return findings.mistakes(self)

    def z_formula(self, l: int, prev: str) -> str:
        last = "every hₜ" if self.returns == "sequence" else "h_T"
        return f"{self.name} over {prev}: {last}"

    def pass_back_formula(self, l: int) -> str:
        return f"backpropagation through time from delta{l}"


def _values(r: Any, value: Any, path: tuple[Any, ...], count: int, per: str) -> np.ndarray:
    """A number (every entry) or a list of ``count`` numbers."""
    if is_number(value):
        return np.full(count, r.number(value, path))
    found = r.vector_length(value, path, f"a number or a list of {count}")
    if found != count:
        raise r.error(path, f"expected {plural(count, 'value')} (one per {per}), got {found}")
    return np.asarray(r.vector(value, path, "a vector"), dtype=float)


class Rnn(Recurrent):
    name = "rnn"
    keys = (*COMMON, *EXTRA["rnn"])


class Lstm(Recurrent):
    name = "lstm"
    keys = (*COMMON, *EXTRA["lstm"])


class Gru(Recurrent):
    name = "gru"
    keys = (*COMMON, *EXTRA["gru"])


RNN, LSTM, GRU = Rnn(), Lstm(), Gru()
