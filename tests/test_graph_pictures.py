"""The picture of a graph in every format: the terminal drawing, Mermaid (drawn by Mermaid's
own renderer where installed), TikZ in the PDF and Graphviz DOT."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_pictures import check_mermaid, graphviz_svg, mermaid_blocks, mmdc

from backprop_cli.load.problem import load
from backprop_cli.render import Format, RenderOptions, render
from backprop_cli.solve.pipeline import solve

DATA = Path(__file__).parent / "data"
STAGED = str(DATA / "cs231n-staged.yaml")
NEURON = str(DATA / "cs231n-neuron.yaml")


def test_the_terminal_draws_every_value_and_gradient() -> None:
    text = render(Format.PLAIN, [solve(load(STAGED))], RenderOptions(width=100))
    section = text.split("Graph\n-----\n", 1)[1].split("\n  node ", 1)[0]
    assert section.strip("\n").split("\n") == [
        "  ╭────────────╮   ╭────────────╮   ╭───────────╮",
        "  │ x = −2     │   │ q = 3      │   │ f = −12   │",
        "  │ ∂f/∂x = −4 │   │ ∂f/∂q = −4 │   │ ∂f/∂f = 1 │",
        "  ╰────────────╯   │ x, y ──▶   │   │ q, z ──▶  │",
        "  ╭────────────╮   ╰────────────╯   ╰───────────╯",
        "  │ y = 5      │",
        "  │ ∂f/∂y = −4 │",
        "  ╰────────────╯",
        "  ╭────────────╮",
        "  │ z = −4     │",
        "  │ ∂f/∂z = 3  │",
        "  ╰────────────╯",
    ]


def test_rich_colours_values_green_and_gradients_red() -> None:
    text = render(Format.RICH, [solve(load(STAGED))], RenderOptions(width=100, color=True))
    drawing = text.split("Graph", 1)[1].split("node", 1)[0]
    green = re.findall(r"\x1b\[[0-9;]*32m([^\x1b]+)", drawing)
    red = re.findall(r"\x1b\[[0-9;]*31m([^\x1b]+)", drawing)
    assert {"−2", "5", "−4", "3", "−12"} <= set(green)
    assert {"−4", "3", "1"} <= set(red)


def test_the_staged_neuron_is_drawn_in_the_terminal_too() -> None:
    # A chain of 8 gates: more columns than the terminal puts side by side, few nodes.
    text = render(Format.PLAIN, [solve(load(NEURON))], RenderOptions(width=80))
    section = text.split("Graph\n-----\n", 1)[1].split("\n  node ", 1)[0]
    assert "│ f = 0.7311 │" in section
    assert "│ ∂f/∂x₁ = −0.5898 │" in section
    assert "│ n₁, n₂ ──▶      │" in section


def test_markdown_draws_the_graph_as_mermaid(tmp_path: Path) -> None:
    markdown = render(Format.MARKDOWN, [solve(load(NEURON))], RenderOptions())
    (chart,) = mermaid_blocks(markdown)
    check_mermaid(chart)
    assert len([line for line in chart if "-->" in line]) == 12  # one arrow per argument
    program = mmdc()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    config = tmp_path / "puppeteer.json"
    config.write_text(
        '{"args": ["--no-sandbox", "--headless"]'
        + (f', "executablePath": "{chromium}"' if chromium else "")
        + "}",
        encoding="utf-8",
    )
    source = tmp_path / "graph.mmd"
    source.write_text("\n".join(chart[1:-1]) + "\n", encoding="utf-8")
    svg = tmp_path / "graph.svg"
    result = subprocess.run(
        [program, "-q", "-p", str(config), "-i", str(source), "-o", str(svg)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    drawn = svg.read_text(encoding="utf-8")
    assert "Syntax error" not in drawn
    assert "0.7311" in drawn and "−0.5898" in drawn


def test_dot_is_read_by_graphviz() -> None:
    source = render(Format.DOT, [solve(load(NEURON))], RenderOptions())
    svg = graphviz_svg(source)
    assert "0.7311" in svg and "−0.5898" in svg


def test_the_pdf_shows_the_graph(tmp_path: Path) -> None:
    from test_latex import compile_pdf, overfull

    tex = tmp_path / "staged.tex"
    tex.write_text(render(Format.LATEX, [solve(load(STAGED))], RenderOptions()), encoding="utf-8")
    assert r"\begin{tikzpicture}" in tex.read_text(encoding="utf-8")
    log, text = compile_pdf(tex)
    assert overfull(log) == []
    section = re.search(r"\n\s*2\s+Graph\n(.*)\n\s*3\s+Forward pass\n", text, re.S)
    assert section is not None
    drawn = re.sub(r"\s", "", section[1].split("node")[0])  # the picture, before the table
    for shown in ("x=−2", "y=5", "z=−4", "q=3", "f=−12"):
        assert shown in drawn


def test_names_of_several_letters_are_one_word_in_latex(tmp_path: Path) -> None:
    from test_latex import compile_pdf

    path = tmp_path / "names.yaml"
    path.write_text(
        "inputs: {w_1: 2, x1: -1, bias: 0.5}\ngraph:\n  dot: w_1 * x1 + bias\n  my_out: sigmoid(dot)\n",
        encoding="utf-8",
    )
    tex = render(Format.LATEX, [solve(load(str(path)))], RenderOptions())
    assert r"\mathit{my\_out}" in tex and r"\mathit{dot}" in tex and "w_{1}" in tex
    (tmp_path / "names.tex").write_text(tex, encoding="utf-8")
    compile_pdf(tmp_path / "names.tex")


SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.mark.parametrize(
    ("problem", "fmt", "snapshot"),
    [
        (STAGED, Format.PLAIN, "graph-staged.plain.txt"),
        (NEURON, Format.PLAIN, "graph-neuron.plain.txt"),
        (NEURON, Format.MARKDOWN, "graph-neuron.md"),
    ],
)
def test_graph_snapshots(problem: str, fmt: Format, snapshot: str) -> None:
    """The whole worked solution (update with BACKPROP_UPDATE_SNAPSHOTS=1)."""
    from test_markdown import check_maths_balance

    text = render(fmt, [solve(load(problem))], RenderOptions(width=100))
    if fmt == Format.MARKDOWN:
        check_maths_balance(text)
    path = SNAPSHOTS / snapshot
    if os.environ.get("BACKPROP_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def _box_places(latex: str) -> list[tuple[float, float]]:
    """The places of the drawing's boxes (``\\node[box] (…) at (x,y)``)."""
    found = re.findall(r"\\node\[(?:box|more)\] \([^)]*\) at \((-?[\d.]+),(-?[\d.]+)\)", latex)
    return [(float(x), float(y)) for x, y in found]


