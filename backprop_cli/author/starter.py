"""Starter problem files for `backprop new`: commented templates that validate and solve.

The templates are package data (``backprop_cli/author/templates/NAME.yaml``); their
names are the `Template` enum, shared with `backprop generate`.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from backprop_cli.errors import BackpropError
from backprop_cli.streams import write_file

TEMPLATES = Path(__file__).parent / "templates"


class Template(str, Enum):
    MLP = "mlp"
    NEURON = "neuron"
    SOFTMAX = "softmax"
    BATCH = "batch"
    BATCH_NORM = "batch_norm"
    LAYER_NORM = "layer_norm"
    DROPOUT = "dropout"
    GRAPH = "graph"
    ADAM = "adam"
    MOMENTUM = "momentum"
    L2 = "l2"
    HINGE = "hinge"
    UPSTREAM = "upstream"
    RNN = "rnn"
    LSTM = "lstm"
    GRU = "gru"
    CONV = "conv"
    CONV_UPSTREAM = "conv-upstream"
    POOL = "pool"


def text(template: Template) -> str:
    return (TEMPLATES / f"{template.value}.yaml").read_text(encoding="utf-8")


def write(path: Path, template: Template, force: bool = False) -> None:
    """Write ``template`` to ``path``; an existing file (or a link, even dangling) only with ``force``."""
    try:
        if path.is_dir():
            raise BackpropError(
                f"{path} is a directory; give a file name such as {path / 'problem.yaml'}"
            )
        if (path.exists() or path.is_symlink()) and not force:
            what = "exists" if path.exists() else "is a symbolic link (to a missing file)"
            raise BackpropError(f"{path} {what}; use --force to overwrite it")
    except OSError as error:
        raise BackpropError(f"cannot write {path}: {error.strerror or error}") from None
    write_file(path, text(template))
