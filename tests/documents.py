"""Problems and helpers the document-format tests share (LaTeX, Markdown, HTML/SVG, API)."""

from __future__ import annotations

import os
import shutil

import pytest

SPECIAL = r"""
title: 'Special_chars: 100% & #1 $5 ^hat ~tilde \back {brace} [x] <a|b> `tick` "quoted" --set αβγ δ σ ∂ ⊙ ŷ'
description: "Underscores_and_more: a_b % & # $ ^ ~ \\ { } \\textbf{x} \\input{/etc/passwd} $x^2$ \\\\ — Greek: α β Γ Δ θ λ μ π Σ φ ω; ŷᵢ = σ(zᵢ), w₁₂⁽²⁾, ½, x ≤ y, ∞, café, naïve, Ångström, 中文, 😀\n\nSecond paragraph with #hash and *star* and _under_ and [link](http://x) and <b>bold</b>."
tasks:
  - "Compute z_1 = w·x + b (100% of it) & then # it"
  - "Explain why {braces} and \\commands\\ survive: $ \\$ ^_^ ~~strike~~ | pipe"
  - "- a task starting with a dash"
  - "[1, 2] is the input of # a task starting with a bracket"
  - "1. a task that looks numbered"
input: [1, 2]
target: 1
layers:
  - name: "hid_den & co. 50% | [0]"
    weights: [[0.1, 0.2], [0.3, 0.4]]
    activation: sigmoid
  - name: "out{put}"
    weights: [0.5, 0.6]
    activation: sigmoid
loss: mse
learning_rate: 0.1
variants:
  - name: "x = [2, 1] & #2 ~ 50% | $"
    set: {input: [2, 1]}
notes: |
  Notes with \newpage and \end{document} and %comment and \\ and a trailing \
  backslash, \x00 and a tab	here.

  # not a heading
  | a | b |
  |---|---|
  ```
  1. not a list ~~~ <script>alert(1)</script> $$x$$
"""
"""Every character LaTeX or Markdown reads as syntax, and Unicode maths, in every text field
(control characters are refused when the problem is loaded: tests/test_validation.py)."""

BATCH = """
title: A batch of three samples
samples:
  - {input: [1, 2], target: 1}
  - {input: [0, -1], target: 0}
  - {input: [2, 0.5], target: 1}
layers:
  - weights: [[0.1, 0.2], [0.3, 0.4]]
    bias: [0, 0]
    activation: tanh
  - weights: [0.5, 0.6]
    activation: sigmoid
loss: bce
learning_rate: 0.5
steps: 20
"""
"""A batch (per-sample marks, sums over samples) with a training run (the loss chart)."""


def tool(name: str) -> str:
    """The path of an external program (pdflatex, dot, …); CI installs it, elsewhere its tests
    are skipped."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: CI installs it (see .ci/run)")
        pytest.skip(f"{name} is not installed")
    return path


WIDE = """
title: A wide network on a batch
samples:
  - {input: [1.242, 1.616, -1.903], target: [0.14, -0.97, -0.41, 0.35]}
  - {input: [0.897, 0.598, -1.699], target: [-0.25, 0.61, -0.13, 0.35]}
layers:
  - {units: 6, init: {scheme: he_normal, seed: 140}, activation: gelu, bias: 0.1}
  - {units: 7, init: {scheme: he_normal, seed: 141}, activation: tanh, bias: 0.1}
  - {units: 4, init: {scheme: he_normal, seed: 142}, activation: silu, bias: 0.1}
loss: sse
"""
"""Matrix products too wide for a line and sums of seven products per neuron."""

LONG_SUMS = """
title: Seven outputs, scaled binary cross-entropy
input: [1.821, -1.82, 1.238, -1.907]
target: [0, 0, 1, 1, 1, 1, 0]
layers:
  - {units: 5, init: {scheme: he_normal, seed: 200}, activation: tanh, bias: 0.1}
  - {units: 2, init: {scheme: he_normal, seed: 201}, activation: leaky_relu, bias: 0.1}
  - {units: 7, init: {scheme: he_normal, seed: 202}, activation: sigmoid, bias: 0.1}
loss: {name: bce, scale: 0.5}
learning_rate: 0.1
"""
"""A loss whose sum runs over several lines, inside parentheses that must grow."""
