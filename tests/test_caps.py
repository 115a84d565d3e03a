"""The size caps hold for everything one command solves, and are refused with one line.

The promise: whatever the caps admit finishes in seconds (bench/caps.py measures
each cap's worst legal file); whatever they do not is refused before the work.
The caps on work hold for a problem and its variants together, and for all the
FILE arguments of one ``solve``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from backprop_cli import load, solve
from backprop_cli.load import caps
from backprop_cli.solve import gradient_check

WIDE = """
input: [0.5, 0.5]
target: 1
layers:
  - {units: 1000, init: {scheme: he_normal, seed: 1}, activation: tanh}
  - {units: 1, init: {scheme: zeros}, activation: sigmoid}
loss: bce
learning_rate: 0.1
steps: 40
"""


def refusal(run: Any, *args: str) -> str:
    result = run(*args)
    assert result.exit_code == 2, result.stdout
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_variants_count_against_the_caps_together(
    run: Any, write: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Work of the problem: 40 steps × 8 × 4,001 parameters = 1,280,320; each variant as much.
    monkeypatch.setattr(caps, "MAX_WORK", 3_000_000)
    text = WIDE + "variants:\n  - {name: a, set: {learning_rate: 0.2}}\n"
    assert run("solve", str(write(text, "p.yaml")), "-f", "json").exit_code == 0
    path = write(text + "  - {name: b, set: {learning_rate: 0.3}}\n", "p.yaml")
    assert refusal(run, "solve", str(path), "-f", "json") == (
        f"{path}:11: variants[1]: with the problem and the variants before it, expected at most "
        "3,000,000 steps × max(samples, 8) × parameters (the size cap), got 3,840,960"
    )


def test_files_of_one_solve_count_against_the_caps_together(
    run: Any, write: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(caps, "MAX_WORK", 3_000_000)
    path = write(WIDE, "p.yaml")
    assert run("solve", str(path), str(path), "-f", "json").exit_code == 0
    assert refusal(run, "solve", str(path), str(path), str(path), "-f", "json") == (
        f"{path}: with the files before it, expected at most 3,000,000 steps × max(samples, 8) "
        "× parameters (the size cap), got 3,840,960"
    )


def test_file_arguments_are_capped(run: Any) -> None:
    files = ["ex1"] * (caps.MAX_FILES + 1)
    expected = f"expected at most {caps.MAX_FILES} FILE arguments (the size cap), got {len(files)}"
    assert refusal(run, "solve", *files) == expected
    assert refusal(run, "validate", *files) == expected


def test_steps_times_layers_are_capped(run: Any, write: Callable[[str, str], Path]) -> None:
    layers = "".join(
        "  - {units: 2, init: {scheme: he_normal, seed: 0}, activation: tanh}\n" for _ in range(9)
    )
    text = f"input: [1, 2]\ntarget: 1\nlayers:\n{layers}  - {{units: 1, init: {{scheme: zeros}}}}\nloss: mse\nlearning_rate: 0.1\nsteps: 2001\n"
    path = write(text, "p.yaml")
    assert refusal(run, "solve", str(path)) == (
        f"{path}:16: steps: expected at most 20,000 steps × layers (the size cap), got 20,010"
    )


def test_texts_are_capped(run: Any, write: Callable[[str, str], Path]) -> None:
    task = "Compute the output."
    text = "tasks:\n  - &t " + task + "\n" + "  - *t\n" * 5300 + WIDE
    path = write(text, "p.yaml")
    assert refusal(run, "validate", str(path)) == (
        f"{path}:1: tasks: expected at most 100,000 characters of title, description, tasks and "
        "notes together (the size cap), got 100,720"
    )


def test_max_rows_is_capped(run: Any) -> None:
    result = run("solve", "ex1", "--max-rows", str(caps.MAX_ROWS + 1))
    assert result.exit_code == 2
    assert f"{caps.MAX_ROWS + 1} is not in the range 2<=x<={caps.MAX_ROWS}" in result.stderr


def test_a_long_sum_builds_only_the_terms_it_shows(
    run: Any, write: Callable[[str, str], Path]
) -> None:
    from backprop_cli.render.shown_values import built_terms

    assert built_terms(5, 4) == [0, 1, 2, 3, 4]
    assert built_terms(1000, 8) == [0, 1, 2, 3, 4, 5, 6, 7, 999]
    # The text is that of the sum of every term (the same before terms were left unbuilt):
    # the first six, an ellipsis, the bias.
    inputs = "[" + ", ".join(["0.5"] * 300) + "]"
    text = WIDE.replace("[0.5, 0.5]", inputs).replace("units: 1000", "units: 3")
    plain = run("solve", str(write(text, "p.yaml")), "-f", "plain").stdout
    # (The table is split into column groups at the output's width; the sum is one cell,
    # wrapped to that width.)
    assert (
        "  1       0.02822·0.5 + 0.06708·0.5 + 0.02698·0.5 + (−0.1064)·0.5 + 0.07392·0.5 + "
        "0.03645·0.5 + … +\n          0\n"
    ) in plain


def test_the_gradient_check_of_a_large_network_checks_fewer_entries(
    write: Callable[[str, str], Path],
) -> None:
    problem = load(str(write(WIDE, "p.yaml")))
    # 4,003 entries; per entry 2 × (8 samples × 4,001 parameters + 16 × 1,003 values
    # + 100,000 × 2 layers) = 496,112 multiply-adds: all 1,000 fit the budget.
    assert gradient_check._entry_count(problem, 4_003) == 1_000
    # Shared by 100 problems (a problem and its variants): 5,000,000 / 496,112 = 10 each.
    assert gradient_check._entry_count(problem, 4_003, share=100) == 10
    batch = load(
        str(
            write(
                WIDE.replace(
                    "input: [0.5, 0.5]\ntarget: 1\n",
                    "samples:\n" + "  - {input: [0.5, 0.5], target: 1}\n" * 1000,
                ),
                "b.yaml",
            )
        )
    )
    # 2 × (1,000 × 4,001 + 16 × 1,000 × 1,003 + 200,000) = 40,498,000 an entry: 12, raised to 20.
    assert gradient_check._entry_count(batch, 4_003) == gradient_check.MIN_ENTRIES == 20
    check = solve(problem, gradient_check_options()).gradient_check
    assert check is not None and check.passed and check.checked == 1_000


def gradient_check_options() -> Any:
    from backprop_cli.solve.pipeline import Options

    return Options(gradient_check=True)


def test_the_files_of_one_command_share_the_yaml_value_cap(
    run: Any, write: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(caps, "MAX_YAML_VALUES", 40)
    path = write("input: [1, 2, 3, 4, 5]\ntarget: 1\n" + WIDE.split("target: 1\n")[1], "p.yaml")
    one = run("validate", str(path))
    assert one.exit_code == 0, one.stderr
    result = run("validate", str(path), str(path))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"{path}:1: input: with the files before it, the files hold more than 40 values (every use "
        "of an alias counts in full); that is beyond the size cap"
    )
    assert refusal(run, "solve", str(path), str(path)).startswith(
        f"{path}:1: input: with the files before it, the files hold more than 40 values"
    )


def test_samples_and_layers_of_the_variants_count_together(
    run: Any, write: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(caps, "MAX_LAYERS_SOLVED", 5)
    text = WIDE + "variants:\n  - {name: a, set: {learning_rate: 0.2}}\n"
    assert run("solve", str(write(text, "p.yaml")), "-f", "json").exit_code == 0
    path = write(text + "  - {name: b, set: {learning_rate: 0.3}}\n", "p.yaml")
    assert refusal(run, "solve", str(path), "-f", "json") == (
        f"{path}:11: variants[1]: with the problem and the variants before it, expected at most "
        "5 layers in all (the size cap), got 6"
    )
    monkeypatch.setattr(caps, "MAX_SAMPLES", 2)
    assert refusal(run, "solve", str(path), "-f", "json") == (
        f"{path}:11: variants[1]: with the problem and the variants before it, expected at most "
        "2 samples in all (the size cap), got 3"
    )


def test_variants_share_the_gradient_checks_budget(
    write: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from backprop_cli.solve.pipeline import Options

    monkeypatch.setattr(gradient_check, "CHECK_WORK", 2_000_000)
    text = (
        WIDE
        + "variants:\n"
        + "".join(f"  - {{name: v{i}, set: {{learning_rate: 0.{i + 1}}}}}\n" for i in range(3))
    )
    solution = solve(load(str(write(text, "p.yaml"))), Options(gradient_check=True))
    # 2,000,000 shared by 4 problems pays for 1 entry of 496,112; the floor of 20 shared: 5.
    checks = [solution.gradient_check] + [v.solution.gradient_check for v in solution.variants]
    assert [c.checked for c in checks if c is not None] == [5, 5, 5, 5]
