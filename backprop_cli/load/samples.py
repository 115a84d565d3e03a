"""The data of a problem file: ``input``/``target`` or ``samples``, read and checked.

A single input is one row; ``samples`` are a batch. Widths must agree across
samples and with the network; a target must be in its loss's domain (a class
index or a probability vector for cross-entropy, [0, 1] for BCE).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backprop_cli.load import caps as limits
from backprop_cli.load import fields as keys
from backprop_cli.load.reader import Reader, is_number, plural
from backprop_cli.load.yaml_source import YMap
from backprop_cli.nn import Loss

Targets = list[tuple[Any, tuple[Any, ...]]]
"""Each target as written, with its path (read once the output width is known)."""


class DataReader:
    def __init__(self, reader: Reader) -> None:
        self.r = reader
        self.doc: YMap = reader.document

    def target_path(self) -> tuple[Any, ...]:
        """Where the first target is: the place to blame when its width does not fit."""
        return ("target",) if "target" in self.doc else ("samples", 0, "target")

    def read(self) -> tuple[np.ndarray, Targets, bool]:
        """Inputs (N × D) and the raw targets with their paths; whether it is a batch."""
        r, doc = self.r, self.doc
        if "samples" in doc:
            for key in ("input", "target"):
                if key in doc:
                    raise r.error(
                        (key,),
                        f"expected either samples or input/target, got both ('{key}' "
                        "beside 'samples'; move it into each sample)",
                    )
            return (*self.samples(), True)
        if "input" not in doc:
            raise r.fail(("input",), "'input' (with 'target') or 'samples' (a batch)")
        if "target" not in doc:
            raise r.fail(("target",), "a target beside the input")
        value = doc["input"]
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
