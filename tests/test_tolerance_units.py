"""The coarsest rounding unit of every entry at once is the textbook rule, entry by entry."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_cli.grade.tolerance import _least_units


def least(expected: float) -> float:
    """2 significant digits or 3 decimals, whichever is coarser (the rule, one entry at a time)."""
    if expected == 0 or not math.isfinite(expected):
        return 1e-3
    exponent = math.floor(math.log10(abs(expected)))
    while exponent < 308 and 10.0 ** (exponent + 1) <= abs(expected):
        exponent += 1
    while 10.0**exponent > abs(expected):
        exponent -= 1
    return max(10.0 ** (exponent - 1), 1e-3)


POWERS = [10.0**k for k in range(-12, 13)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(POWERS), min_size=1)
)
def test_each_entry_as_the_rule_gives_it(values: list[float]) -> None:
    found = _least_units(np.array(values))
    assert found.tolist() == [least(v) for v in values]


def test_at_powers_of_ten_and_their_neighbours() -> None:
    values = np.array([1000.0, np.nextafter(1000.0, 0), 0.001, -0.01, 0.0, np.inf, 0.14])
    assert _least_units(values).tolist() == [100.0, 10.0, 1e-3, 1e-3, 1e-3, 1e-3, 0.01]
