"""Layer kinds answer for themselves: ``type:``, their conventions, their parameters."""

from __future__ import annotations

from typing import Any

from backprop_cli import load, solve
from backprop_cli.nn.layers import LAYER_KINDS
from backprop_cli.render import Format, RenderOptions, render

KINKED = """
input: [1, -2]
target: 1
layers:
  - {weights: [[0.5, 0.25], [-0.5, 1]], activation: ACTIVATION}
  - {weights: [[1, 1]]}
loss: mse
"""


def _conventions(write: Any, activation: str) -> list[str]:
    path = write(KINKED.replace("ACTIVATION", activation))
    text = render(Format.PLAIN, [solve(load(str(path)))], RenderOptions())
    return [line for line in text.splitlines() if "At a kink" in line]


def test_a_leaky_relu_network_states_its_own_derivative_at_the_kink(write: Any) -> None:
    assert _conventions(write, "leaky_relu") == [
        "  - At a kink the derivative is taken as for z < 0: LeakyReLU′(0) = 0.01."
    ]
    assert _conventions(write, "{name: elu, alpha: 0.5}") == [
        "  - At a kink the derivative is taken as for z < 0: ELU′(0) = 0.5."
    ]
    assert _conventions(write, "relu") == [
        "  - At a kink the derivative is taken as for z < 0: ReLU′(0) = 0."
    ]
    assert _conventions(write, "tanh") == []


def test_a_layer_may_name_its_kind(write: Any) -> None:
    path = write(
        """
        input: 1
        target: 1
        layers:
          - {type: dense, weights: 2}
          - {type: activation, activation: tanh}
        loss: mse
        """
    )
    problem = load(str(path))
    assert [layer.kind.name for layer in problem.layers] == ["dense", "activation"]
    assert (
        solve(problem).gradients["W1"].tolist()
        == solve(
            load(
                str(
                    write(
                        "input: 1\ntarget: 1\nlayers: [{weights: 2}, {activation: tanh}]\nloss: mse\n",
                        "b.yaml",
                    )
                )
            )
        )
        .gradients["W1"]
        .tolist()
    )


def test_an_unknown_type_is_refused_with_the_kinds_there_are(run: Any, write: Any) -> None:
    path = write("input: 1\ntarget: 1\nlayers:\n  - {type: dens, weights: 2}\nloss: mse\n")
    result = run("solve", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"{path}:4: layers[0].type (layer 1): expected a layer type (one of "
        f"{', '.join(LAYER_KINDS)}), got the text 'dens' (did you mean 'dense'?)\n"
    )
