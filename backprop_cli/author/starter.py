"""Starter problem files for `backprop new`: commented templates that validate and solve.

The templates are package data (``backprop_cli/author/templates/NAME.yaml``); their
names are the `Template` enum, shared with `backprop generate`.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from backprop_cli.errors import BackpropError

TEMPLATES = Path(__file__).parent / "templates"


class Template(str, Enum):
    MLP = "mlp"
    NEURON = "neuron"
    SOFTMAX = "softmax"
    BATCH = "batch"
    BATCH_NORM = "batch_norm"
    LAYER_NORM = "layer_norm"
    DROPOUT = "dropout"


def text(template: Template) -> str:
    return (TEMPLATES / f"{template.value}.yaml").read_text(encoding="utf-8")


def write(path: Path, template: Template, force: bool = False) -> None:
    """Write ``template`` to ``path``; an existing file only with ``force``."""
    if path.is_dir():
        raise BackpropError(
            f"{path} is a directory; give a file name such as {path / 'problem.yaml'}"
        )
    if path.exists() and not force:
        raise BackpropError(f"{path} exists; use --force to overwrite it")
    try:
        path.write_text(text(template), encoding="utf-8")
    except OSError as error:
        raise BackpropError(f"cannot write {path}: {error.strerror}") from None
