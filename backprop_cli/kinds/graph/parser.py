"""A formula of a computational graph, parsed without running it.

A small hand-written tokenizer and recursive-descent parser: Python's `eval` is
never used, so no input can import, call or reach anything. The grammar, with
Python's precedence (``-x**2`` is ``-(x**2)``, ``**`` binds to the right)::

    sum     = product (("+" | "-") product)*
    product = unary (("*" | "/") unary)*
    unary   = "-" unary | "+" unary | power
    power   = atom ("**" unary)?
    atom    = NUMBER | NAME | FUNCTION "(" sum ("," sum)* ")" | "(" sum ")"

A name must be an input or an earlier node; a function one of `gates.FUNCTIONS`.
Errors carry the 1-based column, for a caret under the formula.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection

from backprop_cli.load.reader import did_you_mean
from backprop_cli.records import dataclass

MAX_LENGTH = 2_000
"""Characters in one formula: a teaching graph has a few dozen."""

MAX_DEPTH = 100
"""Nesting of parentheses and operators, so that no formula exhausts the stack."""


class FormulaError(Exception):
    """A formula that cannot be read: what is wrong and where (1-based column)."""

    def __init__(self, column: int, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(frozen=True)
class Const:
    value: float
    column: int


@dataclass(frozen=True)
class Ref:
    name: str
    column: int


@dataclass(frozen=True)
class Apply:
    """A gate applied to its arguments; ``gate`` is a key of `gates.GATES`."""

    gate: str
    args: tuple[Formula, ...]
    column: int


Formula = Const | Ref | Apply

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/(),]))"
)
_BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div"}
_HINTS = {
    "^": " (write a power as **)",
    "×": " (write a product as *)",
    "·": " (write a product as *)",
    "−": " (write minus as -)",
    ".": " (attributes are not allowed: use a name or a function)",
    "[": " (indexing is not allowed: a graph's values are scalars)",
    ":": "",
    "=": " (a formula has no assignment; name the node in graph: instead)",
}


@dataclass(frozen=True)
class _Token:
    kind: str
    """``number``, ``name``, ``op`` or ``end``."""
    text: str
    column: int


def next_token(text: str, position: int) -> tuple[_Token, int]:
    """The token at ``position`` (after blanks) and the position after it."""
    while position < len(text) and text[position].isspace():
        position += 1
    if position == len(text):
        return _Token("end", "", position + 1), position
    match = _TOKEN.match(text, position)
    if match is None or match.lastgroup is None:
        char = text[position]
        shown = repr(char) if char.isprintable() else repr(char)[1:-1]
        raise FormulaError(position + 1, f"unexpected character {shown}{_HINTS.get(char, '')}")
    kind = match.lastgroup
    return _Token(kind, match.group(kind), match.start(kind) + 1), match.end()


class _Parser:
    def __init__(self, text: str, names: Collection[str], functions: dict[str, int]) -> None:
        # Tokens are read one at a time, so that an unknown name is reported before
        # whatever odd character follows it (``__import__("os")``: the name, not the quote).
        self.text = text
        self.token, self.position = next_token(text, 0)
        self.names = names
        self.functions = functions
        self.depth = 0

    def take(self) -> _Token:
        token = self.token
        self.token, self.position = next_token(self.text, self.position)
        return token

    def take_name(self) -> tuple[_Token, bool]:
        """The name at hand, and whether a call's ``(`` follows it. The token after an
        unknown name is not read: the name is the error."""
        name = self.token
        if name.text not in self.functions and name.text not in self.names:
            raise FormulaError(name.column, self.unknown_name(name.text))
        self.take()
        return name, self.at("(")

    def at(self, text: str) -> bool:
        return self.token.kind == "op" and self.token.text == text

    def expect(self, text: str, what: str) -> None:
        if not self.at(text):
            raise self.unexpected(what)
        self.take()

    def unexpected(self, what: str) -> FormulaError:
        token = self.token
        found = "the end of the formula" if token.kind == "end" else repr(token.text)
        return FormulaError(token.column, f"expected {what}, got {found}")

    def nested(self, parse: Callable[[], Formula]) -> Formula:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(self.token.column, f"nested more than {MAX_DEPTH} deep")
        try:
            return parse()
        finally:
            self.depth -= 1

    def formula(self) -> Formula:
        result = self.sum()
        if self.token.kind != "end":
            raise self.unexpected("an operator (+ - * / **) or the end of the formula")
        return result

    def sum(self) -> Formula:
        left = self.nested(self.product)
        while self.at("+") or self.at("-"):
            op = self.take()
            left = Apply(_BINARY[op.text], (left, self.nested(self.product)), op.column)
        return left

    def product(self) -> Formula:
        left = self.nested(self.unary)
        while self.at("*") or self.at("/"):
            op = self.take()
            left = Apply(_BINARY[op.text], (left, self.nested(self.unary)), op.column)
        return left

    def unary(self) -> Formula:
        if self.at("-"):
            op = self.take()
            operand = self.nested(self.unary)
            if isinstance(operand, Const):  # -3 is a number, not a gate
                return Const(-operand.value, op.column)
            return Apply("neg", (operand,), op.column)
        if self.at("+"):
            self.take()
            return self.nested(self.unary)
        return self.nested(self.power)

    def power(self) -> Formula:
        base = self.atom()
        if self.at("**"):
            op = self.take()
            return Apply("pow", (base, self.nested(self.unary)), op.column)
        return base

    def atom(self) -> Formula:
        token = self.token
        if token.kind == "number":
            self.take()
            value = float(token.text)
            if not math.isfinite(value):
                raise FormulaError(token.column, f"expected a finite number, got {token.text}")
            return Const(value, token.column)
        if token.kind == "name":
            name, called = self.take_name()
            if called:
                return self.call(name)
            if name.text not in self.names:
                raise FormulaError(name.column, self.unknown_name(name.text))
            return Ref(name.text, name.column)
        if self.at("("):
            self.take()
            inner = self.nested(self.sum)
            self.expect(")", "')' to close the '('")
            return inner
        raise self.unexpected("a number, a name, a function or '('")

    def unknown_name(self, name: str) -> str:
        if name in self.functions:
            return f"the function {name!r} needs its arguments in parentheses: {name}(…)"
        if self.position < len(self.text) and self.text[self.position :].lstrip().startswith("("):
            hint = did_you_mean(name, self.functions)
            listing = ", ".join(self.functions)
            return f"unknown function {name!r}{hint}; expected one of {listing}"
        known = sorted(self.names)
        listing = ", ".join(known) if known else "none"
        hint = did_you_mean(name, [*known, *self.functions])
        return f"unknown name {name!r}{hint}; expected an input or an earlier node ({listing})"

    def call(self, name: _Token) -> Formula:
        if name.text not in self.functions:
            raise FormulaError(
                name.column, f"{name.text!r} is not a function; it takes no arguments"
            )
        self.take()  # "("
        args = [self.nested(self.sum)]
        while self.at(","):
            self.take()
            args.append(self.nested(self.sum))
        self.expect(")", "',' or ')' after an argument")
        arity = self.functions[name.text]
        if len(args) != arity:
            taken = "1 argument" if arity == 1 else f"{arity} arguments"
            raise FormulaError(name.column, f"{name.text} takes {taken}, got {len(args)}")
        return Apply(name.text, tuple(args), name.column)


def parse(text: str, names: Collection[str], functions: dict[str, int]) -> Formula:
    """The formula ``text`` over ``names``; ``functions`` maps each function to its arity."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(MAX_LENGTH + 1, f"expected at most {MAX_LENGTH:,} characters")
    if not text.strip():
        raise FormulaError(1, "expected a formula, got an empty text")
    return _Parser(text, names, functions).formula()


def caret(text: str, column: int) -> str:
    """The formula and a caret under ``column``, two indented lines."""
    return f"  {text}\n  {' ' * (column - 1)}^"
