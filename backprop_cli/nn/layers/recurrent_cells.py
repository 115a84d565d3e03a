"""The numbers of the recurrent layers: one cell per kind (the loop through time is in
`recurrent_time`).

PyTorch's equations and gate order (``torch.nn.RNN``, ``LSTM``, ``GRU``), for a
batch of N sequences x (N × T × D), H hidden units and G gates, with the
input part gᵢₕ = W_ih xₜ + b_ih and the recurrent part gₕₕ = W_hh hₜ₋₁ + b_hh
(each N × G·H, the gates' rows one block of H after another):

    rnn:  aₜ = gᵢₕ + gₕₕ                      hₜ = f(aₜ), f = tanh or ReLU
    lstm: i, f, o = σ(gᵢₕ + gₕₕ) (blocks 1, 2, 4), g = tanh(gᵢₕ + gₕₕ) (block 3)
          cₜ = f ⊙ cₜ₋₁ + i ⊙ g                 hₜ = o ⊙ tanh(cₜ)
    gru:  r, z = σ(gᵢₕ + gₕₕ) (blocks 1, 2)
          n = tanh(gᵢₕ,n + r ⊙ gₕₕ,n)  (the reset gate after the recurrent product)
          hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁

Backwards through time, for t = T … 1, the gradient reaching hₜ is the sum of
the one from the output at t and the one from step t + 1:

    ∂L/∂hₜ = ∂ℓ/∂hₜ (output) + ∂L/∂hₜ₊₁ · ∂hₜ₊₁/∂hₜ (next step)

Each cell turns it (and, for the LSTM, ∂L/∂cₜ) into the δ of its gates'
pre-activations, one for the input part (δᵢₕ) and one for the recurrent part
(δₕₕ; they differ only in the GRU's n block, by the factor r). Then

    ∂L/∂W_ih = Σₜ δᵢₕ,ₜᵀ xₜ     ∂L/∂W_hh = Σₜ δₕₕ,ₜᵀ hₜ₋₁     ∂L/∂b_ih = Σₜ Σₙ δᵢₕ,ₜ
    ∂L/∂xₜ = δᵢₕ,ₜ W_ih          ∂L/∂hₜ₋₁ (from step t) = (direct part) + δₕₕ,ₜ W_hh

The terms of every sum over t are kept (`Through.dW_ih` …) so that the worked
solution can write the sums out.

What a step's δ is multiplied by and does not depend on the gradient (the gates'
σ′, 1 − tanh²(cₜ) …) is each cell's `factors`, taken for every step at once; its
`back` then multiplies in the same order as the equations, so every number is the
one of the step worked alone. Each step's matrix products are those of the step
alone too: a stack over t multiplies each step's matrix by itself.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np

from backprop_cli.nn.functions import sigmoid
from backprop_cli.records import dataclass

Array = np.ndarray


class StepState(NamedTuple):
    """One time step's values, each N × (G·H) or N × H; or every step's, N × T × …"""

    pre: Array
    """The gates' pre-activations (the GRU's n block: gᵢₕ,n + r ⊙ gₕₕ,n)."""
    gates: Array
    """The gates' values (rnn: hₜ itself)."""
    hh: Array
    """The recurrent part gₕₕ = W_hh hₜ₋₁ + b_hh (the GRU's n gate needs it)."""
    h: Array
    c: Array | None = None


@dataclass(frozen=True)
class Conventions:
    """How the cells compute: PyTorch's by default; a mistake's variant for ``check``."""

    gru_swapped: bool = False
    """hₜ = z ⊙ n + (1 − z) ⊙ hₜ₋₁ (the update gate's role of the Deep Learning Specialization)."""
    derivative_at_h: bool = False
    """tanh′ written as 1 − tanh²(hₜ) instead of 1 − hₜ² = 1 − tanh²(aₜ)."""


PYTORCH = Conventions()


Factors = tuple[Array, ...]
"""What a cell's δ is multiplied by, of one step or (axis 1 t) of every step."""


