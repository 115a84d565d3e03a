"""The numbers of a convolution layer, for any number of spatial axes (1: C×L, 2: C×H×W).

Cross-correlation, as PyTorch's ``conv1d``/``conv2d``: with stride s, padding
p (zeros) and dilation d on each axis (shown for two),

    y[n, o, i, j] = b[o] + Σ_c Σ_u Σ_v W[o, c, u, v] · x[n, c, i·s + u·d − p, j·s + v·d − p]

and backwards, with δ = ∂L/∂y,

    ∂L/∂W[o, c, u, v] = Σ_n Σ_i Σ_j δ[n, o, i, j] · x[n, c, i·s + u·d − p, j·s + v·d − p]
    ∂L/∂b[o]          = Σ_n Σ_i Σ_j δ[n, o, i, j]
    ∂L/∂x[n, c, h, w] = Σ_o Σ_u Σ_v δ[n, o, (h + p − u·d)/s, (w + p − v·d)/s] · W[o, c, u, v]
                        (the terms whose δ index is whole and inside)

The last is the full correlation of δ (dilated by the stride) with the kernel
rotated by 180°. The windows are strided views of the padded input
(`numpy.lib.stride_tricks.sliding_window_view`), contracted with the kernel
by `numpy.tensordot`: no loop over positions; ∂L/∂x loops over the kernel's
cells only, adding one strided slice each.
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from backprop_cli.records import dataclass

Array = np.ndarray
BOTH = (slice(None), slice(None))
"""Every sample and every channel: the first two axes of a batch, or of a kernel."""


@dataclass(frozen=True)
class Geometry:
    """How a kernel slides over an input, one entry per spatial axis."""

    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]

    @property
    def axes(self) -> int:
        return len(self.stride)

    def span(self, k: int, axis: int) -> int:
        """The input cells a kernel of k cells covers along ``axis``: d(k − 1) + 1."""
        return self.dilation[axis] * (k - 1) + 1

    def out_size(self, n: int, k: int, axis: int) -> int:
        """⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1 (below 1: the kernel does not fit)."""
        s, p, d = self.stride[axis], self.padding[axis], self.dilation[axis]
        return (n + 2 * p - d * (k - 1) - 1) // s + 1

    def out_shape(self, spatial: tuple[int, ...], kernel: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(
            self.out_size(n, k, i) for i, (n, k) in enumerate(zip(spatial, kernel, strict=True))
        )

    def padded(self, a: Array) -> Array:
        """The input with p zeros on both sides of each spatial axis (a batch N × C × …)."""
        if not any(self.padding):
            return a
        return np.pad(a, [(0, 0), (0, 0), *((p, p) for p in self.padding)])

    def windows(self, a: Array, kernel: tuple[int, ...]) -> Array:
        """N × C × (output positions…) × (kernel cells…): the input cells each kernel cell
        meets at each position (a view of the padded input, nothing copied)."""
        k = self.axes
        spans = tuple(self.span(n, i) for i, n in enumerate(kernel))
        view = sliding_window_view(self.padded(a), spans, axis=tuple(range(2, 2 + k)))
        positions = tuple(slice(None, None, s) for s in self.stride)
        cells = tuple(slice(None, None, d) for d in self.dilation)
        return view[BOTH + positions + cells]


def forward(geometry: Geometry, W: Array, b: Array, a: Array) -> Array:
    """y = b + the correlation of a (N × C × …) with W (O × C × k…): N × O × (out…)."""
    k = geometry.axes
    kernel = tuple(int(n) for n in W.shape[2:])
    v = geometry.windows(a, kernel)
    # Σ over c and the kernel cells: windows (N, C, out…, k…) · W (O, C, k…) → (N, out…, O)
    z = np.tensordot(v, W, axes=([1, *range(2 + k, 2 + 2 * k)], [1, *range(2, 2 + k)]))
    z = np.moveaxis(z, -1, 1)
    return z + b.reshape(1, -1, *([1] * k))


def weight_gradient(geometry: Geometry, a: Array, delta: Array, kernel: tuple[int, ...]) -> Array:
    """∂L/∂W: the correlation of the input with δ, summed over the samples: O × C × k…."""
    k = geometry.axes
    v = geometry.windows(a, kernel)
    # Σ over n and the output positions: δ (N, O, out…) · windows (N, C, out…, k…)
    return np.tensordot(delta, v, axes=([0, *range(2, 2 + k)], [0, *range(2, 2 + k)]))


def input_gradient(
    geometry: Geometry, W: Array, delta: Array, shape: tuple[int, ...], stride: bool = True
) -> Array:
    """∂L/∂x (N × C × …, the input's ``shape``): each kernel cell sends δ·W back to the cells
    it met. ``stride`` False is the mistake of forgetting it (δ not spread out by s)."""
    inside = tuple(slice(p, p + n) for p, n in zip(geometry.padding, shape[2:], strict=True))
    return spread(geometry, W, delta, shape, stride)[BOTH + inside]


def spread(
    geometry: Geometry, W: Array, delta: Array, shape: tuple[int, ...], stride: bool = True
) -> Array:
    """∂L/∂ of the padded input (padding included): N × C × (n + 2p)…."""
    k = geometry.axes
    kernel = tuple(int(n) for n in W.shape[2:])
    steps = geometry.stride if stride else (1,) * k
    padded = [n + 2 * p for n, p in zip(shape[2:], geometry.padding, strict=True)]
    out = delta.shape[2:]
    grad = np.zeros((shape[0], shape[1], *padded))
    # δ (N, O, out…) · W (O, C, k…) → (N, out…, C, k…): what each kernel cell sends back
    sent = np.tensordot(delta, W, axes=([1], [0]))
    for cell in itertools.product(*(range(n) for n in kernel)):  # the kernel's cells only
        start = [u * d for u, d in zip(cell, geometry.dilation, strict=True)]
        where = tuple(
            slice(st, st + s * (n - 1) + 1, s) for st, s, n in zip(start, steps, out, strict=True)
        )
        every: tuple[slice, ...] = (slice(None),) * (k + 2)
        part = sent[every + cell]  # (N, out…, C) of this kernel cell
        grad[BOTH + where] += np.moveaxis(part, -1, 1)
    return grad


def padding_gradient(geometry: Geometry, W: Array, delta: Array, shape: tuple[int, ...]) -> Array:
    """The gradient that reaches the padding's zeros, of each sample and channel (N × C):
    thrown away, since they are no inputs."""
    full = spread(geometry, W, delta, shape)
    inside = tuple(slice(p, p + n) for p, n in zip(geometry.padding, shape[2:], strict=True))
    axes = tuple(range(2, full.ndim))
    kept = full[BOTH + inside]
    return np.sum(np.abs(full), axis=axes) - np.sum(np.abs(kept), axis=axes)


def rotated(W: Array) -> Array:
    """The kernel rotated by 180°: reversed along every spatial axis."""
    return W[BOTH + (slice(None, None, -1),) * (W.ndim - 2)]
