"""Start-up stays lean: a check that fails if what a command imports grows.

Timing is measured by bench/run.py, not here (wall-clock tests are flaky on
shared machines); what is tested is which modules a command loads.
"""

from __future__ import annotations

import subprocess
import sys


def imported(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "backprop_cli", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return {
        line.split("|")[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }


NOT_FOR_JSON = {
    "rich",  # only the terminal formats draw with Rich
    "pydantic",  # Typer 0.29 imports it on every run: the dependency range excludes it
    "backprop_cli.render.layout",  # the human formats' layout
    "backprop_cli.render.plain",
    "backprop_cli.render.rich",
    "backprop_cli.solve.gradient_check",  # only with --check
    "tempfile",  # only for writing -o files
}


def test_solve_to_json_imports_nothing_it_does_not_use() -> None:
    assert not NOT_FOR_JSON & imported("solve", "ex1", "--format", "json")


def test_help_does_not_import_numpy_or_yaml() -> None:
    modules = imported("--help")
    assert "numpy" not in modules and "yaml" not in modules
