"""Activation functions: value, derivative and formula side by side.

Arrays are (N samples × units); every function works along the last axis.
Each activation gives

* ``fn(z)``: a = f(z), numerically stable for every finite z;
* ``backward(z, a, g)``: δ = ∂L/∂z from g = ∂L/∂a, i.e. g ⊙ f′(z) for an
  element-wise function and Jᵀg for softmax (J = diag(s) − s sᵀ);
* ``formula(z, i)``: the definition of aᵢ as an expression of the pre-activations ``z``;
* ``derivative(z, a, value)``: f′ as an expression of zᵢ and aᵢ; with the
  numeric ``value`` of zᵢ a piecewise derivative shows the branch it takes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

import numpy as np

from backprop_cli.expr import (
    Add,
    Call,
    Cases,
    Exp,
    Expr,
    Frac,
    Message,
    Mul,
    Neg,
    Partial,
    Pow,
    Rel,
    Since,
    Sub,
    Sum,
    Sym,
    num,
)
from backprop_cli.nn.functions import normal_cdf, normal_pdf, sigmoid, softmax
from backprop_cli.records import dataclass

Array = np.ndarray
_ONE, _ZERO = num(1), num(0)
L, YHAT, Y, Z = Sym("L"), Sym("yhat"), Sym("y"), Sym("z")


def _kink_derivative(z: Expr, value: float | None, above: Expr, below: Expr) -> Expr:
    """f′ of a function with a kink at 0: ``above`` if z > 0 else ``below``."""
    if value is None:
        return Cases(((above, Rel(z, ">", _ZERO)), (below, None)))
    if value > 0:
        return Since(above, Rel(num(value), ">", _ZERO))
    return Since(below, Rel(num(value), "≤", _ZERO))


@dataclass(frozen=True)
class Activation:
    """An element-wise activation; subclasses override what differs.

    ``alpha`` is the one parameter some activations take (None: takes none).
    """

    name: ClassVar[str]
    label: ClassVar[str]
    """The function's name in formulas: σ, tanh, ReLU …"""
    aliases: ClassVar[tuple[str, ...]] = ()
    elementwise: ClassVar[bool] = True
    identity: ClassVar[bool] = False
    """a = z: the formula a = f(z) says nothing."""
    dies: ClassVar[bool] = False
    """f′(z) = 0 for every z < 0: a unit negative for every sample passes no gradient."""
    saturates: ClassVar[bool] = False
    """f′ → 0 for large |z| (sigmoid, tanh): a saturated unit all but stops the gradient."""
    alpha: float | None = None

    @property
    def kinks(self) -> tuple[float, ...]:
        """Points where f′ jumps (the value taken there is the table's convention)."""
        return ()

    def at_kinks(self) -> tuple[Rel, ...]:
        """The derivative taken at each kink, as the engine takes it: ReLU′(0) = 0."""
        return tuple(
            Rel(
                Call(self.label, (num(k),), prime=True),
                "=",
                num(float(self.grad(np.array([k]), self.fn(np.array([k])))[0])),
            )
            for k in self.kinks
        )

    def fn(self, z: Array) -> Array:
        raise NotImplementedError

    def grad(self, z: Array, a: Array) -> Array:
        """f′(z) element by element (not for softmax)."""
        raise NotImplementedError

    def backward(self, z: Array, a: Array, g: Array) -> Array:
        """δ = g ⊙ f′(z)."""
        return g * self.grad(z, a)

    def call(self, z: Expr) -> Expr:
        """f(z) by name: σ(z)."""
        return Call(self.label, (z,))

    def formula(self, z: tuple[Expr, ...], i: int) -> Expr:
        """The definition of f(z)ᵢ."""
        raise NotImplementedError

    def derivative(self, z: Expr, a: Expr, value: float | None = None) -> Expr:
        """f′(zᵢ) as an expression of zᵢ and aᵢ = f(zᵢ)."""
        raise NotImplementedError

    def uncancelled(self, loss: str) -> Message:
        """What the output's derivative costs when the loss ``loss`` does not cancel it."""
        return ()

    def with_alpha(self, alpha: float) -> Activation:
        return replace(self, alpha=alpha)

    @property
    def a(self) -> float:
        assert self.alpha is not None
        return self.alpha


