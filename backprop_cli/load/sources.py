"""Where a problem comes from: a path, ``-`` for standard input, or a bundled name.

Reading is capped (`limits.MAX_FILE_BYTES`) and decoded here, so every later
stage gets text and a label to name it by.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

from backprop_cli.errors import ProblemError
from backprop_cli.load import caps as limits
from backprop_cli.records import dataclass

STDIN = "-"


@dataclass(frozen=True)
class Source:
    """Text to load, with the label messages name it by and its default title."""

    label: str
    text: str
    stem: str


def bundled_dir() -> Path:
    """The folder of the bundled exercises.

    Installed, they are ``backprop_cli/problems/`` (pyproject.toml maps the
    repository's ``problems/`` there); in a source checkout, ``problems/``.
    """
    package = Path(__file__).parent.parent
    installed = package / "problems"
    return installed if installed.is_dir() else package.parent / "problems"


def bundled_names() -> list[str]:
    """Names of the bundled problems (``ex1`` …), in order."""
    return sorted(path.stem for path in bundled_dir().glob("*.yaml"))


def _read_capped(stream: BinaryIO, label: str) -> bytes:
    data = stream.read(limits.MAX_FILE_BYTES + 1)
    if len(data) > limits.MAX_FILE_BYTES:
        cap = limits.MAX_FILE_BYTES
        size = f"{cap // 2**20} MiB" if cap % 2**20 == 0 else f"{cap:,} bytes"
        raise ProblemError(label, (), f"the file is larger than the size cap of {size}")
    return data


def decode(data: bytes, label: str) -> str:
    """UTF-8 text (a byte-order mark is allowed), or a clear error."""
    if b"\x00" in data:
        raise ProblemError(label, (), "expected YAML text, got a binary file (it holds NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        message = f"expected UTF-8 text, got the byte 0x{byte:02x} that UTF-8 does not allow"
        raise ProblemError(label, (), message, line) from None


def _read_stdin() -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None or sys.stdin.closed:
        raise ProblemError("<stdin>", (), "standard input is closed; give a file instead of -")
    try:
        return _read_capped(stream, "<stdin>")
    except OSError as error:
        raise ProblemError("<stdin>", (), f"cannot read standard input: {error}") from None


def _read_file(path: Path, label: str) -> bytes:
    try:
        if path.is_dir():
            raise ProblemError(label, (), "expected a problem file, got a directory")
        with path.open("rb") as stream:
            return _read_capped(stream, label)
    except PermissionError:
        raise ProblemError(label, (), "cannot read the file: permission denied") from None
    except OSError as error:
        raise ProblemError(label, (), f"cannot read the file: {error.strerror}") from None


def open_source(argument: str, by_name: bool = True) -> Source:
    """Resolve a FILE argument: ``-``, an existing path, or (``by_name``) a bundled problem's name."""
    if argument == STDIN:
        return Source("<stdin>", decode(_read_stdin(), "<stdin>"), "stdin")
    if not argument:
        raise ProblemError("''", (), "expected a file name, got an empty argument")
    path = Path(argument)
    try:
        found = path.exists() or path.is_symlink()
    except (OSError, ValueError) as error:  # a name too long for the system, a NUL in it
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise ProblemError(argument, (), f"cannot read the file: {reason}") from None
    if found:
        return Source(argument, decode(_read_file(path, argument), argument), path.stem)
    if not by_name:
        raise ProblemError(argument, (), "no such file")
    name = argument[:-5] if argument.endswith(".yaml") else argument
    if "/" not in name and name in bundled_names():
        bundled = bundled_dir() / f"{name}.yaml"
        return Source(name, decode(bundled.read_bytes(), name), name)
    known = ", ".join(bundled_names())
    raise ProblemError(
        argument, (), f"no such file, and no bundled problem of that name (bundled: {known})"
    )
