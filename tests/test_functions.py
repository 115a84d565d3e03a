"""Every activation and loss: values against the textbook formula, derivatives
against central finite differences (hypothesis over random arrays), and the
numerical extremes where they must stay finite."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backprop_cli.nn import ACTIVATIONS, LOSSES
from backprop_cli.nn.activations import ACTIVATION_TYPES, Activation
from backprop_cli.nn.losses import loss_types

H = 1e-6


def matrices(low: float = -6.0, high: float = 6.0) -> st.SearchStrategy[np.ndarray]:
    shapes = st.tuples(st.integers(1, 4), st.integers(1, 5))
    return shapes.flatmap(
        lambda shape: hnp.arrays(float, shape, elements=st.floats(low, high, allow_nan=False))
    )


REFERENCE: dict[str, object] = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + math.exp(-z)),
    "tanh": math.tanh,
    "relu": lambda z: max(0.0, z),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "elu": lambda z: z if z > 0 else math.exp(z) - 1,
    "softplus": lambda z: math.log(1 + math.exp(z)),
    "silu": lambda z: z / (1 + math.exp(-z)),
    "gelu": lambda z: z * 0.5 * (1 + math.erf(z / math.sqrt(2))),
}


def test_registry_has_every_name_and_alias_of_the_spec() -> None:
    expected = {
        "identity",
        "linear",
        "none",
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "elu",
        "softplus",
        "silu",
        "swish",
        "gelu",
        "softmax",
    }
    assert set(ACTIVATIONS) == expected
    assert set(LOSSES) == {
        "mse",
        "sse",
        "mae",
        "binary_cross_entropy",
        "bce",
        "cross_entropy",
        "ce",
        "hinge",
        "multiclass_hinge",
        "svm",
        "huber",
        "smooth_l1",
        "kl_div",
        "nll",
        # the spellings of other tools that mean one of these (README: choices)
        "mean_squared_error",
        "squared_error",
        "sum_squared_error",
        "mean_absolute_error",
        "l1",
        "binary_crossentropy",
        "categorical_cross_entropy",
        "categorical_crossentropy",
        "cross_entropy_loss",
        "softmax_cross_entropy",
        "multi_margin",
        "huber_loss",
        "smooth_l1_loss",
        "kl_divergence",
        "kl",
        "kullback_leibler",
        "negative_log_likelihood",
        "nll_loss",
    }


@pytest.mark.parametrize("name", sorted(REFERENCE))
@given(z=matrices())
def test_activation_values_match_the_formula(name: str, z: np.ndarray) -> None:
    f = ACTIVATIONS[name]()
    expected = np.vectorize(REFERENCE[name])(z)  # type: ignore[call-overload]
    np.testing.assert_allclose(f.fn(z), expected, rtol=1e-12, atol=1e-12)


def test_softmax_values_match_the_formula() -> None:
    z = np.array([[2.0, 1.0, 0.0], [-1.0, 0.5, 3.0]])
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(ACTIVATIONS["softmax"]().fn(z), expected, rtol=1e-14)


def _fd_backward(f: Activation, z: np.ndarray, g: np.ndarray) -> np.ndarray:
    """∂(Σ g⊙f(z))/∂z by central differences, one entry at a time."""
    out = np.zeros_like(z)
    for index in np.ndindex(*z.shape):
        plus, minus = z.copy(), z.copy()
        plus[index] += H
        minus[index] -= H
        out[index] = (np.sum(g * f.fn(plus)) - np.sum(g * f.fn(minus))) / (2 * H)
    return out


@pytest.mark.parametrize("kind", ACTIVATION_TYPES, ids=lambda k: k.name)
@given(data=st.data())
@settings(max_examples=60)
def test_activation_derivative_matches_finite_differences(
    kind: type[Activation], data: st.DataObject
) -> None:
    f = kind()
    z = data.draw(matrices())
    g = data.draw(hnp.arrays(float, z.shape, elements=st.floats(-2, 2)))
    for kink in f.kinks:  # f′ jumps there: keep the difference quotient off it
        z = np.where(np.abs(z - kink) < 1e-3, z + 2e-3, z)
    analytic = f.backward(z, f.fn(z), g)
    np.testing.assert_allclose(analytic, _fd_backward(f, z, g), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name,alpha", [("leaky_relu", 0.2), ("elu", 0.5)])
def test_alpha_is_used_by_value_and_derivative(name: str, alpha: float) -> None:
    f = ACTIVATIONS[name]().with_alpha(alpha)
    z = np.array([[-1.5, -0.2, 0.7]])
    g = np.ones_like(z)
    np.testing.assert_allclose(f.backward(z, f.fn(z), g), _fd_backward(f, z, g), rtol=1e-6)
    assert f.fn(np.array([[-1.0]]))[0, 0] == pytest.approx(
        -alpha if name == "leaky_relu" else alpha * (math.exp(-1) - 1)
    )


def test_relu_derivative_at_zero_is_zero() -> None:
    relu = ACTIVATIONS["relu"]()
    assert relu.grad(np.array([[0.0]]), np.array([[0.0]]))[0, 0] == 0.0


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "tanh", "silu", "gelu", "elu", "softmax"])
def test_activations_stay_finite_at_extreme_logits(name: str) -> None:
    f = ACTIVATIONS[name]()
    z = np.array([[-1000.0, -1.0, 0.0, 1.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = f.fn(z)
        d = f.backward(z, a, np.ones_like(z))
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(d))


def test_exact_limits_at_extreme_logits() -> None:
    z = np.array([[-1000.0, 1000.0]])
    np.testing.assert_array_equal(ACTIVATIONS["sigmoid"]().fn(z), [[0.0, 1.0]])
    np.testing.assert_array_equal(ACTIVATIONS["softplus"]().fn(z), [[0.0, 1000.0]])
    np.testing.assert_array_equal(ACTIVATIONS["softmax"]().fn(z), [[0.0, 1.0]])


# --- losses ------------------------------------------------------------------


def _targets(name: str, shape: tuple[int, int], draw: st.DataObject) -> np.ndarray:
    if name in ("hinge", "nll"):  # a class index per sample, as its one-hot row
        classes = draw.draw(hnp.arrays(int, shape[:1], elements=st.integers(0, shape[1] - 1)))
        return np.eye(shape[1])[classes]
    if name == "kl_div":  # probabilities, some of them 0 (0·log 0 = 0)
        raw = draw.draw(hnp.arrays(float, shape, elements=st.sampled_from([0.0, 0.2, 0.5, 1.0])))
        raw[:, 0] += 0.1
        return raw / raw.sum(axis=1, keepdims=True)
    if name == "cross_entropy":
        raw = draw.draw(hnp.arrays(float, shape, elements=st.floats(0.01, 1)))
        return raw / raw.sum(axis=1, keepdims=True)
    if name == "binary_cross_entropy":
        return draw.draw(hnp.arrays(float, shape, elements=st.floats(0, 1)))
    return draw.draw(hnp.arrays(float, shape, elements=st.floats(-3, 3)))


@pytest.mark.parametrize("kind", loss_types(), ids=lambda k: k.name)
@given(data=st.data())
@settings(max_examples=60)
def test_loss_derivative_matches_finite_differences(kind: type, data: st.DataObject) -> None:
    loss = kind()
    shape = data.draw(st.tuples(st.integers(1, 4), st.integers(1, 5)))
    probability = loss.name in ("cross_entropy", "binary_cross_entropy", "kl_div", "nll")
    elements = st.floats(0.05, 0.95) if probability else st.floats(-3, 3)
    y_hat = data.draw(hnp.arrays(float, shape, elements=elements))
    y = _targets(loss.name, shape, data)
    if loss.kink_at_target:
        y_hat = np.where(np.abs(y_hat - y) < 1e-3, y_hat + 2e-3, y_hat)
    sides = loss.kinks(y_hat, y)  # a hinge's margins: not differentiable where one is 0
    assume(sides is None or bool(np.all((np.abs(sides) > 1e-3) | (y == 1.0))))
    numeric = np.zeros_like(y_hat)
    for index in np.ndindex(*shape):
        plus, minus = y_hat.copy(), y_hat.copy()
        plus[index] += H
        minus[index] -= H
        numeric[index] = (loss.value(plus, y)[index[0]] - loss.value(minus, y)[index[0]]) / (2 * H)
    np.testing.assert_allclose(loss.grad(y_hat, y), numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "name,activation", [("binary_cross_entropy", "sigmoid"), ("cross_entropy", "softmax")]
)
@given(data=st.data())
@settings(max_examples=60)
def test_fused_loss_matches_the_composition_and_its_derivative(
    name: str, activation: str, data: st.DataObject
) -> None:
    loss, f = LOSSES[name](), ACTIVATIONS[activation]()
    shape = data.draw(st.tuples(st.integers(1, 4), st.integers(1, 5)))
    z = data.draw(hnp.arrays(float, shape, elements=st.floats(-8, 8)))
    y = _targets(name, shape, data)
    np.testing.assert_allclose(
        loss.fused_value(z, y), loss.value(f.fn(z), y), rtol=1e-9, atol=1e-12
    )
    numeric = np.zeros_like(z)
    for index in np.ndindex(*shape):
        plus, minus = z.copy(), z.copy()
        plus[index] += H
        minus[index] -= H
        numeric[index] = (
            loss.fused_value(plus, y)[index[0]] - loss.fused_value(minus, y)[index[0]]
        ) / (2 * H)
    np.testing.assert_allclose(loss.fused_delta(f.fn(z), y), numeric, rtol=1e-6, atol=1e-7)


def test_mse_is_the_mean_over_outputs_and_sse_the_sum() -> None:
    y_hat, y = np.array([[1.0, 3.0]]), np.array([[0.0, 0.0]])
    assert LOSSES["mse"]().value(y_hat, y)[0] == 5.0  # (1 + 9)/2, as PyTorch's MSELoss()
    assert LOSSES["sse"]().value(y_hat, y)[0] == 10.0


def test_bce_from_a_logit_of_800_is_exactly_800_with_gradient_1() -> None:
    bce = LOSSES["bce"]()
    z, y = np.array([[800.0]]), np.array([[0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert bce.fused_value(z, y)[0] == 800.0
        assert bce.fused_delta(ACTIVATIONS["sigmoid"]().fn(z), y)[0, 0] == 1.0


def test_cross_entropy_from_logits_is_finite_at_extremes() -> None:
    ce = LOSSES["ce"]()
    z, y = np.array([[1000.0, -1000.0, 0.0]]), np.array([[0.0, 1.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert ce.fused_value(z, y)[0] == 2000.0  # −log softmax(z)₂ = 1000 − (−1000)


def test_non_fused_logs_are_clamped_at_minus_100() -> None:
    bce, ce = LOSSES["bce"](), LOSSES["ce"]()
    assert bce.value(np.array([[0.0]]), np.array([[1.0]]))[0] == 100.0
    assert ce.value(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))[0] == 100.0
    assert bce.clamped(np.array([[0.0]]), np.array([[1.0]]))
    assert not bce.clamped(np.array([[0.5]]), np.array([[1.0]]))
