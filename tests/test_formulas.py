"""The printed maths is checked, not only the numbers.

Every step of a worked solution is ``lhs = formula = substitution = value``. Here each
substitution is evaluated (its arithmetic must give the step's value), and each formula
is evaluated with its symbols bound to the solution's own values (it must give the
value too). A wrong derivative *formula* (of tanh, GELU, softplus, MAE, …) therefore
fails even where the numeric gradient is right.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_networks import load_doc, problems

from backprop_cli import load, solve
from backprop_cli.expr import Call, Expr, Mul, Partial, Sub, Sym, Unevaluable, evaluate, num
from backprop_cli.nn import activations, formula_functions, losses
from backprop_cli.nn.layers.shapes import Arrangement
from backprop_cli.solve.records import Solution, Step

RECURRENT = {"hstate", "cstate", "preact", "W_ih", "W_hh", "b_ih", "b_hh", "delta_a"}
RECURRENT |= {f"gate_{g}" for g in "ifgorzn"} | {f"delta_{g}" for g in ("ih", "hh", *"ifgorzn")}
BLOCKS = ("W_", "b_")
"""The symbols of a recurrent layer's steps (bases apart from the network's own), and the
prefixes of its gates' blocks of weights (W_if, b_hn)."""


class Values:
    """A solution's values by symbol: what each ``Sym`` (and each ∂L/∂·) of its formulas is."""

    def __init__(self, s: Solution) -> None:
        self.s, self.p = s, s.problem
        self.depth = len(self.p.layers)

    def _row(self, sample: int | str | None) -> int | None:
        if not self.p.batched:
            return 0
        return None if sample is None else int(sample) - 1

    def _per_sample(self, values: np.ndarray, sym: Sym) -> Any:
        if isinstance(sym.sample, str):
            raise Unevaluable("a generic sample")
        row = self._row(sym.sample)
        if len(sym.index) > 1 and values.ndim > 2:  # a cell of a map: (channel,) row, column
            return self._cell(values, sym, row)
        values = values.reshape(values.shape[0], -1)  # one index: the flat, row-major unit
        if sym.index:
            (j,) = sym.index
            if isinstance(j, str):
                raise Unevaluable("a generic index")
            return values[row, j - 1] if row is not None else values[:, j - 1]
        if values.shape[1] == 1 and not sym.bold:
            return values[row or 0, 0] if row is not None else values[:, 0]
        if row is None:
            return values  # a batch: one row per sample
        return values[row].reshape(-1, 1)  # one sample: a column

    def _cell(self, values: np.ndarray, sym: Sym, row: int | None) -> Any:
        """x₂₁ of a one-channel map (the channel left out), x₁₂₁ of one of several."""
        if any(isinstance(i, str) for i in sym.index):
            raise Unevaluable("a generic index")
        place = tuple(int(i) - 1 for i in sym.index)
        if len(place) == values.ndim - 2:  # one channel: its index left out
            place = (0, *place)
        cells = values[(slice(None), *place)]
        return cells[row] if row is not None else cells

    def _output_shaped(self, values: np.ndarray) -> np.ndarray:
        """Outputs and targets (a vector per sample) in the last layer's per-sample shape."""
        return values.reshape(values.shape[0], *self.p.layers[-1].output.dims)

    def _layer(self, sym: Sym) -> int:
        return 1 if sym.layer is None else sym.layer

    def _param(self, values: np.ndarray, sym: Sym) -> Any:
        if any(isinstance(i, str) for i in sym.index):
            raise Unevaluable("a generic index")
        if not sym.index:
            return (
                values
                if values.ndim == 2 and sym.bold
                else values.reshape(-1, 1)
                if sym.bold
                else values.reshape(-1)[0]
            )
        if values.ndim > len(sym.index) > 1:  # a kernel's leading axes of size 1 left out
            values = values.reshape(values.shape[values.ndim - len(sym.index) :])
        return (
            values[tuple(int(i) - 1 for i in sym.index)]
            if values.ndim == len(sym.index)
            else values.reshape(-1)[int(sym.index[0]) - 1]
        )

    def __call__(self, e: Expr) -> Any:
        if isinstance(e, Partial):
            return self.gradient(e)
        assert isinstance(e, Sym)
        s, p, r = self.s, self.p, self.s.layers
        base = e.base
        sequence = p.arrangement is Arrangement.SEQUENCE
        if sequence and (base in RECURRENT or base[:2] in BLOCKS or base == "x"):
            return self._recurrent(e)
        if base == "x":
            return self._per_sample(p.x, e)
        if base == "y":
            return self._per_sample(self._output_shaped(p.y), e)
        if base == "yhat":
            return self._per_sample(self._output_shaped(s.output), e)
        if base in ("z", "a", "delta"):
            result = r[self._layer(e) - 1]
            return self._per_sample({"z": result.z, "a": result.a, "delta": result.delta}[base], e)
        if base in ("w", "W"):
            return self._param(r[self._layer(e) - 1].layer.params["W"], e)
        if base == "b":
            return self._param(r[self._layer(e) - 1].layer.params["b"], e)
        momentum = base == "m" and not e.index and e.sample is None and not e.bold
        if base in ("gamma", "beta", "mu", "sigma2", "xhat", "m") and not momentum:
            try:
                return self._layer_kind_value(e)
            except KeyError as error:
                raise Unevaluable(f"no {base} in this layer") from error
        if base in ("epsilon", "p", "m"):  # a layer kind's setting: that of the first layer with it
            setting = {"epsilon": "eps", "p": "p", "m": "momentum"}[base]
            for layer in p.layers:
                if hasattr(layer.kind, setting):
                    return getattr(layer.kind, setting)
        if base == "L":
            return s.loss
        if base == "L_data" and s.loss_data is not None:
            return s.loss_data
        if base == "R" and s.penalty is not None:
            return s.penalty
        if base == "ell":
            return s.sample_losses[int(e.sample) - 1]  # type: ignore[arg-type]
        if base == "eta" and s.update is not None:
            return s.update.learning_rate
        if base == "N":
            return p.loss.count(p.samples)
        if base == "K":
            return p.outputs
        raise Unevaluable(f"the symbol {base}")

    def _recurrent(self, e: Sym) -> Any:
        """A recurrent layer's symbol at step t: xₜ, hₜ, cₜ, aₜ, a gate, a block of W or b,
        δ of a gate; values of one sample are columns."""
        if any(isinstance(i, str) and not i.isdigit() for i in e.index):
            raise Unevaluable("a generic step")
        result = self.s.layers[self._layer(e) - 1]
        kind, cache = result.layer.kind, result.cache
        params = kind.full(result.layer.params)
        u = cache.unrolled
        row = 0 if e.sample is None else int(e.sample) - 1
        t = int(e.index[0]) if e.index else None
        hidden = params["W_hh"].shape[1]
        base = e.base

        def column(v: np.ndarray) -> Any:
            return v.reshape(-1, 1) if e.bold else v.reshape(-1)[0]

        if base in ("W_ih", "W_hh", "b_ih", "b_hh", "b"):
            value = params["b_ih" if base == "b" else base]
            return value if value.ndim == 2 else column(value)
        if base[:2] in BLOCKS and len(base) == 4:  # W_if: gate f's block of W_ih
            which = "W_ih" if base[0] == "W" and base[2] == "i" else "W_hh"
            if base[0] == "b":
                which = "b_ih" if base[2] == "i" else "b_hh"
            k = kind.cell.gates.index(base[3])
            value = params[which][k * hidden : (k + 1) * hidden]
            return value if value.ndim == 2 else column(value)
        if t is None:
            raise Unevaluable(f"{base} of no step")
        if base == "x":
            return column(u.x[row, t - 1])
        if base == "hstate":
            return column(u.h_prev(t)[row])
        if base == "cstate":
            return column(u.c_prev(t)[row])
        if base == "preact":
            return column(u.step(t - 1).pre[row])
        if base.startswith("gate_"):
            k = kind.cell.gates.index(base[5:])
            return column(u.step(t - 1).gates[row, k * hidden : (k + 1) * hidden])
        back = kind.through(result.layer.params, cache, result.delta)
        if base in ("delta_a", "delta_ih"):
            return column(back.delta_ih[row, t - 1])
        if base == "delta_hh":
            return column(back.delta_hh[row, t - 1])
        if base.startswith("delta_"):
            k = kind.cell.gates.index(base[6:])
            return column(back.delta_ih[row, t - 1, k * hidden : (k + 1) * hidden])
        raise Unevaluable(f"the symbol {base}")

    def _recurrent_gradient(self, v: Sym) -> Any:
        """∂L/∂hₜ or ∂L/∂cₜ: the whole gradient reaching the state (output and next step)."""
        result = self.s.layers[self._layer(v) - 1]
        back = result.layer.kind.through(result.layer.params, result.cache, result.delta)
        row = 0 if v.sample is None else int(v.sample) - 1
        t = int(v.index[0])
        values = back.dh if v.base == "hstate" else back.dc
        return values[row, t - 1].reshape(-1, 1) if v.bold else values[row, t - 1, 0]

    def _layer_kind_value(self, e: Sym) -> Any:
        """γ, β (one per unit), μ, σ² (per unit for batch norm, per sample for layer norm),
        x̂ and the dropout mask m (per sample) of a normalisation or dropout layer."""
        result = self.s.layers[self._layer(e) - 1]
        named = result.layer.kind.named(result.cache)
        source = {"mu": "mean", "sigma2": "var", "xhat": "x_hat", "m": "mask"}
        values = (
            result.layer.params[e.base] if e.base in ("gamma", "beta") else named[source[e.base]]
        )
        if values.ndim == 2 and (e.base in ("xhat", "m") or values.shape[1] > 1):
            return self._per_sample(values, e)
        if values.ndim == 2:  # one per sample (layer norm's μ[n]): a column of the batch
            row = self._row(e.sample)
            return values[row, 0] if row is not None else values
        if e.index:
            return values[int(e.index[0]) - 1]
        return values if self.p.batched else values.reshape(-1, 1)

    def gradient(self, e: Partial) -> Any:
        """∂L/∂v for a value v of the solution (another partial has no value by itself)."""
        if not (isinstance(e.numerator, Sym) and e.numerator.base in ("L", "L_data")):
            raise Unevaluable("a local derivative")
        if e.numerator.base == "L_batch":  # a mini-batch's loss: its gradients are its own
            raise Unevaluable("a mini-batch's gradient")
        v = e.denominator
        assert isinstance(v, Sym)
        if v.base in ("hstate", "cstate") and e.numerator.base == "L":
            return self._recurrent_gradient(v)
        r = self.s.layers
        if e.numerator.base == "L_data":  # a covered parameter's data-loss gradient
            base = "W" if v.base in ("w", "W") else v.base
            grads = r[self._layer(v) - 1].data_grads
            if base not in grads:
                raise Unevaluable(f"∂L_data/∂{v.base}")
            return self._param(grads[base], v)
        if v.base == "yhat":
            return self._per_sample(self._output_shaped(r[-1].grad_a), v)
        if v.base == "a":
            return self._per_sample(r[self._layer(v) - 1].grad_a, v)
        if v.base == "z":
            return self._per_sample(r[self._layer(v) - 1].delta, v)
        if v.base == "x":
            return self._per_sample(self.s.dx, v)
        if v.base in ("w", "W"):
            return self._param(r[self._layer(v) - 1].grads["W"], v)
        if v.base == "b":
            return self._param(r[self._layer(v) - 1].grads["b"], v)
        raise Unevaluable(f"∂L/∂{v.base}")


