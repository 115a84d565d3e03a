"""A graph's solution as the blocks every human format writes (rich, plain, Markdown, LaTeX).

Title, tasks, conventions; the graph (its nodes); the forward pass node by
node; the backward pass from the seed ∂f/∂f = 1, each gradient after the
local rule of the gates it passes through; the gradient table; the update
and its history; insights; the final answers; notes. Nothing is computed
here: values and formulas come from the solution and its steps.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from backprop_cli.expr import Add, Expr, Message, Mul, Partial, Rel, Sub, Sym, Text, num
from backprop_cli.kinds.graph.records import GraphSolution
from backprop_cli.kinds.graph.steps import formula, gradient_symbol, inlined, symbol
from backprop_cli.nn.optimizers.base import SYMBOLS
from backprop_cli.render.document import (
    Answers,
    Block,
    Cell,
    Chart,
    Document,
    Edge,
    Equations,
    Heading,
    Items,
    Node,
    Paragraph,
    Picture,
    Quantity,
    Table,
)
from backprop_cli.render.shown_values import shown_rows
from backprop_cli.solve.records import Phase

ETA = Sym("eta")
DRAWN = 40
"""Nodes (inputs and gates) of the largest graph drawn."""
TABLE_ROWS = 40
"""Rows of the graph's table shown before its middle is elided (at least --max-rows)."""


def header(s: GraphSolution, max_rows: int) -> Iterator[Block]:
    p = s.problem
    yield Heading(p.title, 1)
    if p.description:
        yield Paragraph((p.description,), "note")


def tasks(s: GraphSolution, max_rows: int) -> Iterator[Block]:
    p = s.problem
    if p.tasks:
        yield Heading("Tasks", 2)
        yield Items(tuple((task,) for task in p.tasks), numbered=True)


def conventions(s: GraphSolution, max_rows: int) -> Iterator[Block]:
    p = s.problem
    f = symbol(p.output)
    items: list[Message] = [
        ("Every node is one gate, computed from its inputs in order (the forward pass).",),
        (
            "The backward pass starts from the output, ",
            Rel(gradient_symbol(p.output, p.output), "=", num(1)),
            ", and gives each gate's inputs upstream × local: ",
            Rel(
                Partial(f, Sym("x")),
                "=",
                Mul((Partial(f, Sym("q")), Partial(Sym("q"), Sym("x")))),
            ),
            " for a gate ",
            Sym("q"),
            " reading ",
            Sym("x"),
            ".",
        ),
        (
            "A value used by several gates (or twice by one) gets the sum of the gradients "
            "arriving through each use: the sum over paths.",
        ),
    ]
    gates = {node.gate.name for node in p.nodes}
    if gates & {"relu", "abs"}:
        items.append(("At a kink the local gradient is 0: relu′(0) = 0 and |a|′ = 0 at a = 0.",))
    if gates & {"max", "min"}:
        items.append(("On a tie, max and min send the gradient to their first argument.",))
    if gates & {"log", "pow"}:
        items.append(("log is the natural logarithm.",))
    if p.expression is not None:
        items.append(
            (
                "The expression is staged into one node per operation, n₁, n₂, … in the order "
                "they are evaluated.",
            )
        )
    if s.update is not None and s.update.optimizer.conventions():
        climbs = " (climbing: the rule follows −∂f/∂x, as torch.optim's maximize)"
        items.append(
            (f"Update: {s.update.optimizer.conventions()}{climbs if s.update.ascent else ''}.",)
        )
    yield Heading("Conventions", 2)
    yield Items(tuple(items))


def graph(s: GraphSolution, max_rows: int) -> Iterator[Block]:
    rows: list[tuple[Cell, ...]] = []
    for r in s.nodes:
        if r.node is None:
            rows.append((symbol(r.name), "input", "", num(r.value), num(r.grad)))
        else:
            rows.append(
                (symbol(r.name), r.node.gate.word, formula(r.node), num(r.value), num(r.grad))
            )
    shown, elided = shown_rows(len(rows), max(max_rows, TABLE_ROWS))
    yield Heading("Graph", 2)
    if s.problem.expression is not None:
        nodes = {node.name: node for node in s.problem.nodes}
        output = s.problem.nodes[-1].name
        yield Paragraph(
            (
                "The expression ",
                Rel(symbol(output), "=", inlined(nodes, output)),
                ", staged into one node per operation:",
            ),
            "muted",
        )
    if len(s.nodes) <= DRAWN:
        yield picture(s)
    else:
        yield Paragraph((f"The graph has {len(s.nodes)} nodes, too many to draw.",), "muted")
    yield Table(
        ("node", "gate", "formula", "value", "gradient"),
        tuple(rows[i] for i in shown),
        elided,
    )


