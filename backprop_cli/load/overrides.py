"""``--set PATH=VALUE`` and ``variants[*].set``: change one value of a problem.

PATH is dotted with list indices (``input``, ``layers.0.weights``,
``loss``, ``samples.1.target``); VALUE is YAML (``[2, 1]``, ``0.5``,
``relu``, ``{name: sse, scale: 0.5}``). The document is never changed in
place: `apply` copies the mappings and lists along the path only.
"""

from __future__ import annotations

import re
from typing import Any

from backprop_cli.errors import BackpropError, ProblemError, format_path
from backprop_cli.load.yaml_source import YMap, YSeq, parse
from backprop_cli.records import dataclass


@dataclass(frozen=True)
class Override:
    """One assignment: the dotted path, its parts, the value, and how it was written."""

    path: str
    value: Any
    origin: str
    """``--set input=2`` or ``variants[0].set.input``: named in messages."""

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.path.split("."))


def parse_assignment(text: str) -> Override:
    """``PATH=VALUE`` from the command line, VALUE read as YAML."""
    origin = f"--set {text}"
    path, equals, value_text = text.partition("=")
    path = path.strip()
    if not equals or not path:
        raise BackpropError(f"{origin}: expected PATH=VALUE (e.g. --set input=[2,1]), got {text!r}")
    _check_path(path, origin)
    try:
        value = parse(value_text, origin)
    except ProblemError as error:
        detail = error.detail.removeprefix("YAML syntax error: ")
        raise BackpropError(
            f"{origin}: expected VALUE to be YAML, got an error: {detail}"
        ) from None
    return Override(path, value, origin)


def _check_path(path: str, origin: str) -> None:
    if any(not part.strip() for part in path.split(".")):
        raise BackpropError(
            f"{origin}: expected a dotted PATH such as layers.0.weights, got {path!r}"
        )


def from_mapping(value: dict[str, Any], origin: str) -> list[Override]:
    """The overrides of a ``variants[i].set`` mapping."""
    for path in value:
        _check_path(path, f"{origin}.{path}")
    return [Override(path, item, f"{origin}.{path}") for path, item in value.items()]


_INDEX = re.compile(r"[0-9]+")


def list_index(part: str, length: int) -> int | None:
    """The index a path part names in a list of ``length``: ASCII digits from 0 to length − 1
    only (no sign, and no other script's digits, which `str.isdigit` would let through)."""
    if _INDEX.fullmatch(part) is None or len(part) > 18:
        return None
    index = int(part)
    return index if index < length else None


def _copy(node: YMap | YSeq) -> YMap | YSeq:
    if isinstance(node, YMap):
        mapping = YMap(node.line)
        mapping.update(node)
        mapping.key_lines = dict(node.key_lines)
        return mapping
    sequence = YSeq(node.line)
    sequence.extend(node)
    sequence.item_lines = list(node.item_lines)
    return sequence


def apply(document: YMap, override: Override, source: str) -> YMap:
    """A copy of ``document`` with ``override``'s value set at its path."""
    root = _copy(document)
    assert isinstance(root, YMap)
    node: YMap | YSeq = root
    walked: list[str | int] = []
    parts = override.parts
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        key: str | int = part
        if isinstance(node, YSeq):
            index = list_index(part, len(node))
            if index is None:
                where = format_path(walked) or "the problem"
                raise BackpropError(
                    f"{source}: {override.origin}: {where} is a list of {len(node)}, "
                    f"so the part after it must be an index from 0 to {len(node) - 1}, got {part!r}"
                )
            key = index
        if last:
            if isinstance(node, YSeq):
                node[int(key)] = override.value
                node.item_lines[int(key)] = None
            else:
                node[str(key)] = override.value
                node.key_lines.pop(str(key), None)
            return root
        child = node[int(key)] if isinstance(node, YSeq) else node.get(str(key))
        walked.append(key)
        if not isinstance(child, (YMap, YSeq)):
            where = format_path(walked)
            what = "missing" if child is None else "not a list or mapping"
            raise BackpropError(
                f"{source}: {override.origin}: {where} is {what}, so {override.path} cannot be "
                f"set inside it; set {where.replace('[', '.').replace(']', '')} as a whole instead"
            )
        copied = _copy(child)
        if isinstance(node, YSeq):
            node[int(key)] = copied
        else:
            node[str(key)] = copied
        node = copied
    return root
