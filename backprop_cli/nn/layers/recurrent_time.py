"""The loop through time of a recurrent layer: the forward pass (`unroll`) and
backpropagation through time (`through_time`), step by step with each kind's cell of
`recurrent_cells` (whose docstring has the equations).

The steps' values are kept as arrays over t (axis 1), written as the loop goes. What
needs no loop is taken for every step at once, with the numbers of the step worked
alone: the input parts W_ih xₜ + b_ih and ∂L/∂xₜ = δᵢₕ,ₜ W_ih as stacks over t (each
step's matrix multiplied by itself), the cells' factors elementwise.
"""

from __future__ import annotations

from dataclasses import field

import numpy as np

from backprop_cli.nn.layers.recurrent_cells import PYTORCH, Array, Cell, Conventions, StepState
from backprop_cli.records import dataclass


@dataclass(frozen=True)
class Unrolled:
    """The forward pass through time; every array's axis 1 is t (N × T × …)."""

    x: Array
    h0: Array
    c0: Array | None
    states: StepState
    """Every step's values, N × T × … (read-only)."""

    @property
    def h(self) -> Array:
        return self.states.h

    @property
    def c(self) -> Array | None:
        return None if self.c0 is None else self.states.c

    def step(self, t: int) -> StepState:
        """Step t's values (0-based), each N × …"""
        s = self.states
        c = None if s.c is None else s.c[:, t]
        return StepState(s.pre[:, t], s.gates[:, t], s.hh[:, t], s.h[:, t], c)

    def h_prev(self, t: int) -> Array:
        return self.h0 if t == 0 else self.states.h[:, t - 1]

    def c_prev(self, t: int) -> Array | None:
        return self.c0 if t == 0 else self.c[:, t - 1]  # type: ignore[index]

    @property
    def h_before(self) -> Array:
        """hₜ₋₁ of every step, N × T × H (h₀ first)."""
        return np.concatenate((self.h0[:, None], self.states.h[:, :-1]), axis=1)

    @property
    def c_before(self) -> Array | None:
        if self.c0 is None or self.states.c is None:
            return None
        return np.concatenate((self.c0[:, None], self.states.c[:, :-1]), axis=1)


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


def _by_step(a: Array) -> Array:
    """N × T × … as T × N × …: a stack over t, whose item t is step t's N × … (a view)."""
    return a.transpose(1, 0, *range(2, a.ndim))


def unroll(
    cell: Cell,
    params: dict[str, Array],
    x: Array,
    h0: Array,
    c0: Array | None,
    k: Conventions = PYTORCH,
) -> Unrolled:
    """hₜ for t = 1 … T of each of the N sequences x (N × T × D)."""
    n, steps = x.shape[:2]
    gi = _by_step(x) @ params["W_ih"].T + params["b_ih"]  # W_ih xₜ + b_ih, T × N × G·H
    w_hh, b_hh = params["W_hh"].T, params["b_hh"]
    width, hidden = gi.shape[-1], w_hh.shape[0]
    carried = c0 if cell.has_cell else None
    states = StepState(
        np.empty((n, steps, width)),
        np.empty((n, steps, width)),
        np.empty((n, steps, width)),
        np.empty((n, steps, hidden)),
        None if carried is None else np.empty((n, steps, hidden)),
    )
    pre, gates, hh, hs, cs = states
    h, c = h0, carried
    for t in range(steps):
        state = cell.step(gi[t], h @ w_hh + b_hh, h, c, k)
        pre[:, t], gates[:, t], hh[:, t], hs[:, t] = state.pre, state.gates, state.hh, state.h
        if cs is not None:
            cs[:, t] = state.c
        h, c = state.h, state.c
    for whole in states:
        if whole is not None:
            whole.flags.writeable = False
    return Unrolled(x, h0, carried, states)


def through_time(
    cell: Cell,
    params: dict[str, Array],
    u: Unrolled,
    from_output: Array,
    k: Conventions = PYTORCH,
    *,
    next_path: bool = True,
) -> Through:
    """Backpropagation through time from ∂ℓ/∂hₜ of every step (N × T × H).

    ``next_path=False`` is the mistake of forgetting what step t + 1 sends back."""
    n, steps = from_output.shape[:2]
    w_hh = params["W_hh"]
    hidden, width = w_hh.shape[1], w_hh.shape[0]
    h_prev = u.h_before
    factors = cell.factors(u.states, h_prev, u.c_before, k)
    by_step = list(zip(*(_by_step(f) for f in factors), strict=True))  # each step's factors
    from_next, dh_all = np.empty((n, steps, hidden)), np.empty((n, steps, hidden))
    dc_all = None if u.c0 is None else np.empty((n, steps, hidden))
    d_ih = np.empty((n, steps, width))
    d_hh = d_ih if cell.one_delta else np.empty((n, steps, width))
    dh_next = zero = np.zeros((n, hidden))
    dc_next = None if u.c0 is None else np.zeros((n, hidden))
    for t in reversed(range(steps)):
        dh = from_output[:, t] + (dh_next if next_path else 0.0)
        d_ih_t, d_hh_t, direct, dc_prev, dc_t = cell.back(by_step[t], dh, dc_next, k)
        from_next[:, t] = dh_next
        dh_all[:, t] = dh
        if dc_all is not None:
            dc_all[:, t] = dc_t
        d_ih[:, t] = d_ih_t
        if not cell.one_delta:
            d_hh[:, t] = d_hh_t
        dh_next = (zero if direct is None else direct) + d_hh_t @ w_hh
        dc_next = dc_prev
    dx = np.ascontiguousarray(_by_step(_by_step(d_ih) @ params["W_ih"]))
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
        from_next,
        dh_all,
        dc_all,
        d_ih,
        d_hh,
        dx,
        dh_next,
        dc_next,
        terms_ih,
        terms_hh,
        terms_bih,
        terms_bhh,
        grads,
    )
