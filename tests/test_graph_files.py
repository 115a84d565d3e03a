"""Graph problem files: every bad input is exit 2 with one message naming the place (a
formula's also its column, with a caret under it), and the formula parser runs nothing."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_cli.kinds.graph.gates import FUNCTIONS
from backprop_cli.kinds.graph.parser import Apply, Const, FormulaError, Ref, parse

Run = Callable[..., Any]
Write = Callable[..., Path]


def fails(run: Run, path: Path) -> str:
    result = run("solve", str(path), "--format", "json")
    assert result.exit_code == 2, result.stdout
    assert result.stdout == ""
    return str(result.stderr).replace(str(path), "P")


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (
            "(x + w) * z",
            "P:2: expression: column 6: unknown name 'w'; expected an input or an earlier "
            "node (x, y, z)\n  (x + w) * z\n       ^\n",
        ),
        (
            "x +* y",
            "P:2: expression: column 4: expected a number, a name, a function or '(', got '*'"
            "\n  x +* y\n     ^\n",
        ),
        (
            '__import__("os")',
            "P:2: expression: column 1: unknown function '__import__'; expected one of exp, "
            'log, sqrt, abs, sin, cos, tanh, sigmoid, relu, max, min\n  __import__("os")\n  ^\n',
        ),
        (
            "x.real",
            "P:2: expression: column 2: unexpected character '.' (attributes are not allowed: "
            "use a name or a function)\n  x.real\n   ^\n",
        ),
        (
            "lambda: 1",
            "P:2: expression: column 1: unknown name 'lambda'; expected an input or an earlier "
            "node (x, y, z)\n  lambda: 1\n  ^\n",
        ),
        (
            "x ^ 2",
            "P:2: expression: column 3: unexpected character '^' (write a power as **)\n  x ^ 2\n    ^\n",
        ),
        (
            "sigmod(x)",
            "P:2: expression: column 1: unknown function 'sigmod' (did you mean 'sigmoid'?); "
            "expected one of exp, log, sqrt, abs, sin, cos, tanh, sigmoid, relu, max, min\n"
            "  sigmod(x)\n  ^\n",
        ),
        ("max(x)", "P:2: expression: column 1: max takes 2 arguments, got 1\n  max(x)\n  ^\n"),
        (
            "(x + y",
            "P:2: expression: column 7: expected ')' to close the '(', got the end of the "
            "formula\n  (x + y\n        ^\n",
        ),
    ],
)
def test_a_bad_formula_names_its_column(run: Run, write: Write, formula: str, message: str) -> None:
    path = write(f"inputs: {{x: 1, y: 2, z: 3}}\nexpression: '{formula}'\n")
    assert fails(run, path) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "inputs: {x: 1}\ngraph: {q: x + 1}\nexpression: x\n",
            "P:1: expected either graph (named nodes) or expression (one formula), got both\n",
        ),
        (
            "inputs: {x: 1}\n",
            "P:1: expected either graph (named nodes) or expression (one formula), got neither\n",
        ),
        (
            "inputs: [1, 2]\nexpression: x\n",
            "P:1: inputs: expected a mapping of name: number, e.g. {x: -2, y: 5}, got a list of 2 items\n",
        ),
        (
            "inputs: {x: true}\nexpression: x\n",
            "P:1: inputs.x: expected a number, got true (a boolean)\n",
        ),
        (
            "inputs: {x: 1}\ngraph: {x: x + 1}\n",
            "P:2: graph.x: expected a new name, got 'x', which is an input\n",
        ),
        (
            "inputs: {x: 1}\ngraph:\n  q: x + 1\n  f: q * r\n",
            "P:4: graph.f: column 5: unknown name 'r'; expected an input or an earlier node (q, x)"
            "\n  q * r\n      ^\n",
        ),
        (
            "inputs: {x: 1}\ngraph: {q: 2}\n",
            "P:2: graph.q: expected a formula of inputs or earlier nodes, not a number alone, got the number 2\n",
        ),
        (
            "inputs: {x: 1}\ngraph: {dx: x * 2}\n",
            "P:2: graph.dx: expected a name that does not read as the gradient dx of 'x' (answers "
            "files name gradients d<name> and updates <name>_new), got 'dx'\n",
        ),
        (
            "inputs: {x: 1}\nexpression: x * 2\nwrt: [y]\n",
            "P:3: wrt[0]: expected an input (one of x), got the text 'y'\n",
        ),
        (
            "inputs: {x: 1}\nexpression: x * 2\nsteps: 3\n",
            "P:3: steps: expected a learning_rate or optimizer beside steps (each step updates the "
            "inputs, x ← x − η ∂f/∂x), got neither\n",
        ),
        (
            "inputs: {x: 1}\nexpression: x * 2\noptimizer: {name: adan, learning_rate: 0.1}\n",
            "P:3: optimizer.name: expected an optimizer name (one of sgd, adagrad, rmsprop, adam, "
            "adamw), got the text 'adan' (did you mean 'adam'?)\n",
        ),
        (
            "inputs: {x: -1}\nexpression: log(x)\n",
            "P:2: expression: log needs a positive argument, got -1\n",
        ),
        (
            "inputs: {x: 0}\ngraph: {q: sqrt(x), f: q + 1}\n",
            "P:2: graph.q: the derivative of sqrt is infinite at 0\n",
        ),
        ("inputs: {x: 1}\nexpression: x / (x - 1)\n", "P:2: expression: division by zero\n"),
        ("inputs: {x: 1000}\nexpression: exp(x)\n", "P:2: expression: the value overflows (inf)\n"),
        (
            "inputs: {x: -2, y: 0.5}\nexpression: x ** y\n",
            "P:2: expression: a negative base to a fractional power is not a real number ((-2)**0.5)\n",
        ),
        (
            "inputs: {x: 3}\nexpression: log(x) * x\nlearning_rate: 10\nsteps: 5\n",
            "P:2: expression: the gate n1: log needs a positive argument, got -17.9861 (after update 1)\n",
        ),
    ],
)
def test_a_bad_graph_file_is_one_message(run: Run, write: Write, text: str, message: str) -> None:
    assert fails(run, write(text)) == message


@contextmanager
def nothing_runs() -> Iterator[None]:
    """eval, exec, compile and __import__ raise inside: the parser must not call them."""

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("the parser ran something")

    saved = {name: getattr(builtins, name) for name in ("eval", "exec", "compile", "__import__")}
    for name in saved:
        setattr(builtins, name, refuse)
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(builtins, name, function)


ALPHABET = "xyz_()+-*/.,^:;=[]{}'\"\\ 0129eE\t#@!lambdimportsqrexp"


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=ALPHABET, max_size=40),
        st.lists(
            st.sampled_from(
                [
                    "x",
                    "y",
                    "(",
                    ")",
                    "+",
                    "-",
                    "*",
                    "**",
                    "/",
                    ",",
                    "1.5",
                    "2e3",
                    "exp",
                    "max",
                    "__import__",
                    "lambda",
                    ".",
                    "'os'",
                    "sigmoid",
                    "[0]",
                    "os.system",
                    ":",
                ]
            ),
            max_size=16,
        ).map(" ".join),
    )
)
def test_fuzzed_formulas_parse_or_fail_cleanly(text: str) -> None:
    # Any text: a formula of the known names and functions, or a FormulaError with a column
    # inside it (or just after it); nothing is evaluated or imported.
    try:
        with nothing_runs():
            formula = parse(text, {"x", "y"}, FUNCTIONS)
    except FormulaError as error:
        assert 1 <= error.column <= len(text) + 1
        assert error.message
        return

    def names(f: object) -> set[str]:
        if isinstance(f, Ref):
            return {f.name}
        if isinstance(f, Apply):
            return set().union(*(names(a) for a in f.args))
        assert isinstance(f, Const)
        return set()

    assert names(formula) <= {"x", "y"}


def test_deep_nesting_is_refused_not_a_crash() -> None:
    with pytest.raises(FormulaError, match="nested more than 100 deep"):
        parse("(" * 500 + "x" + ")" * 500, {"x"}, FUNCTIONS)
    with pytest.raises(FormulaError, match="nested more than 100 deep"):
        parse("-" * 500 + "x", {"x"}, FUNCTIONS)


def test_precedence_is_pythons() -> None:
    # -x**2 is -(x**2); ** binds to the right; * before +.
    neg = parse("-x**2", {"x"}, FUNCTIONS)
    assert isinstance(neg, Apply) and neg.gate == "neg"
    assert isinstance(neg.args[0], Apply) and neg.args[0].gate == "pow"
    power = parse("x**x**2", {"x"}, FUNCTIONS)
    assert isinstance(power, Apply) and isinstance(power.args[1], Apply)
    total = parse("x + x * 2", {"x"}, FUNCTIONS)
    assert isinstance(total, Apply) and total.gate == "add"


def test_the_schema_takes_graph_files_and_refuses_bad_ones() -> None:
    import jsonschema
    import yaml

    from backprop_cli.load.schema import schema

    validator = jsonschema.Draft202012Validator(schema())
    data = Path(__file__).parent / "data"
    for name in ("cs231n-staged.yaml", "cs231n-neuron.yaml"):
        assert validator.is_valid(yaml.safe_load((data / name).read_text(encoding="utf-8")))
    good = {"inputs": {"x": 1}, "expression": "x * 2", "learning_rate": 0.1, "ascent": True}
    assert validator.is_valid(good)
    for bad in (
        {"inputs": {"x": 1}},  # neither graph nor expression
        {"inputs": {"x": 1}, "expression": "x", "graph": {"f": "x"}},  # both
        {"inputs": {"x": "one"}, "expression": "x"},
        {"inputs": {"x": 1}, "expression": "x", "steps": 2},  # steps without a learning rate
        {
            "inputs": {"x": 1},
            "expression": "x",
            "learning_rate": 0.1,
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
        },
        {"inputs": {"x": 1}, "expression": "x", "layers": []},
    ):
        assert not validator.is_valid(bad), bad


# --- fuzzing whole graph files: a result or one clean error, never a traceback -------------

BASE: dict[str, Any] = {
    "title": "t",
    "inputs": {"x": -2, "y": 5, "z": -4},
    "graph": {"q": "x + y", "f": "q * z"},
    "output": "f",
    "wrt": ["x", "z"],
    "learning_rate": 0.1,
    "steps": 3,
    "ascent": False,
}
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**400), 10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=ALPHABET, max_size=20),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(
        st.sampled_from(["x", "q", "f", "name", "exp", "dx", "1a"]),
        st.text(ALPHABET, max_size=8),
        max_size=3,
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [*BASE, "inputs.x", "graph.q", "graph.f", "expression", "optimizer", "extra"]
            ),
            st.one_of(st.just("drop"), junk),
        ),
        max_size=4,
    )
)
def test_mutated_graph_files_solve_or_fail_cleanly(changes: list[tuple[str, Any]]) -> None:
    import json as json_

    from backprop_cli.errors import BackpropError
    from backprop_cli.load.problem import load_source
    from backprop_cli.load.sources import Source
    from backprop_cli.render import Format, RenderOptions, render
    from backprop_cli.solve.pipeline import solve

    document: dict[str, Any] = json_.loads(json_.dumps(BASE))
    for key, value in changes:
        target, _, inner = key.partition(".")
        if value == "drop":
            if inner and isinstance(document.get(target), dict):
                document[target].pop(inner, None)
            else:
                document.pop(target, None)
        elif inner and isinstance(document.get(target), dict):
            document[target][inner] = value
        else:
            document[target] = value
    try:
        text = json_.dumps(document)
    except (ValueError, OverflowError):
        return
    try:
        solution = solve(load_source(Source("fuzz.yaml", text, "fuzz")))
    except BackpropError as error:
        assert str(error).startswith("fuzz.yaml")
        return
    for fmt in (Format.JSON, Format.PLAIN, Format.MARKDOWN, Format.LATEX):
        assert render(fmt, [solution], RenderOptions())


def test_a_huge_whole_number_where_text_belongs_is_described_not_converted(
    run: Run, write: Write
) -> None:
    # Found by the fuzz above (and fixed on main the same day): a 316-digit integer once
    # overflowed when it was described as a float.
    path = write(f"title: {'2' + '0' * 315}\ninputs: {{x: 1}}\nexpression: x\n")
    assert fails(run, path) == (
        "P:1: title: expected text, got the number 200…000 (316 digits) (put it in quotes)\n"
    )


def test_a_formula_set_on_the_command_line_keeps_its_caret(run: Run, write: Write) -> None:
    path = write("inputs: {x: 1, y: 2}\ngraph: {q: x + y}\n")
    result = run("solve", str(path), "--set", "graph.q=x - w")
    assert result.exit_code == 2
    assert result.stderr.replace(str(path), "P") == (
        "P: graph.q (set by --set graph.q=x - w): column 5: unknown name 'w'; expected an input "
        "or an earlier node (x, y)\n  x - w\n      ^\n"
    )
