"""The reference for the LSTM benchmark: a minimal hand-written NumPy script.

It does what `backprop solve PROBLEM --format json` does for the benchmark's problem
(`new_kinds.write_lstm_problem`: an LSTM over a long sequence, ``return: last``, then a
dense output, MSE, gradient descent), and nothing more: load the YAML, run the forward
pass through time with PyTorch's equations (gates i, f, g, o), backpropagate through
time, update, and write the loss history and the final parameters as JSON.
Usage: python bench/reference_lstm.py PROBLEM.yaml
"""

from __future__ import annotations

import json
import sys

import numpy as np
import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def main(path: str) -> None:
    with open(path, encoding="utf-8") as stream:
        doc = yaml.load(stream, Loader=Loader)
    x = np.array(doc["input"], dtype=float)  # T × D
    y = np.array([doc["target"]], dtype=float)
    lstm, dense = doc["layers"]
    W_ih, W_hh = np.array(lstm["weights_ih"]), np.array(lstm["weights_hh"])
    b = np.broadcast_to(np.array(lstm["bias"], dtype=float), (W_ih.shape[0],)).copy()
    V, c_out = np.array(dense["weights"], dtype=float).reshape(1, -1), np.zeros(1)
    H, T = W_hh.shape[1], len(x)
    eta, history = doc["learning_rate"], []
    for step in range(doc["steps"] + 1):
        h, c = np.zeros(H), np.zeros(H)
        cache = []
        for t in range(T):
            pre = W_ih @ x[t] + b + W_hh @ h
            i, f, o = sigmoid(pre[:H]), sigmoid(pre[H : 2 * H]), sigmoid(pre[3 * H :])
            g = np.tanh(pre[2 * H : 3 * H])
            c_new = f * c + i * g
            h_new = o * np.tanh(c_new)
            cache.append((h, c, i, f, g, o, c_new))
            h, c = h_new, c_new
        y_hat = V @ h + c_out
        history.append(float(np.mean((y_hat - y) ** 2)))
        if step == doc["steps"]:
            break
        d_out = 2 * (y_hat - y) / y.size
        dV, dc_out = np.outer(d_out, h), d_out
        dh, dc = V.T @ d_out, np.zeros(H)
        dW_ih, dW_hh, db = np.zeros_like(W_ih), np.zeros_like(W_hh), np.zeros_like(b)
        for t in reversed(range(T)):
            h_prev, c_prev, i, f, g, o, c_t = cache[t]
            tanh_c = np.tanh(c_t)
            dc = dc + dh * o * (1 - tanh_c**2)
            delta = np.concatenate(
                (dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g**2),
                 dh * tanh_c * o * (1 - o))
            )  # fmt: skip
            dW_ih += np.outer(delta, x[t])
            dW_hh += np.outer(delta, h_prev)
            db += delta
            dh, dc = W_hh.T @ delta, dc * f
        for p, grad in zip((W_ih, W_hh, b, V, c_out), (dW_ih, dW_hh, db, dV, dc_out), strict=True):
            p -= eta * grad
    params = {"W_ih1": W_ih, "W_hh1": W_hh, "b1": b, "W2": V, "b2": c_out}
    print(
        json.dumps({"loss_history": history, "params": {k: v.tolist() for k, v in params.items()}})
    )


if __name__ == "__main__":
    main(sys.argv[1])