@dataclass(frozen=True)
class Identity(Activation):
    name = "identity"
    identity = True
    label = "id"
    aliases = ("linear", "none")

    def fn(self, z: Array) -> Array:
        return np.array(z, dtype=float)

    def grad(self, z: Array, a: Array) -> Array:
        return np.ones_like(z)

    def call(self, z: Expr) -> Expr:
        return z

    def formula(self, z: tuple[Expr, ...], i: int) -> Expr:
        return z[i]

    def derivative(self, z: Expr, a: Expr, value: float | None = None) -> Expr:
        return _ONE


@dataclass(frozen=True)
class Sigmoid(Activation):
    name = "sigmoid"
    saturates = True
    label = "σ"

    def fn(self, z: Array) -> Array:
        return sigmoid(z)

    def grad(self, z: Array, a: Array) -> Array:
        return a * (1.0 - a)  # σ′(z) = σ(z)(1 − σ(z))

    def formula(self, z: tuple[Expr, ...], i: int) -> Expr:
        return Frac(_ONE, Add((_ONE, Exp(Neg(z[i])))))

    def derivative(self, z: Expr, a: Expr, value: float | None = None) -> Expr:
        return Mul((a, Sub(_ONE, a)), dot=False)

    def uncancelled(self, loss: str) -> Message:
        message: Message = (
            f"Sigmoid output with {loss}: the factor ",
            Rel(Call("σ", (Z,), prime=True), "=", Mul((YHAT, Sub(num(1), YHAT)), dot=False)),
            " stays in δ and makes the gradient small whenever the output saturates, even on a "
            "wrong answer; binary cross-entropy would cancel it (",
            Rel(Sym("delta"), "=", Sub(YHAT, Y)),
            ").",
        )
        return message


@dataclass(frozen=True)
class Tanh(Activation):
    name = "tanh"
    saturates = True
    label = "tanh"

    def fn(self, z: Array) -> Array:
        return np.tanh(z)

    def grad(self, z: Array, a: Array) -> Array:
        return 1.0 - a * a  # tanh′(z) = 1 − tanh²(z)

    def formula(self, z: tuple[Expr, ...], i: int) -> Expr:
        return Call("tanh", (z[i],))

    def derivative(self, z: Expr, a: Expr, value: float | None = None) -> Expr:
        return Sub(_ONE, Pow(a, num(2)))


@dataclass(frozen=True)
class ReLU(Activation):
    name = "relu"
    label = "ReLU"
    dies = True

    @property
    def kinks(self) -> tuple[float, ...]:
        return (0.0,)

    def fn(self, z: Array) -> Array:
        return np.maximum(z, 0.0)

    def grad(self, z: Array, a: Array) -> Array:
        return (z > 0).astype(float)  # ReLU′(0) = 0 by convention

    def formula(self, z: tuple[Expr, ...], i: int) -> Expr:
        return Call("max", (_ZERO, z[i]))

    def derivative(self, z: Expr, a: Expr, value: float | None = None) -> Expr:
        return _kink_derivative(z, value, _ONE, _ZERO)


@dataclass(frozen=True)
class LeakyReLU(Activation):
    name = "leaky_relu"
    label = "LeakyReLU"
    alpha: float | None = 0.01

    @property
    def kinks(self) -> tuple[float, ...]:
        return (0.0,)

    def fn(self, z: Array) -> Array:
        return np.where(z > 0, z, self.a * z)

    def grad(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, 1.0, self.a)

    def formula(self, z: tuple[Expr, ...], i: int) -> Expr:
        return Cases(((z[i], Rel(z[i], ">", _ZERO)), (Mul((num(self.a), z[i])), None)))

    def derivative(self, z: Expr, a: Expr, value: float | None = None) -> Expr:
        return _kink_derivative(z, value, _ONE, num(self.a))


@dataclass(frozen=True)
class ELU(Activation):
    name = "elu"
    label = "ELU"
    alpha: float | None = 1.0

    @property
    def kinks(self) -> tuple[float, ...]:
        return () if self.alpha == 1.0 else (0.0,)  # f′ is continuous at 0 only for α = 1

    def fn(self, z: Array) -> Array:
        return np.where(z > 0, z, self.a * np.expm1(np.minimum(z, 0.0)))

    def grad(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, 1.0, self.a * np.exp(np.minimum(z, 0.0)))

    def formula(self, z: tuple[Expr, ...], i: int) -> Expr:
        below = Mul((num(self.a), Sub(Exp(z[i]), _ONE)))
        return Cases(((z[i], Rel(z[i], ">", _ZERO)), (below, None)))

    def derivative(self, z: Expr, a: Expr, value: float | None = None) -> Expr:
        below = Mul((num(self.a), Exp(z if value is None else num(value))))
        return _kink_derivative(z, value, _ONE, below)


