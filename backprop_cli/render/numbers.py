"""How numbers are written: significant digits for people, full float64 for machines."""

from __future__ import annotations

import math

MINUS = "−"


def human(value: float, precision: int = 4, minus: str = MINUS) -> str:
    """``value`` to ``precision`` significant digits: 0.6225, −0.01623, 2.127, 1.235e+04.

    Whole numbers (as given in a problem: 1, −2, 0) are written without a
    decimal point; −0 is written 0.
    """
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else f"{minus}∞"
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 10 ** max(precision, 6):
        text = str(int(value))
    else:
        text = f"{value:.{precision}g}"
    return text.replace("-", minus)


def full(value: float) -> str:
    """The shortest text that reads back as the same float64 (ASCII, for machines)."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)
