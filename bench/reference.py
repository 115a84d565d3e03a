"""The reference for the training benchmark: a minimal hand-written NumPy script.

It does what `backprop solve PROBLEM --format json` does for the benchmark
problem, and nothing more: load the YAML, draw the weights the same way,
run the full-batch gradient-descent steps, write the loss history and the
final parameters as JSON. Usage: python bench/reference.py PROBLEM.yaml
"""

from __future__ import annotations

import json
import sys

import numpy as np
import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def main(path: str) -> None:
    with open(path, encoding="utf-8") as stream:
        doc = yaml.load(stream, Loader=Loader)
    x = np.array([s["input"] for s in doc["samples"]], dtype=float)
    classes = [s["target"] for s in doc["samples"]]
    params, width = [], x.shape[1]
    for layer in doc["layers"]:
        rng = np.random.default_rng(layer["init"]["seed"])
        units = layer["units"]
        params.append([rng.normal(0.0, np.sqrt(2.0 / width), size=(units, width)), np.zeros(units)])
        width = units
    y = np.zeros((len(classes), width))
    y[np.arange(len(classes)), classes] = 1.0
    eta, n, history = doc["learning_rate"], len(x), []
    for step in range(doc["steps"] + 1):
        h = np.maximum(x @ params[0][0].T + params[0][1], 0.0)
        z = h @ params[1][0].T + params[1][1]
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        history.append(float(-(y * log_p).sum(axis=1).mean()))
        if step == doc["steps"]:
            break
        d2 = (np.exp(log_p) - y) / n
        d1 = (d2 @ params[1][0]) * (h > 0)
        grads = [(d1.T @ x, d1.sum(axis=0)), (d2.T @ h, d2.sum(axis=0))]
        for p, (dW, db) in zip(params, grads, strict=False):
            p[0] -= eta * dW
            p[1] -= eta * db
    out = {
        "loss_history": history,
        "params": {
            f"{k}{i + 1}": v.tolist()
            for i, p in enumerate(params)
            for k, v in zip("Wb", p, strict=False)
        },
    }
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
