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

from backprop_cli.author.starter import Template
from backprop_cli.errors import BackpropError, one_line
from backprop_cli.render import Format, GradingFormat, RenderOptions, ValidationFormat

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
            typer.echo(one_line(str(error)), err=True)
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
    round_intermediate: Annotated[
        int | None,
        typer.Option(
            "--round-intermediate",
            min=0,
            max=15,
            metavar="N",
            help="Round every intermediate value to N decimals (half up) before it is used, "
            "as a hand-worked answer key does; every shown step then evaluates to its shown "
            "result (off by default).",
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
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Also compare every gradient with a central finite difference; exit 1 if it fails.",
        ),
    ] = False,
) -> None:
    """Solve problems and print the worked solution: forward pass, loss, backward pass, update.

    Examples:

      backprop solve ex1                      # a bundled exercise, in the terminal

      backprop solve ex1 --format json        # the JSON report, for scripts

      backprop solve ex3 --set input=2        # what if x = 2?

      backprop solve ex1 --round-intermediate 4   # round as a hand-worked key does

      backprop solve ex1 --check              # and check the gradients numerically
    """
    from backprop_cli.load.problem import load
    from backprop_cli.render import RenderOptions, format_for, render
    from backprop_cli.solve.pipeline import Options
    from backprop_cli.solve.pipeline import solve as solve_problem

    chosen = format or (format_for(output) if output else None) or Format.RICH
    if chosen == Format.RICH and (output is not None or not sys.stdout.isatty()):
        chosen = Format.PLAIN  # no escape codes or boxes where nobody sees colours
    engine_options = Options(round_intermediate=round_intermediate, gradient_check=check)
    solutions = [solve_problem(load(file, set_ or ()), engine_options) for file in files]
    options = RenderOptions(precision, max_rows, _terminal_width(), color=chosen == Format.RICH)
    write_output(render(chosen, solutions, options), output)
    checked = [c for s in solutions for c in (s, *(v.solution for v in s.variants))]
    if any(c.gradient_check is not None and not c.gradient_check.passed for c in checked):
        raise typer.Exit(1)


@app.command("list")
@handles_errors
def list_problems() -> None:
    """List the bundled exercises, which `backprop solve NAME` solves by name.

    Example:

      backprop list
    """
    from backprop_cli.load.sources import bundled_names, open_source
    from backprop_cli.load.yaml_source import parse

    names = bundled_names()
    width = max(len(name) for name in names)
    for name in names:
        document = parse(open_source(name).text, name)
        title = document.get("title", name) if isinstance(document, dict) else name
        typer.echo(f"{name.ljust(width)}  {title}")


GitHub = Annotated[
    bool,
    typer.Option("--github", help="Also print each error as a GitHub Actions annotation."),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Nothing on success; errors only.")]
ReportFile = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the report to this file.", show_default=False),
]


@app.command()
@handles_errors
def check(
    files: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE...",
            help="The problem: a path, - for standard input, or a bundled name (ex1 … ex5); "
            "without --answers, problems and keys (NAME.answers.yaml) or folders of them.",
            show_default=False,
        ),
    ],
    answers: Annotated[
        str | None,
        typer.Option(
            "--answers",
            "-a",
            metavar="ANSWERS.yaml",
            help="The student's answers: a YAML file (or - for standard input).",
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        GradingFormat,
        typer.Option("--format", "-f", help="Output format.", case_sensitive=False),
    ] = GradingFormat.RICH,
    precision: Annotated[
        int,
        typer.Option("--precision", "-p", min=1, max=17, help="Significant digits shown."),
    ] = 4,
    github: GitHub = False,
    quiet: Quiet = False,
    output: ReportFile = None,
) -> None:
    """Check a student's answers: each right or wrong, why, and the first wrong step.

    The answers file holds numbers under the JSON report's names (z1, a1, delta1, output, loss, dW1, db1, dx, W1_new, b1_new; layers numbered from 1), for example:

    answers: {output: 0.6817, loss: 0.1013, dW2: [[-0.086, -0.1037]], db2: -0.1382}

    An answer is right when it is within 0.5% of the expected value (of a twentieth of the largest entry, for an entry near 0) or equal to it rounded to the digits written (at least 2 significant digits or 3 decimals); an updated parameter is judged by its change W_new − W. An answer that holds only at the digits written, or that follows from your own earlier values at those digits, is "right, as rounded". Change the 0.5% with tolerance: {rel: R} beside answers (abs: A adds an absolute floor).

    Wrong answers are explained where a common mistake fits (the ½ of MSE for any number of outputs, the loss summed over the samples, the 1/N of the batch forgotten, log10 for ln, a flipped sign, a transposed matrix, an activation derivative left out, taken at a instead of z or applied twice, the softmax Jacobian's diagonal alone, + instead of − in the update, a parameter not updated, updated weights used too early), and an answer that is wrong only because an earlier one is, is marked as carried over from it. The report leads with the first wrong step.

    Without --answers, every answer key NAME.answers.yaml among or beside the FILEs is checked against its problem NAME.yaml (a stale key fails), as CI does; --format junit gives one testcase per answer.

    Exit status: 0 all right, 1 some wrong, 2 a bad problem or answers file.

    Example:

      backprop check ex1 --answers my-ex1.yaml
    """
    from backprop_cli import verdict

    if format == GradingFormat.RICH and not sys.stdout.isatty():
        format = GradingFormat.PLAIN
    options = RenderOptions(precision, 8, _terminal_width(), color=format == GradingFormat.RICH)
    verdict.check(files, answers, format, github, quiet, options).emit(output, write_output)


