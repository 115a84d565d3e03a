"""A `Solution` arranged as a worked model answer, in blocks every human format writes.

The order is the exercise's: title, description, tasks (each with where it is
answered), conventions, the network, forward pass, loss, backward pass,
gradients, update, insights, final answers, notes, variants. Nothing is
computed here: values come from the solution, formulas from its steps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from backprop_cli.expr import Add, Expr, Matrix, Message, Mul, Partial, Sym, Text, column, num
from backprop_cli.notation import Notation
from backprop_cli.render import gradient_check
from backprop_cli.render.blocks import (
    Answers,
    Block,
    Cell,
    Chart,
    Document,
    Equations,
    Heading,
    Items,
    Paragraph,
    Table,
)
from backprop_cli.trace import LayerResult, Phase, Solution, Step

TASK_SECTIONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("what happens", "what if", "instead of"), "Variants"),
    (("explain", "why"), "Notes"),
    (("update", "learning rate", "gradient descent"), "Update"),
    (("gradient", "backprop", "derive", "derivative", "chain rule", "∂"), "Backward pass"),
    (("loss", "error", "entropy"), "Loss"),
    (("forward", "output", "pre-activation", "softmax", "compute ŷ", "activation"), "Forward pass"),
)
"""Where a task statement is answered: every section one of whose keywords it contains."""

SECTION_ORDER = ("Forward pass", "Loss", "Backward pass", "Update", "Variants", "Notes")


def shown_rows(count: int, max_rows: int) -> tuple[list[int], int]:
    """The rows to show of ``count`` (the first ones and the last) and how many are left out."""
    if count <= max_rows:
        return list(range(count)), 0
    keep = max(max_rows - 1, 1)
    return [*range(keep), count - 1], count - keep - 1


def value_expr(value: np.ndarray) -> Expr:
    """A value as numbers: a scalar, a column vector, or a matrix (1×1 shown as a scalar)."""
    if value.size == 1:
        return num(float(value.reshape(-1)[0]))
    return column(value) if value.ndim == 1 else Matrix(value)


def _per_sample(solution: Solution, values: np.ndarray) -> np.ndarray:
    """A per-sample quantity as the report shapes it: flat for one input, rows for a batch."""
    return values if solution.problem.batched else values[0]


def _units(count: int) -> str:
    return f"{count} neuron" if count == 1 else f"{count} neurons"


class _Layout:
    def __init__(self, solution: Solution, max_rows: int) -> None:
        self.s = solution
        self.p = solution.problem
        self.n = Notation(self.p)
        self.max_rows = max_rows
        self.depth = len(self.p.layers)

    def steps(
        self, phase: Phase, layer: int | None = None, element: bool | None = None
    ) -> tuple[Step, ...]:
        chosen = [
            s
            for s in self.s.steps
            if s.phase == phase
            and (layer is None or s.layer == layer)
            and (element is None or s.element == element)
        ]
        if element is None:
            # A one-element quantity shown element by element needs no matrix form too.
            singles = {s.symbol.split("[")[0] for s in chosen if s.element}
            chosen = [s for s in chosen if s.element or s.value.size > 1 or s.symbol not in singles]
        return tuple(chosen)

    def document(self) -> Document:
        return tuple(
            block
            for section in (
                self.header(),
                self.conventions(),
                self.network(),
                self.forward(),
                self.loss(),
                self.backward(),
                self.gradients(),
                gradient_check.section(self.s),
                self.update(),
                self.insights(),
                self.answers(),
                self.notes(),
                self.variants(),
            )
            for block in section
        )

    # --- header ----------------------------------------------------------

    def header(self) -> Iterator[Block]:
        yield Heading(self.p.title, 1)
        if self.p.description:
            yield Paragraph((self.p.description,), "note")
        if self.p.tasks:
            yield Heading("Tasks", 2)
            yield Items(tuple(self.task(text) for text in self.p.tasks), numbered=True)

    def task(self, text: str) -> Message:
        # "the gradient of the loss" asks for a gradient, not for the loss.
        lowered = re.sub(r"\b(gradient|derivative)s? of the loss\b", r"\1", text.lower())
        sections = [
            section
            for keywords, section in TASK_SECTIONS
            if any(word in lowered for word in keywords) and self.has_section(section)
        ]
        if not sections:
            return (text, " → see the worked solution below")
        ordered = [name for name in SECTION_ORDER if name in sections]
        return (text, " → answered under " + " and ".join(f"“{name}”" for name in ordered))

    def has_section(self, section: str) -> bool:
        present = {
            "Variants": bool(self.s.variants),
            "Notes": bool(self.p.notes),
            "Update": self.s.update is not None,
        }
        return present.get(section, True)

    def conventions(self) -> Iterator[Block]:
        p, loss = self.p, self.p.loss.function
        k, n = p.outputs, p.samples
        outputs = "1 output" if k == 1 else f"{k} outputs"
        mean = f"mean over {outputs}" if loss.mean_over_outputs else f"summed over {outputs}"
        items: list[Message] = [
            (
                f"Loss: {loss.abbreviation} ({loss.title}), {mean}"
                + (f", averaged over {n} samples" if n > 1 else "")
                + (f", scaled by {p.loss.scale:g}" if p.loss.scale != 1 else "")
                + ".",
            )
        ]
        if loss.name in ("mse", "sse") and p.loss.scale == 1:
            items.append(("With the ½ convention (L = ½Σ(ŷ − y)²) every gradient halves.",))
        if self.s.fused:
            items.append(
                (
                    "The loss is computed from the last layer's pre-activation (logits), "
                    "which keeps it finite for any z; its gradient is δ = ŷ − y.",
                )
            )
        items.append(
            (
                "Weights: row j of a layer's W holds neuron j's weights, so z = W·a + b; "
                "a layer's input is the previous layer's output.",
            )
        )
        if any(result.layer.activation.name in ("relu", "leaky_relu") for result in self.s.layers):
            items.append(
                (
                    "At a kink the derivative taken is the right-hand one for z > 0 only: ReLU′(0) = 0.",
                )
            )
        if loss.name in ("binary_cross_entropy", "cross_entropy"):
            items.append(("log is the natural logarithm.",))
        if p.batched:
            items.append(
                (
                    f"[n] marks sample n (of {n}); gradients are summed over the samples, with 1/N inside δ.",
                )
            )
        if self.s.round_intermediate is not None:
            items.append(
                (
                    f"Textbook rounding is on: every intermediate value is rounded to "
                    f"{self.s.round_intermediate} decimals before it is used.",
                )
            )
        yield Heading("Conventions", 2)
        yield Items(tuple(items))

    def network(self) -> Iterator[Block]:
        rows: list[tuple[Cell, ...]] = [("input", "x", str(self.p.x.shape[1]), "", "")]
        for result in self.s.layers:
            layer = result.layer
            units = str(result.z.shape[1])
            act = layer.activation
            alpha = (
                f" (α = {act.alpha:g})" if act.alpha is not None and act.name != "identity" else ""
            )
            params = (
                "—"
                if not layer.dense
                else f"{layer.parameters} ({'drawn: ' + layer.init.scheme + ', seed ' + str(layer.init.seed) if layer.init else 'given'})"
            )
            rows.append(
                (f"{layer.index}", layer.name or layer.kind, units, act.name + alpha, params)
            )
        yield Heading("Network", 2)
        yield Table(("layer", "name", "units", "activation", "parameters"), tuple(rows))

    # --- forward ---------------------------------------------------------

    def forward(self) -> Iterator[Block]:
        yield Heading("Forward pass", 2)
        for result in self.s.layers:
            l, layer = result.index, result.layer
            title = f"Layer {l}" + (f" ({layer.name})" if layer.name else "")
            yield Heading(
                f"{title}: {layer.kind}, {_units(result.z.shape[1])}, {layer.activation.name}", 3
            )
            if not layer.dense:
                yield Paragraph(
                    (
                        "An activation layer has no weights: its pre-activation is its input, ",
                        self.n.z(l),
                        " = ",
                        self.n.a(l - 1),
                        ".",
                    ),
                    "muted",
                )
            yield self.neuron_table(result)
            yield from self.equations(Phase.FORWARD, l)

    def equations(self, phase: Phase, layer: int | None) -> Iterator[Block]:
        steps = self.steps(phase, layer)
        if steps:
            yield Equations(steps)

    def neuron_table(self, r: LayerResult) -> Table:
        _l, _n = r.index, self.n
        W, b = r.layer.weights, r.layer.bias
        samples, units = r.z.shape
        pairs = [(s, j) for s in range(samples) for j in range(units)]
        shown, elided = shown_rows(len(pairs), self.max_rows)
        rows: list[tuple[Cell, ...]] = []
        for i in shown:
            s, j = pairs[i]
            row: list[Cell] = [str(s + 1)] if self.p.batched else []
            row.append(str(j + 1))
            if W is not None and b is not None:
                terms: list[Expr] = [
                    Mul((num(W[j, k]), num(r.a_prev[s, k]))) for k in range(W.shape[1])
                ]
                row.append(Add((*terms, num(b[j]))))
            row += [num(r.z[s, j]), num(r.a[s, j])]
            rows.append(tuple(row))
        header: list[Cell] = ["sample"] if self.p.batched else []
        header += ["neuron"] + (["weighted sum Σ w·a + b"] if W is not None else [])
        header += [
            "z",
            f"a = {r.layer.activation.label}(z)"
            if r.layer.activation.name != "identity"
            else "a = z",
        ]
        return Table(tuple(header), tuple(rows), elided)

    # --- loss ------------------------------------------------------------

    def loss(self) -> Iterator[Block]:
        yield Heading("Loss", 2)
        loss = self.p.loss.function
        yield Paragraph(
            (
                f"{loss.title.capitalize()} ({loss.abbreviation}) between the output ",
                self.n.yhat(),
                " and the target ",
                self.n.y(),
                ":",
            ),
            "muted",
        )
        yield from self.equations(Phase.LOSS, None)

    # --- backward --------------------------------------------------------

    def backward(self) -> Iterator[Block]:
        yield Heading("Backward pass", 2)
        yield Paragraph(
            (
                "Going backwards, each layer's error term ",
                Sym("delta"),
                " = ",
                Partial(Sym("L"), Sym("z")),
                " comes from the one above it by the chain rule; then ",
                Partial(Sym("L"), Sym("w", ("j", "k"))),
                " = ",
                Mul((Sym("delta", ("j",)), Sym("a", ("k",))), dot=False),
                " (the input that weight multiplies) and ",
                Partial(Sym("L"), Sym("b", ("j",))),
                " = ",
                Sym("delta", ("j",)),
                ".",
            ),
            "muted",
        )
        for result in reversed(self.s.layers):
            l, layer = result.index, result.layer
            title = f"Layer {l}" + (f" ({layer.name})" if layer.name else "")
            yield Heading(title, 3)
            if l == self.depth:
                yield Paragraph(self.output_explanation(result), "muted")
            yield from self.equations(Phase.BACKWARD, l)
        yield Heading("Gradient with respect to the input", 3)
        yield from (Equations((step,)) for step in self.s.steps if step.symbol == "dx")

    def output_explanation(self, r: LayerResult) -> Message:
        n, f = self.n, r.layer.activation
        if self.s.fused:
            return (
                "The loss is fused with the ",
                f.name,
                " output: ",
                Partial(Sym("L"), n.z(r.index)),
                " = ",
                Sym("yhat"),
                " − ",
                Sym("y"),
                " (times the averaging factors), because the "
                "activation's derivative cancels against the loss's.",
            )
        return (
            "Start at the output: ",
            n.delta(r.index),
            " = ",
            Partial(Sym("L"), n.yhat()),
            " ⊙ ",
            f.label + "′(",
            n.z(r.index),
            ")" if f.elementwise else " (through the softmax Jacobian)",
            ".",
        )

    def gradients(self) -> Iterator[Block]:
        rows: list[tuple[Cell, ...]] = []
        for result in self.s.layers:
            if result.dW is None or result.db is None:
                continue
            l = result.index
            rows.append((Partial(Sym("L"), self.n.W(l)), value_expr(result.dW)))
            rows.append((Partial(Sym("L"), self.n.b(l)), value_expr(result.db)))
        rows.append((Partial(Sym("L"), self.n.x()), value_expr(self.per_sample(self.s.dx))))
        yield Heading("Gradients", 2)
        yield Table(("gradient", "value"), tuple(rows))

    def per_sample(self, values: np.ndarray) -> np.ndarray:
        return _per_sample(self.s, values)

    # --- update ----------------------------------------------------------

    def update(self) -> Iterator[Block]:
        update = self.s.update
        if update is None:
            return
        yield Heading("Update", 2)
        first = " (the first step in detail)" if update.steps > 1 else ""
        yield Paragraph(
            (
                "Gradient descent with learning rate ",
                Sym("eta"),
                " = ",
                num(update.learning_rate),
                f"{first}: every parameter moves against its gradient, θ ← θ − η ∂L/∂θ.",
            ),
            "muted",
        )
        yield from self.equations(Phase.UPDATE, None)
        if update.steps > 1:
            history = update.loss_history
            shown, elided = shown_rows(len(history), self.max_rows)
            rows = tuple((str(i), num(float(history[i]))) for i in shown)
            yield Heading(f"Training: {update.steps} steps", 3)
            yield Table(("step", "loss before the step"), rows, elided)
            yield Chart(history, "loss")
            params = tuple(
                (self.n.parameter(name), value_expr(v)) for name, v in update.params.items()
            )
            yield Table(("parameter", f"after {update.steps} steps"), params)

    # --- insights, answers, notes, variants --------------------------------

    def insights(self) -> Iterator[Block]:
        if self.s.insights:
            yield Heading("Insights", 2)
            for insight in self.s.insights:
                yield Paragraph(insight.message, "insight")

    def answers(self) -> Iterator[Block]:
        n = self.n
        items: list[tuple[Expr, Expr]] = [
            (n.yhat(), value_expr(self.per_sample(self.s.output))),
            (Sym("L"), num(self.s.loss)),
        ]
        for result in reversed(self.s.layers):
            if result.dW is not None and result.db is not None:
                items.append((Partial(Sym("L"), n.W(result.index)), value_expr(result.dW)))
                items.append((Partial(Sym("L"), n.b(result.index)), value_expr(result.db)))
        if not any(result.dW is not None for result in self.s.layers):
            items.append(
                (Partial(Sym("L"), n.z(1)), value_expr(self.per_sample(self.s.layers[0].delta)))
            )
        if self.s.update is not None:
            suffix = "new" if self.s.update.steps == 1 else f"after {self.s.update.steps} steps"
            for name, value in self.s.update.params.items():
                items.append(
                    (Mul((n.parameter(name), Text(f" ({suffix})")), dot=False), value_expr(value))
                )
        yield Answers("Final answers", tuple(items))

    def notes(self) -> Iterator[Block]:
        if self.p.notes:
            yield Heading("Notes", 2)
            yield Paragraph((self.p.notes,), "note")

    def variants(self) -> Iterator[Block]:
        if not self.s.variants:
            return
        yield Heading("Variants", 2)
        for variant in self.s.variants:
            yield Heading(variant.name, 3)
            other = variant.solution
            changes = ", ".join(f"{path} = {value}" for path, value in variant.assignments)
            yield Paragraph((f"Re-solved with {changes}.",), "muted")
            rows: list[tuple[Cell, ...]] = []
            # A variant may change the network: compare the layers both have.
            for mine, theirs in zip(self.s.layers, other.layers, strict=False):
                rows.append(
                    (
                        self.n.z(mine.index),
                        value_expr(self.per_sample(mine.z)),
                        value_expr(_per_sample(other, theirs.z)),
                    )
                )
            rows.append(
                (
                    self.n.yhat(),
                    value_expr(self.per_sample(self.s.output)),
                    value_expr(_per_sample(other, other.output)),
                )
            )
            rows.append((Sym("L"), num(self.s.loss), num(other.loss)))
            for name, grad in self.s.gradients.items():
                changed = other.gradients.get(name)
                if changed is None or name == "x":
                    continue
                rows.append(
                    (
                        Partial(Sym("L"), self.n.parameter(name)),
                        value_expr(grad),
                        value_expr(changed),
                    )
                )
            yield Table(("quantity", "original", variant.name), tuple(rows))
            for insight in other.insights:
                yield Paragraph(insight.message, "insight")


def layout(solution: Solution, max_rows: int = 8) -> Document:
    """The worked solution of ``solution`` as blocks, tables elided beyond ``max_rows`` rows."""
    return _Layout(solution, max_rows).document()
