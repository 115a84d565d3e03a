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

from backprop_cli.kinds.graph import problem as graph_keys
from backprop_cli.load import caps as limits
from backprop_cli.load import fields as keys
from backprop_cli.load.loss import REDUCTIONS
from backprop_cli.load.reader import CONTROL
from backprop_cli.nn import ACTIVATIONS, LOSSES
from backprop_cli.nn.initializers import SCHEMES
from backprop_cli.nn.layers import LAYER_KINDS
from backprop_cli.nn.layers.activation import ACTIVATION
from backprop_cli.nn.layers.base import object_schema
from backprop_cli.nn.layers.dense import DENSE
from backprop_cli.nn.optimizers import OPTIMIZERS, Setting
from backprop_cli.nn.regularizers import REGULARIZERS

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


def _loss() -> Schema:
    """A loss mapping: name, scale, reduction, and any loss's own options (margin, delta, …)."""
    options = {o.key: o for kind in set(LOSSES.values()) for o in kind.options}
    properties: dict[str, Schema] = {
        "name": names(LOSSES),
        "scale": POSITIVE,
        "reduction": {"enum": list(REDUCTIONS)},
    }
    for key, o in sorted(options.items()):
        bound = "exclusiveMinimum" if o.strict else "minimum"
        plain = {"type": "boolean"} if isinstance(o.default, bool) else {**NUMBER, bound: o.minimum}
        properties[key] = plain
    described = {**keys.LOSS, **{key: o.meaning for key, o in sorted(options.items())}}
    return _mapping(described, properties, ["name"])


def _regularization() -> Schema:
    flag: Schema = {"type": "boolean"}
    spec = _mapping(
        keys.REGULARIZATION,
        {
            "name": {"enum": list(REGULARIZERS)},
            "lambda": {**NUMBER, "minimum": 0},
            "half": flag,
            "include_bias": flag,
        },
        ["name", "lambda"],
    )
    without_half = [name for name, kind in REGULARIZERS.items() if "half" not in kind.options]
    spec["if"] = {"properties": {"name": {"enum": without_half}}}
    spec["then"] = {"not": {"required": ["half"]}}
    return spec


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
        "input": {
            "anyOf": [
                {**ref("vector"), "maxItems": limits.MAX_WIDTH},
                {"type": "array", "items": numbers, "minItems": 1},
                {
                    "type": "array",
                    "items": {"type": "array", "items": numbers, "minItems": 1},
                    "minItems": 1,
                },
            ],
            "description": (
                "A vector, or nested lists in the shape the first layer takes: C×L (a matrix) "
                "for a 1-D layer, C×H×W for a 2-D layer, T×D for a recurrent layer."
            ),
        },
        "variant": _mapping(
            keys.VARIANT, {"name": TEXT, "set": {"type": "object"}}, ["name", "set"]
        ),
        "optimizer": _optimizer(),
    }


_SETTINGS: dict[str, Schema] = {
    "positive": POSITIVE,
    "nonnegative": {"type": "number", "minimum": 0},
    "fraction": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
    "unit": {"type": "number", "minimum": 0, "maximum": 1},
    "flag": {"type": "boolean"},
}


def _optimizer() -> Schema:
    """A name, or {name, hyperparameters}: each optimizer's keys from its own settings."""
    forms = []
    for name, kind in OPTIMIZERS.items():
        settings: dict[str, Setting] = kind.SETTINGS
        described = {
            "name": f"The optimizer: {name}.",
            **{k: s.meaning for k, s in settings.items()},
        }
        properties = {
            "name": names([name]),
            **{
                k: names(s.choices) if s.rule == "choice" else _SETTINGS[s.rule]
                for k, s in settings.items()
            },
        }
        required = ["name", *(k for k, s in settings.items() if s.default is None)]
        form = _mapping(described, properties, required)
        form["if"] = {"required": ["name"]}  # tell the forms apart by name
        forms.append({"if": {"properties": {"name": names([name])}}, "then": form})
    defaults = [
        n
        for n, kind in OPTIMIZERS.items()
        if all(s.default is not None for s in kind.SETTINGS.values())
    ]
    mapping: Schema = {
        "type": "object",
        "required": ["name"],
        "properties": {"name": names(OPTIMIZERS)},
        "allOf": forms,
    }
    return {"anyOf": [names(defaults), mapping]}


def schema() -> Schema:
    """The schema of a problem file."""
    loss = _loss()
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
            "optimizer": ref("optimizer"),
            "regularization": _regularization(),
            "steps": {"type": "integer", "minimum": 1, "maximum": limits.MAX_STEPS},
            "freeze": {
                "anyOf": [
                    {"type": "string"},
                    {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                ]
            },
            "batch_size": {"type": "integer", "minimum": 1, "maximum": limits.MAX_SAMPLES},
            "variants": {
                "type": "array",
                "items": ref("variant"),
                "maxItems": limits.MAX_VARIANTS,
            },
            "notes": TEXT,
        },
        ["layers", "loss"],
    )
    network = {
        **top,
        "oneOf": [{"required": ["input"]}, {"required": ["samples"]}],
        "dependentRequired": {"input": ["target"], "target": ["input"]},
        "not": {"required": ["learning_rate", "optimizer"]},
        "dependentSchemas": {
            key: {"anyOf": [{"required": ["learning_rate"]}, {"required": ["optimizer"]}]}
            for key in ("steps", "freeze", "batch_size")
        },
    }
    return {
        "$schema": DIALECT,
        "title": "backprop problem file",
        "description": (
            "A neural-network backpropagation exercise for the backprop command "
            "(backprop-cli): a network (layers) or a computational graph (inputs). Shapes "
            "across keys and formulas are checked by `backprop validate`."
        ),
        "if": {"type": "object", "required": ["inputs"]},
        "then": ref("graph"),
        "else": ref("network"),
        "$defs": {**_definitions(), "network": network, "graph": _graph()},
    }


def _graph() -> Schema:
    """A computational graph (SPEC section 6); its formulas are read by the loader alone."""
    name = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"}

    def table(value: Schema) -> Schema:
        return {
            "type": "object",
            "minProperties": 1,
            "propertyNames": name,
            "additionalProperties": value,
        }

    optimizer = _mapping(
        graph_keys.OPTIMIZER,
        {"name": names(graph_keys.OPTIMIZERS), "learning_rate": POSITIVE},
        ["name", "learning_rate"],
    )
    graph = _mapping(
        graph_keys.KEYS,
        {
            "title": TEXT,
            "description": TEXT,
            "tasks": {"type": "array", "items": TEXT},
            "inputs": table(NUMBER),
            "graph": table(TEXT),
            "expression": TEXT,
            "output": name,
            "wrt": {"anyOf": [name, {"type": "array", "items": name, "minItems": 1}]},
            "learning_rate": POSITIVE,
            "optimizer": optimizer,
            "steps": {"type": "integer", "minimum": 1, "maximum": limits.MAX_STEPS},
            "ascent": {"type": "boolean"},
            "notes": TEXT,
        },
        ["inputs"],
    )
    graph["oneOf"] = [{"required": ["graph"]}, {"required": ["expression"]}]
    graph["not"] = {"required": ["learning_rate", "optimizer"]}
    graph["dependentSchemas"] = {
        key: {"anyOf": [{"required": ["learning_rate"]}, {"required": ["optimizer"]}]}
        for key in ("steps", "ascent")
    }
    return graph


def text() -> str:
    """The schema as `backprop schema` prints it and ``schema/problem.schema.json`` holds it."""
    return json.dumps(schema(), ensure_ascii=False, indent=2) + "\n"
