"""Output formats: one module per format, one registry keyed by `Format`.

Each renderer takes the solutions and the `RenderOptions` and returns text.
Modules are imported when their format is asked for, so producing JSON never
loads Rich.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from backprop_cli.records import dataclass

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
    sections: frozenset[str] | None = None
    """The parts of the solution shown (``--sections``, names of `layout.SECTIONS`); None: all."""
    student: str | None = None
    """Who hands the document in (``--student "Name, Roll No."``): in the LaTeX and Markdown
    title block."""
    ascii: bool = False
    """The terminal formats spelled in ASCII, for a stream that cannot encode Unicode."""


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
    ".text": Format.PLAIN,
    ".md": Format.MARKDOWN,
    ".markdown": Format.MARKDOWN,
    ".tex": Format.LATEX,
    ".latex": Format.LATEX,
    ".pdf": Format.LATEX,
    ".html": Format.HTML,
    ".htm": Format.HTML,
    ".svg": Format.SVG,
    ".dot": Format.DOT,
    ".gv": Format.DOT,
}
"""The format ``--output PATH`` implies when ``--format`` is not given."""

COMPILED = frozenset({".pdf"})
"""Extensions whose LaTeX is compiled (by pdflatex) before it is written."""

DOCUMENTS = frozenset(
    {Format.JSON, Format.MARKDOWN, Format.LATEX, Format.HTML, Format.SVG, Format.DOT}
)
"""Formats that are files in their own right: written as UTF-8 whatever the locale
(the terminal formats are spelled for the stream they go to)."""


def format_for(path: Path) -> Format | None:
    return EXTENSIONS.get(path.suffix.lower())


def format_for_output(path: Path, forced: Format | None) -> Format:
    """``--format`` if given, else the format ``path``'s extension names; an unknown one is refused."""
    chosen = forced or format_for(path)
    if chosen is None:
        from backprop_cli.errors import BackpropError

        found = f"the extension {path.suffix!r}" if path.suffix else "no extension"
        raise BackpropError(
            f"{path}: cannot tell the format from the file name ({found}): "
            f"use one of {', '.join(EXTENSIONS)}, or give --format"
        )
    return chosen


def render(fmt: Format, solutions: Sequence[Solution], options: RenderOptions) -> str:
    return RENDERERS[fmt](solutions, options)


CHUNK_RENDERERS: dict[Format, Callable[[Sequence[Solution], RenderOptions], list[bytes]]] = {
    Format.JSON: lambda solutions, options: import_module(
        "backprop_cli.render.report"
    ).render_chunks(solutions, options),
}
"""Formats written as UTF-8 pieces, streamed out one by one: a large JSON report is never
joined into one string, nor decoded and encoded again."""


def render_chunks(
    fmt: Format, solutions: Sequence[Solution], options: RenderOptions
) -> list[bytes]:
    """The output of ``fmt`` as UTF-8 pieces, to be written one after the other."""
    if fmt in CHUNK_RENDERERS:
        return CHUNK_RENDERERS[fmt](solutions, options)
    return [render(fmt, solutions, options).encode("utf-8")]
