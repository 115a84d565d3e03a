"""Max and average pooling over 1-D and 2-D maps, as PyTorch's ``max_pool1d/2d`` and
``avg_pool1d/2d`` (``ceil_mode=False``; average pooling with ``count_include_pad=True``).

Each channel is pooled on its own. A window of k cells per axis moves by the stride s
over the map padded by p cells on each side; along an axis of n cells there are
o = ⌊(n + 2p − k)/s⌋ + 1 windows, and for window (i, j)

    max:      z[c, i, j] = max over the window of a[c, i·s + u − p, j·s + v − p]
              (padding is −∞: it never wins; a tie goes to the first cell in row-major order)
    average:  z[c, i, j] = (1/(k₀k₁)) Σᵤ Σᵥ a[c, i·s + u − p, j·s + v − p]   (padding 0)

Backwards, with δ = ∂L/∂z, max pooling sends each window's δ to the cell that won it
(overlapping windows add up, the other cells get 0); average pooling sends δ/(k₀k₁) to
every cell of the window. The numbers are in `windows`, the formulas in `pool_steps`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from math import prod
from typing import Any, ClassVar

import numpy as np

from backprop_cli.expr import Expr, Message
from backprop_cli.load import caps
from backprop_cli.load.reader import is_number, plural
from backprop_cli.nn.layers import pool_steps
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
from backprop_cli.nn.layers.windows import (
    MaxPooled,
    Windows,
    avg_pool,
    avg_pool_backward,
    max_pool,
    max_pool_backward,
)
from backprop_cli.notation import Notation
from backprop_cli.records import dataclass
from backprop_cli.solve.steps import Step


def _fields(largest: bool, dims: int) -> dict[str, str]:
    each = "a number, or one per axis (height, width)" if dims == 2 else "a number"
    what = "the largest value" if largest else "the mean"
    return {
        "type": f"{'max' if largest else 'avg'}_pool{dims}d: {what} of each window, per channel.",
        "size": f"The window's size: {each}.",
        "stride": f"How far the window moves: {each}; default the size.",
        "padding": (
            f"Cells added on each side ({'−∞: they never win' if largest else 'zeros, counted in the mean'}): "
            f"{each}, at most half the size; default 0."
        ),
        "activation": "An activation name, or {name, alpha}, applied after; default identity.",
        "name": "A name shown in the solution.",
    }


KEYS = ["type", "size", "stride", "padding", "activation", "name"]


@dataclass(frozen=True, eq=False)
class Pooling(KindDefaults):
    """What the four kinds share, configured per layer: its windows (one subclass each
    says its name, what it takes and whether it takes the maximum)."""

    windows: Windows | None = None
    divided: bool = True
    """Average pooling divides each window's sum by its size (not: a common mistake)."""
    spread: bool = False
    """Max pooling's δ shared over the whole window (a common mistake: average-like)."""
    name = ""
    takes = Arrangement.SIGNAL
    """A signal C×L (1-D) or an image C×H×W (2-D)."""
    largest = True
    """Max pooling (else average pooling)."""
    keys = tuple(KEYS)
    unit = "window"
    convention = (
        "Pooling, as PyTorch: max sends each window's gradient to its maximum (the first in "
        "row-major order on a tie), overlapping windows adding up; average divides by the "
        "window's size, padding counted."
    )
    resizes = True
    weights: ClassVar[tuple[str, ...]] = ()
    biases: ClassVar[tuple[str, ...]] = ()

    @property
    def dims(self) -> int:
        return self.takes.ndim - 1

    @property
    def z_column(self) -> str | None:
        return "window → the cell that wins it" if self.largest else "window's sum / its size"

    @property
    def grid(self) -> Windows:
        assert self.windows is not None, "a layer's kind knows its windows"
        return self.windows

    def schema(self, words: Mapping[str, Schema]) -> Schema:
        def per_axis(least: int) -> Schema:
            one: Schema = {"type": "integer", "minimum": least}
            if self.dims == 1:
                return one
            return {"oneOf": [one, {"type": "array", "items": one, "minItems": 2, "maxItems": 2}]}

        properties = {
            "type": {"const": self.name},
            "size": per_axis(1),
            "stride": per_axis(1),
            "padding": per_axis(0),
            "activation": words["activation"],
            "name": words["text"],
        }
        return object_schema(_fields(self.largest, self.dims), properties, ("type", "size"))

    # --- fields and shape rule ------------------------------------------

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
        axes = shape.arrangement.axes[1:]
        if "size" not in value:
            raise r.fail((*path, "size"), f"the window's size: {self._each(axes)}")
        size = self._per_axis(r, value["size"], (*path, "size"), axes, 1)
        stride = size
        if "stride" in value:
            stride = self._per_axis(r, value["stride"], (*path, "stride"), axes, 1)
        padding = (0,) * len(axes)
        if "padding" in value:
            padding = self._per_axis(r, value["padding"], (*path, "padding"), axes, 0)
        for axis, k, p in zip(axes, size, padding, strict=True):
            if 2 * p > k:
                raise r.error(
                    (*path, "padding"),
                    f"expected padding of at most half the window's {axis} ({k} // 2 = {k // 2}, "
                    f"as PyTorch requires: a window of padding alone has no value), got {p}",
                )
        spatial = shape.dims[1:]
        for axis, n, k, p in zip(axes, spatial, size, padding, strict=True):
            if k > n + 2 * p:
                raise r.error(
                    (*path, "size"),
                    f"expected a window that fits the input's {axis} ({n} + 2·{p} padding = "
                    f"{n + 2 * p} cells), got {k}",
                )
        windows = Windows(spatial, size, stride, padding)
        channels = shape.dims[0]
        reading.hold(channels * prod(windows.out) * windows.cells, path)  # the windows' cells
        out = SampleShape(shape.arrangement, (channels, *windows.out))
        if rows is not None and out.size != rows:
            raise r.error(
                path,
                f"expected windows giving {plural(rows, 'value')} (the target's), got "
                f"{out.describe()}",
            )
        activation = reading.activation(value.get("activation", "identity"), (*path, "activation"))
        kind = replace(self, windows=windows)
        return Layer(
            index + 1, kind, activation, {}, out.size, reading.name(value, path), shape=out
        )

    def _each(self, axes: Sequence[str]) -> str:
        if len(axes) == 1:
            return "a whole number"
        return f"a whole number or one per axis ({', '.join(axes)})"

    def _per_axis(
        self, r: Any, value: Any, path: tuple[Any, ...], axes: Sequence[str], least: int
    ) -> tuple[int, ...]:
        """A whole number ≥ least for every axis, or (2-D) a list of one per axis."""
        what = f"{self._each(axes)}, each ≥ {least}"
        high = caps.MAX_WIDTH
        if is_number(value):
            return (r.integer(value, path, what, least, high),) * len(axes)
        if not isinstance(value, list) or len(axes) == 1 or len(value) != len(axes):
            raise r.fail(path, what, value)
        return tuple(r.integer(v, (*path, i), what, least, high) for i, v in enumerate(value))

    # --- values -----------------------------------------------------------

    def forward(self, params: Params, a: Array) -> tuple[Array, Any]:
        w = self.grid
        if self.largest:
            pooled = max_pool(w, a)
            return pooled.out, pooled
        z = avg_pool(w, a)
        return (z if self.divided else z * w.cells), None

    def backward(self, params: Params, cache: Any, delta: Array) -> tuple[Array, dict[str, Array]]:
        w = self.grid
        if self.largest and not self.spread:
            return max_pool_backward(w, cache, delta), {}
        return avg_pool_backward(w, delta), {}  # δ/(k₀k₁) to every cell of the window

    def named(self, cache: Any) -> dict[str, Array]:
        """Max pooling's ``argmax``: each window's winner as a flat row-major index into its
        channel's input map (PyTorch's ``return_indices``)."""
        if not self.largest:
            return {}
        pooled: MaxPooled = cache
        return {"argmax": pooled.argmax}

    def unit_params(self, layer: Layer, j: int) -> tuple[tuple[Expr, float], ...]:
        return ()

    def link(self, layer: Layer, j: int, k: int) -> tuple[bool, float | None]:
        """Window j (flat, channel first) feeds on input cell k (flat) when k is one of its cells."""
        w = self.grid
        windows, cells = prod(w.out), prod(w.spatial)
        if j // windows != k // cells:
            return False, None
        return bool(np.any(w.window_cells(j % windows) == k % cells)), None

    # --- formulas (`pool_steps`) --------------------------------------------

    def param_symbol(self, n: Notation, l: int, base: str, index: tuple[int, ...] | None) -> Expr:
        raise KeyError(f"a {self.name} layer has no parameter {base}")

    def note(self, n: Notation, l: int) -> Message:
        return pool_steps.note(self, n, l)

    def z_terms(
        self, r: LayerValues, s: int, j: int, built: Callable[[int], Sequence[int]] = range
    ) -> Expr:
        return pool_steps.z_terms(self, r, s, j, built)

    def forward_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        return pool_steps.forward_steps(self, d, r)

    def gradient_steps(self, d: Deriving, r: LayerValues) -> Iterator[Step]:
        return pool_steps.routing_steps(self, d, r)

    def pass_back(
        self, d: Deriving, r: LayerValues, s: int | None, j: int | None
    ) -> tuple[Expr, Expr]:
        return pool_steps.pass_back(self, d, r, s, j)

    def sends_back(self, n: Notation, l: int, units: int) -> Expr | None:
        return pool_steps.sends_back(self, n, l)

    def chain_to_param(self, n: Notation, l: int) -> tuple[Expr, Expr, Expr] | None:
        return None

    # --- what is worth a student's attention ---------------------------------

    def insights(self, r: LayerValues) -> Iterator[tuple[str, Message]]:
        if not self.largest:
            return
        pooled: MaxPooled = r.cache
        w, l = self.grid, r.index
        cells = r.a_prev.size
        winners = len(np.unique(_global_winners(pooled.argmax, prod(w.spatial))))
        if w.cells > 1:
            yield (
                "max_pool_routing",
                (
                    f"Max pooling in layer {l} sends each window's gradient to the one cell that "
                    f"won it; the window's other {plural(w.cells - 1, 'cell')} get 0 from it. Here "
                    f"{plural(winners, 'input cell')} of {cells} win a window, and the other "
                    f"{cells - winners} receive no gradient at all.",
                ),
            )
        tied = pooled.ties > 1
        if np.any(tied):
            first = tuple(int(i) for i in np.argwhere(tied)[0])
            sample, channel, place = first[0], first[1], first[2:]
            count = int(pooled.ties[first])
            where = pool_steps.window_words(place, sample if r.a_prev.shape[0] > 1 else None)
            winner = pool_steps.cell_words(int(pooled.argmax[first]), w.spatial)
            yield (
                "max_pool_tie",
                (
                    f"A tie in layer {l}: {plural(int(np.sum(tied)), 'window')} hold their maximum "
                    f"in more than one cell. In {where} of channel {channel + 1}, {count} cells hold "
                    f"{pooled.out[first]:g}; the first in row-major order, {winner}, wins and takes "
                    "the whole gradient (as PyTorch does), the others get none of it.",
                ),
            )

    def mistakes(self) -> tuple[LayerMistake, ...]:
        return MAX_MISTAKES if self.largest else AVERAGE_MISTAKES

    def z_formula(self, l: int, prev: str) -> str:
        if self.largest:
            return f"the largest value of each window of {prev}"
        return f"the sum of each window of {prev} / {self.grid.cells}"

    def pass_back_formula(self, l: int) -> str:
        if self.largest:
            return f"delta{l} routed to the cell that won each window"
        return f"delta{l}/{self.grid.cells} to every cell of its window"


