"""HTML and SVG: the terminal rendering exported as a standalone page and an image."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from documents import SPECIAL

VOID = {"meta", "br", "hr", "img", "link", "input"}


class _Balance(HTMLParser):
    """Checks that every element is closed, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, tag

    def handle_data(self, data: str) -> None:
        self.text += data


def parse_html(text: str) -> str:
    parser = _Balance()
    parser.feed(text)
    parser.close()
    assert parser.open == []
    return parser.text


def test_html_is_a_well_formed_standalone_page(run: Any, tmp_path: Path) -> None:
    target = tmp_path / "ex1.html"
    result = run("solve", "ex1", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style" in page
    text = parse_html(page)
    assert "Final answers" in text and "L = (ŷ − y)² = (0.6817 − 1)² = 0.1013" in text
    assert "color: #" in page  # the terminal's colours, inline


def test_svg_is_well_formed_and_titled(run: Any, tmp_path: Path) -> None:
    target = tmp_path / "ex1.svg"
    assert run("solve", "ex1", "ex5", "-o", str(target)).exit_code == 0
    root = ET.parse(target).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = "".join(root.itertext()).replace("\N{NO-BREAK SPACE}", " ")
    assert "Exercise 1: Matrix-based backpropagation; Exercise 5" in text
    assert "Final" in text


def test_special_characters_are_escaped(run: Any, tmp_path: Path, write: Any) -> None:
    problem = write(SPECIAL)
    for name in ("special.html", "special.svg"):
        assert run("solve", str(problem), "-o", str(tmp_path / name)).exit_code == 0
    page = (tmp_path / "special.html").read_text(encoding="utf-8")
    assert "<a|b>" in parse_html(page) and "<script>" not in page
    root = ET.parse(tmp_path / "special.svg").getroot()
    text = "".join(root.itertext()).replace("\N{NO-BREAK SPACE}", " ")
    assert "<a|b>" in text


def test_format_flag_writes_to_standard_output(run: Any) -> None:
    result = run("solve", "ex3", "-f", "html")
    assert result.exit_code == 0 and result.stdout.startswith("<!DOCTYPE html>")
    result = run("solve", "ex3", "-f", "svg")
    assert result.exit_code == 0 and result.stdout.startswith("<svg")


def test_html_has_a_title_and_readable_colours_on_white(run: Any) -> None:
    from backprop_cli.render.export import contrast_on_white

    page = run("solve", "ex1", "-f", "html").stdout
    assert "<title>Exercise 1: Matrix-based backpropagation</title>" in page
    colours = set(re.findall(r"(?<![-\w])color: (#[0-9a-f]{6})", page))
    assert "#808000" not in colours and "#7f7f7f" not in colours  # Rich's yellow and dim
    assert colours and min(contrast_on_white(c) for c in colours) >= 4.5
    # By hand: 128/255 → linear 0.2159, luminance 0.9278·0.2159 = 0.2003, 1.05/0.2503 = 4.195.
    assert round(contrast_on_white("#808000"), 2) == 4.2


def test_svg_fetches_no_font_and_draws_the_heavy_border_joined(run: Any) -> None:
    image = run("solve", "ex1", "-f", "svg").stdout
    assert "@font-face" not in image and 'url("http' not in image and "cdnjs" not in image
    assert "'DejaVu Sans Mono'" in image
    root = ET.fromstring(image)
    texts = "".join(root.itertext())
    assert not set(texts) & set("┏━┓┃┗┛╔═╗║╚╝")  # every border is drawn, none is text
    # The title's left border: the corner ┏ and each ┃ below it join without a gap.
    rects = [
        (
            float(r.get("x", 0)),
            float(r.get("y", 0)),
            float(r.get("width", 0)),
            float(r.get("height", 0)),
        )
        for r in root.iter("{http://www.w3.org/2000/svg}rect")
        if r.get("width") == "3.50"
    ]
    left = min(x for x, *_ in rects)
    spans = sorted((y, y + h) for x, y, w, h in rects if x == left)
    assert len(spans) == 4  # ┏ (down), ┃ (up and down), ┗ (up)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start <= end + 0.01  # the SVG's numbers have two decimals
