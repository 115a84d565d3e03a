"""Messages that point the right way: the place, the line and what to write instead.

Each test asserts the whole message of one case that used to blame the wrong
place, name no place, take several lines, or end in a traceback.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

GOOD = """
input: [1, 2]
target: 1
layers:
  - weights: [[0.1, 0.2],
              [0.3, 0.4]]
    activation: sigmoid
  - weights: [0.5, 0.6]
    activation: sigmoid
loss: mse
"""


def fails(run: Any, write: Any, text: str, *extra: str) -> str:
    path = write(text, "p.yaml")
    result = run("solve", str(path), "--format", "json", *extra)
    assert result.exit_code == 2, result.stdout
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0].replace(str(path), "p.yaml")


# --- numbers no float can hold -------------------------------------------------

BIG = "9" * 400


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "target: 1",
            f"target: {BIG}",
            "p.yaml:2: target: expected a number within ±1.8e308, got the number 999…999 (400 digits)",
        ),
        (
            "loss: mse",
            f"loss: mse\nlearning_rate: 0.1\nsteps: -{BIG}",
            "p.yaml:11: steps: expected a whole number of steps from 1 to 100,000, "
            "got the number -999…999 (400 digits)",
        ),
        (
            "loss: mse",
            f"loss: mse\ntitle: {BIG}",
            "p.yaml:10: title: expected text, got the number 999…999 (400 digits) (put it in quotes)",
        ),
    ],
)
def test_integers_beyond_float_range_are_named_not_crashed_on(
    run: Any, write: Any, old: str, new: str, message: str
) -> None:
    assert fails(run, write, GOOD.replace(old, new)) == message


def test_a_uniform_limit_whose_range_overflows_is_refused(run: Any, write: Any) -> None:
    text = GOOD.replace(
        "weights: [[0.1, 0.2],\n              [0.3, 0.4]]",
        "units: 2\n    init: {scheme: uniform, limit: 1e308}",
    )
    assert fails(run, write, text) == (
        "p.yaml:5: layers[0].init.limit (layer 1): expected a limit > 0 and at most 1e300, "
        "got the number 1e+308"
    )


# --- path parts ------------------------------------------------------------------


@pytest.mark.parametrize("part", ["-1", "０", "١", "²", "+1", "1_0"])
def test_only_ascii_digits_make_an_index(run: Any, part: str) -> None:
    result = run("solve", "ex1", "--set", f"layers.{part}.weights=1")
    assert result.exit_code == 2
    assert result.stderr == (
        f"ex1: --set layers.{part}.weights=1: layers is a list of 2, so the part after it "
        f"must be an index from 0 to 1, got {part!r}\n"
    )


def test_a_variant_path_with_odd_digits_is_refused(run: Any, write: Any) -> None:
    text = GOOD + "variants:\n  - name: v\n    set: {layers.０.activation: relu}\n"
    assert fails(run, write, text) == (
        "p.yaml:12: variants[0].set['layers.０.activation']: layers is a list of 2, so the part "
        "after it must be an index from 0 to 1, got '０'"
    )


def test_a_variant_cannot_set_variants(run: Any, write: Any) -> None:
    text = GOOD + "variants:\n  - name: v\n    set: {variants: []}\n"
    assert fails(run, write, text) == (
        "p.yaml:12: variants[0].set.variants: expected a path outside variants "
        "(a variant cannot have variants of its own), got 'variants'"
    )


# --- unknown keys first ------------------------------------------------------------


def test_a_typo_in_a_layer_key_is_reported_before_shapes(run: Any, write: Any) -> None:
    text = GOOD.replace("weights: [0.5, 0.6]", "weight: [0.5, 0.6]")
    assert fails(run, write, text) == (
        "p.yaml:7: layers[1].weight (layer 2): unknown key 'weight' (did you mean 'weights'?); "
        "expected one of the keys weights, units, init, bias, activation, name, type"
    )


def test_a_null_layer_is_named_as_the_layer(run: Any, write: Any) -> None:
    text = GOOD.replace("  - weights: [0.5, 0.6]\n    activation: sigmoid\n", "  - null\n")
    assert fails(run, write, text) == (
        "p.yaml:7: layers[1] (layer 2): expected a layer: a mapping with weights (or units) "
        "and activation, got nothing (null)"
    )


@pytest.mark.parametrize(
    ("key", "meant"),
    [
        ("lr", "'learning_rate'"),
        ("epochs", "'steps'"),
        (
            "alpha",
            "the alpha of an activation, activation: {name: leaky_relu, alpha: 0.1} in a layer",
        ),
    ],
)
def test_keys_of_other_tools_get_a_did_you_mean(run: Any, write: Any, key: str, meant: str) -> None:
    assert fails(run, write, GOOD + f"{key}: 0.1\n") == (
        f"p.yaml:10: {key}: unknown key {key!r} (did you mean {meant}?); expected one of the keys "
        "title, description, tasks, input, target, samples, layers, loss, upstream, learning_rate, "
        "optimizer, steps, freeze, batch_size, regularization, "
        "variants, notes"
    )


def test_a_two_dimensional_input_points_to_samples(run: Any, write: Any) -> None:
    assert fails(run, write, GOOD.replace("input: [1, 2]", "input: [[1, 2], [3, 4]]")) == (
        "p.yaml:1: input: expected an input: a number or a list of numbers, got a 2×2 matrix "
        "(several samples? use samples: a list of {input, target})"
    )


# --- loss names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("categorical_cross_entropy", "cross_entropy"),
        ("cross_entropy_loss", "cross_entropy"),
        ("mean_squared_error", "mse"),
        ("squared_error", "mse"),
        ("l1", "mae"),
        ("binary_crossentropy", "binary_cross_entropy"),
    ],
)
def test_common_loss_spellings_are_aliases(run: Any, alias: str, name: str) -> None:
    problem = "ex2" if name == "cross_entropy" else "ex1"
    result = run("solve", problem, "--format", "json", "--set", f"loss={alias}")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["loss"]["name"] == name


@pytest.mark.parametrize(
    ("name", "advice"),
    [
        (
            "log_loss",
            "write binary_cross_entropy after a sigmoid, or cross_entropy after a softmax",
        ),
        ("l2", "write mse for the mean of (ŷ − y)², or {name: sse, scale: 0.5} for ½Σ(ŷ − y)²"),
    ],
)
def test_loss_names_that_mean_something_else_say_what_to_write(
    run: Any, write: Any, name: str, advice: str
) -> None:
    assert fails(run, write, GOOD.replace("loss: mse", f"loss: {name}")) == (
        "p.yaml:9: loss: expected a loss name (one of binary_cross_entropy, cross_entropy, hinge, "
        f"huber, kl_div, mae, mse, nll, smooth_l1, sse), got the text {name!r}; {advice}"
    )


# --- what the YAML reader finds, with its place --------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD.replace("target: 1", "target: !custom 1"),
            "p.yaml:2: target: the tag !custom is not allowed (plain YAML data only)",
        ),
        (
            GOOD.replace(
                "    activation: sigmoid\nloss",
                "    activation: sigmoid\n    bias: 0\n    bias: 1\nloss",
            ),
            "p.yaml:10: layers[1].bias (layer 2): the key 'bias' appears twice (first at line 9)",
        ),
        (
            GOOD.replace("target: 1", "target: *t"),
            "p.yaml:2: target: the alias *t has no anchor before it",
        ),
        (
            GOOD.replace("input: [1, 2]", "input: " + "[" * 40 + "]" * 40),
            "p.yaml:1: input[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
            "[0][0][0][0][0][0][0][0]: lists and mappings nest deeper than 32 levels",
        ),
        (
            "input: [1, 2]\ntarget: 1\nlayers:\n\t- weights: [1, 2]\nloss: mse\n",
            "p.yaml:4: YAML does not allow tabs for indentation (line 4, column 1); indent with spaces",
        ),
        (
            GOOD.replace("target: 1", "target: 1\ntitle: a\x1bb"),
            "p.yaml:3: YAML does not allow the control character U+001B (escape) "
            "(line 3, column 9); remove it",
        ),
    ],
)
def test_yaml_reading_errors_name_place_line_and_column(
    run: Any, write: Any, text: str, message: str
) -> None:
    path = write("x", "p.yaml")
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    result = run("solve", str(path))
    assert result.exit_code == 2
    assert result.stderr.replace(str(path), "p.yaml") == message + "\n"


@pytest.mark.parametrize("character", ["\u202e", "\u2066", "\u202a"])
def test_bidirectional_overrides_are_refused_in_texts(run: Any, write: Any, character: str) -> None:
    assert fails(run, write, GOOD + f'title: "abc{character}def"\n') == (
        "p.yaml:10: title: expected text without control characters, got the bidirectional "
        f"character U+{ord(character):04X} in it"
    )


def test_a_set_value_with_a_newline_is_one_line(run: Any) -> None:
    result = run("solve", "ex1", "--set", "input=[1,\n2")
    assert result.exit_code == 2
    assert result.stderr == (
        "--set input=[1,\\n2: expected VALUE to be YAML, got an error: "
        "did not find expected ',' or ']' (column 1)\n"
    )


def test_an_empty_or_too_long_file_name_is_one_line(run: Any) -> None:
    for command in ("solve", "validate"):
        result = run(command, "")
        assert result.exit_code == 2
        assert result.stderr == "'': expected a file name, got an empty argument\n"
    long_name = "a" * 300 + ".yaml"
    result = run("solve", long_name)
    assert result.exit_code == 2
    assert result.stderr == f"{long_name}: cannot read the file: File name too long\n"
