"""Safe YAML reading: plain data only, YAML 1.2 scalars, line numbers, caps.

The document is built from the parser's event stream (libyaml's when
available), never by PyYAML's constructors, so no tag can run code, and:

* scalars follow the YAML 1.2 core schema (``1e-3`` is a number, ``yes`` is
  text, a boolean is never a number);
* mappings and lists remember the line of every key and item, for messages;
* every use of an alias counts its whole subtree against `MAX_YAML_VALUES`
  without being copied, so an alias bomb is refused after a few events;
* nesting beyond `MAX_DEPTH` is refused as it is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import field
from typing import Any

import yaml

from backprop_cli.errors import Path, ProblemError
from backprop_cli.load import caps as limits
from backprop_cli.load.flow_numbers import Misplaced, numbers_of, swap
from backprop_cli.load.yaml_scalars import SCALAR_TAGS, STD, plain, show_tag, tagged
from backprop_cli.records import dataclass

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YMap(dict[str, Any]):
    """A YAML mapping that knows the line of itself and of each key (1-based)."""

    __slots__ = ("key_lines", "line")

    def __init__(self, line: int | None = None) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int | None] = {}


class YSeq(list[Any]):
    """A YAML list that knows the line of itself and of each item (1-based)."""

    __slots__ = ("item_lines", "line")

    def __init__(self, line: int | None = None) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int | None] = []


class YNumbers(YSeq):
    """A YAML list of finite numbers (no booleans) read in one step (`flow_numbers`)."""

    __slots__ = ()


def line_of(document: Any, path: Path) -> int | None:
    """The line of the value at ``path`` (of its key, inside a mapping), if known."""
    node, line = document, getattr(document, "line", None)
    for part in path:
        if isinstance(node, YMap) and isinstance(part, str) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, YSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part] if part < len(node.item_lines) else line
            node = node[part]
        else:
            break
    return line


def _implicit(event: Any) -> bool:
    """Whether a scalar is written plainly (no quotes, no block), so its text has a type."""
    return bool(event.implicit[0] and event.style in (None, ""))


@dataclass
class _Frame:
    container: YMap | YSeq
    anchor: str | None
    size: int = 1
    key: str | None = None
    key_line: int | None = None
    awaiting_key: bool = True


@dataclass
class ValueBudget:
    """The YAML values all the files of one command may hold together (`MAX_YAML_VALUES`)."""

    left: int = field(default_factory=lambda: limits.MAX_YAML_VALUES)


@dataclass
class _Composer:
    """Builds plain data from parser events, without recursion."""

    source: str
    limit: int = limits.MAX_YAML_VALUES
    stack: list[_Frame] = field(default_factory=list)
    anchors: dict[str, tuple[Any, int]] = field(default_factory=dict)
    total: int = 0
    documents: int = 0
    root: Any = None
    lists: dict[str, list[float | int]] = field(default_factory=dict)

    def fail(self, line: int | None, message: str, *, key: str | None = None) -> ProblemError:
        """An error at the place being read (``key``: of that key in the innermost mapping)."""
        path = self.place() if key is None else (*self.place(), key)
        return ProblemError(self.source, path, message, line)

    def place(self) -> Path:
        """The path of the value being read: each open list's next index, each mapping's key."""
        parts: list[str | int] = []
        for frame in self.stack:
            if isinstance(frame.container, YSeq):
                parts.append(len(frame.container))
            elif not frame.awaiting_key and frame.key is not None:
                parts.append(frame.key)
        return tuple(parts)

    def count(self, size: int, line: int | None) -> None:
        self.total += size
        if self.total > self.limit and self.limit < limits.MAX_YAML_VALUES:
            raise self.fail(
                line,
                f"with the files before it, the files hold more than {limits.MAX_YAML_VALUES:,} "
                "values (every use of an alias counts in full); that is beyond the size cap",
            )
        if self.total > self.limit:
            raise self.fail(
                line,
                f"the file holds more than {limits.MAX_YAML_VALUES:,} values "
                "(every use of an alias counts in full); that is beyond the size cap",
            )

    def attach(self, value: Any, line: int | None, size: int) -> None:
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        frame.size += size
        container = frame.container
        if isinstance(container, YSeq):
            container.append(value)
            container.item_lines.append(line)
        elif frame.awaiting_key:
            if isinstance(value, (YMap, YSeq)):
                raise self.fail(line, "a mapping key must be a plain name, not a list or mapping")
            key = "" if value is None else str(value).lower() if isinstance(value, bool) else value
            key = str(key)
            if key in container:
                first = container.key_lines.get(key)
                raise self.fail(
                    line, f"the key {key!r} appears twice (first at line {first})", key=key
                )
            frame.key, frame.key_line, frame.awaiting_key = key, line, False
        else:
            assert frame.key is not None
            container[frame.key] = value
            container.key_lines[frame.key] = frame.key_line or line
            frame.awaiting_key = True

    def scalar(self, event: Any, line: int | None) -> Any:
        tag, text = event.tag, event.value
        try:
            if tag in (None, "!"):
                return plain(text) if _implicit(event) else text
            if tag[len(STD) :] in SCALAR_TAGS and tag.startswith(STD):
                return tagged(tag, text)
        except ValueError as error:  # a tag that does not fit, or an integer of 4,300+ digits
            raise self.fail(line, str(error)) from None
        raise self.fail(line, f"the tag {show_tag(tag)} is not allowed (plain YAML data only)")

    def start(self, event: Any, line: int | None, container: YMap | YSeq, kind: str) -> None:
        if event.tag not in (None, "!", STD + kind):
            raise self.fail(
                line, f"the tag {show_tag(event.tag)} is not allowed (plain YAML data only)"
            )
        frame = self.stack[-1] if self.stack else None
        if frame and isinstance(frame.container, YMap) and frame.awaiting_key:
            raise self.fail(line, "a mapping key must be a plain name, not a list or mapping")
        if len(self.stack) >= limits.MAX_DEPTH:
            raise self.fail(line, f"lists and mappings nest deeper than {limits.MAX_DEPTH} levels")
        self.count(1, line)
        self.stack.append(_Frame(container, event.anchor))

    def document(self, event: Any, line: int | None) -> None:
        self.documents += 1
        if self.documents > 1:
            raise self.fail(line, "expected one problem, found a second YAML document")

    def scalar_event(self, event: Any, line: int | None) -> None:
        if self.lists and self.numbers(event, line):
            return
        self.count(1, line)
        value = self.scalar(event, line)
        if event.anchor:
            self.anchors[event.anchor] = (value, 1)
        self.attach(value, line, 1)

    def numbers(self, event: Any, line: int | None) -> bool:
        """A placeholder of `flow_numbers` taken as the list it stands for; False for
        any other scalar."""
        untagged = event.tag is None and _implicit(event)
        numbers = numbers_of(event.value, untagged, self.lists)
        if numbers is None:
            return False
        if len(self.stack) >= limits.MAX_DEPTH:
            raise Misplaced  # read as written, for the message
        size = len(numbers) + 1
        self.count(size, line)
        seq = YNumbers(line)
        seq.extend(numbers)
        seq.item_lines = [line] * len(numbers)
        if event.anchor:
            self.anchors[event.anchor] = (seq, size)
        self.attach(seq, line, size)
        return True

    def alias(self, event: Any, line: int | None) -> None:
        if event.anchor not in self.anchors:
            raise self.fail(line, f"the alias *{event.anchor} has no anchor before it")
        value, size = self.anchors[event.anchor]
        self.count(size, line)
        self.attach(value, line, size)

    def end(self, event: Any, line: int | None) -> None:
        frame = self.stack.pop()
        if frame.anchor:
            self.anchors[frame.anchor] = (frame.container, frame.size)
        self.attach(frame.container, frame.container.line or line, frame.size)

    def handlers(self) -> dict[type, Callable[[Any, int | None], None]]:
        """Each kind of parser event → what it does (stream and document ends do nothing)."""
        return {
            yaml.ScalarEvent: self.scalar_event,
            yaml.SequenceStartEvent: lambda e, line: self.start(e, line, YSeq(line), "seq"),
            yaml.MappingStartEvent: lambda e, line: self.start(e, line, YMap(line), "map"),
            yaml.SequenceEndEvent: self.end,
            yaml.MappingEndEvent: self.end,
            yaml.AliasEvent: self.alias,
            yaml.DocumentStartEvent: self.document,
        }


def _events(text: str) -> Iterator[Any]:
    loader = _Loader(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


def parse(text: str, source: str, budget: ValueBudget | None = None) -> Any:
    """The single YAML document in ``text`` as plain data (`YMap`, `YSeq`, scalars).

    An empty document gives ``None``. Raises `ProblemError` for YAML syntax
    errors, tags other than the standard ones, more than one document, and
    documents beyond the caps. With a ``budget``, the values count against it.
    """
    swapped, lists = swap(text)
    if lists:
        try:
            return _parse(swapped, source, budget, lists)
        except (Misplaced, ProblemError):
            pass  # read as written: the same document, or the message of the file as written
    return _parse(text, source, budget, {})


def _parse(
    text: str, source: str, budget: ValueBudget | None, lists: dict[str, list[float | int]]
) -> Any:
    composer = _Composer(source, budget.left if budget else limits.MAX_YAML_VALUES, lists=lists)
    handlers = composer.handlers()
    try:
        for event in _events(text):
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event, event.start_mark.line + 1 if event.start_mark is not None else None)
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, text, source) from None
    except yaml.reader.ReaderError as error:
        line, column = _line_and_column(text, error.position)
        raise ProblemError(
            source,
            (),
            f"YAML does not allow the control character {_character(chr(error.character))} "
            f"(line {line}, column {column}); remove it",
            line,
            column=column,
        ) from None
    except yaml.YAMLError as error:
        raise ProblemError(source, (), f"YAML syntax error: {error}") from None
    if budget is not None:
        budget.left -= composer.total
    return composer.root


_CONTROL_NAMES = {
    "\x00": "NUL",
    "\x07": "bell",
    "\x08": "backspace",
    "\x0b": "vertical tab",
    "\x0c": "form feed",
    "\x1b": "escape",
    "\x7f": "delete",
}


def _character(ch: str) -> str:
    """``U+001B (escape)``: a character a message cannot show as itself."""
    name = _CONTROL_NAMES.get(ch, "a control character")
    return f"U+{ord(ch):04X} ({name})"


def _line_and_column(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of a character position in ``text``."""
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _syntax_error(error: yaml.MarkedYAMLError, text: str, source: str) -> ProblemError:
    mark = error.problem_mark or error.context_mark
    if mark is None:
        problem = error.problem or error.context or "unreadable YAML"
        return ProblemError(source, (), f"YAML syntax error: {problem}")
    line, column = mark.line + 1, mark.column + 1
    lines = text.splitlines()
    found = lines[mark.line][mark.column : mark.column + 1] if mark.line < len(lines) else ""
    if found == "\t":
        return ProblemError(
            source,
            (),
            f"YAML does not allow tabs for indentation (line {line}, column {column}); "
            "indent with spaces",
            line,
            column=column,
        )
    problem = error.problem or error.context or "unreadable YAML"
    return ProblemError(
        source, (), f"YAML syntax error: {problem} (column {column})", line, column=column
    )
