"""Fuzzing by class, every member of a class tried: huge integers in every numeric field,
odd Unicode digits in every index of a path, odd Unicode in every name.

Where `test_fuzz` samples at random, this walks every place of every base problem
(and of an answers file, and of the command line) and puts each hostile value
there. Whatever comes in: exit status 0, 1 (a wrong answer) or 2, never a
traceback, and on 2 exactly one line on stderr that starts with the file's name.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from test_fuzz import BASES, mutated, parent, paths
from typer.testing import CliRunner

from backprop_cli.cli import app

RUNNER = CliRunner()

HUGE = [10**400, -(10**400), 10**999]
"""Integers no float can hold (310 digits and more), up to the reader's 1,000 digits."""

ODD_DIGITS = ["０", "١", "²", "۳", "१", "-1", "+0", "1_0", " 1", "1e0", "٠٠"]
"""Strings `str.isdigit` or `int()` accept, or that look like an index, but are not ASCII
digits: fullwidth, Arabic-Indic, superscript, Persian, Devanagari, signed, spaced."""

ODD_NAMES = [
    "ѕigmoid",  # Cyrillic ѕ
    "ｓｉｇｍｏｉｄ",  # fullwidth
    "sigmoid\u0301",  # a combining accent
    "mse\u200b",  # a zero-width space
    "\u202emse",  # a right-to-left override
    "ＭＳＥ",
    "İ",  # capital I with dot: lower() makes it two characters
    "ß",
    "",
]


def run(*args: str) -> Any:
    result = RUNNER.invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"crashed on {args!r}") from result.exception
    return result


def one_line_or_success(result: Any, label: str) -> None:
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr)
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(label), lines[0]


def numeric_places(doc: Any) -> list[tuple[Any, ...]]:
    """Every place holding a number, and every place holding anything at the top of a layer
    or of a mapping inside one (where a number could be written instead)."""
    found = []
    for path in paths(doc):
        value = parent(doc, path)[path[-1]]
        if (isinstance(value, (int, float)) and not isinstance(value, bool)) or len(path) <= 3:
            found.append(path)
    return found


def cases() -> list[tuple[int, tuple[Any, ...]]]:
    return [(i, path) for i, base in enumerate(BASES) for path in numeric_places(base)]


@pytest.mark.parametrize(("base", "place"), cases())
def test_huge_integers_in_every_numeric_field(
    base: int, place: tuple[Any, ...], tmp_path: Path
) -> None:
    for number in HUGE:
        doc = copy.deepcopy(BASES[base])
        parent(doc, place)[place[-1]] = number
        path = tmp_path / "p.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        result = run("solve", str(path), "--format", "json")
        one_line_or_success(result, str(path))
        assert result.exit_code == 2, (place, number)  # no field takes such a number
        assert f"({len(str(abs(number))):,} digits)" in result.stderr


@pytest.mark.parametrize("number", HUGE)
def test_huge_integers_in_answers_tolerances_set_values_and_options(
    number: int, tmp_path: Path
) -> None:
    answers = tmp_path / "a.yaml"
    for text in (
        f"answers: {{output: {number}}}\n",
        f"answers: {{dW2: [[{number}, 1]]}}\n",
        f"answers: {{output: 0.68}}\ntolerance: {{abs: {number}}}\n",
        f"answers: {{output: 0.68}}\ntolerance: {{rel: {number}}}\n",
    ):
        answers.write_text(text, encoding="utf-8")
        result = run("check", "ex1", "--answers", str(answers))
        one_line_or_success(result, str(answers))
        assert result.exit_code == 2
    for place in ("input", "target", "layers.0.weights", "learning_rate", "loss.scale", "steps"):
        result = run("solve", "ex1", "--set", f"{place}={number}", "--format", "json")
        one_line_or_success(result, "ex1")
        assert result.exit_code == 2
    result = run("generate", "--seed", str(number), "--out", str(tmp_path / "g"))
    assert result.exit_code == 2 and "Traceback" not in result.output


def index_places() -> list[tuple[int, str, int]]:
    """(base, dotted path, which part is the index) for every kind of index place of the bases:
    the first index of each path, every prefix once (``layers.N``, ``layers.0.weights.N``, …)."""
    found = set()
    for b, doc in enumerate(BASES):
        for path in paths(doc):
            parts = [str(part) for part in path]
            for i, part in enumerate(path):
                if isinstance(part, int):
                    found.add((b, ".".join(parts[: i + 1]), i))
    return sorted(found)


@pytest.mark.parametrize(("base", "place", "index"), index_places())
def test_odd_digits_are_never_an_index(base: int, place: str, index: int, tmp_path: Path) -> None:
    problem = tmp_path / "p.yaml"
    problem.write_text(yaml.safe_dump(BASES[base], allow_unicode=True), encoding="utf-8")
    parts = place.split(".")
    for digits in ODD_DIGITS:
        odd = ".".join([*parts[:index], digits, *parts[index + 1 :]])
        result = run("solve", str(problem), "--set", f"{odd}=1", "-f", "json")
        one_line_or_success(result, str(problem))
        assert result.exit_code == 2, odd
        assert f"got {digits!r}" in result.stderr
    doc = copy.deepcopy(BASES[base])
    for digits in ODD_DIGITS:
        doc["variants"] = [{"name": "v", "set": {".".join([*parts[:index], digits]): 1}}]
        problem.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        result = run("validate", str(problem))
        one_line_or_success(result, str(problem))
        assert result.exit_code == 2, digits


@pytest.mark.parametrize("name", ODD_NAMES)
def test_odd_unicode_in_every_name(name: str, tmp_path: Path) -> None:
    doc = BASES[5]
    for place in [p for p in paths(doc) if isinstance(parent(doc, p)[p[-1]], str)] + [
        ("title",),
        ("loss",),
    ]:
        changed = copy.deepcopy(doc)
        parent(changed, place)[place[-1]] = name
        path = tmp_path / "p.yaml"
        path.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
        result = run("solve", str(path), "--format", "json")
        one_line_or_success(result, str(path))
        if result.exit_code == 0:
            json.loads(result.stdout)
    for key in (name, name + "weights"):
        changed = copy.deepcopy(doc)
        changed["layers"][0][key or "?"] = 1
        path = tmp_path / "k.yaml"
        path.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
        result = run("validate", str(path))
        one_line_or_success(result, str(path))
        assert result.exit_code == 2


@given(doc=mutated())
@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
def test_validate_goes_on_past_errors_without_a_traceback(doc: Any, tmp_path_factory: Any) -> None:
    # validate reads on past an error where it can (every error of a file): the placeholders
    # it reads on with must never reach code that cannot take them.
    path = tmp_path_factory.mktemp("fuzz") / "p.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    result = run("validate", str(path))
    assert result.exit_code in (0, 2), result.stderr
    lines = result.stderr.splitlines()
    assert all(line.startswith(str(path)) for line in lines), lines
    assert (result.exit_code == 2) == bool(lines)
    if result.exit_code == 2:  # solve stops at the first of them
        solved = run("solve", str(path), "--format", "json")
        assert solved.exit_code == 2 and solved.stderr.splitlines()[0] in lines
