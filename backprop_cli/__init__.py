"""backprop: worked, step-by-step solutions of neural-network backpropagation exercises.

The library is what the command line calls::

    from backprop_cli import load, solve
    solution = solve(load("ex1"))
    solution.loss                     # 0.1013…
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from backprop_cli.engine import solve
    from backprop_cli.problem import load

__all__ = ["__version__", "load", "solve"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `backprop --help` does not pay for NumPy.
    if name == "load":
        from backprop_cli.problem import load

        return load
    if name == "solve":
        from backprop_cli.engine import solve

        return solve
    raise AttributeError(f"module 'backprop_cli' has no attribute {name!r}")
