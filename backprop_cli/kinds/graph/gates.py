"""The gates of a scalar computational graph: one registry entry each.

Each gate holds, side by side (as micrograd keeps each operation's derivative
beside its forward computation): its value, its local derivative with respect
to each input, both as formulas for the worked solution, the name of its
local rule ("add distributes", "multiply swaps"), and where it is undefined.

Conventions (PyTorch's, as the SPEC asks): relu′(0) = 0; |a|′ at 0 is 0; on a
tie max and min send the gradient to their first argument (SPEC section 6);
∂(aᵇ)/∂b = aᵇ·ln a needs a > 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from backprop_cli.expr import (
    Abs,
    Add,
    Call,
    Cases,
    Exp,
    Expr,
    Frac,
    Mul,
    Neg,
    Num,
    Pow,
    Rel,
    Sub,
    num,
)
from backprop_cli.records import dataclass

Values = tuple[float, ...]
Args = tuple[Expr, ...]


def everywhere(a: Values, variable: tuple[bool, ...]) -> str | None:
    """Defined at every argument: a gate's `undefined` unless it says otherwise."""
    return None


@dataclass(frozen=True)
class Gate:
    """One kind of node: ``value(a) → out`` and ``local(a, out) → ∂out/∂aᵢ`` for each i."""

    name: str
    """The operator or function as written in a formula (``add`` for ``+``)."""
    word: str
    """What a reader calls the gate: ``add``, ``multiply``, ``exp``."""
    arity: int
    value: Callable[[Values], float]
    local: Callable[[Values, float], Values]
    formula: Callable[[Args], Expr]
    local_formula: Callable[[Args, Expr, int], Expr]
    """∂out/∂(argument i) in symbols, from the arguments and the node's own symbol."""
    rule: str
    """The local rule in words, as a lecture names it."""
    undefined: Callable[[Values, tuple[bool, ...]], str | None] = everywhere
    """Why the gate has no value or no derivative at these arguments (``variable``: which
    arguments depend on the inputs, and so need a derivative), or None."""

    @property
    def total(self) -> bool:
        """Whether it has a value and a derivative at every argument (nothing to check)."""
        return self.undefined is everywhere


def _sigmoid(z: float) -> float:
    # No overflow for any finite z: exp of a non-positive number only.
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return math.inf


def _power(a: float, b: float) -> float:
    try:
        result = a**b
    except OverflowError:
        return math.inf
    except ZeroDivisionError:
        return math.nan
    return result if isinstance(result, float) else math.nan  # complex: undefined


def _pow_local(a: Values, out: float) -> Values:
    base, exponent = a
    by_base = exponent * _power(base, exponent - 1) if exponent != 0 else 0.0
    by_exponent = out * math.log(base) if base > 0 else math.nan
    return (by_base, by_exponent)


def _pow_undefined(a: Values, variable: tuple[bool, ...]) -> str | None:
    base, exponent = a
    if base < 0 and not float(exponent).is_integer():
        return (
            f"a negative base to a fractional power is not a real number (({base:g})**{exponent:g})"
        )
    if base == 0 and exponent < 0:
        return f"0 to a negative power divides by zero (0**{exponent:g})"
    if variable[1] and base <= 0:
        return (
            "a power with a variable exponent needs a positive base "
            f"(∂(aᵇ)/∂b = aᵇ·ln a), got the base {base:g}"
        )
    if variable[0] and base == 0 and 0 < exponent < 1:
        return f"the derivative of a**{exponent:g} is infinite at a = 0"
    return None


def _pow_local_formula(a: Args, out: Expr, i: int) -> Expr:
    base, exponent = a
    if i == 1:
        return Mul((out, Call("log", (base,))))
    lowered: Expr = (
        num(exponent.value - 1) if isinstance(exponent, Num) else Sub(exponent, Num(1.0))
    )
    return Mul((exponent, Pow(base, lowered)))


def _routes(first: bool) -> Values:
    return (1.0, 0.0) if first else (0.0, 1.0)


def _routed(a: Args, i: int, first: str, second: str) -> Expr:
    """1 where argument ``i`` wins (the first on a tie), else 0: (1 if a ≥ b; 0 otherwise)."""
    condition = Rel(a[0], first, a[1]) if i == 0 else Rel(a[1], second, a[0])
    return Cases(((Num(1.0), condition), (Num(0.0), None)))


def _division_by_zero(a: Values, variable: tuple[bool, ...]) -> str | None:
    return "division by zero" if a[1] == 0 else None


def _one(a: Args, out: Expr, i: int) -> Expr:
    return Num(1.0)