@dataclass(frozen=True)
class Softplus(Activation):
    name = "softplus"
    label = "softplus"

    def fn(self, z: Array) -> Array:
        return np.logaddexp(0.0, z)  # log(1 + e^z) without overflow

    def grad(self, z: Array, a: Array) -> Array:
        return sigmoid(z)

    def formula(self, z: tuple[Expr, ...], i: int) -> Expr:
        return Call("log", (Add((_ONE, Exp(z[i]))),))

    def derivative(self, z: Expr, a: Expr, value: float | None = None) -> Expr:
        return Frac(_ONE, Add((_ONE, Exp(Neg(z)))))


@dataclass(frozen=True)
class SiLU(Activation):
    name = "silu"
    label = "SiLU"
    aliases = ("swish",)

    def fn(self, z: Array) -> Array:
        return z * sigmoid(z)

    def grad(self, z: Array, a: Array) -> Array:
        s = sigmoid(z)
        return s * (1.0 + z * (1.0 - s))  # σ(z)(1 + z(1 − σ(z)))

    def formula(self, z: tuple[Expr, ...], i: int) -> Expr:
        return Mul((z[i], Call("σ", (z[i],))), dot=False)

    def derivative(self, z: Expr, a: Expr, value: float | None = None) -> Expr:
        s = Call("σ", (z,))
        return Mul((s, Add((_ONE, Mul((z, Sub(_ONE, s)), dot=False)))), dot=False)


@dataclass(frozen=True)
class GELU(Activation):
    name = "gelu"
    label = "GELU"

    def fn(self, z: Array) -> Array:
        return z * normal_cdf(z)

    def grad(self, z: Array, a: Array) -> Array:
        return normal_cdf(z) + z * normal_pdf(z)  # Φ(z) + z·φ(z)

    def formula(self, z: tuple[Expr, ...], i: int) -> Expr:
        return Mul((z[i], Call("Φ", (z[i],))), dot=False)

    def derivative(self, z: Expr, a: Expr, value: float | None = None) -> Expr:
        return Add((Call("Φ", (z,)), Mul((z, Call("φ", (z,))), dot=False)))


@dataclass(frozen=True)
class Softmax(Activation):
    name = "softmax"
    label = "softmax"
    elementwise = False

    def fn(self, z: Array) -> Array:
        return softmax(z)

    def backward(self, z: Array, a: Array, g: Array) -> Array:
        # δ = Jᵀg with J = diag(s) − s sᵀ:  δᵢ = sᵢ (gᵢ − Σⱼ gⱼ sⱼ)
        return a * (g - np.sum(g * a, axis=-1, keepdims=True))

    def formula(self, z: tuple[Expr, ...], i: int) -> Expr:
        return Frac(Exp(z[i]), Add(tuple(Exp(zj) for zj in z)))

    def derivative(self, z: Expr, a: Expr, value: float | None = None) -> Expr:
        return Mul((a, Sub(_ONE, a)), dot=False)  # the diagonal of J; off it: −sᵢsⱼ

    def uncancelled(self, loss: str) -> Message:
        y_i, y_j, g_i, g_j = (
            Sym("yhat", ("i",)),
            Sym("yhat", ("j",)),
            Sym("g", ("i",)),
            Sym("g", ("j",)),
        )
        jacobian = Mul((y_i, Sub(g_i, Sum(Mul((g_j, y_j), dot=False), "j"))), dot=False)
        message: Message = (
            f"Softmax feeding {loss}: nothing cancels, so δ needs the whole softmax Jacobian, ",
            Rel(Sym("delta", ("i",)), "=", jacobian),
            " with ",
            Rel(Sym("g"), "=", Partial(L, YHAT)),
            "; with cross-entropy it would simply be ",
            Sub(YHAT, Y),
            ".",
        )
        return message


ACTIVATION_TYPES: tuple[type[Activation], ...] = (
    Identity,
    Sigmoid,
    Tanh,
    ReLU,
    LeakyReLU,
    ELU,
    Softplus,
    SiLU,
    GELU,
    Softmax,
)
