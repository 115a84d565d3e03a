"""The digits a student wrote: each number's unit in the last place, from the YAML text.

The document's numbers are floats, which forget trailing zeros (0.1500 reads as 0.15);
the precision a student worked to is in the text. The answers file is read again as YAML
events (it has already passed the safe reader and its caps) and each plain scalar under
``answers`` gives its unit: ``0.1500`` → 0.0001, ``-0.6`` → 0.1, ``1.5e-3`` → 0.0001.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NUMBER = re.compile(r"[-+]?(\d*)\.?(\d*)(?:[eE]([-+]?\d+))?\Z")


def last_place(text: str) -> float | None:
    """A unit in the last place written (None: not a plain decimal number)."""
    match = _NUMBER.match(text.strip())
    if match is None or not (match.group(1) or match.group(2)):
        return None
    decimals = len(match.group(2)) - int(match.group(3) or 0)
    return float(10.0**-decimals)


def _tree(events: Iterator[Any]) -> Any:
    """The document of ``events`` as nested lists and dicts of plain scalars' texts (None for
    a quoted scalar or an alias, whose digits are not known), built in one pass."""
    stack: list[tuple[Any, list[Any]]] = []  # each open container, with a mapping's pending key
    root: Any = None
    for event in events:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            node: Any = event.value if not event.style else None
        elif kind is yaml.AliasEvent:
            node = None
        elif kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
            stack.append(([] if kind is yaml.SequenceStartEvent else {}, []))
            continue
        elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
            node = stack.pop()[0]
        else:
            continue
        if not stack:
            root = node
            continue
        container, key = stack[-1]
        if isinstance(container, list):
            container.append(node)
        elif key:
            container[str(key.pop())] = node
        else:
            key.append(node)
    return root


def _units(node: Any) -> Any:
    if isinstance(node, list):
        return [_units(item) for item in node]
    return last_place(node) if isinstance(node, str) else None


def units(text: str) -> dict[str, Any]:
    """Answer name → the units of its numbers, nested as written (None where unknown)."""
    try:
        root = _tree(yaml.parse(text, Loader=_Loader))
    except yaml.YAMLError:
        return {}
    answers = root.get("answers") if isinstance(root, dict) else None
    return {k: _units(v) for k, v in answers.items()} if isinstance(answers, dict) else {}
