"""`validate` and `check` over many files, as CI runs them: what goes where, and the exit status.

Both commands produce a `Verdict`: the report in the chosen format (text, JSON or
JUnit), the GitHub annotations when asked for, the one-line errors for standard
error, and the exit status (0 all good, 1 a wrong answer, 2 a bad file).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import field
from pathlib import Path

import typer

from backprop_cli.errors import BackpropError, one_line
from backprop_cli.records import dataclass
from backprop_cli.render import GradingFormat, RenderOptions, ValidationFormat
from backprop_cli.render import ci as formats
from backprop_cli.streams import write_error, write_stdout


@dataclass
class Verdict:
    report: str = ""
    """The report in the chosen format (for standard output or ``--output``)."""
    annotations: str = ""
    """GitHub workflow commands (``--github``), for standard output."""
    errors: list[str] = field(default_factory=list)
    """One-line messages for standard error."""
    exit_code: int = 0
    text_report: bool = True
    """The report is text for a person (not JSON or JUnit for a program)."""
    annotated: bool = False
    """``--github`` was asked for (even when there is nothing to annotate)."""

    def emit(self, output: Path | None, write: Callable[[str, Path | None], None]) -> None:
        """Annotations and the report on stdout (or the report to ``output``), errors on
        stderr; then exit with the status."""
        if self.annotated and output is None and not self.text_report:
            raise BackpropError(
                "--github with --format json or junit: give --output FILE for the report, "
                "so the annotations and the report do not mix on standard output"
            )
        if self.annotations:
            write_stdout(self.annotations)
        if output is not None or self.report:
            write(self.report, output)
        for line in self.errors:
            write_error(one_line(line))
        if self.exit_code:
            raise typer.Exit(self.exit_code)


def validate(files: Sequence[str], fmt: ValidationFormat, github: bool, quiet: bool) -> Verdict:
    from backprop_cli.load.validate import describe, validate

    results: list[tuple[str, str | Sequence[BackpropError]]] = []
    for file, result in validate(files):
        results.append((file, result if isinstance(result, list) else describe(result)))
    suites = formats.validation_suites(results)
    verdict = Verdict(exit_code=0 if all(suite.passed for suite in suites) else 2)
    if github:
        verdict.annotated, verdict.annotations = True, formats.github(suites)
    verdict.errors = [f.text for suite in suites for case in suite.cases for f in case.findings]
    verdict.text_report = fmt == ValidationFormat.TEXT
    if fmt == ValidationFormat.JSON:
        verdict.report = formats.validation_json(suites)
    elif fmt == ValidationFormat.JUNIT:
        verdict.report = formats.junit(suites, "backprop validate")
    elif not quiet:
        verdict.report = "".join(
            f"{suite.name}: valid ({suite.summary})\n" for suite in suites if suite.passed
        )
    return verdict


def check(
    files: Sequence[str],
    answers: str | None,
    fmt: GradingFormat,
    github: bool,
    quiet: bool,
    options: RenderOptions,
) -> Verdict:
    """Grade ``answers`` against the one problem in ``files``, or (``answers`` None) every
    answer key among or beside ``files`` against its problem."""
    from backprop_cli.grade.answer_keys import pairs
    from backprop_cli.grade.check import check as grade
    from backprop_cli.render.grading import render, report

    if answers is not None and len(files) != 1:
        raise BackpropError(
            f"--answers {answers}: expected one problem FILE with --answers, got {len(files)} "
            "(without --answers, each problem is checked against the key beside it)"
        )
    checks = [(files[0], answers)] if answers is not None else pairs(files)
    if not checks and not quiet:  # --quiet (the pre-commit hook): no key, nothing to check
        raise BackpropError(
            f"{files[0]}: no answer key among or beside the FILEs: give --answers ANSWERS.yaml, "
            "or put NAME.answers.yaml beside NAME.yaml"
        )
    verdict = Verdict()
    suites: list[formats.Suite] = []
    reports = []
    texts = []
    for problem, key in checks:
        try:
            grading = grade(problem, key)
        except BackpropError as error:
            suites.append(formats.error_suite(problem, key, error))
            verdict.errors.append(str(error))
            verdict.exit_code = 2
            continue
        data = report(grading, options.precision)
        reports.append(data)
        suites.append(formats.grading_suite(data))
        if not grading.passed:
            verdict.exit_code = max(verdict.exit_code, 1)
        if fmt in (GradingFormat.RICH, GradingFormat.PLAIN) and not quiet:
            texts.append(render(fmt, grading, options))
    if github:
        verdict.annotated, verdict.annotations = True, formats.github(suites)
    if quiet:  # the wrong answers, one line each, instead of the report
        verdict.errors += [
            finding.text
            for suite in suites
            for case in suite.cases
            if case.outcome == "failure"
            for finding in case.findings
        ]
    verdict.text_report = fmt in (GradingFormat.RICH, GradingFormat.PLAIN)
    if fmt == GradingFormat.JSON:
        data_out = reports[0] if answers is not None and reports else reports
        verdict.report = json.dumps(data_out, ensure_ascii=False, indent=2) + "\n"
    elif fmt == GradingFormat.JUNIT:
        verdict.report = formats.junit(suites, "backprop check")
    else:
        verdict.report = "\n".join(texts)
    return verdict
