"""The quantities a student works out, by report name, in the order they are worked out.

    z1 → a1 → z2 → … → output → loss → delta_L → dW_L, db_L → delta_{L−1} → … → dx
       → W1_new, b1_new, …

Each `Quantity` knows its expected value (from the `Solution`), the quantities
it is computed from, and how to compute it from *any* values of those, one
textbook step at a time. That lets `check` carry a student's own earlier
values forward (is z2 right for the student's a1?) and `diagnosis` work out
what a common mistake would have given.

Values have the engine's canonical shapes: per-sample quantities N × width,
weights outputs × inputs, biases (outputs,), the loss a 0-d array.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

import numpy as np

from backprop_cli.grade.quantity import Array, Quantity, Values
from backprop_cli.grade.training_quantities import Training
from backprop_cli.load.problem import Layer
from backprop_cli.nn.layers.base import LayerMistake, Params
from backprop_cli.nn.losses import Loss
from backprop_cli.nn.optimizers import Optimizer
from backprop_cli.nn.regularizers import Regularizer
from backprop_cli.solve.records import Solution

__all__ = ["Array", "Graph", "Quantity", "Values", "world"]


class Graph:
    """The quantities of one solution in dependency order, with the formulas that link them."""

    def __init__(self, solution: Solution) -> None:
        self.solution = solution
        self.problem = solution.problem
        self.depth = len(self.problem.layers)
        self.quantities = tuple(self._build())
        self.index = {q.name: i for i, q in enumerate(self.quantities)}

    def __getitem__(self, name: str) -> Quantity:
        return self.quantities[self.index[name]]

    def __contains__(self, name: str) -> bool:
        return name in self.index

    def layer(self, l: int) -> Layer:
        return self.problem.layers[l - 1]

    # --- the textbook steps, from any values ----------------------------

    def a_prev(self, l: int, v: Values) -> Array:
        """The input of layer ``l``: x for the first layer, else a_{l−1}."""
        return self.problem.x if l == 1 else v[f"a{l - 1}"]

    def a_out(self, l: int, v: Values) -> Array:
        """Layer ``l``'s output as the student carries it on (the last one is ``output``)."""
        return v["output"] if l == self.depth else v[f"a{l}"]

    def params(self, l: int) -> Params:
        return self.layer(l).params

    def z(self, l: int, v: Values) -> Array:
        layer = self.layer(l)
        return layer.kind.forward(layer.params, self.a_prev(l, v))[0]  # z = W·a + b for dense

    def named(self, l: int, name: str, v: Values) -> Array:
        """A layer kind's own quantity (batch norm's x̂), its forward pass re-run."""
        layer = self.layer(l)
        return layer.kind.named(layer.kind.forward(layer.params, self.a_prev(l, v))[1])[name]

    def mistaken(
        self, l: int, name: str, mistake: LayerMistake, v: Values, step: int | None = None
    ) -> Array:
        """Layer ``l``'s quantity ``name`` (``z``, one of its kind's, or a parameter's gradient
        ``dW``) with ``mistake`` made; of one time step where ``step`` says."""
        layer = self.layer(l)
        wrong = mistake.mistaken(layer.kind)
        z, cache = wrong.forward(layer.params, self.a_prev(l, v))
        base = name.removeprefix("d")
        if name.startswith("d") and base in layer.params:  # its backward pass, from δ
            return wrong.backward(layer.params, cache, v[f"delta{l}"])[1][base]
        value = z if name == "z" else wrong.named(cache)[name]
        return value if step is None else value[:, step]

    def named_step(self, l: int, name: str, step: int, v: Values) -> Array:
        """A layer kind's quantity at one time step (a recurrent layer's h at t = step + 1)."""
        return self.named(l, name, v)[:, step]

    def mistaken_back(self, l: int, mistake: LayerMistake, v: Values) -> Array:
        """What layer ``l`` sends back (∂L/∂x for layer 1) when its kind makes ``mistake``."""
        layer = self.layer(l)
        wrong = mistake.mistaken(layer.kind)
        _, cache = wrong.forward(layer.params, self.a_prev(l, v))
        return wrong.backward(layer.params, cache, v[f"delta{l}"])[0]

    def a(self, l: int, v: Values) -> Array:
        return self.layer(l).activation.fn(v[f"z{l}"])  # a = f(z)

    def output(self, v: Values) -> Array:
        last = v[f"a{self.depth}"]
        return np.reshape(last, (np.shape(last)[0], -1))  # a vector per sample, as the target

    def loss_data(self, v: Values, function: Loss | None = None) -> Array:
        """The loss of the outputs (made with ``function`` instead, for a loss's mistake)."""
        p = self.problem
        return p.loss.total((function or p.loss.function).value(v["output"], p.y))

    def loss(self, v: Values) -> Array:
        """L: the data loss, plus the penalty where there is one."""
        if self.problem.regularization is None:
            return self.loss_data(v)
        return np.asarray(v["loss_data"] + v["penalty"])

    def penalty(self, v: Values, reg: Regularizer | None = None) -> Array:
        """R of the problem's own weights (by ``reg`` instead, for a mistake)."""
        reg = reg or self.problem.regularization
        assert reg is not None
        return np.asarray(
            sum(
                reg.penalty(layer.params[base])
                for layer in self.problem.layers
                for base in reg.covers(layer.kind.weights, layer.kind.biases)
            )
        )

    def layer_backward(
        self, l: int, v: Values, delta: Array, instead: Params | None = None
    ) -> tuple[Array, dict[str, Array]]:
        """Layer ``l``'s own backward pass from δ_l, its forward pass re-run on the given
        values (and on other parameters, ``instead``, when a mistake says so)."""
        layer = self.layer(l)
        theta = instead or layer.params
        _, cache = layer.kind.forward(theta, self.a_prev(l, v))
        return layer.kind.backward(theta, cache, delta)

    def back_through(self, l: int, v: Values, instead: Params | None = None) -> Array:
        """∂L/∂a_{l−1} from δ_l: what layer ``l`` sends back (W_lᵀδ_l for a dense layer)."""
        return self.layer_backward(l, v, v[f"delta{l}"], instead)[0]

    def grad_a(self, l: int, v: Values) -> Array:
        """∂L/∂a_l: from the loss at the output, else from δ_{l+1}."""
        p = self.problem
        if l == self.depth:
            return p.loss.weight(p.samples) * p.loss.function.grad(v["output"], p.y)  # ∂L/∂ŷ
        return self.back_through(l + 1, v)

    def delta(self, l: int, v: Values) -> Array:
        """δ_l = ∂L/∂a_l ⊙ f′(z_l) (Jᵀ∂L/∂a for softmax; ŷ − y, scaled, when fused)."""
        p, f, z = self.problem, self.layer(l).activation, v[f"z{l}"]
        if l == self.depth and self.solution.fused:
            fused = p.loss.weight(p.samples) * p.loss.function.fused_delta(v["output"], p.y)
            return np.reshape(fused, np.shape(z))
        # the output is a vector per sample, as the target: laid out back in z's shape
        a, grad = self.a_out(l, v), self.grad_a(l, v)
        return f.backward(z, np.reshape(a, np.shape(z)), np.reshape(grad, np.shape(z)))

    def gradient(
        self, l: int, base: str, v: Values, reg: Regularizer | None = None, shared: bool = True
    ) -> Array:
        """∂L/∂θ of parameter ``base`` of layer ``l`` from δ_l (summed over the samples), plus
        the penalty's share where it covers θ (by ``reg`` instead, or none, for a mistake)."""
        grad = self.layer_backward(l, v, v[f"delta{l}"])[1][base]
        reg = reg or self.problem.regularization
        kind = self.layer(l).kind
        if shared and reg is not None and base in reg.covers(kind.weights, kind.biases):
            grad = grad + reg.grad(self.params(l)[base])  # ∂L_data/∂θ + ∂R/∂θ
        return grad

    def dx(self, v: Values) -> Array:
        return self.back_through(1, v)

    def updated(self, l: int, base: str, v: Values, optimizer: Optimizer) -> Array:
        """Parameter ``base`` of layer ``l`` after one update by ``optimizer``."""
        theta = self.params(l)[base]
        grad = v[f"d{self.layer(l).param_name(base)}"]
        return optimizer.step(theta, grad, optimizer.init_state(theta), 1)[0]

    def after_steps(self, name: str, v: Values) -> Array:
        """A parameter after several updates: not a function of one gradient, so the solution's."""
        return self[name].expected

    # --- building ----------------------------------------------------------

    def _build(self) -> Iterator[Quantity]:
        s, p, depth = self.solution, self.problem, self.depth
        for r in s.layers:
            l, f = r.index, r.layer.activation
            prev = "x" if l == 1 else f"a{l - 1}"
            inputs = () if l == 1 else (prev,)
            formula = r.layer.kind.z_formula(l, prev)
            for name, value in r.layer.kind.named(r.cache).items():
                compute = partial(self.named, l, name)
                text = f"{name} of {prev}"
                if value.ndim >= 2:  # one per sample (N × …)
                    yield self._per_sample(f"{name}{l}", name, l, value, inputs, compute, text)
                else:
                    yield Quantity(f"{name}{l}", name, l, value, inputs, compute, text)
                if value.ndim == 3:  # samples × time steps × units: also each step's own
                    short = name.removeprefix("gate_")
                    for t in range(value.shape[1]):
                        yield Quantity(
                            f"{short}{l}_t{t + 1}",
                            name,
                            l,
                            value[:, t],
                            inputs,
                            partial(self.named_step, l, name, t),
                            f"{name} of layer {l} at t = {t + 1}",
                            per_sample=True,
                            oriented=self.problem.batched,
                            step=t,
                        )
            yield self._per_sample(f"z{l}", "z", l, r.z, inputs, partial(self.z, l), formula)
            formula = f"z{l}" if f.identity else f"{f.label}(z{l})"
            yield self._per_sample(f"a{l}", "a", l, r.a, (f"z{l}",), partial(self.a, l), formula)
        last = f"a{depth}"
        yield self._per_sample("output", "output", None, s.output, (last,), self.output, last)
        formula = f"{p.loss.function.abbreviation} of output and target"
        if p.regularization is not None and s.loss_data is not None and s.penalty is not None:
            data, penalty = np.asarray(s.loss_data), np.asarray(s.penalty)
            yield Quantity(
                "loss_data", "loss_data", None, data, ("output",), self.loss_data, formula
            )
            words = f"{p.regularization.name} penalty of the weights"
            yield Quantity("penalty", "penalty", None, penalty, (), self.penalty, words)
            sources: tuple[str, ...] = ("loss_data", "penalty")
            formula = "loss_data + penalty"
        else:
            sources = ("output",)
        if not p.upstream:  # an exercise that gives ∂L/∂ŷ has no loss to check
            yield Quantity("loss", "loss", None, np.asarray(s.loss), sources, self.loss, formula)
        for r in reversed(s.layers):
            yield from self._backward(r.index)
        formula = self.layer(1).kind.pass_back_formula(1)
        yield self._per_sample("dx", "dx", None, s.dx, ("delta1",), self.dx, formula)
        if s.update is not None:
            yield from Training(self).quantities()

    def _per_sample(
        self,
        name: str,
        kind: str,
        layer: int | None,
        expected: Array,
        inputs: tuple[str, ...],
        compute: Callable[[Values], Array],
        formula: str,
    ) -> Quantity:
        batched = self.problem.batched
        return Quantity(
            name, kind, layer, expected, inputs, compute, formula, per_sample=True, oriented=batched
        )

    def _backward(self, l: int) -> Iterator[Quantity]:
        r, f = self.solution.layers[l - 1], self.layer(l).activation
        last = l == self.depth
        inputs: tuple[str, ...] = (
            (f"z{l}", "output") if last else (f"delta{l + 1}", f"z{l}", f"a{l}")
        )
        if last and self.solution.fused:
            formula = "output − target (the loss and the activation's derivatives combined)"
        else:
            incoming = "upstream" if self.problem.upstream else "∂L/∂output"
            if not last:
                sent = self.layer(l + 1).kind.pass_back_formula(l + 1)
                incoming = sent if sent == f"delta{l + 1}" else f"({sent})"
            derivative = f"{f.label}′(z{l})" if f.elementwise else "the softmax Jacobian"
            formula = f"{incoming} ⊙ {derivative}"
        yield self._per_sample(
            f"delta{l}", "delta", l, r.delta, inputs, partial(self.delta, l), formula
        )
        prev = "x" if l == 1 else f"a{l - 1}"
        over = " (summed over the samples)" if self.problem.batched else ""
        for base, grad in r.grads.items():
            name = r.layer.param_name(base)
            oriented = grad.ndim == 2
            inputs = (f"delta{l}",) if l == 1 or not oriented else (f"delta{l}", prev)
            formula = f"delta{l}·{prev}ᵀ{over}" if oriented else f"delta{l}{over}"
            compute = partial(self.gradient, l, base)
            yield Quantity(
                f"d{name}", f"d{base}", l, grad, inputs, compute, formula, oriented=oriented
            )


def world(graph: Graph, given: Values) -> Values:
    """Every quantity as the student has it: their value where given, else computed from theirs."""
    values: Values = {}
    with np.errstate(all="ignore"):
        for q in graph.quantities:
            values[q.name] = given[q.name] if q.name in given else q.compute(values)
    return values