def _same(found: Any, step: Step) -> bool:
    found = np.asarray(found, dtype=float)
    want = np.asarray(step.value, dtype=float)
    if found.size != want.size:
        return False
    return bool(np.allclose(found.reshape(want.shape), want, rtol=1e-9, atol=1e-12))


def checked(solution: Solution) -> tuple[int, int, list[str]]:
    """(substitutions evaluated, formulas evaluated, the steps whose maths is wrong)."""
    problem = solution.problem
    functions = formula_functions((layer.activation for layer in problem.layers), problem.batched)
    values = Values(solution)
    substitutions = formulas = 0
    wrong: list[str] = []
    for step in solution.steps:
        if step.substitution is not None:
            try:
                found = evaluate(step.substitution, functions)
            except Unevaluable:
                pass
            else:
                substitutions += 1
                if not _same(found, step):
                    wrong.append(f"{step.symbol}: substitution")
        for i, form in enumerate(step.forms):
            try:
                found = evaluate(form, functions, values)
            except Unevaluable:
                continue
            formulas += 1
            if not _same(found, step):
                wrong.append(f"{step.symbol}: formula {i + 1}")
    return substitutions, formulas, wrong


@pytest.mark.parametrize("name", ["ex1", "ex2", "ex3", "ex4", "ex5"])
def test_every_step_of_the_bundled_exercises_evaluates_to_its_value(name: str) -> None:
    substitutions, formulas, wrong = checked(solve(load(name)))
    assert wrong == []
    assert substitutions > 0 and formulas > 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_step_of_a_random_network_evaluates_to_its_value(doc: dict[str, Any]) -> None:
    doc["learning_rate"] = 0.1
    with np.errstate(all="ignore"):
        solution = solve(load_doc(doc))
    substitutions, _, wrong = checked(solution)
    assert wrong == []
    assert substitutions > 0


