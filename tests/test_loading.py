"""Reading problem files: YAML 1.2 scalars, line numbers, weight shapes and
initialisation, overrides and variants."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from backprop_cli.errors import BackpropError, ProblemError
from backprop_cli.load.overrides import apply, parse_assignment
from backprop_cli.load.problem import load
from backprop_cli.load.yaml_source import YMap, line_of, parse
from backprop_cli.nn.initializers import SCHEMES


@pytest.mark.parametrize(
    "text,value",
    [
        ("1e-3", 0.001),
        ("2E5", 200000.0),
        ("-1.5e+2", -150.0),
        ("0x1f", 31),
        ("0o17", 15),
        (".5", 0.5),
        ("yes", "yes"),
        ("on", "on"),
        ("true", True),
        ("~", None),
        ("'1'", "1"),
        ("!!float 3", 3.0),
        ("1_000", "1_000"),
        ("-.inf", float("-inf")),
    ],
)
def test_scalars_follow_yaml_12(text: str, value: Any) -> None:
    assert parse(f"v: {text}\n", "t")["v"] == value


def test_lines_are_remembered_for_keys_and_items() -> None:
    doc = parse("a: 1\nb:\n  - x\n  - [1, 2]\n", "t")
    assert line_of(doc, ("a",)) == 1
    assert line_of(doc, ("b", 1)) == 4
    assert line_of(doc, ("b", 1, 0)) == 4
    assert line_of(doc, ("missing",)) == 1


def test_nesting_deeper_than_the_cap_is_refused() -> None:
    with pytest.raises(ProblemError, match="nest deeper than 32 levels"):
        parse("[" * 40 + "]" * 40, "t")
    with pytest.raises(ProblemError, match="nest deeper than 32 levels"):
        parse("- " * 40 + "1", "t")


def test_weights_as_number_row_or_matrix(write: Any) -> None:
    path = write("""
        input: 2
        target: [1, 0]
        layers:
          - {weights: 3}
          - {weights: [[1], [2]], bias: 0.5}
        loss: sse
        """)
    problem = load(str(path))
    assert problem.layers[0].params["W"].shape == (1, 1)
    np.testing.assert_array_equal(problem.layers[1].params["W"], [[1.0], [2.0]])
    np.testing.assert_array_equal(problem.layers[1].params["b"], [0.5, 0.5])  # broadcast
    np.testing.assert_array_equal(problem.layers[0].params["b"], [0.0])  # default zeros
    assert not problem.layers[0].params["W"].flags.writeable


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_every_init_scheme_is_seeded_and_reproducible(write: Any, scheme: str) -> None:
    text = f"""
        input: [1, 2, 3]
        target: 0
        layers:
          - {{units: 50, init: {{scheme: {scheme}, seed: 7}}}}
          - {{units: 1, init: {{scheme: zeros}}}}
        loss: mse
        """
    first = load(str(write(text))).layers[0].params["W"]
    second = load(str(write(text, "again.yaml"))).layers[0].params["W"]
    np.testing.assert_array_equal(first, second)
    assert first.shape == (50, 3)
    draws = {
        "zeros": lambda rng: np.zeros((50, 3)),
        "normal": lambda rng: rng.normal(0, 1, (50, 3)),
        "uniform": lambda rng: rng.uniform(-1, 1, (50, 3)),
        "xavier_uniform": lambda rng: rng.uniform(-((6 / 53) ** 0.5), (6 / 53) ** 0.5, (50, 3)),
        "xavier_normal": lambda rng: rng.normal(0, (2 / 53) ** 0.5, (50, 3)),
        "he_uniform": lambda rng: rng.uniform(-((6 / 3) ** 0.5), (6 / 3) ** 0.5, (50, 3)),
        "he_normal": lambda rng: rng.normal(0, (2 / 3) ** 0.5, (50, 3)),
    }
    expected = draws[scheme](np.random.default_rng(7))
    np.testing.assert_array_equal(first, expected)


def test_init_std_and_limit(write: Any) -> None:
    path = write("""
        input: 1
        target: 0
        layers:
          - {units: 3, init: {scheme: normal, std: 0.1, seed: 1}}
          - {units: 1, init: {scheme: uniform, limit: 0.5}}
        loss: mse
        """)
    problem = load(str(path))
    np.testing.assert_array_equal(
        problem.layers[0].params["W"], np.random.default_rng(1).normal(0, 0.1, (3, 1))
    )
    np.testing.assert_array_equal(
        problem.layers[1].params["W"], np.random.default_rng(0).uniform(-0.5, 0.5, (1, 3))
    )


def test_class_index_target_becomes_one_hot(write: Any) -> None:
    path = write("""
        samples:
          - {input: [1, 0], target: 2}
          - {input: [0, 1], target: [0.2, 0.3, 0.5]}
        layers:
          - {weights: [[1, 0], [0, 1], [1, 1]], activation: softmax}
        loss: ce
        """)
    problem = load(str(path))
    np.testing.assert_array_equal(problem.y, [[0, 0, 1], [0.2, 0.3, 0.5]])
    assert problem.class_index == (2, None) and problem.batched


def test_overrides_copy_only_the_path() -> None:
    doc = parse("layers:\n  - {weights: 1}\n  - {weights: 2}\ninput: 1\n", "t")
    assert isinstance(doc, YMap)
    changed = apply(doc, parse_assignment("layers.1.weights=[[5]]"), "t")
    assert changed["layers"][1]["weights"] == [[5]]
    assert doc["layers"][1]["weights"] == 2  # the original is untouched
    assert changed["layers"][0] is doc["layers"][0]  # shared where nothing changed


def test_an_override_inside_a_scalar_is_refused() -> None:
    doc = parse("loss: mse\n", "t")
    with pytest.raises(BackpropError, match="loss is not a list or mapping"):
        apply(doc, parse_assignment("loss.scale=2"), "t")


def test_a_bad_variant_names_its_place(write: Any) -> None:
    path = write("""
        input: 1
        target: 0
        layers: [{weights: 1}]
        loss: mse
        variants:
          - name: wide
            set: {input: [1, 2]}
        """)
    with pytest.raises(ProblemError) as caught:
        load(str(path))
    assert str(caught.value).replace(str(path), "p.yaml") == (
        "p.yaml:7: variants[0].set: in this variant, layers[0].weights: expected 1×2 "
        "(1 neuron × 2 inputs from x), got 1×1"
    )
