"""The worked sections: forward pass, loss, backward pass, gradients, update."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from backprop_cli.expr import Call, Expr, Message, Mul, Partial, Rel, Sub, Sum, Sym, num
from backprop_cli.nn.optimizers.base import SYMBOLS
from backprop_cli.render.document import Block, Cell, Chart, Equations, Heading, Paragraph, Table
from backprop_cli.render.shown_values import (
    built_terms,
    evenly_spaced,
    per_sample,
    shown_rows,
    value_expr,
)
from backprop_cli.render.time_table import time_table
from backprop_cli.solve.records import LayerResult, Phase, Update

if TYPE_CHECKING:
    from backprop_cli.render.context import Layout

L, THETA = Sym("L"), Sym("theta")


def _title(r: LayerResult) -> str:
    return f"Layer {r.index}" + (f" ({r.layer.name})" if r.layer.name else "")


def _units(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def _equations(c: Layout, phase: Phase, layer: int | None) -> Iterator[Block]:
    steps = c.steps(phase, layer)
    if steps:
        yield Equations(steps)


# --- forward -----------------------------------------------------------------


def forward(c: Layout) -> Iterator[Block]:
    yield Heading("Forward pass", 2)
    for r in c.s.layers:
        layer = r.layer
        yield Heading(
            f"{_title(r)}: {layer.kind.name}, {_units(r.layer.width, layer.kind.unit)}, {layer.activation.name}",
            3,
        )
        note = layer.kind.note(c.n, r.index)
        if note:
            yield Paragraph(note, "muted")
        yield neuron_table(c, r)
        yield from time_table(c, r)  # a recurrent layer: its steps, unrolled
        yield from _equations(c, Phase.FORWARD, r.index)


def neuron_table(c: Layout, r: LayerResult) -> Table:
    """Each neuron's weighted sum, pre-activation and activation (rows beyond the limit elided)."""
    kind, flat = r.layer.kind, r.flat()  # a C×H×W output's cells row-major
    samples, units = flat.z.shape
    pairs = [(s, j) for s in range(samples) for j in range(units)]
    shown, elided = shown_rows(len(pairs), c.max_rows)
    rows: list[tuple[Cell, ...]] = []
    column, label = _row_label(c, samples)
    for i in shown:
        s, j = pairs[i]
        row: list[Cell] = [label(s)] if column else []
        row.append(_place(r.z.shape[1:], j))
        if kind.z_column is not None:
            row.append(kind.z_terms(flat, s, j, lambda n: built_terms(n, c.max_rows)))
        row += [num(flat.z[s, j]), num(flat.a[s, j])]
        rows.append(tuple(row))
    f = r.layer.activation
    header: list[Cell] = [column] if column else []
    header += [kind.unit] + ([kind.z_column] if kind.z_column is not None else [])
    header += ["z", "a = z" if f.identity else f"a = {f.label}(z)"]
    return Table(tuple(header), tuple(rows), elided)


def _row_label(c: Layout, rows: int) -> tuple[str, Callable[[int], str]]:
    """The table's first column and each row's entry: the sample (of a batch), or where the
    layers after a recurrent sequence give a row per time step, the step (and sample)."""
    samples = int(c.p.x.shape[0])
    steps = c.p.rows_per_sample if rows > samples else 1
    if steps == 1:
        return ("sample" if c.p.batched else ""), lambda s: str(s + 1)
    if samples == 1:
        return "t", lambda s: str(s + 1)
    return "sample, t", lambda s: f"{s // steps + 1}, {s % steps + 1}"


def _place(shape: tuple[int, ...], j: int) -> str:
    """Unit j's number (1-based): its place in a sample of several axes, the channel first
    when there are several."""
    if len(shape) == 1:
        return str(j + 1)
    place = [int(i) + 1 for i in np.unravel_index(j, shape)]
    return ", ".join(str(i) for i in (place[1:] if shape[0] == 1 else place))


# --- loss --------------------------------------------------------------------


def loss(c: Layout) -> Iterator[Block]:
    if c.p.upstream:
        yield from given_upstream(c)
        return
    yield Heading("Loss", 2)
    function = c.p.loss.function
    yield Paragraph(
        (
            f"{function.title[0].upper()}{function.title[1:]} ({function.abbreviation}) between the output ",
            c.n.yhat(),
            " and the target ",
            c.n.y(),
            ":",
        ),
        "muted",
    )
    yield from _equations(c, Phase.LOSS, None)


