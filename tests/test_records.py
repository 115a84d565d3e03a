"""`backprop_cli.records.dataclass` behaves as the standard library's `dataclasses.dataclass`.

Each class shape the package uses is made twice, once by each decorator, and the two are
held side by side: construction (positional, keyword, defaults, factories, a missing or an
extra argument), repr, equality, hashing, frozen assignment, `fields`, `replace`,
`asdict`, `__match_args__`, `__post_init__` and inheritance.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import pytest

from backprop_cli.records import fast_dataclass


def shapes(decorate: Any) -> dict[str, type]:
    """The same classes, made by ``decorate``."""

    @decorate(frozen=True)
    class Point:
        x: float
        y: float = 0.0
        tags: list[str] = dataclasses.field(default_factory=list)
        note: str = dataclasses.field(default="", compare=False)
        hidden: int = dataclasses.field(default=0, repr=False, compare=False)
        kind: ClassVar[str] = "point"

    @decorate(frozen=True)
    class Point3(Point):
        z: float = 1.0

    @decorate(frozen=True)
    class Empty:
        pass

    @decorate(frozen=True)
    class One:
        value: Any

    @decorate(frozen=True, eq=False)
    class Identity:
        value: int

    @decorate
    class Mutable:
        items: list[int] = dataclasses.field(default_factory=list)
        total: int = 0

    @decorate(frozen=True)
    class Checked:
        low: int
        high: int

        def __post_init__(self) -> None:
            if self.low > self.high:
                raise ValueError("low above high")

    @decorate(frozen=True)
    class Own:
        value: int

        def __repr__(self) -> str:
            return f"<{self.value}>"

        def __hash__(self) -> int:
            return 7

    @decorate(frozen=True)
    class Nested:
        inner: Any
        items: tuple[Any, ...] = ()

    return {
        c.__name__: c for c in (Point, Point3, Empty, One, Identity, Mutable, Checked, Own, Nested)
    }


OURS, THEIRS = shapes(fast_dataclass), shapes(dataclasses.dataclass)

CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("Point", (1.0,), {}),
    ("Point", (1.0, 2.0), {"tags": ["a"], "note": "n", "hidden": 3}),
    ("Point", (), {"x": 1.0, "y": -1.0}),
    ("Point3", (1.0, 2.0), {"z": 5.0}),
    ("Point3", (1.0, 2.0, ["t"], "n", 4, 9.0), {}),
    ("Empty", (), {}),
    ("One", ((1, 2),), {}),
    ("Identity", (1,), {}),
    ("Mutable", (), {}),
    ("Mutable", ([1, 2], 3), {}),
    ("Checked", (1, 2), {}),
    ("Own", (3,), {}),
    ("Nested", (None,), {"items": (1, 2)}),
]


def outcome(action: Any) -> Any:
    """What ``action`` returns, or the type and message of what it raises."""
    try:
        return ("value", action())
    except Exception as error:
        return ("raises", type(error).__name__, str(error))


def observe(
    classes: dict[str, type], name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    cls = classes[name]
    a, b = cls(*args, **kwargs), cls(*args, **kwargs)
    seen: dict[str, Any] = {
        "repr": repr(a).replace(".<locals>.shapes", ""),
        "equal": a == b,
        "not equal": a != b,
        "equal to another class": a == object(),
        "fields": [(f.name, f.repr, f.compare) for f in dataclasses.fields(a)],
        "asdict": dataclasses.asdict(a),
        "match_args": cls.__match_args__,
        "is_dataclass": dataclasses.is_dataclass(a),
        "hashable": outcome(lambda: hash(a) == hash(b)),
        "assign": outcome(lambda: setattr(a, "x", 5)),
        "assign a new name": outcome(lambda: setattr(a, "new", 5)),
        "delete": outcome(lambda: delattr(a, "x")),
    }
    if dataclasses.fields(a):
        first = dataclasses.fields(a)[0].name
        changed = dataclasses.replace(a, **{first: getattr(a, first)})
        seen["replace keeps equal"] = changed == a
    return seen


@pytest.mark.parametrize(("name", "args", "kwargs"), CALLS)
def test_a_record_behaves_as_a_standard_dataclass(
    name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    assert observe(OURS, name, args, kwargs) == observe(THEIRS, name, args, kwargs)


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("Point", (), {}),
        ("Point", (1.0,), {"z": 2.0}),
        ("Point", (1.0, 2.0, [], "", 0, 7), {}),
        ("Point", (1.0,), {"x": 2.0}),
        ("Checked", (2, 1), {}),
        ("Empty", (1,), {}),
    ],
)
def test_a_wrong_call_raises_as_a_standard_dataclass(
    name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    def make(classes: dict[str, type]) -> Any:
        return outcome(lambda: classes[name](*args, **kwargs))

    assert make(OURS)[:2] == make(THEIRS)[:2]


def test_differences_in_one_field_make_records_unequal() -> None:
    Point = OURS["Point"]
    assert Point(1.0) != Point(2.0)
    assert Point(1.0, note="a") == Point(1.0, note="b")  # compare=False
    one = OURS["One"]
    assert len({one(1), one(1), one((1, 2))}) == 2
    assert OURS["Point3"](1.0) != Point(1.0)  # a subclass is another class
    identity = OURS["Identity"]
    assert identity(1) != identity(1)
    assert hash(OURS["Own"](1)) == 7


def test_a_factory_gives_each_record_its_own_value() -> None:
    a, b = OURS["Mutable"](), OURS["Mutable"]()
    a.items.append(1)
    assert b.items == []
    a.total = 5  # not frozen
    assert a.total == 5
    assert OURS["Mutable"].__hash__ is None  # eq without frozen: unhashable, as the standard


def test_frozen_and_not_frozen_records_do_not_mix() -> None:
    with pytest.raises(TypeError):

        @fast_dataclass
        class Thawed(OURS["Point"]):  # type: ignore[misc]
            extra: int = 0
