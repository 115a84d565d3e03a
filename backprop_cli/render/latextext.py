"""Free text as LaTeX: the one place where titles, tasks, notes and table headers are escaped.

Every character that LaTeX reads as syntax (``\\ { } $ & # ^ _ % ~``) becomes a
command that prints it, so no text can start a command or break the document;
the output is plain ASCII, so it needs no ``inputenc`` set-up. Unicode that
the problem files write maths in (ŷ δ σ ∂ ⊙ − · ᵀ ₁ ² ⁽¹⁾ ½) is typeset as
LaTeX maths; accented letters as LaTeX accents; anything else as its code
point (``U+4E2D``). Only the Computer Modern fonts of a basic TeX
installation are used: no character needs a bitmap font to be made.
"""

from __future__ import annotations

import re
import unicodedata

_ASCII = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\ensuremath{\$}",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "`": r"\`{}",
    "[": "{[}",  # never read as an optional argument (after \item or \\)
    "]": "{]}",
}

_GREEK_LETTERS = "αβγδεζηθικλμνξπρστυφχψωςϑϕϵϱϖΓΔΘΛΞΠΣΥΦΨΩ"
_GREEK_NAMES = (
    "alpha beta gamma delta varepsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
    "sigma tau upsilon varphi chi psi omega varsigma vartheta phi epsilon varrho varpi "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
)
_GREEK = dict(zip(_GREEK_LETTERS, _GREEK_NAMES.split(), strict=True))
_GREEK_LATIN = dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΧο", "ABEZHIKMNOPTXo", strict=True))

_MATH = {
    "−": "-",
    "·": r"\cdot",
    "⋅": r"\cdot",
    "×": r"\times",
    "÷": r"\div",
    "±": r"\pm",
    "∓": r"\mp",
    "⊙": r"\odot",
    "⊗": r"\otimes",
    "⊕": r"\oplus",
    "∘": r"\circ",
    "∗": r"\ast",
    "•": r"\bullet",
    "∂": r"\partial",
    "∇": r"\nabla",
    "∑": r"\sum",
    "∏": r"\prod",
    "∫": r"\int",
    "√": r"\surd",
    "∞": r"\infty",
    "≤": r"\le",
    "≥": r"\ge",
    "≠": r"\ne",
    "≈": r"\approx",
    "≡": r"\equiv",
    "∼": r"\sim",
    "∝": r"\propto",
    "∈": r"\in",
    "∉": r"\notin",
    "⊂": r"\subset",
    "⊆": r"\subseteq",
    "∀": r"\forall",
    "∃": r"\exists",
    "¬": r"\neg",
    "∧": r"\wedge",
    "∨": r"\vee",
    "∅": r"\emptyset",
    "⊤": r"\top",
    "⊥": r"\bot",
    "→": r"\rightarrow",
    "←": r"\leftarrow",
    "↔": r"\leftrightarrow",
    "⇒": r"\Rightarrow",
    "⇐": r"\Leftarrow",
    "⇔": r"\Leftrightarrow",
    "↦": r"\mapsto",
    "⟨": r"\langle",
    "⟩": r"\rangle",
    "‖": r"\|",
    "′": "{}'",
    "″": "{}''",
    "°": r"{}^{\circ}",
    "ℓ": r"\ell",
    "ℝ": r"\mathbb{R}",
    "ℕ": r"\mathbb{N}",
    "ℤ": r"\mathbb{Z}",
    "ŷ": r"\hat{y}",
    "ȳ": r"\bar{y}",
    "⋯": r"\cdots",
    **{letter: "\\" + name for letter, name in _GREEK.items()},
}

MATH_SYMBOLS = _MATH
"""Unicode symbols and the LaTeX maths that writes each."""

_TEXT = {
    "‘": "`",
    "’": "'",
    "‚": ",",
    "“": "``",
    "”": "''",
    "„": ",,",
    "–": "--",
    "—": "---",
    "‐": "-",
    "‑": "-",
    "…": r"\ldots{}",
    "\u00a0": "~",
    "\u00ad": r"\-",
    "ß": r"\ss{}",
    "æ": r"\ae{}",
    "Æ": r"\AE{}",
    "œ": r"\oe{}",
    "Œ": r"\OE{}",
    "ø": r"\o{}",
    "Ø": r"\O{}",
    "ł": r"\l{}",
    "Ł": r"\L{}",
    "ı": r"\i{}",
    "ȷ": r"\j{}",
    "¡": r"\textexclamdown{}",
    "¿": r"\textquestiondown{}",
    **_GREEK_LATIN,
}

