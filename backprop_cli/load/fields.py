"""The keys of a problem file, mapping by mapping, with what each means.

The loader (`problem`) accepts exactly these keys, in this order in its
messages, and the JSON Schema (`schema`) describes them in these words: one
list for both.
"""

from __future__ import annotations

TOP: dict[str, str] = {
    "title": "Shown as the heading; default: the file name without extension.",
    "description": "Free text shown under the title.",
    "tasks": "The exercise's task statements, echoed so the solution answers them in order.",
    "input": (
        "One sample's input x: a number (one feature) or a list of numbers; nested lists "
        "(C×L, C×H×W, T×D) when the first layer takes them."
    ),
    "target": (
        "The sample's target: a number or a list with one value per output; for "
        "cross_entropy a number is a class index and a list a probability vector."
    ),
    "samples": "A batch instead of input and target: a list of {input, target}.",
    "layers": "The network, first layer first: dense layers (weights or units) and activation layers.",
    "loss": "A loss name, or {name, scale, reduction, …}; averaged over the samples by default.",
    "learning_rate": "Greater than 0: also show the gradient-descent update θ ← θ − η ∂L/∂θ.",
    "optimizer": (
        "Instead of learning_rate: an optimizer name or {name, hyperparameters}: sgd "
        "(momentum, nesterov), adagrad, rmsprop, adam, adamw; torch.optim's defaults."
    ),
    "steps": "Number of updates (default 1; needs learning_rate or optimizer).",
    "freeze": "Parameters never updated, by report name (e.g. [b1, b2]); their gradients are shown.",
    "batch_size": (
        "Samples per update (default: all): each update takes the next batch_size samples "
        "in file order, wrapping around."
    ),
    "regularization": "A weight penalty added to the loss: {name: l2 or l1, lambda: λ}.",
    "variants": "The same problem re-solved with overrides: a list of {name, set: {PATH: VALUE}}.",
    "notes": "Free text shown after the solution.",
}

TOP_NEAR_MISSES: dict[str, str] = {
    "lr": "'learning_rate'",
    "eta": "'learning_rate'",
    "epochs": "'steps'",
    "momentum": "optimizer: {name: sgd, learning_rate: 0.1, momentum: 0.9}",
    "adam": "optimizer: {name: adam, learning_rate: 0.001}",
    "frozen": "'freeze'",
    "batch": "'batch_size'",
    "minibatch": "'batch_size'",
    "iterations": "'steps'",
    "alpha": "the alpha of an activation, activation: {name: leaky_relu, alpha: 0.1} in a layer",
    "x": "'input'",
    "y": "'target'",
    "network": "'layers'",
    "model": "'layers'",
}
"""Top-level keys other tools and textbooks use, too far from ours for a spelling match."""

SAMPLE: dict[str, str] = {
    "input": TOP["input"],
    "target": TOP["target"],
}

ACTIVATION: dict[str, str] = {
    "name": "The activation's name.",
    "alpha": "The activation's parameter (only leaky_relu and elu take one).",
}

LOSS: dict[str, str] = {
    "name": "The loss's name.",
    "scale": "Greater than 0: multiplies the whole loss (0.5 with sse is the textbook ½Σ(ŷ − y)²).",
    "reduction": "Over the samples: mean (the default) or sum.",
}

REGULARIZATION: dict[str, str] = {
    "name": "l2 ((λ/2)·ΣW², gradient λW) or l1 (λ·Σ|W|, gradient λ·sign(W)).",
    "lambda": "λ ≥ 0: the penalty's strength.",
    "half": "l2 only; false: λ·ΣW² with gradient 2λW (default true: (λ/2)·ΣW²).",
    "include_bias": "true: penalise the biases too (default false: the weights only).",
}

INIT: dict[str, str] = {
    "scheme": "How the weights are drawn.",
    "seed": "The seed of numpy.random.default_rng (default 0): the same on every machine.",
    "std": "The standard deviation of the normal scheme (default 1).",
    "limit": "The limit of the uniform scheme, U(−limit, limit) (default 1).",
}

VARIANT: dict[str, str] = {
    "name": "The variant's name, shown as its heading.",
    "set": "PATH: VALUE overrides, as --set takes them (e.g. input: 2, layers.0.activation: relu).",
}
