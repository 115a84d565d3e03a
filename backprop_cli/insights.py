"""Things worth a student's attention, found in a solution's values.

Each detector reads a `Solution` and returns `Insight`s (data: a kind and a
message of words and formulas); renderers only show them. A new insight is
one function added to `DETECTORS`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backprop_cli.trace import Insight, Solution

Detector = Callable[[Solution], list[Insight]]


def non_finite(solution: Solution) -> list[Insight]:
    """An overflow turned a value into ±∞ or NaN (JSON writes it as null)."""
    found = []
    checks = [("the output", solution.output), ("the loss", np.asarray(solution.loss))]
    checks += [(f"∂L/∂{name}", grad) for name, grad in solution.gradients.items()]
    if solution.update is not None:
        checks += [(f"the updated {name}", value) for name, value in solution.update.params.items()]
        checks.append(("the loss history", solution.update.loss_history))
    for what, values in checks:
        if not np.all(np.isfinite(values)):
            found.append(
                Insight(
                    "non_finite",
                    (
                        f"{what} is not finite (an overflow: the numbers are too large "
                        "for 64-bit floats); it is written as null in JSON",
                    ),
                )
            )
    return found


DETECTORS: tuple[Detector, ...] = (non_finite,)


def find(solution: Solution) -> tuple[Insight, ...]:
    return tuple(insight for detect in DETECTORS for insight in detect(solution))
