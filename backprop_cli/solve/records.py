"""The records a solution is made of: what renderers read, and all they read.

Values are canonical NumPy arrays (never squeezed): per-sample quantities are
(N × width), weights (outputs × inputs), biases (outputs,). Formulas are
`expr` trees; no text is formatted here.
"""

from __future__ import annotations

from dataclasses import field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from backprop_cli import kinds
from backprop_cli.expr import Message
from backprop_cli.records import dataclass
from backprop_cli.solve.steps import Phase, Step

if TYPE_CHECKING:
    from backprop_cli.load.problem import Layer, Problem
    from backprop_cli.nn.optimizers import Optimizer

__all__ = [
    "GradientCheck",
    "Insight",
    "LayerResult",
    "Phase",
    "Solution",
    "Step",
    "Update",
    "per_unit",
]


def per_unit(values: np.ndarray) -> np.ndarray:
    """A per-sample quantity with each sample's values in one row, row-major (a C×H×W sample
    as C·H·W units): how the element-by-element derivation and the tables number them."""
    return values.reshape(values.shape[0], -1)


@dataclass(frozen=True)
class Insight:
    """Something worth a student's attention, found by the engine (see `insights`)."""

    kind: str
    message: Message
    layer: int | None = None
    unit: int | None = None
    """The 0-based neuron it is about, if one: variants compare insights by (kind, layer, unit)."""


@dataclass(frozen=True)
class LayerResult:
    """One layer's values for the problem's (first) forward and backward pass."""

    layer: Layer
    a_prev: np.ndarray
    z: np.ndarray
    """Pre-activation (for an activation layer: its input)."""
    a: np.ndarray
    grad_a: np.ndarray
    """∂L/∂a: the gradient arriving from above."""
    delta: np.ndarray
    """δ = ∂L/∂z."""
    fprime: np.ndarray | None = None
    """f′(z) element by element (None for softmax, whose derivative is a Jacobian)."""
    grads: dict[str, np.ndarray] = field(default_factory=dict)
    """∂L/∂θ of the layer's parameters by base name (``W``, ``b``); empty for none."""
    cache: Any = None
    """What the layer kind's forward pass kept for its backward pass."""
    data_grads: dict[str, np.ndarray] = field(default_factory=dict)
    """∂L_data/∂θ of the parameters a regularization covers (``grads`` has the sum with the
    penalty's share); empty without one."""

    @property
    def index(self) -> int:
        return self.layer.index

    def flat(self) -> LayerResult:
        """Its per-sample values as rows of N × width (a C×H×W sample laid out row-major), for
        the steps and tables that go unit by unit; ``a_prev`` and ``cache`` stay as they are."""
        if self.z.ndim == 2:
            return self
        fprime = None if self.fprime is None else per_unit(self.fprime)
        return replace(
            self,
            z=per_unit(self.z),
            a=per_unit(self.a),
            grad_a=per_unit(self.grad_a),
            delta=per_unit(self.delta),
            fprime=fprime,
        )


@dataclass(frozen=True)
class Update:
    """``steps`` updates of every parameter by the optimizer (each on its mini-batch)."""

    optimizer: Optimizer
    steps: int
    loss_history: np.ndarray
    """The loss over all samples before each update, then after the last one (steps + 1 values)."""
    params: dict[str, np.ndarray]
    """``W1``, ``b1``, … after the last update."""
    first: dict[str, np.ndarray] = field(default_factory=dict)
    """The parameters after the first update (the one the derivation shows)."""
    initial_state: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    """Each updated parameter's optimizer state before the first update."""
    worked: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    """Every value the first update computed for each parameter (``m``, ``m_hat``, ``theta``)."""
    state: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    """Each updated parameter's optimizer state after the last update."""
    update_norms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """‖Δθ‖ over every parameter, for each update."""
    state_norms: dict[str, np.ndarray] = field(default_factory=dict)
    """‖m‖, ‖v‖, … over every parameter after each update, by the state's name."""
    first_gradients: dict[str, np.ndarray] = field(default_factory=dict)
    """The gradients the first update used (its mini-batch's), by parameter."""
    first_batch: tuple[int, ...] = ()
    """The 0-based samples of the first update's mini-batch."""
    batch: Solution | None = None
    """The loss and gradients of the first update's mini-batch alone, when it is not every
    sample (the problem restricted to its samples, without an update), for its derivation."""
    frozen: tuple[str, ...] = ()
    """The parameters never updated (``freeze``)."""

    @property
    def learning_rate(self) -> float:
        return self.optimizer.learning_rate


