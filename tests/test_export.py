"""HTML and SVG: the terminal rendering exported as a standalone page and an image."""

from __future__ import annotations

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
