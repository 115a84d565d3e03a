"""The layer-kind protocol: what one kind of layer answers, so that nothing else asks.

A layer of the network is a kind's transform followed by an activation:

    z⁽ˡ⁾ = T(a⁽ˡ⁻¹⁾; θ⁽ˡ⁾)      (dense: W a + b; an activation layer: a itself)
    a⁽ˡ⁾ = f(z⁽ˡ⁾)

Arrays are batches, (N, *sample_shape): the kind decides what a sample's
shape is. Each kind (one module in `nn/layers/`) gives side by side:

- its **fields** and **shape rule**, by reading its mapping (`read`);
- ``forward(params, a) → (z, cache)`` and
  ``backward(params, cache, delta) → (grad_in, grads)``;
- its formulas as expression trees, as steps of the worked solution
  (`forward_steps`, `gradient_steps`, `pass_back`);
- its **named quantities** (report and ``check``): its parameters by their
  base names (``W``, ``b``; ``gamma``, ``beta``), ``name{i}`` in reports.

The engine, the derivation, the grader and the renderers loop over layers
and ask their kind; none of them tests which kind it holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import field
from typing import Any, ClassVar, Protocol

import numpy as np

from backprop_cli.expr import Add, Call, Expr, Matrix, Message
from backprop_cli.load.reader import is_number, plural
from backprop_cli.nn.activations import Activation
from backprop_cli.nn.initializers import Init
from backprop_cli.nn.layers.shapes import Arrangement, SampleShape
from backprop_cli.notation import Notation
from backprop_cli.records import dataclass
from backprop_cli.solve.steps import Phase, Step

Array = np.ndarray
Params = Mapping[str, Array]
"""A layer's parameters by base name: ``{"W": …, "b": …}`` (empty for none)."""
Built = Callable[[int], Sequence[int]]
"""Which of a sum's n terms to build (`LayerKind.z_terms`): all, or those a format shows."""


@dataclass(frozen=True)
class Layer:
    """One layer, numbered from 1 in file order: its kind, parameters and activation."""

    index: int
    kind: LayerKind
    activation: Activation
    params: Params = field(default_factory=dict)
    width: int = 0
    """Values of the layer's output per sample (``shape.size``)."""
    name: str | None = None
    init: Init | None = None
    shape: SampleShape | None = None
    """The per-sample shape of its output; given none, a vector of ``width``."""

    def __post_init__(self) -> None:
        if self.shape is None:
            object.__setattr__(self, "shape", SampleShape.vector(self.width))
        elif self.width == 0:
            object.__setattr__(self, "width", self.shape.size)
        assert self.output.size == self.width, "width is the shape's size"

    @property
    def output(self) -> SampleShape:
        """Its output's per-sample shape (never None once built)."""
        assert self.shape is not None
        return self.shape

    @property
    def parameters(self) -> int:
        return sum(int(value.size) for value in self.params.values())

    def param_name(self, base: str) -> str:
        """``W`` of layer 2 → ``W2``, as in the report."""
        return f"{base}{self.index}"


class LayerValues(Protocol):
    """What a kind reads of a layer's solved values (`solve.records.LayerResult`)."""

    @property
    def layer(self) -> Layer: ...

    @property
    def index(self) -> int: ...

    @property
    def a_prev(self) -> Array: ...

    @property
    def z(self) -> Array: ...

    @property
    def delta(self) -> Array: ...

    @property
    def grads(self) -> Params: ...

    @property
    def cache(self) -> Any: ...


class Deriving(Protocol):
    """What a kind's formulas need of the derivation (`derive.context.Context`)."""

    n: Notation
    samples: range
    """The samples derived element by element (none for a large batch)."""

    @property
    def batched(self) -> bool: ...

    def small(self, result: LayerValues) -> bool: ...

    def shows_elements(self, l: int) -> bool:
        """Whether layer ``l`` is derived element by element (`small`)."""
        ...

    def name(self, base: str, sample: int, *index: int) -> str: ...

    def vector(self, values: Array) -> Matrix: ...

    def per_sample(self, values: Array) -> Array: ...

    def step(
        self,
        phase: Phase,
        symbol: str,
        lhs: Expr,
        forms: tuple[Expr, ...],
        substitution: Expr | None,
        value: Array | float,
        *,
        layer: int | None = None,
        sample: int | None = None,
        element: bool | None = None,
        assign: bool = False,
    ) -> Step: ...