OPTIMIZERS = st.one_of(
    st.builds(
        lambda lr, mu, damp, nesterov, wd, convention: {
            "name": "sgd",
            "learning_rate": lr,
            "momentum": mu,
            "dampening": 0.0 if nesterov or convention == "ema" else damp,
            "nesterov": nesterov and convention != "ema",
            "weight_decay": wd,
            "convention": convention,
        },
        st.floats(0.01, 1),
        st.floats(0.1, 0.95),
        st.floats(0, 0.5),
        st.booleans(),
        st.sampled_from([0.0, 0.1]),
        st.sampled_from(["pytorch", "classic", "ema"]),
    ),
    st.builds(
        lambda lr, acc, wd: {
            "name": "adagrad",
            "learning_rate": lr,
            "initial_accumulator": acc,
            "weight_decay": wd,
        },
        st.floats(0.01, 1),
        st.sampled_from([0.0, 0.1]),
        st.sampled_from([0.0, 0.1]),
    ),
    st.builds(
        lambda lr, alpha, mu, wd: {
            "name": "rmsprop",
            "learning_rate": lr,
            "alpha": alpha,
            "momentum": mu,
            "weight_decay": wd,
        },
        st.floats(0.001, 0.1),
        st.floats(0.5, 0.99),
        st.sampled_from([0.0, 0.5]),
        st.sampled_from([0.0, 0.1]),
    ),
    st.builds(
        lambda name, lr, b1, b2, eps, wd: {
            "name": name,
            "learning_rate": lr,
            "beta1": b1,
            "beta2": b2,
            "eps": eps,
            "weight_decay": wd,
        },
        st.sampled_from(["adam", "adamw"]),
        st.floats(0.001, 0.5),
        st.floats(0.5, 0.99),
        st.floats(0.9, 0.9999),
        st.sampled_from([1e-8, 0.1]),
        st.sampled_from([0.0, 0.1]),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), OPTIMIZERS, st.integers(1, 3))
