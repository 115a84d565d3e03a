"""What a graph's solution points out (fan-out sums, max routing, relu killing the gradient,
unused inputs) and its gradient check (solve --check), with exact words and numbers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

Run = Callable[..., Any]
Write = Callable[..., Path]

# By hand at x = 3, y = 2: a = 6, b = 9, m = max(6, 9) = 9, n1 = −1, r = relu(−1) = 0,
# f = m + a + r/2 + x^y = 9 + 6 + 0 + 9 = 24; ∂f/∂x = y (via a) + 2·x (via b, x·x: two
# paths) + 0 (via n1, r is dead) + y·x^(y−1) = 2 + 3 + 3 + 0 + 6 = 14.
MIXED = """
inputs: {x: 3, y: 2}
graph:
  a: x * y
  b: x * x
  m: max(a, b)
  r: relu(y - x)
  f: m + a + r / 2 + x ** y
"""


def report(run: Run, path: Path, *options: str) -> dict[str, Any]:
    result = run("solve", str(path), "--format", "json", *options)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_insights_name_fan_out_routing_and_a_dead_relu(run: Run, write: Write) -> None:
    data = report(run, write(MIXED))
    assert data["gradients"]["x"] == 14.0
    assert [(i["kind"], i["message"]) for i in data["insights"]] == [
        (
            "fan_out",
            "x is used 5 times (by a, b twice, n1 and n5): its gradient is the sum over the 5 "
            "paths, one term each, ∂f/∂x = 2 + 3 + 3 + 0 + 6 = 14 (leaving a path out is the "
            "classic mistake of backpropagation by hand).",
        ),
        (
            "fan_out",
            "y is used three times (by a, n1 and n5): its gradient is the sum over the 3 paths, "
            "one term each, ∂f/∂y = 3 + 0 + 9.888 = 12.89 (leaving a path out is the classic "
            "mistake of backpropagation by hand).",
        ),
        (
            "fan_out",
            "a is used twice (by m and n2): its gradient is the sum over the 2 paths, one term "
            "each, ∂f/∂a = 0 + 1 = 1 (leaving a path out is the classic mistake of "
            "backpropagation by hand).",
        ),
        (
            "routes",
            "max routes: m = max(a, b) sends the whole upstream gradient to b and none to a.",
        ),
        (
            "kills",
            "r = relu(…) kills the gradient: at its input n₁ = −1 its local gradient is 0, so "
            "nothing before it gets a gradient through it.",
        ),
    ]


def test_the_sum_over_paths_is_written_term_by_term(run: Run, write: Write) -> None:
    steps = {s["symbol"]: s for s in report(run, write(MIXED))["steps"]}
    assert steps["dx"]["formula"] == (
        "∂f/∂a·∂a/∂x + ∂f/∂b·∂b/∂x + ∂f/∂b·∂b/∂x + ∂f/∂n₁·∂n₁/∂x + ∂f/∂n₅·∂n₅/∂x = "
        "∂f/∂a·y + ∂f/∂b·x + ∂f/∂b·x + ∂f/∂n₁·(−1) + ∂f/∂n₅·y·x^(y − 1)"
    )
    assert steps["dx"]["substitution"] == "1·2 + 1·3 + 1·3 + 0·(-1) + 1·6"
    assert steps["dx"]["value"] == 14.0


def test_an_input_that_does_not_reach_the_output(run: Run, write: Write) -> None:
    data = report(run, write("inputs: {x: 1, y: 2}\ngraph: {f: x * 2}\n"))
    assert data["gradients"] == {"x": 2.0, "y": 0.0}
    assert data["insights"] == [{"kind": "unused", "message": "y does not reach f: ∂f/∂y = 0."}]


def test_gradient_check_passes_and_lists_a_kink(run: Run, write: Write) -> None:
    path = write("inputs: {x: 0, y: 2}\ngraph:\n  r: relu(x)\n  m: max(r, y)\n  f: m * y + r\n")
    data = report(run, path, "--check")
    check = data["gradient_check"]
    assert check["passed"] is True
    assert check["max_abs_error"] < 1e-9
    result = run("solve", str(path), "--check", "--format", "plain")
    assert result.exit_code == 0
    assert (
        "Not differentiable at x: the perturbation moves a relu or abs across 0, or turns a max "
        "or min, so\nthe finite difference means nothing there; not counted as a failure."
        in result.stdout
    )
    assert "gradient_check" not in report(run, path)  # only when asked for


def test_round_intermediate_is_for_networks(run: Run, write: Write) -> None:
    result = run("solve", str(write(MIXED)), "--round-intermediate", "2")
    assert result.exit_code == 2
    assert result.stderr == (
        "--round-intermediate is for network problems; a graph's values are shown to "
        "--precision digits and used in full\n"
    )