def given_upstream(c: Layout) -> Iterator[Block]:
    """In place of the loss: the gradient the exercise gives, where the backward pass starts."""
    yield Heading("Given: the upstream gradient", 2)
    yield Paragraph(
        (
            "The exercise gives the gradient of the loss with respect to the output, ",
            Partial(L, c.n.yhat()),
            ", instead of a loss and a target; the backward pass starts from it:",
        ),
        "muted",
    )
    yield from _equations(c, Phase.LOSS, None)
    if c.p.outputs == 1 and bool(np.all(c.p.y == 1.0)):
        yield Paragraph(
            (
                "With ",
                Rel(Partial(L, c.n.yhat()), "=", num(1)),
                ", every gradient below is the output's own (a circuit's ",
                Partial(c.n.yhat(), THETA),
                ").",
            ),
            "muted",
        )


# --- backward ----------------------------------------------------------------


def backward(c: Layout) -> Iterator[Block]:
    yield Heading("Backward pass", 2)
    yield Paragraph(
        (
            "Going backwards, each layer's error term δ = ∂L/∂z is found from the layer "
            "above it by the chain rule; then each weight's gradient is δ of its neuron "
            "times the input the weight multiplies, and each bias's gradient is δ.",
        ),
        "muted",
    )
    for r in reversed(c.s.layers):
        yield Heading(_title(r), 3)
        yield Paragraph(chain_rule(c, r), "muted")
        yield from _equations(c, Phase.BACKWARD, r.index)
    yield Heading("Gradient with respect to the input", 3)
    # each element first where a layer kind derives them (a convolution's), then the whole
    yield Equations(tuple(s for s in c.s.steps if s.symbol.split("[")[0] == "dx"))


def chain_rule(c: Layout, r: LayerResult) -> Message:
    """The chain rule of this layer, with generic indices: why each factor is there."""
    n, l, f = c.n, r.index, r.layer.activation
    last = l == c.depth
    a_j, z_j = n.a(l, "j"), n.z(l, "j")
    upstream = Partial(L, a_j)
    if last and c.s.fused:
        p = c.p
        averaged = (
            p.samples > 1
            or p.loss.scale != 1
            or (p.loss.function.mean_over_outputs and p.outputs > 1)
        )
        delta_is: Message = (
            ", where ",
            Rel(n.delta(l, "j"), "=", Sub(n.yhat("j"), n.y("j"))),
            " (times the averaging factors)" if averaged else "",
            f": the derivative of {f.label} cancels against the loss's",
        )
    elif last and not f.elementwise:  # softmax: the sum over k below is the whole rule
        delta_is = (
            ", where ",
            Partial(L, n.a(l, "k")),
            " is the given upstream gradient" if c.p.upstream else " is the loss's derivative",
        )
    elif last:
        delta_is = (
            ", where ",
            Rel(n.delta(l, "j"), "=", Mul((upstream, Call(f.label, (z_j,), prime=True)))),
            " (the given upstream gradient times the activation's derivative)"
            if c.p.upstream
            else " (the loss's derivative times the activation's)",
        )
    else:
        above = c.s.layers[l]
        sent = above.layer.kind.sends_back(n, l + 1, above.z[0].size) or n.delta(l + 1, "j")
        delta_is = (", where ", Rel(upstream, "=", sent), f" is the error layer {l + 1} sends back")
    if not f.elementwise:  # every output of a softmax depends on every input: a sum
        a_k = n.a(l, "k")
        jacobian = Sum(Mul((Partial(L, a_k), Partial(a_k, z_j))), "k")
        return ("Chain rule: ", Rel(n.delta(l, "j"), "=", jacobian), *delta_is, ".")
    link = r.layer.kind.chain_to_param(n, l)
    if link is None:
        return (
            "Chain rule: ",
            Rel(n.delta(l, "j"), "=", Mul((upstream, Partial(a_j, z_j)))),
            *delta_is,
            ".",
        )
    w, dz_dw, result = link
    chain = Mul((upstream, Partial(a_j, z_j), dz_dw))
    return ("Chain rule: ", Rel(Rel(Partial(L, w), "=", chain), "=", result), *delta_is, ".")


def gradients(c: Layout) -> Iterator[Block]:
    rows: list[tuple[Cell, ...]] = []
    for r in c.s.layers:
        for base, grad in r.grads.items():
            symbol = r.layer.kind.param_symbol(c.n, r.index, base, None)
            rows.append((Partial(L, symbol), value_expr(grad)))
    (dx,) = (step for step in c.s.steps if step.symbol == "dx")  # named as its step names it
    rows.append((dx.lhs, value_expr(per_sample(c.s, c.s.dx))))
    yield Heading("Gradients", 2)
    yield Table(("gradient", "value"), tuple(rows))


# --- update and training -------------------------------------------------------