def test_a_long_chain_is_drawn_top_to_bottom_in_the_pdf() -> None:
    # Eight columns side by side were shrunk to the line until no number could be read;
    # the chain now runs down the page, its five inputs side by side on top.
    places = _box_places(render(Format.LATEX, [solve(load(NEURON))], RenderOptions()))
    ys = sorted({y for _, y in places}, reverse=True)
    assert len(ys) == 8  # one row per column of the graph
    # A network of a few layers keeps its columns left to right (ex1: input, 2 layers).
    network = _box_places(render(Format.LATEX, [solve(load("ex1"))], RenderOptions()))
    (x1, y1), (x2, y2) = network[:2]  # x₁ and x₂: one above the other, in one column
    assert x1 == x2 and y1 > y2


def test_a_graph_too_large_to_draw_says_so_in_its_dot(tmp_path: Path) -> None:
    from backprop_cli.kinds.graph.sections import DRAWN

    chain = "".join(f"  n{i}: n{i - 1} * x\n" for i in range(2, DRAWN + 2))
    path = tmp_path / "chain.yaml"
    path.write_text(f"inputs: {{x: 1}}\ngraph:\n  n1: x * x\n{chain}", encoding="utf-8")
    text = render(Format.DOT, [solve(load(str(path)))], RenderOptions())
    assert "Too large to draw: the worked solution (backprop solve) has its table." in text
    assert "->" not in text
