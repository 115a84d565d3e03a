"""The ``variants`` of a problem file: each a name and ``set`` overrides, solved as its own
problem beside the main one (SPEC section 1), the caps counted over all of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from backprop_cli.errors import BackpropError, ProblemError, format_path
from backprop_cli.load import caps as limits
from backprop_cli.load import fields as keys
from backprop_cli.load import overrides
from backprop_cli.load.reader import MISSING, Reader
from backprop_cli.load.size import Size
from backprop_cli.load.yaml_source import YMap


class Costed(Protocol):
    """A problem, as far as the caps ask: what solving it costs."""

    @property
    def size(self) -> Size: ...


P = TypeVar("P", bound=Costed)
Read = tuple[str, tuple[tuple[str, Any], ...], P]
"""A variant as read: its name, its assignments (path, value) and the problem they give."""


def read_variants(r: Reader, doc: YMap, size: Size, build: Callable[[YMap], P]) -> list[Read[P]]:
    """The variants of ``doc`` (the problem costing ``size``), each built by ``build``."""
    value = doc["variants"]
    if not isinstance(value, list):
        raise r.fail(("variants",), "a list of {name, set} mappings", value)
    if len(value) > limits.MAX_VARIANTS:
        raise r.fail(("variants",), f"at most {limits.MAX_VARIANTS} variants", value)
    base = YMap(doc.line)
    base.update({k: v for k, v in doc.items() if k != "variants"})
    base.key_lines = dict(doc.key_lines)
    result: list[Read[P]] = []
    total = size
    for i, item in enumerate(value):
        path = ("variants", i)
        r.mapping(item, path, "a variant: {name: …, set: {PATH: VALUE}}")
        r.keys(item, path, tuple(keys.VARIANT))
        name = r.text(item.get("name", MISSING), (*path, "name"), "the variant's name (text)")
        changes = r.mapping(
            item.get("set", MISSING), (*path, "set"), "set: a mapping of PATH: VALUE"
        )
        origin = format_path(path) + ".set"
        for key in changes:
            if str(key).split(".")[0] == "variants":
                raise r.error(
                    (*path, "set", key),
                    f"expected a path outside variants (a variant cannot have variants of "
                    f"its own), got {key!r}",
                )
        try:
            parsed = overrides.from_mapping(changes, origin)
        except BackpropError as error:
            raise r.error((*path, "set"), str(error).split(": ", 1)[-1]) from None
        document = base
        for change in parsed:
            try:
                document = overrides.apply(document, change, r.source)
            except BackpropError as error:
                detail = str(error).split(f"{change.origin}: ", 1)[-1]
                raise r.error((*path, "set", change.path), detail) from None
        try:
            problem = build(document)
        except ProblemError as error:
            raise r.error(
                (*path, "set"),
                f"in this variant, {error.detail}"
                if not error.path
                else f"in this variant, {format_path(error.path)}: {error.detail}",
            ) from None
        result.append((name, tuple((c.path, c.value) for c in parsed), problem))
        total = total + problem.size
        over = total.over()
        if over is not None:  # refused at the first variant too many, before the next is built
            raise r.error(path, f"with the problem and the variants before it, {over[1]}")
    return result
