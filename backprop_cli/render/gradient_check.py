"""The "Gradient check" section of a worked solution (``backprop solve --check``)."""

from __future__ import annotations

from collections.abc import Iterator

from backprop_cli.expr import Message, num
from backprop_cli.render.document import Block, Heading, Paragraph
from backprop_cli.solve.records import Solution


def section(solution: Solution) -> Iterator[Block]:
    """Nothing without a check; else how it was done, the largest errors and the verdict."""
    check = solution.gradient_check
    if check is None:
        return
    yield Heading("Gradient check", 2)
    entries = f"{check.checked} entr{'y' if check.checked == 1 else 'ies'}"
    if check.kinks:
        entries += f" ({len(check.kinks)} more at a kink or an edge, not compared)"
    errors: Message = (
        (
            ": largest absolute error ",
            num(check.max_abs_error),
            ", largest relative error ",
            num(check.max_rel_error),
            ".",
        )
        if check.checked
        else (".",)
    )
    yield Paragraph(
        (
            "Every gradient against a central finite difference (L(θ + h) − L(θ − h))/2h with "
            f"h = 10⁻⁶·max(1, |θ|), over {entries} of W, b and x",
            *errors,
        ),
        "muted",
    )
    if check.kinks:
        yield Paragraph(
            (
                f"Not differentiable at {', '.join(check.kinks)}: the perturbation crosses a kink "
                "(ReLU at 0, MAE where ŷ = y) or leaves the loss's domain (ŷ = 1 with BCE), so "
                "the finite difference means nothing there; not counted as a failure.",
            ),
        )
    if check.checked == 0:
        yield Paragraph(("Nothing was compared: every entry is at a kink.",), "insight")
        return
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
