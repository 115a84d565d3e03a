"""The parts of a worked solution by name, as ``--sections`` takes them.

Only the names live here, so that the command line can check ``--sections``
without importing the layout (which the JSON path never loads); `layout`
keeps one section writer per name, in this order.
"""

from __future__ import annotations

from backprop_cli.errors import BackpropError
from backprop_cli.load.reader import did_you_mean

NAMES = (
    "tasks",
    "conventions",
    "network",
    "forward",
    "loss",
    "backward",
    "gradients",
    "check",
    "update",
    "insights",
    "answers",
    "notes",
    "variants",
)
"""What follows a problem's title and description, in order."""


def parse(text: str) -> frozenset[str]:
    """The names of ``--sections forward,loss,answers``; an unknown one is an error."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in NAMES:
            raise BackpropError(
                f"--sections {text}: unknown section {name!r}{did_you_mean(name, NAMES)}; "
                f"expected names from {', '.join(NAMES)}"
            )
    if not names:
        raise BackpropError(f"--sections {text!r}: expected names from {', '.join(NAMES)}")
    return frozenset(names)
