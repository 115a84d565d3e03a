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


def entry(*args: str) -> subprocess.CompletedProcess[str]:
    """The real ``backprop`` entry point (``main``), at a fixed width."""
    env = {"COLUMNS": "100", "NO_COLOR": "1", "PATH": "/usr/bin:/bin", "TERM": "dumb"}
    return subprocess.run(
        [sys.executable, "-m", "backprop_cli", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_a_command_built_alone_runs_helps_and_errs_as_in_the_whole_app(run: object) -> None:
    """``main`` builds only the command named first; what it prints must not change."""
    from backprop_cli.boundary import only_the_command_named
    from backprop_cli.cli import app

    alone = only_the_command_named(app, ["solve", "ex1"])
    assert [c.callback for c in alone.registered_commands] == [app.registered_commands[0].callback]
    assert only_the_command_named(app, ["--version"]) is app
    assert only_the_command_named(app, ["slove"]) is app
    whole = entry("--help").stdout
    for command in ("solve", "list", "check", "validate", "new", "generate", "schema"):
        assert f" {command} " in whole
        alone = entry(command, "--help")
        assert alone.returncode == 0 and f"Usage: backprop {command} [OPTIONS]" in alone.stdout
    assert entry("slove", "ex1").stderr == (
        "backprop: No such command 'slove'. Did you mean 'solve'? (see backprop --help)\n"
    )
    for args in (("solve", "ex1", "--formt", "json"), ("solve", "ex1", "-f", "json")):
        alone, whole_app = entry(*args), run(*args)  # type: ignore[operator]
        assert (alone.stdout, alone.stderr) == (whole_app.stdout, whole_app.stderr)
