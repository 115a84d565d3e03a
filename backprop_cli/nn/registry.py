"""A registry whose entries are imported the first time they are asked for.

A problem names a few of the layer kinds and optimizers; importing every module
at start-up would cost each run the class creation of all the others (the
bulk of the package's import time). The names are known without importing, so
a choice's message and "did you mean" need none of the modules; iterating the
values (the JSON Schema, the docs) imports them all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import import_module
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Mapping[str, T], Generic[T]):
    """Entries by name: each either the entry itself or where it lives (``"module.NAME"``
    inside ``package``), imported on first use and kept."""

    def __init__(self, package: str, entries: Mapping[str, T | str]) -> None:
        self._package = package
        self._entries: dict[str, T | str] = dict(entries)

    def __getitem__(self, name: str) -> T:
        entry = self._entries[name]
        if not isinstance(entry, str):
            return entry
        module, attribute = entry.rsplit(".", 1)
        value: T = getattr(import_module(f"{self._package}.{module}"), attribute)
        self._entries[name] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
