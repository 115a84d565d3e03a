"""The terminal formats fit their width: maths broken between elements, prose capped, tables split."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from backprop_cli.render.wrapping import column_groups, fold_math

UPDATE = "[[0.1, 0.2], [0.3, 0.4]] − 0.1·[[−0.01623, −0.03247], [−0.01553, −0.03107]]"
BATCH = Path(__file__).parent.parent / "backprop_cli" / "author" / "templates" / "batch.yaml"


def test_maths_that_fits_is_one_line() -> None:
    assert fold_math(UPDATE, 80) == [UPDATE]


def test_a_matrix_breaks_between_terms_then_rows_never_inside_a_row() -> None:
    assert fold_math(UPDATE, 51) == [
        "[[0.1, 0.2], [0.3, 0.4]]",
        "  − 0.1·[[−0.01623, −0.03247],",
        "         [−0.01553, −0.03107]]",
    ]
    assert fold_math("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]", 15) == [
        "[1, 2, 3, 4, 5,",
        " 6, 7, 8, 9,",
        " 10, 11, 12]",
    ]


def test_rows_broken_inside_start_lines_of_their_own() -> None:
    # Packed greedily, each row began after the last one's end and broke under its own
    # bracket, further right each time: a staircase running down the page.
    matrix = "[[0.1, 0.2, 0.3, 0.4, 0.5], [0.6, 0.7, 0.8, 0.9, 1.0], [1.1, 1.2, 1.3, 1.4, 1.5]]"
    assert fold_math(matrix, 22) == [
        "[[0.1, 0.2, 0.3, 0.4,",
        "  0.5],",
        " [0.6, 0.7, 0.8, 0.9,",
        "  1.0],",
        " [1.1, 1.2, 1.3, 1.4,",
        "  1.5]]",
    ]


def test_column_groups_repeat_the_key_columns() -> None:
    # sample, neuron (keys), a 29-wide sum, z, a: 6+2+6+2+29+2+4 = 51 columns, then a.
    assert column_groups([6, 6, 29, 4, 11], 51) == [[0, 1, 2, 3], [0, 1, 4]]
    assert column_groups([6, 6, 29, 4, 11], 50) == [[0, 1, 2], [0, 1, 3, 4]]


def widest(text: str) -> int:
    return max(cell_len(line) for line in re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines())


@pytest.mark.parametrize("columns", ["60", "80", "120"])
@pytest.mark.parametrize("problem", ["ex1", "ex2", "ex3", "ex4", "ex5", str(BATCH)])
def test_plain_and_rich_never_wider_than_the_terminal(
    run: Any, monkeypatch: Any, columns: str, problem: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    assert widest(run("solve", problem, "-f", "plain").stdout) <= int(columns)
    assert widest(run("solve", problem, "--color", "always").stdout) <= int(columns)


def test_the_update_matrix_at_60_columns(run: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    expected = [
        "  W⁽¹⁾ ← W⁽¹⁾ − η·∂L/∂W⁽¹⁾",
        "       = [[0.1, 0.2], [0.3, 0.4]]",
        "           − 0.1·[[−0.01623, −0.03247],",
        "                  [−0.01553, −0.03107]]",
        "       = [[0.1016, 0.2032], [0.3016, 0.4031]]",
    ]
    plain = run("solve", "ex1", "-f", "plain").stdout.splitlines()
    start = plain.index(expected[0])
    assert plain[start : start + 5] == expected
    rich = re.sub(r"\x1b\[[0-9;]*m", "", run("solve", "ex1", "--color", "always").stdout)
    lines = [line.rstrip() for line in rich.splitlines()]
    start = lines.index(" " + expected[0])
    assert lines[start : start + 5] == [" " + line for line in expected]


def test_insights_hang_under_their_text(run: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    lines = run("solve", "ex3", "-f", "plain").stdout.splitlines()
    start = lines.index("Insights")
    assert lines[start + 2 : start + 5] == [
        "▸ z = −0.5 < 0: the neuron is inactive (its ReLU outputs 0",
        "  for this input), so ReLU′(z) = 0 blocks the gradient:",
        "  ∂L/∂w = 0 and ∂L/∂b = 0, a dead ReLU.",
    ]


def test_prose_is_capped_at_100_columns_on_a_wide_terminal(run: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    text = run("solve", "ex1", "-f", "plain").stdout
    notes = text[text.index("Notes\n-----\n") :].splitlines()[2:]
    assert max(len(line) for line in notes) <= 100
    assert len(notes) == 4
    rich = run("solve", "ex1", "--color", "always").stdout
    notes = rich[rich.index("Notes") :]
    assert widest(notes[notes.index("\n") :]) <= 100  # the rule after "Notes" aside


def test_a_wide_table_is_split_into_groups_of_columns(run: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    lines = run("solve", str(BATCH), "-f", "plain").stdout.splitlines()
    start = lines.index("Layer 1: dense, 2 neurons, tanh:")
    assert lines[start + 1 : start + 3] == [
        "  sample  neuron  weighted sum Σ w·a + b         z",
        "  ------  ------  -----------------------------  ----",
    ]
    assert lines[start + 10 : start + 13] == [
        "  sample  neuron  a = tanh(z)",
        "  ------  ------  -----------",
        "  1       1       0.04996",
    ]


def test_a_group_of_columns_still_too_wide_wraps_its_last_column() -> None:
    from backprop_cli.render.plain import table_lines

    # A weighted sum of 12 terms beside z and a: the sum goes in a group of its own with
    # the key column, and is wrapped there (it ran 130 columns past a 60-column terminal).
    total = " + ".join(f"0.{i}·0.5" for i in range(1, 13))
    lines = table_lines(["neuron", "weighted sum", "z", "a"], [["1", total, "0.1", "0.2"]], 0, 60)
    assert max(len(line) for line in lines) <= 60
    assert lines[:5] == [
        "  neuron  weighted sum",
        "  ------  --------------------------------------------------",
        "  1       0.1·0.5 + 0.2·0.5 + 0.3·0.5 + 0.4·0.5 + 0.5·0.5 +",
        "          0.6·0.5 + 0.7·0.5 + 0.8·0.5 + 0.9·0.5 + 0.10·0.5 +",
        "          0.11·0.5 + 0.12·0.5",
    ]
