"""Pictures: the network drawn with its weights, z, a and δ, in every format that draws.

The numbers of ex1's picture are checked against a hand derivation; the DOT
is parsed by Graphviz (``dot``), the Mermaid against the flowchart grammar it
uses (and by Mermaid's own renderer, ``mmdc``, where one is installed), the
TikZ compiled by pdflatex (tests/test_latex.py compiles every bundled
exercise; here ex1's PDF is read back).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from documents import tool

from backprop_cli import load, solve
from backprop_cli.expr import Sym, num
from backprop_cli.render import Format, RenderOptions, dot, drawing, mermaid, render
from backprop_cli.render.document import Edge, Node, Picture, Quantity
from backprop_cli.render.layout import layout
from backprop_cli.render.terminal_common import drawable, writer


def picture_of(source: str, max_rows: int = 8) -> Picture:
    (picture,) = (b for b in layout(solve(load(source)), max_rows) if isinstance(b, Picture))
    return picture


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def numbers(node: Node) -> dict[str, float]:
    text = writer(RenderOptions())
    return {text.write(q.symbol): q.value for q in node.quantities}


def test_ex1_is_drawn_with_every_weight_and_each_neuron_s_z_a_and_delta() -> None:
    # Hand derivation of ex1 (x = [1, 2], W1 = [[0.1, 0.2], [0.3, 0.4]], W2 = [0.5, 0.6],
    # sigmoid in both layers, L = (ŷ − 1)²).
    z1 = [0.1 * 1 + 0.2 * 2, 0.3 * 1 + 0.4 * 2]
    a1 = [sigmoid(z) for z in z1]
    z2 = 0.5 * a1[0] + 0.6 * a1[1]
    y_hat = sigmoid(z2)
    delta2 = 2 * (y_hat - 1) * y_hat * (1 - y_hat)
    delta1 = [w * delta2 * a * (1 - a) for w, a in zip((0.5, 0.6), a1, strict=True)]
    dx = [0.1 * delta1[0] + 0.3 * delta1[1], 0.2 * delta1[0] + 0.4 * delta1[1]]

    picture = picture_of("ex1")
    assert picture.captions == ("input", "layer 1 (hidden): sigmoid", "layer 2 (output): sigmoid")
    nodes = {node.key: node for node in picture.nodes}
    assert [len(column) for column in drawing.columns(picture)] == [2, 2, 1]
    for k in range(2):
        assert numbers(nodes[f"n0_{k}"]) == pytest.approx(
            {f"x{'₁₂'[k]}": k + 1, f"∂L/∂x{'₁₂'[k]}": dx[k]}
        )
    for j in range(2):
        got = numbers(nodes[f"n1_{j}"])
        assert got == pytest.approx({"b": 0, "z": z1[j], "a": a1[j], "δ": delta1[j]}, rel=1e-12)
    assert numbers(nodes["n2_0"]) == pytest.approx(
        {"b": 0, "z": z2, "a": y_hat, "δ": delta2}, rel=1e-12
    )
    gradients = [q.symbol for node in picture.nodes for q in node.quantities if q.gradient]
    assert len(gradients) == 5  # ∂L/∂x₁, ∂L/∂x₂ and the three δ: the red ones
    weights = {(e.source, e.target): e.label for e in picture.edges}
    assert weights == {
        ("n0_0", "n1_0"): num(0.1),
        ("n0_1", "n1_0"): num(0.2),
        ("n0_0", "n1_1"): num(0.3),
        ("n0_1", "n1_1"): num(0.4),
        ("n1_0", "n2_0"): num(0.5),
        ("n1_1", "n2_0"): num(0.6),
    }


EX1_DRAWING = """\
  input                    layer 1 (hidden): sigmoid   layer 2 (output): sigmoid
  ╭────────────────────╮   ╭──────────────╮            ╭──────────────╮
  │ x₁ = 1             │   │ a₁⁽¹⁾        │            │ ŷ            │
  │ ∂L/∂x₁ = −0.006283 │   │ b = 0        │            │ b = 0        │
  ╰────────────────────╯   │ z = 0.5      │            │ z = 0.7614   │
  ╭────────────────────╮   │ a = 0.6225   │            │ a = 0.6817   │
  │ x₂ = 2             │   │ δ = −0.01623 │            │ δ = −0.1382  │
  │ ∂L/∂x₂ = −0.00946  │   │ x₁ ─0.1─▶    │            │ a₁⁽¹⁾ ─0.5─▶ │
  ╰────────────────────╯   │ x₂ ─0.2─▶    │            │ a₂⁽¹⁾ ─0.6─▶ │
                           ╰──────────────╯            ╰──────────────╯
                           ╭──────────────╮
                           │ a₂⁽¹⁾        │
                           │ b = 0        │
                           │ z = 1.1      │
                           │ a = 0.7503   │
                           │ δ = −0.01553 │
                           │ x₁ ─0.3─▶    │
                           │ x₂ ─0.4─▶    │
                           ╰──────────────╯
