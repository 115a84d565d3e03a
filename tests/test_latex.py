"""The LaTeX document: its maths notation, its text escaping, and pdflatex compiling it cleanly.

The compile tests need pdflatex and poppler-utils (pdftotext, pdffonts); CI
installs them, elsewhere the tests are skipped without them.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from documents import BATCH, LONG_SUMS, SPECIAL, WIDE, tool
from hypothesis import given
from hypothesis import strategies as st

from backprop_cli import load, solve
from backprop_cli.expr import (
    Abs,
    Add,
    Call,
    Cases,
    Exp,
    Frac,
    Matrix,
    Mul,
    Neg,
    Num,
    Partial,
    Pow,
    Rel,
    Since,
    Sub,
    Sum,
    Sym,
    Transpose,
    num,
)
from backprop_cli.render import Format, RenderOptions, render
from backprop_cli.render.equation_rows import LINE, rows
from backprop_cli.render.latexmath import LatexMath, latex_number
from backprop_cli.render.latextext import escape, prose
from backprop_cli.render.latexwidth import width
from backprop_cli.render.numbers import human
from backprop_cli.solve.records import Phase, Step

# --- the maths notation ------------------------------------------------------


def latex(e: Any, max_rows: int = 8) -> str:
    return LatexMath(lambda v: latex_number(v, 4), max_terms=8, max_rows=max_rows).write(e)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (Sym("z", (1,), 1), "z_{1}^{(1)}"),
        (Sym("w", (1, 12), 2), "w_{1,12}^{(2)}"),
        (Sym("W", (), 2, bold=True), r"\mathbf{W}^{(2)}"),
        (Sym("delta", (), 1, bold=True), r"\boldsymbol{\delta}^{(1)}"),
        (Sym("yhat", (2,), sample=3), r"\hat{y}_{2}[3]"),
        (Sym("yhat", bold=True), r"\hat{\mathbf{y}}"),
        (Sym("ell", sample=1), r"\ell[1]"),
        # A power or transpose of a symbol with a layer: no double superscript.
        (Pow(Sym("a", (1,), 1), num(2)), "{a_{1}^{(1)}}^{2}"),
        (Transpose(Sym("W", (), 2, bold=True)), r"{\mathbf{W}^{(2)}}^{\top}"),
        (Frac(num(1), Add((num(1), Exp(Neg(Sym("z")))))), r"\frac{1}{1 + e^{-z}}"),
        (Partial(Sym("L"), Sym("yhat")), r"\frac{\partial L}{\partial \hat{y}}"),
        (Call("σ", (Sym("z"),), prime=True), r"\sigma'(z)"),
        (Call("ReLU", (num(-0.5),)), r"\operatorname{ReLU}(-0.5)"),
        (Call("log", (Sub(num(1), Sym("yhat")),)), r"\log(1 - \hat{y})"),
        (Call("abs", (Sub(Sym("yhat"), Sym("y")),)), r"\lvert \hat{y} - y\rvert"),
        (Abs(Frac(num(1), num(2))), r"\left\lvert \frac{1}{2}\right\rvert"),
        (Mul((num(0.5), num(-0.1382))), r"0.5 \cdot (-0.1382)"),
        (Mul((num(2), Sub(Sym("yhat"), Sym("y"))), dot=False), r"2 (\hat{y} - y)"),
        (Mul((num(0.5), Frac(num(1), num(3)))), r"0.5 \cdot \frac{1}{3}"),
        (Mul((Frac(num(1), num(3)), Add((num(1), num(2))))), r"\frac{1}{3} \cdot (1 + 2)"),
        (Sum(Sym("ell", ("n",)), "n", num(1), Sym("N")), r"\sum_{n=1}^{N} \ell_{n}"),
        (Rel(num(-0.5), "≤", num(0)), r"-0.5 \le 0"),
        (
            Since(num(0), Rel(num(-0.5), "≤", num(0))),
            r"0 \quad \text{(as }-0.5 \le 0\text{)}",
        ),
        (
            Cases(((num(1), Rel(Sym("z"), ">", num(0))), (num(0), None))),
            r"\begin{cases} 1 & \text{if } z > 0 \\ 0 & \text{otherwise} \end{cases}",
        ),
        (
            Matrix(np.array([[0.1, 0.2], [0.3, 0.4]])),
            r"\begin{bmatrix} 0.1 & 0.2 \\ 0.3 & 0.4 \end{bmatrix}",
        ),
        (Matrix(np.array([[-0.5]])), "-0.5"),
        (Transpose(Matrix(np.array([[1.0, 2.0]]))), r"\begin{bmatrix} 1 \\ 2 \end{bmatrix}"),
    ],
)
def test_latex_notation(expr: Any, expected: str) -> None:
    assert latex(expr) == expected


def test_parentheses_grow_around_tall_contents_only() -> None:
    assert latex(Call("σ", (Matrix(np.array([[0.5], [1.1]])),))) == (
        r"\sigma\left(\begin{bmatrix} 0.5 \\ 1.1 \end{bmatrix}\right)"
    )
    assert latex(Call("σ", (Sym("z"),))) == r"\sigma(z)"


def test_formulas_in_text_keep_plain_parentheses_so_the_line_can_break() -> None:
    inline = LatexMath(lambda v: latex_number(v, 4), inline=True)
    assert inline.write(Call("σ", (Frac(num(1), num(2)),))) == r"\sigma(\frac{1}{2})"
    assert inline.write(Abs(Frac(num(1), num(2)))) == r"\lvert \frac{1}{2}\rvert"


def test_numbers() -> None:
    assert latex_number(-0.016234, 4) == "-0.01623"
    assert latex_number(12345.6, 4) == r"1.235 \times 10^{4}"
    assert latex_number(-3.2e-7, 2) == r"-3.2 \times 10^{-7}"
    assert latex_number(float("inf"), 4) == r"\infty"
    assert latex_number(float("-inf"), 4) == r"-\infty"
    assert latex_number(float("nan"), 4) == r"\mathrm{NaN}"
    assert latex_number(2.0, 4) == "2"


def test_large_matrices_elide_rows_and_columns() -> None:
    values = np.arange(200, dtype=float).reshape(20, 10)
    text = latex(Matrix(values), max_rows=5)
    rows = text.removeprefix(r"\begin{bmatrix} ").removesuffix(r" \end{bmatrix}").split(r" \\ ")
    assert len(rows) == 6  # 4 rows, the elision, the last row
    assert rows[4] == r" & ".join([r"\vdots"] * 4 + [r"\ddots", r"\vdots"])
    assert rows[0] == r"0 & 1 & 2 & 3 & \cdots & 9"
    assert rows[-1] == r"190 & 191 & 192 & 193 & \cdots & 199"


def test_wide_numbers_elide_more_columns_to_fit_the_page() -> None:
    values = np.full((2, 6), -3.217e-05)
    text = latex(Matrix(values))
    assert r"\cdots" in text and width(text) <= 58


def test_no_pipe_in_the_maths() -> None:
    """A Markdown table cell would end at a ``|``: the maths never writes one."""
    assert "|" not in latex(Call("abs", (Sub(Sym("yhat"), Sym("y")),)))


# --- free text -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a_b", r"a\_b"),
        ("100% & #1", r"100\% \& \#1"),
        ("{x} $5", r"\{x\} \ensuremath{\$}5"),
        ("^ ~ \\", r"\^{} \~{} \textbackslash{}"),
        ("<a|b>", r"\textless{}a\textbar{}b\textgreater{}"),
        ("[x]", "{[}x{]}"),
        ('say "hi"', "say ``hi''"),
        ("--set", "-{}-set"),
        ("ŷ = σ(z)", r"\ensuremath{\hat{y}} = \ensuremath{\sigma}(z)"),
        ("w₁₂⁽²⁾", r"w\textsubscript{12}\textsuperscript{(2)}"),
        ("xᵀ", r"x\textsuperscript{T}"),
        ("a − b · c ⊙ d", r"a \ensuremath{-} b \ensuremath{\cdot} c \ensuremath{\odot} d"),
        ("½", r"\ensuremath{\tfrac{1}{2}}"),
        ("café naïve", r"caf\'{e} na\"{\i}ve"),
        ("“a” – b … c", "``a'' -- b \\ldots{} c"),
        ("中", r"\texttt{{[}U+4E2D{]}}"),
        ("a\x00b\x07c\tz\n\ny", "a b c z y"),
    ],
)
def test_escape(text: str, expected: str) -> None:
    assert escape(text) == expected


def test_prose_keeps_paragraphs() -> None:
    assert prose("one\ntwo\n\n\nthree %") == "one two\n\nthree \\%"


def _without_maths(escaped: str) -> str:
    """``escaped`` without its ``\\ensuremath{…}`` groups (maths from a fixed table)."""
    out, i = "", 0
    while (start := escaped.find(r"\ensuremath{", i)) >= 0:
        out += escaped[i:start]
        depth, i = 0, start + len(r"\ensuremath")
        while True:
            depth += {"{": 1, "}": -1}.get(escaped[i], 0)
            i += 1
            if depth == 0:
                break
    return out + escaped[i:]


@given(st.text())
def test_no_text_can_start_a_command_or_break_the_document(text: str) -> None:
    escaped = escape(text)
    assert escaped.isascii() and "\n" not in escaped
    # Braces balance, so nothing after the text is swallowed.
    depth = 0
    for char in re.sub(r"\\[{}]", "", escaped):
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
    # Outside maths, every special character is part of a command that prints it.
    bare = re.sub(r"\\[a-zA-Z]+|\\[^a-zA-Z]|\{\[\}|\{\]\}", "", _without_maths(escaped))
    assert not set(bare) & set("%#&$^_~\\[]"), bare


# --- equations across rows ----------------------------------------------------


def _step(lhs: Any, forms: tuple[Any, ...], substitution: Any, value: float) -> Step:
    return Step(Phase.LOSS, "L", lhs, forms, substitution, np.asarray(value))


def test_a_short_step_is_one_row_and_repeats_nothing() -> None:
    step = _step(
        Sym("L"),
        (Pow(Sub(Sym("yhat"), Sym("y")), num(2)),),
        Pow(Sub(num(0.6817), num(1)), num(2)),
        0.1013,
    )
    math = LatexMath(lambda v: latex_number(v, 4))
    assert rows([step], math) == [r"L &= {(\hat{y} - y)}^{2} = {(0.6817 - 1)}^{2} = 0.1013"]
    same = _step(Sym("L"), (Sym("delta"), Sym("delta")), Num(0.5), 0.5)
    assert rows([same], math) == [r"L &= \delta = 0.5"]


def test_a_long_sum_breaks_before_its_outermost_terms_and_rows_fit() -> None:
    terms = tuple(
        Mul((Sym("y", (k,)), Call("log", (Sym("yhat", (k,)),))), dot=False) for k in range(1, 13)
    )
    values = tuple(Mul((num(0.25), Call("log", (num(0.1234 + k / 100),)))) for k in range(12))
    step = _step(Sym("L"), (Neg(Add(terms)),), Neg(Add(values)), 2.5)
    math = LatexMath(lambda v: latex_number(v, 4), max_terms=12)
    out = rows([step], math)
    assert len(out) > 2
    for row in out:
        right = row.split("&", 1)[1]
        assert width(right) <= LINE
        # A \left( … \right) is closed and reopened on each row it spans.
        assert len(re.findall(r"\\left\b", row)) == len(re.findall(r"\\right\b", row))
    assert out[0].startswith("L &= -(")
    assert out[1].startswith(r"&\quad + ")
    assert out[-1].endswith("= 2.5")


def test_an_update_is_written_with_an_arrow() -> None:
    step = Step(
        Phase.UPDATE,
        "W1",
        Sym("w"),
        (Sub(Sym("w"), Mul((Sym("eta"), Partial(Sym("L"), Sym("w"))))),),
        Sub(num(0.5), Mul((num(0.1), num(3.523)))),
        np.asarray(0.1477),
        assign=True,
    )
    (row,) = rows([step], LatexMath(lambda v: latex_number(v, 4)))
    assert row.startswith(r"w &\leftarrow w - \eta \cdot \frac{\partial L}{\partial w} = 0.5")


# --- the document --------------------------------------------------------------


def document(path: Path, source: str, *extra: str) -> str:
    text = render(Format.LATEX, [solve(load(source, extra))], RenderOptions())
    path.write_text(text, encoding="utf-8")
    return text


def compile_pdf(tex: Path) -> tuple[str, str]:
    """Compile ``tex`` with pdflatex; the log and the PDF's text (or the test fails)."""
    result = subprocess.run(
        [tool("pdflatex"), "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=tex.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    log = tex.with_suffix(".log").read_text(encoding="latin-1")
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert result.returncode == 0 and not errors, "\n".join(errors) or result.stdout[-2000:]
    pdf = tex.with_suffix(".pdf")
    fonts = subprocess.run([tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True)
    assert "Type 3" not in fonts.stdout, "a bitmap font was needed:\n" + fonts.stdout
    text = subprocess.run(
        [tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return log, text.stdout


def overfull(log: str) -> list[str]:
    return re.findall(r"Overfull \\hbox \([\d.]+pt too wide\).*", log)


@pytest.mark.parametrize("name", ["ex1", "ex2", "ex3", "ex4", "ex5"])
def test_bundled_exercises_compile_to_a_clean_pdf_with_the_answers(
    name: str, tmp_path: Path
) -> None:
    tex = tmp_path / f"{name}.tex"
    text = document(tex, name)
    assert text.startswith("% A worked solution") and text.rstrip().endswith(r"\end{document}")
    assert r"\begin{align*}" in text and r"\boxed{" in text
    log, pdf_text = compile_pdf(tex)
    assert overfull(log) == []
    solution = solve(load(name))
    pdf_text = re.sub(r"\s+", "", pdf_text)  # pdftotext's spacing is not the typeset one
    answers = pdf_text[pdf_text.index("Finalanswers") :]
    assert f"L={human(solution.loss)}" in answers
    for gradient in solution.gradients.values():
        for value in np.asarray(gradient).reshape(-1)[:4]:
            assert human(float(value)) in pdf_text
    for result in solution.layers:
        if "W" in result.grads:
            for value in result.grads["W"].reshape(-1):
                assert human(float(value)) in answers


def test_special_characters_compile_and_print_as_written(tmp_path: Path, write: Any) -> None:
    tex = tmp_path / "special.tex"
    document(tex, str(write(SPECIAL)))
    log, pdf_text = compile_pdf(tex)
    assert overfull(log) == []
    flat = unicodedata.normalize("NFC", " ".join(pdf_text.split()))  # ŷ comes out as y + ˆ
    for text in (
        "chars: 100% & #1 $5",  # pdftotext reads the underscore (a rule) as a space
        "{brace} [x] <a|b>",
        "\\textbf{x} \\input{/etc/passwd} $x",
        "αβγ δ σ ∂ ⊙ ŷ",
        "café",
        "\\newpage and \\end{document} and %comment",
        "U+4E2D",
    ):
        assert text in flat, text


def test_a_batch_with_training_compiles(tmp_path: Path, write: Any) -> None:
    tex = tmp_path / "batch.tex"
    text = document(tex, str(write(BATCH)))
    assert r"\begin{axis}" in text  # the loss curve (pgfplots)
    log, pdf_text = compile_pdf(tex)
    assert overfull(log) == []
    assert "Training: 20 steps" in pdf_text


@pytest.mark.parametrize("problem", [WIDE, LONG_SUMS], ids=["wide", "long-sums"])
def test_wide_problems_are_broken_to_fit_the_page(problem: str, tmp_path: Path, write: Any) -> None:
    tex = tmp_path / "wide.tex"
    text = document(tex, str(write(problem)))
    assert r"&\quad " in text  # a part too wide for a row continued on the next
    log, _ = compile_pdf(tex)
    assert overfull(log) == []


def test_several_problems_are_one_document_with_a_section_each(tmp_path: Path) -> None:
    tex = tmp_path / "all.tex"
    solutions = [solve(load(name)) for name in ("ex1", "ex2")]
    text = render(Format.LATEX, solutions, RenderOptions())
    tex.write_text(text, encoding="utf-8")
    assert text.count(r"\documentclass") == 1
    assert r"\section{Exercise 1: Matrix-based backpropagation}" in text
    assert r"\section{Exercise 2: Softmax and cross-entropy gradient}" in text
    assert r"\subsection{Forward pass}" in text
    compile_pdf(tex)


def test_output_tex_infers_latex(run: Any, tmp_path: Path) -> None:
    target = tmp_path / "ex1.tex"
    result = run("solve", "ex1", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("% A worked solution")


def test_the_document_is_ascii(tmp_path: Path, write: Any) -> None:
    text = render(Format.LATEX, [solve(load(str(write(SPECIAL))))], RenderOptions())
    assert text.isascii()
    assert all(unicodedata.category(c) != "Cc" or c == "\n" for c in text)
