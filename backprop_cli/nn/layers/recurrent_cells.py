"""The numbers of the recurrent layers: one cell per kind and one loop through time.

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
"""

from __future__ import annotations

from dataclasses import field
from typing import Protocol

import numpy as np

from backprop_cli.nn.functions import sigmoid
from backprop_cli.records import dataclass

Array = np.ndarray


@dataclass(frozen=True)
class StepState:
    """One time step's values, each N × (G·H) or N × H."""

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

    def back(
        self, s: StepState, h: Array, c: Array | None, dh: Array, dc: Array | None, k: Conventions
    ) -> tuple[Array, Array, Array, Array | None, Array | None]:
        """From ∂L/∂hₜ (and ∂L/∂cₜ from step t + 1): δᵢₕ, δₕₕ, the direct part of ∂L/∂hₜ₋₁
        (not through W_hh), ∂L/∂cₜ₋₁ and the total ∂L/∂cₜ."""
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
    carries_h = False
    backward_gates = gates
    title = "An RNN"

    def step(self, gi: Array, gh: Array, h: Array, c: Array | None, k: Conventions) -> StepState:
        a = gi + gh  # aₜ = W_ih xₜ + b_ih + W_hh hₜ₋₁ + b_hh
        h_new = np.tanh(a) if self.nonlinearity == "tanh" else np.maximum(a, 0.0)
        return StepState(a, h_new, gh, h_new)

    def back(
        self, s: StepState, h: Array, c: Array | None, dh: Array, dc: Array | None, k: Conventions
    ) -> tuple[Array, Array, Array, Array | None, Array | None]:
        tanh = self.nonlinearity == "tanh"
        # δₜ = ∂L/∂hₜ ⊙ f′(aₜ): 1 − hₜ² for tanh, 1 if aₜ > 0 else 0 for ReLU
        delta = dh * (_tanh_prime(s.h, k) if tanh else (s.pre > 0))
        return delta, delta, np.zeros_like(dh), None, None


@dataclass(frozen=True)
class LstmCell:
    name = "lstm"
    gates = ("i", "f", "g", "o")
    has_cell = True
    gated = True
    carries_h = False
    backward_gates = gates
    title = "An LSTM"

    def step(self, gi: Array, gh: Array, h: Array, c: Array | None, k: Conventions) -> StepState:
        assert c is not None
        pre = gi + gh
        i, f, g, o = _blocks(pre, 4)
        i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
        c_new = f * c + i * g  # cₜ = f ⊙ cₜ₋₁ + i ⊙ g
        h_new = o * np.tanh(c_new)  # hₜ = o ⊙ tanh(cₜ)
        return StepState(pre, np.concatenate((i, f, g, o), axis=-1), gh, h_new, c_new)

    def back(
        self, s: StepState, h: Array, c: Array | None, dh: Array, dc: Array | None, k: Conventions
    ) -> tuple[Array, Array, Array, Array | None, Array | None]:
        assert c is not None and s.c is not None and dc is not None
        i, f, g, o = _blocks(s.gates, 4)
        tanh_c = np.tanh(s.c)
        dc_total = dc + dh * o * _tanh_prime(tanh_c, k)  # ∂L/∂cₜ: from step t + 1 and from hₜ
        delta = np.concatenate(
            (
                dc_total * g * i * (1 - i),  # δ_i = ∂L/∂cₜ ⊙ g ⊙ σ′
                dc_total * c * f * (1 - f),  # δ_f = ∂L/∂cₜ ⊙ cₜ₋₁ ⊙ σ′
                dc_total * i * _tanh_prime(g, k),  # δ_g = ∂L/∂cₜ ⊙ i ⊙ (1 − g²)
                dh * tanh_c * o * (1 - o),  # δ_o = ∂L/∂hₜ ⊙ tanh(cₜ) ⊙ σ′
            ),
            axis=-1,
        )
        return delta, delta, np.zeros_like(dh), dc_total * f, dc_total


@dataclass(frozen=True)
class GruCell:
    name = "gru"
    gates = ("r", "z", "n")
    has_cell = False
    gated = True
    carries_h = True
    backward_gates = ("n", "z", "r")
    title = "A GRU"

    def step(self, gi: Array, gh: Array, h: Array, c: Array | None, k: Conventions) -> StepState:
        gi_r, gi_z, gi_n = _blocks(gi, 3)
        gh_r, gh_z, gh_n = _blocks(gh, 3)
        r, z = sigmoid(gi_r + gh_r), sigmoid(gi_z + gh_z)
        pre_n = gi_n + r * gh_n  # the reset gate multiplies W_hn hₜ₋₁ + b_hn
        n = np.tanh(pre_n)
        keep = 1 - z if k.gru_swapped else z
        h_new = (1 - keep) * n + keep * h  # hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁
        pre = np.concatenate((gi_r + gh_r, gi_z + gh_z, pre_n), axis=-1)
        return StepState(pre, np.concatenate((r, z, n), axis=-1), gh, h_new)

    def back(
        self, s: StepState, h: Array, c: Array | None, dh: Array, dc: Array | None, k: Conventions
    ) -> tuple[Array, Array, Array, Array | None, Array | None]:
        r, z, n = _blocks(s.gates, 3)
        gh_n = _blocks(s.hh, 3)[2]
        sign = -1.0 if k.gru_swapped else 1.0
        keep = 1 - z if k.gru_swapped else z
        delta_n = dh * (1 - keep) * _tanh_prime(n, k)  # δ_n = ∂L/∂hₜ ⊙ (1 − z) ⊙ (1 − n²)
        delta_z = sign * dh * (h - n) * z * (1 - z)  # δ_z = ∂L/∂hₜ ⊙ (hₜ₋₁ − n) ⊙ σ′
        delta_r = delta_n * gh_n * r * (1 - r)  # δ_r = δ_n ⊙ (W_hn hₜ₋₁ + b_hn) ⊙ σ′
        delta_ih = np.concatenate((delta_r, delta_z, delta_n), axis=-1)
        delta_hh = np.concatenate((delta_r, delta_z, delta_n * r), axis=-1)
        return delta_ih, delta_hh, dh * keep, None, None


