"""The user documentation: every link leads somewhere, every command's --help names its page,
and problem files written from docs/ alone solve to the numbers PyTorch gives."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).parent.parent
EXAMPLES = Path(__file__).parent / "docs_examples"
PAGES = sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_the_docs_exist_and_the_readme_links_them() -> None:
    names = {page.name for page in PAGES}
    assert {"README.md", "problem-format.md", "solve.md", "check.md", "validate.md"} <= names
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "SPEC.md" not in readme and "DESIGN.md" not in readme
    assert "docs/problem-format.md" in readme


@pytest.mark.parametrize("page", [ROOT / "README.md", *PAGES], ids=lambda p: p.name)
def test_every_link_leads_to_a_file_and_heading_that_exist(page: Path) -> None:
    links = [t for t in LINK.findall(page.read_text(encoding="utf-8")) if "://" not in t]
    assert links or page.name not in ("README.md", "problem-format.md")
    for target in links:
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name} links {target}, which does not exist"
        if anchor:
            assert anchor in _anchors(linked), f"{page.name} links {target}: no such heading"


@pytest.mark.parametrize(
    ("command", "page"),
    [
        ("solve", "solve.md"),
        ("check", "check.md"),
        ("validate", "validate.md"),
        ("new", "new-and-generate.md"),
        ("generate", "new-and-generate.md"),
        ("list", "list-and-schema.md"),
        ("schema", "list-and-schema.md"),
    ],
)
def test_every_command_help_names_its_page(
    run: Callable[..., Any], command: str, page: str
) -> None:
    result = run(command, "--help")
    assert f"Docs: docs/{page} (in the source repository)" in result.stdout
    assert (ROOT / "docs" / page).exists()


def _report(run: Callable[..., Any], *args: str) -> dict[str, Any]:
    result = run("solve", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_a_batch_written_from_the_docs(run: Callable[..., Any]) -> None:
    report = _report(run, str(EXAMPLES / "batch.yaml"))
    # PyTorch 2.13: BCEWithLogitsLoss over the 3 samples, SGD(lr=0.5), 3 steps.
    assert report["update"]["loss_history"] == pytest.approx(
        [0.7738454500466284, 0.7065786464761749, 0.625331282850604, 0.5753632642200418], rel=1e-12
    )
    expected = [
        [-0.11899968893865859, 0.0],
        [0.209485702444743, -0.005932611924340941],
        [-0.07165731271249995, 0.003955074616227294],
    ]
    np.testing.assert_allclose(report["gradients"]["W1"], expected, rtol=1e-12, atol=1e-15)
    assert report["gradients"]["b2"] == pytest.approx([-0.1601118690860869], rel=1e-12)


def test_softmax_and_cross_entropy_with_a_class_index_written_from_the_docs(
    run: Callable[..., Any],
) -> None:
    report = _report(run, str(EXAMPLES / "softmax.yaml"))
    # PyTorch 2.13: F.cross_entropy(W @ x + b, class 2), then W − 0.1·∂L/∂W.
    assert report["target"] == [0.0, 0.0, 1.0]
    assert report["output"] == pytest.approx(
        [0.8234378877731943, 0.15814117110170875, 0.018420941125097023], rel=1e-12
    )
    assert report["loss"]["value"] == pytest.approx(3.994267156892458, rel=1e-12)
    assert report["gradients"]["b1"] == pytest.approx(
        [0.8234378877731943, 0.15814117110170875, -0.9815790588749029], rel=1e-12
    )
    assert report["update"]["params"]["W1"][2] == pytest.approx(
        [-0.9509210470562548, 1.9018420941125096], rel=1e-12
    )


def test_a_variant_and_set_written_from_the_docs(run: Callable[..., Any]) -> None:
    # PyTorch 2.13: 0.5·(tanh(w·x + b) − 0.2)², and with F.leaky_relu(z, 0.1).
    report = _report(run, str(EXAMPLES / "variant.yaml"))
    assert report["loss"]["value"] == pytest.approx(0.009299144546515462, rel=1e-12)
    (variant,) = report["variants"]
    assert variant["set"] == {"layers.0.activation": {"name": "leaky_relu", "alpha": 0.1}}
    assert variant["report"]["loss"]["value"] == pytest.approx(0.01125, rel=1e-12)
    np.testing.assert_allclose(variant["report"]["gradients"]["W1"], [[0.225, -0.075]], rtol=1e-12)

    report = _report(run, str(EXAMPLES / "variant.yaml"), "--set", "input=[-1, 2]")
    expected = [[0.09933533641495546, -0.1986706728299109]]
    np.testing.assert_allclose(report["gradients"]["W1"], expected, rtol=1e-12)
    leaky = report["variants"][0]["report"]
    assert leaky["gradients"]["b1"] == pytest.approx([-0.1], rel=1e-12)


def test_the_adam_example_of_the_optimizers_page(run: Callable[..., Any]) -> None:
    page = (ROOT / "docs" / "optimizers.md").read_text(encoding="utf-8")
    example = (EXAMPLES / "adam.yaml").read_text(encoding="utf-8")
    assert f"```yaml\n{example}```" in page  # the page shows the file as it is
    report = _report(run, str(EXAMPLES / "adam.yaml"))
    # PyTorch 2.13, float64: F.mse_loss(σ(W @ x + b), y), torch.optim.Adam(lr=0.1), 2 steps.
    update = report["update"]
    assert update["loss_history"] == pytest.approx(
        [0.01728573255398016, 0.004621501178511449, 0.0005488069730869934], rel=1e-12
    )
    np.testing.assert_allclose(
        update["params"]["W1"], [[0.6900933689176817, -0.49009339222635706]], rtol=1e-12
    )
    np.testing.assert_allclose(
        update["state"]["W1"]["m"], [[-0.006110241804270568, 0.012220483608541137]], rtol=1e-12
    )
    np.testing.assert_allclose(
        update["state"]["W1"]["v"], [[2.5470430356220956e-06, 1.0188172142488382e-05]], rtol=1e-12
    )
    # The output the page quotes is what the command prints.
    result = run("solve", str(EXAMPLES / "adam.yaml"), "--sections", "update", "--format", "plain")
    shown = result.stdout
    for block in page.split("```\n")[1::2]:
        if block.startswith(("Update", "Training")):
            for line in block.splitlines():
                assert line.rstrip() in shown, line


def test_an_l2_regularized_run_written_from_the_docs(run: Callable[..., Any]) -> None:
    report = _report(run, str(EXAMPLES / "regularization.yaml"))
    # PyTorch 2.13: SGD(lr=0.5) with weight_decay=0.01 on W1, W2 (0 on the biases), 2 steps;
    # the loss mean((ŷ − y)²) + 0.005·(ΣW1² + ΣW2²).
    assert report["update"]["loss_history"] == pytest.approx(
        [0.3115872754270921, 0.15281578073440474, 0.08035237526491701], rel=1e-12
    )
    assert report["loss"]["penalty"] == pytest.approx(0.00455, rel=1e-12)
    assert report["loss"]["data"] + report["loss"]["penalty"] == pytest.approx(
        report["loss"]["value"], rel=1e-15
    )
    np.testing.assert_allclose(
        report["update"]["params"]["W2"], [[0.42484435579249635, 0.43516937902810826]], rtol=1e-12
    )


def test_the_svm_written_from_the_docs(run: Callable[..., Any]) -> None:
    report = _report(run, str(EXAMPLES / "svm.yaml"))
    # PyTorch 2.13: 3·F.multi_margin_loss(x Wᵀ + b, [0, 2], margin=1), then W − 0.1·∂L/∂W.
    assert report["loss"]["value"] == pytest.approx(5.675, rel=1e-12)
    np.testing.assert_allclose(
        report["gradients"]["W1"], [[-0.75, -2.5], [0.75, 0.5], [0.0, 2.0]], rtol=1e-12
    )
    assert report["gradients"]["b1"] == pytest.approx([-0.5, 1.0, -0.5], rel=1e-12)
    np.testing.assert_allclose(
        report["update"]["params"]["W1"], [[0.275, -0.25], [1.425, 1.25], [0.0, 0.05]], rtol=1e-12
    )


def test_the_upstream_example_of_the_format_page(run: Callable[..., Any]) -> None:
    page = (ROOT / "docs" / "problem-format.md").read_text(encoding="utf-8")
    example = (EXAMPLES / "upstream.yaml").read_text(encoding="utf-8")
    assert f"```yaml\n{example}```" in page  # the page shows the file as it is
    report = _report(run, str(EXAMPLES / "upstream.yaml"))
    # PyTorch 2.13, float64: f = torch.sigmoid(x @ w.T + b); f.backward(torch.ones_like(f)).
    assert report["loss"] is None and report["upstream"] == [1.0]
    np.testing.assert_allclose(
        report["gradients"]["W1"], [[-0.19661193324148185, -0.3932238664829637]], rtol=1e-12
    )
    assert report["gradients"]["b1"] == pytest.approx([0.19661193324148185], rel=1e-12)
    assert report["gradients"]["x"] == pytest.approx(
        [0.3932238664829637, -0.5898357997244456], rel=1e-12
    )
