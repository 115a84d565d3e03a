"""The terminal's equation rows lay out exactly as the two-column Rich grid they replace."""

from __future__ import annotations

from io import StringIO

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from backprop_cli.render.aligned_rows import AlignedRows

WORDS = st.text(alphabet="ab=·⁽¹⁾∂−", min_size=1, max_size=12)
HEADS = st.lists(WORDS, min_size=1, max_size=2).map(lambda words: " " + " ".join(words))
BODIES = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)


def printed(renderable: RenderableType, width: int) -> str:
    console = Console(file=StringIO(), width=width, color_system=None)
    console.print(renderable)
    file = console.file
    assert isinstance(file, StringIO)
    return file.getvalue()


def grid(rows: list[tuple[Text, Text]]) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, justify="right")
    table.add_column()
    for head, body in rows:
        table.add_row(head, body)
    return table


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(HEADS, BODIES), min_size=1, max_size=5),
    st.integers(min_value=30, max_value=120),
)
def test_rows_print_as_the_grid_does(texts: list[tuple[str, str]], width: int) -> None:
    rows = [(Text(head, style="bold"), Text(body, style="green")) for head, body in texts]
    assert printed(AlignedRows(rows), width) == printed(grid(rows), width)


def test_a_body_too_wide_for_its_column_wraps_under_itself() -> None:
    rows = [(Text(" a⁽¹⁾ ="), Text("0.5 + 0.25")), (Text(" ="), Text("1 + 2 + 3 + 4 + 5 + 6"))]
    assert printed(AlignedRows(rows), 18).splitlines() == [
        " a⁽¹⁾ = 0.5 + 0.25",
        "      = 1 + 2 + 3 ",
        "        + 4 + 5 + ",
        "        6         ",
    ]


def test_the_rows_keep_their_colours() -> None:
    rows = [(Text(" z =", style="bold"), Text("0.5", style="green"))]
    console = Console(file=StringIO(), width=20, color_system="standard", force_terminal=True)
    console.print(AlignedRows(rows))
    assert console.file.getvalue() == "\x1b[1m z =\x1b[0m \x1b[32m0.5\x1b[0m\n"  # type: ignore[attr-defined]
