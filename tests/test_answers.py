"""Answers files: the shapes accepted, and every bad file an exact message with exit status 2."""

from __future__ import annotations

import json
from typing import Any

import pytest


def fails(run: Any, write: Any, text: str, problem: str = "ex1") -> str:
    path = write(text, "a.yaml")
    result = run("check", problem, "--answers", str(path))
    assert result.exit_code == 2, result.stdout
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0].replace(str(path), "a.yaml")


NAMES = "z1, a1, z2, a2, output, loss, delta2, dW2, db2, delta1, dW1, db1, dx, W1_new, b1_new, W2_new, b2_new"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "answers:\n  dw1: 1\n",
            f"a.yaml:2: answers.dw1: unknown quantity 'dw1' (did you mean 'dW1'?); this problem's are {NAMES}",
        ),
        (
            "answers:\n  z3: 1\n",
            f"a.yaml:2: answers.z3: unknown quantity 'z3'; the network has 2 layers; this problem's are {NAMES}",
        ),
        (
            "answers:\n  W1: [[0.1, 0.2], [0.3, 0.4]]\n",
            "a.yaml:2: answers.W1: unknown quantity 'W1'; W1 is given in the problem (its value "
            f"after the update is W1_new); this problem's are {NAMES}",
        ),
        (
            "answers:\n  dW2: [[1, 2], [3, 4]]\n",
            "a.yaml:2: answers.dW2: expected a 1×2 matrix (the shape of W2: neurons × inputs), got a 2×2 matrix",
        ),
        (
            "answers:\n  dW1: [1, 2, 3, 4]\n",
            "a.yaml:2: answers.dW1: expected a 2×2 matrix (the shape of W1: neurons × inputs), got a flat list of 4 values",
        ),
        (
            "answers:\n  a1: [1, 2, 3]\n",
            "a.yaml:2: answers.a1: expected 2 values, got a flat list of 3 values",
        ),
        (
            "answers:\n  loss: [1, 2]\n",
            "a.yaml:2: answers.loss: expected a number, got a flat list of 2 values",
        ),
        (
            "answers:\n  loss: yes\n",
            "a.yaml:2: answers.loss: expected a number, got the text 'yes'",
        ),
        (
            "answers:\n  loss: true\n",
            "a.yaml:2: answers.loss: expected a number, got true (a boolean)",
        ),
        ("answers:\n  loss: .nan\n", "a.yaml:2: answers.loss: expected a finite number, got NaN"),
        (
            "answers:\n  dW2: [[1, 2], [3]]\n",
            "a.yaml:2: answers.dW2[1]: expected rows of equal length (2 numbers, as in row 0), got 1 number",
        ),
        (
            "answers: {}\n",
            "a.yaml:1: answers: expected at least one quantity, got an empty mapping",
        ),
        (
            "loss: 0.1\n",
            "a.yaml:1: loss: unknown key 'loss'; expected one of the keys answers, tolerance",
        ),
        (
            "tolerance: {rel: 0.1}\n",
            "a.yaml:1: answers: expected a mapping of quantity names (output, loss, dW1, …) to numbers, got nothing (the key is missing)",
        ),
        (
            "",
            "a.yaml: expected answers: a mapping with the key answers (quantity names such as output, loss, dW1), got an empty file",
        ),
        (
            "answers: [1, 2\n",
            "a.yaml:2: YAML syntax error: did not find expected ',' or ']' (column 1)",
        ),
        (
            "answers:\n  loss: 1\ntolerance: {rell: 0.1}\n",
            "a.yaml:3: tolerance.rell: unknown key 'rell' (did you mean 'rel'?); expected one of the keys abs, rel",
        ),
        (
            "answers:\n  loss: 1\ntolerance: {rel: 1}\n",
            "a.yaml:3: tolerance.rel: expected a number ≥ 0 and below 1, got the number 1",
        ),
        (
            "answers:\n  loss: 1\ntolerance: {abs: -1}\n",
            "a.yaml:3: tolerance.abs: expected a number ≥ 0, got the number -1",
        ),
    ],
)
def test_bad_answers_files(run: Any, write: Any, text: str, message: str) -> None:
    assert fails(run, write, text) == message


