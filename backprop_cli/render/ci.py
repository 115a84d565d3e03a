"""Reports for CI: JUnit XML, GitHub workflow annotations, and the JSON of ``validate``.

`validate` and `check` describe what they found as `Suite`s (one per file) of
`Case`s (one per file for `validate`, one per answer for `check`); each
writer here turns suites into one format and computes nothing.

JUnit follows the structure pytest writes (``--junit-xml``, its default xunit2
family): a ``<testsuites>`` root, one ``<testsuite name tests failures errors
skipped time>`` per file, one ``<testcase classname name time>`` per case,
holding a ``<failure message>`` (a wrong answer, a bad file) or an ``<error
message>`` (a file that could not be checked at all); the message starts with
``file:line:``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import field
from typing import Any, Literal
from xml.etree import ElementTree

from backprop_cli.errors import BackpropError, ProblemError, describe_place
from backprop_cli.records import dataclass
from backprop_cli.render import FORMAT_VERSION


@dataclass(frozen=True)
class Finding:
    """One thing wrong: where it is and what it is."""

    file: str
    line: int | None
    column: int | None
    place: str
    """``layers[1].weights (layer 2)``, or ``''`` for the whole file."""
    message: str
    """What is wrong, without the file and the place."""
    detail: str = ""
    """More text for the JUnit body (given and expected values)."""

    @property
    def text(self) -> str:
        """The one-line message of the terminal: ``file:line: place: message``."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return ": ".join(part for part in (where, self.place, self.message) if part)


@dataclass(frozen=True)
class Case:
    name: str
    classname: str
    findings: tuple[Finding, ...] = ()
    outcome: Literal["passed", "failure", "error"] = "passed"


@dataclass(frozen=True)
class Suite:
    name: str
    cases: tuple[Case, ...]
    summary: str = ""
    """What a valid file holds, or how many answers are right."""
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(case.outcome == "passed" for case in self.cases)


# --- what validate and check found, as suites ------------------------------------------


def finding(file: str, error: BackpropError) -> Finding:
    """An error of the loader as a finding in ``file``."""
    if isinstance(error, ProblemError):
        place = " ".join(part for part in (describe_place(error.path), error.note) if part)
        return Finding(error.source, error.line, error.column, place, error.detail)
    return Finding(file, None, None, "", str(error).removeprefix(f"{file}: "))


def validation_suites(results: Iterable[tuple[str, str | Sequence[BackpropError]]]) -> list[Suite]:
    """One suite per file of ``validate``: its summary when valid, else its errors."""
    suites = []
    for file, result in results:
        properties = {"command": "validate"}
        if isinstance(result, str):
            case = Case(file, "backprop.validate")
            suites.append(Suite(file, (case,), result, properties))
            continue
        findings = tuple(finding(file, error) for error in result)
        case = Case(file, "backprop.validate", findings, "failure")
        suites.append(Suite(file, (case,), "", properties))
    return suites


def grading_suite(report: dict[str, Any]) -> Suite:
    """One suite for a graded answers file (from its JSON report): one case per answer."""
    answers = report["answers"]
    cases = []
    for mark in report["marks"]:
        if mark["right"]:
            cases.append(Case(mark["name"], answers))
            continue
        given = json.dumps(mark["given"])
        expected = json.dumps(mark["expected"])
        found = Finding(
            answers,
            mark["line"],
            None,
            mark["name"],
            f"wrong: {mark['diagnosis']['message']}",
            f"given {given}, expected {expected}",
        )
        cases.append(Case(mark["name"], answers, (found,), "failure"))
    properties = {"command": "check", "problem": report["problem"]["source"], "answers": answers}
    return Suite(
        f"{report['problem']['source']} — {answers}", tuple(cases), report["summary"], properties
    )


def error_suite(file: str, answers: str, error: BackpropError) -> Suite:
    """A check that could not run: one case, an error."""
    found = finding(file, error)
    case = Case("load", "backprop.check", (found,), "error")
    return Suite(f"{file} — {answers}", (case,), "", {"command": "check"})


# --- JUnit XML ----------------------------------------------------------------------


def junit(suites: Sequence[Suite], name: str) -> str:
    """The suites as one JUnit XML document (UTF-8, as pytest writes it)."""
    root = ElementTree.Element("testsuites", name=name)
    for suite in suites:
        failures = sum(case.outcome == "failure" for case in suite.cases)
        errors = sum(case.outcome == "error" for case in suite.cases)
        element = ElementTree.SubElement(
            root,
            "testsuite",
            name=suite.name,
            tests=str(len(suite.cases)),
            failures=str(failures),
            errors=str(errors),
            skipped="0",
            time="0.000",
        )
        if suite.properties:
            properties = ElementTree.SubElement(element, "properties")
            for key, value in suite.properties.items():
                ElementTree.SubElement(properties, "property", name=key, value=value)
        for case in suite.cases:
            testcase = ElementTree.SubElement(
                element, "testcase", classname=case.classname, name=case.name, time="0.000"
            )
            if case.outcome == "passed":
                continue
            first = case.findings[0]
            outcome = ElementTree.SubElement(testcase, case.outcome, message=first.text)
            outcome.text = "\n".join(
                finding.text + (f"\n{finding.detail}" if finding.detail else "")
                for finding in case.findings
            )
    ElementTree.indent(root)
    body = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'


# --- GitHub annotations ---------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(suites: Sequence[Suite]) -> str:
    """``::error file=…,line=…,col=…::message`` for every finding, as GitHub Actions reads
    workflow commands from standard output (each shows on its line of the pull request)."""
    lines = []
    for suite in suites:
        for case in suite.cases:
            for finding in case.findings:
                properties = [f"file={_escape_property(finding.file)}"]
                if finding.line is not None:
                    properties.append(f"line={finding.line}")
                    if finding.column is not None:
                        properties.append(f"col={finding.column}")
                title = "backprop " + suite.properties.get("command", "")
                properties.append(f"title={_escape_property(title.strip())}")
                message = ": ".join(part for part in (finding.place, finding.message) if part)
                lines.append(f"::error {','.join(properties)}::{_escape_data(message)}")
    return "".join(line + "\n" for line in lines)


# --- validate as JSON ----------------------------------------------------------------


def validation_json(suites: Sequence[Suite]) -> str:
    """``{"format_version", "valid", "files": [{"file", "valid", "summary", "errors"}]}``."""
    files = []
    for suite in suites:
        findings = [finding for case in suite.cases for finding in case.findings]
        files.append(
            {
                "file": suite.name,
                "valid": suite.passed,
                "summary": suite.summary if suite.passed else None,
                "errors": [
                    {
                        "line": f.line,
                        "column": f.column,
                        "place": f.place,
                        "message": f.message,
                        "text": f.text,
                    }
                    for f in findings
                ],
            }
        )
    data = {
        "format_version": FORMAT_VERSION,
        "valid": all(suite.passed for suite in suites),
        "files": files,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