def update(c: Layout) -> Iterator[Block]:
    result = c.s.update
    if result is None:
        return
    yield Heading("Update", 2)
    first = " (the first step in detail)" if result.steps > 1 else ""
    optimizer = result.optimizer
    if not optimizer.conventions():
        yield Paragraph(
            (
                "Gradient descent with learning rate ",
                Rel(Sym("eta"), "=", num(result.learning_rate)),
                f"{first}: every parameter moves against its gradient, ",
                Rel(THETA, "←", Sub(THETA, Mul((Sym("eta"), Partial(L, THETA))))),
                ".",
            ),
            "muted",
        )
    else:
        detail = ", the first step in detail," if result.steps > 1 else ""  # no (…) (…)
        yield Paragraph(
            (
                f"{optimizer.title}{detail} as the conventions state it, with ",
                *_settings(result),
                ": for every parameter, its state before and after the update, then the "
                "parameter itself.",
            ),
            "muted",
        )
    if result.frozen:
        names: list[str | Expr] = []
        for name in result.frozen:
            names += [", " if names else "", c.param_symbol(name)]
        yield Paragraph(
            (
                "Frozen, never updated: ",
                *names,
                " (their gradients are shown above all the same).",
            ),
            "muted",
        )
    yield from _mini_batch(c)
    yield from _equations(c, Phase.UPDATE, None)
    if result.steps > 1:
        history = result.loss_history
        shown = evenly_spaced(len(history), c.max_rows)  # the whole run, at a round stride
        states = tuple(result.state_norms)
        yield Heading(f"Training: {result.steps} steps", 3)
        followed = "loss"
        if c.p.upstream:  # no loss: the steps descend L = Σ ∂L/∂ŷ ⊙ ŷ, the given ∂L/∂ŷ fixed
            followed = "Σ ∂L/∂ŷ ⊙ ŷ"
            yield Paragraph(
                (
                    "The given ∂L/∂ŷ is the same at every step, so the steps descend the "
                    "function whose gradient it is, Σ ∂L/∂ŷ ⊙ ŷ (the output weighted by it); "
                    "the table follows that sum.",
                ),
                "muted",
            )
        yield Table(
            ("steps taken", followed, "‖Δθ‖ of the step", *(f"‖{_state_word(k)}‖" for k in states)),
            tuple(
                (
                    str(i),
                    num(float(history[i])),
                    *(
                        ("—",) * (1 + len(states))
                        if i == 0
                        else (
                            num(float(result.update_norms[i - 1])),
                            *(num(float(result.state_norms[k][i - 1])) for k in states),
                        )
                    ),
                )
                for i in shown
            ),
        )
        yield Chart(history, f"{followed} per step")
        params = tuple((c.param_symbol(name), value_expr(v)) for name, v in result.params.items())
        yield Table(("parameter", f"after {result.steps} steps"), params)


_STATE_WORDS = {"velocity": "v"}


def _state_word(key: str) -> str:
    return _STATE_WORDS.get(key, key)


def _settings(result: Update) -> Message:
    """η = 0.1, β₁ = 0.9, …: the optimizer's numbers (those that are numbers, but the zeros
    of terms left out, such as λ = 0)."""
    parts: list[str | Expr] = []
    for key, value in result.optimizer.hyperparameters.items():
        if isinstance(value, float) and (value or key == "learning_rate"):
            parts += [", " if parts else "", Rel(Sym(SYMBOLS[key]), "=", num(value))]
    return tuple(parts)


def _mini_batch(c: Layout) -> Iterator[Block]:
    """Which samples the first update used, and their own gradients, when not all of them."""
    result = c.s.update
    assert result is not None
    used = result.first_batch
    if len(used) == c.p.samples:
        return
    listed = ", ".join(str(i + 1) for i in used)
    over = (
        "given ∂L/∂ŷ of its samples"
        if c.p.upstream
        else ("the mean over its samples" if c.p.loss.averaged else "the sum over its samples")
    )
    yield Paragraph(
        (
            f"Mini-batches of {len(used)} sample{'s' * (len(used) != 1)} in file order, wrapping "
            f"around: the first update uses sample{'s' * (len(used) != 1)} {listed}, and the "
            "gradient of the mini-batch's loss ",
            Sym("L_batch"),
            f" ({over}), derived as the full batch's is, from the values of the forward pass "
            "above:",
        ),
        "muted",
    )
    worked = tuple(step for step in c.s.steps if step.mini_batch)
    chosen = {s.symbol.split("[")[0] for s in worked if s.element}
    shown = tuple(s for s in worked if s.element or s.value.size > 1 or s.symbol not in chosen)
    if shown:
        yield Equations(shown)
    yield Table(
        ("gradient", "value"),
        tuple(
            (Partial(Sym("L_batch"), c.param_symbol(name)), value_expr(g))
            for name, g in result.first_gradients.items()
        ),
    )