def picture(s: GraphSolution) -> Picture:
    """Every input and gate as a node with its value (green) and gradient (red), an arrow
    from each argument (two for a value a gate reads twice), as the lecture draws it."""
    f = symbol(s.problem.output)
    nodes, edges = [], []
    for r in s.nodes:
        name = symbol(r.name)
        quantities = (Quantity(name, r.value), Quantity(Partial(f, name), r.grad, True))
        nodes.append(Node(r.name, name, quantities, 0 if r.node is None else None))
        edges += [Edge(source, r.name) for source in r.inputs]
    return Picture("The graph", tuple(nodes), tuple(edges))


def forward(s: GraphSolution, max_rows: int) -> Iterator[Block]:
    yield Heading("Forward pass", 2)
    yield Equations(tuple(step for step in s.steps if step.phase == Phase.FORWARD))


def backward(s: GraphSolution, max_rows: int) -> Iterator[Block]:
    p = s.problem
    nodes = {node.name: node for node in p.nodes}
    yield Heading("Backward pass", 2)
    steps = [step for step in s.steps if step.phase == Phase.BACKWARD]
    yield Paragraph(
        (
            "The seed: the output's gradient with respect to itself, ",
            Rel(gradient_symbol(p.output, p.output), "=", num(1)),
            ". Each gradient below is the upstream gradient times the gate's local gradient.",
        ),
        "muted",
    )
    explained: set[str] = set()
    for step in steps[1:]:
        result = s.node(step.symbol[1:])
        parts: list[str | Expr] = []
        for consumer in dict.fromkeys(t.consumer for t in result.paths):
            if consumer in explained:
                continue
            explained.add(consumer)
            node = nodes[consumer]
            parts += [Rel(symbol(consumer), "=", formula(node)), f": {node.gate.rule}. "]
        if len(result.paths) > 1:
            parts.append(
                f"{result.name} is used {len(result.paths)} times: one term per path, summed."
            )
        if parts:
            yield Paragraph(tuple(parts), "muted")
        yield Equations((step,))


def gradients(s: GraphSolution, max_rows: int) -> Iterator[Block]:
    p = s.problem
    f = symbol(p.output)
    rows = tuple(
        (symbol(name), num(s.node(name).value), Rel(Partial(f, symbol(name)), "=", num(grad)))
        for name, grad in s.gradients.items()
    )
    yield Heading("Gradients", 2)
    yield Table(("input", "value", "gradient"), rows)


def gradient_check(s: GraphSolution, max_rows: int) -> Iterator[Block]:
    check = s.gradient_check
    if check is None:
        return
    yield Heading("Gradient check", 2)
    kinks = f" ({len(check.kinks)} of them at a kink)" if check.kinks else ""
    yield Paragraph(
        (
            "Each input's gradient against a central finite difference (f(x + h) − f(x − h))/2h "
            f"with h = 10⁻⁶·max(1, |x|), over {check.checked} inputs{kinks}: largest absolute "
            "error ",
            num(check.max_abs_error),
            ", largest relative error ",
            num(check.max_rel_error),
            ".",
        ),
        "muted",
    )
    if check.kinks:
        yield Paragraph(
            (
                f"Not differentiable at {', '.join(check.kinks)}: the perturbation moves a relu "
                "or abs across 0, or turns a max or min, so the finite difference means nothing "
                "there; not counted as a failure.",
            ),
        )
    verdict = "Passed: every error is within" if check.passed else "FAILED: an error is beyond"
    yield Paragraph(
        (
            f"{verdict} a relative tolerance of ",
            num(check.tolerance),
            " (plus an absolute ",
            num(check.abs_tolerance),
            ").",
        ),
        "text" if check.passed else "insight",
    )


