"""A `Solution` arranged as a worked model answer, in blocks every human format writes.

The order is the exercise's: title, description, tasks (each with where it is
answered), conventions, the network, forward pass, loss, backward pass,
gradients, update, insights, final answers, notes, variants. Nothing is
computed here: values come from the solution, formulas from its steps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator

from backprop_cli import kinds
from backprop_cli.expr import (
    Expr,
    Frac,
    Message,
    Mul,
    Partial,
    Pow,
    Rel,
    Sub,
    Sum,
    Sym,
    Text,
    num,
)
from backprop_cli.nn.layers.shapes import Arrangement
from backprop_cli.render import gradient_check, network_picture, unrolled_picture, variants, worked
from backprop_cli.render.context import Layout
from backprop_cli.render.document import (
    Answers,
    Block,
    Cell,
    Document,
    Heading,
    Items,
    Paragraph,
    Table,
)
from backprop_cli.render.shown_values import per_sample, value_expr
from backprop_cli.solve.records import Solution

EXPLAIN = ("explain", "why")
"""A task asking for an explanation is answered in the notes (and insights) alone."""

TASK_SECTIONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("what happens", "what if", "instead of"), "Variants"),
    (EXPLAIN, "Notes"),
    (("update", "learning rate", "gradient descent"), "Update"),
    (("gradient", "backprop", "derive", "derivative", "chain rule", "∂"), "Backward pass"),
    (("loss", "error", "entropy"), "Loss"),
    (("forward", "output", "pre-activation", "softmax", "compute ŷ", "activation"), "Forward pass"),
)
"""Where a task statement is answered: every section one of whose keywords it contains."""

L, YHAT, Y = Sym("L"), Sym("yhat"), Sym("y")

SECTION_ORDER = ("Forward pass", "Loss", "Backward pass", "Update", "Insights", "Variants", "Notes")


def header(c: Layout) -> Iterator[Block]:
    yield Heading(c.p.title, 1)
    if c.p.overridden:
        said = ", ".join(c.p.overridden)
        yield Paragraph(
            (f"Solved with {said} (the description and notes below are the file's own).",)
        )
    if c.p.description:
        yield Paragraph((c.p.description,), "note")


def tasks(c: Layout) -> Iterator[Block]:
    if c.p.tasks:
        yield Heading("Tasks", 2)
        yield Items(tuple(task(c, text) for text in c.p.tasks), numbered=True)


def task(c: Layout, text: str) -> Message:
    if not c.pointers:
        return (text,)
    # "the gradient of the loss" asks for a gradient, not for the loss.
    lowered = re.sub(r"\b(gradient|derivative)s? of the loss\b", r"\1", text.lower())
    present = {
        "Variants": bool(c.s.variants),
        "Notes": bool(c.p.notes),
        "Update": c.s.update is not None,
    }
    sections = {
        section
        for keywords, section in TASK_SECTIONS
        if any(word in lowered for word in keywords) and present.get(section, True)
    }
    if "Notes" in sections and any(word in lowered for word in EXPLAIN):
        sections = {"Notes", "Insights"} if c.s.insights else {"Notes"}
    if not sections:
        return (text, " → see the worked solution below")
    ordered = [name for name in SECTION_ORDER if name in sections]
    return (text, " → answered under " + " and ".join(f"“{name}”" for name in ordered))


def conventions(c: Layout) -> Iterator[Block]:
    p, loss = c.p, c.p.loss.function
    k, n = p.outputs, p.samples
    outputs = "1 output" if k == 1 else f"{k} outputs"
    how = f"mean over {outputs}" if loss.mean_over_outputs else f"summed over {outputs}"
    over = "averaged over" if p.loss.averaged else "summed over (no 1/N)"
    steps = p.rows_per_sample
    rows = f"{n} (sample, time step) rows" if steps > 1 else f"{n} samples"
    batch = f", {over} {rows}" if n > 1 else ""
    if p.loss.over is not None:  # SSE over sequences: each sample's steps summed
        batch = f", summed over each sample's {steps} time steps"
        batch += f", {over} {p.loss.over} samples" if p.loss.over > 1 else ""
    scale = f", scaled by {p.loss.scale:g}" if p.loss.scale != 1 else ""
    items: list[Message] = [] if p.upstream else [_loss_convention(c, f"{how}{batch}{scale}")]
    if loss.convention(k):
        items.append(loss.convention(k))
    if p.regularization:
        items.append((*p.regularization.convention(), " L = L_data + R."))
    ratio = loss.half_ratio(k, p.loss.scale)
    if ratio is not None and p.loss.scale == 1:
        residual = Sub(Sym("yhat", ("k",)), Sym("y", ("k",)))
        half = Mul((Frac(num(1), num(2)), Sum(Pow(residual, num(2)), "k")), dot=False)
        if ratio == 0.5:
            effect = "every gradient halves."
        elif ratio == 1:
            effect = f"the loss and every gradient are the same (½Σ over {outputs} is their mean)."
        else:
            effect = f"the loss and every gradient are {ratio:g} times these (½Σ is {k}/2 times the mean)."
        items.append(
            (
                "With the ½ convention, ",
                Rel(L, "=", half),
                f" (i.e. {{name: sse, scale: 0.5}}), {effect}",
            )
        )
    if c.s.fused:
        items.append(
            (
                "The loss is computed from the last layer's pre-activation (the logits), which "
                "keeps it finite for any z; its gradient there is ",
                Rel(Sym("delta"), "=", Sub(YHAT, Y)),
                ".",
            )
        )
    kinds = dict.fromkeys(result.layer.kind for result in c.s.layers)
    items += [(kind.convention,) for kind in kinds if kind.convention is not None]
    at_kinks = dict.fromkeys(
        rule for result in c.s.layers for rule in result.layer.activation.at_kinks()
    )
    if at_kinks:
        rules: list[str | Expr] = []
        for i, rule in enumerate(at_kinks):
            rules += [", " if i else "", rule]
        items.append(("At a kink the derivative is taken as for z < 0: ", *rules, "."))
    if loss.negated:  # the cross-entropies: minus a sum of logs
        items.append(("log is the natural logarithm.",))
    if p.arrangement is Arrangement.SEQUENCE:  # the recurrent layer's equations and gate order
        first = c.s.layers[0].layer
        items.append((f"Layer 1 ({first.kind.name}): ", *first.kind.note(c.n, 1)))
    if steps > 1:
        samples = int(p.x.shape[0])
        who = "the sample" if samples == 1 else f"each of the {samples} samples"
        which = (
            "time step n"
            if samples == 1
            else f"sample ⌈n/{steps}⌉ at step ((n − 1) mod {steps}) + 1"
        )
        items.append(
            (
                f"After the recurrent layer {who} gives {steps} rows, "
                f"one per time step: [n] above it marks row n (of {n}), {which}; the loss "
                "treats every row as a prediction (mean or sum as it says).",
            )
        )
    elif p.batched:
        within = (
            "each sample's ∂L/∂ŷ as given (any 1/N is in it)."
            if p.upstream
            else "1/N of the mean inside δ."
            if p.loss.averaged
            else "loss summed: no 1/N."
        )
        items.append(
            (f"[n] marks sample n (of {n}); gradients are summed over the samples, with " + within,)
        )
    if c.s.update is not None and c.s.update.optimizer.conventions():
        items.append((f"Update: {c.s.update.optimizer.conventions()}.",))
    if c.s.round_intermediate is not None:
        items.append(
            (
                f"Textbook rounding is on: every intermediate value is rounded to "
                f"{c.s.round_intermediate} decimals before it is used, half up.",
            )
        )
    yield Heading("Conventions", 2)
    yield Items(tuple(items))


def _loss_convention(c: Layout, how: str) -> Message:
    """Loss: MSE (mean squared error), mean over 1 output: L = (ŷ − y)²."""
    loss = c.p.loss.function
    data = "loss_data" if c.p.regularization else "loss"  # the data loss's own formula
    (loss_step,) = (s for s in c.s.steps if s.symbol == data)
    return (
        f"Loss: {loss.abbreviation} ({loss.title}), {how}: ",
        Rel(loss_step.lhs, "=", loss_step.forms[0]),
        ".",
    )


def network(c: Layout) -> Iterator[Block]:
    dims = "×".join  # a vector's units are its length; an image's C×H×W
    rows: list[tuple[Cell, ...]] = [("input", "x", dims(map(str, c.p.input_shape.dims)), "", "")]
    for result in c.s.layers:
        layer, act = result.layer, result.layer.activation
        alpha = f" (α = {act.alpha:g})" if act.alpha is not None else ""
        origin = f"drawn: {layer.init.scheme}, seed {layer.init.seed}" if layer.init else "given"
        params = f"{layer.parameters} ({origin})" if layer.params else "—"
        rows.append(
            (
                str(layer.index),
                layer.name or layer.kind.name,
                dims(map(str, layer.output.dims)),
                act.name + alpha,
                params,
            )
        )
    yield Heading("Network", 2)
    yield Table(("layer", "name", "units", "activation", "parameters"), tuple(rows))
    over_time = c.p.arrangement is Arrangement.SEQUENCE  # drawn unrolled, a column per step
    yield (unrolled_picture if over_time else network_picture).picture(c)


def insights(c: Layout) -> Iterator[Block]:
    if c.s.insights:
        yield Heading("Insights", 2)
        for insight in c.s.insights:
            yield Paragraph(insight.message, "insight")


def answers(c: Layout) -> Iterator[Block]:
    """The boxed answers. With several steps, the values of the first pass (the one derived in
    detail) say so, and the loss and the parameters after the last step follow."""
    n, update = c.n, c.s.update
    several = update is not None and update.steps > 1

    def first(symbol: Expr) -> Expr:
        return Mul((symbol, Text(" (first pass)")), dot=False) if several else symbol

    items: list[tuple[Expr, Expr]] = [(first(n.yhat()), value_expr(per_sample(c.s, c.s.output)))]
    if not c.p.upstream:  # an exercise that gives ∂L/∂ŷ has no loss to state
        items.append((first(Sym("L")), num(c.s.loss)))
    for result in reversed(c.s.layers):
        for base, grad in result.grads.items():
            symbol = result.layer.kind.param_symbol(n, result.index, base, None)
            items.append((first(Partial(Sym("L"), symbol)), value_expr(grad)))
    if not any(result.grads for result in c.s.layers):
        delta = value_expr(per_sample(c.s, c.s.layers[0].delta))
        items.append((first(Partial(Sym("L"), n.z(1))), delta))
    if update is not None:
        when = "new" if update.steps == 1 else f"after {update.steps} steps"
        if several and not c.p.upstream:
            final_loss = num(float(update.loss_history[-1]))
            items.append((Mul((Sym("L"), Text(f" ({when})")), dot=False), final_loss))
        for name, value in update.params.items():
            label = "frozen, unchanged" if name in update.frozen else when
            items.append(
                (Mul((c.param_symbol(name), Text(f" ({label})")), dot=False), value_expr(value))
            )
    yield Answers("Final answers", tuple(items))


def notes(c: Layout) -> Iterator[Block]:
    if c.p.notes:
        yield Heading("Notes", 2)
        yield Paragraph((c.p.notes,), "note")


SECTIONS: dict[str, Callable[[Layout], Iterator[Block]]] = {
    "tasks": tasks,
    "conventions": conventions,
    "network": network,
    "forward": worked.forward,
    "loss": worked.loss,
    "backward": worked.backward,
    "gradients": worked.gradients,
    "check": lambda c: gradient_check.section(c.s),
    "update": worked.update,
    "insights": insights,
    "answers": answers,
    "notes": notes,
    "variants": variants.variants,
}
"""The writer of each part of a worked solution after its title and description, by the
names of `sections.NAMES`, in their order."""


def network_layout(
    solution: Solution,
    max_rows: int = 8,
    sections: Collection[str] | None = None,
    pointers: bool = True,
) -> Document:
    """The worked solution of a network as blocks, tables elided beyond ``max_rows`` rows:
    its title and description, then the named ``sections`` (default: all) in their order;
    each task with where it is answered when ``pointers``."""
    context = Layout(solution, max_rows, pointers)
    chosen = [name for name in SECTIONS if sections is None or name in sections]
    return (
        *header(context),
        *(block for name in chosen for block in SECTIONS[name](context)),
    )


def layout(
    solution: Solution,
    max_rows: int = 8,
    sections: Collection[str] | None = None,
    pointers: bool = True,
) -> Document:
    """The worked solution of a problem of any kind as blocks (its kind lays it out)."""
    return kinds.of(solution).layout(solution, max_rows, sections, pointers)
