"""`backprop validate`: load problem files without solving them, one verdict each."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from backprop_cli import kinds
from backprop_cli.errors import BackpropError, ProblemError, ProblemErrors
from backprop_cli.load.problem import Problem, load
from backprop_cli.load.reader import plural
from backprop_cli.load.yaml_source import ValueBudget


def validate(files: Sequence[str]) -> Iterator[tuple[str, Problem | list[BackpropError]]]:
    """Each file with its loaded problem, or every error the loader finds in it.

    A folder stands for the problem files in it (`problem_files`). The files share
    one budget of YAML values (`MAX_YAML_VALUES`): reading is what validating costs.
    """
    budget = ValueBudget()
    for argument in files:
        try:
            found = problem_files(Path(argument), argument) if is_folder(argument) else [argument]
        except ProblemError as error:
            yield argument, [error]
            continue
        for file in found:
            try:
                yield file, load(file, every_error=True, budget=budget)
            except ProblemErrors as errors:
                yield file, list(errors.errors)
            except BackpropError as error:
                yield file, [error]


def is_folder(argument: str) -> bool:
    try:
        return argument not in ("", "-") and Path(argument).is_dir()
    except (OSError, ValueError):  # a name too long for the system, or with a NUL
        return False


def problem_files(folder: Path, label: str) -> list[str]:
    """The ``*.yaml`` and ``*.yml`` files of ``folder`` (not its subfolders), sorted, leaving
    out answer keys (``*.answers.yaml``, which `check` reads beside their problem)."""
    try:
        found = sorted(
            path
            for path in folder.iterdir()
            if path.suffix in (".yaml", ".yml") and not is_answers_file(path) and path.is_file()
        )
    except OSError as error:
        raise ProblemError(label, (), f"cannot read the folder: {error.strerror}") from None
    if not found:
        raise ProblemError(label, (), "expected a folder with problem files, got no *.yaml in it")
    return [str(path) for path in found]


def is_answers_file(path: Path) -> bool:
    return path.name.endswith((".answers.yaml", ".answers.yml"))


def describe(problem: Any) -> str:
    """What a valid file holds, in its kind's words (``2 layers, 9 parameters, 1 sample``)."""
    return kinds.of(problem).describe(problem)


def describe_network(problem: Problem) -> str:
    """``2 layers, 9 parameters, 1 sample``: what a valid network file holds."""
    parts = [
        plural(len(problem.layers), "layer"),
        plural(problem.parameters, "parameter"),
        plural(int(problem.x.shape[0]), "sample"),
    ]
    if problem.variants:
        parts.append(plural(len(problem.variants), "variant"))
    return ", ".join(parts)
