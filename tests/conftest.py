"""Shared helpers: write problem files, run the CLI with separate stdout and stderr."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_cli.cli import app


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write YAML text (dedented) to a file in a fresh folder; return its path."""

    def writer(text: str, name: str = "problem.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return writer


@pytest.fixture
def run() -> Callable[..., object]:
    """Invoke ``backprop ARGS…``; the result has .exit_code, .stdout and .stderr apart."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> object:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke
