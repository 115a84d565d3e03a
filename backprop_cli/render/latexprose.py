"""Free text with its maths typeset: the problem's description, tasks and notes in LaTeX.

Problem texts write their maths in Unicode and a little TeX (``ŷᵢ = e^{zᵢ}/Σⱼe^{zⱼ}``,
``z = wx + b``, ``(x for layer 1)``). Each word is classed as maths (a symbol
such as ``ŷ`` or ``∂``, a sub- or superscript, ``^``, a lone letter, ``f(z)``),
an operator, a number, or prose; a run of words holding maths becomes one
``$…$`` formula, written by `_Maths`, so that ``x`` in a sentence is the same
italic x as in the equations. Prose words go through `latextext.escape`.
Whatever the text, the braces balance and every special character is escaped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from backprop_cli.render.latextext import MATH_SYMBOLS, escape

_OPERATORS = frozenset(("=", "+", "−", "-", "·", "×", "/", "<", ">", "≤", "≥", "≠", "≈", "←"))
_OPERATORS |= {"→", "⊙", "±", "∈", "~"}
_FUNCTIONS = {"log": r"\log", "exp": r"\exp", "ln": r"\ln", "tanh": r"\tanh", "max": r"\max"}
_FUNCTIONS |= {"min": r"\min", "sin": r"\sin", "cos": r"\cos"}
_CALLED = frozenset(("softmax", "sigmoid", "relu", "ReLU", "sign", "diag", "erf", "softplus"))
_CALLED |= {"gelu", "silu", "elu"}
_PROSE_LETTERS = frozenset("aAI")
"""Letters that are words in English: maths only beside an operator."""
_NUMBER = re.compile(r"[−-]?\d+(?:\.\d+)?")
_OPENING, _CLOSING = "([{", ")]}"
_QUOTES = "\"'“”‘’"
_ACCENTS = {"\u0302": r"\hat", "\u0304": r"\bar", "\u0303": r"\tilde", "\u0307": r"\dot"}
_ACCENTS |= {"\u0308": r"\ddot", "\u20d7": r"\vec"}
_ESCAPED = {"%": r"\%", "#": r"\#", "&": r"\&", "$": r"\$", "~": r"\sim", "\\": r"\backslash"}
_ESCAPED |= {'"': r"\text{''}", "`": r"\text{`}"}
_SCRIPTED = re.compile(r"[\w)][\^_](?:\{|[−-]?\w{1,2}(?!\w))")
"""``e^{z}``, ``x^2``, ``z_1``, but not ``he_normal``."""
_CLUSTER = re.compile(r".[\u0300-\u036f\u20d7]*", re.DOTALL)


def _script(cluster: str) -> tuple[str, str] | None:
    """``("sub", "i")`` for ``ᵢ``, ``("super", "(")`` for ``⁽``; None for anything else."""
    decomposition = unicodedata.decomposition(cluster) if len(cluster) == 1 else ""
    for tag, kind in (("<sub>", "sub"), ("<super>", "super")):
        if decomposition.startswith(tag):
            return kind, unicodedata.normalize("NFKC", cluster)
    return None


def _mathy(char: str) -> bool:
    return char in MATH_SYMBOLS or char in "½⅓¼¾" or _script(char) is not None


def _core(word: str) -> str:
    """The word without the quotes, brackets and punctuation around it."""
    word = re.sub(
        r"['’]s$", "", word.strip(_QUOTES + _OPENING).rstrip(".,;:!?" + _CLOSING + _QUOTES)
    )
    return word.strip(_QUOTES + _OPENING)


def _kind(word: str) -> str:
    """``M`` maths, ``O`` an operator, ``N`` a number, ``A`` a letter that is also a word, ``T`` prose."""
    core = _core(word)
    if "$" in word or "\\" in word:  # the writer's own TeX (or money): printed as written
        return "T"
    if word.rstrip(".,;:") in _OPERATORS:
        return "O"
    if _NUMBER.fullmatch(core):
        return "N"
    if len(core) == 1 and core.isascii() and core.isalpha():
        return "A" if core in _PROSE_LETTERS else "M"
    if any(_mathy(c) for c in core) or re.fullmatch(r"[A-Za-z]\d+", core) or _SCRIPTED.search(core):
        return "M"
    call = re.fullmatch(r"([A-Za-z]+)\(.*\)?", core)
    if call and (len(call[1]) == 1 or call[1] in _FUNCTIONS or call[1] in _CALLED):
        return "M"
    if re.fullmatch(r"[\w.()+*=<>,|/-]*[/=()][\w.()+*=<>,|/-]*", core, re.ASCII) and not re.search(
        r"[A-Za-z]{3}", core
    ):
        return "M"  # 1/(1, (1/K), x=2
    return "T"


def _runs(kinds: list[str], stops: list[bool]) -> list[tuple[int, int]]:
    """The word ranges ``[start, end)`` set as one formula each; a formula ends at a word that
    ends a clause (``stops``: ``;``, ``:``, ``.``)."""
    for i in range(1, len(kinds) - 1):  # z = wx + b: a short word between operators
        if kinds[i] == "T" and kinds[i - 1] == "O" == kinds[i + 1]:
            kinds[i] = "W"
    runs, start = [], 0
    while start < len(kinds):
        if kinds[start] == "T":
            start += 1
            continue
        end = start
        while end < len(kinds) and kinds[end] != "T":
            end += 1
            if stops[end - 1]:
                break
        first, last = start, end
        while first < last and (
            kinds[first] == "O"
            or (kinds[first] in "NA" and (first + 1 == last or kinds[first + 1] != "O"))
        ):
            first += 1
        while last > first and kinds[last - 1] in "OA":
            last -= 1
        if any(k in "MW" for k in kinds[first:last]):
            runs.append((first, last))
        start = end
    return runs


def _split(formula: str) -> tuple[str, str, str]:
    """``formula`` as (text before, maths, text after): outer punctuation, quotes and
    unmatched brackets stay in the text."""
    lead, trail = "", ""
    while True:
        first, last = formula[:1], formula[-1:]
        if first and (first in _QUOTES or (first in _OPENING and _unmatched(formula, first))):
            lead, formula = lead + first, formula[1:]
        elif (possessive := re.search(r"['’]s$", formula)) is not None:
            trail, formula = possessive[0] + trail, formula[: possessive.start()]
        elif last and (
            last in ".,;:!?" + _QUOTES or (last in _CLOSING and _unmatched(formula, last))
        ):
            trail, formula = last + trail, formula[:-1]
        else:
            return lead, formula, trail


def _unmatched(text: str, bracket: str) -> bool:
    """Whether ``text`` has more of ``bracket`` than of its partner."""
    if bracket in _OPENING:
        return text.count(bracket) > text.count(_CLOSING[_OPENING.index(bracket)])
    return text.count(bracket) > text.count(_OPENING[_CLOSING.index(bracket)])


class _Maths:
    """One formula of a text as LaTeX maths: a base, then its sub- and superscripts."""

    def __init__(self, text: str) -> None:
        self.clusters = _CLUSTER.findall(text)
        self.i = 0

    def write(self, closing: bool = False) -> str:
        parts = []
        while self.i < len(self.clusters):
            if closing and self.clusters[self.i] == "}":
                self.i += 1
                break
            parts.append(self._item())
        return "".join(parts)

    def _item(self) -> str:
        base = self._base()
        subs: list[str] = []
        sups: list[str] = []
        while self.i < len(self.clusters):
            cluster = self.clusters[self.i]
            script = _script(cluster)
            if script is not None:
                self.i += 1
                (subs if script[0] == "sub" else sups).append(_Maths(script[1]).write())
            elif cluster in "′'":
                self.i += 1
                sups.append(r"\prime")
            elif cluster in "^_" and self.i + 1 < len(self.clusters):
                self.i += 1
                (sups if cluster == "^" else subs).append(self._argument())
            else:
                break
        return (
            base
            + (f"_{{{' '.join(subs)}}}" if subs else "")
            + (f"^{{{' '.join(sups)}}}" if sups else "")
        )

    def _argument(self) -> str:
        """What ``^`` or ``_`` applies to: a ``{group}``, or a sign and a letter or number."""
        if self.clusters[self.i] == "{":
            self.i += 1
            return self.write(closing=True)
        start = self.i
        if self.clusters[self.i] in "−-":
            self.i += 1
        while self.i < len(self.clusters) and self.clusters[self.i].isalnum():
            self.i += 1
        self.i = max(self.i, start + 1)
        return _Maths("".join(self.clusters[start : self.i])).write()

    def _base(self) -> str:
        cluster = self.clusters[self.i]
        if cluster in "^_" and self.i + 1 == len(self.clusters):  # nothing to raise or lower
            self.i += 1
            return r"\text{\^{}}" if cluster == "^" else r"\_"
        if _script(cluster) is not None or cluster in "′'^_":
            return "{}"
        self.i += 1
        if cluster == " ":  # a space between two words, not around an operator, stays one
            before, after = self.clusters[self.i - 2], self.clusters[self.i : self.i + 1]
            apart = before not in _OPERATORS | {","} and after and after[0] not in _OPERATORS
            return r"\ " if apart else " "
        if cluster.isascii() and cluster.isalpha():
            word = cluster
            while self.i < len(self.clusters) and self._letter(self.clusters[self.i]):
                word += self.clusters[self.i]
                self.i += 1
            if len(word) <= 2 or word in _FUNCTIONS:  # wx is w times x
                return _FUNCTIONS.get(word, word)
            return rf"\operatorname{{{word}}}" if word in _CALLED else rf"\mathrm{{{word}}}"
        symbol = _symbol(cluster)
        following = self.clusters[self.i : self.i + 1]
        if (
            symbol[-1].isalpha()
            and symbol.startswith("\\")
            and following
            and self._letter(following[0])
        ):
            symbol += " "  # ΣW² is \sum W^{2}, not the unknown \sumW
        return symbol

    def _letter(self, cluster: str) -> bool:
        return cluster.isascii() and cluster.isalpha()


def _symbol(cluster: str) -> str:
    if cluster.isascii() and (cluster.isalnum() or cluster in "+-=()[]/,.;:!?<>|* "):
        return cluster
    if cluster in _ESCAPED:
        return _ESCAPED[cluster]
    if cluster in "{}":
        return "\\" + cluster
    if cluster in "Σ∑":
        return r"\sum"
    if cluster in MATH_SYMBOLS:  # \partial L, but \hat{y}_{i}
        symbol = MATH_SYMBOLS[cluster]
        return symbol + " " if symbol[-1].isalpha() else symbol
    decomposed = unicodedata.normalize("NFD", cluster)
    if decomposed[0].isascii() and decomposed[0].isalpha() and decomposed[1:] in _ACCENTS:
        return f"{_ACCENTS[decomposed[1:]]}{{{decomposed[0]}}}"
    compatible = unicodedata.normalize("NFKC", cluster)
    if "⁄" in compatible:  # a vulgar fraction: ½
        numerator, _, denominator = compatible.partition("⁄")
        return rf"\tfrac{{{numerator}}}{{{denominator}}}"
    return rf"\text{{{escape(cluster)}}}"


_YAML = re.compile(r"\{[^{}$\\`]*:[^{}$\\`]*\}")
"""A YAML flow mapping in a text ({name: sse, scale: 0.5}): set as code, not as maths."""


def texttt(text: str) -> str:
    """Code in typewriter type, no wider space after its colons and commas."""
    return rf"{{\frenchspacing\texttt{{{escape(text)}}}}}"


def typeset(
    text: str, escape: Callable[[str], str] = escape, code: Callable[[str], str] = texttt
) -> str:
    """``text`` as LaTeX on one line, its maths as ``$…$`` formulas and its YAML snippets as
    ``code``; the prose around them escaped by ``escape`` (Markdown passes its own)."""
    text = escape_spaces(text)
    parts, done = [], 0
    for match in _YAML.finditer(text):
        parts += [_typeset(text[done : match.start()], escape), code(match[0])]
        done = match.end()
    return "".join([*parts, _typeset(text[done:], escape)])


def _typeset(text: str, escape: Callable[[str], str]) -> str:
    words = text.split(" ")
    out, done = [], 0
    kinds = [_kind(word) for word in words]
    # A formula ends with its clause, and a list of formulas (∂L/∂W₂, ∂L/∂b₂) is one each.
    stops = [
        bool(re.search(r"[.;:!?][)\]\"'”’]*$", word))
        or (word.endswith(",") and kinds[i] == "M" == (kinds[i + 1 : i + 2] or ["T"])[0])
        for i, word in enumerate(words)
    ]
    for start, end in _runs(kinds, stops):
        out += [escape(word) for word in words[done:start]]
        lead, formula, trail = _split(" ".join(words[start:end]))
        maths = _Maths(formula).write().strip() if formula else ""
        out.append(escape(lead) + (f"${maths}$" if maths else "") + escape(trail))
        done = end
    out += [escape(word) for word in words[done:]]
    return " ".join(out)


def escape_spaces(text: str) -> str:
    """``text`` in NFC on one line: control characters and runs of whitespace as one space."""
    text = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in unicodedata.normalize("NFC", text)
    )
    return re.sub(r"\s+", " ", text)


def prose(text: str) -> str:
    """``text`` as LaTeX with its maths typeset, its blank lines kept as paragraph breaks."""
    return "\n\n".join(typeset(part) for part in re.split(r"\n[^\S\n]*\n\s*", text))
