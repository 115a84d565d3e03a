"""The Python API: `load` and `solve` give the report's numbers, and a solution displays itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backprop_cli import load, solve
from backprop_cli.render import Format, RenderOptions, render


@pytest.mark.parametrize("name", ["ex1", "ex2", "ex3", "ex4", "ex5"])
def test_the_api_returns_the_json_reports_numbers(name: str) -> None:
    solution = solve(load(name))
    data = json.loads(render(Format.JSON, [solution], RenderOptions()))
    assert solution.loss == data["loss"]["value"]
    assert solution.output[0].tolist() == data["output"]
    assert set(solution.gradients) == set(data["gradients"])
    for key, value in solution.gradients.items():
        expected = np.asarray(data["gradients"][key])
        assert np.array_equal(np.asarray(value).reshape(expected.shape), expected), key
    for result, layer in zip(solution.layers, data["layers"], strict=True):
        assert result.z[0].tolist() == layer["z"] and result.a[0].tolist() == layer["a"]
        assert result.delta[0].tolist() == layer["delta"]
    assert [step.symbol for step in solution.steps] == [step["symbol"] for step in data["steps"]]


def test_a_solution_displays_itself_in_a_notebook() -> None:
    solution = solve(load("ex1"))
    assert solution._repr_markdown_() == render(Format.MARKDOWN, [solution], RenderOptions())
    latex = solution._repr_latex_()
    assert r"\documentclass" not in latex  # a notebook's LaTeX output is the body only
    assert r"$\displaystyle L$ & $\displaystyle 0.1013$" in latex
    assert latex in render(Format.LATEX, [solution], RenderOptions())


def test_loading_and_solving_does_not_import_the_renderers() -> None:
    code = (
        "import sys; from backprop_cli import load, solve; solve(load('ex1')); "
        "print(sorted(m for m in sys.modules if m.startswith(('rich', 'backprop_cli.render'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


LAZY_KINDS = {
    *(f"layers.{name}" for name in ("batch_norm", "dropout", "layer_norm", "flatten")),
    *(f"layers.{name}" for name in ("conv", "pool", "recurrent")),
    *(f"optimizers.{name}" for name in ("adagrad", "rmsprop", "adam", "adamw")),
    "regularizers.l1",
    "regularizers.l2",
    *(f"losses.{name}" for name in ("absolute", "cross_entropy", "hinge", "huber", "kl_div")),
    "losses.nll",
}
"""The modules of the registries' entries that a problem must name to import."""


def test_a_problem_imports_only_the_kinds_it_names() -> None:
    """The registries import a layer kind, optimizer, penalty or loss when a problem names
    it: start-up pays only for those in use."""
    code = (
        "import json, sys; from backprop_cli import load, solve; "
        "kinds = lambda: sorted(m.split('.', 2)[2] for m in sys.modules "
        "if m.startswith(('backprop_cli.nn.layers.', 'backprop_cli.nn.optimizers.', "
        "'backprop_cli.nn.regularizers.', 'backprop_cli.nn.losses.'))); "
        "solve(load('ex1')); first = kinds(); solve(load(sys.argv[1])); "
        "print(json.dumps([first, kinds()]))"
    )
    example = Path(__file__).parents[1] / "examples" / "adam.yaml"
    out = subprocess.run(
        [sys.executable, "-c", code, str(example)], capture_output=True, text=True, check=True
    )
    first, then = (set(modules) for modules in json.loads(out.stdout))
    assert not first & LAZY_KINDS
    assert then - first == {"optimizers.adam"}


def test_documents_never_import_rich() -> None:
    code = (
        "import sys; from backprop_cli import load, solve; "
        "from backprop_cli.render import Format, RenderOptions, render; s = solve(load('ex3')); "
        "[render(f, [s], RenderOptions()) for f in (Format.JSON, Format.LATEX, Format.MARKDOWN)]; "
        "print([m for m in sys.modules if m.startswith('rich')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_solution_is_one_line_in_a_repl() -> None:
    assert repr(solve(load("ex1"))) == (
        "<Solution 'Exercise 1: Matrix-based backpropagation': loss 0.1013, output [0.6817], "
        "2 layers, 48 steps>"
    )
    assert repr(solve(load("ex2"))).endswith("output [0.6652, 0.2447, 0.09003], 1 layer, 17 steps>")


def test_a_list_of_solutions_shows_each_as_markdown_in_a_notebook() -> None:
    solutions = solve([load("ex1"), load("ex2")])
    assert [s.problem.title for s in solutions] == [
        "Exercise 1: Matrix-based backpropagation",
        "Exercise 2: Softmax and cross-entropy gradient",
    ]
    markdown = solutions._repr_markdown_()
    assert markdown == "\n\n---\n\n".join(s._repr_markdown_() for s in solutions)
    assert "# Exercise 1" in markdown and "# Exercise 2" in markdown


def test_each_loss_entry_names_its_own_class() -> None:
    from backprop_cli.nn.losses import LOSS_ENTRIES, LOSSES

    for name, (_, aliases) in LOSS_ENTRIES.items():
        assert LOSSES[name].name == name
        assert all(LOSSES[alias] is LOSSES[name] for alias in aliases)