_ACCENTS = {
    "\u0300": "`",
    "\u0301": "'",
    "\u0302": "^",
    "\u0303": "~",
    "\u0304": "=",
    "\u0306": "u",
    "\u0307": ".",
    "\u0308": '"',
    "\u030a": "r",
    "\u030b": "H",
    "\u030c": "v",
    "\u0327": "c",
}
"""Combining marks that Computer Modern's OT1 encoding can place over (or under) a letter."""


def _accented(base: str, marks: str) -> str | None:
    """A letter with combining accents as LaTeX accents, or None if OT1 cannot show them."""
    if not (base.isascii() and base.isalpha()) or not all(m in _ACCENTS for m in marks):
        return None
    text = {"i": r"\i", "j": r"\j"}.get(base, base) if marks else base
    for mark in marks:
        text = f"\\{_ACCENTS[mark]}{{{text}}}"
    return text


def _script(text: str, tag: str) -> str | None:
    """A sub- or superscript character (``₁``, ``ᵀ``, ``⁽``) as its plain form, if it is one."""
    decomposition = unicodedata.decomposition(text)
    if decomposition.startswith(tag):
        return unicodedata.normalize("NFKC", text)
    return None


def _cluster(cluster: str) -> str:
    """One character with its combining marks, as LaTeX text."""
    if cluster in _ASCII:
        return _ASCII[cluster]
    if len(cluster) == 1 and " " <= cluster <= "~":
        return cluster
    if cluster in _MATH:
        return rf"\ensuremath{{{_MATH[cluster]}}}"
    if cluster in _TEXT:
        return _TEXT[cluster]
    if unicodedata.category(cluster[0]) in ("Cf", "Zs"):  # a zero-width or an odd space
        return "" if unicodedata.category(cluster[0]) == "Cf" else " "
    decomposed = unicodedata.normalize("NFD", cluster)
    accented = _accented(decomposed[0], decomposed[1:])
    if accented is not None:
        return accented
    compatible = unicodedata.normalize("NFKC", cluster)
    if "⁄" in compatible:  # a vulgar fraction: ½
        numerator, _, denominator = compatible.partition("⁄")
        return rf"\ensuremath{{\tfrac{{{numerator}}}{{{denominator}}}}}"
    if compatible != cluster and compatible.isascii() and compatible.isprintable():
        return escape(compatible)
    return r"\texttt{{[}" + " ".join(f"U+{ord(c):04X}" for c in cluster) + "{]}}"


_CLUSTER = re.compile(r".[\u0300-\u036f]*", re.DOTALL)


def _scripts(text: str) -> list[tuple[str, list[str]]]:
    """``text`` as runs of characters (each with its combining marks): plain (kind ``""``),
    ``"sub"`` or ``"super"`` (those written as their plain forms: ``₁`` → ``1``)."""
    runs: list[tuple[str, list[str]]] = []
    for match in _CLUSTER.finditer(text):
        cluster, kind = match.group(), ""
        for tag, name in (("<sub>", "sub"), ("<super>", "super")):
            script = _script(cluster, tag) if len(cluster) == 1 else None
            if script is not None:
                cluster, kind = script, name
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(cluster)
        else:
            runs.append((kind, [cluster]))
    return runs


def _run(clusters: list[str]) -> str:
    out = []
    for i, cluster in enumerate(clusters):
        before = clusters[i - 1] if i else " "
        if cluster == '"':  # straight quotes as typeset quotes: “…”
            out.append("``" if before.isspace() or before in "([{" else "''")
        elif cluster == "-" and clusters[i + 1 : i + 2] == ["-"]:
            out.append("-{}")  # -- stays two hyphens, not an en dash
        else:
            out.append(_cluster(cluster))
    return "".join(out)


def escape(text: str) -> str:
    """``text`` as LaTeX that prints it, on one line: every run of whitespace is one space."""
    text = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in unicodedata.normalize("NFC", text)
    )
    return "".join(
        rf"\text{kind}script{{{_run(run)}}}" if kind else _run(run)
        for kind, run in _scripts(re.sub(r"\s+", " ", text))
    )


def prose(text: str) -> str:
    """``text`` as LaTeX that prints it, its blank lines kept as paragraph breaks."""
    return "\n\n".join(escape(part) for part in re.split(r"\n[^\S\n]*\n\s*", text))
