"""CI integration: validate and check as CI runs them (every error, folders, JSON, JUnit,
GitHub annotations, --quiet, answer keys beside their problems) and the composite action."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import yaml

ROOT = Path(__file__).parent.parent

GOOD = """\
input: [1, 2]
target: 1
layers:
  - weights: [[0.1, 0.2], [0.3, 0.4]]
    activation: sigmoid
  - weights: [0.5, 0.6]
    activation: sigmoid
loss: mse
learning_rate: 0.1
"""

MANY = """\
title: 12
input: [1, 2]
target: 1
lr: 0.1
layers:
  - weights: [[0.1, 0.2], [0.3, 0.4]]
    activation: sigmod
  - weights: [0.5, 0.6, 7]
loss: msee
steps: 0
"""

MANY_ERRORS = [
    "many.yaml:1: title: expected text, got the number 12 (put it in quotes)",
    "many.yaml:4: lr: unknown key 'lr' (did you mean 'learning_rate'?); expected one of the keys "
    "title, description, tasks, input, target, samples, layers, loss, upstream, learning_rate, "
    "optimizer, steps, freeze, batch_size, regularization, "
    "variants, notes",
    "many.yaml:7: layers[0].activation (layer 1): expected an activation (one of elu, gelu, "
    "identity, leaky_relu, linear, none, relu, sigmoid, silu, softmax, softplus, swish, tanh), "
    "got the text 'sigmod' (did you mean 'sigmoid'?)",
    "many.yaml:8: layers[1].weights (layer 2): expected 1×2 (1 neuron × 2 inputs from layer 1), "
    "got 1×3",
    "many.yaml:9: loss: expected a loss name (one of binary_cross_entropy, cross_entropy, hinge, "
    "huber, kl_div, mae, mse, nll, smooth_l1, sse), got the text 'msee' (did you mean 'mse'?)",
    "many.yaml:10: steps: expected a whole number of steps from 1 to 100,000, got the number 0",
]


def folder(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return tmp_path


def in_folder(tmp_path: Path, run: Any, *args: str) -> Any:
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        return run(*args)
    finally:
        os.chdir(old)


# --- validate ---------------------------------------------------------------------------


def test_validate_reports_every_error_of_a_file(run: Any, tmp_path: Path) -> None:
    folder(tmp_path, many__yaml=MANY)
    result = in_folder(tmp_path, run, "validate", "many.yaml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == MANY_ERRORS


def test_solve_still_stops_at_the_first_error(run: Any, tmp_path: Path) -> None:
    folder(tmp_path, many__yaml=MANY)
    result = in_folder(tmp_path, run, "solve", "many.yaml")
    assert result.stderr.splitlines() == [MANY_ERRORS[1]]


def test_a_layer_key_typo_stops_the_layers_there(run: Any, tmp_path: Path) -> None:
    # What follows a typo'd key would blame the wrong place: only the typo is reported.
    folder(tmp_path, p__yaml=GOOD.replace("weights: [0.5", "weight: [0.5"))
    result = in_folder(tmp_path, run, "validate", "p.yaml")
    assert result.stderr.splitlines() == [
        "p.yaml:6: layers[1].weight (layer 2): unknown key 'weight' (did you mean 'weights'?); "
        "expected one of the keys weights, units, init, bias, activation, name, type"
    ]


def test_validate_a_folder_checks_its_problem_files(run: Any, tmp_path: Path) -> None:
    folder(
        tmp_path,
        a__yaml=GOOD,
        b__yml=GOOD.replace("mse", "mae"),
        a__answers__yaml="answers: {output: 0.5}\n",
        notes__txt="not a problem",
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.yaml").write_text("bad", encoding="utf-8")
    result = in_folder(tmp_path, run, "validate", ".")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "a.yaml: valid (2 layers, 9 parameters, 1 sample)\n"
        "b.yml: valid (2 layers, 9 parameters, 1 sample)\n"
    )
    (tmp_path / "empty").mkdir()
    result = in_folder(tmp_path, run, "validate", "empty", "a.yaml")
    assert result.exit_code == 2
    assert result.stderr == "empty: expected a folder with problem files, got no *.yaml in it\n"
    assert result.stdout == "a.yaml: valid (2 layers, 9 parameters, 1 sample)\n"


def test_quiet_prints_nothing_on_success_and_errors_only(run: Any, tmp_path: Path) -> None:
    folder(tmp_path, a__yaml=GOOD, many__yaml=MANY)
    ok = in_folder(tmp_path, run, "validate", "a.yaml", "-q")
    assert (ok.exit_code, ok.stdout, ok.stderr) == (0, "", "")
    bad = in_folder(tmp_path, run, "validate", "a.yaml", "many.yaml", "--quiet")
    assert (bad.exit_code, bad.stdout) == (2, "")
    assert bad.stderr.splitlines() == MANY_ERRORS


def test_validate_json(run: Any, tmp_path: Path) -> None:
    folder(tmp_path, a__yaml=GOOD, t__yaml="input: 1\n\t- x\n")
    result = in_folder(tmp_path, run, "validate", "a.yaml", "t.yaml", "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "format_version": 1,
        "valid": False,
        "files": [
            {
                "file": "a.yaml",
                "valid": True,
                "summary": "2 layers, 9 parameters, 1 sample",
                "errors": [],
            },
            {
                "file": "t.yaml",
                "valid": False,
                "summary": None,
                "errors": [
                    {
                        "line": 2,
                        "column": 1,
                        "place": "",
                        "message": "YAML does not allow tabs for indentation (line 2, column 1); "
                        "indent with spaces",
                        "text": "t.yaml:2: YAML does not allow tabs for indentation "
                        "(line 2, column 1); indent with spaces",
                    }
                ],
            },
        ],
    }


def test_github_annotations_name_file_line_and_column(run: Any, tmp_path: Path) -> None:
    folder(tmp_path, t__yaml="input: 1\n\t- x\n", many__yaml=MANY)
    result = in_folder(tmp_path, run, "validate", "t.yaml", "many.yaml", "--github")
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "::error file=t.yaml,line=2,col=1,title=backprop validate::YAML does not allow tabs "
        "for indentation (line 2, column 1); indent with spaces"
    )
    assert lines[1] == (
        "::error file=many.yaml,line=1,title=backprop validate::title: expected text, "
        "got the number 12 (put it in quotes)"
    )
    assert len(lines) == 1 + len(MANY_ERRORS)
    assert result.stderr.splitlines()[1:] == MANY_ERRORS


def test_github_annotations_escape_what_the_workflow_command_syntax_uses() -> None:
    from backprop_cli.render.ci import Case, Finding, Suite, github

    found = Finding("a,b:c.yaml", 3, None, "title", "100% wrong\nsecond line")
    suite = Suite("x", (Case("x", "y", (found,), "failure"),), properties={"command": "check"})
    assert github([suite]) == (
        "::error file=a%2Cb%3Ac.yaml,line=3,title=backprop check::title: 100%25 wrong%0Asecond line\n"
    )


def test_github_with_a_machine_format_needs_an_output_file(run: Any, tmp_path: Path) -> None:
    folder(tmp_path, a__yaml=GOOD)
    result = in_folder(tmp_path, run, "validate", "a.yaml", "--github", "--format", "junit")
    assert result.exit_code == 2
    assert result.stderr == (
        "--github with --format json or junit: give --output FILE for the report, so the "
        "annotations and the report do not mix on standard output\n"
    )
    result = in_folder(
        tmp_path, run, "validate", "a.yaml", "--github", "-f", "junit", "-o", "r.xml"
    )
    assert (result.exit_code, result.stdout) == (0, "")
    assert ElementTree.parse(tmp_path / "r.xml").getroot().tag == "testsuites"


# --- JUnit, against the structure pytest writes ------------------------------------------


def structure(root: ElementTree.Element) -> dict[str, set[str]]:
    """Each element name with the attribute names it carries anywhere in the document."""
    found: dict[str, set[str]] = {}
    for element in root.iter():
        found.setdefault(element.tag, set()).update(element.attrib)
    return found


def pytest_junit(tmp_path: Path) -> dict[str, set[str]]:
    """What pytest itself writes with --junit-xml for a passing, a failing and an erroring test."""
    test = tmp_path / "test_sample.py"
    test.write_text(
        "import pytest\n"
        "@pytest.fixture\n"
        "def broken():\n    raise RuntimeError('x')\n"
        "def test_pass(record_testsuite_property):\n"
        "    record_testsuite_property('command', 'x')\n"
        "def test_fail():\n    assert 1 == 2\n"
        "def test_error(broken):\n    pass\n",
        encoding="utf-8",
    )
    report = tmp_path / "pytest.xml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(test),
            f"--junit-xml={report}",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        capture_output=True,
        check=False,
        cwd=tmp_path,
    )
    return structure(ElementTree.parse(report).getroot())


def test_junit_of_validate_and_check_has_pytests_structure(run: Any, tmp_path: Path) -> None:
    reference = pytest_junit(tmp_path)
    generated = ROOT / "problems"
    folder(tmp_path, many__yaml=MANY)
    stale = GOOD + "title: stale\n"
    folder(tmp_path, s__yaml=stale, s__answers__yaml="answers: {output: 0.5, loss: 0.1013}\n")
    reports = [
        in_folder(tmp_path, run, "validate", str(generated), "many.yaml", "-f", "junit").stdout,
        in_folder(tmp_path, run, "check", "s.yaml", "-f", "junit").stdout,
    ]
    for text in reports:
        assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<testsuites')
        ours = structure(ElementTree.fromstring(text))
        assert set(ours) <= set(reference), set(ours) - set(reference)
        for tag, attributes in ours.items():
            assert attributes <= reference[tag], (tag, attributes - reference[tag])
    suites = ElementTree.fromstring(reports[0]).findall("testsuite")
    assert [s.get("name") for s in suites][-1] == "many.yaml"
    assert [(s.get("tests"), s.get("failures")) for s in suites] == [("1", "0")] * 5 + [("1", "1")]
    failure = suites[-1].find("testcase/failure")
    assert failure is not None
    assert failure.get("message") == MANY_ERRORS[0]
    assert (failure.text or "").splitlines() == MANY_ERRORS


def test_check_junit_has_one_testcase_per_answer_and_the_diagnosis(
    run: Any, tmp_path: Path
) -> None:
    key = "answers:\n  output: 0.6817\n  loss: 0.5\n"
    folder(tmp_path, s__yaml=GOOD, s__answers__yaml=key)
    result = in_folder(tmp_path, run, "check", "s.yaml", "-f", "junit")
    assert result.exit_code == 1
    suite = ElementTree.fromstring(result.stdout).find("testsuite")
    assert suite is not None
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == (
        "s.yaml — s.answers.yaml",
        "2",
        "1",
    )
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("s.answers.yaml", "output"),
        ("s.answers.yaml", "loss"),
    ]
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.get("message") == (
        "s.answers.yaml:3: loss: wrong: None of the common mistakes explains it; "
        "work it out again: loss = MSE of output and target."
    )
    assert (failure.text or "").endswith("given 0.5, expected 0.10134384787889553")


# --- check: answer keys beside their problems --------------------------------------------


def test_check_finds_the_keys_beside_the_problems(run: Any, tmp_path: Path) -> None:
    generated = in_folder(tmp_path, run, "generate", "--seed", "3", "--count", "2", "--out", "g")
    assert generated.exit_code == 0
    quiet = in_folder(tmp_path, run, "check", "g", "-q")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    key = tmp_path / "g" / "mlp-3-2.answers.yaml"
    key.write_text(key.read_text(encoding="utf-8").replace("  loss:", "  loss: 9 #"), "utf-8")
    # a key given by itself names its problem; a problem given names its key
    for argument in ("g/mlp-3-2.answers.yaml", "g/mlp-3-2.yaml", "g"):
        result = in_folder(tmp_path, run, "check", argument, "--quiet")
        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr.startswith("g/mlp-3-2.answers.yaml:8: loss: wrong: ")


def test_check_json_carries_the_format_version_and_the_lines(run: Any, tmp_path: Path) -> None:
    folder(tmp_path, s__yaml=GOOD, a__yaml="answers:\n  output: 0.6817\n")
    result = in_folder(tmp_path, run, "check", "s.yaml", "-a", "a.yaml", "-f", "json")
    data = json.loads(result.stdout)
    assert data["format_version"] == 1
    assert data["marks"][0]["line"] == 2


def test_check_with_answers_takes_one_problem(run: Any) -> None:
    result = run("check", "ex1", "ex2", "--answers", "a.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        "--answers a.yaml: expected one problem FILE with --answers, got 2 (without --answers, "
        "each problem is checked against the key beside it)\n"
    )


def test_the_solve_report_carries_the_format_version(run: Any) -> None:
    data = json.loads(run("solve", "ex3", "-f", "json").stdout)
    assert next(iter(data)) == "format_version" and data["format_version"] == 1
    assert "format_version" not in data["variants"][0]["report"]


# --- the composite action ----------------------------------------------------------------


def test_docs_ci_names_the_real_hooks_and_action_inputs() -> None:
    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    config = yaml.safe_load(docs.split("```yaml\n", 1)[1].split("```", 1)[0])
    assert [h["id"] for h in config["repos"][0]["hooks"]] == [h["id"] for h in hooks]
    assert all(h["language"] == "python" and h["files"] == r"\.ya?ml$" for h in hooks)
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    for name in action["inputs"]:
        assert f"{name}:" in docs or f"`{name}`" in docs, name


def test_check_without_answers_or_keys_says_how(run: Any) -> None:
    result = run("check", "ex1")
    assert result.exit_code == 2
    assert result.stderr == (
        "ex1: no answer key among or beside the FILEs: give --answers ANSWERS.yaml, "
        "or put NAME.answers.yaml beside NAME.yaml\n"
    )
    assert run("check", "ex1", "--quiet").exit_code == 0  # the pre-commit hook's case


def test_a_check_that_cannot_run_is_a_junit_error(run: Any, tmp_path: Path) -> None:
    folder(tmp_path, s__yaml=GOOD, s__answers__yaml="answers: {outptu: 0.5}\n")
    result = in_folder(tmp_path, run, "check", "s.yaml", "-f", "junit")
    assert result.exit_code == 2
    message = "s.answers.yaml:1: answers.outptu: unknown quantity 'outptu' (did you mean 'output'?)"
    assert result.stderr.startswith(message)
    suite = ElementTree.fromstring(result.stdout).find("testsuite")
    assert suite is not None and (suite.get("errors"), suite.get("failures")) == ("1", "0")
    error = suite.find("testcase/error")
    assert error is not None and (error.get("message") or "").startswith(message)


def test_errors_kept_before_one_that_stops_the_reading_are_reported(
    run: Any, tmp_path: Path
) -> None:
    # found by fuzzing validate: a variant's unknown key was kept, then its missing name
    # stopped the reading, and only the second was reported
    folder(tmp_path, v__yaml=GOOD + "variants:\n  - set: {input: 2}\n    nmae: x\n")
    result = in_folder(tmp_path, run, "validate", "v.yaml")
    assert result.stderr.splitlines() == [
        "v.yaml:11: variants[0].name: expected the variant's name (text), got nothing (the key "
        "is missing)",
        "v.yaml:12: variants[0].nmae: unknown key 'nmae' (did you mean 'name'?); expected one "
        "of the keys name, set",
    ]
