"""The pre-commit hooks, run by pre-commit itself from this repository (`pre-commit try-repo`).

pre-commit builds a virtual environment and installs the repository into it, which
needs the package index: without pre-commit, git or the index, the test is skipped.
It takes about half a minute per run (two runs).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

pytest.importorskip("pre_commit")
if shutil.which("git") is None:
    pytest.skip("pre-commit needs git", allow_module_level=True)


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)


def try_repo(folder: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "--files", *files]
    result = subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, check=False
    )
    if "Installing environment" in result.stdout and "An unexpected error" in result.stdout:
        pytest.skip("pre-commit could not install the hooks' environment (offline?)")
    return result


def test_the_hooks_pass_good_files_and_fail_bad_ones(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    for name in ("ex1.yaml", "ex2.yaml"):
        shutil.copy(ROOT / "problems" / name, repo / name)
    (repo / "bad.yaml").write_text(
        "input: 1\ntarget: 1\nlayers: [{weight: 1}]\nloss: mse\n", encoding="utf-8"
    )
    generate = [sys.executable, "-m", "backprop_cli", "generate", "--seed", "2", "--out", "keys"]
    subprocess.run(generate, cwd=repo, check=True, capture_output=True)
    git(repo, "add", "-A")
    home = tmp_path / "home"

    good = try_repo(
        repo, home, "ex1.yaml", "ex2.yaml", "keys/mlp-2-1.yaml", "keys/mlp-2-1.answers.yaml"
    )
    assert good.returncode == 0, good.stdout
    assert "backprop validate" in good.stdout and "backprop check answer keys" in good.stdout
    assert "Failed" not in good.stdout

    key = repo / "keys" / "mlp-2-1.answers.yaml"
    key.write_text(key.read_text(encoding="utf-8").replace("  loss:", "  loss: 9 #"), "utf-8")
    git(repo, "add", "-A")
    bad = try_repo(repo, home, "ex1.yaml", "bad.yaml", "keys/mlp-2-1.yaml")
    assert bad.returncode == 1
    assert "- hook id: backprop-validate\n- exit code: 2" in bad.stdout
    assert "- hook id: backprop-check-keys\n- exit code: 1" in bad.stdout
    assert (
        "bad.yaml:3: layers[0].weight (layer 1): unknown key 'weight' (did you mean 'weights'?)"
        in bad.stdout
    )
    assert "keys/mlp-2-1.answers.yaml:8: loss: wrong: " in bad.stdout
