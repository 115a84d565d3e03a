"""What a common mistake is: where it can be made, what it makes of a quantity, how to say so.

A `Mistake` says where it can be made (``at``: the loss, a δ, an update …),
what a quantity comes to when it is (``value``: computed from the student's
own values with the formula changed), and how to say so (``explain``). The
mistakes themselves are in `mistakes` (layers, updates) and `loss_mistakes`.
"""

from __future__ import annotations

from collections.abc import Callable

from backprop_cli.expr import Message
from backprop_cli.grade.quantities import Array, Graph, Quantity, Values
from backprop_cli.load.reader import listed
from backprop_cli.records import dataclass

Places = tuple[Quantity, ...]
"""Where a mistake is made: one quantity, or several δ at once."""


@dataclass(frozen=True)
class Mistake:
    kind: str
    title: str
    at: Callable[[Graph, Quantity], bool]
    """Whether the mistake can be made in this quantity."""
    value: Callable[[Graph, Quantity, Values], Array]
    """The quantity made with the mistake, from the values before it."""
    explain: Callable[[Graph, Places, Quantity], Message]
    """Plain words: the mistake made in ``places``, seen in the given quantity."""
    upstream: bool = False
    """May be made in an earlier δ or loss the student did not give, and carry forward."""


def names(places: Places) -> str:
    return listed([p.name for p in places])


def carries(places: Places, q: Quantity) -> str:
    """The words for a mistake made upstream, in quantities the student did not give."""
    if places == (q,):
        return ""
    one = len(places) == 1
    return (
        f" The mistake is in {names(places)}, which {'is' if one else 'are'} not among your "
        "answers; it carries on from there."
    )
