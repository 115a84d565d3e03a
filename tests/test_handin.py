"""The document a student hands in: title block, chosen sections, tasks without pointers,
the final answers as one boxed table, and stacked fractions spaced apart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from documents import WIDE

from backprop_cli import load, solve
from backprop_cli.render import Format, RenderOptions, render


def _render(fmt: Format, name: str = "ex3", **options: Any) -> str:
    return render(fmt, [solve(load(name))], RenderOptions(**options))


def test_the_title_block_names_the_student() -> None:
    tex = _render(Format.LATEX, student="Ada Lovelace, 2024-017 & co")
    assert (
        "{\\large Worked solution\\par}\n\\medskip\n{\\large Ada Lovelace, 2024-017 \\& co\\par}"
        in tex
    )
    assert "Ada" not in _render(Format.LATEX)
    markdown = _render(Format.MARKDOWN, student="Ada_Lovelace")
    assert markdown.startswith("# Exercise 3: ReLU activation gradient\n\n*Ada\\_Lovelace*\n\n")


def test_several_problems_have_one_title_block_with_the_student() -> None:
    solutions = [solve(load("ex1")), solve(load("ex2"))]
    tex = render(Format.LATEX, solutions, RenderOptions(student="Ada"))
    assert tex.count("{\\large Ada\\par}") == 1


def test_documents_list_the_tasks_without_pointers_and_the_terminal_keeps_them() -> None:
    task = "What happens to the gradient if the input $x = 2$ instead of 3?"
    tex = _render(Format.LATEX)
    assert f"\\item {task}\n" in tex and "answered under" not in tex
    assert "answered under" not in _render(Format.MARKDOWN)
    plain = " ".join(_render(Format.PLAIN, width=200).split())  # prose wraps at 100 columns
    assert "x = 2 instead of 3? → answered under “Backward pass” and “Variants”" in plain


def test_sections_leave_out_what_a_hand_in_does_not_need(run: Callable[..., Any]) -> None:
    shown = frozenset({"loss", "answers"})
    plain = _render(Format.PLAIN, sections=shown)
    headings = [
        line
        for line, under in zip(plain.splitlines(), plain.splitlines()[1:], strict=False)
        if under and set(under) <= {"=", "-"}
    ]
    assert headings == ["Exercise 3: ReLU activation gradient", "Loss", "Final answers"]
    assert "One neuron: input x = 3" in plain  # the description always stays
    tex = _render(Format.LATEX, sections=shown)
    assert "\\section{Tasks}" not in tex and "\\section{Loss}" in tex
    result = run("solve", "ex3", "--sections", "loss, answers", "--format", "plain")
    assert result.exit_code == 0 and result.stdout == plain


def test_an_unknown_section_is_refused_with_a_hint(run: Callable[..., Any]) -> None:
    result = run("solve", "ex3", "--sections", "forward,los")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "--sections forward,los: unknown section 'los' (did you mean 'loss'?); expected names "
        "from tasks, conventions, network, forward, loss, backward, gradients, check, update, "
        "insights, answers, notes, variants\n"
    )


def test_the_final_answers_are_one_boxed_table() -> None:
    tex = _render(Format.LATEX, "ex1")
    answers = tex[tex.index("\\section{Final answers}") : tex.index("\\section{Notes}")]
    assert "\\boxed" not in answers and answers.count("\\fbox{\\begin{tabular}{@{}ll@{}}") == 1
    assert "\\textbf{quantity} & \\textbf{value} \\\\\n\\midrule\n" in answers
    assert "$\\displaystyle L$ & $\\displaystyle 0.1013$ \\\\ \\addlinespace[1.5ex]\n" in answers


def test_answers_longer_than_a_page_are_set_in_several_boxes(write: Any) -> None:
    tex = render(Format.LATEX, [solve(load(str(write(WIDE))))], RenderOptions())
    answers = tex[tex.index("\\section{Final answers}") :]
    assert answers.count("\\fbox{\\begin{tabular}") > 1


def test_stacked_fractions_in_neighbouring_rows_are_spaced_apart() -> None:
    tex = _render(Format.LATEX, "ex1")
    row = "\\frac{\\partial L}{\\partial w_{11}^{(2)}} &= \\frac{\\partial L}{\\partial z^{(2)}}"
    (line,) = (line for line in tex.splitlines() if line.startswith(row))
    assert line.endswith("\\\\[0.8ex]")
    assert "\\\\ \\addlinespace[1.5ex]" in tex  # the gradients table's rows


def test_every_section_name_has_its_writer_in_order() -> None:
    from backprop_cli.render.layout import SECTIONS
    from backprop_cli.render.sections import NAMES

    assert tuple(SECTIONS) == NAMES


def test_maths_in_a_heading_is_bold_like_its_text() -> None:
    tex = _render(Format.LATEX)
    assert "\\subsection{\\boldmath $x = 2$ instead of 3}" in tex


def test_student_from_the_command_line(run: Callable[..., Any], tmp_path: Any) -> None:
    target = tmp_path / "ex3.tex"
    result = run("solve", "ex3", "-o", str(target), "--student", "Ada Lovelace, 2024-017")
    assert result.exit_code == 0 and result.stdout == ""
    assert "{\\large Ada Lovelace, 2024-017\\par}" in target.read_text(encoding="utf-8")
