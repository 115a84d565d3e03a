"""The elementary functions of activations and losses, numerically stable for every finite z."""

from __future__ import annotations

import math

import numpy as np

Array = np.ndarray
_erf = np.frompyfunc(math.erf, 1, 1)


def sigmoid(z: Array) -> Array:
    """σ(z) = 1/(1+e^−z), computed from e^−|z| so nothing overflows."""
    e = np.exp(-np.abs(z))
    d = 1.0 + e
    return np.where(z >= 0, 1.0 / d, e / d)


def softmax(z: Array) -> Array:
    """e^{zᵢ}/Σⱼe^{zⱼ} along the last axis, shifted by the maximum to stay finite."""
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(z: Array) -> Array:
    """log softmax(z) = z − max − log Σ e^{z − max}, finite for every finite z."""
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def normal_cdf(z: Array) -> Array:
    """Φ(z) = ½(1 + erf(z/√2)), exact to double precision."""
    return 0.5 * (1.0 + np.asarray(_erf(np.asarray(z) / math.sqrt(2.0)), dtype=float))


def normal_pdf(z: Array) -> Array:
    """φ(z) = e^{−z²/2}/√(2π)."""
    return np.exp(-0.5 * np.square(z)) / math.sqrt(2.0 * math.pi)
