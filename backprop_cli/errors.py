"""The one domain exception and how a place inside a problem file is written.

Every error a user can fix is a `BackpropError`; the command line turns it into
one message on stderr and `exit_code`, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

PathPart = str | int
Path = tuple[PathPart, ...]


class BackpropError(Exception):
    """An error the user can fix: bad usage, a bad problem or answers file."""

    exit_code = 2


class ProblemError(BackpropError):
    """A problem (or answers) file that cannot be used, with where and why.

    The message reads ``SOURCE:LINE: PLACE: expected X, got Y`` (``:LINE`` only
    where the line is known; ``column`` is kept for CI annotations), e.g.
    ``problems/ex1.yaml:12: layers[1].weights (layer 2): expected 1×2 …, got 2×2``.
    """

    def __init__(
        self,
        source: str,
        path: Path,
        message: str,
        line: int | None = None,
        note: str = "",
        column: int | None = None,
    ) -> None:
        self.source = source
        self.path = path
        self.line = line
        self.column = column
        self.note = note
        self.detail = message
        where = source if line is None else f"{source}:{line}"
        place = " ".join(part for part in (describe_place(path), note) if part)
        text = f"{where}: {place}: {message}" if place else f"{where}: {message}"
        super().__init__(one_line(text))


class ProblemErrors(ProblemError):
    """Every error found in one file (``validate``), in the order of their lines, one per place
    (the first found there).

    It reads as the first of them, so whoever expects one `ProblemError` gets one.
    """

    def __init__(self, errors: Sequence[ProblemError]) -> None:
        first_at: dict[tuple[Path, int | None], ProblemError] = {}
        for error in errors:
            first_at.setdefault((error.path, error.line), error)
        self.errors = tuple(
            sorted(first_at.values(), key=lambda error: error.line if error.line is not None else 0)
        )
        first = self.errors[0]
        super().__init__(first.source, first.path, first.detail, first.line, first.note)
        self.args = (str(first),)


def one_line(text: str) -> str:
    """``text`` with control characters escaped, so a message is always one line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def format_path(path: Sequence[PathPart]) -> str:
    """``('layers', 1, 'weights')`` → ``layers[1].weights`` (0-based, as YAML/JSON paths)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.isidentifier():  # an odd key (empty, spaces, control characters): quoted
            text += f"[{part!r}]"
        else:
            text += f".{part}" if text else part
    return text


def describe_place(path: Sequence[PathPart]) -> str:
    """The path, plus the textbook layer number when it is inside ``layers``."""
    text = format_path(path)
    if len(path) >= 2 and path[0] == "layers" and isinstance(path[1], int):
        text += f" (layer {path[1] + 1})"
    return text
