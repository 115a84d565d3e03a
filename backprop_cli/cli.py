"""The ``backprop`` command: parse options, call the library, map errors to exit codes.

Exit status: 0 success; 1 a check failed; 2 bad usage or a bad problem file.
Every `BackpropError` becomes one message on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from backprop_cli import cli_options
from backprop_cli.author.starter import Template
from backprop_cli.boundary import COLOR_OPTION, VERSION_OPTION, OneLineErrors, handles_errors
from backprop_cli.cli_options import DOCS, GitHub, Quiet, ReportFile, Sections, Student
from backprop_cli.load.caps import MAX_ROWS
from backprop_cli.render import Format, GradingFormat, RenderOptions, ValidationFormat
from backprop_cli.streams import shows_unicode, write_line, write_output, write_stdout
from backprop_cli.terminal import ColorMode, draws_boxes, use_color, width

app = typer.Typer(
    name="backprop",
    cls=OneLineErrors,
    help="Worked, step-by-step solutions of neural-network backpropagation exercises.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(version: Annotated[bool, VERSION_OPTION] = False) -> None:
    """The options before the command (--version)."""


@app.command(epilog=DOCS.format("solve.md"))
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
            metavar="FORMAT",
            help="Output format: rich, plain, json, markdown, latex, html or svg "
            "(default: rich, or from --output's extension).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file instead of standard output; the format follows "
            "its extension (.txt .md .tex .pdf .html .svg .json) unless --format is given. "
            ".pdf runs pdflatex.",
            dir_okay=False,
            readable=False,
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
            help="Override one value before solving, e.g. input=[2,1] or "
            "layers.0.bias=0 (repeatable; VALUE is YAML).",
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
            max=MAX_ROWS,
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
    student: Student = None,
    sections: Sections = None,
    color: Annotated[ColorMode, COLOR_OPTION] = ColorMode.AUTO,
) -> None:
    """Solve problems and print the worked solution: forward pass, loss, backward pass, update.

    Examples:

      backprop solve ex1                          # a bundled exercise
      backprop solve ex1 --format json            # the JSON report, for scripts
      backprop solve ex3 --set input=2            # what if x = 2?
      backprop solve ex1 -o ex1.pdf               # a PDF (needs pdflatex)
      backprop solve ex1 --round-intermediate 4   # as a hand-worked key
      backprop solve ex1 --check                  # check the gradients too

    More: docs/solve.md; the problem format: docs/problem-format.md.
    """
    from backprop_cli.load.files import load_all
    from backprop_cli.progress import training_progress
    from backprop_cli.render import (
        CHUNK_RENDERERS,
        COMPILED,
        DOCUMENTS,
        RenderOptions,
        format_for_output,
        render,
    )
    from backprop_cli.render.sections import parse as parse_sections
    from backprop_cli.solve.pipeline import Options
    from backprop_cli.solve.pipeline import solve as solve_problem
    from backprop_cli.streams import refuse_inputs, write_file

    chosen = format_for_output(output, format) if output else format or Format.RICH
    chosen = cli_options.shown_format(chosen, color, output is not None)
    if output is not None:
        refuse_inputs(output, files)
    shown = parse_sections(sections) if sections is not None else None
    problems = load_all(files, set_ or ())
    with training_progress() as progress:
        engine_options = Options(round_intermediate, check, progress, check_share=len(problems))
        solutions = [solve_problem(problem, engine_options) for problem in problems]
    shows_color = chosen == Format.RICH and use_color(color, sys.stdout)
    ascii = output is None and chosen not in DOCUMENTS and not shows_unicode(sys.stdout)
    options = RenderOptions(
        precision, max_rows, width(), shows_color, sections=shown, student=student, ascii=ascii
    )
    if chosen in CHUNK_RENDERERS:  # JSON: UTF-8 by definition, written in pieces
        pieces = CHUNK_RENDERERS[chosen](solutions, options)
        if output is None:
            write_stdout(pieces, document=True)
        else:
            write_file(output, pieces)
    elif output is None:
        write_stdout(render(chosen, solutions, options), document=chosen in DOCUMENTS)
    elif format is None and output.suffix.lower() in COMPILED:
        from backprop_cli.render.pdf import compile_pdf

        write_file(output, compile_pdf(render(chosen, solutions, options)))
    else:
        write_file(output, render(chosen, solutions, options))
    checked = [c for s in solutions for c in (s, *(v.solution for v in s.variants))]
    if any(c.gradient_check is not None and not c.gradient_check.passed for c in checked):
        raise typer.Exit(1)


@app.command("list", epilog=DOCS.format("list-and-schema.md"))
@handles_errors
def list_problems() -> None:
    """List the bundled exercises, which `backprop solve NAME` solves by name.

    Example:

      backprop list
    """
    from backprop_cli.load.sources import bundled_names, open_source
    from backprop_cli.load.yaml_source import parse

    names = bundled_names()
    name_width = max(len(name) for name in names)
    for name in names:
        document = parse(open_source(name).text, name)
        title = document.get("title", name) if isinstance(document, dict) else name
        write_line(f"{name.ljust(name_width)}  {title}")


@app.command(epilog=DOCS.format("check.md"))
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
    color: Annotated[ColorMode, COLOR_OPTION] = ColorMode.AUTO,
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

    if format == GradingFormat.RICH and not draws_boxes(color, sys.stdout):
        format = GradingFormat.PLAIN
    shows_color = format == GradingFormat.RICH and use_color(color, sys.stdout)
    options = RenderOptions(precision, 8, width(), shows_color, ascii=not shows_unicode(sys.stdout))
    verdict.check(files, answers, format, github, quiet, options).emit(output, write_output)


@app.command(epilog=DOCS.format("validate.md"))
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
    from backprop_cli.load.files import check_file_count

    check_file_count(files)
    verdict.validate(files, format, github, quiet).emit(output, write_output)


@app.command(epilog=DOCS.format("new-and-generate.md"))
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

    Templates: mlp (a 2-2-1 sigmoid network, MSE, one update), neuron (one sigmoid neuron, binary cross-entropy), softmax (a 3-class softmax layer, cross-entropy), batch (a tanh network on three samples, five training steps), graph (a computational graph, f = (x + y)z, staged gate by gate). An existing file is kept unless --force is given.

    Example:

      backprop new my-problem.yaml --template softmax && backprop solve my-problem.yaml
    """
    from backprop_cli.author.starter import write

    write(path, template, force)
    write_line(f"wrote {path} (template {template.value}); solve it with: backprop solve {path}")


