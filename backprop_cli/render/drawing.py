"""What every writer of a `Picture` needs: the nodes by column and each node's incoming edges."""

from __future__ import annotations

from backprop_cli.render.document import Edge, Node, Picture, Quantity


def columns(picture: Picture) -> list[list[Node]]:
    """The nodes column by column, left to right, each column in the picture's order.

    A node without a column goes one to the right of its rightmost source
    (column 0 when it has none), so a computational graph reads from its
    inputs to its output.
    """
    placed: dict[str, int] = {}
    sources = incoming(picture)
    for node in picture.nodes:
        if node.column is not None:
            placed[node.key] = node.column
        else:
            before = [placed[e.source] for e in sources.get(node.key, ()) if e.source in placed]
            placed[node.key] = max(before, default=-1) + 1
    count = max(placed.values(), default=-1) + 1
    grouped: list[list[Node]] = [[] for _ in range(count)]
    for node in picture.nodes:
        grouped[placed[node.key]].append(node)
    return [column for column in grouped if column]


def incoming(picture: Picture) -> dict[str, list[Edge]]:
    """Each node's incoming edges, in the picture's order."""
    into: dict[str, list[Edge]] = {}
    for edge in picture.edges:
        into.setdefault(edge.target, []).append(edge)
    return into


def caption(picture: Picture, column: int) -> str:
    return picture.captions[column] if column < len(picture.captions) else ""


def elision(node: Node) -> str:
    return f"… {node.elided} more"


def head(node: Node) -> tuple[Quantity | None, tuple[Quantity, ...]]:
    """The quantity written beside the label (``x₁ = 1``: one named like the node) and the
    quantities written under it."""
    first = node.quantities[0] if node.quantities else None
    if first is not None and first.symbol == node.label:
        return first, node.quantities[1:]
    return None, node.quantities


def ids(picture: Picture) -> dict[str, str]:
    """A name for each node that no format reads as a keyword (``node``, ``end``): ``v0``, ``v1``…"""
    return {node.key: f"v{i}" for i, node in enumerate(picture.nodes)}
