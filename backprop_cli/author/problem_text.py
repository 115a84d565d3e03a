"""A drawn problem document written as YAML: top-level keys in block style, values in flow
style, as a person would write the file."""

from __future__ import annotations

import json
import re
from typing import Any


def _flow(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"[a-z_][a-z0-9_]*", value):
        return value  # a name such as sigmoid or max_pool2d needs no quotes
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)


def problem_text(document: dict[str, Any], header: str) -> str:
    """A problem document as YAML: top-level keys in block style, values in flow style."""
    lines = [f"# {line}" for line in header.splitlines()]
    for key, value in document.items():
        if key == "layers":
            lines.append("layers:")
            for layer in value:
                items = list(layer.items())
                lines += [f"  - {items[0][0]}: {_flow(items[0][1])}"]
                lines += [f"    {name}: {_flow(item)}" for name, item in items[1:]]
        elif key in ("samples", "tasks"):
            lines.append(f"{key}:")
            lines += [f"  - {_flow(item)}" for item in value]
        else:
            lines.append(f"{key}: {_flow(value)}")
    return "\n".join(lines) + "\n"