@dataclass(frozen=True)
class GradientCheck:
    """Central finite differences against every analytic gradient."""

    max_abs_error: float
    max_rel_error: float
    passed: bool
    checked: int
    """Entries compared (those at a kink are not)."""
    kinks: tuple[str, ...] = ()
    """Entries whose perturbation crosses a kink or leaves the loss's domain: not
    differentiable there, so not compared."""
    tolerance: float = 1e-5
    """Relative tolerance: an entry passes within tolerance·max(|numeric|, |analytic|) …"""
    abs_tolerance: float = 1e-8
    """… plus this absolute floor."""


@dataclass(frozen=True)
class VariantSolution:
    name: str
    assignments: tuple[tuple[str, object], ...]
    solution: Solution


@dataclass(frozen=True)
class Solution:
    """Everything `solve` found for one problem; renderers read only this."""

    problem: Problem
    layers: tuple[LayerResult, ...]
    output: np.ndarray
    loss: float
    sample_losses: np.ndarray
    dx: np.ndarray
    """∂L/∂x, N × input width."""
    fused: bool
    """The loss was computed from the last layer's logits (softmax + CE, sigmoid + BCE)."""
    steps: tuple[Step, ...]
    insights: tuple[Insight, ...] = ()
    update: Update | None = None
    gradient_check: GradientCheck | None = None
    variants: tuple[VariantSolution, ...] = ()
    round_intermediate: int | None = None
    params: dict[str, np.ndarray] = field(default_factory=dict)
    """The parameters the solution started from: ``W1``, ``b1``, …"""
    loss_data: float | None = None
    """With a regularization: the data loss (``loss`` is it plus the penalty)."""
    penalty: float | None = None
    """With a regularization: its penalty R on the weights."""

    def __repr__(self) -> str:
        """One line for a REPL: ``<Solution 'Exercise 1: …': loss 0.1013, output [0.6817]>``."""
        output = ", ".join(f"{v:.4g}" for v in self.output.ravel()[:4])
        more = ", …" if self.output.size > 4 else ""
        loss = "∂L/∂ŷ given" if self.problem.upstream else f"loss {self.loss:.4g}"
        return (
            f"<Solution {self.problem.title!r}: {loss}, output [{output}{more}], "
            f"{len(self.layers)} layer{'s' * (len(self.layers) != 1)}, {len(self.steps)} steps>"
        )

    def _repr_markdown_(self) -> str:
        """Jupyter shows a solution as its worked solution, in Markdown with maths."""
        return kinds.of(self).notebook(self, "markdown")

    def _repr_latex_(self) -> str:
        """The worked solution as LaTeX for a notebook's LaTeX output (e.g. nbconvert's PDF):
        the document's body, without the preamble."""
        return kinds.of(self).notebook(self, "latex")

    @property
    def gradients(self) -> dict[str, np.ndarray]:
        """``W1``, ``b1``, … and ``x``: ∂L/∂θ for every parameter and the input."""
        grads = {
            result.layer.param_name(base): value
            for result in self.layers
            for base, value in result.grads.items()
        }
        grads["x"] = self.dx
        return grads


class Solutions(tuple[Solution, ...]):
    """Several solutions, as ``solve([p1, p2])`` returns them: a notebook shows each as
    its worked solution in Markdown (a plain list would show their one-line reprs)."""

    def _repr_markdown_(self) -> str:
        return "\n\n---\n\n".join(solution._repr_markdown_() for solution in self)