@app.command(epilog=DOCS.format("new-and-generate.md"))
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

    Each exercise TEMPLATE-SEED-K.yaml (templates as in backprop new) comes with TEMPLATE-SEED-K.answers.yaml: every quantity to 4 significant digits, in the format backprop check reads. Weights, biases and inputs have one decimal; no pre-activation is within 0.05 of 0, so no ReLU sits on its kink; no unit is saturated unless --allow-saturated. A graph exercise has whole-number inputs and values, a value used twice and no gate on its kink. Exercise K of a seed is the same on every machine, whatever --count is.

    Example:

      backprop generate --seed 3 --template mlp --count 3 --out exercises/
    """
    from backprop_cli.author.generate import exercise, write

    exercises = [exercise(template, seed, k, allow_saturated) for k in range(1, count + 1)]
    for path in write(exercises, out, force):
        write_line(f"wrote {path}")


@app.command(epilog=DOCS.format("list-and-schema.md"))
@handles_errors
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of problem files, for editors and CI.

    It is generated from the definitions the loader uses. Editors with the YAML language server validate and complete a problem file whose first line points to it: # yaml-language-server: $schema=problem.schema.json (the repository keeps a copy in schema/). Shapes across keys (weights against the previous layer, target lengths) are beyond a schema: backprop validate checks those.

    Example:

      backprop schema > problem.schema.json
    """
    from backprop_cli.load.schema import text

    write_stdout(text(), document=True)


def main() -> None:
    from backprop_cli.boundary import only_the_command_named

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # a second one stalls when busy (README)
    only_the_command_named(app, sys.argv[1:])(prog_name="backprop")  # python -m too