CELLS: dict[str, Cell] = {"rnn": RnnCell(), "lstm": LstmCell(), "gru": GruCell()}


@dataclass(frozen=True)
class Unrolled:
    """The forward pass through time; every array's axis 1 is t (N × T × …)."""

    x: Array
    h0: Array
    c0: Array | None
    steps: tuple[StepState, ...]

    @property
    def h(self) -> Array:
        return np.stack([s.h for s in self.steps], axis=1)

    @property
    def c(self) -> Array | None:
        cs = [s.c for s in self.steps]
        return None if self.c0 is None else np.stack(cs, axis=1)  # type: ignore[arg-type]

    def h_prev(self, t: int) -> Array:
        return self.h0 if t == 0 else self.steps[t - 1].h

    def c_prev(self, t: int) -> Array | None:
        return self.c0 if t == 0 else self.steps[t - 1].c


@dataclass(frozen=True)
class Through:
    """The backward pass through time, per step t (axis 1 of each N × T × … array, or axis 0
    of the per-step parameter terms)."""

    from_output: Array
    """∂ℓ/∂hₜ: what the layers above send to hₜ."""
    from_next: Array
    """∂L/∂hₜ₊₁·∂hₜ₊₁/∂hₜ: what step t + 1 sends back (0 at t = T)."""
    dh: Array
    """Their sum, ∂L/∂hₜ."""
    dc: Array | None
    """The LSTM's ∂L/∂cₜ (from step t + 1 and from hₜ)."""
    delta_ih: Array
    delta_hh: Array
    dx: Array
    dh0: Array
    dc0: Array | None
    dW_ih: Array
    """The terms δᵢₕ,ₜᵀxₜ of ∂L/∂W_ih, T × G·H × D (their sum is the gradient)."""
    dW_hh: Array
    db_ih: Array
    db_hh: Array
    grads: dict[str, Array] = field(default_factory=dict)
    """W_ih, W_hh, b_ih, b_hh: the sums over t."""


def unroll(
    cell: Cell,
    params: dict[str, Array],
    x: Array,
    h0: Array,
    c0: Array | None,
    k: Conventions = Conventions(),
) -> Unrolled:
    """hₜ for t = 1 … T of each of the N sequences x (N × T × D)."""
    h, c, steps = h0, c0, []
    for t in range(x.shape[1]):
        gi = x[:, t] @ params["W_ih"].T + params["b_ih"]
        gh = h @ params["W_hh"].T + params["b_hh"]
        state = cell.step(gi, gh, h, c, k)
        steps.append(state)
        h, c = state.h, state.c
    return Unrolled(x, h0, c0 if cell.has_cell else None, tuple(steps))


def through_time(
    cell: Cell,
    params: dict[str, Array],
    u: Unrolled,
    from_output: Array,
    k: Conventions = Conventions(),
    *,
    next_path: bool = True,
) -> Through:
    """Backpropagation through time from ∂ℓ/∂hₜ of every step (N × T × H).

    ``next_path=False`` is the mistake of forgetting what step t + 1 sends back."""
    n, steps = from_output.shape[0], len(u.steps)
    hidden = params["W_hh"].shape[1]
    dh_next = np.zeros((n, hidden))
    dc_next = None if u.c0 is None else np.zeros((n, hidden))
    out: dict[str, list[Array]] = {key: [] for key in ("next", "dh", "dc", "dih", "dhh", "dx")}
    for t in reversed(range(steps)):
        dh = from_output[:, t] + (dh_next if next_path else 0.0)
        s = u.steps[t]
        d_ih, d_hh, direct, dc_prev, dc_t = cell.back(s, u.h_prev(t), u.c_prev(t), dh, dc_next, k)
        out["next"].append(dh_next)
        out["dh"].append(dh)
        out["dc"].append(dc_t if dc_t is not None else dh)
        out["dih"].append(d_ih)
        out["dhh"].append(d_hh)
        out["dx"].append(d_ih @ params["W_ih"])
        dh_next = direct + d_hh @ params["W_hh"]
        dc_next = dc_prev
    ordered = {key: np.stack(values[::-1], axis=1) for key, values in out.items()}
    d_ih, d_hh = ordered["dih"], ordered["dhh"]
    h_prev = np.stack([u.h_prev(t) for t in range(steps)], axis=1)
    terms_ih = np.einsum("ntg,ntd->tgd", d_ih, u.x)
    terms_hh = np.einsum("ntg,nth->tgh", d_hh, h_prev)
    terms_bih, terms_bhh = d_ih.sum(axis=0), d_hh.sum(axis=0)
    grads = {
        "W_ih": terms_ih.sum(axis=0),
        "W_hh": terms_hh.sum(axis=0),
        "b_ih": terms_bih.sum(axis=0),
        "b_hh": terms_bhh.sum(axis=0),
    }
    return Through(
        from_output,
        ordered["next"],
        ordered["dh"],
        ordered["dc"] if u.c0 is not None else None,
        d_ih,
        d_hh,
        ordered["dx"],
        dh_next,
        dc_next,
        terms_ih,
        terms_hh,
        terms_bih,
        terms_bhh,
        grads,
    )