@app.command()
@handles_errors
def validate(
    files: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE...",
            help="Problem files: paths, folders (their *.yaml), - for standard input, or bundled names.",
            show_default=False,
        ),
    ],
    format: Annotated[
        ValidationFormat,
        typer.Option("--format", "-f", help="Output format.", case_sensitive=False),
    ] = ValidationFormat.TEXT,
    github: GitHub = False,
    quiet: Quiet = False,
    output: ReportFile = None,
) -> None:
    """Check problem files without solving them: one line per valid file, every error on stderr.

    Every file is checked, even after a bad one, and every error of a file is reported (as far as the loader can go on after it); a folder stands for its *.yaml files (answer keys *.answers.yaml left out). The exit status is 0 when all are valid and 2 when any is not, so it fits CI over a folder of problems (docs/ci.md: JUnit, annotations, pre-commit). (What only solving can find, such as outputs outside the loss's range, is left to solve.)

    Example:

      backprop validate problems/ --format junit -o validate.xml
    """
    from backprop_cli import verdict

    verdict.validate(files, format, github, quiet).emit(output, write_output)


@app.command()
@handles_errors
def new(
    path: Annotated[
        Path,
        typer.Argument(metavar="PATH", help="The problem file to write.", show_default=False),
    ],
    template: Annotated[
        Template,
        typer.Option("--template", "-t", help="What to start from.", case_sensitive=False),
    ] = Template.MLP,
    force: Annotated[bool, typer.Option("--force", help="Overwrite PATH if it exists.")] = False,
) -> None:
    """Write a commented starter problem file that validates and solves as written.

    Templates: mlp (a 2-2-1 sigmoid network, MSE, one update), neuron (one sigmoid neuron, binary cross-entropy), softmax (a 3-class softmax layer, cross-entropy), batch (a tanh network on three samples, five training steps). An existing file is kept unless --force is given.

    Example:

      backprop new my-problem.yaml --template softmax && backprop solve my-problem.yaml
    """
    from backprop_cli.author.starter import write

    write(path, template, force)
    typer.echo(f"wrote {path} (template {template.value}); solve it with: backprop solve {path}")


@app.command()
@handles_errors
def generate(
    seed: Annotated[
        int,
        typer.Option("--seed", "-s", min=0, help="Seed: the same seed gives the same exercises."),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            file_okay=False,
            help="Folder to write into (made if missing).",
            show_default=False,
        ),
    ],
    template: Annotated[
        Template,
        typer.Option("--template", "-t", help="Kind of exercise.", case_sensitive=False),
    ] = Template.MLP,
    count: Annotated[
        int, typer.Option("--count", "-n", min=1, max=1000, help="How many exercises.")
    ] = 1,
    allow_saturated: Annotated[
        bool,
        typer.Option(
            "--allow-saturated",
            help="Allow sigmoid/tanh units with |z| > 3 and ReLU units dead for every sample.",
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Generate fresh exercises with "nice" numbers, each with its answer key (for instructors).

    Each exercise TEMPLATE-SEED-K.yaml (templates as in backprop new) comes with TEMPLATE-SEED-K.answers.yaml: every quantity to 4 significant digits, in the format backprop check reads. Weights, biases and inputs have one decimal; no pre-activation is within 0.05 of 0, so no ReLU sits on its kink; no unit is saturated unless --allow-saturated. Exercise K of a seed is the same on every machine, whatever --count is.

    Example:

      backprop generate --seed 3 --template mlp --count 3 --out exercises/
    """
    from backprop_cli.author.generate import exercise, write

    exercises = [exercise(template, seed, k, allow_saturated) for k in range(1, count + 1)]
    for path in write(exercises, out, force):
        typer.echo(f"wrote {path}")


@app.command()
@handles_errors
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of problem files, for editors and CI.

    It is generated from the definitions the loader uses. Editors with the YAML language server validate and complete a problem file whose first line points to it: # yaml-language-server: $schema=problem.schema.json (the repository keeps a copy in schema/). Shapes across keys (weights against the previous layer, target lengths) are beyond a schema: backprop validate checks those.

    Example:

      backprop schema > problem.schema.json
    """
    from backprop_cli.load.schema import text

    sys.stdout.write(text())


def main() -> None:
    app()
