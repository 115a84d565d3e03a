"""Fuzzing: every generated problem file ends in a solution or in exit 2 with one message.

Valid problems are mutated (keys dropped, renamed, retyped; shapes broken;
numbers replaced by strings, booleans, nulls, NaN, infinities, huge and tiny
values; deep nesting; aliases and tags), and random YAML text is thrown at the
loader. Whatever comes in: exit status 0 or 2, never a traceback, and on 2
exactly one line on stderr that starts with the file's name. The same for
``--set`` values and for the answers files of ``check`` (exit 1 there too: a
wrong answer). A run generates about 3,000 files and values.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backprop_cli.cli import app

PROBLEMS = Path(__file__).parent.parent / "problems"
BASES: list[Any] = [
    yaml.safe_load((PROBLEMS / f"ex{i}.yaml").read_text(encoding="utf-8")) for i in range(1, 6)
]
BASES += [
    {
        "samples": [{"input": [1, 2], "target": 1}, {"input": [0, 1], "target": [0]}],
        "layers": [
            {"units": 3, "init": {"scheme": "he_normal", "seed": 1}, "activation": "relu"},
            {
                "weights": [0.5, -0.5, 0.25],
                "bias": 0.1,
                "activation": {"name": "leaky_relu", "alpha": 0.1},
            },
        ],
        "loss": {"name": "sse", "scale": 0.5},
        "learning_rate": 0.1,
        "steps": 3,
    },
    {
        "input": [1, -1, 0.5],
        "target": 2,
        "layers": [{"weights": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "activation": "softmax"}],
        "loss": "ce",
    },
]
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, 0.0, -0.0, 1e300]),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["sigmoid", "relu", "softmax", "mse", "ce", "he_normal", "x", ""]),
    st.lists(st.floats(-3, 3), max_size=4),
    st.lists(st.lists(st.integers(-2, 2), max_size=3), max_size=3),
    st.dictionaries(
        st.sampled_from(["name", "alpha", "scale", "scheme", "seed", "bogus"]),
        st.integers(-2, 2),
        max_size=2,
    ),
    st.recursive(
        st.integers(0, 1), lambda inner: st.lists(inner, min_size=1, max_size=2), max_leaves=40
    ),
)
RUNNER = CliRunner()


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``node`` (mapping keys and list indices)."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


def parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        candidates = paths(doc)
        if not candidates or not isinstance(doc, dict):
            break
        path = draw(st.sampled_from(candidates))
        holder, key = parent(doc, path), path[-1]
        operation = draw(
            st.sampled_from(["drop", "rename", "replace", "replace", "grow", "shrink"])
        )
        if operation == "drop":
            del holder[key]
        elif operation == "rename" and isinstance(holder, dict):
            holder[draw(st.text(min_size=1, max_size=10))] = holder.pop(key)
        elif operation == "grow" and isinstance(holder[key], list):
            holder[key].append(copy.deepcopy(holder[key][-1]) if holder[key] else 1)
        elif operation == "shrink" and isinstance(holder[key], list) and holder[key]:
            holder[key].pop()
        else:
            holder[key] = draw(ODD_VALUES)
    return doc


def check(path: Path, *extra: str) -> None:
    result = RUNNER.invoke(app, ["solve", str(path), "--format", "json", *extra])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"crashed on {path.read_text(encoding='utf-8', errors='replace')!r}"
        ) from result.exception
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr)
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(str(path)) or lines[0].startswith("--set"), lines[0]
        assert "Traceback" not in result.stderr


FUZZ = settings(max_examples=900, deadline=None, suppress_health_check=list(HealthCheck))


@given(doc=mutated())
@FUZZ
def test_mutated_problems(doc: Any, tmp_path_factory: Any) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "p.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    check(path)


YAML_ALPHABET = st.sampled_from(
    [*list("abcxyz019 .-_:[]{},&*!|>'\"#%@`?\n\t~"), "é", "σ", "\x00", "\x1b"]
)


@given(text=st.text(YAML_ALPHABET, max_size=80), base=st.sampled_from(BASES))
@FUZZ
def test_random_and_spliced_yaml_text(text: str, base: Any, tmp_path_factory: Any) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "p.yaml"
    valid = yaml.safe_dump(base, allow_unicode=True)
    cut = len(text) % max(len(valid), 1)
    path.write_text(valid[:cut] + text + valid[cut:], encoding="utf-8", errors="replace")
    check(path)


@given(data=st.binary(max_size=200))
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
def test_random_bytes(data: bytes, tmp_path_factory: Any) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "p.yaml"
    path.write_bytes(data)
    check(path)


@given(
    value=ODD_VALUES,
    path=st.sampled_from(
        [
            "input",
            "target",
            "loss",
            "layers.0.weights",
            "layers.0.activation",
            "layers.1.bias",
            "learning_rate",
            "steps",
            "layers",
            "title",
            "x.y",
        ]
    ),
)
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
def test_set_values(value: Any, path: str) -> None:
    text = yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
    check(PROBLEMS / "ex1.yaml", "--set", f"{path}={text}")


TRICKS = [
    "a: &x [1, 2]\nb: *x\nc: *nope\n",
    "input: !!python/object/apply:os.system ['true']\n",
    "input: !!binary aGVsbG8=\n",
    "input: !custom 1\n",
    "<<: {input: 1}\n",
    "input: [" * 200 + "]" * 200,
    "- " * 300 + "x",
    "input: 1\n---\ninput: 2\n",
    "? [1, 2]\n: 3\n",
    "input: 0x" + "f" * 5000 + "\n",
    "input: " + "9" * 5000 + "\n",
    "\ufeffinput: 1\n",
    "input: 1\ninput: 2\n",
    "%YAML 1.1\n---\ninput: 1\n",
    "layers: [{units: 100000, init: {scheme: zeros}}, {units: 100000, init: {scheme: zeros}}]\n"
    "input: 1\ntarget: 1\nloss: mse\n",
]


def test_tricky_documents(tmp_path: Path) -> None:
    for i, text in enumerate(TRICKS):
        path = tmp_path / f"t{i}.yaml"
        path.write_text(text, encoding="utf-8")
        check(path)


ANSWER_NAMES = st.sampled_from(
    [
        "z1",
        "a1",
        "z2",
        "a2",
        "output",
        "loss",
        "delta1",
        "delta2",
        "dW1",
        "db1",
        "dW2",
        "db2",
        "dx",
        "W1_new",
        "b1_new",
        "W2_new",
        "b2_new",
        "dw1",
        "x",
        "",
        "answers",
    ]
)
GOOD_ANSWERS: dict[str, Any] = {
    "output": 0.6817,
    "loss": 0.1013,
    "dW2": [[-0.086, -0.1037]],
    "db2": -0.1382,
    "dW1": [[-0.01623, -0.03247], [-0.01553, -0.03107]],
    "db1": [-0.01623, -0.01553],
}


@st.composite
def answers_files(draw: st.DrawFn) -> Any:
    answers = dict(GOOD_ANSWERS)
    for _ in range(draw(st.integers(0, 3))):
        answers[draw(ANSWER_NAMES)] = draw(ODD_VALUES)
    document: Any = {"answers": answers}
    if draw(st.booleans()):
        document["tolerance"] = draw(
            st.one_of(
                ODD_VALUES,
                st.dictionaries(st.sampled_from(["abs", "rel", "bogus"]), ODD_VALUES, max_size=2),
            )
        )
    if draw(st.integers(0, 9)) == 0:
        document = draw(ODD_VALUES)
    return document


@given(document=answers_files())
@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
def test_answers_files(document: Any, tmp_path_factory: Any) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "answers.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = RUNNER.invoke(app, ["check", "ex1", "--answers", str(path), "--format", "json"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"crashed on {document!r}") from result.exception
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr)
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(str(path)), result.stderr