GATES: dict[str, Gate] = {
    gate.name: gate
    for gate in (
        Gate(
            "add",
            "add",
            2,
            lambda a: a[0] + a[1],
            lambda a, out: (1.0, 1.0),
            lambda a: Add(a),
            _one,
            "an add gate distributes: each input gets the upstream gradient unchanged",
        ),
        Gate(
            "sub",
            "subtract",
            2,
            lambda a: a[0] - a[1],
            lambda a, out: (1.0, -1.0),
            lambda a: Sub(a[0], a[1]),
            lambda a, out, i: Num(1.0 if i == 0 else -1.0),
            "a subtract gate passes the upstream gradient to its first input and its "
            "negative to the second",
        ),
        Gate(
            "mul",
            "multiply",
            2,
            lambda a: a[0] * a[1],
            lambda a, out: (a[1], a[0]),
            lambda a: Mul(a),
            lambda a, out, i: a[1 - i],
            "a multiply gate swaps: each input's local gradient is the other input's value",
        ),
        Gate(
            "div",
            "divide",
            2,
            lambda a: a[0] / a[1],
            lambda a, out: (1.0 / a[1], -a[0] / a[1] ** 2),
            lambda a: Frac(a[0], a[1]),
            lambda a, out, i: (
                Frac(Num(1.0), a[1]) if i == 0 else Neg(Frac(a[0], Pow(a[1], Num(2.0))))
            ),
            "a divide gate: ∂(a/b)/∂a = 1/b and ∂(a/b)/∂b = −a/b²",
            _division_by_zero,
        ),
        Gate(
            "pow",
            "power",
            2,
            lambda a: _power(a[0], a[1]),
            _pow_local,
            lambda a: Pow(a[0], a[1]),
            _pow_local_formula,
            "a power gate: ∂(aᵇ)/∂a = b·aᵇ⁻¹ and ∂(aᵇ)/∂b = aᵇ·ln a",
            _pow_undefined,
        ),
        Gate(
            "neg",
            "negate",
            1,
            lambda a: -a[0],
            lambda a, out: (-1.0,),
            lambda a: Neg(a[0]),
            lambda a, out, i: Num(-1.0),
            "a negate gate flips the sign of the gradient",
        ),
        Gate(
            "exp",
            "exp",
            1,
            lambda a: _exp(a[0]),
            lambda a, out: (out,),
            lambda a: Exp(a[0]),
            lambda a, out, i: out,
            "exp keeps its value: ∂eᵃ/∂a = eᵃ, the gate's own output",
        ),
        Gate(
            "log",
            "log",
            1,
            lambda a: math.log(a[0]) if a[0] > 0 else math.nan,
            lambda a, out: (1.0 / a[0],),
            lambda a: Call("log", a),
            lambda a, out, i: Frac(Num(1.0), a[0]),
            "log (natural): ∂ ln a/∂a = 1/a",
            lambda a, variable: (
                None if a[0] > 0 else f"log needs a positive argument, got {a[0]:g}"
            ),
        ),
        Gate(
            "sqrt",
            "square root",
            1,
            lambda a: math.sqrt(a[0]) if a[0] >= 0 else math.nan,
            lambda a, out: (0.5 / out,),
            lambda a: Call("sqrt", a),
            lambda a, out, i: Frac(Num(1.0), Mul((Num(2.0), out))),
            "a square root: ∂√a/∂a = 1/(2√a)",
            lambda a, variable: (
                f"sqrt needs a non-negative argument, got {a[0]:g}"
                if a[0] < 0
                else "the derivative of sqrt is infinite at 0"
                if a[0] == 0 and variable[0]
                else None
            ),
        ),
        Gate(
            "abs",
            "abs",
            1,
            lambda a: abs(a[0]),
            lambda a, out: (1.0 if a[0] > 0 else -1.0 if a[0] < 0 else 0.0,),
            lambda a: Abs(a[0]),
            lambda a, out, i: Call("sign", a),
            "abs passes the gradient with the sign of its input (0 at 0)",
        ),
        Gate(
            "sin",
            "sin",
            1,
            lambda a: math.sin(a[0]),
            lambda a, out: (math.cos(a[0]),),
            lambda a: Call("sin", a),
            lambda a, out, i: Call("cos", a),
            "sin: ∂ sin a/∂a = cos a",
        ),
        Gate(
            "cos",
            "cos",
            1,
            lambda a: math.cos(a[0]),
            lambda a, out: (-math.sin(a[0]),),
            lambda a: Call("cos", a),
            lambda a, out, i: Neg(Call("sin", a)),
            "cos: ∂ cos a/∂a = −sin a",
        ),
        Gate(
            "tanh",
            "tanh",
            1,
            lambda a: math.tanh(a[0]),
            lambda a, out: (1.0 - out * out,),
            lambda a: Call("tanh", a),
            lambda a, out, i: Sub(Num(1.0), Pow(out, Num(2.0))),
            "tanh, from its own output: ∂ tanh a/∂a = 1 − tanh² a",
        ),
        Gate(
            "sigmoid",
            "sigmoid",
            1,
            lambda a: _sigmoid(a[0]),
            lambda a, out: (out * (1.0 - out),),
            lambda a: Call("σ", a),
            lambda a, out, i: Mul((out, Sub(Num(1.0), out))),
            "the sigmoid, from its own output: ∂σ(a)/∂a = σ(a)(1 − σ(a))",
        ),
        Gate(
            "relu",
            "relu",
            1,
            lambda a: max(a[0], 0.0),
            lambda a, out: (1.0 if a[0] > 0 else 0.0,),
            lambda a: Call("relu", a),
            lambda a, out, i: Call("relu", a, prime=True),
            "relu passes the gradient where its input is positive and kills it elsewhere "
            "(relu′(0) = 0)",
        ),
        Gate(
            "max",
            "max",
            2,
            lambda a: max(a[0], a[1]),
            lambda a, out: _routes(a[0] >= a[1]),
            lambda a: Call("max", a),
            lambda a, out, i: _routed(a, i, "≥", ">"),
            "max routes: the larger input gets the whole upstream gradient, the other 0 "
            "(on a tie, the first)",
        ),
        Gate(
            "min",
            "min",
            2,
            lambda a: min(a[0], a[1]),
            lambda a, out: _routes(a[0] <= a[1]),
            lambda a: Call("min", a),
            lambda a, out, i: _routed(a, i, "≤", "<"),
            "min routes: the smaller input gets the whole upstream gradient, the other 0 "
            "(on a tie, the first)",
        ),
        Gate(
            "identity",
            "copy",
            1,
            lambda a: a[0],
            lambda a, out: (1.0,),
            lambda a: a[0],
            _one,
            "a copy passes the gradient unchanged",
        ),
    )
}

FUNCTIONS: dict[str, int] = {
    name: GATES[name].arity
    for name in ("exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "max", "min")
}
"""The functions a formula may call, with their number of arguments."""
