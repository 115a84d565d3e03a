"""The backward pass of a recurrent layer through time, as worked steps: for t = T … 1,
∂L/∂hₜ = (from the output at t) + (from step t + 1), each gate's δ (the LSTM's ∂L/∂cₜ
first), then ∂L/∂W_ih, ∂L/∂W_hh and the biases' gradients as sums over t.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from backprop_cli.expr import (
    Add,
    Call,
    Expr,
    Hadamard,
    MatMul,
    Matrix,
    Partial,
    Pow,
    Sub,
    Sum,
    Sym,
    Transpose,
    column,
    num,
    total,
)
from backprop_cli.nn.layers.base import Deriving, LayerValues
from backprop_cli.nn.layers.recurrent_steps import (
    DETAIL,
    ONE,
    L,
    block,
    layer_of,
    named,
    param_symbol,
    small,
    state,
)
from backprop_cli.nn.layers.recurrent_time import Through
from backprop_cli.notation import Notation
from backprop_cli.solve.steps import Phase, Step


def gradient_steps(kind: Any, d: Deriving, r: LayerValues, back: Through) -> Iterator[Step]:
    """For t = T … 1: ∂L/∂hₜ as its two parts, the gates' δ; then ∂L/∂θ as sums over t."""
    l, n, u = r.index, d.n, r.cache.unrolled
    params = kind.full(r.layer.params)
    hidden = params["W_hh"].shape[1]
    T = kind.steps
    for s in small(kind, r):
        sym_s = s if u.x.shape[0] > 1 else None
        for t in reversed(range(T)):
            tt = t + 1
            h = state(n, "h", tt, l, sym_s, hidden)
            out = Partial(Sym("ell", (tt,)), h)
            if t == T - 1:
                form: Expr = Add((out, num(0)))
                subst: Expr = Add((column(back.from_output[s, t]), num(0)))
            else:
                form = Add((out, _from_next(kind, n, l, tt + 1, sym_s, hidden)))
                subst = Add(
                    (
                        column(back.from_output[s, t]),
                        _from_next_numbers(kind, params, back, s, t + 1, u),
                    )
                )
            yield d.step(
                Phase.BACKWARD,
                named(d, f"dh{l}_t{tt}", sym_s),
                Partial(L, h),
                (form,),
                subst,
                back.dh[s, t],
                layer=l,
            )
            yield from _gate_deltas(kind, d, n, l, u, back, s, sym_s, t, hidden, params)
    x_t = Sym("x", ("t",), bold=u.x.shape[2] > 1)
    h_prev = state(n, "h", "t-1", l, None, hidden)
    rnn = not kind.cell.gated
    delta = Sym("delta_a" if rnn else "delta_ih", ("t",), layer_of(n, l), bold=True)
    delta_hh = Sym("delta_a" if rnn else "delta_hh", ("t",), layer_of(n, l), bold=True)
    sums: dict[str, tuple[Expr, Callable[[int], Expr]]] = {  # each sum's body and its term t
        "W_ih": (
            MatMul((delta, Transpose(x_t))),
            lambda t: MatMul((Transpose(Matrix(back.delta_ih[:, t])), Matrix(u.x[:, t]))),
        ),
        "W_hh": (
            MatMul((delta_hh, Transpose(h_prev))),
            lambda t: MatMul((Transpose(Matrix(back.delta_hh[:, t])), Matrix(u.h_prev(t)))),
        ),
        "b_ih": (delta, lambda t: column(back.db_ih[t])),
        "b_hh": (delta_hh, lambda t: column(back.db_hh[t])),
    }
    if not kind.two_biases:
        sums["b"] = sums.pop("b_ih")
        del sums["b_hh"]
    few = T <= DETAIL and params["W_ih"].size <= 64
    for base, (body, term) in sums.items():
        sym = param_symbol(n, l, base, None)
        yield d.step(
            Phase.BACKWARD,
            f"d{base}{l}",
            Partial(L, sym),
            (Sum(body, "t", ONE, num(T)),),
            total([term(t) for t in range(T)]) if few else None,  # written out when few
            r.grads[base],
            layer=l,
        )


def _from_next(kind: Any, n: Notation, l: int, t: int, s: int | None, hidden: int) -> Expr:
    """What step t sends back to hₜ₋₁, in symbols: W_hhᵀ δₜ (the GRU adds zₜ ⊙ ∂L/∂hₜ)."""
    w = Sym("W_hh", (), layer_of(n, l), bold=True)
    sent: Expr = MatMul(
        (
            Transpose(w),
            Sym(
                "delta_hh" if kind.cell.gated else "delta_a",
                (t,),
                layer_of(n, l),
                None if s is None else s + 1,
                bold=True,
            ),
        )
    )
    if kind.cell.carries_h:
        dh = Partial(L, state(n, "h", t, l, s, hidden))
        return Add((Hadamard(state(n, "gate_z", t, l, s, hidden), dh), sent))
    return sent


def _from_next_numbers(
    kind: Any, params: dict[str, np.ndarray], back: Through, s: int, t: int, u: Any
) -> Expr:
    sent: Expr = MatMul((Transpose(Matrix(params["W_hh"])), column(back.delta_hh[s, t])))
    if kind.cell.carries_h:
        hidden = params["W_hh"].shape[1]
        z = u.step(t).gates[s, hidden : 2 * hidden]
        return Add((Hadamard(column(z), column(back.dh[s, t])), sent))
    return sent