def test_every_update_step_of_every_optimizer_evaluates_to_its_value(
    doc: dict[str, Any], optimizer: dict[str, Any], steps: int
) -> None:
    doc["optimizer"] = optimizer
    doc["steps"] = steps
    with np.errstate(all="ignore"):
        solution = solve(load_doc(doc))
    substitutions, _, wrong = checked(solution)
    assert wrong == []
    updates = [step for step in solution.steps if step.phase.value == "update"]
    assert len(updates) >= solution.problem.parameters > 0 or not solution.problem.parameters
    assert substitutions >= len(updates)


def _two_layer(write: Any, activation: str, loss: str = "mse") -> Solution:
    path = write(
        f"""
        input: [0.5, -1]
        target: 0.3
        layers:
          - {{weights: [[0.4, 0.3], [0.2, -0.6]], activation: {activation}}}
          - {{weights: [[0.7, -0.2]]}}
        loss: {loss}
        """
    )
    return solve(load(str(path)))


@pytest.mark.parametrize(
    ("owner", "method", "wrong", "activation", "loss"),
    [
        (
            activations.Tanh,
            "derivative",
            lambda self, z, a, value=None: Sub(num(1), a),
            "tanh",
            "mse",
        ),
        (
            activations.GELU,
            "derivative",
            lambda self, z, a, value=None: Call("Φ", (z,)),
            "gelu",
            "mse",
        ),
        (
            activations.Softplus,
            "derivative",
            lambda self, z, a, value=None: Call("σ", (Mul((num(2), z)),)),
            "softplus",
            "mse",
        ),
        (
            losses.LOSSES["mae"],
            "term_grad",
            lambda self, yhat, y: Call("sign", (Sub(y, yhat),)),
            "sigmoid",
            "mae",
        ),
    ],
)
def test_a_wrong_derivative_formula_is_caught(
    write: Any,
    monkeypatch: pytest.MonkeyPatch,
    owner: Any,
    method: str,
    wrong: Any,
    activation: str,
    loss: str,
) -> None:
    assert checked(_two_layer(write, activation, loss))[2] == []
    monkeypatch.setattr(owner, method, wrong)  # the formula shown changes; the numbers do not
    assert checked(_two_layer(write, activation, loss))[2] != []


