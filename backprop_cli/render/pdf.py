"""A PDF: the LaTeX document compiled by ``pdflatex`` in a temporary folder.

``-o answer.pdf`` needs a TeX installation; without one the message says how
to get it, and how to write the LaTeX source instead.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from backprop_cli.errors import BackpropError

PASSES = 2
"""pdflatex runs twice, so that tables laid out in the first pass are settled in the second."""
TIMEOUT_SECONDS = 120

NO_PDFLATEX = (
    "writing a PDF needs pdflatex, which is not on PATH: install TeX Live "
    "(Debian/Ubuntu: apt install texlive-latex-recommended; macOS: MacTeX; "
    "Windows: MiKTeX), or write the LaTeX source with -o FILE.tex and compile it elsewhere"
)


def _first_error(log: str) -> str:
    lines = [line[2:].strip() for line in log.splitlines() if line.startswith("! ")]
    return lines[0] if lines else "see the LaTeX log (write -o FILE.tex and run pdflatex)"


def compile_pdf(latex: str) -> bytes:
    """The PDF of a complete LaTeX document, or a `BackpropError` saying why not."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise BackpropError(NO_PDFLATEX)
    with tempfile.TemporaryDirectory(prefix="backprop-pdf-") as folder:
        source = Path(folder) / "solution.tex"
        source.write_text(latex, encoding="utf-8")
        command = [pdflatex, "-interaction=nonstopmode", "-halt-on-error", source.name]
        for _ in range(PASSES):
            try:
                result = subprocess.run(
                    command,
                    cwd=folder,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=TIMEOUT_SECONDS,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as error:
                raise BackpropError(f"pdflatex could not make the PDF: {error}") from None
            if result.returncode != 0:
                log = result.stdout.decode("utf-8", "replace")
                raise BackpropError(f"pdflatex could not make the PDF: {_first_error(log)}")
        return (Path(folder) / "solution.pdf").read_bytes()
