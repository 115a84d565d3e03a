"""Reading a ``conv1d``/``conv2d`` layer's keys, checked against its input's shape.

Every size is checked before anything is allocated: the kernel's nesting, its
input channels against the input's, the output size along each axis (at least
1), the parameters against the network's cap and the windows the forward pass
unfolds against `caps.MAX_UNFOLDED`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from backprop_cli.load import caps as limits
from backprop_cli.load.arrays import depth, nested, nested_shape
from backprop_cli.load.reader import is_number, plural, readonly
from backprop_cli.nn.initializers import Init, draw
from backprop_cli.nn.layers.base import LayerReading
from backprop_cli.nn.layers.conv_core import Geometry
from backprop_cli.nn.layers.init_spec import read_init
from backprop_cli.nn.layers.shapes import SampleShape
from backprop_cli.records import dataclass

FIELDS: dict[str, str] = {
    "type": "conv1d (C×L samples) or conv2d (C×H×W samples).",
    "weights": (
        "The kernel, C_out × C_in × k (conv1d) or C_out × C_in × kh × kw (conv2d); fewer "
        "levels get leading 1s: for conv2d a matrix is one filter of one channel."
    ),
    "filters": "Instead of weights: the number of filters (output channels), drawn by init.",
    "kernel_size": "With filters: the kernel's size, a number or one per spatial axis.",
    "init": "With filters: how to draw the weights, {scheme, seed}; fan_in = C_in·kernel cells.",
    "bias": "A number (every filter) or a list with one value per filter; default 0.",
    "stride": "How far the kernel moves, a number or one per spatial axis; default 1.",
    "padding": "Zeros added on each side, a number or one per spatial axis; default 0.",
    "dilation": "The spacing of the kernel's cells, a number or one per spatial axis; default 1.",
    "flip": "true: convolution (the kernel rotated by 180° first); default false: correlation.",
    "activation": "An activation name, or {name, alpha}, applied after; default identity.",
    "name": "A name shown in the solution.",
}


@dataclass(frozen=True)
class ConvRead:
    W: np.ndarray
    b: np.ndarray
    geometry: Geometry
    flip: bool
    out: tuple[int, ...]
    """The output's size along each spatial axis."""
    init: Init | None


