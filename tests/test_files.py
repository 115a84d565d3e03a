"""Every way a file can be unusable gets one clear message and exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def test_unreadable_file(run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("input: 1\n", encoding="utf-8")

    def denied(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)  # root reads any file, so pretend
    result = run("solve", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{path}: cannot read the file: permission denied"


def test_closed_stdin() -> None:
    result = subprocess.run(
        f"{sys.executable} -m backprop_cli solve - 0<&-",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "<stdin>: standard input is closed; give a file instead of -"


def test_empty_stdin(run: Any) -> None:
    result = run("solve", "-", input="")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "<stdin>: expected a problem (a mapping with at least layers and loss), got an empty file"
    )


def test_a_file_over_the_size_cap(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backprop_cli.load import caps as limits

    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * 2000 + "\n", encoding="utf-8")
    result = run("solve", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{path}: the file is larger than the size cap of 1,000 bytes"
