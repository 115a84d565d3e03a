"""Problem texts in the LaTeX document: their maths typeset as maths, whatever they hold."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backprop_cli import load, solve
from backprop_cli.render import Format, RenderOptions, render
from backprop_cli.render.latexprose import prose, typeset


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(x for layer 1).", r"($x$ for layer 1)."),
        ("row j of W holds neuron j's weights", r"row $j$ of $W$ holds neuron $j$'s weights"),
        ("z = wx + b = 0.5·3 − 2 < 0, so", r"$z = wx + b = 0.5\cdot 3 - 2 < 0$, so"),
        ("z = [2, 1, 0]; y = 1.", r"$z = [2, 1, 0]$; $y = 1$."),
        ("e^{zᵢ}/Σⱼe^{zⱼ}", r"$e^{z_{i}}/\sum_{j}e^{z_{j}}$"),
        ("ΣW²", r"$\sum W^{2}$"),  # not \sumW, an unknown command
        (
            "w₁₂⁽²⁾ and ŷ = softmax(z)",
            r"$w_{1 2}^{( 2 )}$ and $\hat{y} = \operatorname{softmax}(z)$",
        ),
        ("1/(1 + e^−z) is σ(z)", r"$1/(1 + e^{-z})$ is $\sigma (z)$"),
        ("ReLU′(0) = 0", r"$\operatorname{ReLU}^{\prime}(0) = 0$"),
        ("the ½ convention", r"the $\tfrac{1}{2}$ convention"),
        ("a layer, he_normal and 2-2-1", r"a layer, he\_normal and 2-2-1"),
        ("100% of x_1 & #2", r"100\% of $x_{1}$ \& \#2"),
        (" = ", " = "),
        ("ŷ^", r"$\hat{y}\text{\^{}}$"),  # a ^ with nothing after it (this hung)
        (
            "the gradients ∂L/∂W₂, ∂L/∂b₂ and x = [1, 2].",
            r"the gradients $\partial L/\partial W_{2}$, $\partial L/\partial b_{2}$ and "
            r"$x = [1, 2]$.",
        ),
    ],
)
def test_maths_in_text_is_typeset(text: str, expected: str) -> None:
    assert typeset(text) == expected


def test_ex2_notes_show_the_softmax_as_maths_not_raw_latex() -> None:
    tex = render(Format.LATEX, [solve(load("ex2"))], RenderOptions())
    assert r"with $\hat{y}_{i} = e^{z_{i}}/\sum_{j}e^{z_{j}}$ the softmax Jacobian" in tex
    assert r"e\^{}" not in tex


def test_markdown_typesets_the_maths_of_problem_texts_too() -> None:
    markdown = render(Format.MARKDOWN, [solve(load("ex2"))], RenderOptions())
    assert "Why it simplifies: with $\\hat{y}_{i} = e^{z_{i}}/\\sum_{j}e^{z_{j}}$ the" in markdown
    assert "bounded in \\[−1, 1\\] and" in markdown  # prose is still escaped for Markdown


def test_prose_keeps_paragraphs_and_typesets_each() -> None:
    assert prose("x is one\n\nand y two") == "$x$ is one\n\nand $y$ two"


def _unescaped(text: str, char: str) -> int:
    return len(re.findall(r"(?<!\\)" + re.escape(char), text.replace(r"\\", "")))


@given(st.text())
def test_no_text_can_break_the_document(text: str) -> None:
    out = typeset(text)
    assert out.isascii() and "\n" not in out
    assert _unescaped(out, "$") % 2 == 0
    depth = 0
    for char in re.sub(r"\\[{}$%#&_]", "", out.replace(r"\\", "")):
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
    for formula in re.findall(r"(?<!\\)\$(.*?)(?<!\\)\$", out):
        assert not re.search(r"(?<!\\)[%#&~]", formula), formula
        assert not re.search(r"[\^_]\s*[\^_]", formula), formula


def test_a_yaml_snippet_in_a_text_is_code() -> None:
    text = "the ½ factor (with {name: sse, scale: 0.5} every gradient halves)"
    assert typeset(text) == (
        r"the $\tfrac{1}{2}$ factor (with {\frenchspacing\texttt{\{name: sse, scale: 0.5\}}} "
        "every gradient halves)"
    )
    markdown = render(Format.MARKDOWN, [solve(load("ex1"))], RenderOptions())
    assert "(with `{name: sse, scale: 0.5}` every gradient halves)" in markdown
