"""``@dataclass`` as the standard library's, made in a tenth of the time.

On Python 3.11 the standard decorator compiles five or six functions per class
(``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``,
``__delattr__``), each with its own ``exec``: about 0.6 ms a frozen class. The
package defines about 150 record classes; the 80 that ``solve ex1`` imports cost
about 50 ms of its start-up, more than the work itself.

This decorator lets the standard library collect the fields (so ``fields``,
``replace``, ``asdict`` and ``is_dataclass`` work as ever), compiles only
``__init__``, one ``exec`` for a class, and gives the other methods as closures
over the class's fields. It takes the arguments this package uses (``frozen`` and
``eq``); the methods behave as the standard ones do, which
``tests/test_records.py`` checks class shape by class shape. Type checkers see
the standard decorator.
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

T = TypeVar("T", bound=type)

_MISSING = dataclasses.MISSING


class _Factory:
    """The default of an argument whose field has a ``default_factory``."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _init(cls: type, fields: list[dataclasses.Field[Any]], frozen: bool) -> Callable[..., None]:
    """``cls.__init__``: the one function compiled from source, as the standard one is."""
    params: list[str] = []
    body: list[str] = []
    scope: dict[str, Any] = {"_FACTORY": _FACTORY, "_set": object.__setattr__}
    seen_default = False
    for i, f in enumerate(fields):
        value = f.name
        if f.default is not _MISSING:
            scope[f"_d{i}"] = f.default
            params.append(f"{f.name}=_d{i}")
            seen_default = True
        elif f.default_factory is not _MISSING:
            scope[f"_f{i}"] = f.default_factory
            params.append(f"{f.name}=_FACTORY")
            value = f"_f{i}() if {f.name} is _FACTORY else {f.name}"
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        else:
            params.append(f.name)
        body.append(f"_set(self, {f.name!r}, {value})" if frozen else f"self.{f.name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n    " + "\n    ".join(body or ["pass"])
    exec(source, scope)
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _key(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of a record's compared fields, as the standard ``__eq__`` compares them."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda self: (one(self),)
    return attrgetter(*names) if names else lambda self: ()


def _eq(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _hash(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(key(self))

    return __hash__


def _frozen(cls: Any, names: frozenset[str]) -> tuple[Callable[..., None], Callable[..., None]]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __setattr__, __delattr__


def _set(cls: type, name: str, value: object, *, replace: bool = False) -> None:
    """Add a method unless the class body defines it, as the standard decorator does."""
    if replace or name not in cls.__dict__:
        value.__qualname__ = f"{cls.__qualname__}.{name}"  # type: ignore[attr-defined]
        setattr(cls, name, value)


def _process(cls: T, frozen: bool, eq: bool) -> T:
    for base in cls.__mro__[1:]:
        base_frozen = getattr(base, "__record_frozen__", None)
        if base_frozen is not None and base_frozen != frozen:
            which = "frozen" if frozen else "non-frozen"
            raise TypeError(f"cannot inherit {which} dataclass from a {'non-' * frozen}frozen one")
    if cls.__doc__ is None:
        cls.__doc__ = cls.__name__
    body_hash = cls.__dict__.get("__hash__", _MISSING)
    explicit_hash = not (body_hash is _MISSING or (body_hash is None and "__eq__" in cls.__dict__))
    dataclasses.dataclass(cls, init=False, repr=False, eq=False)
    fields = list(dataclasses.fields(cls))
    cls.__record_frozen__ = frozen  # type: ignore[attr-defined]
    _set(cls, "__init__", _init(cls, [f for f in fields if f.init], frozen))
    _set(cls, "__repr__", _repr(tuple(f.name for f in fields if f.repr)))
    if eq:
        key = _key(tuple(f.name for f in fields if f.compare))
        _set(cls, "__eq__", _eq(key))
        if not explicit_hash:
            if frozen:
                hashed = _key(
                    tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
                )
                _set(cls, "__hash__", _hash(hashed), replace=True)
            else:
                cls.__hash__ = None  # type: ignore[assignment]
    if frozen:
        if "__setattr__" in cls.__dict__ or "__delattr__" in cls.__dict__:
            raise TypeError(f"cannot overwrite attribute __setattr__ in class {cls.__name__}")
        setter, deleter = _frozen(cls, frozenset(f.name for f in fields))
        _set(cls, "__setattr__", setter)
        _set(cls, "__delattr__", deleter)
    return cls


def fast_dataclass(
    cls: T | None = None, /, *, frozen: bool = False, eq: bool = True
) -> T | Callable[[T], T]:
    """``dataclasses.dataclass`` for the arguments this package uses."""
    if cls is None:
        return lambda c: _process(c, frozen, eq)
    return _process(cls, frozen, eq)


if TYPE_CHECKING:
    from dataclasses import dataclass as dataclass
else:
    dataclass = fast_dataclass
