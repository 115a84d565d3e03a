"""The loss curve of a training run: pgfplots in the PDF, an SVG line chart in the HTML page,
a log scale when the loss spans decades."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backprop_cli import load, solve
from backprop_cli.render import Format, RenderOptions, charts, render, svg_chart
from backprop_cli.render.document import Chart

DECAY = """
title: A linear neuron learning y = x
input: 1
target: 1
layers:
  - weights: 0
loss: mse
learning_rate: 0.05
steps: {steps}
"""
"""ŷ = w + b; both gradients are 2(ŷ − 1), so each step multiplies the error by
1 − 2·2·0.05 = 0.8 and the loss (ŷ − 1)² by 0.64: 1, 0.64, 0.4096, 0.262144, … (by hand)."""

SVG = "{http://www.w3.org/2000/svg}"


def test_a_loss_spanning_two_decades_is_plotted_on_a_log_scale() -> None:
    assert charts.logarithmic(np.array([1.0, 0.5, 0.01]))
    assert not charts.logarithmic(np.array([1.0, 0.5, 0.0101]))
    assert not charts.logarithmic(np.array([1.0, 0.0, 1e-9]))  # a zero has no logarithm
    assert charts.logarithmic(np.array([np.nan, 1.0, np.inf, 0.001]))  # non-finite left out
    assert not charts.logarithmic(np.array([np.nan]))


def test_a_long_run_is_plotted_at_most_200_points_first_and_last_included() -> None:
    values = np.linspace(1, 0, 100_001)
    values[3] = np.nan
    chosen = charts.points(values)
    assert len(chosen) == 200 and chosen[0] == (0, 1.0) and chosen[-1] == (100_000, 0.0)
    assert [step for step, _ in charts.points(np.array([1.0, np.nan, 3.0]))] == [0, 2]


def test_the_pdf_plots_the_loss_with_pgfplots(write: Any) -> None:
    tex = render(Format.LATEX, [solve(load(str(write(DECAY.format(steps=3)))))], RenderOptions())
    assert r"\usepackage{pgfplots}" in tex
    assert r"\begin{axis}[" in tex and "semilogyaxis" not in tex
    assert r"coordinates {(0,1) (1,0.64) (2,0.4096) (3,0.262144)};" in tex


def test_the_pdf_of_50_steps_compiles_with_its_loss_curve_on_a_log_scale(
    write: Any, tmp_path: Path
) -> None:
    from test_latex import compile_pdf, overfull

    tex = tmp_path / "decay.tex"
    tex.write_text(
        render(Format.LATEX, [solve(load(str(write(DECAY.format(steps=50)))))], RenderOptions()),
        encoding="utf-8",
    )
    source = tex.read_text(encoding="utf-8")
    assert r"\begin{semilogyaxis}[" in source  # 0.64⁵⁰ ≈ 2e-10: ten decades
    (plot,) = (line for line in source.splitlines() if "coordinates" in line)
    assert plot.count("(") == 51
    log, text = compile_pdf(tex)
    assert overfull(log) == []
    assert "loss per step" in text and "loss (log scale)" in text


def _chart(steps: int) -> Chart:
    (solution,) = [solve(load("ex1", [f"steps={steps}"]))]
    assert solution.update is not None
    return Chart(solution.update.loss_history, "loss per step")


def _polyline(svg: str) -> list[tuple[float, float]]:
    root = ET.fromstring(svg)
    (line,) = root.iter(f"{SVG}polyline")
    return [(float(x), float(y)) for x, y in (p.split(",") for p in line.attrib["points"].split())]


def test_the_svg_chart_draws_every_step_between_the_axes() -> None:
    chart = _chart(50)
    points = _polyline(svg_chart.svg(chart))
    assert len(points) == 51
    left, top = svg_chart.LEFT, svg_chart.TOP
    right = svg_chart.WIDTH - svg_chart.RIGHT
    bottom = svg_chart.HEIGHT - svg_chart.BOTTOM
    assert points[0] == (left, top)  # step 0, the largest loss
    assert points[-1] == (right, bottom)  # the last step, the smallest
    # linear: the height of each point is its loss's share of the range
    values = chart.values
    share = (values - values.min()) / (values.max() - values.min())
    assert [y for _, y in points] == pytest.approx(list(bottom - share * (bottom - top)), abs=0.06)


def test_the_svg_chart_of_a_loss_spanning_decades_is_logarithmic(write: Any) -> None:
    solution = solve(load(str(write(DECAY.format(steps=50)))))
    assert solution.update is not None
    svg = svg_chart.svg(Chart(solution.update.loss_history, "loss per step"))
    points = _polyline(svg)
    # the loss falls by the same factor (0.64) every step: equal steps on a log scale
    drops = np.diff([y for _, y in points])
    assert drops == pytest.approx(np.full(50, drops[0]), abs=0.06)
    texts = list(ET.fromstring(svg).iter(f"{SVG}text"))
    assert "loss (log scale)" in [t.text for t in texts]
    ticks = [t.text for t in texts if t.attrib.get("text-anchor") == "end"]
    assert ticks == ["1e−08", "1e−06", "0.0001", "0.01", "1"]  # 10⁻¹⁰ … 1: every other power


def test_the_html_page_draws_the_loss_as_svg_between_its_text(write: Any) -> None:
    page = render(Format.HTML, [solve(load("ex1", ["steps=20"]))], RenderOptions())
    assert page.count("<svg") == 1 and page.count("<figure>") == 1
    before, figure = page.split("<figure>")
    figure, after = figure.split("</figure>")
    assert before.rstrip().endswith("</code></pre>")
    assert after.lstrip().startswith("<pre ") and "Insights" in after and "Training" in before
    assert len(_polyline(figure.removeprefix("<svg").join(["<svg", ""]))) == 21
    assert "▁" not in page  # the text chart is replaced, not repeated


def test_an_html_page_without_training_has_no_chart() -> None:
    page = render(Format.HTML, [solve(load("ex1"))], RenderOptions())
    assert "<svg" not in page and page.count("<pre ") == 1
