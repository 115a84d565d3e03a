"""A graph problem through the command line, alone and beside a network (one command)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

STAGED = str(Path(__file__).parent / "data" / "cs231n-staged.yaml")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backprop_cli", *args], capture_output=True, text=True, check=False
    )


def test_a_graph_and_a_network_solve_in_one_command() -> None:
    # The files of one command are capped together: a graph problem counts its nodes.
    result = run("solve", STAGED, "ex1", "--format", "json")
    assert result.returncode == 0, result.stderr
    graph, network = json.loads(result.stdout)
    assert graph["kind"] == "graph" and graph["value"] == -12.0
    assert network["loss"]["value"] == 0.10134384787889553


def test_a_graph_solves_in_the_terminal() -> None:
    result = run("solve", STAGED, "--format", "plain")
    assert result.returncode == 0, result.stderr
    assert "f = q·z = 3·(−4) = −12" in result.stdout
