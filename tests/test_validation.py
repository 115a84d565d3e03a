"""Bad problem files: exit status 2 and one exact message on stderr, never a traceback.

One test per class of bad input of SPEC.md ("Validation"), each asserting the
whole message: file, line, place, what was expected and what was found.
"""

from __future__ import annotations

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
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0].replace(str(path), "p.yaml")


def test_the_spec_example_shape_mismatch(run: Any, write: Any) -> None:
    text = GOOD.replace("weights: [0.5, 0.6]", "weights: [[0.5, 0.6], [0.5, 0.6]]")
    assert fails(run, write, text) == (
        "p.yaml:7: layers[1].weights (layer 2): expected 1×2 (1 neuron × 2 inputs from layer 1), got 2×2"
    )


def test_yaml_syntax(run: Any, write: Any) -> None:
    assert fails(run, write, "input: [1, 2\ntarget: 1\n") == (
        "p.yaml:2: YAML syntax error: did not find expected ',' or ']' (column 7)"
    )


def test_unknown_key_with_did_you_mean(run: Any, write: Any) -> None:
    message = fails(run, write, GOOD + "learnin_rate: 0.1\n")
    assert message.startswith(
        "p.yaml:10: learnin_rate: unknown key 'learnin_rate' (did you mean 'learning_rate'?); expected one of the keys title,"
    )


def test_unknown_key_inside_a_layer(run: Any, write: Any) -> None:
    message = fails(
        run,
        write,
        GOOD.replace("activation: sigmoid\n  - weights", "activaton: sigmoid\n  - weights"),
    )
    assert message.startswith(
        "p.yaml:6: layers[0].activaton (layer 1): unknown key 'activaton' (did you mean 'activation'?)"
    )


def test_missing_key(run: Any, write: Any) -> None:
    assert fails(run, write, GOOD.replace("loss: mse\n", "")) == (
        "p.yaml:1: loss: expected the key 'loss' (every problem needs a loss and targets, or upstream: "
        "the gradient ∂L/∂ŷ given instead of both), got nothing (the key is missing)"
    )
    assert fails(run, write, GOOD.replace("target: 1\n", "")) == (
        "p.yaml:1: target: expected a target beside the input (or upstream: ∂L/∂ŷ given instead "
        "of loss and target), got nothing (the key is missing)"
    )


def test_wrong_type(run: Any, write: Any) -> None:
    assert fails(run, write, GOOD.replace("[1, 2]", "[1, two]")) == (
        "p.yaml:1: input[1]: expected a number, got the text 'two'"
    )
    assert fails(run, write, GOOD + "learning_rate: fast\n") == (
        "p.yaml:10: learning_rate: expected a learning rate > 0, got the text 'fast'"
    )


def test_a_boolean_is_never_a_number(run: Any, write: Any) -> None:
    assert fails(run, write, GOOD.replace("target: 1", "target: true")) == (
        "p.yaml:2: target: expected a target: a number or a list of numbers, got true (a boolean)"
    )


def test_non_finite_numbers(run: Any, write: Any) -> None:
    assert (
        fails(run, write, GOOD.replace("[1, 2]", "[1, .nan]"))
        == "p.yaml:1: input[1]: expected a finite number, got NaN"
    )
    assert fails(run, write, GOOD.replace("0.3, 0.4", "0.3, -.inf")) == (
        "p.yaml:5: layers[0].weights[1][1] (layer 1): expected a finite number, got minus infinity"
    )
    assert fails(run, write, GOOD.replace("target: 1", "target: 1e999")) == (
        "p.yaml:2: target: expected a finite number, got infinity"
    )


def test_ragged_list(run: Any, write: Any) -> None:
    assert fails(run, write, GOOD.replace("[0.3, 0.4]", "[0.3]")) == (
        "p.yaml:5: layers[0].weights[1] (layer 1): expected rows of equal length (2 numbers, as in row 0), got 1 number"
    )


def test_input_width_does_not_fit_the_first_layer(run: Any, write: Any) -> None:
    assert fails(run, write, GOOD.replace("input: [1, 2]", "input: [1, 2, 3]")) == (
        "p.yaml:4: layers[0].weights (layer 1): expected 2×3 (2 neurons × 3 inputs from x), got 2×2"
    )


def test_target_width_does_not_fit_the_output(run: Any, write: Any) -> None:
    # A target written as a list states its width: the message says the target and the
    # network disagree, at the target (a number target keeps the SPEC's weights message).
    assert fails(run, write, GOOD.replace("target: 1", "target: [1, 0]")) == (
        "p.yaml:2: target: the target has 2 values but the network has 1 output "
        "(layer 2 has 1 neuron); expected 1 value, or 2 neurons in layer 2"
    )


def test_samples_of_different_widths(run: Any, write: Any) -> None:
    text = GOOD.replace(
        "input: [1, 2]\ntarget: 1\n",
        "samples:\n  - {input: [1, 2], target: 1}\n  - {input: [1], target: 1}\n",
    )
    assert (
        fails(run, write, text)
        == "p.yaml:3: samples[1].input: expected 2 values like samples[0].input, got 1"
    )


def test_unknown_activation_and_loss_names(run: Any, write: Any) -> None:
    assert fails(
        run, write, GOOD.replace("activation: sigmoid\nloss", "activation: sigmod\nloss")
    ).endswith("got the text 'sigmod' (did you mean 'sigmoid'?)")
    message = fails(run, write, GOOD.replace("loss: mse", "loss: cross_entropie"))
    assert message.startswith("p.yaml:9: loss: expected a loss name (one of ")
    assert message.endswith("got the text 'cross_entropie' (did you mean 'cross_entropy'?)")


