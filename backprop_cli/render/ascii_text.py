"""ASCII spellings of the terminal formats' Unicode, for a stream that cannot encode it.

A Windows console in cp1252, ``PYTHONIOENCODING=ascii`` or ``LC_ALL=C`` cannot
show ``∂L/∂W⁽¹⁾ᵀ``; the plain and rich text is then written as ``dL/dW^(1)^T``,
the way the maths is typed by hand: ``∂`` is ``d``, ``σ′`` is ``sigma'``, a
superscript run is ``^…`` (``W⁽¹⁾`` is ``W^(1)``), a subscript run ``_…``, box drawing is
``-``, ``|`` and ``+``. What has no spelling here loses its accents (NFKD) or
becomes ``?``.
"""

from __future__ import annotations

import re
import unicodedata

SPELLINGS = {
    "∂": "d",
    "′": "'",
    "″": "''",
    "ᵀ": "^T",
    "·": "*",
    "×": "x",
    "⊙": "(*)",
    "−": "-",
    "–": "-",
    "—": "--",
    "…": "...",
    "←": "<-",
    "→": "->",
    "⇒": "=>",
    "≠": "!=",
    "≤": "<=",
    "≥": ">=",
    "≈": "~",
    "±": "+/-",
    "√": "sqrt",
    "⌊": "floor(",
    "⌋": ")",
    "∞": "inf",
    "Σ": "sum",
    "∑": "sum",
    "ℓ": "l",
    "ŷ": "yhat",
    "½": "1/2",
    "⅓": "1/3",
    "¼": "1/4",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "▸": ">",
    "•": "-",
    "▁": ".",
    "▂": ".",
    "▃": ".",
    "▄": ":",
    "▅": ":",
    "▆": ":",
    "▇": ":",
    "█": "#",
    "\u00a0": " ",
}
"""Characters with a conventional ASCII spelling; Greek letters are spelled by name."""

_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁿⁱ", "0123456789+-()ni", strict=True))
_SUBSCRIPTS = dict(
    zip("₀₁₂₃₄₅₆₇₈₉₊₋₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", "0123456789+-()aeoxhklmnpstijruv", strict=True)
)
_RUNS = re.compile(f"[{''.join(_SUPERSCRIPTS)}]+|[{''.join(_SUBSCRIPTS)}]+")


def _run(match: re.Match[str]) -> str:
    run = match[0]
    if run[0] in _SUPERSCRIPTS:
        return "^" + "".join(_SUPERSCRIPTS[ch] for ch in run)
    return "_" + "".join(_SUBSCRIPTS[ch] for ch in run)


def _character(ch: str) -> str:
    if ch.isascii():
        return ch
    if ch in SPELLINGS:
        return SPELLINGS[ch]
    name = unicodedata.name(ch, "")
    if name.startswith("GREEK SMALL LETTER "):
        return name.removeprefix("GREEK SMALL LETTER ").split()[0].lower()
    if name.startswith("GREEK CAPITAL LETTER "):
        return name.removeprefix("GREEK CAPITAL LETTER ").split()[0].capitalize()
    if name.startswith("BOX DRAWINGS "):
        if "HORIZONTAL" in name and "VERTICAL" not in name:
            return "=" if "DOUBLE" in name or "HEAVY" in name else "-"
        return "|" if "VERTICAL" in name and "HORIZONTAL" not in name else "+"
    stripped = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return stripped if stripped.isascii() and stripped.isprintable() and stripped else "?"


def ascii_text(text: str) -> str:
    """``text`` in ASCII only: ``∂L/∂W⁽¹⁾`` → ``dL/dW^(1)``, ``½Σₖ ηδ`` → ``1/2 sum_k eta delta``.

    A spelled-out word (``sum``, ``eta``) is set apart by a space from a letter
    or digit it would otherwise run into.
    """
    if text.isascii():
        return text
    out: list[str] = []
    after_word = False
    for ch in _RUNS.sub(_run, text):
        spelled = _character(ch)
        word = len(spelled) > 1 and spelled.isalpha()
        if out and out[-1][-1].isalnum() and (word or (after_word and spelled[0].isalnum())):
            out.append(" ")
        out.append(spelled)
        after_word = word
    return "".join(out)
