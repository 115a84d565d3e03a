"""The JUnit reports of `validate` and `check` are valid against the schema pytest targets.

pytest's ``--junit-xml`` (its default family, xunit2) targets the Jenkins JUnit schema,
``junit-10.xsd``; pytest's own tests validate its reports against the copy in its
repository (``testing/example_scripts/junit-10.xsd``, MIT licence, © 2014 Gregory
Boissinot). That file is not part of this repository: `.ci/run` takes it from pytest's source
distribution on PyPI (pytest 8.3.5), checks its SHA-256 and names it in
``BACKPROP_JUNIT_XSD``. Elsewhere, without it, these tests are skipped; in CI (``CI`` set)
a missing schema is a failure, as is a path in ``BACKPROP_JUNIT_XSD`` that holds no file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import xmlschema

from tests.test_ci_reports import GOOD, MANY, folder, in_folder

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def schema() -> Any:
    path = os.environ.get("BACKPROP_JUNIT_XSD")
    if not path:
        if os.environ.get("CI"):
            pytest.fail("CI is set but BACKPROP_JUNIT_XSD does not name pytest's junit-10.xsd")
        pytest.skip("BACKPROP_JUNIT_XSD does not name pytest's junit-10.xsd")
    if not Path(path).is_file():
        pytest.fail(f"BACKPROP_JUNIT_XSD names {path}, which is not a file")
    return xmlschema.XMLSchema(path)


def reports(run: Any, tmp_path: Path) -> dict[str, tuple[int, str]]:
    """Exit status and JUnit report of a passing and a failing run of each command."""
    folder(tmp_path, many__yaml=MANY, s__yaml=GOOD, s__answers__yaml="answers: {output: 0.6817}\n")
    folder(tmp_path, wrong__answers__yaml="answers: {output: 0.6817, loss: 0.5}\n")
    folder(tmp_path, bad__answers__yaml="answers: {outptu: 0.5}\n")
    runs = {
        "validate, passing": ("validate", str(ROOT / "problems")),
        "validate, failing": ("validate", str(ROOT / "problems"), "many.yaml"),
        "check, passing": ("check", "s.yaml"),
        "check, a wrong answer": ("check", "s.yaml", "--answers", "wrong.answers.yaml"),
        "check, a bad answers file": ("check", "s.yaml", "--answers", "bad.answers.yaml"),
    }
    found = {}
    for name, args in runs.items():
        result = in_folder(tmp_path, run, *args, "--format", "junit")
        found[name] = (result.exit_code, result.stdout)
    return found


def test_every_report_is_valid_against_junit_10(run: Any, tmp_path: Path, schema: Any) -> None:
    found = reports(run, tmp_path)
    assert {name: status for name, (status, _) in found.items()} == {
        "validate, passing": 0,
        "validate, failing": 2,
        "check, passing": 0,
        "check, a wrong answer": 1,
        "check, a bad answers file": 2,
    }
    for name, (_, text) in found.items():
        errors = [error.reason for error in schema.iter_errors(text)]
        assert errors == [], name
    assert "<failure " in found["check, a wrong answer"][1]
    assert "<error " in found["check, a bad answers file"][1]


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        ([(' failures="', ' failed="')], "missing required attribute 'failures'"),
        ([("<testcase ", '<testcase title="x" ')], "'title' attribute not allowed"),
        ([("<failure ", "<failed "), ("</failure>", "</failed>")], "Unexpected child with tag"),
    ],
)
def test_a_broken_report_is_not(
    run: Any, tmp_path: Path, schema: Any, broken: list[tuple[str, str]], reason: str
) -> None:
    _, text = reports(run, tmp_path)["check, a wrong answer"]
    for old, new in broken:
        assert old in text
        text = text.replace(old, new)
    errors = [str(error.reason) for error in schema.iter_errors(text)]
    assert errors and reason in errors[0], errors
