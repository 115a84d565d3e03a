"""Shared helpers: write problem files, run the CLI with separate stdout and stderr."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_cli.cli import app


def pytest_configure(config: pytest.Config) -> None:
    """A snapshot is rewritten only on purpose, on a developer's machine: never in CI."""
    if os.environ.get("CI") and os.environ.get("BACKPROP_UPDATE_SNAPSHOTS"):
        raise pytest.UsageError(
            "BACKPROP_UPDATE_SNAPSHOTS is set in CI: snapshots are only rewritten on purpose, locally"
        )


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
