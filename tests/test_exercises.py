"""The five exercises of homework-1.txt against values derived by hand.

Each expected value below is the textbook derivation written out with the
scalar `math` module, one formula per line, independent of the engine's
NumPy code; the comments give the rounded numbers of the hand computation.
Tolerance 1e-9.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from backprop_cli import load, solve

TOL = 1e-9


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def close(actual: object, expected: object) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=0, atol=TOL
    )


def test_exercise_1_matrix_backpropagation() -> None:
    s = solve(load("ex1"))
    # Forward: z¹ = W¹x = [0.1·1 + 0.2·2, 0.3·1 + 0.4·2] = [0.5, 1.1]
    z1 = [0.5, 1.1]
    a1 = [sig(0.5), sig(1.1)]  # [0.622459, 0.750260]
    z2 = 0.5 * a1[0] + 0.6 * a1[1]  # 0.761413
    y_hat = sig(z2)  # 0.681665
    loss = (y_hat - 1.0) ** 2  # 0.101344 (MSE, mean over 1 output, no ½)
    # Backward: ∂L/∂ŷ = 2(ŷ − y) = −0.636670; δ² = ∂L/∂ŷ·ŷ(1 − ŷ) = −0.138163
    d2 = 2 * (y_hat - 1.0) * y_hat * (1 - y_hat)
    dW2 = [[d2 * a1[0], d2 * a1[1]]]  # [[−0.086001, −0.103658]]
    # δ¹ⱼ = w²ⱼ δ² σ′(z¹ⱼ) = [0.5·δ²·a(1−a), 0.6·δ²·a(1−a)] = [−0.016234, −0.015533]
    d1 = [0.5 * d2 * a1[0] * (1 - a1[0]), 0.6 * d2 * a1[1] * (1 - a1[1])]
    dW1 = [[d1[0] * 1, d1[0] * 2], [d1[1] * 1, d1[1] * 2]]
    close(s.layers[0].z[0], z1)
    close(s.layers[0].a[0], a1)
    close(s.layers[1].z[0], [z2])
    close(s.output[0], [y_hat])
    close(s.loss, loss)
    close(s.loss, 0.10134384787889553)  # the figure the project was checked against
    close(s.layers[1].delta[0], [d2])
    close(s.gradients["W2"], dW2)
    close(s.gradients["b2"], [d2])
    close(s.gradients["W1"], dW1)
    close(s.gradients["b1"], d1)
    # Update with the assumed η = 0.1: θ ← θ − 0.1·∂L/∂θ
    assert s.update is not None
    close(s.update.params["W2"], [[0.5 - 0.1 * dW2[0][0], 0.6 - 0.1 * dW2[0][1]]])
    close(s.update.params["W1"], np.array([[0.1, 0.2], [0.3, 0.4]]) - 0.1 * np.array(dW1))
    close(s.update.params["b1"], [-0.1 * d1[0], -0.1 * d1[1]])


def test_exercise_2_softmax_cross_entropy() -> None:
    s = solve(load("ex2"))
    total = math.exp(2) + math.exp(1) + math.exp(0)  # 11.107337
    y_hat = [math.exp(2) / total, math.exp(1) / total, 1 / total]  # [0.665241, 0.244728, 0.090031]
    loss = -math.log(y_hat[0])  # 0.407606
    close(s.output[0], y_hat)
    close(s.loss, loss)
    close(s.loss, math.log(total) - 2)  # the same, as log Σe^z − z₁
    # ∂L/∂zᵢ = ŷᵢ − yᵢ = [−0.334759, 0.244728, 0.090031]
    close(s.layers[0].delta[0], [y_hat[0] - 1, y_hat[1], y_hat[2]])
    close(s.gradients["x"][0], [y_hat[0] - 1, y_hat[1], y_hat[2]])
    assert s.fused
    assert s.problem.notes is not None and "ŷᵢ − yᵢ" in s.problem.notes  # task 4 is answered


def test_exercise_3_relu_and_its_variant() -> None:
    s = solve(load("ex3"))
    # z = wx + b = 0.5·3 − 2 = −0.5 < 0, so ReLU(z) = 0 and ReLU′(z) = 0
    close(s.layers[0].z[0], [-0.5])
    close(s.output[0], [0.0])
    close(s.loss, (0.0 - 2.0) ** 2)  # 4
    close(s.gradients["W1"], [[0.0]])  # ∂L/∂w = 2(ŷ − y)·ReLU′(z)·x = 2(−2)·0·3 = 0
    close(s.gradients["b1"], [0.0])
    # Task 3: with x = 2, z = 0.5·2 − 2 = −1 < 0: still inactive, the gradient stays 0
    (variant,) = s.variants
    assert variant.assignments == (("input", 2),)
    close(variant.solution.layers[0].z[0], [-1.0])
    close(variant.solution.loss, 4.0)
    close(variant.solution.gradients["W1"], [[0.0]])


def test_exercise_4_two_layers_sigmoid() -> None:
    s = solve(load("ex4"))
    a = sig(1.0)  # z¹ = I·[1, 1] = [1, 1], a¹ = [0.731059, 0.731059]
    z2 = a + a  # 1.462117
    y_hat = sig(z2)  # 0.811856
    loss = (y_hat - 1) ** 2  # 0.035398
    d2 = 2 * (y_hat - 1) * y_hat * (1 - y_hat)  # −0.057476
    d1 = 1.0 * d2 * a * (1 - a)  # w²ⱼ = 1: −0.011301
    close(s.layers[0].a[0], [a, a])
    close(s.output[0], [y_hat])
    close(s.loss, loss)
    close(s.gradients["W2"], [[d2 * a, d2 * a]])  # [[−0.042019, −0.042019]]
    close(s.gradients["W1"], [[d1, d1], [d1, d1]])  # x = [1, 1]
    close(s.gradients["b1"], [d1, d1])
    close(s.gradients["b2"], [d2])


def test_exercise_5_binary_cross_entropy() -> None:
    s = solve(load("ex5"))
    z = 0.5 * 4 + 0  # 2
    y_hat = sig(z)  # 0.880797
    loss = -math.log(1 - y_hat)  # y = 0: 2.126928
    close(s.output[0], [y_hat])
    close(s.loss, loss)
    close(s.loss, math.log(1 + math.exp(2)))  # 1 − σ(2) = 1/(1 + e²)
    # ∂L/∂w = ∂L/∂ŷ·∂ŷ/∂z·∂z/∂w = (ŷ − y)/(ŷ(1 − ŷ)) · ŷ(1 − ŷ) · x = (ŷ − 0)·4 = 3.523188
    close(s.gradients["W1"], [[y_hat * 4]])
    close(s.gradients["b1"], [y_hat])
    assert s.fused


@pytest.mark.parametrize("name", ["ex1", "ex2", "ex3", "ex4", "ex5"])
def test_every_task_of_every_exercise_is_answered(name: str) -> None:
    problem = load(name)
    assert problem.tasks, "the bundled problem states its tasks"
    from backprop_cli.render.document import Items
    from backprop_cli.render.layout import layout

    blocks = layout(solve(problem))
    (tasks,) = [b for b in blocks if isinstance(b, Items) and b.numbered]
    for item in tasks.items:
        assert "answered under" in "".join(p for p in item if isinstance(p, str)), item
