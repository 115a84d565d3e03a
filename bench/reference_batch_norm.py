"""The reference for the batch-norm benchmark: a minimal hand-written NumPy script.

It does what `backprop solve PROBLEM --format json` does for the benchmark's
problem (`new_kinds.write_batch_norm_problem`: dense → batch norm + ReLU → dense +
softmax, cross-entropy), and nothing more: load the YAML, draw the weights the same
way, run the full-batch gradient-descent steps with the batch norm in train mode
(batch mean, biased variance, ε = 1e-5 inside the root, as PyTorch's BatchNorm1d),
write the loss history and the final parameters as JSON.
Usage: python bench/reference_batch_norm.py PROBLEM.yaml
"""

from __future__ import annotations

import json
import sys

import numpy as np
import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
EPS = 1e-5


def he_normal(layer: dict, width: int) -> np.ndarray:
    rng = np.random.default_rng(layer["init"]["seed"])
    return rng.normal(0.0, np.sqrt(2.0 / width), size=(layer["units"], width))


def main(path: str) -> None:
    with open(path, encoding="utf-8") as stream:
        doc = yaml.load(stream, Loader=Loader)
    x = np.array([s["input"] for s in doc["samples"]], dtype=float)
    classes = [s["target"] for s in doc["samples"]]
    first, _, last = doc["layers"]
    W1, b1 = he_normal(first, x.shape[1]), np.zeros(first["units"])
    gamma, beta = np.ones(first["units"]), np.zeros(first["units"])
    W3, b3 = he_normal(last, first["units"]), np.zeros(last["units"])
    y = np.zeros((len(classes), last["units"]))
    y[np.arange(len(classes)), classes] = 1.0
    eta, n, history = doc["learning_rate"], len(x), []
    for step in range(doc["steps"] + 1):
        h = x @ W1.T + b1
        mu, var = h.mean(axis=0), h.var(axis=0)
        inv = 1.0 / np.sqrt(var + EPS)
        x_hat = (h - mu) * inv
        a = np.maximum(gamma * x_hat + beta, 0.0)
        z = a @ W3.T + b3
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        history.append(float(-(y * log_p).sum(axis=1).mean()))
        if step == doc["steps"]:
            break
        d3 = (np.exp(log_p) - y) / n
        d2 = (d3 @ W3) * (a > 0)
        d_hat = d2 * gamma
        d1 = inv / n * (n * d_hat - d_hat.sum(axis=0) - x_hat * (d_hat * x_hat).sum(axis=0))
        grads = [d1.T @ x, d1.sum(axis=0), (d2 * x_hat).sum(axis=0), d2.sum(axis=0)]
        grads += [d3.T @ a, d3.sum(axis=0)]
        for p, g in zip((W1, b1, gamma, beta, W3, b3), grads, strict=True):
            p -= eta * g
    names = ("W1", "b1", "gamma2", "beta2", "W3", "b3")
    params = dict(zip(names, (W1, b1, gamma, beta, W3, b3), strict=True))
    out = {"loss_history": history, "params": {k: v.tolist() for k, v in params.items()}}
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
