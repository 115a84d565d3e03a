"""The command line through Typer's CliRunner: every command and option, stdout and stderr apart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from backprop_cli.cli import app


def test_every_command_has_help_with_an_example(run: Any) -> None:
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert command.help, f"{name} has no help"
        result = run(name, "--help")
        assert result.exit_code == 0
        assert "Example" in result.stdout, name


def test_no_arguments_shows_help(run: Any) -> None:
    result = run()
    assert "solve" in result.stdout


def test_list_shows_the_bundled_problems_with_titles(run: Any) -> None:
    result = run("list")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "ex1  Exercise 1: Matrix-based backpropagation",
        "ex2  Exercise 2: Softmax and cross-entropy gradient",
        "ex3  Exercise 3: ReLU activation gradient",
        "ex4  Exercise 4: Two layers (2-2-1) with sigmoid activations",
        "ex5  Exercise 5: Binary cross-entropy loss with sigmoid",
    ]


def test_solve_json_by_bundled_name(run: Any) -> None:
    result = run("solve", "ex1", "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    assert data["loss"]["value"] == pytest.approx(0.10134384787889553, abs=1e-15)
    assert set(data["gradients"]) == {"W1", "b1", "W2", "b2", "x"}


def test_solve_by_path_and_from_stdin(run: Any) -> None:
    path = Path(__file__).parent.parent / "problems" / "ex5.yaml"
    by_path = json.loads(run("solve", str(path), "-f", "json").stdout)
    from_stdin = run("solve", "-", "-f", "json", input=path.read_text(encoding="utf-8"))
    assert from_stdin.exit_code == 0
    data = json.loads(from_stdin.stdout)
    assert data["source"] == "<stdin>" and data["title"] == by_path["title"]
    assert data["loss"] == by_path["loss"]


def test_plain_output_has_the_worked_solution(run: Any) -> None:
    result = run("solve", "ex1", "--format", "plain")
    assert result.exit_code == 0
    out = result.stdout
    assert "\x1b[" not in out
    for text in (
        "Forward pass",
        "z₁⁽¹⁾ = w₁₁⁽¹⁾x₁ + w₁₂⁽¹⁾x₂ + b₁⁽¹⁾ = 0.1·1 + 0.2·2 + 0 = 0.5",
        "L = (ŷ − y)² = (0.6817 − 1)² = 0.1013",
        "Final answers",
        "∂L/∂W⁽²⁾ = [−0.086, −0.1037]",
    ):
        assert text in out, text


def test_rich_is_the_default_and_degrades_to_plain_when_not_a_terminal(run: Any) -> None:
    default = run("solve", "ex2").stdout
    assert default == run("solve", "ex2", "--format", "plain").stdout
    assert "\x1b[" not in default


def test_precision(run: Any) -> None:
    out = run("solve", "ex1", "-f", "plain", "--precision", "6").stdout
    assert "L = (ŷ − y)² = (0.681655 − 1)² = 0.101344" in out
    assert run("solve", "ex1", "--precision", "0").exit_code == 2


def test_set_overrides_a_value(run: Any) -> None:
    data = json.loads(run("solve", "ex3", "-f", "json", "--set", "input=2").stdout)
    assert data["layers"][0]["z"] == [-1.0]
    data = json.loads(
        run("solve", "ex1", "-f", "json", "--set", "loss={name: sse, scale: 0.5}").stdout
    )
    assert data["loss"]["value"] == pytest.approx(0.10134384787889553 / 2)


def test_set_with_a_bad_path_or_value_is_exit_2(run: Any) -> None:
    result = run("solve", "ex3", "--set", "input")
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == "--set input: expected PATH=VALUE (e.g. --set input=[2,1]), got 'input'"
    )
    result = run("solve", "ex3", "--set", "layers.4.weights=1")
    assert result.stderr.strip() == (
        "ex3: --set layers.4.weights=1: layers is a list of 1, so the part after it must be an index from 0 to 0, got '4'"
    )
    result = run("solve", "ex3", "--set", "input=[1, 2")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "--set input=[1, 2: expected VALUE to be YAML, got an error: did not find expected ',' or ']' (column 1)"
    )


def test_output_writes_a_file_and_infers_the_format(run: Any, tmp_path: Path) -> None:
    target = tmp_path / "ex1.json"
    result = run("solve", "ex1", "--output", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8"))["title"].startswith("Exercise 1")
    text = tmp_path / "ex1.txt"
    run("solve", "ex1", "-o", str(text))
    assert "Forward pass" in text.read_text(encoding="utf-8")


def test_output_into_a_missing_folder_is_a_clear_error(run: Any, tmp_path: Path) -> None:
    result = run("solve", "ex1", "-o", str(tmp_path / "no" / "such.json"))
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"cannot write {tmp_path / 'no' / 'such.json'}: No such file or directory"
    )


def test_several_files(run: Any) -> None:
    data = json.loads(run("solve", "ex1", "ex2", "-f", "json").stdout)
    assert [d["source"] for d in data] == ["ex1", "ex2"]
    plain = run("solve", "ex1", "ex2", "-f", "plain").stdout
    assert "Exercise 1" in plain and "Exercise 2" in plain


def test_unknown_format_is_a_usage_error(run: Any) -> None:
    result = run("solve", "ex1", "--format", "pdf")
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr


def test_max_rows_elides_large_tables(run: Any, write: Any) -> None:
    path = write("""
        input: [1, 2, 3]
        target: 0
        layers:
          - {units: 40, init: {scheme: he_normal, seed: 1}, activation: relu}
          - {units: 1, init: {scheme: xavier_uniform, seed: 2}}
        loss: mse
        """)
    out = run("solve", str(path), "-f", "plain", "--max-rows", "5").stdout
    assert "… 35 more" in out


def test_python_dash_m_runs_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backprop_cli", "solve", "ex5", "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert json.loads(result.stdout)["loss"]["value"] == pytest.approx(
        2.1269280110429727, abs=1e-12
    )
