"""Instructor tools: `validate` over many files, `new` starter files, `generate` with keys."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backprop_cli import load, solve
from backprop_cli.author.generate import MARGIN, RECIPES, SATURATED, exercise
from backprop_cli.author.starter import TEMPLATES, Template
from backprop_cli.nn import ACTIVATIONS, LOSSES

PROBLEMS = sorted(str(p) for p in (Path(__file__).parent.parent / "problems").glob("*.yaml"))


def test_validate_the_bundled_problems(run: Any) -> None:
    result = run("validate", *PROBLEMS)
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    assert lines[0].endswith("ex1.yaml: valid (2 layers, 9 parameters, 1 sample)")
    assert lines[2].endswith("ex3.yaml: valid (1 layer, 2 parameters, 1 sample, 1 variant)")


def test_validate_reports_every_bad_file_and_goes_on(run: Any, write: Any) -> None:
    bad = write("input: 1\ntarget: 1\nlayers: [{weights: [1, 2]}]\nloss: mse\n", "bad.yaml")
    worse = write("input: [1\n", "worse.yaml")
    result = run("validate", PROBLEMS[0], str(bad), str(worse), PROBLEMS[1])
    assert result.exit_code == 2
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr.splitlines() == [
        f"{bad}:3: layers[0].weights (layer 1): expected 1×1 (1 neuron × 1 input from x), got 1×2",
        f"{worse}:2: YAML syntax error: did not find expected ',' or ']' (column 1)",
    ]


@pytest.mark.parametrize("template", list(Template))
def test_new_writes_a_template_that_validates_and_solves(
    run: Any, tmp_path: Path, template: Template
) -> None:
    path = tmp_path / "p.yaml"
    result = run("new", str(path), "--template", template.value)
    assert result.exit_code == 0
    assert (
        result.stdout
        == f"wrote {path} (template {template.value}); solve it with: backprop solve {path}\n"
    )
    assert path.read_text(encoding="utf-8").startswith("# A backprop problem")
    assert run("validate", str(path)).exit_code == 0
    assert run("solve", str(path), "-f", "json").exit_code == 0


def test_new_refuses_to_overwrite_without_force(run: Any, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("mine", encoding="utf-8")
    result = run("new", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{path} exists; use --force to overwrite it"
    assert path.read_text(encoding="utf-8") == "mine"
    assert run("new", str(path), "--force").exit_code == 0
    assert "sigmoid" in path.read_text(encoding="utf-8")
    assert run("new", str(tmp_path)).stderr.strip().startswith(f"{tmp_path} is a directory")
    assert run("new", str(tmp_path / "no" / "p.yaml")).exit_code == 2


def test_the_templates_are_the_enum_and_the_generators() -> None:
    assert sorted(p.stem for p in TEMPLATES.glob("*.yaml")) == sorted(t.value for t in Template)
    assert set(RECIPES) == set(Template)


def test_the_mlp_template_names_every_activation_and_loss() -> None:
    text = (TEMPLATES / "mlp.yaml").read_text(encoding="utf-8")
    listed = re.search(r"activation: sigmoid +# (.*)", text)
    assert listed is not None
    canonical = {kind.name for kind in ACTIVATIONS.values()}
    assert set(listed.group(1).split(", ")) == canonical
    losses = re.search(r"loss: mse +# (.*);", text)
    assert losses is not None
    assert set(losses.group(1).split(", ")) == {kind.name for kind in LOSSES.values()}


@pytest.mark.parametrize("template", list(Template))
def test_generate_is_reproducible_and_its_keys_pass_check(
    run: Any, tmp_path: Path, template: Template
) -> None:
    first, again = tmp_path / "first", tmp_path / "again"
    args = ["generate", "--seed", "7", "--template", template.value, "--count", "2"]
    assert run(*args, "--out", str(first)).exit_code == 0
    assert run(*args, "--out", str(again)).exit_code == 0
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(
        f"{template.value}-7-{k}{suffix}" for k in (1, 2) for suffix in (".yaml", ".answers.yaml")
    )
    for name in names:
        assert (first / name).read_text(encoding="utf-8") == (again / name).read_text(
            encoding="utf-8"
        )
    for k in (1, 2):
        stem = first / f"{template.value}-7-{k}"
        result = run("check", f"{stem}.yaml", "--answers", f"{stem}.answers.yaml")
        assert result.exit_code == 0, result.stdout
        assert "answers are right." in result.stdout


def test_exercise_k_does_not_depend_on_the_count() -> None:
    assert exercise(Template.MLP, 3, 2) == exercise(Template.MLP, 3, 2)
    assert exercise(Template.MLP, 3, 2).problem != exercise(Template.MLP, 3, 1).problem
    assert exercise(Template.MLP, 3, 1).problem != exercise(Template.MLP, 4, 1).problem


@pytest.mark.parametrize("template", [t for t in Template if t != Template.GRAPH])
def test_generated_numbers_are_nice_and_units_unsaturated(
    tmp_path: Path, template: Template
) -> None:
    for seed in range(15):
        e = exercise(template, seed, 1)
        path = tmp_path / "e.yaml"
        path.write_text(e.problem, encoding="utf-8")
        problem = load(str(path))
        for layer in problem.layers:
            for values in layer.params.values():
                assert np.allclose(values, np.round(values, 1))
        assert np.allclose(problem.x, np.round(problem.x, 1))
        if problem.upstream:  # ∂L/∂ŷ given, nice too; no loss, no update asked
            assert np.allclose(problem.y, np.round(problem.y, 1)) and problem.upstream
            assert problem.learning_rate is None
        else:
            assert problem.learning_rate in (0.1, 0.2, 0.25, 0.5)
        for r in solve(problem).layers:
            if r.layer.params:
                assert np.all(np.abs(r.z) >= MARGIN)  # no pre-activation at (or near) 0
            if r.layer.activation.name in ("sigmoid", "tanh"):
                assert np.all(np.abs(r.z) <= SATURATED)
            if r.layer.activation.name == "relu":
                assert not np.any(np.all(r.z < 0, axis=0))  # no unit dead for every sample


def test_generate_keeps_existing_files_without_force(run: Any, tmp_path: Path) -> None:
    args = ["generate", "--seed", "1", "--out", str(tmp_path)]
    assert run(*args).exit_code == 0
    result = run(*args)
    assert result.exit_code == 2
    assert (
        result.stderr.strip() == f"{tmp_path / 'mlp-1-1.yaml'} exists; use --force to overwrite it"
    )
    assert run(*args, "--force").exit_code == 0


def test_generate_allows_saturation_when_asked(run: Any, tmp_path: Path) -> None:
    args = ["generate", "--seed", "2", "--template", "neuron", "--count", "30", "--out"]
    assert run(*args, str(tmp_path / "a"), "--allow-saturated").exit_code == 0
    header = (tmp_path / "a" / "neuron-2-1.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith(
        "# Generated by `backprop generate --seed 2 --template neuron --allow-saturated`"
    )
    saturated = 0
    for k in range(1, 31):
        problem = load(str(tmp_path / "a" / f"neuron-2-{k}.yaml"))
        z = solve(problem).layers[0].z
        name = problem.layers[0].activation.name
        saturated += bool(
            (name in ("sigmoid", "tanh") and np.any(np.abs(z) > SATURATED))
            or (name == "relu" and np.all(z < 0))
        )
    assert saturated > 0


def test_generated_graphs_have_whole_numbers_a_sum_over_paths_and_no_kink() -> None:
    from backprop_cli.kinds.graph.problem import from_text
    from backprop_cli.kinds.graph.solver import solve as solve_graph

    for seed in range(15):
        s = solve_graph(from_text(exercise(Template.GRAPH, seed, 1).problem))
        assert all(float(r.value).is_integer() and float(r.grad).is_integer() for r in s.nodes)
        assert all(v in range(-3, 4) and v != 0 for _, v in s.problem.inputs)
        assert any(len(r.paths) > 1 for r in s.nodes)  # a value used twice
        assert all(g != 0 for g in s.gradients.values())
        assert not any(i.kind == "kills" for i in s.insights)
        assert s.problem.learning_rate == 0.1