def test_quantities_a_problem_does_not_have(run: Any, write: Any) -> None:
    message = fails(run, write, "answers:\n  dW1: 1\n", problem="ex2")
    assert message.startswith(
        "a.yaml:2: answers.dW1: unknown quantity 'dW1'; layer 1 is an activation layer, without weights"
    )
    problem = write("input: 1\ntarget: 1\nlayers: [{weights: 1}]\nloss: mse\n", "p.yaml")
    message = fails(run, write, "answers:\n  W1_new: 1\n", problem=str(problem))
    assert message.startswith(
        "a.yaml:2: answers.W1_new: unknown quantity 'W1_new'; the problem has no learning_rate, so no update"
    )


def test_a_missing_answers_file(run: Any) -> None:
    result = run("check", "ex1", "--answers", "no-such.yaml")
    assert result.exit_code == 2
    assert result.stderr.strip() == "no-such.yaml: no such file"
    result = run("check", "ex1", "--answers", "ex1")  # answers are never a bundled name
    assert result.stderr.strip() == "ex1: no such file"


def test_a_bad_problem_is_exit_2_too(run: Any, write: Any) -> None:
    answers = write("answers:\n  loss: 1\n", "a.yaml")
    result = run("check", "nope", "--answers", str(answers))
    assert result.exit_code == 2 and result.stderr.startswith("nope: no such file")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("output", 0.6817),  # a number for a one-element quantity
        ("output", [0.6817]),
        ("output", [[0.6817]]),
        ("a1", [[0.6225], [0.7503]]),  # a column vector
        ("a1", [[0.6225, 0.7503]]),  # a row vector
        ("db1", [[-0.01623], [-0.01553]]),
        ("dW2", [-0.086, -0.1037]),  # a flat list for a one-row matrix, as in problem files
        ("W2_new", [[0.5086, 0.6104]]),
        ("loss", [0.1013]),
    ],
)
def test_unambiguous_shapes_are_accepted(run: Any, write: Any, name: str, value: Any) -> None:
    path = write(f"answers:\n  {name}: {json.dumps(value)}\n", "a.yaml")
    result = run("check", "ex1", "--answers", str(path), "-f", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["marks"][0]["transposed"] is False


def test_a_transposed_matrix_is_read_and_marked(run: Any, write: Any) -> None:
    path = write("answers:\n  dW2: [[-0.086], [-0.1037]]\n", "a.yaml")
    result = run("check", "ex1", "--answers", str(path), "-f", "json")
    assert result.exit_code == 1
    mark = json.loads(result.stdout)["marks"][0]
    assert mark["transposed"] is True and mark["given"] == [[-0.086], [-0.1037]]
    assert mark["diagnosis"]["kind"] == "transposed"


@pytest.fixture
def unsolved(monkeypatch: Any) -> None:
    """The problem must not be solved: a bad answers file is refused before that."""

    def solve(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the problem was solved before the answers file was refused")

    monkeypatch.setattr("backprop_cli.grade.check.solve", solve)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (  # ex1 has 9 parameters and 5 values in a forward pass: no quantity holds more than 9
            "answers:\n  dW1: [" + ", ".join(["[0.5, 0.5, 0.5, 0.5]"] * 4) + "]\n",
            "a.yaml:2: answers.dW1: expected at most 9 numbers (no quantity of the problem "
            "holds more), got 16",
        ),
        (
            "answers:\n  loss: 1\nanswer: {}\n",
            "a.yaml:3: answer: unknown key 'answer' (did you mean 'answers'?); expected one of "
            "the keys answers, tolerance",
        ),
        (
            "answers:\n  loss: 1\ntolerance: {rel: 2}\n",
            "a.yaml:3: tolerance.rel: expected a number ≥ 0 and below 1, got the number 2",
        ),
    ],
)
def test_an_answers_file_that_cannot_be_right_is_refused_before_the_solve(
    run: Any, write: Any, unsolved: None, text: str, message: str
) -> None:
    assert fails(run, write, text) == message


def test_an_answers_file_over_the_value_cap_is_refused_before_the_solve(
    run: Any, write: Any, unsolved: None, monkeypatch: Any
) -> None:
    from backprop_cli.load import caps

    monkeypatch.setattr(caps, "MAX_YAML_VALUES", 100)
    text = "answers:\n  dW1: [" + ", ".join(["0.5"] * 200) + "]\n"
    assert fails(run, write, text) == (
        "a.yaml:2: answers.dW1[95]: the file holds more than 100 values (every use of an alias "
        "counts in full); that is beyond the size cap"
    )
