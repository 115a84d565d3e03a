"""The data of a problem file: ``input``/``target`` or ``samples``, read and checked.

A single input is one row; ``samples`` are a batch. Widths must agree across
samples and with the network; a target must be in its loss's domain (a class
index or a probability vector for cross-entropy, [0, 1] for BCE).

An exercise may give ``upstream`` (∂L/∂ŷ) instead of ``target`` (and of the
loss): beside ``input``, in each sample, or beside ``samples`` as one value per
sample. It is read where a target would be, with the output's shape.

Each sample's input has the arrangement the first layer takes (`shapes`): a
vector as written, C×L or C×H×W nested lists for a 1-D or 2-D layer (one
level fewer for one channel), T×D for a recurrent layer (a flat list: T steps
of one feature). The inputs are (N, *shape).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from backprop_cli.errors import ProblemError
from backprop_cli.load import caps as limits
from backprop_cli.load import fields as keys
from backprop_cli.load.arrays import depth, is_nested, nested, nested_shape, squeezed
from backprop_cli.load.reader import Reader, is_number, plural
from backprop_cli.load.yaml_source import YMap
from backprop_cli.nn import Loss
from backprop_cli.nn.layers.shapes import Arrangement, SampleShape

Targets = list[tuple[Any, tuple[Any, ...]]]
"""Each target (or given upstream gradient) as written, with its path (read once the output
width is known)."""

UPSTREAM = "upstream"
GIVEN_INSTEAD = "upstream: ∂L/∂ŷ given instead of loss and target"


class DataReader:
    def __init__(self, reader: Reader) -> None:
        self.r = reader
        self.doc: YMap = reader.document
        self.given = self._gives_upstream()
        """The file gives ∂L/∂ŷ (``upstream``) instead of a loss and targets."""
        self.key = UPSTREAM if self.given else "target"
        """What each sample's output is compared with: ``target``, or ``upstream``."""

    def _gives_upstream(self) -> bool:
        if UPSTREAM in self.doc:
            return True
        samples = self.doc.get("samples")
        if not isinstance(samples, list):
            return False
        return any(isinstance(sample, dict) and UPSTREAM in sample for sample in samples)

    def target_path(self) -> tuple[Any, ...]:
        """Where the first target is: the place to blame when its width does not fit."""
        if self.key in self.doc:
            return (self.key,) if "samples" not in self.doc else (self.key, 0)
        return ("samples", 0, self.key)

    def no_loss(self) -> ProblemError:
        """The loss is missing, and no ∂L/∂ŷ is given instead."""
        return self.r.fail(
            ("loss",),
            "the key 'loss' (every problem needs a loss and targets, or upstream: the "
            "gradient ∂L/∂ŷ given instead of both)",
        )

    def check_given(self) -> None:
        """``upstream`` replaces ``loss`` and ``target``: none of them beside it."""
        if not self.given:
            return
        if "regularization" in self.doc:
            raise self.r.error(
                ("regularization",),
                "expected no regularization beside upstream (a penalty is added to a loss, "
                "and an exercise that gives ∂L/∂ŷ has none), got one",
            )
        places: list[tuple[Any, ...]] = [(key,) for key in ("loss", "target") if key in self.doc]
        samples = self.doc.get("samples")
        if isinstance(samples, list):
            places += [
                ("samples", n, "target")
                for n, sample in enumerate(samples)
                if isinstance(sample, dict) and "target" in sample
            ]
        if places:
            raise self.r.error(
                places[0],
                f"expected either upstream (the gradient ∂L/∂ŷ the exercise gives) or "
                f"loss and target, got both ('{places[0][-1]}' beside 'upstream'; "
                f"upstream replaces the loss and the targets)",
            )

    def read(
        self, arrangement: Arrangement = Arrangement.VECTOR
    ) -> tuple[np.ndarray, Targets, bool]:
        """Inputs (N, *shape) and the raw targets with their paths; whether it is a batch.
        ``arrangement``: what the first layer takes."""
        r, doc = self.r, self.doc
        self.check_given()
        if "samples" in doc:
            for key in ("input", "target"):
                if key in doc:
                    raise r.error(
                        (key,),
                        f"expected either samples or input/target, got both ('{key}' "
                        "beside 'samples'; move it into each sample)",
                    )
            return (*self.samples(arrangement), True)
        if "input" not in doc:
            raise r.fail(("input",), "'input' (with 'target') or 'samples' (a batch)")
        if self.key not in doc:
            raise r.fail(("target",), f"a target beside the input (or {GIVEN_INSTEAD})")
        value = doc["input"]
        if arrangement is not Arrangement.VECTOR:
            x = self.shaped(value, ("input",), arrangement)
            return x.reshape(1, *x.shape), [(doc[self.key], (self.key,))], False
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
        return x, [(doc[self.key], (self.key,))], False

    def samples(self, arrangement: Arrangement) -> tuple[np.ndarray, Targets]:
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
        shared = self.shared_upstream(len(value))
        for n, sample in enumerate(value):
            path = ("samples", n)
            r.mapping(sample, path, f"a sample: a mapping with input and {self.key}")
            r.keys(sample, path, tuple(keys.SAMPLE))
            if "input" not in sample:
                raise r.fail((*path, "input"), "the sample's input")
            if shared is not None:
                if UPSTREAM in sample:
                    raise r.error(
                        (*path, UPSTREAM),
                        "expected the upstream gradient either beside samples (one per sample) "
                        "or in each sample, got both",
                    )
                targets.append((shared[n], (UPSTREAM, n)))
            elif self.key not in sample:
                other = f" (or {GIVEN_INSTEAD})" if not self.given else " like the other samples"
                raise r.fail((*path, self.key), f"the sample's {self.key}{other}")
            else:
                targets.append((sample[self.key], (*path, self.key)))
            found = self.sample_shape(sample["input"], (*path, "input"), arrangement)
            if first is not None and found != first:
                vector = arrangement is Arrangement.VECTOR
                expected = plural(first.size, "value") if vector else first.describe()
                got = found.size if vector else found.describe()
                raise r.error(
                    (*path, "input"), f"expected {expected} like samples[0].input, got {got}"
                )
            first = found
        assert first is not None
        self.check_width(first.size, ("samples", 0, "input"), "input values")
        if len(value) * first.size > limits.MAX_ACTIVATIONS:
            raise r.error(
                ("samples",),
                f"expected at most {limits.MAX_ACTIVATIONS:,} input values "
                f"in all (the size cap), got {len(value) * first.size:,}",
            )
        if arrangement is Arrangement.VECTOR:
            x = np.array(
                [[s["input"]] if is_number(s["input"]) else s["input"] for s in value], dtype=float
            )
        else:
            x = np.stack(
                [
                    self.shaped(s["input"], ("samples", n, "input"), arrangement)
                    for n, s in enumerate(value)
                ]
            )
        return x, targets

    def sample_shape(
        self, value: Any, path: tuple[Any, ...], arrangement: Arrangement
    ) -> SampleShape:
        """The shape of one sample's input (a vector: its length; nothing allocated)."""
        if arrangement is Arrangement.VECTOR:
            return SampleShape.vector(
                self.r.vector_length(value, path, "an input: a number or list")
            )
        return self.input_shape(value, path, arrangement)

    def shared_upstream(self, samples: int) -> list[Any] | None:
        """``upstream`` beside ``samples``: one gradient per sample (None: not given there)."""
        if UPSTREAM not in self.doc:
            return None
        value = self.doc[UPSTREAM]
        if not isinstance(value, list) or len(value) != samples:
            raise self.r.fail(
                (UPSTREAM,),
                f"beside samples, a list of {plural(samples, 'upstream gradient')} (one per "
                "sample, each of the output's shape), or upstream in each sample",
                value,
            )
        return value

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

    def per_step(self, targets: Targets, steps: int) -> Targets:
        """Each sample's target as ``steps`` targets, one per time step (a number or a list
        each), in sample-then-step order: the rows of a network that gives one per step."""
        r, result = self.r, []
        if steps == 1:
            return targets
        for value, path in targets:
            if not isinstance(value, list) or len(value) != steps:
                found = len(value) if isinstance(value, list) else None
                raise r.error(
                    path,
                    f"expected {plural(steps, 'target')}, one per time step (a number or a list "
                    f"each), got {'a number' if found is None else found}",
                )
            result += [(item, (*path, t)) for t, item in enumerate(value)]
        return result

    def target_width(self, targets: Targets, loss: Loss) -> int | None:
        """The output width the first target asks for (None: a class index, any width)."""
        value, path = targets[0]
        if is_number(value) and loss.class_index:
            return None
        if is_nested(value, 2):  # a map, as the output's shape
            return math.prod(nested_shape(self.r, value, path, depth(value), self.what))
        return self.r.vector_length(value, path, f"{self.what}: a number or a list of numbers")

    @property
    def what(self) -> str:
        return "an upstream gradient ∂L/∂ŷ" if self.given else "a target"

    def targets(
        self, targets: Targets, width: int, source: str, loss: Loss, dims: tuple[int, ...] = ()
    ) -> tuple[np.ndarray, tuple[int | None, ...]]:
        """Targets (N × K outputs of ``source``); a class index becomes its one-hot row. With
        ``dims`` (the output's per-sample shape, a map) a target may be written as that map
        (leading 1s left out), read row-major."""
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
            if is_nested(value, 2):
                rows.append(self._map(value, path, dims, source))
                index.append(None)
                continue
            found = r.vector_length(value, path, f"{self.what}: a number or a list of numbers")
            if found != width:
                shape = "the output's shape, " if self.given else ""
                given = "a number" if is_number(value) else found
                raise r.error(
                    path,
                    f"expected {shape}{plural(width, 'value')} (one per output of {source}), "
                    f"got {given}",
                )
            row = r.vector(value, path, self.what)
            problem = loss.target_error(row)
            if problem:
                raise r.fail(path, problem, value)
            rows.append(row)
            index.append(None)
        y = np.array(rows, dtype=float).reshape(len(rows), width)
        return y, tuple(index) if any(k is not None for k in index) else ()

    def _map(
        self, value: Any, path: tuple[Any, ...], dims: tuple[int, ...], source: str
    ) -> np.ndarray:
        """A target written as the output's map, its values row-major."""
        found = nested_shape(self.r, value, path, depth(value), self.what)
        if squeezed(found) != squeezed(dims):
            shape = "×".join(map(str, dims)) if dims else "a vector"
            raise self.r.error(
                path,
                f"expected the shape of the output of {source}, {shape} (leading 1s may be left "
                f"out), got {'×'.join(map(str, found))}",
            )
        return np.array(value, dtype=float).reshape(-1)

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
