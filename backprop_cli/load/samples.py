"""The data of a problem file: ``input``/``target`` or ``samples``, read and checked.

A single input is one row; ``samples`` are a batch. Widths must agree across
samples and with the network; a target must be in its loss's domain (a class
index or a probability vector for cross-entropy, [0, 1] for BCE).

Each sample's input has the arrangement the first layer takes (`shapes`): a
vector as written, C×L or C×H×W nested lists for a 1-D or 2-D layer (one
level fewer for one channel), T×D for a recurrent layer (a flat list: T steps
of one feature). The inputs are (N, *shape).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backprop_cli.load import caps as limits
from backprop_cli.load import fields as keys
from backprop_cli.load.arrays import is_nested, nested, nested_shape
from backprop_cli.load.reader import Reader, is_number, plural
from backprop_cli.load.yaml_source import YMap
from backprop_cli.nn import Loss
from backprop_cli.nn.layers.shapes import Arrangement, SampleShape

Targets = list[tuple[Any, tuple[Any, ...]]]
"""Each target as written, with its path (read once the output width is known)."""


class DataReader:
    def __init__(self, reader: Reader) -> None:
        self.r = reader
        self.doc: YMap = reader.document

    def target_path(self) -> tuple[Any, ...]:
        """Where the first target is: the place to blame when its width does not fit."""
        return ("target",) if "target" in self.doc else ("samples", 0, "target")

    def read(
        self, arrangement: Arrangement = Arrangement.VECTOR
    ) -> tuple[np.ndarray, Targets, bool]:
        """Inputs (N, *shape) and the raw targets with their paths; whether it is a batch.
        ``arrangement``: what the first layer takes."""
        r, doc = self.r, self.doc
        if "samples" in doc:
            for key in ("input", "target"):
                if key in doc:
                    raise r.error(
                        (key,),
                        f"expected either samples or input/target, got both ('{key}' "
                        "beside 'samples'; move it into each sample)",
                    )
            if arrangement is not Arrangement.VECTOR:
                return (*self.shaped_samples(arrangement), True)
            return (*self.samples(), True)
        if "input" not in doc:
            raise r.fail(("input",), "'input' (with 'target') or 'samples' (a batch)")
        if "target" not in doc:
            raise r.fail(("target",), "a target beside the input")
        value = doc["input"]
        if arrangement is not Arrangement.VECTOR:
            x = self.shaped(value, ("input",), arrangement)
            return x.reshape(1, *x.shape), [(doc["target"], ("target",))], False
        if isinstance(value, list) and any(isinstance(item, list) for item in value):
            raise r.fail(
                ("input",),
                "an input: a number or a list of numbers",
                value,
                hint=" (several samples? use samples: a list of {input, target})",
            )
        width = r.vector_length(value, ("input",), "an input: a number or a list of numbers")
        self.check_width(width, ("input",), "input values")
        x = r.vector(doc["input"], ("input",), "an input").reshape(1, -1)
        return x, [(doc["target"], ("target",))], False

    def samples(self) -> tuple[np.ndarray, Targets]:
        r, value = self.r, self.doc["samples"]
        what = "samples: a non-empty list of {input, target} mappings"
        if not isinstance(value, list) or not value:
            raise r.fail(("samples",), what, value)
        if len(value) > limits.MAX_SAMPLES:
            raise r.fail(
                ("samples",), f"at most {limits.MAX_SAMPLES:,} samples (the size cap)", value
            )
        width = -1
        targets: Targets = []
        for n, sample in enumerate(value):
            path = ("samples", n)
            r.mapping(sample, path, "a sample: a mapping with input and target")
            r.keys(sample, path, tuple(keys.SAMPLE))
            for key in ("input", "target"):
                if key not in sample:
                    raise r.fail((*path, key), f"the sample's {key}")
            found = r.vector_length(sample["input"], (*path, "input"), "an input: a number or list")
            if width >= 0 and found != width:
                raise r.error(
                    (*path, "input"),
                    f"expected {plural(width, 'value')} like samples[0].input, got {found}",
                )
            width = found
            targets.append((sample["target"], (*path, "target")))
        self.check_width(width, ("samples", 0, "input"), "input values")
        if len(value) * width > limits.MAX_ACTIVATIONS:
            raise r.error(
                ("samples",),
                f"expected at most {limits.MAX_ACTIVATIONS:,} input values "
                f"in all (the size cap), got {len(value) * width:,}",
            )
        x = np.array(
            [[s["input"]] if is_number(s["input"]) else s["input"] for s in value], dtype=float
        )
        return x, targets

    def shaped_samples(self, arrangement: Arrangement) -> tuple[np.ndarray, Targets]:
        """The samples' inputs of ``arrangement``, each of samples[0]'s shape."""
        r, value = self.r, self.doc["samples"]
        what = "samples: a non-empty list of {input, target} mappings"
        if not isinstance(value, list) or not value:
            raise r.fail(("samples",), what, value)
        if len(value) > limits.MAX_SAMPLES:
            raise r.fail(
                ("samples",), f"at most {limits.MAX_SAMPLES:,} samples (the size cap)", value
            )
        first: SampleShape | None = None
        targets: Targets = []
        for n, sample in enumerate(value):
            path = ("samples", n)
            r.mapping(sample, path, "a sample: a mapping with input and target")
            r.keys(sample, path, tuple(keys.SAMPLE))
            for key in ("input", "target"):
                if key not in sample:
                    raise r.fail((*path, key), f"the sample's {key}")
            found = self.input_shape(sample["input"], (*path, "input"), arrangement)
            if first is not None and found != first:
                raise r.error(
                    (*path, "input"),
                    f"expected {first.describe()} like samples[0].input, got {found.describe()}",
                )
            first = found
            targets.append((sample["target"], (*path, "target")))
        assert first is not None
        if len(value) * first.size > limits.MAX_ACTIVATIONS:
            raise r.error(
                ("samples",),
                f"expected at most {limits.MAX_ACTIVATIONS:,} input values "
                f"in all (the size cap), got {len(value) * first.size:,}",
            )
        inputs = [
            self.shaped(s["input"], ("samples", n, "input"), arrangement)
            for n, s in enumerate(value)
        ]
        return np.stack(inputs), targets

    def input_shape(
        self, value: Any, path: tuple[Any, ...], arrangement: Arrangement
    ) -> SampleShape:
        """The shape of one sample's input of ``arrangement``, checked (nothing allocated)."""
        depth = arrangement.ndim
        what = _written(arrangement)
        if is_nested(value, depth):
            dims = nested_shape(self.r, value, path, depth, what)
        elif is_nested(value, depth - 1):
            inner = nested_shape(self.r, value, path, depth - 1, what)
            # one channel (C = 1 first), or a sequence of one feature (D = 1 last)
            dims = (*inner, 1) if arrangement is Arrangement.SEQUENCE else (1, *inner)
        else:
            raise self.r.fail(path, what, value)
        shape = SampleShape(arrangement, dims)
        self.check_width(shape.size, path, "input values")
        return shape

    def shaped(self, value: Any, path: tuple[Any, ...], arrangement: Arrangement) -> np.ndarray:
        """One sample's input of ``arrangement``, (*shape)."""
        shape = self.input_shape(value, path, arrangement)
        depth = arrangement.ndim if is_nested(value, arrangement.ndim) else arrangement.ndim - 1
        return nested(self.r, value, path, depth, _written(arrangement)).reshape(shape.dims)

    def target_width(self, targets: Targets, loss: Loss) -> int | None:
        """The output width the first target asks for (None: a class index, any width)."""
        value, path = targets[0]
        if is_number(value) and loss.class_index:
            return None
        return self.r.vector_length(value, path, "a target: a number or a list of numbers")

    def targets(
        self, targets: Targets, width: int, source: str, loss: Loss
    ) -> tuple[np.ndarray, tuple[int | None, ...]]:
        """Targets (N × K outputs of ``source``); a class index becomes its one-hot row."""
        r = self.r
        rows: list[np.ndarray] = []
        index: list[int | None] = []
        for value, path in targets:
            if is_number(value) and loss.class_index:
                k = r.integer(
                    value,
                    path,
                    f"a class index: a whole number from 0 to {width - 1}",
                    0,
                    width - 1,
                )
                row = np.zeros(width)
                row[k] = 1.0
                rows.append(row)
                index.append(k)
                continue
            found = r.vector_length(value, path, "a target: a number or a list of numbers")
            if found != width:
                raise r.error(
                    path,
                    f"expected {plural(width, 'value')} (one per output of {source}), got {found}",
                )
            row = r.vector(value, path, "a target")
            problem = loss.target_error(row)
            if problem:
                raise r.fail(path, problem, value)
            rows.append(row)
            index.append(None)
        y = np.array(rows, dtype=float).reshape(len(rows), width)
        return y, tuple(index) if any(k is not None for k in index) else ()

    def check_width(self, width: int, path: tuple[Any, ...], what: str) -> None:
        if width > limits.MAX_WIDTH:
            raise self.r.error(
                path, f"expected at most {limits.MAX_WIDTH:,} {what} (the size cap), got {width:,}"
            )


def _written(arrangement: Arrangement) -> str:
    """How an input of ``arrangement`` is written, for a message's "expected"."""
    one_level = {
        Arrangement.SIGNAL: "a flat list for one channel",
        Arrangement.IMAGE: "a matrix (H×W) for one channel",
        Arrangement.SEQUENCE: "a flat list for T steps of one feature",
    }
    return (
        f"an input {arrangement.layout()} as nested lists of numbers, "
        f"or {one_level.get(arrangement, 'a flat list')}"
    )
