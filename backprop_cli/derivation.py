"""The worked solution as steps: each quantity's formula, substitution and value.

Built from the values the engine found (nothing is recomputed but the
factors a step shows, such as f′(z)). Element-by-element steps are made for
small layers (at most `DETAIL_UNITS` units and inputs) of small batches (at
most `DETAIL_SAMPLES` samples); the matrix form of every step is always made,
its numbers held by reference, so a large network costs no copies.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from backprop_cli.expr import (
    Add,
    Call,
    Expr,
    Frac,
    Hadamard,
    MatMul,
    Matrix,
    Mul,
    Neg,
    Partial,
    Sub,
    Sum,
    Sym,
    Transpose,
    column,
    num,
)
from backprop_cli.notation import Notation, transpose
from backprop_cli.trace import LayerResult, Phase, Solution, Step

DETAIL_UNITS = 8
DETAIL_SAMPLES = 4
DETAIL_TERMS = 16
"""Sums over outputs or samples are written out term by term up to this many terms."""


def steps(solution: Solution, first_update: dict[str, np.ndarray]) -> tuple[Step, ...]:
    derivation = _Derivation(solution, first_update)
    return (
        *derivation.forward(),
        *derivation.loss(),
        *derivation.backward(),
        *derivation.update(),
    )


def _sum(terms: Sequence[Expr]) -> Expr:
    return terms[0] if len(terms) == 1 else Add(tuple(terms))


def _product(factors: Sequence[Expr]) -> Expr:
    return factors[0] if len(factors) == 1 else Mul(tuple(factors))


class _Derivation:
    def __init__(self, solution: Solution, first_update: dict[str, np.ndarray]) -> None:
        self.s = solution
        self.p = solution.problem
        self.n = Notation(self.p)
        self.first_update = first_update
        self.depth = len(self.p.layers)
        self.samples = range(self.p.samples) if self.p.samples <= DETAIL_SAMPLES else range(0)

    # --- helpers ---------------------------------------------------------

    def small(self, result: LayerResult) -> bool:
        l = result.index
        return self.n.width(l) <= DETAIL_UNITS and self.n.width(l - 1) <= DETAIL_UNITS

    def per_sample(self, values: np.ndarray) -> np.ndarray:
        """The report's shape: a flat vector for a single input, rows per sample for a batch."""
        return values if self.p.batched else values[0]

    def name(self, base: str, n: int, *index: int) -> str:
        parts = ([n] if self.p.batched else []) + list(index)
        return base + "".join(f"[{i}]" for i in parts)

    def vector(self, values: np.ndarray) -> Matrix:
        """A per-sample quantity as numbers: a column for one input, rows per sample for a batch."""
        return Matrix(values) if self.p.batched else column(values[0])

    def step(
        self,
        phase: Phase,
        symbol: str,
        lhs: Expr,
        forms: tuple[Expr, ...],
        substitution: Expr | None,
        value: np.ndarray | float,
        layer: int | None = None,
        element: bool = False,
        sample: int | None = None,
        assign: bool = False,
    ) -> Step:
        return Step(
            phase,
            symbol,
            lhs,
            forms,
            substitution,
            np.asarray(value),
            layer,
            element,
            sample if self.p.batched else None,
            assign,
        )

    def coefficient(self, outputs: bool) -> list[Expr]:
        """The factors s·(1/N)·(1/K) in front of a loss derivative (those that are not 1)."""
        factors: list[Expr] = []
        if self.p.loss.scale != 1.0:
            factors.append(num(self.p.loss.scale))
        if self.p.samples > 1:
            factors.append(Frac(num(1), num(self.p.samples)))
        if outputs and self.p.loss.function.mean_over_outputs and self.p.outputs > 1:
            factors.append(Frac(num(1), num(self.p.outputs)))
        return factors

    def negate(self, e: Expr) -> Expr:
        return Neg(e) if self.p.loss.function.negated else e

    # --- forward ---------------------------------------------------------

    def forward(self) -> Iterator[Step]:
        for result in self.s.layers:
            if result.layer.dense:
                yield from self.weighted_sums(result)
            yield from self.activations(result)

    def weighted_sums(self, r: LayerResult) -> Iterator[Step]:
        l, n = r.index, self.n
        W, b = r.layer.weights, r.layer.bias
        assert W is not None and b is not None
        units, inputs = W.shape
        if self.small(r):
            for s in self.samples:
                for j in range(units):
                    ks = range(inputs)
                    form = _sum(
                        [Mul((n.w(l, j, k), n.a(l - 1, k, s)), dot=False) for k in ks] + [n.b(l, j)]
                    )
                    subst = _sum(
                        [Mul((num(W[j, k]), num(r.a_prev[s, k]))) for k in ks] + [num(b[j])]
                    )
                    yield self.step(
                        Phase.FORWARD,
                        self.name(f"z{l}", s, j),
                        n.z(l, j, s),
                        (form,),
                        subst,
                        r.z[s, j],
                        l,
                        True,
                        s,
                    )
        if self.p.batched:
            form = Add((MatMul((n.a(l - 1), transpose(n.W(l)))), transpose(n.b(l))))
            subst = Add((MatMul((Matrix(r.a_prev), Transpose(Matrix(W)))), Transpose(column(b))))
        else:
            form = Add((MatMul((n.W(l), n.a(l - 1))), n.b(l)))
            subst = Add((MatMul((Matrix(W), column(r.a_prev[0]))), column(b)))
        yield self.step(Phase.FORWARD, f"z{l}", n.z(l), (form,), subst, self.per_sample(r.z), l)

    def activations(self, r: LayerResult) -> Iterator[Step]:
        l, n, f = r.index, self.n, r.layer.activation
        units = r.z.shape[1]
        if self.small(r):
            for s in self.samples:
                zs = tuple(n.z(l, j, s) for j in range(units))
                values = tuple(num(v) for v in r.z[s])
                for j in range(units):
                    forms = tuple(dict.fromkeys((f.call(zs[j]), f.formula(zs, j))))
                    yield self.step(
                        Phase.FORWARD,
                        self.name(f"a{l}", s, j),
                        n.a(l, j, s),
                        forms,
                        f.formula(values, j),
                        r.a[s, j],
                        l,
                        True,
                        s,
                    )
        yield self.step(
            Phase.FORWARD,
            f"a{l}",
            n.a(l),
            (f.call(n.z(l)),),
            f.call(self.vector(r.z)),
            self.per_sample(r.a),
            l,
        )

    # --- loss ------------------------------------------------------------

    def loss(self) -> Iterator[Step]:
        p, n, loss = self.p, self.n, self.p.loss.function
        outputs = p.outputs
        y_hat, y = self.s.output, p.y
        mean = [Frac(num(1), num(outputs))] if loss.mean_over_outputs and outputs > 1 else []

        def per_sample(yh: list[Expr], ys: list[Expr]) -> Expr:
            return self.negate(
                _product([*mean, _sum([loss.term(a, b) for a, b in zip(yh, ys, strict=True)])])
            )

        ks = range(outputs)
        if outputs <= DETAIL_TERMS:

            def symbolic(s: int | None) -> Expr:
                return per_sample([n.yhat(k, s) for k in ks], [n.y(k, s) for k in ks])

            def numeric(s: int) -> Expr:
                return per_sample([num(v) for v in y_hat[s]], [num(v) for v in y[s]])
        else:
            k_sym = Sym("k")

            def symbolic(s: int | None) -> Expr:
                body = loss.term(Sym("yhat", (k_sym.base,)), Sym("y", (k_sym.base,)))
                return self.negate(_product([*mean, Sum(body, "k", num(1), Sym("K"))]))

            def numeric(s: int) -> Expr:
                return symbolic(s)

        scale = [num(p.loss.scale)] if p.loss.scale != 1.0 else []
        if not p.batched:
            form = _product([*scale, symbolic(None)])
            subst = _product([*scale, numeric(0)]) if outputs <= DETAIL_TERMS else None
            yield self.step(Phase.LOSS, "loss", n.loss(), (form,), subst, self.s.loss)
            return
        for s in self.samples:
            yield self.step(
                Phase.LOSS,
                f"loss_per_sample[{s}]",
                n.loss(s),
                (symbolic(s),),
                numeric(s) if outputs <= DETAIL_TERMS else None,
                self.s.sample_losses[s],
                element=True,
                sample=s,
            )
        count = p.samples
        form = _product(
            [*scale, Frac(num(1), num(count)), Sum(Sym("ell", ("n",)), "n", num(1), Sym("N"))]
        )
        subst = None
        if count <= DETAIL_TERMS:
            subst = _product(
                [*scale, Frac(num(1), num(count)), _sum([num(v) for v in self.s.sample_losses])]
            )
        yield self.step(Phase.LOSS, "loss", n.loss(), (form,), subst, self.s.loss)

    # --- backward --------------------------------------------------------

    def backward(self) -> Iterator[Step]:
        for r in reversed(self.s.layers):
            if r.index == self.depth:
                yield from self.output_delta(r)
            else:
                yield from self.hidden_delta(r)
            if r.layer.dense:
                yield from self.parameter_gradients(r)
        yield from self.input_gradient()

    def output_delta(self, r: LayerResult) -> Iterator[Step]:
        l, n, f, loss = r.index, self.n, r.layer.activation, self.p.loss.function
        units = r.z.shape[1]
        y = self.p.y
        coef = self.coefficient(outputs=True)
        small = self.small(r) or units <= DETAIL_UNITS
        form: Expr
        if not self.s.fused:
            if small:
                for s in self.samples:
                    for k in range(units):
                        form = _product([*coef, loss.term_grad(n.yhat(k, s), n.y(k, s))])
                        numbers = _product([*coef, loss.term_grad(num(r.a[s, k]), num(y[s, k]))])
                        yield self.step(
                            Phase.BACKWARD,
                            self.name(f"da{l}", s, k),
                            Partial(Sym("L"), n.yhat(k, s)),
                            (form,),
                            numbers,
                            r.grad_a[s, k],
                            l,
                            True,
                            s,
                        )
            form = _product([*coef, loss.term_grad(n.yhat(), n.y())])
            yield self.step(
                Phase.BACKWARD,
                f"da{l}",
                Partial(Sym("L"), n.yhat()),
                (form,),
                None,
                self.per_sample(r.grad_a),
                l,
            )
        if small:
            for s in self.samples:
                for k in range(units):
                    yield self.output_delta_element(r, s, k, coef)
        if self.s.fused:
            form = _product([*coef, Sub(n.yhat(), n.y())])
            subst: Expr | None = _product([*coef, Sub(self.vector(r.a), self.vector(y))])
        elif f.elementwise:
            assert r.fprime is not None
            form = Hadamard(Partial(Sym("L"), n.yhat()), Call(f.label, (n.z(l),), prime=True))
            subst = Hadamard(self.vector(r.grad_a), self.vector(r.fprime))
        else:
            form = MatMul((Transpose(Partial(n.yhat(), n.z(l))), Partial(Sym("L"), n.yhat())))
            subst = None
        yield self.step(
            Phase.BACKWARD, f"delta{l}", n.delta(l), (form,), subst, self.per_sample(r.delta), l
        )

    def output_delta_element(self, r: LayerResult, s: int, k: int, coef: list[Expr]) -> Step:
        l, n, f, loss = r.index, self.n, r.layer.activation, self.p.loss.function
        y = self.p.y
        chain = Mul((Partial(Sym("L"), n.yhat(k, s)), Partial(n.yhat(k, s), n.z(l, k, s))))
        if self.s.fused:
            forms: tuple[Expr, ...] = (
                chain,
                _product([*coef, loss.fused_term(n.yhat(k, s), n.y(k, s))]),
            )
            subst = _product([*coef, loss.fused_term(num(r.a[s, k]), num(y[s, k]))])
        elif f.elementwise:
            grad_form = _product([*coef, loss.term_grad(n.yhat(k, s), n.y(k, s))])
            grad_subst = _product([*coef, loss.term_grad(num(r.a[s, k]), num(y[s, k]))])
            forms = (
                Mul((Partial(Sym("L"), n.yhat(k, s)), Call(f.label, (n.z(l, k, s),), prime=True))),
                Mul((grad_form, f.derivative(n.z(l, k, s), n.yhat(k, s)))),
            )
            subst = Mul(
                (grad_subst, f.derivative(num(r.z[s, k]), num(r.a[s, k]), float(r.z[s, k])))
            )
        else:
            forms, subst = self.softmax_delta(r, s, k)
        return self.step(
            Phase.BACKWARD,
            self.name(f"delta{l}", s, k),
            n.delta(l, k, s),
            forms,
            subst,
            r.delta[s, k],
            l,
            True,
            s,
        )

    def softmax_delta(self, r: LayerResult, s: int, i: int) -> tuple[tuple[Expr, ...], Expr]:
        """δᵢ = aᵢ(gᵢ − Σⱼ gⱼaⱼ) with g = ∂L/∂a: the softmax Jacobian applied to g."""
        l, n = r.index, self.n
        units = r.z.shape[1]
        a_sym = [n.a(l, j, s) for j in range(units)]
        g_sym = [Partial(Sym("L"), a_sym[j]) for j in range(units)]
        a_j = Sym("yhat" if l == self.depth else "a", ("j",), None if self.depth == 1 else l)
        chain = Sum(Mul((Partial(Sym("L"), a_j), Partial(a_j, n.z(l, i, s)))), "j")
        form = Mul(
            (a_sym[i], Sub(g_sym[i], _sum([Mul((g_sym[j], a_sym[j])) for j in range(units)]))),
            dot=False,
        )
        g, a = r.grad_a[s], r.a[s]
        subst = Mul(
            (num(a[i]), Sub(num(g[i]), _sum([Mul((num(g[j]), num(a[j]))) for j in range(units)])))
        )
        return (chain, form), subst

    def hidden_delta(self, r: LayerResult) -> Iterator[Step]:
        l, n, f = r.index, self.n, r.layer.activation
        above = self.s.layers[l]  # layer l + 1 (0-based list)
        W = above.layer.weights
        units = r.z.shape[1]
        if self.small(r) and self.small(above):
            for s in self.samples:
                for j in range(units):
                    if W is None:
                        g_form: Expr = n.delta(l + 1, j, s)
                        g_subst: Expr = num(above.delta[s, j])
                    else:
                        ks = range(W.shape[0])
                        g_form = _sum(
                            [Mul((n.w(l + 1, k, j), n.delta(l + 1, k, s)), dot=False) for k in ks]
                        )
                        g_subst = _sum([Mul((num(W[k, j]), num(above.delta[s, k]))) for k in ks])
                    yield self.step(
                        Phase.BACKWARD,
                        self.name(f"da{l}", s, j),
                        Partial(Sym("L"), n.a(l, j, s)),
                        (g_form,),
                        g_subst,
                        r.grad_a[s, j],
                        l,
                        True,
                        s,
                    )
            for s in self.samples:
                for j in range(units):
                    yield self.hidden_delta_element(r, s, j)
        if W is None:
            g_form, g_subst = n.delta(l + 1), self.vector(above.delta)
        elif self.p.batched:
            g_form = MatMul((n.delta(l + 1), n.W(l + 1)))
            g_subst = MatMul((Matrix(above.delta), Matrix(W)))
        else:
            g_form = MatMul((transpose(n.W(l + 1)), n.delta(l + 1)))
            g_subst = MatMul((Transpose(Matrix(W)), column(above.delta[0])))
        yield self.step(
            Phase.BACKWARD,
            f"da{l}",
            Partial(Sym("L"), n.a(l)),
            (g_form,),
            g_subst,
            self.per_sample(r.grad_a),
            l,
        )
        if f.elementwise:
            assert r.fprime is not None
            form: Expr = Hadamard(Partial(Sym("L"), n.a(l)), Call(f.label, (n.z(l),), prime=True))
            subst: Expr | None = Hadamard(self.vector(r.grad_a), self.vector(r.fprime))
        else:
            form = MatMul((Transpose(Partial(n.a(l), n.z(l))), Partial(Sym("L"), n.a(l))))
            subst = None
        yield self.step(
            Phase.BACKWARD, f"delta{l}", n.delta(l), (form,), subst, self.per_sample(r.delta), l
        )

    def hidden_delta_element(self, r: LayerResult, s: int, j: int) -> Step:
        l, n, f = r.index, self.n, r.layer.activation
        chain = Mul((Partial(Sym("L"), n.a(l, j, s)), Partial(n.a(l, j, s), n.z(l, j, s))))
        if f.elementwise:
            forms: tuple[Expr, ...] = (
                chain,
                Mul((Partial(Sym("L"), n.a(l, j, s)), f.derivative(n.z(l, j, s), n.a(l, j, s)))),
            )
            subst: Expr = Mul(
                (
                    num(r.grad_a[s, j]),
                    f.derivative(num(r.z[s, j]), num(r.a[s, j]), float(r.z[s, j])),
                )
            )
        else:
            forms, subst = self.softmax_delta(r, s, j)
        return self.step(
            Phase.BACKWARD,
            self.name(f"delta{l}", s, j),
            n.delta(l, j, s),
            forms,
            subst,
            r.delta[s, j],
            l,
            True,
            s,
        )

    def parameter_gradients(self, r: LayerResult) -> Iterator[Step]:
        l, n = r.index, self.n
        assert r.dW is not None and r.db is not None
        units, inputs = r.dW.shape
        shown = list(self.samples)
        if self.small(r) and shown:
            for j in range(units):
                for k in range(inputs):
                    chain = Mul((Partial(Sym("L"), n.z(l, j)), Partial(n.z(l, j), n.w(l, j, k))))
                    terms = [Mul((n.delta(l, j, s), n.a(l - 1, k, s)), dot=False) for s in shown]
                    values = [Mul((num(r.delta[s, j]), num(r.a_prev[s, k]))) for s in shown]
                    forms = (terms[0],) if not self.p.batched else (_sum(terms),)
                    yield self.step(
                        Phase.BACKWARD,
                        f"dW{l}[{j}][{k}]",
                        Partial(Sym("L"), n.w(l, j, k)),
                        (chain, *forms) if not self.p.batched else forms,
                        _sum(values),
                        r.dW[j, k],
                        l,
                        True,
                    )
            for j in range(units):
                deltas = [n.delta(l, j, s) for s in shown]
                numbers = [num(r.delta[s, j]) for s in shown]
                chain = Mul((Partial(Sym("L"), n.z(l, j)), Partial(n.z(l, j), n.b(l, j))))
                yield self.step(
                    Phase.BACKWARD,
                    f"db{l}[{j}]",
                    Partial(Sym("L"), n.b(l, j)),
                    (chain, _sum(deltas)),
                    _sum(numbers),
                    r.db[j],
                    l,
                    True,
                )
        if self.p.batched:
            w_form: Expr = MatMul((transpose(n.delta(l)), n.a(l - 1)))
            w_subst: Expr = MatMul((Transpose(Matrix(r.delta)), Matrix(r.a_prev)))
            b_form: Expr = Sum(n.delta(l, None, None), "n")
            b_subst: Expr | None = None
        else:
            w_form = MatMul((n.delta(l), transpose(n.a(l - 1))))
            w_subst = MatMul((column(r.delta[0]), Transpose(column(r.a_prev[0]))))
            b_form, b_subst = n.delta(l), column(r.delta[0])
        yield self.step(
            Phase.BACKWARD, f"dW{l}", Partial(Sym("L"), n.W(l)), (w_form,), w_subst, r.dW, l
        )
        yield self.step(
            Phase.BACKWARD, f"db{l}", Partial(Sym("L"), n.b(l)), (b_form,), b_subst, r.db, l
        )

    def input_gradient(self) -> Iterator[Step]:
        n, first = self.n, self.s.layers[0]
        W = first.layer.weights
        if W is None:
            form: Expr = n.delta(1)
            subst: Expr = self.vector(first.delta)
        elif self.p.batched:
            form = MatMul((n.delta(1), n.W(1)))
            subst = MatMul((Matrix(first.delta), Matrix(W)))
        else:
            form = MatMul((transpose(n.W(1)), n.delta(1)))
            subst = MatMul((Transpose(Matrix(W)), column(first.delta[0])))
        yield self.step(
            Phase.BACKWARD,
            "dx",
            Partial(Sym("L"), n.x()),
            (form,),
            subst,
            self.per_sample(self.s.dx),
        )

    # --- update ----------------------------------------------------------

    def update(self) -> Iterator[Step]:
        if self.s.update is None:
            return
        n, eta = self.n, self.s.update.learning_rate
        eta_sym = Sym("eta")
        suffix = "_new" if self.s.update.steps == 1 else "_step1"
        for r in self.s.layers:
            if r.dW is None or r.db is None or r.layer.weights is None or r.layer.bias is None:
                continue
            l = r.index
            W, b = r.layer.weights, r.layer.bias
            W_new, b_new = self.first_update[f"W{l}"], self.first_update[f"b{l}"]
            if self.small(r):
                for j in range(W.shape[0]):
                    for k in range(W.shape[1]):
                        w = n.w(l, j, k)
                        form = Sub(w, Mul((eta_sym, Partial(Sym("L"), w))))
                        subst = Sub(num(W[j, k]), Mul((num(eta), num(r.dW[j, k]))))
                        yield self.step(
                            Phase.UPDATE,
                            f"W{l}{suffix}[{j}][{k}]",
                            w,
                            (form,),
                            subst,
                            W_new[j, k],
                            l,
                            True,
                            assign=True,
                        )
                for j in range(W.shape[0]):
                    bj = n.b(l, j)
                    form = Sub(bj, Mul((eta_sym, Partial(Sym("L"), bj))))
                    subst = Sub(num(b[j]), Mul((num(eta), num(r.db[j]))))
                    yield self.step(
                        Phase.UPDATE,
                        f"b{l}{suffix}[{j}]",
                        bj,
                        (form,),
                        subst,
                        b_new[j],
                        l,
                        True,
                        assign=True,
                    )
            for sym, old, grad, new, name in (
                (n.W(l), Matrix(W), Matrix(r.dW), W_new, f"W{l}"),
                (n.b(l), column(b), column(r.db), b_new, f"b{l}"),
            ):
                form = Sub(sym, Mul((eta_sym, Partial(Sym("L"), sym))))
                yield self.step(
                    Phase.UPDATE,
                    f"{name}{suffix}",
                    sym,
                    (form,),
                    Sub(old, Mul((num(eta), grad))),
                    new,
                    l,
                    assign=True,
                )
