"""When a student's number is right: within the tolerance, or right as rounded.

An entry is **right** when it is within ``rel`` of the expected value (0.5 %:
any rounding to 3 significant digits is), or, for an entry near 0, within
``rel`` of a twentieth of the quantity's largest entry (so a tiny gradient is
judged against its own size, never against a fixed absolute floor), or
within ``abs`` when the answers file sets one.

It is **right, as rounded** when it equals the expected value rounded to the
digits the student wrote. Fewer digits are read as at least 2 significant
digits or 3 decimal places, whichever is coarser, so ``0.04`` is not a rounding
of 0.0381 but ``0.000`` is one of 0.00044.

An **updated parameter** θ_new is judged by its change θ_new − θ, against the
expected change: a step of 0.0002 written as 0.1502 for 0.1498 is wrong, and so
is the parameter left at θ, however close θ is. Right as rounded, it must show
its change at the digits written: 0.15 for 0.149781 does not (it is θ itself).
"""

from __future__ import annotations

import math

import numpy as np

from backprop_cli.records import dataclass

SMALL = 0.05
"""Entries near 0 are judged within ``rel`` of this fraction of the quantity's largest entry."""

MIN_SIGNIFICANT = 2
MIN_DECIMALS = 3
"""A value written with fewer digits is read as rounded to the coarser of these."""


def _unit(written: float) -> float:
    """A unit in the last place written: 0.1498 → 0.0001, 3 → 1, 1.5e-05 → 1e-06.

    Read from the shortest text that gives the number back (a trailing 0 is not seen)."""
    if not math.isfinite(written):
        return 0.0
    mantissa, _, exponent = repr(float(written)).lower().partition("e")
    decimals = len(mantissa.partition(".")[2].rstrip("0")) - int(exponent or 0)
    return float(10.0**-decimals)


_LOWEST = -330
_POWERS = np.array([10.0**k for k in range(_LOWEST, 309)] + [np.inf, np.inf])
"""10.0**k as Python computes it, for every exponent a float64 has (k = index + `_LOWEST`;
inf above the largest)."""


def _least_units(expected: np.ndarray) -> np.ndarray:
    """The coarsest unit a rounding of each entry may have: 2 significant digits or 3
    decimals (3 decimals for 0 and non-finite entries)."""
    size = np.abs(expected.astype(float))
    usable = np.isfinite(size) & (size > 0)
    safe = np.where(usable, size, 1.0)
    index = np.floor(np.log10(safe)).astype(int) - _LOWEST
    # log10 may be one ulp off at an exact power of 10: 10**power ≤ size < 10**(power + 1).
    index += (_POWERS[index + 1] <= safe).astype(int) - (_POWERS[index] > safe).astype(int)
    significant = _POWERS[index - MIN_SIGNIFICANT + 1]
    return np.where(usable, np.maximum(significant, 10.0**-MIN_DECIMALS), 10.0**-MIN_DECIMALS)


def half_units(
    written: np.ndarray, expected: np.ndarray, units: np.ndarray | None = None
) -> np.ndarray:
    """Half a unit of each entry's written precision (``units``, else read from the float),
    read as at least `_least_units`."""
    known = (
        units.astype(float)
        if units is not None
        else np.array([_unit(float(w)) for w in written.ravel()], dtype=float)
    )
    least = _least_units(np.asarray(expected)).ravel()
    return (0.5 * np.minimum(known.ravel(), least)).reshape(written.shape)


@dataclass(frozen=True)
class Tolerance:
    """The two ways a given value is right; see the module's docstring."""

    abs: float = 0.0
    """An absolute floor, only when the answers file sets one."""
    rel: float = 5e-3
    """Any rounding to 3 significant digits is within it (half a unit of the third digit is ≤ 0.5 %)."""

    def _allowed(self, expected: np.ndarray) -> np.ndarray:
        largest = float(np.max(np.abs(expected))) if expected.size else 0.0
        floor = max(self.abs, self.rel * SMALL * largest)
        return np.maximum(floor, self.rel * np.abs(expected))

    def close(
        self, given: np.ndarray, expected: np.ndarray, start: np.ndarray | None = None
    ) -> bool:
        """Within the tolerance (for an update: its change from ``start`` is)."""
        if given.shape != expected.shape:
            return False
        with np.errstate(all="ignore"):
            if start is not None:
                given, expected = given - start, expected - start
            return bool(np.all(np.abs(given - expected) <= self._allowed(expected)))

    def rounded(
        self,
        given: np.ndarray,
        expected: np.ndarray,
        start: np.ndarray | None = None,
        units: np.ndarray | None = None,
    ) -> bool:
        """Equal to ``expected`` rounded to the digits written (``units``: each entry's unit
        in the last place as written, else read from the float). An update (``start``)
        must also show its change at those digits: some entry moves by more than the
        rounding, or the answer does not show that anything was updated."""
        if given.shape != expected.shape:
            return False
        with np.errstate(all="ignore"):
            half = half_units(given, expected, units) * (1 + 1e-9)
            if not np.all(np.abs(given - expected) <= half):
                return False
            return start is None or bool(np.any(np.abs(expected - start) > half))

    def matches(
        self,
        given: np.ndarray,
        expected: np.ndarray,
        start: np.ndarray | None = None,
        units: np.ndarray | None = None,
    ) -> bool:
        """Right either way: within the tolerance or as rounded."""
        return self.close(given, expected, start) or self.rounded(given, expected, start, units)

    def __str__(self) -> str:
        floor = f" or {self.abs:g} of it" if self.abs else ""
        return (
            f"within {self.rel * 100:g}% of the expected value{floor} (of a twentieth of the "
            "largest entry, for an entry near 0) or equal to it rounded to the digits written "
            f"(at least {MIN_SIGNIFICANT} significant digits or {MIN_DECIMALS} decimals); "
            "an updated parameter is judged by its change W_new − W"
        )
