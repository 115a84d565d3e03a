"""Dropout, as PyTorch's ``nn.Dropout`` (p is the probability to DROP a unit).

Train mode, with a 0/1 mask m (given, or drawn: keep where ``rng.random(shape) >= p``
with ``numpy.random.default_rng(seed)``, the samples' masks drawn in sample order):

    z = x ⊙ m / (1 − p)      (inverted dropout, the default; PyTorch's)
    z = x ⊙ m                (inverted: false)

and backwards ∂L/∂x = δ ⊙ m / (1 − p) (or δ ⊙ m): a dropped unit passes no gradient.
Eval mode is the identity when inverted, and z = (1 − p)·x when not.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np

from backprop_cli.expr import Expr, Frac, Hadamard, Message, Mul, Sub, Sym, num
from backprop_cli.load.reader import plural, readonly
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
from backprop_cli.nn.layers.shapes import Arrangement, SampleShape
from backprop_cli.notation import Notation
from backprop_cli.records import dataclass
from backprop_cli.solve.steps import Phase, Step

FIELDS: dict[str, str] = {
    "type": "dropout: drop each unit with probability p.",
    "p": "The probability to drop a unit, 0 ≤ p < 1; default 0.5.",
    "keep_prob": "Instead of p: the probability to keep a unit, 1 − p.",
    "mask": "0/1 for each unit: one row per sample, or one row for every sample.",
    "seed": "Instead of mask: draw it, keeping where numpy's default_rng(seed).random() ≥ p.",
    "inverted": "true (the default, PyTorch's): scale the kept units by 1/(1 − p) in train mode.",
    "mode": "train (the default) or eval (no units dropped).",
    "activation": "An activation name, or {name, alpha}, applied after; default identity.",
    "name": "A name shown in the solution.",
}
MODES = ("train", "eval")
P = Sym("p")


@dataclass(frozen=True, eq=False)
class Dropout(KindDefaults):
    """The kind, configured per layer: its p, mask and mode."""

    p: float = 0.5
    mask: Array | None = None
    """N × width, 0 or 1 (train mode)."""
    inverted: bool = True
    train: bool = True
    name = "dropout"
    keys = tuple(FIELDS)
    unit = "unit"
    takes: Arrangement | None = Arrangement.VECTOR
    resizes = False
    weights: ClassVar[tuple[str, ...]] = ()
    biases: ClassVar[tuple[str, ...]] = ()
    z_column: str | None = None

    @property
    def scale(self) -> float:
        """What a kept unit is multiplied by: 1/(1 − p) when inverted (train), else 1."""
        return 1 / (1 - self.p) if self.inverted else 1.0

    def schema(self, words: Mapping[str, Schema]) -> Schema:
        probability: Schema = {"type": "number", "minimum": 0, "exclusiveMaximum": 1}
        properties: dict[str, Schema] = {
            "type": {"const": self.name},
            "p": probability,
            "keep_prob": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "mask": words["matrix"],
            "seed": {"type": "integer", "minimum": 0},
            "inverted": {"type": "boolean"},
            "mode": {"enum": list(MODES)},
            "activation": words["activation"],
            "name": words["text"],
        }
        result = object_schema(FIELDS, properties, ("type",))
        result["not"] = {
            "anyOf": [{"required": ["p", "keep_prob"]}, {"required": ["mask", "seed"]}]
        }
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
        r.keys(value, path, self.keys)
        for one, other in (("p", "keep_prob"), ("mask", "seed")):
            if one in value and other in value:
                raise r.error((*path, other), f"expected {one} or {other}, got both")
        p = 0.5
        if "p" in value:
            p = r.number(value["p"], (*path, "p"), "p: a number")
        elif "keep_prob" in value:
            p = 1 - r.number(value["keep_prob"], (*path, "keep_prob"), "keep_prob: a number")
        if not 0 <= p < 1:
            where = "p" if "p" in value else "keep_prob"
            raise r.error(
                (*path, where), f"expected a probability to drop from 0 to below 1, got {p:g}"
            )
        mode = r.choice(value.get("mode", "train"), (*path, "mode"), "a mode", list(MODES))
        inverted = True
        if "inverted" in value:
            if not isinstance(value["inverted"], bool):
                raise r.fail((*path, "inverted"), "true or false", value["inverted"])
            inverted = value["inverted"]
        samples = reading.samples
        if "mask" in value:
            mask = _mask(r, value["mask"], (*path, "mask"), samples, width)
        else:
            seed = r.integer(
                value.get("seed", 0), (*path, "seed"), "a seed: a whole number ≥ 0", 0, 2**63 - 1
            )
            mask = (np.random.default_rng(seed).random((samples, width)) >= p).astype(float)
        kind = replace(self, p=p, mask=readonly(mask), inverted=inverted, train=mode == "train")
        activation = reading.activation(value.get("activation", "identity"), (*path, "activation"))
        return Layer(index + 1, kind, activation, {}, width, reading.name(value, path))

    # --- values -----------------------------------------------------------

    def _factor(self, a: Array) -> Array:
        """What x is multiplied by, element by element."""
        if self.train:
            assert self.mask is not None
            return self.mask * self.scale  # m/(1 − p), or m
        return np.full_like(a, 1.0 if self.inverted else 1 - self.p)

    def for_samples(self, rows: tuple[int, ...]) -> Dropout:
        """The kind for a mini-batch of these samples: each keeps its own mask."""
        return self if self.mask is None else replace(self, mask=self.mask[list(rows)])

    def forward(self, params: Params, a: Array) -> tuple[Array, Any]:
        return a * self._factor(a), None

    def backward(self, params: Params, cache: Any, delta: Array) -> tuple[Array, dict[str, Array]]:
        return delta * self._factor(delta), {}  # the same mask and scale

    def unit_params(self, layer: Layer, j: int) -> tuple[tuple[Expr, float], ...]:
        return ()

    def link(self, layer: Layer, j: int, k: int) -> tuple[bool, float | None]:
        return k == j, None  # unit j is input j, kept or dropped

    def named(self, cache: Any) -> dict[str, Array]:
        return {"mask": self.mask} if self.train and self.mask is not None else {}

    # --- formulas -----------------------------------------------------------

    def _times(self, x: Expr, m: Expr, p: Expr, whole: bool = False) -> Expr:
        """x·m/(1 − p) or x·m in train mode (x ⊙ m for whole vectors); x or (1 − p)·x in eval."""
        if not self.train:
            return x if self.inverted else Mul((Sub(num(1), p), x))
        kept = Hadamard(x, m) if whole else Mul((x, m))
        return Frac(kept, Sub(num(1), p)) if self.inverted else kept

    def param_symbol(self, n: Notation, l: int, base: str, index: tuple[int, ...] | None) -> Expr:
        raise KeyError(f"a dropout layer has no parameter {base}")

    def note(self, n: Notation, l: int) -> Message:
        if not self.train:
            if self.inverted:
                return ("Dropout in eval mode drops nothing and passes its input on.",)
            return (
                "Dropout in eval mode drops nothing and scales its input by 1 − p = ",
                num(1 - self.p),
                ".",
            )
        scale: Message = ()
        if self.inverted:
            scale = (", and scales the kept ones by 1/(1 − p) = ", num(self.scale))
        return (
            "Dropout in train mode drops each unit with probability p = ",
            num(self.p),
            " (mask m: 0 dropped, 1 kept)",
            *scale,
            "; the backward pass uses the same mask and scale.",
        )

    def z_terms(self, r: LayerValues, s: int, j: int, built: object = range) -> Expr:
        return num(r.z[s, j])

    def forward_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        l, n = r.index, d.n
        mask = self.mask if self.mask is not None else np.ones_like(r.z)
        for s in d.samples if d.small(r) else ():
            for j in range(r.z.shape[1]):
                form = self._times(n.a(l - 1, j, s), n.per_sample("m", l, j, s), P)
                subst = self._times(num(r.a_prev[s, j]), num(mask[s, j]), num(self.p))
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
        form = self._times(n.a(l - 1), n.per_sample("m", l), P, whole=True)
        values = self._times(d.vector(r.a_prev), d.vector(mask), num(self.p), whole=True)
        yield d.step(Phase.FORWARD, f"z{l}", n.z(l), (form,), values, d.per_sample(r.z), layer=l)

    def gradient_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        return iter(())

    def pass_back(
        self, d: Deriving, r: LayerValues, s: int | None, j: int | None
    ) -> tuple[Expr, Expr]:
        """∂L/∂xⱼ = δⱼ·mⱼ/(1 − p): the same mask and scale as the forward pass."""
        l, n = r.index, d.n
        mask = self.mask if self.mask is not None else np.ones_like(r.z)
        if s is not None and j is not None:
            form = self._times(n.delta(l, j, s), n.per_sample("m", l, j, s), P)
            return form, self._times(num(r.delta[s, j]), num(mask[s, j]), num(self.p))
        form = self._times(n.delta(l), n.per_sample("m", l), P, whole=True)
        return form, self._times(d.vector(r.delta), d.vector(mask), num(self.p), whole=True)

    def sends_back(self, n: Notation, l: int, units: int) -> Expr | None:
        return self._times(n.delta(l, "j"), n.per_sample("m", l, "j"), P)

    def chain_to_param(self, n: Notation, l: int) -> tuple[Expr, Expr, Expr] | None:
        return None

    def insights(self, r: LayerValues) -> Iterator[tuple[str, Message]]:
        if not self.train or self.mask is None or not np.any(self.mask == 0):
            return
        dropped = int(np.sum(self.mask == 0))
        yield (
            "dropped_unit",
            (
                f"Dropout in layer {r.index} drops {plural(dropped, 'unit')} (mask 0): a dropped "
                "unit passes no gradient back, so ∂L/∂x is 0 there and the weights feeding it "
                "learn nothing from that sample.",
            ),
        )

    def mistakes(self) -> tuple[LayerMistake, ...]:
        return MISTAKES

    def z_formula(self, l: int, prev: str) -> str:
        return f"{prev} ⊙ mask{l}" + ("/(1 − p)" if self.inverted else "")

    def pass_back_formula(self, l: int) -> str:
        return f"delta{l} ⊙ mask{l}" + ("/(1 − p)" if self.inverted else "")


def _mask(r: Any, value: Any, path: tuple[Any, ...], samples: int, width: int) -> np.ndarray:
    """One row of 0/1 per sample, or one row for every sample."""
    if not isinstance(value, list) or not value:
        raise r.fail(path, "mask: a row of 0/1 or one row per sample", value)
    rows = value if isinstance(value, list) and value and isinstance(value[0], list) else [value]
    shape = r.matrix_shape(rows, path, "mask: a row of 0/1 or one row per sample")
    if shape.cols != width or shape.rows not in (1, samples):
        raise r.error(
            path,
            f"expected {plural(width, 'value')} per row and 1 or {samples} rows (one per sample), "
            f"got {shape}",
        )
    mask = np.asarray(r.matrix(rows, shape), dtype=float)
    if not np.all((mask == 0) | (mask == 1)):
        raise r.error(path, "expected only 0 (dropped) and 1 (kept), got another number")
    return np.broadcast_to(mask, (samples, width)).copy()


MISTAKES = (
    LayerMistake(
        "dropout_scale_forgotten",
        "the dropout scale forgotten",
        ("z",),
        lambda kind: replace(kind, inverted=False),
        (
            "The kept units are not scaled by 1/(1 − p). Inverted dropout divides them by "
            "1 − p in train mode, so that the expected output stays the input.",
        ),
    ),
)

DROPOUT = Dropout()
