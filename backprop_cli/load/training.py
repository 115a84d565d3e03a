"""The training keys: ``learning_rate`` or ``optimizer``, ``freeze``, ``batch_size`` (SPEC 5).

``optimizer`` is a name or ``{name: NAME, KEY: VALUE, …}``; each optimizer's keys,
defaults and ranges are its own `SETTINGS` (`nn.optimizers`), so a new optimizer
brings its keys to the loader, the messages and the schema at once.
"""

from __future__ import annotations

from typing import Any

from backprop_cli.errors import Path
from backprop_cli.load.reader import MISSING, Reader, describe
from backprop_cli.nn.optimizers import OPTIMIZERS, SGD, Optimizer, Setting
from backprop_cli.nn.optimizers.base import Hyperparameter

RANGES = {
    "positive": "greater than 0",
    "nonnegative": "at least 0",
    "fraction": "from 0 to below 1",
    "unit": "from 0 to 1",
}


def _within(rule: str, value: float) -> bool:
    return {
        "positive": value > 0,
        "nonnegative": value >= 0,
        "fraction": 0 <= value < 1,
        "unit": 0 <= value <= 1,
    }[rule]


def setting(r: Reader, value: Any, path: Path, key: str, s: Setting) -> Hyperparameter:
    """One hyperparameter, checked against its range."""
    if s.rule == "flag":
        if not isinstance(value, bool):
            raise r.fail(path, f"{key}: true or false", value)
        return value
    if s.rule == "choice":
        return r.choice(value, path, f"a {key}", s.choices)
    what = f"{key} {RANGES[s.rule]}"
    number = r.number(value, path, f"a number ({what})")
    if not _within(s.rule, number):
        raise r.fail(path, what, value)
    return number


def optimizer(r: Reader, value: Any, path: Path) -> Optimizer:
    """``optimizer:``: a name, or a mapping of its name and hyperparameters."""
    spec: dict[str, Any] = {"name": value} if isinstance(value, str) else value
    if not isinstance(spec, dict):
        raise r.fail(path, "an optimizer: a name or {name: adam, learning_rate: 0.001}", value)
    choices = tuple(OPTIMIZERS)
    name_path = path if isinstance(value, str) else (*path, "name")
    name = r.choice(spec.get("name", MISSING), name_path, "an optimizer name", choices)
    kind = OPTIMIZERS[name]
    settings: dict[str, Setting] = kind.SETTINGS
    r.keys(spec, path, ("name", *settings))
    values: dict[str, Hyperparameter] = {}
    for key, s in settings.items():
        if key in spec:
            values[key] = setting(r, spec[key], (*path, key), key, s)
        elif s.default is None:
            raise r.error(
                path, f"expected {key} in the {name} optimizer (it has no default), got no {key}"
            )
        else:
            values[key] = s.default
    refused: tuple[str, str] | None = kind.refuse(values)
    if refused is not None:
        key, why = refused
        place = (*path, key) if key in spec else path
        raise r.error(place, f"expected {why}, got {key}: {describe(spec.get(key, values[key]))}")
    built: Optimizer = kind(**values)
    return built


def update(r: Reader, doc: dict[str, Any]) -> Optimizer | None:
    """How the parameters are updated: ``learning_rate: η`` (gradient descent) or
    ``optimizer``, never both; None when neither is given."""
    if "learning_rate" in doc and "optimizer" in doc:
        raise r.error(
            ("optimizer",),
            "expected learning_rate or optimizer, got both (an optimizer takes its own "
            "learning_rate: optimizer: {name: sgd, learning_rate: 0.1})",
        )
    if "optimizer" in doc:
        return optimizer(r, doc["optimizer"], ("optimizer",))
    if "learning_rate" in doc:
        rate = r.positive(doc["learning_rate"], ("learning_rate",), "a learning rate > 0")
        return SGD(rate)  # plain gradient descent
    return None


def _needs_update(r: Reader, doc: dict[str, Any], key: str) -> None:
    if "learning_rate" not in doc and "optimizer" not in doc:
        raise r.error((key,), f"expected a learning_rate or optimizer beside {key}, got neither")


def freeze(r: Reader, doc: dict[str, Any], parameters: tuple[str, ...]) -> tuple[str, ...]:
    """``freeze: [b1, b2]``: parameters never updated, by their report names."""
    if "freeze" not in doc:
        return ()
    value = doc["freeze"]
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise r.fail(("freeze",), "a list of parameter names such as [b1, b2]", value)
    _needs_update(r, doc, "freeze")
    chosen: list[str] = []
    lowered = {name.lower(): name for name in parameters}
    for i, item in enumerate(items):
        path: Path = ("freeze",) if isinstance(value, str) else ("freeze", i)
        if not parameters:
            raise r.fail(path, "a parameter name, but the network has no parameters", item)
        found = r.choice(item, path, "a parameter name", tuple(lowered), shown=parameters)
        if lowered[found] in chosen:
            raise r.error(path, f"expected each parameter once, got {lowered[found]!r} again")
        chosen.append(lowered[found])
    return tuple(chosen)


def batch_size(r: Reader, doc: dict[str, Any], samples: int, rows: int = 1) -> int | None:
    """``batch_size: B``: each update takes the next B samples (default: all of them); not
    with ``rows`` > 1 per sample (a recurrent layer's sequence: every update takes all)."""
    if "batch_size" not in doc:
        return None
    if rows > 1:
        raise r.error(
            ("batch_size",),
            "expected every sample in each update when the network gives one row per time "
            "step (a recurrent layer with return: sequence), got batch_size; leave it out",
        )
    size = r.integer(
        doc["batch_size"],
        ("batch_size",),
        f"a whole number of samples per update from 1 to {samples} (the samples given)",
        1,
        samples,
    )
    _needs_update(r, doc, "batch_size")
    return size
