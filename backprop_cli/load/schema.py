"""The JSON Schema (draft 2020-12) of problem files, generated from what the loader uses.

Keys and their meanings come from `keys`, names (with the activations that
take ``alpha`` and the init schemes that take ``std`` or ``limit``) from the
registries, counts from `limits`; a test checks that schema and loader agree
on valid and invalid files. Names match as the loader reads them: any
capitalisation, spaces around allowed.

What a schema cannot say, and only the loader checks: that numbers are
finite; that a whole number is written without a decimal point (JSON Schema
takes 1.0 as an integer); shapes across keys (weights against the previous
layer's width, bias and target lengths, equal row lengths); a loss's targets
(a class index below the number of classes, a probability vector summing to
1, binary cross-entropy's [0, 1]); the caps on products (parameters, values
in one forward pass, the work of training); and the paths and values of a
variant's ``set``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from backprop_cli.load import caps as limits
from backprop_cli.load import fields as keys
from backprop_cli.load.reader import CONTROL
from backprop_cli.nn import ACTIVATIONS, LOSSES
from backprop_cli.nn.initializers import SCHEMES
from backprop_cli.nn.layers import LAYER_KINDS
from backprop_cli.nn.layers.activation import ACTIVATION
from backprop_cli.nn.layers.base import object_schema
from backprop_cli.nn.layers.dense import DENSE

DIALECT = "https://json-schema.org/draft/2020-12/schema"
Schema = dict[str, Any]

NUMBER: Schema = {"type": "number"}
POSITIVE: Schema = {"type": "number", "exclusiveMinimum": 0}
TEXT: Schema = {"type": "string", "pattern": "^[^" + CONTROL.pattern[1:-1] + "]*$"}
"""Text without the control characters the loader refuses (`reading.CONTROL`)."""


def ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def names(choices: Iterable[str]) -> Schema:
    """One of ``choices`` as the loader reads a name: an editor completes the canonical
    spelling (``enum``); any capitalisation with spaces around is valid too (``pattern``)."""
    listed = sorted(choices)
    spelled = "|".join(
        "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in name)
        for name in listed
    )
    return {"anyOf": [{"enum": listed}, {"type": "string", "pattern": rf"^\s*(?:{spelled})\s*$"}]}


def _mapping(
    described: dict[str, str], properties: dict[str, Schema], required: Iterable[str] = ()
) -> Schema:
    """An object with exactly the keys of ``described``, each with its meaning."""
    return object_schema(described, properties, tuple(required))


def _activation() -> Schema:
    with_alpha = [name for name, kind in ACTIVATIONS.items() if kind().alpha is not None]
    spec = _mapping(keys.ACTIVATION, {"name": names(ACTIVATIONS), "alpha": NUMBER}, ["name"])
    spec["if"] = {"required": ["alpha"]}
    spec["then"] = {"properties": {"name": names(with_alpha)}}
    return {"anyOf": [names(ACTIVATIONS), spec]}


def _init() -> Schema:
    parameters = sorted({s.parameter for s in SCHEMES.values() if s.parameter})
    properties = {
        "scheme": names(SCHEMES),
        "seed": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
        **{parameter: POSITIVE for parameter in parameters},
    }
    spec = _mapping(keys.INIT, properties, ["scheme"])
    spec["allOf"] = [
        {
            "if": {"required": [parameter]},
            "then": {
                "properties": {
                    "scheme": names(n for n, s in SCHEMES.items() if s.parameter == parameter)
                }
            },
        }
        for parameter in parameters
    ]
    return spec


def _definitions() -> dict[str, Schema]:
    numbers = {"type": "array", "items": NUMBER, "minItems": 1}
    words = {
        "number": NUMBER,
        "positive": POSITIVE,
        "text": TEXT,
        **{name: ref(name) for name in ("vector", "matrix", "activation", "init")},
    }
    layers = {f"{name}_layer": kind.schema(words) for name, kind in LAYER_KINDS.items()}
    implied = {"anyOf": [{"required": ["weights"]}, {"required": ["units"]}]}
    return {
        "vector": {"anyOf": [NUMBER, numbers]},
        "matrix": {"anyOf": [NUMBER, numbers, {"type": "array", "items": numbers, "minItems": 1}]},
        "activation": _activation(),
        "init": _init(),
        **layers,
        "layer": {
            "type": "object",
            "if": {"required": ["type"]},
            "then": {"oneOf": [ref(name) for name in layers]},
            "else": {
                "if": implied,
                "then": ref(f"{DENSE.name}_layer"),
                "else": ref(f"{ACTIVATION.name}_layer"),
            },
        },
        "sample": _mapping(
            keys.SAMPLE,
            {"input": ref("input"), "target": ref("vector")},
            ["input", "target"],
        ),
        "input": {**ref("vector"), "maxItems": limits.MAX_WIDTH},
        "variant": _mapping(
            keys.VARIANT, {"name": TEXT, "set": {"type": "object"}}, ["name", "set"]
        ),
    }


def schema() -> Schema:
    """The schema of a problem file."""
    loss = _mapping(keys.LOSS, {"name": names(LOSSES), "scale": POSITIVE}, ["name"])
    top = _mapping(
        keys.TOP,
        {
            "title": TEXT,
            "description": TEXT,
            "tasks": {"type": "array", "items": TEXT},
            "input": ref("input"),
            "target": ref("vector"),
            "samples": {
                "type": "array",
                "items": ref("sample"),
                "minItems": 1,
                "maxItems": limits.MAX_SAMPLES,
            },
            "layers": {
                "type": "array",
                "items": ref("layer"),
                "minItems": 1,
                "maxItems": limits.MAX_LAYERS,
            },
            "loss": {"anyOf": [names(LOSSES), loss]},
            "learning_rate": POSITIVE,
            "steps": {"type": "integer", "minimum": 1, "maximum": limits.MAX_STEPS},
            "variants": {
                "type": "array",
                "items": ref("variant"),
                "maxItems": limits.MAX_VARIANTS,
            },
            "notes": TEXT,
        },
        ["layers", "loss"],
    )
    return {
        "$schema": DIALECT,
        "title": "backprop problem file",
        "description": (
            "A neural-network backpropagation exercise for the backprop command "
            "(backprop-cli). Shapes across keys are checked by `backprop validate`."
        ),
        **top,
        "oneOf": [{"required": ["input"]}, {"required": ["samples"]}],
        "dependentRequired": {
            "input": ["target"],
            "target": ["input"],
            "steps": ["learning_rate"],
        },
        "$defs": _definitions(),
    }


def text() -> str:
    """The schema as `backprop schema` prints it and ``schema/problem.schema.json`` holds it."""
    return json.dumps(schema(), ensure_ascii=False, indent=2) + "\n"
