"""Notation a marker reads: 1/N for a mean over samples, one summation index per formula,
and a problem that gives logits names their gradient ∂L/∂z."""

from __future__ import annotations

from pathlib import Path

from backprop_cli import load, solve
from backprop_cli.render import Format, RenderOptions, render

BATCH = str(Path(__file__).parent / "docs_examples" / "batch.yaml")


def _plain(source: str, *overrides: str) -> str:
    return render(Format.PLAIN, [solve(load(source, overrides))], RenderOptions(width=120))


def test_the_mean_over_samples_is_written_with_1_over_n() -> None:
    text = _plain(BATCH)
    assert "averaged over 3 samples: L = (1/N)·Σₙ ℓ[n]." in " ".join(text.split())
    assert "  L = (1/N)·Σₙ ℓ[n] = ⅓·(0.7133 + 0.8372 + 0.771) = 0.7738\n" in text
    two = _plain(BATCH, "samples=[{input: [1, 0], target: 1}, {input: [0, 1], target: 0}]")
    assert "L = (1/N)·Σₙ ℓ[n] = ½·(" in two and "L = ½·Σₙ" not in two


def test_the_softmax_chain_rule_sums_over_k_in_every_row() -> None:
    text = _plain("ex2")
    assert "Chain rule: δⱼ = Σₖ ∂L/∂ŷₖ·∂ŷₖ/∂zⱼ" in text
    assert "  δ₁ = Σₖ ∂L/∂ŷₖ·∂ŷₖ/∂z₁ = ŷ₁ − y₁ = 0.6652 − 1 = −0.3348\n" in text
    assert "Σⱼ ∂L/∂ŷⱼ" not in text


def test_the_gradient_of_given_logits_is_named_dl_dz_everywhere() -> None:
    text = _plain("ex2")
    assert "  ∂L/∂z = δ = [−0.3348, 0.2447, 0.09003]ᵀ\n" in text  # the input's section
    assert "  ∂L/∂z     [−0.3348, 0.2447, 0.09003]ᵀ\n" in text  # the gradients table
    assert "  ∂L/∂z = [−0.3348, 0.2447, 0.09003]ᵀ\n" in text  # the final answers
    assert "∂L/∂x =" not in text and "  ∂L/∂x " not in text  # (the network picture keeps x₁)
    assert "  ∂L/∂x = wδ = 0.5·0 = 0\n" in _plain(
        "ex3"
    )  # a network that starts with weights keeps x
