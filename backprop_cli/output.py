"""Writing a command's output: to standard output or to the file of ``--output``."""

from __future__ import annotations

import sys
from pathlib import Path

from backprop_cli.errors import BackpropError


def write_output(text: str | list[bytes], output: Path | None) -> None:
    """Text, or UTF-8 pieces written one after the other (a streamed JSON report)."""
    if output is None:
        if isinstance(text, str):
            sys.stdout.write(text)
        else:
            sys.stdout.flush()
            sys.stdout.buffer.writelines(text)
        return
    try:
        with output.open("wb") as stream:
            stream.writelines([text.encode("utf-8")] if isinstance(text, str) else text)
    except OSError as error:
        raise BackpropError(f"cannot write {output}: {error.strerror}") from None
