"""`backprop check`: marks, the first wrong step, every diagnosis, exit codes.

The wrong answers are crafted from the hand derivation of exercise 1 below
(the same formulas as test_exercises.py), each the way a student makes the
mistake; every diagnosis must fire on its mistake, and neither on a right
answer nor on an arbitrary wrong one.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backprop_cli import load, solve
from backprop_cli.grade.answers import key as answer_key


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# Exercise 1 by hand: x = [1, 2], W1 = [[0.1, 0.2], [0.3, 0.4]], W2 = [0.5, 0.6], sigmoid, y = 1.
X = [1.0, 2.0]
W2 = [0.5, 0.6]
ETA = 0.1
Z1 = [0.5, 1.1]
A1 = [sig(0.5), sig(1.1)]
Z2 = 0.5 * A1[0] + 0.6 * A1[1]
YHAT = sig(Z2)
LOSS = (YHAT - 1) ** 2
G2 = 2 * (YHAT - 1)  # ∂L/∂ŷ
D2 = G2 * YHAT * (1 - YHAT)  # δ2 = ∂L/∂ŷ·σ′(z2)
D1 = [W2[j] * D2 * A1[j] * (1 - A1[j]) for j in range(2)]
DW2 = [[D2 * A1[0], D2 * A1[1]]]
DW1 = [[D1[j] * X[k] for k in range(2)] for j in range(2)]
DX = [0.1 * D1[0] + 0.3 * D1[1], 0.2 * D1[0] + 0.4 * D1[1]]
RIGHT: dict[str, Any] = {
    "z1": Z1,
    "a1": A1,
    "z2": Z2,
    "output": YHAT,
    "loss": LOSS,
    "delta2": D2,
    "dW2": DW2,
    "db2": D2,
    "delta1": D1,
    "dW1": DW1,
    "db1": D1,
    "dx": DX,
    "W2_new": [[W2[0] - ETA * DW2[0][0], W2[1] - ETA * DW2[0][1]]],
}


def scaled(value: Any, factor: float) -> Any:
    return (np.asarray(value) * factor).tolist()


def significant(value: Any, digits: int) -> Any:
    return np.vectorize(lambda x: float(f"{x:.{digits}g}"))(np.asarray(value)).tolist()


def answers_file(write: Any, values: dict[str, Any], extra: str = "") -> str:
    lines = ["answers:"] + [f"  {name}: {json.dumps(value)}" for name, value in values.items()]
    return str(write("\n".join(lines) + "\n" + extra, "answers.yaml"))


def graded(run: Any, write: Any, values: dict[str, Any], problem: str = "ex1") -> dict[str, Any]:
    result = run("check", problem, "--answers", answers_file(write, values), "-f", "json")
    assert result.stderr == ""
    data: dict[str, Any] = json.loads(result.stdout)
    assert result.exit_code == (0 if data["passed"] else 1)
    return data


def kinds(data: dict[str, Any]) -> dict[str, str | None]:
    return {m["name"]: m["diagnosis"] and m["diagnosis"]["kind"] for m in data["marks"]}


@pytest.mark.parametrize("name", ["ex1", "ex2", "ex3", "ex4", "ex5"])
def test_the_exercises_own_answers_pass(run: Any, write: Any, name: str) -> None:
    key = answer_key(solve(load(name)), f"key of {name}")
    result = run("check", name, "--answers", str(write(key, "key.yaml")))
    assert result.exit_code == 0, result.stdout
    assert "answers are right." in result.stdout and "✗" not in result.stdout


def test_answers_rounded_to_4_digits_pass_and_to_3_digits_too(run: Any, write: Any) -> None:
    for digits in (3, 4):
        rounded = {n: significant(v, digits) for n, v in RIGHT.items()}
        data = graded(run, write, rounded)
        assert data["passed"] and data["right"] == len(RIGHT)


def test_the_half_convention_of_mse_is_named(run: Any, write: Any) -> None:
    half = {n: scaled(RIGHT[n], 0.5) for n in ("loss", "dW2", "db2", "dW1", "db1")}
    data = graded(run, write, {"output": YHAT, **half})
    assert data["first_wrong"] == "loss"
    assert set(kinds(data).values()) == {None, "half_convention"}
    assert data["summary"].startswith(
        "The first wrong step is loss. Exactly half the expected value: you used the ½ "
        "convention, L = ½Σ(ŷ − y)², but this problem's MSE has no ½"
    )


def test_the_plain_report_leads_with_the_first_wrong_step(run: Any, write: Any) -> None:
    half = {n: scaled(RIGHT[n], 0.5) for n in ("loss", "dW2")}
    path = answers_file(write, {"output": YHAT, **half})
    result = run("check", "ex1", "--answers", path, "-f", "plain")
    assert result.exit_code == 1
    lines = result.stdout.replace(path, "answers.yaml").splitlines()
    assert set(lines[1]) == {"="}
    assert lines[:1] + lines[2:5] == [
        "Check of answers.yaml against ex1: Exercise 1: Matrix-based backpropagation",
        "",
        "The first wrong step is loss. Exactly half the expected value: you used the ½ convention, L = ½Σ(ŷ −",
        "y)², but this problem's MSE has no ½, so its loss and every gradient are twice yours.",
    ]
    assert "  output  0.6817              0.6817             ✓ right" in lines
    assert "  loss    0.05067             0.1013             ✗ wrong: the ½ convention" in lines
    assert "  - dW2: the ½ convention, as in loss." in lines
    assert lines[-1] == "Result: 1 of 3 right."
    text = " ".join(result.stdout.split())
    assert "within 0.5% of the expected value (of a twentieth of the largest entry" in text


def test_a_wrong_a1_is_the_first_wrong_step_and_the_rest_carried_over(run: Any, write: Any) -> None:
    a1 = [0.6, 0.75]  # σ(z1) worked out wrongly
    z2 = 0.5 * a1[0] + 0.6 * a1[1]
    yhat = sig(z2)
    d2 = 2 * (yhat - 1) * yhat * (1 - yhat)
    d1 = [W2[j] * d2 * a1[j] * (1 - a1[j]) for j in range(2)]
    values = {
        "z1": Z1,
        "a1": a1,
        "z2": z2,
        "loss": (yhat - 1) ** 2,
        "dW2": [[d2 * a1[0], d2 * a1[1]]],
        "dW1": [[d1[j] * X[k] for k in range(2)] for j in range(2)],
    }
    data = graded(run, write, values)
    assert data["first_wrong"] == "a1"
    assert kinds(data) == {
        "z1": None,
        "a1": "unexplained",
        "z2": "carried_over",
        "loss": "carried_over",
        "dW2": "carried_over",
        "dW1": "carried_over",
    }
    assert all(m["diagnosis"]["from"] == "a1" for m in data["marks"][2:])
    assert data["summary"] == (
        "The first wrong step is a1. None of the common mistakes explains it; work it out "
        "again: a1 = σ(z1). a1 is wrong, so z2, loss, dW2 and dW1 are wrong too (right for "
        "your a1): fix a1 first."
    )


def test_marks_follow_the_solution_order_not_the_file_order(run: Any, write: Any) -> None:
    values = {"dW1": scaled(DW1, -1), "loss": LOSS * 0.5, "a1": A1}
    data = graded(run, write, values)
    assert [m["name"] for m in data["marks"]] == ["a1", "loss", "dW1"]
    assert data["first_wrong"] == "loss"


A1_WRONG = [0.6, 0.75]
D2_LEFT_OUT = G2  # σ′(z2) left out: δ2 = ∂L/∂ŷ
D1_LEFT_OUT = [W2[0] * D2, W2[1] * D2]  # σ′(z1) left out: δ1 = W2ᵀδ2
D1_BOTH = [W2[0] * G2, W2[1] * G2]  # left out of both layers
D2_AT_A = G2 * sig(YHAT) * (1 - sig(YHAT))  # σ′(a2) = σ(a2)(1 − σ(a2)) instead of a2(1 − a2)
W2_NEW = [W2[0] - ETA * DW2[0][0], W2[1] - ETA * DW2[0][1]]
D1_NEW_W = [W2_NEW[j] * D2 * A1[j] * (1 - A1[j]) for j in range(2)]  # through W2_new

MISTAKES = [
    ("sign", {"dW2": scaled(DW2, -1)}, "dW2", "sign"),
    ("sign of dx", {"dx": scaled(DX, -1)}, "dx", "sign"),
    ("transposed square", {"dW1": np.transpose(DW1).tolist()}, "dW1", "transposed"),
    ("transposed shape", {"dW2": [[DW2[0][0]], [DW2[0][1]]]}, "dW2", "transposed"),
    ("σ′ left out at the output", {"delta2": D2_LEFT_OUT}, "delta2", "derivative_left_out"),
    (
        "σ′ left out, seen in dW2",
        {"dW2": [[D2_LEFT_OUT * A1[0], D2_LEFT_OUT * A1[1]]]},
        "dW2",
        "derivative_left_out",
    ),
    (
        "σ′ left out of δ1, seen in dW1",
        {"delta2": D2, "dW1": [[D1_LEFT_OUT[j] * X[k] for k in range(2)] for j in range(2)]},
        "dW1",
        "derivative_left_out",
    ),
    (
        "σ′ left out everywhere, seen in db1",
        {"db1": [D1_BOTH[0], D1_BOTH[1]]},
        "db1",
        "derivative_left_out",
    ),
    ("σ′ taken at a", {"delta2": D2_AT_A}, "delta2", "derivative_of_a"),
    (
        "+ instead of −",
        {"W2_new": [[W2[0] + ETA * DW2[0][0], W2[1] + ETA * DW2[0][1]]]},
        "W2_new",
        "plus_instead_of_minus",
    ),
    ("updated weights used", {"delta1": D1_NEW_W}, "delta1", "updated_weights_used"),
    (
        "updated weights used, seen in dW1",
        {"dW1": [[D1_NEW_W[j] * X[k] for k in range(2)] for j in range(2)]},
        "dW1",
        "updated_weights_used",
    ),
]


@pytest.mark.parametrize(("case", "values", "name", "kind"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_is_diagnosed(
    run: Any, write: Any, case: str, values: dict[str, Any], name: str, kind: str
) -> None:
    data = graded(run, write, values)
    assert kinds(data)[name] == kind
    assert data["first_wrong"] == name


@pytest.mark.parametrize(("case", "values", "name", "kind"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_no_diagnosis_fires_on_a_right_or_an_arbitrary_wrong_answer(
    run: Any, write: Any, case: str, values: dict[str, Any], name: str, kind: str
) -> None:
    right = graded(run, write, {name: RIGHT[name]})
    assert right["passed"] and kinds(right) == {name: None}
    arbitrary = graded(run, write, {name: scaled(RIGHT[name], 1.3)})
    assert kinds(arbitrary) == {name: "unexplained"}


def test_the_missing_half_in_a_problem_that_has_it(run: Any, write: Any) -> None:
    problem = write(
        "input: 1\ntarget: 0\nlayers:\n  - {weights: 0.5, bias: 0.2}\n"
        "loss: {name: sse, scale: 0.5}\n",
        "half.yaml",
    )
    z = 0.5 + 0.2
    data = graded(run, write, {"loss": z**2, "dW1": 2 * z}, problem=str(problem))
    assert kinds(data) == {"loss": "half_convention", "dW1": "half_convention"}
    assert "Exactly twice the expected value" in data["summary"]


def test_an_answer_right_for_rounded_values_is_right_as_rounded(run: Any, write: Any) -> None:
    output = round(YHAT * (1 - 0.0044), 4)  # 0.44 % low: right within the tolerance …
    data = graded(run, write, {"output": output, "loss": (output - 1) ** 2})  # … 1.9 % in L
    assert data["passed"] and kinds(data) == {"output": None, "loss": None}
    assert [m["rounded"] for m in data["marks"]] == [False, True]
    plain = run("check", "ex1", "--answers", answers_file(write, {"loss": (output - 1) ** 2}))
    assert plain.exit_code == 1  # without the output it came from, 1.9 % off is wrong


def test_plus_instead_of_minus_over_several_steps(run: Any, write: Any) -> None:
    problem = write(
        "input: 1\ntarget: 1\nlayers:\n  - {weights: 0.5, bias: 0, activation: sigmoid}\n"
        "loss: mse\nlearning_rate: 0.5\nsteps: 3\n",
        "steps.yaml",
    )
    w, b = 0.5, 0.0
    for _ in range(3):  # gradient ascent by hand: θ ← θ + η ∂L/∂θ
        a = sig(w + b)
        d = 2 * (a - 1) * a * (1 - a)
        w, b = w + 0.5 * d, b + 0.5 * d
    data = graded(run, write, {"W1_new": w, "b1_new": b}, problem=str(problem))
    assert kinds(data) == {"W1_new": "plus_instead_of_minus", "b1_new": "plus_instead_of_minus"}


def test_a_batch_is_checked_per_sample(run: Any, write: Any) -> None:
    problem = write(
        "samples:\n  - {input: [1, 2], target: 1}\n  - {input: [0.5, -1], target: 0}\n"
        "layers:\n  - {weights: [[0.1, 0.2], [0.3, 0.4]], activation: sigmoid}\n"
        "  - {weights: [0.5, 0.6], activation: sigmoid}\nloss: mse\n",
        "batch.yaml",
    )
    s = solve(load(str(problem)))
    key = answer_key(s, "key")
    result = run("check", str(problem), "--answers", str(write(key, "key.yaml")))
    assert result.exit_code == 0
    output = s.output.tolist()
    data = graded(run, write, {"output": [row[0] for row in output]}, problem=str(problem))
    assert data["passed"]  # one output per sample: a flat list is unambiguous
    data = graded(run, write, {"z1": s.layers[0].z.T.tolist()}, problem=str(problem))
    assert kinds(data) == {"z1": "transposed"}


def test_tolerance_is_stated_and_can_be_changed(run: Any, write: Any) -> None:
    path = answers_file(write, {"loss": LOSS * 1.05}, "tolerance: {rel: 0.1, abs: 1e-4}\n")
    result = run("check", "ex1", "--answers", path, "-f", "plain")
    assert result.exit_code == 0
    assert "within 10% of the expected value or 0.0001 of it (of a twentieth" in result.stdout
    help_text = " ".join(run("check", "--help").stdout.split())
    assert "within 0.5% of the expected value (of a twentieth of the largest entry" in help_text
    assert (
        "rounded to the digits written (at least 2 significant digits or 3 decimals)" in help_text
    )
    assert "judged by its change W_new − W" in help_text


def test_rich_degrades_to_plain_when_not_a_terminal(run: Any, write: Any) -> None:
    path = answers_file(write, {"loss": LOSS})
    result = run("check", "ex1", "--answers", path)
    assert result.exit_code == 0 and "\x1b[" not in result.stdout
    assert result.stdout == run("check", "ex1", "--answers", path, "-f", "plain").stdout
    assert "The answer is right." in result.stdout


def test_the_readme_example_answers_pass(run: Any, write: Any) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\nanswers:\n", 1)[1].split("```", 1)[0]
    path = write("answers:\n" + example, "readme.yaml")
    result = run("check", "ex1", "--answers", str(path))
    assert result.exit_code == 0, result.stdout
    assert "All 6 answers are right." in result.stdout


def test_a_batch_written_sample_per_column_is_transposed_everywhere(run: Any, write: Any) -> None:
    """One layout, one verdict: square (2 samples × 2 units) or not (2 × 1), forward or back."""
    problem = write(
        "samples:\n  - {input: [1, 2], target: 1}\n  - {input: [0.5, -1], target: 0}\n"
        "layers:\n  - {weights: [[0.1, 0.2], [0.3, 0.4]], activation: sigmoid}\n"
        "  - {weights: [0.5, 0.6], activation: sigmoid}\nloss: mse\n",
        "batch.yaml",
    )
    s = solve(load(str(problem)))
    by_column = {
        "z1": s.layers[0].z.T.tolist(),
        "a1": s.layers[0].a.T.tolist(),
        "delta2": s.layers[1].delta.T.tolist(),
        "delta1": s.layers[0].delta.T.tolist(),
    }
    data = graded(run, write, by_column, problem=str(problem))
    assert kinds(data) == dict.fromkeys(by_column, "transposed")
    assert [m["transposed"] for m in data["marks"]] == [True] * 4
    assert "a batch has one row per sample" in data["summary"]
