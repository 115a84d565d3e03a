"""Markdown: maths that balances, tables with consistent columns, text that cannot become syntax.

Markdown is parsed with markdown-it-py (installed with Rich), after the maths
is taken out as a notebook's renderer does, so the checks see what a reader sees.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from documents import BATCH, LONG_SUMS, SPECIAL, WIDE
from markdown_it import MarkdownIt

from backprop_cli import load, solve
from backprop_cli.render import Format, RenderOptions, render
from backprop_cli.render.markdown import escape

SNAPSHOTS = Path(__file__).parent / "snapshots"


def markdown(*sources: str) -> str:
    return render(Format.MARKDOWN, [solve(load(s)) for s in sources], RenderOptions())


def without_maths(text: str) -> tuple[str, list[str]]:
    """The text with each ``$$…$$`` and ``$…$`` replaced by ``MATH``, and the maths taken out."""
    maths: list[str] = []

    def take(match: re.Match[str]) -> str:
        maths.append(match.group())
        return "MATH"

    text = re.sub(r"^\$\$\n.*?\n\$\$$", take, text, flags=re.S | re.M)
    text = re.sub(r"(?<!\\)\$(?!\$)(.+?)(?<!\\)\$", take, text)
    return text, maths


def html(text: str) -> str:
    prose, _ = without_maths(text)
    return MarkdownIt("commonmark").enable("table").render(prose)


def check_maths_balance(text: str) -> None:
    fenced = False
    display = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line == "$$":
            display = not display
        elif not fenced and not display:
            dollars = re.findall(r"(?<!\\)\$", line)
            assert len(dollars) % 2 == 0, line
    assert not fenced and not display


def check_tables(text: str) -> int:
    """Every table row has as many cells as its header; the number of tables."""
    prose, _ = without_maths(text)
    tokens = MarkdownIt("commonmark").enable("table").parse(prose)
    tables, cells, widths = 0, 0, []
    for token in tokens:
        if token.type == "table_open":
            tables += 1
        elif token.type == "tr_open":
            cells = 0
        elif token.type in ("th_open", "td_open"):
            cells += 1
        elif token.type == "tr_close":
            widths.append(cells)
        elif token.type == "table_close":
            assert len(set(widths)) == 1, widths
            widths = []
    # A table row outside a table (a broken header) would be a paragraph starting with |.
    assert not re.search(r"<p>\|", html(text))
    return tables


def test_ex1_snapshot() -> None:
    """The whole of ex1 as Markdown (update with BACKPROP_UPDATE_SNAPSHOTS=1)."""
    text = markdown("ex1")
    path = SNAPSHOTS / "ex1.md"
    if os.environ.get("BACKPROP_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_ex1_maths_balance_and_tables_are_consistent() -> None:
    text = markdown("ex1")
    check_maths_balance(text)
    assert check_tables(text) == 4  # network, two layers, gradients
    _, maths = without_maths(text)
    assert any(r"\boxed{L = 0.1013}" in m for m in maths)
    assert all("|" not in m for m in maths)  # a pipe would end a table cell
    assert text.count("$$") % 2 == 0


def test_every_bundled_exercise_and_a_batch(write: Any) -> None:
    for source in ("ex2", "ex3", "ex4", "ex5", str(write(BATCH))):
        text = markdown(source)
        check_maths_balance(text)
        check_tables(text)


_KATEX_COMMANDS = (
    r"\frac \partial \cdot \odot \times \top \hat \mathbf \boldsymbol \operatorname "
    r"\mathrm \text \boxed \left \right \lvert \rvert \quad \sum \log \exp \max "
    r"\min \tanh \sigma \delta \eta \theta \ell \Phi \phi \cdots \vdots \ddots "
    r"\infty \le \ge \ne \approx \leftarrow \begin \end"
)
KATEX = set(_KATEX_COMMANDS.split())
"""Commands the maths uses, every one of which KaTeX (and MathJax) typesets."""


def test_the_maths_uses_only_what_katex_typesets(write: Any) -> None:
    for source in (
        "ex1",
        "ex2",
        "ex3",
        "ex4",
        "ex5",
        *(str(write(p, f"{i}.yaml")) for i, p in enumerate((BATCH, WIDE, LONG_SUMS))),
    ):
        _, maths = without_maths(markdown(source))
        text = " ".join(maths)
        assert set(re.findall(r"\\[a-zA-Z]+", text)) <= KATEX, source
        assert set(re.findall(r"\\begin\{(\w+)\}", text)) <= {"aligned", "bmatrix", "cases"}


def test_special_characters_stay_text(write: Any) -> None:
    # The network's drawing is the one code block the layout writes (tests/test_pictures.py).
    text = re.sub(r"```mermaid\n.*?\n```\n", "", markdown(str(write(SPECIAL))), count=1, flags=re.S)
    check_maths_balance(text)
    check_tables(text)
    page = html(text)
    assert page.count("<h1>") == 1  # the title; "# not a heading" is not one
    own = page.replace("<strong>Insight:</strong>", "")  # the one emphasis the layout writes
    assert "<em>" not in own and "<strong>" not in own and "<a " not in page
    assert "<script>" not in page and "<b>" not in page and "<code>" not in page
    assert "<pre>" not in page  # ``` in the notes starts no code block
    assert page.count("<li>") == 5 + 3  # the tasks and the conventions; no nested list
    assert "*star*" in page and "_under_" in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "$x^2$" in page


def test_escape() -> None:
    assert escape("a_b *c* `d` [e](f) <g> #h |i| $j$ ~k~ &l \\m") == (
        r"a\_b \*c\* \`d\` \[e\](f) \<g\> \#h \|i\| \$j\$ \~k\~ \&l \\m"
    )
    assert escape("one\ntwo\x00three") == "one two three"


def test_several_problems_are_separated_by_a_rule() -> None:
    text = markdown("ex1", "ex2")
    assert "\n\n---\n\n# Exercise 2" in text
    assert text.count("\n# ") == 1 and text.startswith("# Exercise 1")


def test_output_md_infers_markdown(run: Any, tmp_path: Path) -> None:
    target = tmp_path / "ex5.md"
    assert run("solve", "ex5", "-o", str(target)).exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("# Exercise 5")
