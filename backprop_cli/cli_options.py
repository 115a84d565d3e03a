"""Options of the command line that are declared once and used by name: the document options
of ``solve``, the report options of ``check`` and ``validate``, and the line every
command's ``--help`` ends with.

Importing this module costs what importing Typer costs: the command line's
``--help`` stays free of NumPy.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from backprop_cli.render import Format
from backprop_cli.terminal import ColorMode, draws_boxes

DOCS = "Docs: docs/{} (in the source repository)"
"""The last line of a command's --help: where its page of the user documentation is."""

Student = Annotated[
    str | None,
    typer.Option(
        "--student",
        metavar="TEXT",
        help='Under the title of a LaTeX or Markdown document, e.g. "Ada Lovelace, 2024-017".',
        show_default=False,
    ),
]
Sections = Annotated[
    str | None,
    typer.Option(
        "--sections",
        metavar="NAMES",
        help="Only these parts, comma-separated: tasks, conventions, network, forward, loss, "
        "backward, gradients, check, update, insights, answers, notes, variants (default: all).",
        show_default=False,
    ),
]

GitHub = Annotated[
    bool,
    typer.Option("--github", help="Also print each error as a GitHub Actions annotation."),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Nothing on success; errors only.")]
ReportFile = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the report to this file.", show_default=False),
]


def shown_format(chosen: Format, color: ColorMode, to_file: bool) -> Format:
    """Rich only where someone sees it (a terminal, or --color always); plain elsewhere."""
    boxes = not to_file and draws_boxes(color, sys.stdout)
    return Format.PLAIN if chosen == Format.RICH and not boxes else chosen