def _global_winners(argmax: Array, cells: int) -> Array:
    """The winners as flat indices over every sample and channel (so that they can be told
    apart across maps)."""
    n, c = argmax.shape[:2]
    maps = np.arange(n * c).reshape(n, c, *([1] * (argmax.ndim - 2)))
    return (maps * cells + argmax).ravel()


MAX_MISTAKES = (
    LayerMistake(
        "max_pool_gradient_spread",
        "max-pool gradient spread over the window",
        ("delta", "dx"),
        lambda kind: replace(kind, spread=True),
        (
            "The gradient is shared over every cell of the window, as average pooling does. "
            "Max pooling sends each window's δ to the one cell that won it (the first in "
            "row-major order on a tie); the other cells get 0.",
        ),
        backward=True,
    ),
)
AVERAGE_MISTAKES = (
    LayerMistake(
        "avg_pool_not_divided",
        "average pool not divided by the window's size",
        ("z",),
        lambda kind: replace(kind, divided=False),
        (
            "Each window's sum is not divided by the window's size. Average pooling is the sum "
            "over the window's k₀·k₁ cells divided by k₀·k₁ (padding cells counted, as PyTorch's "
            "default).",
        ),
    ),
)


class MaxPool1d(Pooling):
    name = "max_pool1d"


class MaxPool2d(Pooling):
    name = "max_pool2d"
    takes = Arrangement.IMAGE


class AvgPool1d(Pooling):
    name = "avg_pool1d"
    largest = False


class AvgPool2d(Pooling):
    name = "avg_pool2d"
    takes = Arrangement.IMAGE
    largest = False


MAX_POOL1D, MAX_POOL2D = MaxPool1d(), MaxPool2d()
AVG_POOL1D, AVG_POOL2D = AvgPool1d(), AvgPool2d()
