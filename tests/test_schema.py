"""`backprop schema`: a valid draft 2020-12 schema that agrees with the loader.

The property test draws valid problem documents (every key, name and form
the format has, shapes consistent across keys), then breaks some with one
mutation the schema can express; an independent validator (jsonschema) and
the loader must accept or reject each alike. What a schema cannot express
is listed in `backprop_cli.load.schema` and left out of the mutations.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_cli.author.starter import TEMPLATES
from backprop_cli.errors import BackpropError
from backprop_cli.load.problem import load_source
from backprop_cli.load.schema import schema, text
from backprop_cli.load.sources import Source
from backprop_cli.nn import ACTIVATIONS, LOSSES
from backprop_cli.nn.initializers import SCHEMES

ROOT = Path(__file__).parent.parent
VALIDATOR = jsonschema.Draft202012Validator(schema())
Doc = dict[str, Any]


def loads(document: Any) -> bool:
    """Whether the loader accepts the document (written as JSON, which is YAML)."""
    try:
        load_source(Source("t.yaml", json.dumps(document, ensure_ascii=False), "t"))
    except BackpropError:
        return False
    return True


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_file_is_what_backprop_schema_prints(run: Any) -> None:
    result = run("schema")
    assert result.exit_code == 0
    assert result.stdout == text()
    assert (ROOT / "schema" / "problem.schema.json").read_text(encoding="utf-8") == text()


def test_bundled_problems_and_templates_point_to_and_pass_the_schema() -> None:
    for path in sorted((ROOT / "problems").glob("*.yaml")):
        text_ = path.read_text(encoding="utf-8")
        assert (
            text_.splitlines()[0] == "# yaml-language-server: $schema=../schema/problem.schema.json"
        )
        assert VALIDATOR.is_valid(yaml.safe_load(text_)), path.name
    for path in sorted(TEMPLATES.glob("*.yaml")):
        assert VALIDATOR.is_valid(yaml.safe_load(path.read_text(encoding="utf-8"))), path.name


# --- drawing valid documents -----------------------------------------------------

words = st.text(st.characters(categories=("L", "N", "P", "Zs")), max_size=8)
"""Text YAML can hold as it is (which characters it can is yamlsrc's business, tested there)."""
numbers = st.one_of(
    st.integers(-3, 3), st.floats(-2, 2, allow_nan=False, allow_infinity=False, width=32)
)


def any_case(names: list[str]) -> st.SearchStrategy[str]:
    return st.tuples(
        st.sampled_from(sorted(names)), st.sampled_from(["lower", "upper", "title"])
    ).map(lambda t: getattr(t[0], t[1])())


@st.composite
def vector(draw: st.DrawFn, width: int, values: st.SearchStrategy[Any] = numbers) -> Any:
    items = draw(st.lists(values, min_size=width, max_size=width))
    return items[0] if width == 1 and draw(st.booleans()) else items


@st.composite
def activation(draw: st.DrawFn) -> Any:
    name = draw(any_case(list(ACTIVATIONS)))
    if name.lower() in ("leaky_relu", "elu") and draw(st.booleans()):
        return {"name": name, "alpha": draw(numbers)}
    return draw(st.sampled_from([name, {"name": name}]))


@st.composite
def dense(draw: st.DrawFn, inputs: int, units: int) -> Doc:
    layer: Doc = {}
    if draw(st.booleans()):
        rows = [draw(st.lists(numbers, min_size=inputs, max_size=inputs)) for _ in range(units)]
        layer["weights"] = (
            rows[0][0]
            if units == inputs == 1 and draw(st.booleans())
            else (rows[0] if units == 1 and draw(st.booleans()) else rows)
        )
    else:
        scheme = draw(st.sampled_from(sorted(SCHEMES)))
        init: Doc = {"scheme": scheme, "seed": draw(st.integers(0, 2**40))}
        parameter = SCHEMES[scheme].parameter
        if parameter and draw(st.booleans()):
            init[parameter] = draw(st.floats(0.01, 3))
        layer.update(units=units, init=init)
    if draw(st.booleans()):
        layer["bias"] = draw(vector(units))
    if draw(st.booleans()):
        layer["activation"] = draw(activation())
    if draw(st.booleans()):
        layer["name"] = draw(words)
    return layer


@st.composite
def target(draw: st.DrawFn, width: int, loss: str) -> Any:
    if LOSSES[loss].name in ("cross_entropy", "hinge", "nll", "kl_div"):
        k = draw(st.integers(0, width - 1))
        one_hot = [1.0 if i == k else 0.0 for i in range(width)]
        return k if LOSSES[loss].class_index and draw(st.booleans()) else one_hot
    if LOSSES[loss].name == "binary_cross_entropy":
        return draw(vector(width, st.sampled_from([0, 1, 0.25])))
    return draw(vector(width))


@st.composite
def documents(draw: st.DrawFn) -> Doc:
    width = draw(st.integers(1, 3))
    layers: list[Doc] = []
    units = width
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 3)) == 0:
            layers.append({"activation": draw(activation())})
        else:
            new = draw(st.integers(1, 3))
            layers.append(draw(dense(units, new)))
            units = new
    loss_name = draw(st.sampled_from(sorted(LOSSES)))
    doc: Doc = {"layers": layers}
    doc["loss"] = (
        {"name": loss_name, "scale": draw(st.floats(0.1, 2))} if draw(st.booleans()) else loss_name
    )
    if draw(st.booleans()):
        doc["samples"] = [
            {"input": draw(vector(width)), "target": draw(target(units, loss_name))}
            for _ in range(draw(st.integers(1, 3)))
        ]
    else:
        doc["input"] = draw(vector(width))
        doc["target"] = draw(target(units, loss_name))
    for key in ("title", "description", "notes"):
        if draw(st.booleans()):
            doc[key] = draw(words)
    if draw(st.booleans()):
        doc["tasks"] = draw(st.lists(words, max_size=2))
    update = draw(st.sampled_from(["none", "learning_rate", "optimizer"]))
    if update == "learning_rate":
        doc["learning_rate"] = draw(st.floats(0.01, 1))
    elif update == "optimizer":
        doc["optimizer"] = draw(OPTIMIZER_SPECS)
    if update != "none" and draw(st.booleans()):
        doc["steps"] = draw(st.integers(1, 3))
    weighted = [
        i for i, layer in enumerate(doc["layers"], 1) if "weights" in layer or "units" in layer
    ]
    if update != "none" and weighted and draw(st.booleans()):
        doc["freeze"] = [f"b{weighted[0]}"]
    if draw(st.booleans()):
        doc["variants"] = [{"name": "v", "set": draw(st.sampled_from([{}, {"title": "t"}]))}]
    return doc