def test_the_penalty_and_its_gradient_share_are_checked(write: Any) -> None:
    path = write(
        """
        input: [1.0, 2.0]
        target: 0.5
        layers:
          - {weights: [[0.1, 0.2], [0.3, -0.4]], bias: [0.1, 0.1], activation: sigmoid}
          - {weights: [[0.5, 0.6]], bias: 0.2}
        loss: mse
        regularization: {name: l2, lambda: 0.01}
        """
    )
    solution = solve(load(str(path)))
    substitutions, formulas, wrong = checked(solution)
    assert wrong == [] and substitutions > 0 and formulas > 0
    shown = {step.symbol for step in solution.steps}
    assert {"loss_data", "penalty", "loss", "dW1_data", "dW1", "dW2_data", "dW2"} <= shown
    total = next(step for step in solution.steps if step.symbol == "dW1")
    penalty = next(step for step in solution.steps if step.symbol == "penalty")
    assert evaluate(total.forms[0], {}, Values(solution)) is not None  # evaluated, not skipped
    assert evaluate(penalty.forms[0], {}, Values(solution)) == pytest.approx(0.00455)


def test_a_wrong_penalty_gradient_formula_is_caught(
    write: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backprop_cli.nn.regularizers.l2 import L2

    doc = """
        input: [1.0, 2.0]
        target: 0.5
        layers:
          - {weights: [[0.1, 0.2], [0.3, -0.4]], activation: sigmoid}
          - {weights: [[0.5, 0.6]]}
        loss: mse
        regularization: {name: l2, lambda: 0.01}
        """
    assert checked(solve(load(str(write(doc)))))[2] == []
    monkeypatch.setattr(L2, "grad_term", lambda self, theta: Mul((num(2 * self.strength), theta)))
    assert "dW1: formula 1" in checked(solve(load(str(write(doc)))))[2]
