"""check on graph problems: node values and d<name> gradients, and the mistakes of
backpropagation by hand (a path missing, the upstream left out, add treated as multiply)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., Any]
Write = Callable[..., Path]

# f = (x·y)·(x + y) at x = 3, y = 2: a = 6, b = 5, f = 30; ∂f/∂a = b = 5, ∂f/∂b = a = 6,
# ∂f/∂x = 5·y + 6·1 = 16 (two paths), ∂f/∂y = 5·x + 6·1 = 21 (by hand).
FAN_OUT = """
title: Fan-out
inputs: {x: 3, y: 2}
graph:
  a: x * y
  b: x + y
  f: a * b
learning_rate: 0.1
"""


def grade(run: Run, write: Write, answers: str) -> tuple[int, dict[str, Any]]:
    problem = write(FAN_OUT)
    key = write("answers:\n" + answers, "answers.yaml")
    result = run("check", str(problem), "--answers", str(key), "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def test_right_answers_pass(run: Run, write: Write) -> None:
    code, report = grade(
        run, write, "  a: 6\n  b: 5\n  f: 30\n  da: 5\n  db: 6\n  dx: 16\n  dy: 21\n  x_new: 1.4\n"
    )
    assert code == 0
    assert report["passed"] is True
    assert [m["name"] for m in report["marks"]] == ["a", "b", "f", "db", "da", "dx", "dy", "x_new"]


@pytest.mark.parametrize(
    ("answers", "kind", "message"),
    [
        (
            "  dx: 10\n",
            "missing_path",
            "A path is missing: x is used twice, so dx is a sum of 2 terms, one per path; the "
            "one through b (argument 1) is left out.",
        ),
        (
            "  dx: 6\n",
            "missing_path",
            "A path is missing: x is used twice, so dx is a sum of 2 terms, one per path; the "
            "one through a (argument 1) is left out.",
        ),
        (
            "  dx: 3\n",
            "upstream_left_out",
            "The upstream gradient is left out: dx is the local gradient alone. By the chain "
            "rule each path contributes upstream × local, dx = da·∂a/∂x + db·∂b/∂x.",
        ),
        (
            "  dx: 22\n",
            "add_as_multiply",
            "An add gate is treated as a multiply gate: the local gradient of b with respect to "
            "each input is 1 (add distributes the upstream gradient unchanged), not the other "
            "input's value.",
        ),
        ("  dx: -16\n", "sign", "The sign is flipped: the answer is −1 times the expected one."),
        (
            "  x_new: 4.6\n",
            "plus_instead_of_minus",
            "The update adds the gradient: x_new = x + η·dx. Gradient descent moves against "
            "it: x ← x − η·dx.",
        ),
    ],
)
def test_common_mistakes_are_named(
    run: Run, write: Write, answers: str, kind: str, message: str
) -> None:
    code, report = grade(run, write, answers)
    assert code == 1
    (mark,) = report["marks"]
    assert (mark["diagnosis"]["kind"], mark["diagnosis"]["message"]) == (kind, message)


def test_a_wrong_value_carries_over(run: Run, write: Write) -> None:
    # a = 5 is wrong; f = 5·5 = 25 is right for it.
    code, report = grade(run, write, "  a: 5\n  b: 5\n  f: 25\n")
    assert code == 1
    assert report["first_wrong"] == "a"
    kinds = {m["name"]: m["diagnosis"] and m["diagnosis"]["kind"] for m in report["marks"]}
    assert kinds == {"a": "unexplained", "b": None, "f": "carried_over"}


def test_an_unknown_answer_name_lists_the_graphs(run: Run, write: Write) -> None:
    problem = write(FAN_OUT)
    key = write("answers:\n  dz: 1\n", "answers.yaml")
    result = run("check", str(problem), "--answers", str(key))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "answers.yaml:2: answers.dz: unknown quantity 'dz'; this problem's "
        "are a, b, f, db, da, dx, dy, x_new, y_new\n"
    )


def test_climbing_the_wrong_way_is_named(run: Run, write: Write) -> None:
    # ascent: x ← 3 + 0.1·16 = 4.6; going downhill instead gives 3 − 1.6 = 1.4.
    problem = write(FAN_OUT + "ascent: true\n")
    key = write("answers:\n  x_new: 4.6\n  y_new: 0.1\n", "answers.yaml")
    result = run("check", str(problem), "--answers", str(key), "--format", "json")
    marks = {m["name"]: m for m in json.loads(result.stdout)["marks"]}
    assert marks["x_new"]["right"] is True
    key.write_text("answers:\n  x_new: 1.4\n", encoding="utf-8")
    result = run("check", str(problem), "--answers", str(key), "--format", "json")
    (mark,) = json.loads(result.stdout)["marks"]
    assert mark["diagnosis"]["message"] == (
        "The update goes downhill: x_new = x − η·dx, but this problem climbs (ascent: true): "
        "x ← x + η·dx."
    )