class Cell(Protocol):
    """One recurrent kind's cell: its gates and their local derivatives."""

    @property
    def name(self) -> str: ...

    @property
    def gates(self) -> tuple[str, ...]:
        """The gate names in the order of W's blocks of rows."""
        ...

    @property
    def has_cell(self) -> bool:
        """An LSTM carries cₜ beside hₜ."""
        ...

    @property
    def gated(self) -> bool:
        """Its δ splits into gates' blocks; False for the RNN, whose one δ is that of its
        pre-activation aₜ (the same for W_ih and W_hh)."""
        ...

    @property
    def one_delta(self) -> bool:
        """δₕₕ is δᵢₕ: not for the GRU, whose n block of δₕₕ is r times that of δᵢₕ."""
        ...

    @property
    def carries_h(self) -> bool:
        """hₜ₋₁ also reaches hₜ directly, not only through W_hh (the GRU's zₜ ⊙ hₜ₋₁)."""
        ...

    @property
    def backward_gates(self) -> tuple[str, ...]:
        """The gates in the order their δ is derived going backwards (each needs the ones before)."""
        ...

    @property
    def title(self) -> str:
        """How the solution names the kind at the start of a sentence: ``An RNN``."""
        ...

    def step(self, gi: Array, gh: Array, h: Array, c: Array | None, k: Conventions) -> StepState:
        """hₜ (and cₜ) from the input part, the recurrent part and the previous state."""
        ...

    def factors(self, s: StepState, h: Array, c: Array | None, k: Conventions) -> Factors:
        """What `back` multiplies by, from the steps' values and hₜ₋₁, cₜ₋₁ (any leading axes)."""
        ...

    def back(
        self, f: Factors, dh: Array, dc: Array | None, k: Conventions
    ) -> tuple[Array, Array, Array | None, Array | None, Array | None]:
        """From ∂L/∂hₜ (and ∂L/∂cₜ from step t + 1): δᵢₕ, δₕₕ, the direct part of ∂L/∂hₜ₋₁
        (not through W_hh; None if hₜ₋₁ reaches hₜ only through W_hh), ∂L/∂cₜ₋₁ and the
        total ∂L/∂cₜ."""
        ...


def _blocks(values: Array, count: int) -> list[Array]:
    """The gates' blocks of H columns, as views (a plain slice: ``np.split`` costs more)."""
    h = values.shape[-1] // count
    return [values[..., k * h : (k + 1) * h] for k in range(count)]


def _tanh_prime(value: Array, k: Conventions) -> Array:
    """1 − tanh² from tanh's value (the mistake takes tanh once more)."""
    return 1 - (np.tanh(value) if k.derivative_at_h else value) ** 2


@dataclass(frozen=True)
class RnnCell:
    nonlinearity: str = "tanh"
    name = "rnn"
    gates = ("h",)
    has_cell = False
    gated = False
    one_delta = True
    carries_h = False
    backward_gates = gates
    title = "An RNN"

    def step(self, gi: Array, gh: Array, h: Array, c: Array | None, k: Conventions) -> StepState:
        a = gi + gh  # aₜ = W_ih xₜ + b_ih + W_hh hₜ₋₁ + b_hh
        h_new = np.tanh(a) if self.nonlinearity == "tanh" else np.maximum(a, 0.0)
        return StepState(a, h_new, gh, h_new)

    def factors(self, s: StepState, h: Array, c: Array | None, k: Conventions) -> Factors:
        # f′(aₜ): 1 − hₜ² for tanh, 1 if aₜ > 0 else 0 for ReLU
        return (_tanh_prime(s.h, k) if self.nonlinearity == "tanh" else s.pre > 0,)

    def back(
        self, f: Factors, dh: Array, dc: Array | None, k: Conventions
    ) -> tuple[Array, Array, Array | None, Array | None, Array | None]:
        delta = dh * f[0]  # δₜ = ∂L/∂hₜ ⊙ f′(aₜ)
        return delta, delta, None, None, None