OPTIMIZER_SPECS = st.sampled_from(
    [
        "adam",
        "adagrad",
        {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
        {"name": "sgd", "learning_rate": 0.1, "momentum": 0.5, "convention": "classic"},
        {"name": "RMSprop", "alpha": 0.9, "momentum": 0.1, "weight_decay": 0.01},
        {"name": "adam", "learning_rate": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6},
        {"name": "adamw", "weight_decay": 0.1},
        {"name": "adagrad", "initial_accumulator": 0.1, "eps": 0},
    ]
)


def _optimizer(spec: Any) -> Callable[[Doc], Doc]:
    def mutate(doc: Doc) -> Doc:
        doc.pop("learning_rate", None)
        doc["optimizer"] = spec
        return doc

    return mutate


# --- mutations the schema can express --------------------------------------------


def _dense_layers(doc: Doc) -> list[Doc]:
    return [layer for layer in doc["layers"] if "weights" in layer or "units" in layer]


def _first_dense(doc: Doc, change: Callable[[Doc], None]) -> Doc | None:
    found = _dense_layers(doc)
    if not found:
        return None
    change(found[0])
    return doc


def _set(key: str, value: Any) -> Callable[[Doc], Doc]:
    def mutate(doc: Doc) -> Doc:
        doc[key] = value
        return doc

    return mutate


def _drop(key: str) -> Callable[[Doc], Doc | None]:
    def mutate(doc: Doc) -> Doc | None:
        return None if doc.pop(key, None) is None else doc

    return mutate


def _respell_loss(doc: Doc) -> Doc:
    """The same loss in capitals with spaces around (another loss could change what the
    targets must be, which a schema cannot follow)."""
    loss = doc["loss"]
    name = loss if isinstance(loss, str) else loss["name"]
    doc["loss"] = f" {name.upper()} " if isinstance(loss, str) else {**loss, "name": name.upper()}
    return doc


def _activation_layer_bias(doc: Doc) -> Doc | None:
    plain = [layer for layer in doc["layers"] if layer not in _dense_layers(doc)]
    if not plain:
        return None
    plain[0]["bias"] = 0
    return doc


def _steps_alone(doc: Doc) -> Doc:
    doc.pop("learning_rate", None)
    doc["steps"] = 2
    return doc


def _both_inputs(doc: Doc) -> Doc:
    doc.setdefault("input", 1)
    doc.setdefault("samples", [{"input": 1, "target": 1}])
    return doc


def _weights_as_text(layer: Doc) -> None:
    layer.pop("units", None)
    layer.pop("init", None)
    layer["weights"] = [["one"]]


def _wrong_parameter(layer: Doc) -> None:
    layer.pop("weights", None)
    layer.update(units=layer.get("units", 1), init={"scheme": "uniform", "std": 1})


MUTATIONS: list[Callable[[Doc], Doc | None]] = [
    _set("extra", 1),
    _drop("layers"),
    _drop("loss"),
    _drop("target"),
    _drop("input"),
    _both_inputs,
    _set("layers", []),
    _set("title", 3),
    _set("tasks", "one task"),
    _respell_loss,
    _set("loss", "squared"),
    _set("loss", {"scale": 2}),
    _set("loss", {"name": "mse", "scale": 0}),
    _set("loss", {"name": "mse", "weight": 1}),
    _set("learning_rate", 0),
    _set("learning_rate", True),
    _set("steps", 0),
    _steps_alone,
    _optimizer({"name": "adam", "beta1": 1}),
    _optimizer({"name": "adam", "beta_1": 0.9}),
    _optimizer({"name": "adam", "learning_rate": -0.1}),
    _optimizer({"name": "sgd"}),
    _optimizer("sgd"),
    _optimizer("adan"),
    _optimizer({"name": "sgd", "learning_rate": 0.1, "convention": "cs231n"}),
    _optimizer({"name": "sgd", "learning_rate": 0.1, "nesterov": 1}),
    _optimizer({"name": "rmsprop", "alpha": 1.5}),
    _optimizer({"name": "adagrad", "alpha": 0.9}),
    _optimizer({"name": "ADAM", "learning_rate": 0.01}),
    _set("freeze", 3),
    _set("batch_size", 0),
    _set("variants", [{"name": "v"}]),
    _set("variants", [{"name": "v", "set": {}, "x": 1}]),
    _set("notes", None),
    _activation_layer_bias,
    lambda doc: _first_dense(doc, lambda layer: layer.update(activation="nope")),
    lambda doc: _first_dense(doc, lambda layer: layer.update(activation="SIGMOID")),
    lambda doc: _first_dense(
        doc, lambda layer: layer.update(activation={"name": "tanh", "alpha": 1})
    ),
    lambda doc: _first_dense(doc, lambda layer: layer.update(activation={"alpha": 1})),
    lambda doc: _first_dense(doc, lambda layer: layer.update(init={"scheme": "zeros"})),
    lambda doc: _first_dense(doc, lambda layer: layer.update(units=1, weights=[[1]])),
    lambda doc: _first_dense(doc, lambda layer: layer.update(bias=True)),
    lambda doc: _first_dense(doc, lambda layer: layer.update(name=7)),
    lambda doc: _first_dense(doc, lambda layer: layer.update(colour="red")),
    lambda doc: _first_dense(doc, _weights_as_text),
    lambda doc: _first_dense(doc, _wrong_parameter),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.one_of(st.none(), st.sampled_from(range(len(MUTATIONS)))))
def test_schema_and_loader_agree(document: Doc, mutation: int | None) -> None:
    if mutation is not None:
        mutated = MUTATIONS[mutation](copy.deepcopy(document))
        document = document if mutated is None else mutated
    assert VALIDATOR.is_valid(document) == loads(document), json.dumps(document)


@given(documents())
@settings(max_examples=100, deadline=None)
def test_every_drawn_document_is_valid(document: Doc) -> None:
    assert loads(document)
    assert VALIDATOR.is_valid(document)
