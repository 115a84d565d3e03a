"""A progress bar on standard error for long training runs, when standard error is a terminal.

A run of 3,000 steps on a 784-256-10 network takes minutes; a bar appears
once training has gone on for `DELAY_SECONDS`, so short runs (every bundled
exercise) never flicker one. It is drawn on standard error and removed when
training ends, so standard output (the solution) is the same either way.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from backprop_cli.terminal import is_terminal

DELAY_SECONDS = 0.5
"""Training shorter than this shows no bar."""

Report = Callable[[int, int], None]


@contextmanager
def training_progress(title: str = "training") -> Iterator[Report | None]:
    """A ``(step, steps)`` callback drawing the bar, or None where nobody would see it."""
    if not is_terminal(sys.stderr):
        yield None
        return
    started = time.monotonic()
    state: dict[str, Any] = {}

    def report(step: int, steps: int) -> None:
        if "bar" not in state:
            if time.monotonic() - started < DELAY_SECONDS or step >= steps:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            bar = Progress(
                f"[bold]{title}[/]",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(file=sys.stderr),
                transient=True,
            )
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task(title, total=steps)
        state["bar"].update(state["task"], completed=step, total=steps)

    try:
        yield report
    finally:
        if "bar" in state:
            state["bar"].stop()
