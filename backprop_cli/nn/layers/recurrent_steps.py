"""The worked steps of a recurrent layer: the unrolled forward pass, step by step, and the
backward pass through time, t = T … 1, each ∂L/∂hₜ as (from the output) + (from step t + 1).

Symbols: hₜ, cₜ, the gates iₜ fₜ gₜ oₜ (LSTM) and rₜ zₜ nₜ (GRU), the RNN's
pre-activation aₜ; each gate's blocks of the weights W_i· and W_h· (PyTorch's names:
W_ii, W_hf, b_in …). Values of sample s are columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from backprop_cli.expr import (
    Add,
    Call,
    Expr,
    Hadamard,
    MatMul,
    Matrix,
    Message,
    Sub,
    Sym,
    Transpose,
    column,
    num,
)
from backprop_cli.nn.layers.base import Deriving, LayerValues
from backprop_cli.nn.layers.recurrent_time import Through
from backprop_cli.notation import Notation
from backprop_cli.solve.steps import Phase, Step

L, ONE = Sym("L"), num(1)
DETAIL = 8
"""Hidden units, features and steps up to which each step is written out with its numbers."""
SAMPLES = 4
STATE = {"h": "hstate", "c": "cstate", "a": "preact"}
"""The bases of the states (rendered h, c, a; apart from the network's own z and a)."""


def layer_of(n: Notation, l: int) -> int | None:
    return None if n.depth == 1 else l


def state(n: Notation, base: str, t: int | str, l: int, s: int | None, width: int) -> Sym:
    """hₜ, cₜ, a gate's value at step t (``gate_f``), of sample s (None: one sample)."""
    name = STATE.get(base, base)
    return Sym(name, (t,), layer_of(n, l), None if s is None else s + 1, bold=width > 1)


def block(n: Notation, l: int, which: str, gate: str, full: bool, bold: bool) -> Sym:
    """A gate's block of weights (W_if) or bias (b_hf); ``full``: the whole W_ih (the RNN)."""
    side = "i" if which == "ih" else "h"
    name = f"{'W' if bold else 'b'}_{which if full else side + gate}"
    return Sym(name, (), layer_of(n, l), bold=True)


def param_symbol(n: Notation, l: int, base: str, index: tuple[int, ...] | None) -> Expr:
    numbered = () if index is None else tuple(i + 1 for i in index)
    return Sym(base, numbered, layer_of(n, l), bold=index is None)


def note(kind: Any, l: int) -> Message:
    words = {
        "rnn": "hₜ = f(W_ih xₜ + b_ih + W_hh hₜ₋₁ + b_hh)",
        "lstm": (
            "the rows of W_ih and W_hh are the gates i, f, g, o in that order (H each); "
            "i, f, o = σ(…), g = tanh(…), cₜ = f ⊙ cₜ₋₁ + i ⊙ g, hₜ = o ⊙ tanh(cₜ)"
        ),
        "gru": (
            "the rows are the gates r, z, n in that order; r, z = σ(…), "
            "n = tanh(W_in xₜ + b_in + r ⊙ (W_hn hₜ₋₁ + b_hn)) (the reset gate after the "
            "recurrent product), hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁: z keeps the old state (the Deep "
            "Learning Specialization's Γᵤ plays the opposite role, keeping the new candidate)"
        ),
    }[kind.name]
    bias = "" if kind.two_biases else " A single bias is b_ih, with b_hh = 0."
    after = (
        " The layers above apply at every step: each (sample, step) is one of their rows."
        if kind.returns == "sequence"
        else " The layer gives h_T, the last step's state."
    )
    back = {
        "rnn": "W_hhᵀδₜ₊₁",
        "lstm": "W_hhᵀδₜ₊₁ (δ of every gate at t + 1; cₜ also gets ∂L/∂cₜ₊₁ ⊙ fₜ₊₁)",
        "gru": "zₜ₊₁ ⊙ ∂L/∂hₜ₊₁ + W_hhᵀδₜ₊₁",
    }[kind.name]
    through = (
        f" Backwards through time, for t = T … 1: ∂L/∂hₜ = ∂ℓₜ/∂hₜ (what the output at t "
        f"sends) + {back} (what step t + 1 sends; nothing at t = T), and each weight's "
        "gradient is a sum over the steps."
    )
    return (
        f"{kind.cell.title} unrolled over {kind.steps} steps, PyTorch's equations: "
        f"{words}.{bias}{after}{through}",
    )


def small(kind: Any, r: LayerValues) -> range:
    x = kind.sequences(r.a_prev)
    n, t, d = x.shape
    hidden = r.layer.params["W_hh"].shape[1]
    return range(n) if n <= SAMPLES and max(t, d, hidden) <= DETAIL else range(0)


def _gate_rows(kind: Any, params: dict[str, np.ndarray], k: int) -> dict[str, np.ndarray]:
    """Block k (gate k) of the weights and biases."""
    hidden = params["W_hh"].shape[1]
    rows = slice(k * hidden, (k + 1) * hidden)
    return {key: value[rows] for key, value in params.items()}


def _pre(
    n: Notation,
    kind: Any,
    l: int,
    gate: str,
    full: bool,
    t: int,
    s: int | None,
    hidden: int,
    features: int,
    reset: Expr | None = None,
) -> Expr:
    """W_i· xₜ + b_i· + W_h· hₜ₋₁ + b_h· in symbols (the GRU's n: the reset inside)."""
    x = Sym("x", (t,), None, None if s is None else s + 1, bold=features > 1)
    h_prev = state(n, "h", t - 1, l, s, hidden)
    recurrent: Expr = Add(
        (
            MatMul((block(n, l, "hh", gate, full, True), h_prev)),
            block(n, l, "hh", gate, full, False),
        )
    )
    if reset is not None:
        recurrent = Hadamard(reset, recurrent)
    terms: list[Expr] = [
        MatMul((block(n, l, "ih", gate, full, True), x)),
        block(n, l, "ih", gate, full, False),
    ]
    return Add((*terms, *(recurrent.terms if isinstance(recurrent, Add) else (recurrent,))))


def _pre_numbers(
    p: dict[str, np.ndarray], x: np.ndarray, h: np.ndarray, reset: np.ndarray | None = None
) -> Expr:
    recurrent: list[Expr] = [MatMul((Matrix(p["W_hh"]), column(h))), column(p["b_hh"])]
    if reset is not None:
        recurrent = [Hadamard(column(reset), Add(tuple(recurrent)))]
    return Add((MatMul((Matrix(p["W_ih"]), column(x))), column(p["b_ih"]), *recurrent))


def forward_steps(kind: Any, d: Deriving, r: LayerValues) -> Iterator[Step]:
    """Step by step, for each sample: the gates, cₜ and hₜ with their numbers."""
    l, n, u = r.index, d.n, r.cache.unrolled
    params = kind.full(r.layer.params)
    hidden = params["W_hh"].shape[1]
    features = u.x.shape[2]
    gates = kind.cell.gates
    for s in small(kind, r):
        sym_s = s if u.x.shape[0] > 1 else None
        for t in range(kind.steps):
            x, h_prev, st = u.x[s, t], u.h_prev(t)[s], u.step(t)
            tt = t + 1
            h_sym = state(n, "h", tt, l, sym_s, hidden)
            name = named(d, f"h{l}_t{tt}", sym_s)
            if not kind.cell.gated:
                a = state(n, "a", tt, l, sym_s, hidden)
                yield d.step(
                    Phase.FORWARD,
                    named(d, f"a{l}_t{tt}", sym_s),
                    a,
                    (_pre(n, kind, l, "", True, tt, sym_s, hidden, features),),
                    _pre_numbers(params, x, h_prev),
                    st.pre[s],
                    layer=l,
                )
                f, f_num = _nonlinearity(kind, a), _nonlinearity(kind, column(st.pre[s]))
                yield d.step(Phase.FORWARD, name, h_sym, (f,), f_num, st.h[s], layer=l)
                continue
            values: dict[str, Expr] = {}
            for k, g in enumerate(gates):
                rows = _gate_rows(kind, params, k)
                function = "tanh" if g in ("g", "n") else "σ"
                reset = reset_num = None
                if g == "n":
                    reset = state(n, "gate_r", tt, l, sym_s, hidden)
                    reset_num = st.gates[s, :hidden]
                form: Expr = Call(
                    function, (_pre(n, kind, l, g, False, tt, sym_s, hidden, features, reset),)
                )
                subst: Expr = Call(function, (_pre_numbers(rows, x, h_prev, reset_num),))
                value = st.gates[s, k * hidden : (k + 1) * hidden]
                yield d.step(
                    Phase.FORWARD,
                    named(d, f"{g}{l}_t{tt}", sym_s),
                    state(n, f"gate_{g}", tt, l, sym_s, hidden),
                    (form,),
                    subst,
                    value,
                    layer=l,
                )
                values[g] = column(value)
            gate = {g: state(n, f"gate_{g}", tt, l, sym_s, hidden) for g in gates}
            if kind.cell.has_cell:
                c_prev, c_sym = u.c_prev(t)[s], state(n, "c", tt, l, sym_s, hidden)
                form = Add(
                    (
                        Hadamard(gate["f"], state(n, "c", tt - 1, l, sym_s, hidden)),
                        Hadamard(gate["i"], gate["g"]),
                    )
                )
                subst = Add(
                    (Hadamard(values["f"], column(c_prev)), Hadamard(values["i"], values["g"]))
                )
                yield d.step(
                    Phase.FORWARD,
                    named(d, f"c{l}_t{tt}", sym_s),
                    c_sym,
                    (form,),
                    subst,
                    st.c[s],
                    layer=l,
                )
                form = Hadamard(gate["o"], Call("tanh", (c_sym,)))
                subst = Hadamard(values["o"], Call("tanh", (column(st.c[s]),)))
            else:
                h_prev_sym = state(n, "h", tt - 1, l, sym_s, hidden)
                form = Add(
                    (Hadamard(Sub(ONE, gate["z"]), gate["n"]), Hadamard(gate["z"], h_prev_sym))
                )
                subst = Add(
                    (
                        Hadamard(Sub(ONE, values["z"]), values["n"]),
                        Hadamard(values["z"], column(h_prev)),
                    )
                )
            yield d.step(Phase.FORWARD, name, h_sym, (form,), subst, st.h[s], layer=l)


def named(d: Deriving, base: str, s: int | None) -> str:
    return base if s is None else f"{base}[{s}]"


def _nonlinearity(kind: Any, a: Expr) -> Expr:
    return Call("tanh", (a,)) if kind.nonlinearity == "tanh" else Call("max", (num(0), a))


def pass_back(
    kind: Any, d: Deriving, r: LayerValues, back: Through, s: int | None, j: int | None
) -> tuple[Expr, Expr]:
    """∂L/∂xₜ = W_ihᵀ δₜ (δ of every gate) at every step."""
    n = d.n
    values = back.dx if s is None else back.dx[s]
    return sent(n, r.index, not kind.cell.gated), Matrix(
        values.reshape(-1, values.shape[-1]) if values.ndim > 2 else values
    )


def sent(n: Notation, l: int, rnn: bool = False) -> Expr:
    """∂L/∂xₜ = W_ihᵀδₜ, δₜ of every gate at step t (the RNN's one δ)."""
    delta = Sym("delta_a" if rnn else "delta_ih", ("t",), layer_of(n, l), bold=True)
    return MatMul((Transpose(Sym("W_ih", (), layer_of(n, l), bold=True)), delta))