"""

EX1_NARROW_START = """\
  input
  ╭────────────────────╮   ╭───────────────────╮
  │ x₁ = 1             │   │ x₂ = 2            │
  │ ∂L/∂x₁ = −0.006283 │   │ ∂L/∂x₂ = −0.00946 │
  ╰────────────────────╯   ╰───────────────────╯
  layer 1 (hidden): sigmoid
  ╭──────────────╮   ╭──────────────╮
  │ a₁⁽¹⁾        │   │ a₂⁽¹⁾        │
"""


def test_the_terminal_draws_columns_side_by_side_or_one_under_another_when_narrow() -> None:
    def drawn(width: int) -> str:
        text = render(Format.PLAIN, [solve(load("ex1"))], RenderOptions(width=width))
        start = re.search(r"^  input( {4,}.*)?\n  ╭", text, re.M)
        assert start is not None
        return text[start.start() : text.index("\n\n", start.start()) + 1]

    assert drawn(100) == EX1_DRAWING
    assert drawn(80) == EX1_DRAWING  # 79 columns wide
    narrow = drawn(60)
    assert narrow.startswith(EX1_NARROW_START)
    assert max(len(line) for line in narrow.splitlines()) <= 60


def test_rich_colours_values_green_and_gradients_red() -> None:
    text = render(Format.RICH, [solve(load("ex1"))], RenderOptions(width=100, color=True))
    green, red = "\x1b[32m", "\x1b[31m"
    for value in ("0.5", "0.6225", "0.7614", "0.6817"):
        assert f"{green}{value}\x1b[0m" in text
    for gradient in ("−0.01623", "−0.01553", "−0.1382", "−0.006283"):
        assert f"{red}{gradient}\x1b[0m" in text


def test_the_terminal_leaves_out_a_network_too_large_to_draw() -> None:
    big = picture_of(str(WIDE))
    assert not drawable(big)
    plain = render(Format.PLAIN, [solve(load(str(WIDE)))], RenderOptions())
    assert "╭" not in plain
    assert drawable(picture_of("ex1"))


WIDE = Path(__file__).parent / "data" / "wide-deep.yaml"


def test_wide_layers_and_deep_networks_are_elided_like_tables() -> None:
    picture = picture_of(str(WIDE))
    columns = drawing.columns(picture)
    assert [len(c) for c in columns] == [7, 7, 7, 1, 3]
    assert [drawing.caption(picture, i) for i in range(5)] == [
        "input",
        "layer 1: relu",
        "layer 2: tanh",
        "",
        "layer 7: softmax",
    ]
    # the first five neurons, "… N more", the last: as a table keeps its first and last rows
    assert [n.key for n in columns[1]] == ["n1_0", "n1_1", "n1_2", "n1_3", "n1_4", "e1", "n1_127"]
    assert [drawing.elision(n) for n in columns[1] if n.elided] == ["… 122 more"]
    assert columns[3][0].label == "… 4 more layers"
    # 10 × 128 weights drawn as 6 × 6 edges without labels; the note says where they are
    assert all(e.label is None for e in picture.edges)
    assert picture.note == "Weights of the larger layers are in the forward pass."
    assert len([e for e in picture.edges if e.target.startswith("n1_")]) == 36
    # softmax joins every unit of the layer below to every unit
    assert len([e for e in picture.edges if e.target.startswith("n7_")]) == 3


def test_max_rows_shows_fewer_neurons() -> None:
    columns = drawing.columns(picture_of(str(WIDE), max_rows=3))
    assert [len(c) for c in columns] == [4, 4, 4, 1, 3]


def test_a_batch_is_drawn_for_its_first_sample(write: Any) -> None:
    path = write(
        """
        samples:
          - {input: [1, 2], target: 1}
          - {input: [3, 4], target: 0}
        layers:
          - weights: [0.5, -0.5]
            activation: sigmoid
        loss: bce
        """
    )
    picture = picture_of(str(path))
    assert picture.note == "Values of sample 1 of 2."
    z = 0.5 * 1 - 0.5 * 2
    assert numbers(picture.nodes[-1]) == pytest.approx(
        {"b": 0, "z": z, "a": sigmoid(z), "δ": (sigmoid(z) - 1) / 2}
    )


# --- a picture of any graph (the computational graphs draw with it too) ---------------------

TRICKY = Picture(
    'A "graph" & <its> #1 {node}',
    (
        Node("node", Sym("x"), (Quantity(Sym("x"), -2.0), Quantity(Sym("g"), 3.0, True))),
        Node("end", 'q "quoted" <b>', (Quantity(Sym("q"), 3.0),)),
        Node("graph", Sym("f"), (Quantity(Sym("f"), -12.0), Quantity(Sym("g"), 1.0, True))),
    ),
    (Edge("node", "end"), Edge("end", "graph", num(-4)), Edge("node", "graph")),
    ("inputs & #", "", "output | ;"),
)


def test_columns_without_a_place_follow_the_edges() -> None:
    assert [[n.key for n in c] for c in drawing.columns(TRICKY)] == [["node"], ["end"], ["graph"]]


def test_keys_that_are_keywords_and_texts_with_syntax_are_safe_in_dot_and_mermaid() -> None:
    math = writer(RenderOptions())
    source = dot.digraph("t", [TRICKY], math)
    assert " node " not in source.replace("node [shape", "") and "c0:v0:e -> c1:v1:w;" in source
    svg = graphviz_svg(source)
    assert svg.count("<svg") == 1 and "&lt;b&gt;" in svg
    chart = mermaid.flowchart(TRICKY, math)
    check_mermaid(chart)
    assert (
        "  v1[\"<b>q #34;quoted#34; #60;b#62;</b><br>q = <span style='color:#1a7f37'>3</span>\"]"
        in chart
    )


# --- DOT ---------------------------------------------------------------------------------------


def graphviz_svg(source: str) -> str:
    result = subprocess.run(
        [tool("dot"), "-Tsvg"], input=source, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and not result.stderr, result.stderr
    return result.stdout


@pytest.mark.parametrize("name", ["ex1", "ex2", "ex3", "ex4", "ex5", str(WIDE)])
def test_dot_is_read_by_graphviz(name: str) -> None:
    source = render(Format.DOT, [solve(load(name))], RenderOptions())
    svg = graphviz_svg(source)
    assert svg.count("<svg") == 1
    assert source.startswith(f'digraph "{solve(load(name)).problem.title}" {{')


def test_dot_of_ex1() -> None:
    source = render(Format.DOT, [solve(load("ex1"))], RenderOptions())
    assert (
        """
  c1 [label=<<table border="0" cellspacing="6">
    <tr><td border="0"><b>layer 1 (hidden): sigmoid</b></td></tr>
    <tr><td border="0" port="v2"><table border="1" style="rounded" cellborder="0"><tr><td>"""
        """<b>a₁⁽¹⁾</b><br/>b = <font color="#1a7f37">0</font><br/>"""
        """z = <font color="#1a7f37">0.5</font><br/>a = <font color="#1a7f37">0.6225</font><br/>"""
        """δ = <font color="#cf222e">−0.01623</font></td></tr></table></td></tr>
"""
    ) in source
    edges = [line.strip() for line in source.splitlines() if "->" in line]
    assert edges == [
        'c0:v0:e -> c1:v2:w [label="0.1"];',
        'c0:v1:e -> c1:v2:w [label="0.2"];',
        'c0:v0:e -> c1:v3:w [label="0.3"];',
        'c0:v1:e -> c1:v3:w [label="0.4"];',
        'c1:v2:e -> c2:v4:w [label="0.5"];',
        'c1:v3:e -> c2:v4:w [label="0.6"];',
    ]
    svg = graphviz_svg(source)
    for text in ("0.6225", "−0.01623", "layer 1 (hidden): sigmoid"):
        assert text in svg


def test_dot_keeps_each_column_in_order() -> None:
    # Each column is one table, so Graphviz cannot reorder its boxes: in the SVG, the
    # boxes of a column come top to bottom as in the picture (… N more between).
    svg = graphviz_svg(render(Format.DOT, [solve(load(str(WIDE)))], RenderOptions()))
    texts = re.findall(r'<text[^>]* y="([-\d.]+)"[^>]*>(.*?)</text>', svg)
    heights = {label: float(y) for y, label in texts}
    column = ["x₁", "x₂", "x₃", "x₄", "x₅", "… 4 more", "x₁₀"]
    ys = [next(h for label, h in heights.items() if label.startswith(name)) for name in column]
    assert ys == sorted(ys)


def test_several_problems_give_one_digraph_each(run: Any, tmp_path: Path) -> None:
    out = tmp_path / "all.gv"
    result: Any = run("solve", "ex1", "ex3", "ex5", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    source = out.read_text(encoding="utf-8")
    assert source.count("digraph ") == 3
    assert graphviz_svg(source).count("<svg") == 3


# --- Mermaid -------------------------------------------------------------------------------------

_MERMAID_LINE = [
    re.compile(r"  subgraph c\d+\[\"[^\"]+\"\]"),
    re.compile(r"(?:  )?  (v\d+)\[\"[^\"]*\"\]"),
    re.compile(r"  end"),
    re.compile(r"  (v\d+) -->(?:\|\"[^\"]*\"\|)? (v\d+)"),
    re.compile(r"  classDef more fill:none,stroke:none"),
    re.compile(r"  class (v\d+(?:,v\d+)*) more"),
]


def check_mermaid(lines: list[str]) -> None:
    """The flowchart subset the writer uses: fences, ``flowchart LR``, nodes with quoted
    labels (in a captioned subgraph, indented, or not), then edges between defined nodes,
    then the class of the plain ones; ``"`` never inside a text."""
    assert lines[:2] == ["```mermaid", "flowchart LR"] and lines[-1] == "```"
    defined: set[str] = set()
    depth = 0
    for line in lines[2:-1]:
        kind, match = next((i, m) for i, p in enumerate(_MERMAID_LINE) if (m := p.fullmatch(line)))
        if kind == 0:
            assert depth == 0
            depth += 1
        elif kind == 1:
            assert line.startswith("    ") == (depth == 1)
            defined.add(match[1])
        elif kind == 2:
            assert depth == 1
            depth -= 1
        elif kind == 3:
            assert depth == 0 and {match[1], match[2]} <= defined
        elif kind == 5:
            assert set(match[1].split(",")) <= defined
    assert depth == 0


def mermaid_blocks(markdown: str) -> list[list[str]]:
    return [
        ["```mermaid", *block.split("\n"), "```"]
        for block in re.findall(r"```mermaid\n(.*?)\n```", markdown, re.S)
    ]


@pytest.mark.parametrize("name", ["ex1", "ex2", "ex3", "ex4", "ex5", str(WIDE)])
def test_markdown_draws_the_network_as_mermaid(name: str) -> None:
    text = render(Format.MARKDOWN, [solve(load(name))], RenderOptions())
    (block,) = mermaid_blocks(text)
    check_mermaid(block)
    assert text.index("```mermaid") > text.index("## Network") and text.index(
        "```mermaid"
    ) < text.index("## Forward pass")


def mmdc() -> str:
    """Mermaid's command-line renderer (npm @mermaid-js/mermaid-cli) with a Chromium."""
    path = os.environ.get("BACKPROP_MMDC") or shutil.which("mmdc")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("mmdc is missing: .ci/run installs @mermaid-js/mermaid-cli into .ci/node")
        pytest.skip("mmdc (npm @mermaid-js/mermaid-cli) is not installed")
    return path


def test_mermaid_renders_with_mermaid_s_own_renderer(tmp_path: Path) -> None:
    program = mmdc()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    config = tmp_path / "puppeteer.json"
    config.write_text(
        '{"args": ["--no-sandbox", "--headless"]'
        + (f', "executablePath": "{chromium}"' if chromium else "")
        + "}",
        encoding="utf-8",
    )
    charts = [mermaid.flowchart(TRICKY, writer(RenderOptions()))]
    charts += mermaid_blocks(render(Format.MARKDOWN, [solve(load("ex1"))], RenderOptions()))
    for i, chart in enumerate(charts):
        source = tmp_path / f"chart{i}.mmd"
        source.write_text("\n".join(chart[1:-1]) + "\n", encoding="utf-8")
        svg = tmp_path / f"chart{i}.svg"
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
    assert "0.6225" in drawn and "−0.01623" in drawn


# --- LaTeX ---------------------------------------------------------------------------------------


def test_ex1_pdf_shows_the_network(tmp_path: Path) -> None:
    from test_latex import compile_pdf, overfull

    tex = tmp_path / "ex1.tex"
    tex.write_text(render(Format.LATEX, [solve(load("ex1"))], RenderOptions()), encoding="utf-8")
    assert r"\begin{tikzpicture}" in tex.read_text(encoding="utf-8")
    log, text = compile_pdf(tex)
    assert overfull(log) == []
    sections = re.search(r"\n\s*3\s+Network\n(.*)\n\s*4\s+Forward pass\n", text, re.S)
    assert sections is not None
    network = sections[1]
    for label in ("layer 1 (hidden): sigmoid", "layer 2 (output): sigmoid", "0.6225", "0.7614"):
        assert label in network
    for weight in ("0.1", "0.2", "0.3", "0.4", "0.5", "0.6"):
        assert weight in network


def test_each_layer_kind_joins_its_units_as_it_computes_them(write: Any) -> None:
    path = write(
        """
        input: [1, -2]
        target: [0, 1, 0]
        layers:
          - weights: [[1, 2], [3, 4], [5, 6]]
          - activation: relu
          - activation: softmax
        loss: ce
        """
    )
    picture = picture_of(str(path))
    into = {
        layer: sorted(
            (e.source, e.target) for e in picture.edges if e.target.startswith(f"n{layer}_")
        )
        for layer in (1, 2, 3)
    }
    assert len(into[1]) == 6  # dense: every input to every neuron, with its weight
    assert into[2] == [("n1_0", "n2_0"), ("n1_1", "n2_1"), ("n1_2", "n2_2")]  # element-wise
    assert len(into[3]) == 9  # softmax: every unit from every input
    labels = [e.label for e in picture.edges]
    assert labels[:6] == [num(1), num(2), num(3), num(4), num(5), num(6)]
    assert all(label is None for label in labels[6:])
    assert [q.symbol for q in picture.nodes[2].quantities] == [
        Sym("b"),
        Sym("z"),
        Sym("a"),
        Sym("delta"),
    ]
    assert [q.symbol for q in picture.nodes[5].quantities] == [Sym("z"), Sym("a"), Sym("delta")]
