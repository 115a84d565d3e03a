"""A training run as the terminal shows it: the loss table, the chart, the progress bar."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import numpy as np

from backprop_cli.render.shown_values import evenly_spaced
from backprop_cli.render.terminal_common import chart
from tests.test_streams import environment


def test_the_loss_table_takes_evenly_spaced_steps() -> None:
    assert evenly_spaced(3001, 8) == [0, 500, 1000, 1500, 2000, 2500, 3000]
    assert evenly_spaced(88, 8) == [0, 20, 40, 60, 80, 87]
    assert evenly_spaced(6, 8) == [0, 1, 2, 3, 4, 5]


def test_a_short_run_is_stretched_over_the_chart() -> None:
    lines = chart(np.array([4.0, 3.0, 2.0, 1.0]), 80, height=3)
    assert lines == [  # four values, 15 columns each; the smallest is still a bar
        "4 │" + "█" * 15 + " " * 45,
        "  │" + "█" * 30 + " " * 30,
        "1 │" + "█" * 45 + "▁" * 15,
        "  └" + "─" * 60,
        "   step 0 … 3",
    ]


def test_a_loss_spanning_decades_is_charted_on_a_log_scale() -> None:
    losses = np.array([1.0, 1e-1, 1e-2, 1e-3])
    lines = chart(losses, 80, height=3, precision=2)
    # log10 levels 0, −1, −2, −3 over three rows: 3, 2, 1 and the lowest bar.
    assert lines[0] == "    1 │" + "█" * 15 + " " * 45
    assert lines[1] == "      │" + "█" * 30 + " " * 30
    assert lines[2] == "0.001 │" + "█" * 45 + "▁" * 15
    assert lines[-1] == "       step 0 … 3 (log scale)"


LONG = """\
title: Long training
input: [1, 2]
target: 1
layers:
  - weights: [[0.1, 0.2], [0.3, 0.4]]
    bias: [0, 0]
    activation: tanh
  - weights: [0.5, 0.6]
    activation: sigmoid
loss: mse
learning_rate: 5
steps: 10000
"""


def test_long_training_shows_a_progress_bar_on_a_terminal_stderr(tmp_path: Path) -> None:
    problem = tmp_path / "long.yaml"
    problem.write_text(LONG, encoding="utf-8")
    leader, follower = pty.openpty()
    with open(tmp_path / "out.json", "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "backprop_cli", "solve", str(problem), "-f", "json"],
            env=environment(),
            stdout=out,
            stderr=follower,
        )
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        assert process.wait(timeout=120) == 0
    os.close(leader)
    assert b"training" in seen and b"10000/10000" in seen
    assert seen.endswith(b"\x1b[2K")  # the bar removes itself
    assert (tmp_path / "out.json").read_bytes().startswith(b"{")


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    problem = tmp_path / "long.yaml"
    problem.write_text(LONG.replace("10000", "2000"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "backprop_cli", "solve", str(problem), "-f", "json"],
        env=environment(),
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0 and result.stderr == b""
