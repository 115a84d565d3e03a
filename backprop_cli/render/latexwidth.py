"""How wide LaTeX typesets a formula, estimated from the LaTeX itself.

Widths are in digits (half an em of the text font): a letter is as wide as
Computer Modern makes it, a fraction as wide as its wider part, a matrix as
its columns, a sub- or superscript 0.7 of its size, a sum as wide as its
sign or its limits. Good to about ten per cent: enough to break equations
and size table columns before they run off the page.
"""

from __future__ import annotations

import functools
import re

_COMMAND = re.compile(
    r"\\(?:left|right|Bigl|Bigr)(?:\\[a-zA-Z]+|[^a-zA-Z])|\\[a-zA-Z]+|\\[^a-zA-Z]|\\$"
)
_WIDTHS = {
    " ": 0.0,
    "&": 0.0,
    "+": 2.4,
    "-": 2.0,
    "=": 2.7,
    "<": 2.7,
    ">": 2.7,
    ".": 0.55,
    ",": 1.0,
    "(": 0.8,
    ")": 0.8,
    "[": 0.55,
    "]": 0.55,
    "'": 0.6,
    r"\cdot": 1.45,
    r"\odot": 2.4,
    r"\times": 2.4,
    r"\le": 2.7,
    r"\ge": 2.7,
    r"\ne": 2.7,
    r"\approx": 2.7,
    r"\leftarrow": 3.2,
    r"\quad": 2.0,
    r"\partial": 1.1,
    r"\cdots": 2.6,
    r"\ddots": 2.6,
    r"\vdots": 0.6,
    r"\infty": 2.0,
    r"\top": 1.5,
    r"\log": 2.8,
    r"\max": 3.1,
    r"\min": 3.1,
    r"\exp": 3.0,
    r"\tanh": 3.6,
    r"\lvert": 0.55,
    r"\rvert": 0.55,
}
_ITALIC = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyzKLNW",
        (
            1.06,
            0.86,
            0.87,
            1.04,
            0.93,
            0.98,
            0.95,
            1.15,
            0.69,
            0.82,
            1.04,
            0.6,
            1.76,
            1.2,
            0.97,
            1.01,
            0.89,
            0.9,
            0.94,
            0.72,
            1.14,
            0.97,
            1.43,
            1.14,
            0.98,
            0.93,
            1.7,
            1.36,
            1.61,
            1.89,
        ),
        strict=True,
    )
)
"""Maths italic letters, in digits (Computer Modern's widths)."""
_SIZED = re.compile(r"\\(left|right|Bigl|Bigr)(?![a-zA-Z])")
_TAKES_TEXT = {r"\text", r"\operatorname", r"\mathrm"}
_TAKES_FORMULA = {r"\mathbf", r"\boldsymbol", r"\hat", r"\bar", r"\boxed"}
SCRIPT = 0.7
"""A sub- or superscript's size against the text's."""


def _group_end(text: str, start: int) -> int:
    """The index after the ``}`` that closes the ``{`` at ``start``."""
    depth, i = 0, start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
        if depth == 0:
            return i
    return len(text)


def tokens(text: str) -> list[str]:
    """``text`` cut into its top-level pieces: characters, commands (``\\left(`` is one),
    braced groups, and whole environments (``\\begin{bmatrix} … \\end{bmatrix}``)."""
    out, i = [], 0
    while i < len(text):
        if text.startswith(r"\begin{", i):
            depth, j = 0, i
            for mark in re.finditer(r"\\(begin|end)\{", text[i:]):
                depth += 1 if mark.group(1) == "begin" else -1
                j = i + mark.end()
                if depth == 0:
                    break
            end = _group_end(text, j - 1)
        elif text[i] == "{":
            end = _group_end(text, i)
        elif text[i] == "\\":
            command = _COMMAND.match(text, i)
            end = command.end() if command else i + 1
        else:
            end = i + 1
        out.append(text[i:end])
        i = end
    return out


def _inner(group: str) -> str:
    return group[1:-1] if group.startswith("{") else group


def _cells(environment: str) -> list[list[str]]:
    """An environment's rows of cells."""
    body = environment[environment.index("}") + 1 : environment.rindex(r"\end")]
    rows: list[list[str]] = [[""]]
    for token in tokens(body):
        if token == "\\\\":
            rows.append([""])
        elif token == "&":
            rows[-1].append("")
        else:
            rows[-1][-1] += token
    return rows


def _environment(environment: str) -> float:
    rows = _cells(environment)
    columns = [
        max(width(row[j]) for row in rows if j < len(row)) for j in range(max(map(len, rows)))
    ]
    gaps = 2.0 * (len(columns) - 1)  # between the columns (cases: before the condition)
    return sum(columns) + gaps + 2.0  # the brackets or the brace


@functools.lru_cache(maxsize=16_384)
def width(text: str) -> float:
    """About how wide ``text`` (LaTeX maths, display style) is typeset, in digits.

    Remembered: a writer measures each piece of a formula again inside every
    larger piece that holds it (a matrix inside an equation inside a row)."""
    parts, total, i = tokens(text), 0.0, 0
    while i < len(parts):
        part = parts[i]
        after = parts[i + 1] if i + 1 < len(parts) else ""
        if part in ("_", "^"):
            scripts = [width(_inner(after))]
            i += 2
            if i < len(parts) and parts[i] in ("_", "^") and parts[i] != part:
                scripts.append(width(_inner(parts[i + 1])))
                i += 2
            total += SCRIPT * max(scripts)
            continue
        if part == r"\sum":  # limits go above and below it
            limits = [2.9]
            i += 1
            while i < len(parts) and parts[i] in ("_", "^"):
                limits.append(SCRIPT * width(_inner(parts[i + 1])))
                i += 2
            total += max(limits)
            continue
        if part == r"\frac":
            denominator = parts[i + 2] if i + 2 < len(parts) else ""
            total += max(width(_inner(after)), width(_inner(denominator))) + 0.4
            i += 3
            continue
        if part in _TAKES_TEXT:
            letters = re.sub(r"\\[a-zA-Z]+|[{}\\]", "", after)
            total += sum(1.45 if c.isupper() else 1.0 for c in letters)
            i += 2
            continue
        if part in _TAKES_FORMULA:
            bold = 1.15 if part in (r"\mathbf", r"\boldsymbol") else 1.0
            total += bold * width(_inner(after)) + (1.0 if part == r"\boxed" else 0.0)
            i += 2
            continue
        if part.startswith(r"\begin"):
            total += _environment(part)
        elif part.startswith("{"):
            total += width(part[1:-1])
        elif _SIZED.match(part):
            total += _WIDTHS.get(_SIZED.sub("", part), 0.8)
        else:
            total += _WIDTHS.get(part, _ITALIC.get(part, 1.0))
        i += 1
    return total
