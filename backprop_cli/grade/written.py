"""The digits a student wrote: each number's unit in the last place, from the YAML text.

The document's numbers are floats, which forget trailing zeros (0.1500 reads as 0.15);
the precision a student worked to is in the text. The answers file is read again as YAML
events (it has already passed the safe reader and its caps) and each plain scalar under
``answers`` gives its unit: ``0.1500`` → 0.0001, ``-0.6`` → 0.1, ``1.5e-3`` → 0.0001.
"""

from __future__ import annotations

import re
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


def _node(events: list[Any], i: int) -> tuple[Any, int]:
    """The node starting at event ``i`` (a scalar's text, a list, a dict), and the next index."""
    event = events[i]
    if isinstance(event, yaml.ScalarEvent):
        return (event.value if not event.style else None), i + 1  # plain: no quotes
    if isinstance(event, yaml.SequenceStartEvent):
        items, i = [], i + 1
        while not isinstance(events[i], yaml.SequenceEndEvent):
            item, i = _node(events, i)
            items.append(item)
        return items, i + 1
    if isinstance(event, yaml.MappingStartEvent):
        mapping, i = {}, i + 1
        while not isinstance(events[i], yaml.MappingEndEvent):
            key, i = _node(events, i)
            mapping[str(key)], i = _node(events, i)
        return mapping, i + 1
    return None, i + 1  # an alias: its digits are not known


def _units(node: Any) -> Any:
    if isinstance(node, list):
        return [_units(item) for item in node]
    return last_place(node) if isinstance(node, str) else None


def units(text: str) -> dict[str, Any]:
    """Answer name → the units of its numbers, nested as written (None where unknown)."""
    try:
        events = [
            e
            for e in yaml.parse(text, Loader=_Loader)
            if not isinstance(e, (yaml.StreamStartEvent, yaml.StreamEndEvent))
            and not isinstance(e, (yaml.DocumentStartEvent, yaml.DocumentEndEvent))
        ]
        root, _ = _node(events, 0) if events else (None, 0)
    except (yaml.YAMLError, IndexError):
        return {}
    answers = root.get("answers") if isinstance(root, dict) else None
    return {k: _units(v) for k, v in answers.items()} if isinstance(answers, dict) else {}