@dataclass(frozen=True)
class LstmCell:
    name = "lstm"
    gates = ("i", "f", "g", "o")
    has_cell = True
    gated = True
    one_delta = True
    carries_h = False
    backward_gates = gates
    title = "An LSTM"

    def step(self, gi: Array, gh: Array, h: Array, c: Array | None, k: Conventions) -> StepState:
        assert c is not None
        pre = gi + gh
        gates = sigmoid(pre)  # i, f, o = σ(…); the g block then takes tanh
        u = pre.shape[-1] // 4  # hidden units: the blocks' width
        np.tanh(pre[..., 2 * u : 3 * u], out=gates[..., 2 * u : 3 * u])
        i, f, g, o = (
            gates[..., :u],
            gates[..., u : 2 * u],
            gates[..., 2 * u : 3 * u],
            gates[..., 3 * u :],
        )
        c_new = f * c + i * g  # cₜ = f ⊙ cₜ₋₁ + i ⊙ g
        h_new = o * np.tanh(c_new)  # hₜ = o ⊙ tanh(cₜ)
        return StepState(pre, gates, gh, h_new, c_new)

    def factors(self, s: StepState, h: Array, c: Array | None, k: Conventions) -> Factors:
        assert c is not None and s.c is not None
        i, f, g, o = _blocks(s.gates, 4)
        tanh_c = np.tanh(s.c)
        # each gate's δ is ∂L/∂cₜ (∂L/∂hₜ for o) times these three, in this order
        first = np.concatenate((g, c, i, tanh_c), axis=-1)
        second = np.concatenate((i, f, _tanh_prime(g, k), o), axis=-1)
        third = np.concatenate((1 - i, 1 - f, np.ones_like(g), 1 - o), axis=-1)
        return o, _tanh_prime(tanh_c, k), f, first, second, third

    def back(
        self, f: Factors, dh: Array, dc: Array | None, k: Conventions
    ) -> tuple[Array, Array, Array | None, Array | None, Array | None]:
        assert dc is not None
        o, tanh_prime_c, forget, first, second, third = f
        dc_total = dc + dh * o * tanh_prime_c  # ∂L/∂cₜ: from step t + 1 and from hₜ
        # δ_i = ∂L/∂cₜ ⊙ g ⊙ σ′, δ_f = ∂L/∂cₜ ⊙ cₜ₋₁ ⊙ σ′, δ_g = ∂L/∂cₜ ⊙ i ⊙ (1 − g²),
        # δ_o = ∂L/∂hₜ ⊙ tanh(cₜ) ⊙ σ′ (σ′ = gate ⊙ (1 − gate); δ_g's third factor is 1)
        delta = np.concatenate((dc_total, dc_total, dc_total, dh), axis=-1)
        delta *= first
        delta *= second
        delta *= third
        return delta, delta, None, dc_total * forget, dc_total


@dataclass(frozen=True)
class GruCell:
    name = "gru"
    gates = ("r", "z", "n")
    has_cell = False
    gated = True
    one_delta = False
    carries_h = True
    backward_gates = ("n", "z", "r")
    title = "A GRU"

    def step(self, gi: Array, gh: Array, h: Array, c: Array | None, k: Conventions) -> StepState:
        rz_rows, n_rows = slice(0, 2 * (gi.shape[-1] // 3)), slice(2 * (gi.shape[-1] // 3), None)
        pre_rz = gi[..., rz_rows] + gh[..., rz_rows]
        rz = sigmoid(pre_rz)  # r, z = σ(…)
        r, z = _blocks(rz, 2)
        pre_n = gi[..., n_rows] + r * gh[..., n_rows]  # the reset gate multiplies W_hn hₜ₋₁ + b_hn
        n = np.tanh(pre_n)
        keep = 1 - z if k.gru_swapped else z
        h_new = (1 - keep) * n + keep * h  # hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁
        pre = np.concatenate((pre_rz, pre_n), axis=-1)
        return StepState(pre, np.concatenate((rz, n), axis=-1), gh, h_new)

    def factors(self, s: StepState, h: Array, c: Array | None, k: Conventions) -> Factors:
        r, z, n = _blocks(s.gates, 3)
        keep = 1 - z if k.gru_swapped else z
        gh_n = _blocks(s.hh, 3)[2]
        return 1 - keep, _tanh_prime(n, k), h - n, z, 1 - z, gh_n, r, 1 - r, keep

    def back(
        self, f: Factors, dh: Array, dc: Array | None, k: Conventions
    ) -> tuple[Array, Array, Array | None, Array | None, Array | None]:
        update, tanh_prime_n, h_minus_n, z, one_minus_z, gh_n, r, one_minus_r, keep = f
        sign = -1.0 if k.gru_swapped else 1.0
        delta_n = dh * update * tanh_prime_n  # δ_n = ∂L/∂hₜ ⊙ (1 − z) ⊙ (1 − n²)
        delta_z = sign * dh * h_minus_n * z * one_minus_z  # δ_z = ∂L/∂hₜ ⊙ (hₜ₋₁ − n) ⊙ σ′
        delta_r = delta_n * gh_n * r * one_minus_r  # δ_r = δ_n ⊙ (W_hn hₜ₋₁ + b_hn) ⊙ σ′
        delta_ih = np.concatenate((delta_r, delta_z, delta_n), axis=-1)
        delta_hh = np.concatenate((delta_r, delta_z, delta_n * r), axis=-1)
        return delta_ih, delta_hh, dh * keep, None, None


CELLS: dict[str, Cell] = {"rnn": RnnCell(), "lstm": LstmCell(), "gru": GruCell()}