def update(s: GraphSolution, max_rows: int) -> Iterator[Block]:
    u = s.update
    if u is None:
        return
    p = s.problem
    x, f = Sym("x"), symbol(p.output)
    direction = "ascent" if u.ascent else "descent"
    move = "with" if u.ascent else "against"
    step = Mul((ETA, Partial(f, x)))
    rule: Expr = Add((x, step)) if u.ascent else Sub(x, step)
    first = " (the first step in detail)" if u.steps > 1 else ""
    yield Heading("Update", 2)
    if u.optimizer.conventions():
        settings: list[str | Expr] = []
        for key, value in u.optimizer.hyperparameters.items():
            if isinstance(value, float) and (value or key == "learning_rate"):
                settings += [", " if settings else "", Rel(Sym(SYMBOLS[key]), "=", num(value))]
        yield Paragraph(
            (
                f"{u.optimizer.title}{', the first step in detail,' if u.steps > 1 else ''}"
                f"{' climbing,' if u.ascent else ''} as the conventions state it, with ",
                *settings,
                ": for each input in wrt, its state before and after the update, then the "
                "input itself.",
            ),
            "muted",
        )
    else:
        yield Paragraph(
            (
                f"Gradient {direction} with learning rate ",
                Rel(ETA, "=", num(u.learning_rate)),
                f"{first}: each input in wrt moves {move} its gradient, ",
                Rel(x, "←", rule),
                ".",
            ),
            "muted",
        )
    yield Equations(tuple(step for step in s.steps if step.phase == Phase.UPDATE))
    if u.steps > 1:
        shown, elided = shown_rows(len(u.value_history), max_rows)
        header: tuple[Cell, ...] = ("steps taken", f, *(symbol(name) for name in p.wrt))
        rows: tuple[tuple[Cell, ...], ...] = tuple(
            (str(i), num(float(u.value_history[i])), *(num(float(v)) for v in u.trajectory[i]))
            for i in shown
        )
        yield Heading(f"Training: {u.steps} steps", 3)
        yield Table(header, rows, elided)
        yield Chart(u.value_history, f"{p.output} per step")


def insights(s: GraphSolution, max_rows: int) -> Iterator[Block]:
    if s.insights:
        yield Heading("Insights", 2)
        for insight in s.insights:
            yield Paragraph(insight.message, "insight")


def answers(s: GraphSolution, max_rows: int) -> Iterator[Block]:
    p = s.problem
    f = symbol(p.output)
    items: list[tuple[Expr, Expr]] = [(f, num(s.value))]
    items += [(Partial(f, symbol(name)), num(grad)) for name, grad in s.gradients.items()]
    if s.update is not None:
        when = "new" if s.update.steps == 1 else f"after {s.update.steps} steps"
        items += [
            (Mul((symbol(name), Text(f" ({when})")), dot=False), num(value))
            for name, value in s.update.inputs.items()
        ]
        items.append(
            (Mul((f, Text(f" ({when})")), dot=False), num(float(s.update.value_history[-1])))
        )
    yield Answers("Final answers", tuple(items))


def notes(s: GraphSolution, max_rows: int) -> Iterator[Block]:
    if s.problem.notes:
        yield Heading("Notes", 2)
        yield Paragraph((s.problem.notes,), "note")


SECTIONS = {
    "tasks": tasks,
    "conventions": conventions,
    "network": graph,
    "forward": forward,
    "backward": backward,
    "gradients": gradients,
    "check": gradient_check,
    "update": update,
    "insights": insights,
    "answers": answers,
    "notes": notes,
}
"""The writer of each part after the title and description, by the names `--sections` takes
(`render.sections.NAMES`; the picture of the graph is its "network" section)."""


def layout(
    solution: GraphSolution, max_rows: int = 8, sections: Collection[str] | None = None
) -> Document:
    """The worked solution of a graph problem as blocks: its title and description, then the
    named ``sections`` (default: all) in their order."""
    chosen = [s for name, s in SECTIONS.items() if sections is None or name in sections]
    return (
        *header(solution, max_rows),
        *(block for section in chosen for block in section(solution, max_rows)),
    )
