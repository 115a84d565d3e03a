"""Each insight fires where it should and stays quiet where it should not."""

from __future__ import annotations

from typing import Any

from backprop_cli import load, solve
from backprop_cli.render.textmath import text_math
from backprop_cli.solve.records import Solution

MATH = text_math()


def kinds(solution: Solution) -> list[str]:
    return [insight.kind for insight in solution.insights]


def text(solution: Solution, kind: str) -> str:
    (insight,) = (i for i in solution.insights if i.kind == kind)
    return "".join(p if isinstance(p, str) else MATH.write(p) for p in insight.message)


def solved(write: Any, body: str) -> Solution:
    return solve(load(str(write(body))))


def test_dead_relu_fires_for_a_negative_pre_activation() -> None:
    solution = solve(load("ex3"))
    assert kinds(solution) == ["dead_relu"]
    assert text(solution, "dead_relu") == (
        "z = −0.5 < 0: the neuron is inactive (its ReLU outputs 0 for this input), so ReLU′(z) = 0 "
        "blocks the gradient: ∂L/∂w = 0 and ∂L/∂b = 0, a dead ReLU."
    )
    assert "dead_relu" not in kinds(solve(load("ex3", ["input=6"])))  # z = 1 > 0: active


def test_many_dead_relus_are_counted(write: Any) -> None:
    solution = solved(
        write,
        """
        input: [1, 1]
        target: 0
        layers:
          - {weights: [[-1, -1], [-1, -2], [-2, -1], [-3, -1], [1, 1]], activation: relu}
          - {weights: [1, 1, 1, 1, 1]}
        loss: mse
        """,
    )
    assert text(solution, "dead_relu").startswith("4 of the 5 ReLU neurons of layer 1 are inactive")


def test_kink_fires_exactly_at_zero_only() -> None:
    at_zero = solve(load("ex3", ["input=4"]))  # z = 0.5·4 − 2 = 0
    assert kinds(at_zero) == ["kink"]
    assert text(at_zero, "kink") == (
        "z = 0 is exactly at the kink of ReLU, where it has no derivative; the convention "
        "ReLU′(0) = 0 is used (a finite-difference check is not valid there)."
    )
    assert "kink" not in kinds(solve(load("ex3")))


def test_saturated_sigmoid(write: Any) -> None:
    body = """
        input: 1
        target: 1
        layers:
          - {weights: 10, activation: sigmoid}
          - {weights: 1}
        loss: mse
        """
    solution = solved(write, body)
    assert text(solution, "saturated").startswith(
        "σ′(z⁽¹⁾) = 4.54e−05 < 0.01: the neuron of layer 1 is saturated"
    )
    assert "saturated" not in kinds(solved(write, body.replace("weights: 10", "weights: 1")))


def test_cancellation_for_the_fused_pairs_only() -> None:
    assert kinds(solve(load("ex5"))) == ["cancellation"]
    assert text(solve(load("ex5")), "cancellation").startswith(
        "Sigmoid with binary cross-entropy: σ′ cancels."
    )
    assert text(solve(load("ex2")), "cancellation").startswith(
        "Softmax with cross-entropy: the Jacobian cancels."
    )
    assert "cancellation" not in kinds(solve(load("ex1")))


def test_no_cancellation_for_sigmoid_or_softmax_with_mse() -> None:
    assert kinds(solve(load("ex1"))) == ["no_cancellation"]
    softmax_mse = solve(load("ex2", ["loss=mse"]))
    assert text(softmax_mse, "no_cancellation").startswith("Softmax feeding MSE: nothing cancels")
    assert "no_cancellation" not in kinds(solve(load("ex5")))


def test_log_clamp(write: Any) -> None:
    body = """
        input: [1, 1]
        target: 0
        layers:
          - {weights: [[-1, -1], [1, 1]], activation: relu}
        loss: ce
        """
    solution = solved(write, body)  # ŷ₁ = ReLU(−2) = 0 where the class is 0: log 0 clamped
    assert "log_clamp" in kinds(solution)
    assert solution.loss == 100.0
    assert "log_clamp" not in kinds(solved(write, body.replace("target: 0", "target: 1")))


def test_vanishing_and_exploding_gradients(write: Any) -> None:
    chain = "\n".join("  - {weights: 0.1, activation: sigmoid}" for _ in range(6))
    body = f"input: 1\ntarget: 1\nlayers:\n{chain}\nloss: mse\n"
    vanishing = solve(load(str(write(body))))
    assert text(vanishing, "vanishing_gradient").startswith("The gradient shrinks by a factor of")
    big = "\n".join("  - {weights: 30}" for _ in range(3))
    exploding = solve(
        load(str(write(f"input: 1\ntarget: 1\nlayers:\n{big}\nloss: mse\n", "e.yaml")))
    )
    assert "exploding_gradient" in kinds(exploding)
    assert not {"vanishing_gradient", "exploding_gradient"} & set(kinds(solve(load("ex4"))))
