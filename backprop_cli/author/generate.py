"""Fresh exercises for instructors, each with its answer key.

Exercise k of ``--seed N`` is drawn from ``numpy.random.default_rng([N, k])``,
so it is the same on every machine and whatever ``--count`` is. Numbers are
"nice": weights, biases and inputs with one decimal, learning rates with one
or two. A draw is kept only when, solved, no pre-activation is within
`MARGIN` of 0 (so no ReLU sits on its kink) and, unless saturated units are
allowed, no sigmoid or tanh unit has |z| > `SATURATED` and no ReLU unit is
dead for every sample. The key (`answers.key`) holds every quantity
`backprop check` reads, so checking a key against its exercise passes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from backprop_cli.author import sequences
from backprop_cli.author.numbers import nice, tidy
from backprop_cli.author.problem_text import problem_text
from backprop_cli.author.shaped import CONV_TASKS, CONV_UPSTREAM_TASKS, conv, conv_upstream
from backprop_cli.author.starter import Template
from backprop_cli.errors import BackpropError, ProblemError
from backprop_cli.grade import answers
from backprop_cli.load.problem import load_source
from backprop_cli.load.sources import Source
from backprop_cli.nn.activations import Activation
from backprop_cli.records import dataclass
from backprop_cli.solve.pipeline import solve
from backprop_cli.solve.records import Solution
from backprop_cli.streams import write_file

MARGIN = 0.05
SATURATED = 3.0
"""|z| beyond which σ′ < 0.05 and tanh′ < 0.01: the unit barely learns."""
ATTEMPTS = 10_000

Rng = np.random.Generator
Document = dict[str, Any]


def _rate(rng: Rng) -> float:
    return float(rng.choice([0.1, 0.2, 0.25, 0.5]))


def _dense(rng: Rng, units: int, inputs: int, activation: str) -> dict[str, Any]:
    return {
        "weights": nice(rng, (units, inputs), 1.0),
        "bias": nice(rng, (units,), 0.5, zero=True),
        "activation": activation,
    }


def _mlp(rng: Rng) -> Document:
    return {
        "input": nice(rng, (2,), 2.0),
        "target": int(rng.integers(2)),
        "layers": [_dense(rng, 2, 2, "sigmoid"), _dense(rng, 1, 2, "sigmoid")],
        "loss": "mse",
        "learning_rate": _rate(rng),
    }


def _neuron(rng: Rng) -> Document:
    activation = str(rng.choice(["sigmoid", "tanh", "relu"]))
    bce = activation == "sigmoid" and bool(rng.integers(2))
    lowest = -10 if activation == "tanh" else 0  # tanh reaches −1; sigmoid and ReLU stop at 0
    target = int(rng.integers(2)) if bce else tidy(float(rng.integers(lowest, 11)) / 10)
    return {
        "input": nice(rng, (2,), 2.0),
        "target": target,
        "layers": [_dense(rng, 1, 2, activation)],
        "loss": "binary_cross_entropy" if bce else "mse",
        "learning_rate": _rate(rng),
    }


def _softmax(rng: Rng) -> Document:
    return {
        "input": nice(rng, (2,), 2.0),
        "target": int(rng.integers(3)),
        "layers": [_dense(rng, 3, 2, "softmax")],
        "loss": "cross_entropy",
        "learning_rate": _rate(rng),
    }


def _batch(rng: Rng) -> Document:
    return {
        "samples": [
            {"input": nice(rng, (2,), 2.0), "target": nice(rng, (), 1.0, zero=True)}
            for _ in range(3)
        ],
        "layers": [_dense(rng, 2, 2, "relu"), _dense(rng, 1, 2, "identity")],
        "loss": "mse",
        "learning_rate": _rate(rng),
    }


def _upstream(rng: Rng) -> Document:
    """A 2-2-2 circuit given ∂L/∂ŷ: the backward pass from the upstream gradient, no loss."""
    return {
        "input": nice(rng, (2,), 2.0),
        "layers": [_dense(rng, 2, 2, "tanh"), _dense(rng, 2, 2, "sigmoid")],
        "upstream": nice(rng, (2,), 1.0),
    }


_UPSTREAM_TASKS = [
    "Compute the forward pass: every pre-activation z and activation a, and the output.",
    "Given the upstream gradient ∂L/∂ŷ, compute each layer's δ with the chain rule.",
    "Compute the gradient with respect to every weight and bias, and to the input x.",
]


def _trained(rng: Rng, optimizer: dict[str, Any]) -> Document:
    """A 2-2-1 tanh network on two samples, three steps of ``optimizer``."""
    return {
        "samples": [
            {"input": nice(rng, (2,), 2.0), "target": nice(rng, (), 1.0, zero=True)}
            for _ in range(2)
        ],
        "layers": [_dense(rng, 2, 2, "tanh"), _dense(rng, 1, 2, "identity")],
        "loss": "mse",
        "optimizer": optimizer,
        "steps": 3,
    }


def _adam(rng: Rng) -> Document:
    return _trained(rng, {"name": "adam", "learning_rate": _rate(rng)})


def _momentum(rng: Rng) -> Document:
    convention = str(rng.choice(["pytorch", "classic", "ema"]))
    optimizer = {"name": "sgd", "learning_rate": _rate(rng), "momentum": 0.9}
    return _trained(rng, {**optimizer, "convention": convention})


def _training_tasks() -> list[str]:
    return [
        *TASKS[:3],
        "Do the first update by hand, with the optimizer's state of every parameter.",
        "Take two more steps and give the loss after each update.",
    ]


def _graph(rng: Rng) -> Document:
    from backprop_cli.kinds.graph.exercises import draw

    return draw(rng)


def _graph_acceptable(solution: Any, saturated: bool) -> bool:
    from backprop_cli.kinds.graph.exercises import acceptable

    return acceptable(solution, saturated)


def _graph_tasks() -> list[str]:
    from backprop_cli.kinds.graph.exercises import TASKS as GRAPH_TASKS

    return GRAPH_TASKS


def _batch_norm(rng: Rng) -> Document:
    return {
        "samples": [
            {"input": nice(rng, (2,), 2.0), "target": int(rng.integers(2))} for _ in range(4)
        ],
        "layers": [
            _dense(rng, 2, 2, "identity"),
            {
                "type": "batch_norm",
                "gamma": nice(rng, (2,), 2.0),
                "beta": nice(rng, (2,), 0.5, zero=True),
                "activation": "tanh",
            },
            _dense(rng, 1, 2, "sigmoid"),
        ],
        "loss": "binary_cross_entropy",
        "learning_rate": _rate(rng),
    }


def _normalised(rng: Rng, layer: dict[str, Any], samples: int) -> Document:
    """A 2-3-1 network with ``layer`` after its hidden layer, on a batch."""
    return {
        "samples": [
            {"input": nice(rng, (2,), 2.0), "target": nice(rng, (), 1.0, zero=True)}
            for _ in range(samples)
        ],
        "layers": [_dense(rng, 3, 2, "identity"), layer, _dense(rng, 1, 3, "identity")],
        "loss": "mse",
        "learning_rate": _rate(rng),
    }


def _layer_norm(rng: Rng) -> Document:
    layer = {
        "type": "layer_norm",
        "gamma": nice(rng, (3,), 2.0),
        "beta": nice(rng, (3,), 0.5, zero=True),
        "activation": "tanh",
    }
    return _normalised(rng, layer, 2)


def _dropout(rng: Rng) -> Document:
    mask = rng.integers(0, 2, size=(3, 3)).tolist()
    layer = {"type": "dropout", "p": float(rng.choice([0.2, 0.25, 0.5])), "mask": mask}
    problem = _normalised(rng, layer, 3)
    problem["layers"][0]["activation"] = "tanh"
    return problem


def _l2(rng: Rng) -> Document:
    problem = _mlp(rng)
    problem["target"] = tidy(float(rng.integers(1, 10)) / 10)
    problem["loss"] = "mse"
    problem["regularization"] = {"name": "l2", "lambda": float(rng.choice([0.01, 0.05, 0.1]))}
    return problem


def _hinge(rng: Rng) -> Document:
    return {
        "samples": [
            {"input": nice(rng, (2,), 2.0), "target": int(rng.integers(3))} for _ in range(2)
        ],
        "layers": [_dense(rng, 3, 2, "identity")],
        "loss": {"name": "hinge", "margin": 1},
        "learning_rate": _rate(rng),
    }


def _pool(rng: Rng) -> Document:
    """A softmax classifier of a 4×4 image max-pooled by 2×2 windows."""
    pooled = [{"type": "max_pool2d", "size": 2}, {"type": "flatten"}]
    problem = {**_softmax(rng), "input": nice(rng, (4, 4), 2.0)}
    return {**problem, "layers": [*pooled, _dense(rng, 3, 4, "softmax")]}


def _hinge_acceptable(solution: Any, saturated: bool) -> bool:
    """No margin within `MARGIN` of 0 (a kink), and some margin violated (a gradient to find)."""
    margins = solution.problem.loss.function.kinks(solution.output, solution.problem.y)
    wrong = solution.problem.y == 0
    return (
        _acceptable(solution, saturated)
        and bool(np.all(np.abs(margins[wrong]) >= MARGIN))
        and bool(np.any(margins[wrong] > 0))
    )


_HINGE_TASKS = [
    "Compute the class scores ŷ = Wx + b of each sample.",
    "Compute the hinge loss, averaged over the samples.",
    "Compute the gradient of the loss with respect to every weight and bias.",
    "Do one gradient-descent step θ ← θ − η ∂L/∂θ and give the new weights and biases.",
]


@dataclass(frozen=True)
class Recipe:
    draw: Callable[[Rng], Document]
    title: str
    accept: Callable[[Any, bool], bool] = lambda s, saturated: _acceptable(s, saturated)
    """Whether a solved draw makes a good exercise (``saturated``: --allow-saturated)."""
    tasks: Callable[[], list[str]] | None = None
    """The task statements (default: `TASKS`, a network's)."""


RECIPES: dict[Template, Recipe] = {
    Template.MLP: Recipe(_mlp, "a 2-2-1 sigmoid network"),
    Template.NEURON: Recipe(_neuron, "one neuron"),
    Template.SOFTMAX: Recipe(_softmax, "a softmax classifier"),
    Template.BATCH: Recipe(_batch, "a ReLU network on a batch of 3 samples"),
    Template.BATCH_NORM: Recipe(_batch_norm, "batch normalisation on a batch of 4 samples"),
    Template.LAYER_NORM: Recipe(_layer_norm, "layer normalisation of a hidden layer"),
    Template.DROPOUT: Recipe(_dropout, "inverted dropout with a given mask"),
    Template.GRAPH: Recipe(_graph, "a computational graph", _graph_acceptable, _graph_tasks),
    Template.ADAM: Recipe(_adam, "three Adam steps", tasks=_training_tasks),
    Template.MOMENTUM: Recipe(_momentum, "three steps with momentum", tasks=_training_tasks),
    Template.L2: Recipe(_l2, "a gradient-descent step with L2 regularization"),
    Template.RNN: Recipe(
        lambda rng: sequences.draw(rng, "rnn", 3, 1, 1), "a 3-step RNN", tasks=sequences.tasks
    ),
    Template.LSTM: Recipe(
        lambda rng: sequences.draw(rng, "lstm", 2, 1, 1), "a 2-step LSTM", tasks=sequences.tasks
    ),
    Template.GRU: Recipe(
        lambda rng: sequences.draw(rng, "gru", 2, 2, 1), "a 2-step GRU", tasks=sequences.tasks
    ),
    Template.HINGE: Recipe(
        _hinge, "a linear SVM (multiclass hinge loss)", _hinge_acceptable, lambda: _HINGE_TASKS
    ),
    Template.UPSTREAM: Recipe(
        _upstream, "backpropagating a given upstream gradient", tasks=lambda: _UPSTREAM_TASKS
    ),
    Template.CONV: Recipe(
        lambda rng: conv(rng, nice), "a 2×2 kernel on a 3×3 image", tasks=lambda: CONV_TASKS
    ),
    Template.CONV_UPSTREAM: Recipe(
        lambda rng: conv_upstream(rng, nice),
        "a 2×2 kernel on a 3×3 image given ∂L/∂Y",
        tasks=lambda: CONV_UPSTREAM_TASKS,
    ),
    Template.POOL: Recipe(_pool, "max pooling before a softmax classifier"),
}
"""How `generate` draws each template of `backprop new`."""

TASKS = [
    "Compute the forward pass: every pre-activation z and activation a, and the output.",
    "Compute the loss.",
    "Compute the gradient of the loss with respect to every weight and bias (backpropagation).",
    "Do one gradient-descent step θ ← θ − η ∂L/∂θ and give the new weights and biases.",
]


# --- drawing --------------------------------------------------------------------


def _barely_learns(f: Activation, z: np.ndarray) -> bool:
    """Whether pre-activations z (samples × units) leave a unit of f that barely learns:
    saturated (sigmoid, tanh) or dead for every sample (ReLU)."""
    if f.saturates and np.any(np.abs(z) > SATURATED):
        return True
    return f.dies and bool(np.any(np.all(z < 0, axis=0)))


def _acceptable(solution: Solution, saturated: bool) -> bool:
    for r in solution.layers:
        if r.layer.params and np.any(np.abs(r.z) < MARGIN):
            return False
        if not saturated and _barely_learns(r.layer.activation, r.z):
            return False
    return True


@dataclass(frozen=True)
class Exercise:
    name: str
    problem: str
    """The problem file's text."""
    key: str
    """The answer key's text."""


def exercise(template: Template, seed: int, k: int, saturated: bool = False) -> Exercise:
    """Exercise ``k`` (from 1) of ``seed``: the first draw of its generator that qualifies."""
    recipe = RECIPES[template]
    rng = np.random.default_rng([seed, k])
    name = f"{template.value}-{seed}-{k}"
    command = f"backprop generate --seed {seed} --template {template.value}"
    command += " --allow-saturated" if saturated else ""
    header = f"Generated by `{command}` (exercise {k}); answer key: {name}.answers.yaml"
    for _ in range(ATTEMPTS):
        document = {
            "title": f"Exercise {name}: {recipe.title}",
            "tasks": recipe.tasks() if recipe.tasks else TASKS,
            **recipe.draw(rng),
        }
        text = problem_text(document, header)
        try:
            solution = solve(load_source(Source(f"{name}.yaml", text, name)))
        except ProblemError:  # a draw where a gate is undefined: draw again
            continue
        if recipe.accept(solution, saturated):
            key_header = (
                f"Answer key for {name}.yaml, to {answers.DIGITS} significant digits.\n"
                f"Check a student's answers with: backprop check {name}.yaml --answers FILE"
            )
            return Exercise(name, text, answers.key(solution, key_header))
    raise BackpropError(
        f"no acceptable {template.value} exercise found for seed {seed} in {ATTEMPTS:,} draws"
    )


def write(exercises: list[Exercise], folder: Path, force: bool) -> list[Path]:
    """Write each exercise and its key into ``folder`` (made if missing); the paths written."""
    paths = [(folder / f"{e.name}.yaml", e.problem) for e in exercises]
    paths += [(folder / f"{e.name}.answers.yaml", e.key) for e in exercises]
    try:
        existing = [str(path) for path, _ in paths if path.exists() or path.is_symlink()]
        if existing and not force:
            raise BackpropError(f"{existing[0]} exists; use --force to overwrite it")
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackpropError(f"cannot write into {folder}: {error.strerror or error}") from None
    for path, text in paths:
        write_file(path, text)
    return [path for path, _ in paths]
