"""CI refuses to rewrite snapshots: a snapshot changes only on purpose."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_script_refuses_snapshot_updates() -> None:
    env = {**os.environ, "CI": "1", "BACKPROP_UPDATE_SNAPSHOTS": "1"}
    result = subprocess.run(
        ["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr == (
        "error: BACKPROP_UPDATE_SNAPSHOTS is set in CI; snapshots are only rewritten on purpose, "
        "locally\n"
    )


def test_pytest_refuses_snapshot_updates_in_ci() -> None:
    env = {**os.environ, "CI": "1", "BACKPROP_UPDATE_SNAPSHOTS": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            str(ROOT / "tests" / "test_ci.py"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode != 0
    assert "BACKPROP_UPDATE_SNAPSHOTS is set in CI" in result.stderr