def test_parameter_an_activation_does_not_take(run: Any, write: Any) -> None:
    text = GOOD.replace("activation: sigmoid\nloss", "activation: {name: relu, alpha: 0.1}\nloss")
    assert fails(run, write, text) == (
        "p.yaml:8: layers[1].activation.alpha (layer 2): expected no parameters for relu "
        "(only leaky_relu and elu take alpha), got alpha"
    )


def test_targets_outside_the_loss_domain(run: Any, write: Any) -> None:
    assert fails(
        run, write, GOOD.replace("target: 1", "target: 2").replace("loss: mse", "loss: bce")
    ) == ("p.yaml:2: target: expected targets in [0, 1] for binary cross-entropy, got the number 2")
    softmax = GOOD.replace("weights: [0.5, 0.6]", "weights: [[0.5, 0.6], [0.1, 0.2]]")
    softmax = softmax.replace("activation: sigmoid\nloss", "activation: softmax\nloss").replace(
        "loss: mse", "loss: ce"
    )
    assert fails(run, write, softmax.replace("target: 1", "target: 2")) == (
        "p.yaml:2: target: expected a class index: a whole number from 0 to 1, got the number 2"
    )
    assert fails(run, write, softmax.replace("target: 1", "target: [0.5, 0.6]")) == (
        "p.yaml:2: target: expected a class index or a probability vector (non-negative, summing to 1), got a list of 2 items"
    )


def test_outputs_outside_the_loss_domain(run: Any, write: Any) -> None:
    text = GOOD.replace("activation: sigmoid\nloss", "activation: identity\nloss").replace(
        "loss: mse", "loss: bce"
    )
    assert fails(run, write, text.replace("[0.5, 0.6]", "[2, 2]")) == (
        "p.yaml: loss: expected outputs ŷ in [0, 1] (binary cross-entropy takes probabilities), "
        "got outputs from 2.74544 to 2.74544"
    )


def test_sizes_beyond_the_caps_are_refused_before_allocation(run: Any, write: Any) -> None:
    text = "input: 1\ntarget: 1\nlayers:\n  - {units: 100000, init: {scheme: zeros}}\n  - {units: 100000, init: {scheme: zeros}}\n  - {units: 1, init: {scheme: zeros}}\nloss: mse\n"
    assert fails(run, write, text) == (
        "p.yaml:5: layers[1].units (layer 2): expected at most 5,000,000 parameters in the whole "
        "network (the size cap), got 10,000,300,000 by this layer"
    )
    assert fails(run, write, GOOD + "learning_rate: 0.1\nsteps: 1000000\n") == (
        "p.yaml:11: steps: expected a whole number of steps from 1 to 100,000, got the number 1000000"
    )


def test_alias_bomb_is_refused_quickly(run: Any, write: Any) -> None:
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    message = fails(run, write, "\n".join(lines) + "\n")
    assert message.startswith("p.yaml:6: a5[3]: the file holds more than 500,000 values")


def test_python_tags_are_refused_and_run_nothing(run: Any, write: Any, tmp_path: Any) -> None:
    marker = tmp_path / "ran"
    text = f"input: !!python/object/apply:os.system ['touch {marker}']\n"
    assert fails(run, write, text) == (
        "p.yaml:1: input: the tag !!python/object/apply:os.system is not allowed (plain YAML data only)"
    )
    assert not marker.exists()


def test_control_characters_in_texts_are_refused(run: Any, write: Any) -> None:
    text = 'title: "Ex \\e]0;pwned\\a"\n' + GOOD
    assert fails(run, write, text) == (
        "p.yaml:1: title: expected text without control characters, got the control character U+001B in it"
    )


def test_yaml_12_numbers_are_numbers(run: Any, write: Any) -> None:
    path = write(GOOD.replace("[1, 2]", "[1e-3, 2E2]") + "learning_rate: 1e-3\n")
    result = run("solve", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    "content,message",
    [
        (
            b"",
            "p.yaml: expected a problem (a mapping with at least layers and loss), got an empty file",
        ),
        (b"\x00\x01\x02", "p.yaml: expected YAML text, got a binary file (it holds NUL bytes)"),
        (
            b"title: caf\xe9\n",
            "p.yaml:1: expected UTF-8 text, got the byte 0xe9 that UTF-8 does not allow",
        ),
        (
            b"- 1\n- 2\n",
            "p.yaml:1: expected a problem: a mapping with keys such as input, layers, loss, got a list of 2 items",
        ),
        (b"a: 1\na: 2\n", "p.yaml:2: a: the key 'a' appears twice (first at line 1)"),
        (b"a: 1\n---\nb: 2\n", "p.yaml:2: expected one problem, found a second YAML document"),
    ],
)
def test_bad_files(run: Any, tmp_path: Any, content: bytes, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(content)
    result = run("solve", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip().replace(str(path), "p.yaml") == message


def test_missing_file_and_directory(run: Any, tmp_path: Any) -> None:
    result = run("solve", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "nope.yaml: no such file, and no bundled problem of that name (bundled: ex1, ex2, ex3, ex4, ex5)"
    )
    result = run("solve", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{tmp_path}: expected a problem file, got a directory"
