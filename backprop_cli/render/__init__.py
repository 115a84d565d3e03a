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
    from backprop_cli.trace import Solution


class Format(str, Enum):
    RICH = "rich"
    PLAIN = "plain"
    JSON = "json"
    MARKDOWN = "markdown"
    LATEX = "latex"
    HTML = "html"
    SVG = "svg"


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


def _text(module: str, function: str = "render") -> Renderer:
    """A renderer of the terminal's formats (or their export), which take `TextOptions`."""

    def render(solutions: Sequence[Solution], options: RenderOptions) -> str:
        from backprop_cli.render.textual import TextOptions

        text = TextOptions(options.precision, options.max_rows, options.width, options.color)
        result: str = getattr(import_module(f"backprop_cli.render.{module}"), function)(
            solutions, text
        )
        return result

    return render


def _document(module: str) -> Renderer:
    """A renderer of a document format (LaTeX, Markdown), which takes the `RenderOptions`."""

    def render(solutions: Sequence[Solution], options: RenderOptions) -> str:
        result: str = import_module(f"backprop_cli.render.{module}").render(solutions, options)
        return result

    return render


def _json(solutions: Sequence[Solution], options: RenderOptions) -> str:
    from backprop_cli.render import report

    return report.render(solutions, options.precision)


RENDERERS: dict[Format, Renderer] = {
    Format.RICH: _text("rich"),
    Format.PLAIN: _text("plain"),
    Format.JSON: _json,
    Format.MARKDOWN: _document("markdown"),
    Format.LATEX: _document("latex"),
    Format.HTML: _text("export", "html"),
    Format.SVG: _text("export", "svg"),
}

EXTENSIONS: dict[str, Format] = {
    ".json": Format.JSON,
    ".txt": Format.PLAIN,
    ".md": Format.MARKDOWN,
    ".tex": Format.LATEX,
    ".html": Format.HTML,
    ".svg": Format.SVG,
}
"""The format ``--output PATH`` implies when ``--format`` is not given."""


def format_for(path: Path) -> Format | None:
    return EXTENSIONS.get(path.suffix.lower())


def render(fmt: Format, solutions: Sequence[Solution], options: RenderOptions) -> str:
    return RENDERERS[fmt](solutions, options)
