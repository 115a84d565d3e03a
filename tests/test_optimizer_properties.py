"""Properties of the optimizers over random networks and hyperparameters.

- SGD's classic convention (v ← μv − ηg, θ ← θ + v) and PyTorch's (v ← μv + g, θ ← θ − ηv)
  are the same parameter path for a constant η; the ema one (v ← μv + (1 − μ)g) is not.
- Every state and update norm of a run is finite and non-negative, the loss history has
  steps + 1 values, and a frozen parameter never moves.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_formulas import OPTIMIZERS
from test_networks import load_doc, problems

from backprop_cli import solve
from backprop_cli.solve.records import Update


def _trained(doc: dict[str, Any], optimizer: dict[str, Any], steps: int) -> Update:
    doc = {**doc, "optimizer": optimizer, "steps": steps}
    with np.errstate(all="ignore"):
        update = solve(load_doc(doc)).update
    assert update is not None
    return update


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    problems(),
    st.floats(0.01, 0.5),
    st.floats(0.1, 0.95),
    st.floats(0, 0.5),
    st.booleans(),
    st.sampled_from([0.0, 0.05]),
    st.integers(2, 4),
)
def test_classic_and_pytorch_momentum_follow_the_same_path(
    doc: dict[str, Any], lr: float, mu: float, damp: float, nesterov: bool, wd: float, steps: int
) -> None:
    sgd = {"name": "sgd", "learning_rate": lr, "momentum": mu, "weight_decay": wd}
    sgd |= {"nesterov": True} if nesterov else {"dampening": damp}
    pytorch = _trained(doc, {**sgd, "convention": "pytorch"}, steps)
    classic = _trained(doc, {**sgd, "convention": "classic"}, steps)
    np.testing.assert_allclose(classic.loss_history, pytorch.loss_history, rtol=1e-9, atol=1e-12)
    for name, value in pytorch.params.items():
        np.testing.assert_allclose(classic.params[name], value, rtol=1e-9, atol=1e-12)
        for key, v in pytorch.state[name].items():  # classic's velocity is −η times PyTorch's
            np.testing.assert_allclose(classic.state[name][key], -lr * v, rtol=1e-9, atol=1e-12)


def test_ema_momentum_takes_another_path(write: Any) -> None:
    from test_optimizers import NETWORK

    from backprop_cli import load

    paths = {}
    for convention in ("pytorch", "ema"):
        keys = (
            f"optimizer: {{name: sgd, learning_rate: 0.1, momentum: 0.9, convention: {convention}}}"
        )
        update = solve(load(str(write(NETWORK + keys + "\n")))).update
        assert update is not None
        paths[convention] = update.params["W1"]
    assert not np.allclose(paths["pytorch"], paths["ema"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), OPTIMIZERS, st.integers(1, 4), st.booleans())
def test_state_and_update_norms_are_finite_and_frozen_parameters_stay(
    doc: dict[str, Any], optimizer: dict[str, Any], steps: int, freeze: bool
) -> None:
    weighted = [i for i, layer in enumerate(doc["layers"], 1) if "weights" in layer]
    if freeze and weighted:
        doc = {**doc, "freeze": [f"b{weighted[0]}"]}
    update = _trained(doc, optimizer, steps)
    assert len(update.loss_history) == steps + 1
    assert update.update_norms.shape == (steps,)
    assert np.all(np.isfinite(update.update_norms)) and np.all(update.update_norms >= 0)
    for norms in update.state_norms.values():
        assert norms.shape == (steps,) and np.all(np.isfinite(norms)) and np.all(norms >= 0)
    for name in update.frozen:
        assert name not in update.state
        layer = int(name[1:]) - 1
        np.testing.assert_array_equal(update.params[name], np.asarray(doc["layers"][layer]["bias"]))