class LayerReading(Protocol):
    """What a kind's `read` may ask of the network reader (`load.network.NetworkReader`)."""

    @property
    def r(self) -> Any:
        """The typed reader (`load.reader.Reader`): numbers, shapes, keys, errors."""
        ...

    def name(self, value: dict[str, Any], path: tuple[Any, ...]) -> str | None: ...

    def activation(self, value: Any, path: tuple[Any, ...]) -> Activation: ...

    def count_parameters(self, count: int, path: tuple[Any, ...]) -> None: ...

    def count_products(self, count: int) -> None:
        """Multiply-adds per sample a layer's forward pass makes beyond one per parameter (a
        convolution reuses each weight at every position), for the work cap."""

    def hold(self, count: int, path: tuple[Any, ...]) -> None:
        """The layer's forward pass holds ``count`` values per sample besides its output (a
        pooling layer's windows), counted against the cap on one forward pass's values."""
        ...

    def check_target_width(self, values: int, outputs: int, index: int) -> None:
        """Refuse a list target of ``values`` values when the last resizing layer (layers[index])
        gives ``outputs``: the message blames the target, not the layer."""
        ...

    @property
    def samples(self) -> int:
        """The problem's number of samples (a batch statistic needs at least 2)."""
        ...

    @property
    def batch(self) -> int | None:
        """The samples of each update's mini-batch as ``batch_size`` writes it (None: all)."""
        ...


Schema = dict[str, Any]


@dataclass(frozen=True)
class LayerMistake:
    """A common mistake in a layer of some kind, for ``check``'s diagnosis: the layer's
    forward pass made with it (``mistaken``) gives the wrong ``quantities``; a mistake of the
    ``backward`` pass shows in what the layer sends back (the δ of the layer below, or dx)."""

    kind: str
    title: str
    quantities: tuple[str, ...]
    """The quantities of the layer it shows in (``var``, ``x_hat``, ``z``)."""
    mistaken: Callable[[Any], Any]
    """The layer's kind made with the mistake (e.g. batch norm with the unbiased variance)."""
    explanation: Message
    backward: bool = False
    """Made in the layer's backward pass: the gradient it sends to its input is wrong."""


def object_schema(
    described: Mapping[str, str], properties: Mapping[str, Schema], required: tuple[str, ...] = ()
) -> Schema:
    """A JSON Schema object with exactly the keys of ``described``, each with its meaning."""
    assert set(properties) == set(described), "every key needs a schema, and only the keys"
    result: Schema = {
        "type": "object",
        "properties": {
            key: {**properties[key], "description": described[key]} for key in described
        },
        "additionalProperties": False,
    }
    if required:
        result["required"] = list(required)
    return result


