"""Where output goes: standard output, standard error or a file, whatever the locale or disk.

- A document (JSON, Markdown, LaTeX, HTML, SVG, PDF) is written as UTF-8
  bytes, whatever the locale, so ``--format json > o.json`` in a cp1252
  console is the same file as everywhere else.
- Terminal text (rich, plain, the lines of ``list`` and ``validate``) is
  written in the stream's own encoding; when that cannot encode it (ASCII,
  cp1252, ``LC_ALL=C``), in ASCII spellings (`ascii_text`).
- A closed standard output (``>&-``), a full disk (``> /dev/full``) or any
  other write error is one line on standard error and exit 2, never a
  traceback and never output lost with exit 0. A reader that stops reading
  (``| head``) ends the output quietly.
- A file is written to a temporary file in the same folder and renamed into
  place, so a reader, or another run writing the same file, never sees it torn.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from backprop_cli.errors import BackpropError

CLOSED = "cannot write the output: standard output is closed"


class OutputClosed(Exception):
    """The reader of standard output has gone (a broken pipe): stop writing, quietly."""


def _spelled(text: str, stream: TextIO) -> str:
    """``text`` if ``stream`` can encode it, else its ASCII spelling."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except (UnicodeEncodeError, LookupError):
        from backprop_cli.render.ascii_text import ascii_text

        return ascii_text(text)


def _spell_error(error: UnicodeError) -> tuple[str, int]:
    from backprop_cli.render.ascii_text import ascii_text

    assert isinstance(error, UnicodeEncodeError)
    return ascii_text(error.object[error.start : error.end]), error.end


def spell_what_cannot_be_encoded() -> None:
    """Make standard output and error spell what their encoding lacks in ASCII, so text
    not written here (Typer's help and usage) cannot fail on a cp1252 or ASCII stream."""
    codecs.register_error("backprop-ascii", _spell_error)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="backprop-ascii")  # type: ignore[union-attr]


def shows_unicode(stream: TextIO | None) -> bool:
    """Whether ``stream``'s encoding holds the maths (``∂σ⁽¹⁾ᵀ−``): not ASCII, cp1252, C."""
    try:
        "∂σ⁽¹⁾ᵀ−ŷ".encode(getattr(stream, "encoding", None) or "utf-8")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def _open_stdout() -> TextIO:
    stream = sys.stdout
    if stream is None or stream.closed:
        raise BackpropError(CLOSED)
    return stream


def _silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so Python's final flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def write_stdout(text: str | list[bytes], document: bool = False) -> None:
    """Write ``text`` to standard output: UTF-8 bytes for a ``document`` (or the UTF-8 pieces
    of a streamed JSON report), else terminal text."""
    stream = _open_stdout()
    try:
        buffer = getattr(stream, "buffer", None)
        if buffer is None and not isinstance(text, str):
            text = b"".join(text).decode("utf-8")  # a text-only stream (a test's capture)
        if buffer is not None and (document or not isinstance(text, str)):
            stream.flush()
            buffer.writelines([text.encode("utf-8")] if isinstance(text, str) else text)
            buffer.flush()
        else:
            assert isinstance(text, str)
            stream.write(_spelled(text, stream))
            stream.flush()
    except OSError as error:
        _silence_stdout()
        if error.errno == errno.EPIPE:
            raise OutputClosed from None
        reason = error.strerror or str(error)
        raise BackpropError(f"cannot write the output to standard output: {reason}") from None


def write_output(text: str, output: Path | None) -> None:
    """A report (``check``, ``validate``) to ``output``, or to standard output as terminal text."""
    if output is None:
        write_stdout(text)
    else:
        write_file(output, text)


def write_line(line: str) -> None:
    """One line of terminal text on standard output (``list``, ``validate``)."""
    write_stdout(line + "\n")


def write_error(line: str) -> None:
    """One message line on standard error, spelled for its encoding; lost only if it is closed."""
    stream = sys.stderr
    if stream is None or stream.closed:
        return
    with contextlib.suppress(OSError, ValueError):
        stream.write(_spelled(line, stream) + "\n")
        stream.flush()


def same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def refuse_inputs(output: Path, inputs: Sequence[str]) -> None:
    """Refuse an output file that is one of the inputs: writing it would lose the input."""
    for argument in inputs:
        if argument and argument != "-" and same_file(Path(argument), output):
            raise BackpropError(
                f"{output}: this is also the input {argument}; writing the output there "
                "would replace it: choose another output file"
            )


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_file(path: Path, data: str | bytes | list[bytes]) -> None:
    """Write ``data`` (text as UTF-8, or UTF-8 pieces) to ``path`` through a temporary file
    renamed into place.

    A symbolic link is followed (its target is replaced, the link kept); a
    target that is not a regular file (``/dev/null``, a FIFO) is written
    directly, as is a file in a folder where no temporary file can be made.
    """
    import tempfile  # only a command writing a file pays for it

    content = data.encode("utf-8") if isinstance(data, str) else data
    pieces = [content] if isinstance(content, bytes) else content
    try:
        target = Path(os.path.realpath(path))
        if target.exists() and not target.is_file():
            if target.is_dir():
                raise BackpropError(f"cannot write {path}: it is a directory")
            with target.open("wb") as device:
                device.writelines(pieces)
            return
        mode = target.stat().st_mode & 0o7777 if target.exists() else _default_mode()
        try:
            handle, temporary = tempfile.mkstemp(
                prefix=f".{target.name[:100]}.", suffix=".tmp", dir=target.parent
            )
        except PermissionError:
            if not target.exists():
                raise
            with target.open("wb") as existing:  # a writable file in a folder we may not write
                existing.writelines(pieces)
            return
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.writelines(pieces)
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as error:
        reason = error.strerror or str(error)
        raise BackpropError(f"cannot write {path}: {reason}") from None