def _gate_deltas(
    kind: Any,
    d: Deriving,
    n: Notation,
    l: int,
    u: Any,
    back: Through,
    s: int,
    sym_s: int | None,
    t: int,
    hidden: int,
    params: dict[str, np.ndarray],
) -> Iterator[Step]:
    tt, st = t + 1, u.step(t)
    dh = Partial(L, state(n, "h", tt, l, sym_s, hidden))
    dh_num = column(back.dh[s, t])
    delta = back.delta_ih[s, t]

    def gate(g: str) -> tuple[Sym, Expr]:
        k = kind.cell.gates.index(g)
        return state(n, f"gate_{g}", tt, l, sym_s, hidden), column(
            st.gates[s, k * hidden : (k + 1) * hidden]
        )

    def sig(g: str) -> tuple[Expr, Expr]:  # σ′ = g(1 − g)
        sym, value = gate(g)
        return Hadamard(sym, Sub(ONE, sym)), Hadamard(value, Sub(ONE, value))

    def emit(g: str, form: Expr, subst: Expr, k: int) -> Step:
        base = f"delta_{g}" if kind.cell.gated else "delta_a"
        lhs = Sym(base, (tt,), layer_of(n, l), None if sym_s is None else sym_s + 1, bold=True)
        value = delta[k * hidden : (k + 1) * hidden]
        return d.step(
            Phase.BACKWARD,
            named(d, f"delta_{g}{l}_t{tt}", sym_s),
            lhs,
            (form,),
            subst,
            value,
            layer=l,
        )

    if not kind.cell.gated:
        h, h_num = state(n, "h", tt, l, sym_s, hidden), column(st.h[s])
        if kind.nonlinearity == "tanh":
            yield emit(
                "h",
                Hadamard(dh, Sub(ONE, Pow(h, num(2)))),
                Hadamard(dh_num, Sub(ONE, Pow(h_num, num(2)))),
                0,
            )
        else:
            step = (st.pre[s] > 0).astype(float)
            yield emit(
                "h",
                Hadamard(dh, Call("ReLU", (state(n, "a", tt, l, sym_s, hidden),), prime=True)),
                Hadamard(dh_num, column(step)),
                0,
            )
        return
    if kind.cell.has_cell:
        assert back.dc is not None
        c, c_num = state(n, "c", tt, l, sym_s, hidden), column(st.c[s])
        o, o_num = gate("o")
        dc = Partial(L, c)
        tanh_prime = Sub(ONE, Pow(Call("tanh", (c,)), num(2)))
        tanh_prime_num = Sub(ONE, Pow(Call("tanh", (c_num,)), num(2)))
        from_h = Hadamard(Hadamard(dh, o), tanh_prime)
        from_h_num = Hadamard(Hadamard(dh_num, o_num), tanh_prime_num)
        form: Expr
        subst: Expr
        if t == kind.steps - 1:
            form, subst = from_h, from_h_num
        else:
            f_next = state(n, "gate_f", tt + 1, l, sym_s, hidden)
            f_num = column(u.step(t + 1).gates[s, hidden : 2 * hidden])
            form = Add(
                (Hadamard(Partial(L, state(n, "c", tt + 1, l, sym_s, hidden)), f_next), from_h)
            )
            subst = Add((Hadamard(column(back.dc[s, t + 1]), f_num), from_h_num))
        yield d.step(
            Phase.BACKWARD,
            named(d, f"dc{l}_t{tt}", sym_s),
            dc,
            (form,),
            subst,
            back.dc[s, t],
            layer=l,
        )
        dc_num = column(back.dc[s, t])
        c_prev = state(n, "c", tt - 1, l, sym_s, hidden)
        c_prev_num = column(u.c_prev(t)[s])
        i, i_num = gate("i")
        g_, g_num = gate("g")
        parts = {
            "i": (
                Hadamard(Hadamard(dc, g_), sig("i")[0]),
                Hadamard(Hadamard(dc_num, g_num), sig("i")[1]),
            ),
            "f": (
                Hadamard(Hadamard(dc, c_prev), sig("f")[0]),
                Hadamard(Hadamard(dc_num, c_prev_num), sig("f")[1]),
            ),
            "g": (
                Hadamard(Hadamard(dc, i), Sub(ONE, Pow(g_, num(2)))),
                Hadamard(Hadamard(dc_num, i_num), Sub(ONE, Pow(g_num, num(2)))),
            ),
            "o": (
                Hadamard(Hadamard(dh, Call("tanh", (c,))), sig("o")[0]),
                Hadamard(Hadamard(dh_num, Call("tanh", (c_num,))), sig("o")[1]),
            ),
        }
    else:
        z, z_num = gate("z")
        n_, n_num = gate("n")
        h_prev, h_prev_num = state(n, "h", tt - 1, l, sym_s, hidden), column(u.h_prev(t)[s])
        delta_n = Sym(
            "delta_n", (tt,), layer_of(n, l), None if sym_s is None else sym_s + 1, bold=True
        )
        hh_n = column(st.hh[s, 2 * hidden :])
        w_hn = Add(
            (
                MatMul((block(n, l, "hh", "n", False, True), h_prev)),
                block(n, l, "hh", "n", False, False),
            )
        )
        parts = {
            "n": (
                Hadamard(Hadamard(dh, Sub(ONE, z)), Sub(ONE, Pow(n_, num(2)))),
                Hadamard(Hadamard(dh_num, Sub(ONE, z_num)), Sub(ONE, Pow(n_num, num(2)))),
            ),
            "z": (
                Hadamard(Hadamard(dh, Sub(h_prev, n_)), sig("z")[0]),
                Hadamard(Hadamard(dh_num, Sub(h_prev_num, n_num)), sig("z")[1]),
            ),
            "r": (
                Hadamard(Hadamard(delta_n, w_hn), sig("r")[0]),
                Hadamard(Hadamard(column(delta[2 * hidden :]), hh_n), sig("r")[1]),
            ),
        }
    for g in kind.cell.backward_gates:
        form, subst = parts[g]
        yield emit(g, form, subst, kind.cell.gates.index(g))