class LayerKind(Protocol):
    """One kind of layer (SPEC section 4's ``type``)."""

    name: str
    keys: tuple[str, ...]
    """The keys a layer of this kind may hold (the schema and the loader use them)."""

    def schema(self, words: Mapping[str, Schema]) -> Schema:
        """The JSON Schema of a layer of this kind; ``words`` holds the shared pieces
        (``number``, ``positive``, ``text``, and references to ``vector``, ``matrix``,
        ``activation``, ``init``)."""
        ...

    resizes: bool
    """Its output width is its own (dense), not its input's: the target's width is asked
    of the last such layer."""
    unit: str
    """What one of its outputs is called in tables and headings: ``neuron``, ``feature``."""

    @property
    def convention(self) -> str | None:
        """How its parameters are laid out, for the solution's conventions (dense: row j of W
        is neuron j's weights); None for a kind that states its own before its steps (`note`)."""
        ...

    @property
    def takes(self) -> Arrangement | None:
        """The arrangement its input must have (`shapes`); None: any (an activation layer
        keeps its input's shape, flatten makes a vector of it)."""
        ...

    @property
    def weights(self) -> tuple[str, ...]:
        """Its parameters a weight penalty (``regularization``) covers: dense's W, never γ or β."""
        ...

    @property
    def biases(self) -> tuple[str, ...]:
        """Its parameters the penalty covers only with ``include_bias``: dense's b."""
        ...

    def implied_by(self, value: Mapping[str, object]) -> bool:
        """Whether a layer without ``type`` is of this kind (``weights`` or ``units``: dense)."""
        ...

    def read(
        self,
        reading: LayerReading,
        value: dict[str, Any],
        index: int,
        shape: SampleShape,
        rows: int | None,
    ) -> Layer:
        """The layer of mapping ``value`` (``layers[index]``) taking samples of ``shape``
        (of the arrangement it `takes`); ``rows``: the output width the target asks of the
        last parameterised layer."""
        ...

    def forward(self, params: Params, a: Array) -> tuple[Array, Any]:
        """z from the layer's input a (N, *shape), and what backward needs."""
        ...

    def backward(self, params: Params, cache: Any, delta: Array) -> tuple[Array, dict[str, Array]]:
        """∂L/∂a_prev and ∂L/∂θ for each parameter, from δ = ∂L/∂z. A kind may also have
        ``param_gradients(params, cache, delta)``, the ∂L/∂θ alone, which the engine calls
        for a first layer whose ∂L/∂x no one reads (training steps after the first)."""
        ...

    def forward_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        """The steps of z (nothing when z is the input itself)."""
        ...

    def gradient_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        """The steps of ∂L/∂θ for each parameter."""
        ...

    def pass_back(
        self, d: Deriving, r: LayerValues, s: int | None, j: int | None
    ) -> tuple[Expr, Expr]:
        """∂L/∂a_prev as formula and substitution: element j of sample s, or the whole
        (``s``/``j`` None) — the gradient this layer sends to the one below."""
        ...

    def param_symbol(self, n: Notation, l: int, base: str, index: tuple[int, ...] | None) -> Expr:
        """The symbol of parameter ``base`` of layer ``l`` (W⁽ˡ⁾), or of one entry (wⱼₖ⁽ˡ⁾)."""
        ...

    def sends_back(self, n: Notation, l: int, units: int) -> Expr | None:
        """∂L/∂aⱼ⁽ˡ⁻¹⁾ with generic indices (Σᵢ wᵢⱼ δᵢ), for the chain rule's words; None
        when it is δⱼ itself."""
        ...

    def note(self, n: Notation, l: int) -> Message:
        """What the forward pass says of the layer before its steps (empty: nothing)."""
        ...

    @property
    def z_column(self) -> str | None:
        """The neuron table's column of how z is made (None: z is the input itself)."""
        ...

    def z_terms(self, r: LayerValues, s: int, j: int, built: Built = range) -> Expr:
        """That column's entry for unit j of sample s, with its numbers (w·a + … + b).

        ``built(n)``: which of a sum's n terms to build (a human format shows only
        the first and the last of a long one)."""
        ...

    def chain_to_param(self, n: Notation, l: int) -> tuple[Expr, Expr, Expr] | None:
        """The chain rule's last link to a parameter, with generic indices: the parameter
        (wⱼₖ), ∂zⱼ/∂wⱼₖ, and the result (δⱼaₖ); None for a layer without parameters."""
        ...

    def unit_params(self, layer: Layer, j: int) -> tuple[tuple[Expr, float], ...]:
        """Unit j's own parameters as (symbol, value), written in its box of the network's
        drawing (dense: its bias b)."""
        ...

    def link(self, layer: Layer, j: int, k: int) -> tuple[bool, float | None]:
        """For the network's drawing: whether unit k of the layer's input feeds its unit j,
        and the weight written on that edge (None: an edge without a label)."""
        ...

    def named(self, cache: Any) -> dict[str, Array]:
        """The kind's own quantities from its forward pass, by report name (batch norm's
        ``mean``, ``var``, ``x_hat``): in the report's layer and gradable by ``check``."""
        ...

    def insights(self, r: LayerValues) -> Iterator[tuple[str, Message]]:
        """What is worth a student's attention in this layer's values: (kind, message)."""
        ...

    def mistakes(self) -> tuple[LayerMistake, ...]:
        """The common mistakes of this kind (besides the activation's and the loss's)."""
        ...

    def z_formula(self, l: int, prev: str) -> str:
        """z of layer ``l`` in the answers file's names (``W2·a1 + b2``), for ``check``."""
        ...

    def pass_back_formula(self, l: int) -> str:
        """∂L/∂a_prev in the answers file's names (``W2ᵀ·delta2``), for ``check``."""
        ...


class KindDefaults:
    """What most layer kinds answer alike, inherited so that each says only its own: chosen by
    ``type:`` alone, no layout to state, no quantities, insights or mistakes of its own."""

    convention: ClassVar[str | None] = None

    def implied_by(self, value: Mapping[str, object]) -> bool:
        return False

    def named(self, cache: Any) -> dict[str, Array]:
        return {}

    def insights(self, r: LayerValues) -> Iterator[tuple[str, Message]]:
        return iter(())

    def mistakes(self) -> tuple[LayerMistake, ...]:
        return ()


def per_feature(r: Any, value: Any, path: tuple[Any, ...], width: int) -> np.ndarray:
    """A value per feature, as a layer's γ, β or running statistics are given: a number
    (every feature) or a list of ``width``; ``r`` is the typed reader."""
    if is_number(value):
        return np.full(width, r.number(value, path))
    found = r.vector_length(value, path, f"a number or a list of {width}")
    if found != width:
        raise r.error(path, f"expected {plural(width, 'value')} (one per feature), got {found}")
    return np.asarray(r.vector(value, path, "a vector"), dtype=float)


def root(var: Expr, eps: Expr) -> Expr:
    """√(σ² + ε), the normalisations' denominator."""
    return Call("sqrt", (Add((var, eps)),))
