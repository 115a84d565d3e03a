"""The reference for the convolution benchmark: a minimal hand-written NumPy script.

It does what `backprop solve PROBLEM --format json` does for the benchmark's
problem (`new_kinds.write_conv_problem`: conv2d with 8 filters of 3×3 on 1×28×28
+ ReLU → flatten → dense + softmax, cross-entropy), and nothing more: load the
YAML, draw the weights the same way, run the full-batch gradient-descent steps
(cross-correlation, stride 1, no padding, as PyTorch's conv2d), write the loss
history and the final parameters as JSON.
Usage: python bench/reference_conv.py PROBLEM.yaml
"""

from __future__ import annotations

import json
import sys

import numpy as np
import yaml
from numpy.lib.stride_tricks import sliding_window_view

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def he_normal(seed: int, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(shape[0], fan_in)).reshape(shape)


def main(path: str) -> None:
    with open(path, encoding="utf-8") as stream:
        doc = yaml.load(stream, Loader=Loader)
    x = np.array([s["input"] for s in doc["samples"]], dtype=float)[:, None]  # N×1×H×W
    classes = [s["target"] for s in doc["samples"]]
    conv, _, dense = doc["layers"]
    k, filters = conv["kernel_size"], conv["filters"]
    W1 = he_normal(conv["init"]["seed"], (filters, 1, k, k), k * k)
    b1 = np.zeros(filters)
    windows = sliding_window_view(x, (k, k), axis=(2, 3))  # N×1×H'×W'×k×k
    n, positions = len(x), windows.shape[2] * windows.shape[3]
    W2 = he_normal(
        dense["init"]["seed"], (dense["units"], filters * positions), filters * positions
    )
    b2 = np.zeros(dense["units"])
    y = np.zeros((n, dense["units"]))
    y[np.arange(n), classes] = 1.0
    eta, history = doc["learning_rate"], []
    for step in range(doc["steps"] + 1):
        z1 = np.einsum("ncijuv,ocuv->noij", windows, W1, optimize=True) + b1[:, None, None]
        a1 = np.maximum(z1, 0.0).reshape(n, -1)
        z2 = a1 @ W2.T + b2
        shifted = z2 - z2.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        history.append(float(-(y * log_p).sum(axis=1).mean()))
        if step == doc["steps"]:
            break
        d2 = (np.exp(log_p) - y) / n
        d1 = ((d2 @ W2).reshape(z1.shape)) * (z1 > 0)
        grads = [np.einsum("ncijuv,noij->ocuv", windows, d1, optimize=True), d1.sum(axis=(0, 2, 3))]
        grads += [d2.T @ a1, d2.sum(axis=0)]
        for p, g in zip((W1, b1, W2, b2), grads, strict=True):
            p -= eta * g
    params = dict(zip(("W1", "b1", "W3", "b3"), (W1, b1, W2, b2), strict=True))
    out = {"loss_history": history, "params": {k: v.tolist() for k, v in params.items()}}
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
