"""Fuzzing the environment: every command under encodings, locales, TERM, COLUMNS and streams.

A command either succeeds (exit 0; 1 for a wrong answer in ``check``) and
writes output its stream can hold, or it fails with exit 2 and one line on
stderr, never a traceback: whatever the encoding (UTF-8, ASCII, cp1252,
Latin-1, the C locale), TERM (unset, dumb, xterm), NO_COLOR, COLUMNS (0 to
100,000, or not a number) and standard output (a pipe, closed, a full disk).
The product is thousands of runs; a fixed sample of it runs here (each is a
process of its own), and every value of every dimension appears in it.
"""

from __future__ import annotations

import itertools
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.test_streams import environment

ENCODINGS: dict[str, dict[str, str]] = {
    "utf-8": {},
    "ascii": {"PYTHONIOENCODING": "ascii"},
    "cp1252": {"PYTHONIOENCODING": "cp1252"},
    "latin-1": {"PYTHONIOENCODING": "latin-1"},
    "C locale": {"PYTHONUTF8": "0", "LC_ALL": "C", "LANG": "C"},
}
TERMS: dict[str, dict[str, str]] = {
    "no TERM": {},
    "dumb": {"TERM": "dumb"},
    "xterm, NO_COLOR": {"TERM": "xterm-256color", "NO_COLOR": "1"},
}
COLUMNS = ["0", "5", "20", "60", "80", "200", "100000", "wide", "-3", "٣٠"]
STREAMS = ["pipe", "closed", "full"]
COMMANDS: list[tuple[str, ...]] = [
    ("solve", "ex1"),
    ("solve", "ex2", "-f", "json"),
    ("solve", "ex4", "-f", "markdown"),
    ("check", "ex1", "--answers", "ANSWERS"),
    ("validate", "ex1", "ex3"),
    ("list",),
    ("schema",),
    ("--version",),
    ("solve", "--help"),
]
PYTHON_ENCODING = {"utf-8": "utf-8", "C locale": "ascii"}

SAMPLE = 48


def _cases() -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    everything = list(itertools.product(ENCODINGS, TERMS, COLUMNS, STREAMS, range(len(COMMANDS))))
    chosen = random.Random(11).sample(everything, SAMPLE)
    # Every value of every dimension at least once.
    for dimension, values in enumerate((ENCODINGS, TERMS, COLUMNS, STREAMS, range(len(COMMANDS)))):
        for value in values:
            if all(case[dimension] != value for case in chosen):
                chosen.append(next(c for c in everything if c[dimension] == value))
    return [(e, t, c, s, COMMANDS[k]) for e, t, c, s, k in chosen]


def _run(args: tuple[str, ...], env: dict[str, str], stream: str) -> Any:
    command = [sys.executable, "-m", "backprop_cli", *args]
    options: dict[str, Any] = {"env": env, "stderr": subprocess.PIPE, "timeout": 120}
    if stream == "closed":
        return subprocess.run(command, preexec_fn=lambda: os.close(1), check=False, **options)
    if stream == "full":
        with open("/dev/full", "wb") as full:
            return subprocess.run(command, stdout=full, check=False, **options)
    return subprocess.run(command, stdout=subprocess.PIPE, check=False, **options)


@pytest.mark.parametrize(("encoding", "term", "columns", "stream", "args"), _cases())
def test_environment(
    encoding: str, term: str, columns: str, stream: str, args: tuple[str, ...], tmp_path: Path
) -> None:
    if stream == "full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    answers = tmp_path / "answers.yaml"
    answers.write_text("answers: {output: 0.6817, loss: 0.5}\n", encoding="utf-8")
    args = tuple(str(answers) if a == "ANSWERS" else a for a in args)
    env = environment({**ENCODINGS[encoding], **TERMS[term], "COLUMNS": columns})
    result = _run(args, env, stream)
    assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
    if stream == "pipe":
        assert result.returncode in (0, 1) and result.stderr == b"", result.stderr
        expected = "utf-8" if "-f" in args or "schema" in args else encoding
        result.stdout.decode(PYTHON_ENCODING.get(expected, expected))  # its stream can hold it
        assert result.stdout, "no output"
    else:
        reason = "standard output is closed" if stream == "closed" else "No space left on device"
        assert result.returncode == 2
        assert result.stderr.count(b"\n") == 1 and reason.encode() in result.stderr
