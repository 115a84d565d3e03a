"""Output formats: one module per format, one registry keyed by `Format`.

Each renderer takes the solutions and the `RenderOptions` and returns text.
Modules are imported when their format is asked for, so producing JSON never
loads Rich.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line imports this module before it needs NumPy
    from backprop_cli.solve.records import Solution


class Format(str, Enum):
    RICH = "rich"
    PLAIN = "plain"
    JSON = "json"
    MARKDOWN = "markdown"
    LATEX = "latex"
    HTML = "html"
    SVG = "svg"
    DOT = "dot"


FORMAT_VERSION = 1
"""The version of the JSON reports of solve, check and validate (their ``format_version``):
raised when a key changes its meaning or goes away, not when a key is added."""


class GradingFormat(str, Enum):
    """The formats of a grading (``backprop check``)."""

    RICH = "rich"
    PLAIN = "plain"
    JSON = "json"
    JUNIT = "junit"


class ValidationFormat(str, Enum):
    """The formats of ``backprop validate``."""

    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"


@dataclass(frozen=True)
class RenderOptions:
    precision: int = 4
    """Significant digits in human formats (JSON always carries full float64)."""
    max_rows: int = 8
    """Tables, matrices and sums beyond this many rows or terms elide their middle."""
    width: int = 100
    color: bool = False
    """Rich output with ANSI colours (for a terminal)."""


Renderer = Callable[[Sequence["Solution"], RenderOptions], str]


def _lazy(module: str, function: str = "render") -> Renderer:
    """The renderer ``function`` of ``backprop_cli.render.<module>``, imported when first used."""

    def render(solutions: Sequence[Solution], options: RenderOptions) -> str:
        result: str = getattr(import_module(f"backprop_cli.render.{module}"), function)(
            solutions, options
        )
        return result

    return render


RENDERERS: dict[Format, Renderer] = {
    Format.RICH: _lazy("rich"),
    Format.PLAIN: _lazy("plain"),
    Format.JSON: _lazy("report"),
    Format.MARKDOWN: _lazy("markdown"),
    Format.LATEX: _lazy("latex"),
    Format.HTML: _lazy("export", "html"),
    Format.SVG: _lazy("export", "svg"),
    Format.DOT: _lazy("dot"),
}

EXTENSIONS: dict[str, Format] = {
    ".json": Format.JSON,
    ".txt": Format.PLAIN,
    ".md": Format.MARKDOWN,
    ".tex": Format.LATEX,
    ".html": Format.HTML,
    ".svg": Format.SVG,
    ".dot": Format.DOT,
    ".gv": Format.DOT,
}
"""The format ``--output PATH`` implies when ``--format`` is not given."""


def format_for(path: Path) -> Format | None:
    return EXTENSIONS.get(path.suffix.lower())


def render(fmt: Format, solutions: Sequence[Solution], options: RenderOptions) -> str:
    return RENDERERS[fmt](solutions, options)
