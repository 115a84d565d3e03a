"""Options of the command line that are declared once and used by name: the document options
of ``solve`` and the line every command's ``--help`` ends with.

Importing this module costs what importing Typer costs: the command line's
``--help`` stays free of NumPy.
"""

from __future__ import annotations

from typing import Annotated

import typer

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
