"""Output on any stream: closed, full, not UTF-8, any width; files written whole or not at all.

These run the real program in a subprocess, because what they test is the
file descriptors and the locale a test runner would otherwise replace.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from backprop_cli.render.ascii_text import ascii_text
from backprop_cli.streams import write_file

PROBLEMS = Path(__file__).parent.parent / "problems"


CLEAN = ("PYTHONIOENCODING", "COLUMNS", "NO_COLOR", "FORCE_COLOR", "TERM", "LC_ALL")


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test's environment without what the tests vary, UTF-8 unless ``extra`` says not."""
    clean = {key: value for key, value in os.environ.items() if key not in CLEAN}
    return {**clean, "PYTHONUTF8": "1", **(extra or {})}


def backprop(*args: str, env: dict[str, str] | None = None, **kwargs: Any) -> Any:
    """Run ``python -m backprop_cli ARGS`` (bytes out, so encodings are seen as they are)."""
    return subprocess.run(
        [sys.executable, "-m", "backprop_cli", *args],
        env=environment(env),
        capture_output="stdout" not in kwargs,
        check=False,
        timeout=120,
        **kwargs,
    )


@pytest.mark.parametrize(
    "args", [("solve", "ex1"), ("list",), ("validate", "ex1"), ("schema",), ("--version",)]
)
def test_a_closed_standard_output_is_an_error_not_a_silent_success(args: tuple[str, ...]) -> None:
    # The shell's `>&-`: the child starts with file descriptor 1 closed.
    result = subprocess.run(
        [sys.executable, "-m", "backprop_cli", *args],
        capture_output=False,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        preexec_fn=lambda: os.close(1),
        check=False,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr == b"cannot write the output: standard output is closed\n"


@pytest.mark.parametrize("args", [("solve", "ex1"), ("solve", "ex1", "-f", "json"), ("list",)])
def test_a_full_disk_is_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "wb") as full:
        result = backprop(*args, stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 2
    assert result.stderr == (
        b"cannot write the output to standard output: No space left on device\n"
    )


ENCODINGS = [
    {"PYTHONIOENCODING": "ascii"},
    {"PYTHONIOENCODING": "cp1252"},
    {"PYTHONUTF8": "0", "LC_ALL": "C", "LANG": "C"},
]


@pytest.mark.parametrize("env", ENCODINGS)
def test_terminal_text_falls_back_to_ascii_spellings(env: dict[str, str]) -> None:
    result = backprop("solve", "ex1", env=env)
    assert result.returncode == 0 and result.stderr == b""
    text = result.stdout.decode("ascii")  # every byte is ASCII
    assert (
        "  dL/dW^(1) = delta^(1)x^T\n"
        "            = [-0.01623, -0.01553]^T*[1, 2]\n"
        "            = [[-0.01623, -0.03247], [-0.01553, -0.03107]]\n"
    ) in text
    assert "  W^(1) <- W^(1) - eta*dL/dW^(1)" in text


@pytest.mark.parametrize("env", ENCODINGS)
def test_documents_are_utf8_whatever_the_locale(env: dict[str, str]) -> None:
    utf8 = backprop("solve", "ex1", "-f", "json").stdout
    result = backprop("solve", "ex1", "-f", "json", env=env)
    assert result.returncode == 0 and result.stdout == utf8
    assert "∂L/∂W⁽¹⁾" in json.dumps(json.loads(utf8), ensure_ascii=False)


@pytest.mark.parametrize("env", ENCODINGS)
def test_check_on_a_stream_that_is_not_utf8(env: dict[str, str], tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("answers: {output: 0.6817, loss: 0.5}\n", encoding="utf-8")
    result = backprop("check", "ex1", "--answers", str(answers), env=env)
    assert result.returncode == 1 and result.stderr == b""
    assert result.stdout.isascii()


def test_ascii_spellings() -> None:
    assert ascii_text("∂L/∂W⁽¹⁾ᵀ = σ′(z₁)·ŷ₂ − ½Σⱼ δ⁽²⁾ ← η") == (
        "dL/dW^(1)^T = sigma'(z_1)*yhat_2 - 1/2 sum_j delta^(2) <- eta"
    )
    assert ascii_text("╭─╮│└┘ ▁▅█ Übung ηx 2η") == "+-+|++ .:# Ubung eta x 2 eta"
    assert ascii_text("✓") == "?"


@pytest.mark.parametrize("columns", ["0", "5", "19", "100000", "99999999999999"])
def test_any_columns_value(columns: str) -> None:
    result = backprop("solve", "ex1", env={"COLUMNS": columns})
    assert result.returncode == 0 and result.stderr == b""
    narrow = int(columns) < 20  # read as 20 columns: the title wraps
    title = ["Exercise 1:", "Matrix-based", "backpropagation", "=" * 15]
    lines = result.stdout.decode().splitlines()
    assert lines[:4] == title if narrow else lines[1] == "=" * 40


def test_output_that_is_an_input_is_refused(tmp_path: Path) -> None:
    problem = tmp_path / "v.yaml"
    problem.write_bytes((PROBLEMS / "ex1.yaml").read_bytes())
    before = problem.read_bytes()
    alias = tmp_path / "alias.txt"
    alias.symlink_to(problem)
    result = backprop("solve", "ex2", str(problem), "-o", str(alias))
    assert result.returncode == 2
    assert result.stderr.decode() == (
        f"{alias}: this is also the input {problem}; writing the output there "
        "would replace it: choose another output file\n"
    )
    assert problem.read_bytes() == before


def test_write_file_replaces_whole_keeps_mode_and_links(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write_file(link, "new ∂")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new ∂"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "out.txt"]  # no temporaries
    write_file(Path(os.devnull), "nothing")  # a device is written, never replaced
    assert Path(os.devnull).is_char_device()


def test_parallel_runs_never_leave_a_torn_file(tmp_path: Path) -> None:
    out = tmp_path / "same.json"
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "backprop_cli", "solve", "ex1", "ex2", "-o", str(out)],
            env=environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(6)
    ]
    assert [run.wait(timeout=120) for run in runs] == [0] * 6
    assert len(json.loads(out.read_text(encoding="utf-8"))) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["same.json"]


@pytest.mark.parametrize("env", ENCODINGS)
@pytest.mark.parametrize("command", ["solve", "check", "generate"])
def test_help_on_a_stream_that_is_not_utf8(env: dict[str, str], command: str) -> None:
    result = backprop(command, "--help", env=env)
    assert result.returncode == 0 and result.stderr == b""
    encoding = env.get("PYTHONIOENCODING", "ascii")
    assert f"Usage: backprop {command}" in result.stdout.decode(encoding)


@pytest.mark.parametrize("env", ENCODINGS[:2])
@pytest.mark.parametrize("problem", ["ex1", "ex2", "ex4"])
def test_ascii_spellings_are_laid_out_in_the_width(env: dict[str, str], problem: str) -> None:
    # "σ" is "sigma": the layout is made in ASCII, so it still fits 60 columns.
    result = backprop("solve", problem, env={**env, "COLUMNS": "60"})
    assert result.returncode == 0
    assert max(len(line) for line in result.stdout.decode("ascii").splitlines()) <= 60
