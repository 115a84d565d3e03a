"""Reading ``init: {scheme, seed}`` (and ``std`` or ``limit``), for the kinds that draw
their weights: dense's ``units``, a convolution's ``filters``."""

from __future__ import annotations

from typing import Any

from backprop_cli.load import fields
from backprop_cli.load.reader import MISSING
from backprop_cli.nn.initializers import SCHEMES, Scheme

INIT_KEYS = tuple(fields.INIT)


def read_init(r: Any, value: Any, path: tuple[Any, ...]) -> tuple[Scheme, int, float]:
    """The scheme, the seed and the std or limit (1 where the scheme takes none) of the init
    mapping ``value`` at ``path``; ``r`` is the typed reader."""
    spec = r.mapping(value, path, "init: a mapping such as {scheme: he_normal, seed: 0}")
    r.keys(spec, path, INIT_KEYS)
    scheme = SCHEMES[
        r.choice(spec.get("scheme", MISSING), (*path, "scheme"), "a scheme", list(SCHEMES))
    ]
    for key in ("std", "limit"):
        if key in spec and scheme.parameter != key:
            takes = f"takes {scheme.parameter}" if scheme.parameter else "takes no std or limit"
            raise r.error(
                (*path, key), f"expected no {key} for {scheme.name} (it {takes}), got {key}"
            )
    parameter = 1.0
    if scheme.parameter and scheme.parameter in spec:
        parameter = r.positive(
            spec[scheme.parameter], (*path, scheme.parameter), f"a {scheme.parameter} > 0"
        )
        if parameter > 1e300:
            # U(−limit, limit) needs 2·limit finite, and N(0, std²) draws several std.
            raise r.fail(
                (*path, scheme.parameter),
                f"a {scheme.parameter} > 0 and at most 1e300",
                spec[scheme.parameter],
            )
    seed = r.integer(
        spec.get("seed", 0), (*path, "seed"), "a seed: a whole number ≥ 0", 0, 2**63 - 1
    )
    return scheme, seed, parameter
