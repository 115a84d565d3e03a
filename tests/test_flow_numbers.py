"""Long one-line number lists read in one step give what the parser gives, event by event.

Every document is read twice, with the swap of `flow_numbers` and without it, and the two
readings must agree in every value, type, line and message.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_cli.errors import ProblemError
from backprop_cli.load import flow_numbers, yaml_source
from backprop_cli.load.yaml_source import YMap, YNumbers, YSeq, parse

ROW = "[" + ", ".join(f"{i / 7:.3f}" for i in range(20)) + "]"
INTS = "[" + ",".join(str(i - 10) for i in range(20)) + "]"


def shape(value: Any) -> Any:
    """Everything a reader can see of a parsed value: types, values and lines."""
    if isinstance(value, YMap):
        items = {k: (value.key_lines[k], shape(v)) for k, v in value.items()}
        return ("map", value.line, items)
    if isinstance(value, YSeq):
        return ("seq", value.line, value.item_lines, [shape(v) for v in value])
    return (type(value).__name__, value)


def both(text: str) -> tuple[Any, Any]:
    """The reading with the swap and the reading as written (value, or the error's text)."""

    def read() -> Any:
        try:
            return shape(parse(text, "f.yaml"))
        except ProblemError as error:
            return ("error", str(error), error.line)

    fast = read()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yaml_source, "swap", lambda text: (text, {}))
        slow = read()
    return fast, slow


DOCUMENTS = [
    f"input: {ROW}\ntarget: 1\n",
    f"samples:\n  - {{input: {ROW}, target: 3}}\n  - {{input: {INTS}, target: 0}}\n",
    f"weights: [{ROW}, {ROW}]\n",
    f"weights:\n  - {ROW}\n  -   {INTS}\n",
    f"x: [{ROW},{ROW}]  # a comment {ROW}\n",
    f"# {ROW}\ntitle: a\n",
    f'title: "see: {ROW}"\n',
    f"title: 'a, {ROW}'\n",
    f"notes: |\n  rows: {ROW}\n",
    f"title: foo-{ROW}\n",
    f"a: &row {ROW}\nb: *row\n",
    f"a: !!seq {ROW}\n",
    f"{{{ROW}: 1}}\n",
    f"x: {ROW.replace('0.000', '1e999')}\n",
    f"x: {ROW.replace('0.000', '.5').replace('0.143', '+1').replace('0.286', '1.')}\n",
    f"x: {ROW.replace('0.000', '1E-3').replace('0.143', '-.25e+2')}\n",
    f"x: {ROW.replace('0.000', '0x1F')}\n",
    f"x: {ROW.replace('0.000', 'true')}\n",
    f"x: {ROW[:-1]}, ]\n",
    f"x: {ROW}\nx: 2\n",
    f"x: {ROW}\n---\ny: 1\n",
    f"x: {ROW}\ny: [1, 2\n",
    "x: " + "[" * 70 + ROW + "]" * 70 + "\n",
    f"x: \ue000 {ROW}\n",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_a_document_reads_the_same_with_and_without_the_swap(text: str) -> None:
    fast, slow = both(text)
    assert fast == slow


def test_the_swap_reads_the_long_lists_of_a_sample_file_in_one_step() -> None:
    swapped, lists = flow_numbers.swap(f"samples:\n  - {{input: {ROW}, target: 3}}\n")
    assert len(lists) == 1 and len(swapped) == len(f"samples:\n  - {{input: {ROW}, target: 3}}\n")
    document = parse(f"samples:\n  - {{input: {ROW}, target: 3}}\n  - {{input: [1, 2]}}\n", "f")
    assert type(document["samples"][0]["input"]) is YNumbers
    assert type(document["samples"][1]["input"]) is YSeq  # short lists: as ever
    assert document["samples"][0]["input"][1] == pytest.approx(1 / 7, abs=1e-3)


NUMBER = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
    st.sampled_from(["1e999", "-1E+400", ".5", "1.", "+3", "-0", "0o17", "0x1f", ".inf", "1_0"]),
)
SEPARATOR = st.sampled_from([",", ", ", " ,", " , ", ",\t"])


@settings(max_examples=150, deadline=None)
@given(
    numbers=st.lists(NUMBER, min_size=14, max_size=40),
    separators=st.lists(SEPARATOR, min_size=40, max_size=40),
    before=st.sampled_from(["x: ", "x:  ", "- ", "x: [", "{x: ", "x: [1, ", "x: '", "x: a"]),
)
def test_any_list_of_numbers_reads_the_same(
    numbers: list[str], separators: list[str], before: str
) -> None:
    rest = "".join(s + n for s, n in zip(separators, numbers[1:], strict=False))
    row = f"[{numbers[0]}{rest}]"
    after = {"x: [": "]", "{x: ": "}", "x: [1, ": "]", "x: '": "'"}.get(before, "")
    fast, slow = both(f"{before}{row}{after}\ny: 1\n")
    assert fast == slow
