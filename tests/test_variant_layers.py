"""A variant that adds a layer: its rows in the comparison, its insights matched by what they say."""

from __future__ import annotations

from typing import Any

PROBLEM = """\
input: [1, 2]
target: 1
layers:
  - {weights: [[0.1, 0.2], [0.3, 0.4]], bias: [0, 0], activation: softmax}
loss: cross_entropy
variants:
  - name: a hidden layer
    set:
      layers: [{weights: [[0.5, 0.5], [0.2, -0.1]], bias: [0, 0], activation: tanh},
               {weights: [[0.1, 0.2], [0.3, 0.4]], bias: [0, 0], activation: softmax}]
"""


def test_an_added_layer_has_rows_and_an_insight_is_still_an_insight(run: Any, write: Any) -> None:
    out = run("solve", str(write(PROBLEM)), "-f", "plain").stdout
    variants = out[out.index("Variants\n--------") :]
    lines = [" ".join(line.split()) for line in variants.splitlines()]
    # Layer 2 of the variant: tanh(z⁽¹⁾) = tanh([1.5, 0]) = [0.905148, 0], so
    # z⁽²⁾ = W·a = [0.1·0.905148, 0.3·0.905148] = [0.09051, 0.2715].
    assert "z⁽²⁾ — [0.09051, 0.2715]ᵀ added" in lines
    assert "∂L/∂W⁽²⁾ — [[0.4117, 0], [−0.4117, 0]] added" in lines
    assert "∂L/∂b⁽²⁾ — [0.4549, −0.4549]ᵀ added" in lines
    # The cancellation of softmax + CE moved from layer 1 to layer 2: still the same insight.
    assert "▸ Still: Softmax with cross-entropy: the Jacobian cancels." in variants
    assert "Now:" not in variants and "No longer:" not in variants
