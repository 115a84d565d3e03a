"""Answer keys beside their problems: ``ex.yaml`` and ``ex.answers.yaml``.

`backprop generate` writes each exercise with its key under that name, and
`backprop check FILE...` without ``--answers`` (the ``backprop-check-keys``
pre-commit hook) checks every key against its problem, so a committed key
that went stale fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from backprop_cli.load.validate import is_answers_file, is_folder, problem_files

SUFFIXES = (".yaml", ".yml")


def key_of(problem: Path) -> Path | None:
    """The answer key beside ``problem`` (``x.yaml`` → ``x.answers.yaml``), if there is one."""
    for suffix in SUFFIXES:
        key = problem.with_name(problem.stem + ".answers" + suffix)
        if key.is_file():
            return key
    return None


def problem_of(key: Path) -> Path:
    """The problem an answer key belongs to (``x.answers.yaml`` → ``x.yaml``)."""
    stem = key.name.rsplit(".answers.", 1)[0]
    for suffix in SUFFIXES:
        problem = key.with_name(stem + suffix)
        if problem.is_file():
            return problem
    return key.with_name(stem + ".yaml")


def pairs(files: Sequence[str]) -> list[tuple[str, str]]:
    """(problem, answers) for every key among ``files`` or beside a problem among them (a
    folder stands for its problem files); problems without a key are left out."""
    found: dict[tuple[str, str], None] = {}
    for argument in files:
        paths = problem_files(Path(argument), argument) if is_folder(argument) else [argument]
        for name in paths:
            path = Path(name)
            if is_answers_file(path):
                found[(str(problem_of(path)), name)] = None
            elif (key := key_of(path)) is not None:
                found[(name, str(key))] = None
    return list(found)