def read_conv(
    reading: LayerReading, value: dict[str, Any], index: int, shape: SampleShape, axes: int
) -> ConvRead:
    r, path = reading.r, ("layers", index)
    r.keys(value, path, tuple(FIELDS))
    channels, spatial = shape.dims[0], shape.dims[1:]
    geometry = Geometry(
        _per_axis(r, value, path, "stride", axes, 1),
        _per_axis(r, value, path, "padding", axes, 0),
        _per_axis(r, value, path, "dilation", axes, 1),
    )
    flip = False
    if "flip" in value:
        if not isinstance(value["flip"], bool):
            raise r.fail((*path, "flip"), "true or false", value["flip"])
        flip = value["flip"]
    if "weights" in value and "filters" in value:
        raise r.error((*path, "filters"), "expected weights or filters, got both")
    if "weights" in value:
        for key in ("kernel_size", "init"):
            if key in value:
                raise r.error(
                    (*path, key), f"expected {key} only with filters, got it beside weights"
                )
        kernel_path = (*path, "weights")
        kernel = _kernel_shape(r, value["weights"], kernel_path, axes, channels, shape)
    elif "filters" in value:
        kernel_path = (*path, "kernel_size")
        filters = r.integer(
            value["filters"],
            (*path, "filters"),
            f"a whole number of filters from 1 to {limits.MAX_WIDTH:,}",
            1,
            limits.MAX_WIDTH,
        )
        for key in ("kernel_size", "init"):
            if key not in value:
                raise r.fail((*path, key), f"{key} beside filters")
        kernel = (filters, channels, *_per_axis(r, value, path, "kernel_size", axes, 1))
    else:
        raise r.fail(path, "a kernel: weights, or filters with kernel_size and init", value)
    out = _out_shape(r, kernel_path, geometry, spatial, kernel[2:], shape)
    unfolded = reading.samples * channels * math.prod(out) * math.prod(kernel[2:])
    if unfolded > limits.MAX_UNFOLDED:
        raise r.error(
            kernel_path,
            f"expected at most {limits.MAX_UNFOLDED:,} window values (samples × input channels "
            f"× output positions × kernel cells, the size cap), got {unfolded:,}",
        )
    products = unfolded * kernel[0]
    if products > limits.MAX_CONV_PRODUCTS:
        raise r.error(
            kernel_path,
            f"expected at most {limits.MAX_CONV_PRODUCTS:,} multiply-adds in the layer's "
            f"forward pass (window values × filters, the size cap), got {products:,}",
        )
    reading.count_parameters(math.prod(kernel) + kernel[0], kernel_path)
    reading.count_products(max(0, products // reading.samples - math.prod(kernel)))
    init: Init | None = None
    if "weights" in value:
        W = nested(r, value["weights"], kernel_path, depth(value["weights"]), "a kernel")
        W = W.reshape(kernel)
    else:
        scheme, seed, parameter = read_init(r, value["init"], (*path, "init"))
        fan = math.prod(kernel[1:])  # fan_in = C_in·kernel cells, as torch.nn.init
        fan_out = kernel[0] * math.prod(kernel[2:])
        drawn, init = draw(scheme, kernel[0], fan, seed, parameter, fan_out)
        W = drawn.reshape(kernel)
    filters = kernel[0]
    bias = r.attempt(lambda: _bias(r, value.get("bias", 0.0), (*path, "bias"), filters))
    b = np.zeros(filters) if bias is None else bias
    return ConvRead(readonly(W), readonly(b), geometry, flip, out, init)


def _per_axis(
    r: Any, value: dict[str, Any], path: tuple[Any, ...], key: str, axes: int, low: int
) -> tuple[int, ...]:
    """A number for every spatial axis, or a list of one per axis."""
    default = 0 if key == "padding" else 1
    if key not in value:
        return (default,) * axes
    found, where = value[key], (*path, key)
    high = limits.MAX_WIDTH
    what = f"{key}: a whole number ≥ {low}" + (
        f" or a list of {axes}, one per axis" if axes > 1 else ""
    )
    if isinstance(found, list):
        if len(found) != axes:
            raise r.fail(where, what, found)
        return tuple(r.integer(item, (*where, i), what, low, high) for i, item in enumerate(found))
    return (r.integer(found, where, what, low, high),) * axes


def _kernel_shape(
    r: Any, value: Any, path: tuple[Any, ...], axes: int, channels: int, shape: SampleShape
) -> tuple[int, ...]:
    """C_out × C_in × kernel, with leading 1s for fewer levels; C_in must be the input's."""
    levels = depth(value)
    names = {1: "k", 2: "kh × kw"}[axes]
    what = f"a kernel: C_out × C_in × {names} nested lists (fewer levels: leading 1s)"
    if not axes <= levels <= axes + 2:
        raise r.fail(path, what, value)
    found = nested_shape(r, value, path, levels, what)
    kernel = (1,) * (axes + 2 - levels) + found
    if kernel[1] != channels:
        raise r.error(
            path,
            f"expected a kernel of {plural(channels, 'input channel')} (the input is "
            f"{shape.describe()}), got {kernel[1]}: C_out × C_in × {names} is "
            f"{'×'.join(map(str, kernel))}",
        )
    return kernel


def _out_shape(
    r: Any,
    path: tuple[Any, ...],
    geometry: Geometry,
    spatial: tuple[int, ...],
    kernel: tuple[int, ...],
    shape: SampleShape,
) -> tuple[int, ...]:
    """⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1 along each axis: at least 1, or the kernel does not fit."""
    out = geometry.out_shape(spatial, kernel)
    axis_names = shape.arrangement.axes[1:]
    for axis, (n, k, size) in enumerate(zip(spatial, kernel, out, strict=True)):
        if size < 1:
            s, p, d = geometry.stride[axis], geometry.padding[axis], geometry.dilation[axis]
            raise r.error(
                path,
                f"expected a kernel that fits the input's {axis_names[axis]} of {n}: "
                f"⌊({n} + 2·{p} − {d}·({k} − 1) − 1)/{s}⌋ + 1 = {size} output positions, "
                f"got a kernel of {k} there",
            )
    return out


def _bias(r: Any, value: Any, path: tuple[Any, ...], filters: int) -> np.ndarray:
    if is_number(value):
        return np.full(filters, r.number(value, path))
    found = r.vector_length(value, path, f"a bias: a number or a list of {filters}")
    if found != filters:
        raise r.error(path, f"expected {plural(filters, 'value')} (one per filter), got {found}")
    return np.asarray(r.vector(value, path, "a bias"), dtype=float)
