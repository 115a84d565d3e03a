"""The composite action (`action.yml`), run step by step as GitHub's runner runs it.

GitHub's hosted runners cannot be reached from here, so this test plays the runner's
part for a composite action: it takes the workflow of `docs/ci.md`, gives the action its
``with:`` inputs over the declared defaults, substitutes the ``${{ inputs.NAME }}``
expressions into each step's ``run`` and ``env`` (the runner does so before the shell
starts), and runs each ``run`` step as ``bash --noprofile --norc -eo pipefail FILE`` (the
runner's ``shell: bash``) in the workspace with ``GITHUB_ACTION_PATH`` set to this
repository. ``actions/setup-python`` puts a Python first on ``PATH``: here a new virtual
environment, so the action's own ``pip install`` of this repository is what provides the
``backprop`` command. Any other ``uses:`` step or expression fails the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml

ROOT = Path(__file__).parent.parent
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
VERSION = re.compile(r"3\.\d+")


def workflow_step() -> dict[str, Any]:
    """The step of the example workflow in `docs/ci.md` that uses this action."""
    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    for block in docs.split("```yaml\n")[1:]:
        document = yaml.safe_load(block.split("```", 1)[0])
        for job in (document or {}).get("jobs", {}).values():
            for step in job["steps"]:
                if step.get("uses", "").startswith("OWNER/backprop-cli@"):
                    return dict(step)
    raise AssertionError("docs/ci.md has no workflow step using the action")


def substitute(text: str, inputs: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).removeprefix("inputs.")
        assert match.group(1).startswith("inputs.") and name in inputs, match.group(0)
        return inputs[name]

    return EXPRESSION.sub(value, text)


def run_action(
    workspace: Path, given: dict[str, str], python_dir: Path
) -> subprocess.CompletedProcess[str]:
    """Every step of `action.yml` with the inputs ``given``; the last step's outcome."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    unknown = set(given) - set(action["inputs"])
    assert not unknown, f"the workflow gives inputs the action does not declare: {unknown}"
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs |= {name: str(value) for name, value in given.items()}
    env = {key: value for key, value in os.environ.items() if not key.startswith("VIRTUAL_ENV")}
    env |= {"GITHUB_ACTION_PATH": str(ROOT), "GITHUB_WORKSPACE": str(workspace)}
    outcome = None
    for number, step in enumerate(action["runs"]["steps"]):
        if "uses" in step:
            assert step["uses"].startswith("actions/setup-python@"), step["uses"]
            version = substitute(step["with"]["python-version"], inputs)
            assert VERSION.fullmatch(version), version
            subprocess.run([sys.executable, "-m", "venv", str(python_dir)], check=True)
            env["PATH"] = f"{python_dir / 'bin'}{os.pathsep}{env['PATH']}"
            continue
        assert step["shell"] == "bash"
        script = workspace.parent / f"step-{number}.sh"
        script.write_text(substitute(step["run"], inputs), encoding="utf-8")
        step_env = env | {key: substitute(str(v), inputs) for key, v in step.get("env", {}).items()}
        bash = ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)]
        outcome = subprocess.run(
            bash, env=step_env, cwd=workspace, capture_output=True, text=True, check=False
        )
        if outcome.returncode != 0:
            return outcome
    assert outcome is not None
    return outcome


def failures(report: Path) -> int:
    """The failures a JUnit report counts over its test suites."""
    suites = ElementTree.parse(report).getroot()
    assert suites.tag == "testsuites" and len(suites) > 0
    return sum(int(suite.get("failures", "0")) for suite in suites.iter("testsuite"))


@pytest.fixture(scope="module")
def exercises(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository of problems with their answer keys, as `backprop generate` writes them."""
    workspace = tmp_path_factory.mktemp("action") / "workspace"
    workspace.mkdir()
    command = [sys.executable, "-m", "backprop_cli", "generate", "--seed", "1", "--out", "problems"]
    subprocess.run(command, cwd=workspace, check=True, capture_output=True)
    return workspace


def test_the_action_checks_a_repository_and_annotates_the_failing_line(exercises: Path) -> None:
    step = workflow_step()
    python_dir = exercises.parent / "python"
    passing = run_action(exercises, step["with"], python_dir)
    assert (passing.returncode, passing.stdout) == (0, ""), passing.stderr
    for report in ("validate.xml", "check.xml"):
        assert failures(exercises / "reports" / report) == 0, report

    key = exercises / "problems" / "mlp-1-1.answers.yaml"
    text = key.read_text(encoding="utf-8")
    key.write_text(text.replace("  loss:", "  loss: 9 #"), encoding="utf-8")
    try:
        failing = run_action(exercises, step["with"], python_dir)
    finally:
        key.write_text(text, encoding="utf-8")
    assert failing.returncode == 1, failing.stderr
    annotation = re.match(r"::error file=([^,]+),line=(\d+),title=backprop check::", failing.stdout)
    assert annotation, failing.stdout
    assert annotation.group(1) == "problems/mlp-1-1.answers.yaml"
    wrong_line = text.replace("  loss:", "  loss: 9 #").splitlines()[int(annotation.group(2)) - 1]
    assert wrong_line.startswith("  loss: 9"), wrong_line
    assert failures(exercises / "reports" / "check.xml") == 1
