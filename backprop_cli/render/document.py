"""The blocks a worked solution is laid out in, the same for every human format.

`layout` arranges a `Solution` into these; each format (rich, plain,
Markdown, LaTeX) writes each kind of block its own way. Numbers stay numbers
(`Num`, `Matrix`) until a format writes them.
"""

from __future__ import annotations

import numpy as np

from backprop_cli.expr import Expr, Message
from backprop_cli.records import dataclass
from backprop_cli.solve.records import Step


@dataclass(frozen=True)
class Heading:
    text: str
    level: int
    """1: the problem's title; 2: a section; 3: a layer within a section."""


@dataclass(frozen=True)
class Paragraph:
    parts: Message
    kind: str = "text"
    """``text``, ``note`` (the problem's own prose), ``muted`` or ``insight``."""


@dataclass(frozen=True)
class Items:
    items: tuple[Message, ...]
    numbered: bool = False


@dataclass(frozen=True)
class Equations:
    """Steps written as ``lhs = forms = substitution = value``, one per line."""

    steps: tuple[Step, ...]


Cell = str | Expr


@dataclass(frozen=True)
class Table:
    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    elided: int = 0
    """Rows left out of the middle (shown as “… N more”) before the last row."""


@dataclass(frozen=True)
class Answers:
    """The final answers, boxed: each symbol with its value."""

    title: str
    items: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True)
class Chart:
    """A small line chart of the loss over the training steps."""

    values: np.ndarray
    label: str


@dataclass(frozen=True)
class Quantity:
    """A named number drawn on a node: a value (green) or a gradient (red)."""

    symbol: Expr
    value: float
    gradient: bool = False


@dataclass(frozen=True)
class Node:
    """A node of a picture: a neuron, an input, a gate of a computational graph.

    ``key`` names it in the picture's edges (letters, digits and ``_``);
    ``column`` places it, left to right (None: one more than its deepest
    source); a node with ``elided`` > 0 stands for that many nodes left out.
    """

    key: str
    label: Expr | str
    quantities: tuple[Quantity, ...] = ()
    column: int | None = None
    elided: int = 0


@dataclass(frozen=True)
class Edge:
    """An arrow from node ``source`` to node ``target``, labelled (a weight) or not."""

    source: str
    target: str
    label: Expr | None = None


@dataclass(frozen=True)
class Picture:
    """A drawing of nodes and edges: the network with its values, a computational graph.

    ``captions`` name the columns (``input``, ``layer 1: sigmoid``); ``note``
    says what the drawing leaves out or which sample it shows.
    """

    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    captions: tuple[str, ...] = ()
    note: str = ""


Block = Heading | Paragraph | Items | Equations | Table | Answers | Chart | Picture
Document = tuple[Block, ...]
