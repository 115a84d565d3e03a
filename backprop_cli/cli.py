"""The ``backprop`` command: parse options, call the library, map errors to exit codes.

Exit status: 0 success; 1 a check failed; 2 bad usage or a bad problem file.
Every `BackpropError` becomes one message on stderr, never a traceback.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from backprop_cli.errors import BackpropError
from backprop_cli.render import Format
from backprop_cli.render.grading import GradingFormat

app = typer.Typer(
    name="backprop",
    help="Worked, step-by-step solutions of neural-network backpropagation exercises.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

F = TypeVar("F", bound=Callable[..., Any])


def handles_errors(command: F) -> F:
    """Turn a `BackpropError` into its message on stderr and its exit status."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except BackpropError as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(error.exit_code) from None

    return wrapper  # type: ignore[return-value]


def _terminal_width() -> int:
    if "COLUMNS" in os.environ and os.environ["COLUMNS"].isdigit():
        return int(os.environ["COLUMNS"])
    return shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 100


def write_output(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise BackpropError(f"cannot write {output}: {error.strerror}") from None


@app.command()
@handles_errors
def solve(
    files: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE...",
            help="Problem files: a path, - for standard input, or a bundled name (ex1 … ex5).",
            show_default=False,
        ),
    ],
    format: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: rich, or from --output's extension).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file instead of standard output.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    precision: Annotated[
        int,
        typer.Option(
            "--precision",
            "-p",
            min=1,
            max=17,
            help="Significant digits shown in human formats (JSON is always full).",
        ),
    ] = 4,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="PATH=VALUE",
            help="Override one value before solving, e.g. --set input=[2,1] "
            "--set layers.0.activation=relu (repeatable; VALUE is YAML).",
            show_default=False,
        ),
    ] = None,
    max_rows: Annotated[
        int,
        typer.Option(
            "--max-rows",
            min=2,
            max=10_000,
            help="Rows (and sum terms) shown before tables elide their middle.",
        ),
    ] = 8,
) -> None:
    """Solve problems and print the worked solution: forward pass, loss, backward pass, update.

    Examples:

      backprop solve ex1                      # a bundled exercise, in the terminal

      backprop solve ex1 --format json        # the JSON report, for scripts

      backprop solve ex3 --set input=2        # what if x = 2?
    """
    from backprop_cli.engine import solve as solve_problem
    from backprop_cli.problem import load
    from backprop_cli.render import RenderOptions, format_for, render

    chosen = format or (format_for(output) if output else None) or Format.RICH
    if chosen == Format.RICH and (output is not None or not sys.stdout.isatty()):
        chosen = Format.PLAIN  # no escape codes or boxes where nobody sees colours
    solutions = [solve_problem(load(file, set_ or ())) for file in files]
    options = RenderOptions(precision, max_rows, _terminal_width(), color=chosen == Format.RICH)
    write_output(render(chosen, solutions, options), output)


@app.command("list")
@handles_errors
def list_problems() -> None:
    """List the bundled exercises, which `backprop solve NAME` solves by name.

    Example:

      backprop list
    """
    from backprop_cli.sources import bundled_names, open_source
    from backprop_cli.yamlsrc import parse

    names = bundled_names()
    width = max(len(name) for name in names)
    for name in names:
        document = parse(open_source(name).text, name)
        title = document.get("title", name) if isinstance(document, dict) else name
        typer.echo(f"{name.ljust(width)}  {title}")


@app.command()
@handles_errors
def check(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="The problem: a path, - for standard input, or a bundled name (ex1 … ex5).",
            show_default=False,
        ),
    ],
    answers: Annotated[
        str,
        typer.Option(
            "--answers",
            "-a",
            metavar="ANSWERS.yaml",
            help="The student's answers: a YAML file (or - for standard input).",
            show_default=False,
        ),
    ],
    format: Annotated[
        GradingFormat,
        typer.Option("--format", "-f", help="Output format.", case_sensitive=False),
    ] = GradingFormat.RICH,
    precision: Annotated[
        int,
        typer.Option("--precision", "-p", min=1, max=17, help="Significant digits shown."),
    ] = 4,
) -> None:
    """Check a student's answers: each right or wrong, why, and the first wrong step.

    The answers file holds numbers under the JSON report's names (z1, a1, delta1, output, loss, dW1, db1, dx, W1_new, b1_new; layers numbered from 1), for example:

    answers: {output: 0.6817, loss: 0.1013, dW2: [[-0.086, -0.1037]], db2: -0.1382}

    An answer is right when it is within 0.5% of the expected value or 0.0001 of it, whichever is larger: answers rounded to 3 significant digits or to 4 decimals pass. Change that with tolerance: {abs: A, rel: R} beside answers.

    Wrong answers are explained where a common mistake fits (the ½ of MSE, a flipped sign, a transposed matrix, an activation derivative left out or taken at a instead of z, + instead of − in the update, updated weights used too early), and an answer that is wrong only because an earlier one is, is marked as carried over from it. The report leads with the first wrong step.

    Exit status: 0 all right, 1 some wrong, 2 a bad problem or answers file.

    Example:

      backprop check ex1 --answers my-ex1.yaml
    """
    from backprop_cli.answers import load_answers
    from backprop_cli.check import grade
    from backprop_cli.engine import solve as solve_problem
    from backprop_cli.problem import load
    from backprop_cli.quantities import Graph
    from backprop_cli.render.grading import render as render_grading
    from backprop_cli.render.textual import TextOptions

    solution = solve_problem(load(file))
    grading = grade(solution, load_answers(answers, Graph(solution)))
    if format == GradingFormat.RICH and not sys.stdout.isatty():
        format = GradingFormat.PLAIN
    options = TextOptions(precision, 8, _terminal_width(), color=format == GradingFormat.RICH)
    sys.stdout.write(render_grading(format, grading, options))
    if not grading.passed:
        raise typer.Exit(1)


def main() -> None:
    app()
