"""Writes graph_torch.json: random graph problems with PyTorch autograd's values and gradients.

Run with a Python that has torch (it is not a dependency of the project):

    python tests/data/make_graph_corpus.py > tests/data/graph_torch.json

Every operator and function of SPEC section 6 appears; graphs reuse earlier
nodes (shared subexpressions) and inputs (fan-out); powers have variable
exponents. Arguments are kept where every gate is defined and smooth (log and
sqrt of positive values, divisions by values ≥ 1, positive bases under a
variable exponent, no ties of max/min). Last, plain gradient descent and
ascent runs with torch.optim.SGD.
"""

import json
import random
import re
import sys

import torch

torch.set_default_dtype(torch.float64)

TIES = []
UNARY = ["neg", "exp", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "log", "sqrt"]
BINARY = ["add", "sub", "mul", "div", "pow", "max", "min"]


def leaf(rng, names):
    if rng.random() < 0.2:
        c = round(rng.uniform(-2, 2), 1) or 0.5
        return (repr(c) if c > 0 else f"({c!r})", lambda env, c=c: torch.tensor(c))
    n = rng.choice(names)
    return (n, lambda env, n=n: env[n])


def tree(rng, names, depth):
    if depth == 0 or rng.random() < 0.25:
        return leaf(rng, names)
    if rng.random() < 0.4:
        op = rng.choice(UNARY)
        a, fa = tree(rng, names, depth - 1)
        if op == "neg":
            return (f"-({a})", lambda env: -fa(env))
        if op == "log":  # log(|a| + 1): positive
            return (f"log(abs({a}) + 1)", lambda env: torch.log(torch.abs(fa(env)) + 1))
        if op == "sqrt":  # sqrt(a*a + 1)
            return (f"sqrt(({a}) * ({a}) + 1)", lambda env: torch.sqrt(fa(env) * fa(env) + 1))
        if op == "exp":  # exp(tanh(a)): bounded
            return (f"exp(tanh({a}))", lambda env: torch.exp(torch.tanh(fa(env))))
        fn = {
            "sin": torch.sin,
            "cos": torch.cos,
            "tanh": torch.tanh,
            "sigmoid": torch.sigmoid,
            "relu": torch.relu,
            "abs": torch.abs,
        }[op]
        return (f"{op}({a})", lambda env: fn(fa(env)))
    op = rng.choice(BINARY)
    a, fa = tree(rng, names, depth - 1)
    b, fb = tree(rng, names, depth - 1)
    if op == "add":
        return (f"({a}) + ({b})", lambda env: fa(env) + fb(env))
    if op == "sub":
        return (f"({a}) - ({b})", lambda env: fa(env) - fb(env))
    if op == "mul":
        return (f"({a}) * ({b})", lambda env: fa(env) * fb(env))
    if op == "div":  # by b*b + 1 >= 1
        return (f"({a}) / (({b}) * ({b}) + 1)", lambda env: fa(env) / (fb(env) * fb(env) + 1))
    if op == "pow":  # a positive base, a variable exponent kept small
        return (
            f"(sigmoid({a}) + 0.5) ** tanh({b})",
            lambda env: (torch.sigmoid(fa(env)) + 0.5) ** torch.tanh(fb(env)),
        )
    fn = torch.maximum if op == "max" else torch.minimum

    def routed(env):
        left, right = fa(env), fb(env)
        if (
            left.item() == right.item()
        ):  # a tie: torch splits the gradient, SPEC gives it to the first
            TIES.append(op)
        return fn(left, right)

    return (f"{op}({a}, {b})", routed)


def run(inputs, nodes):
    env = {n: torch.tensor(v, requires_grad=True) for n, v in inputs.items()}
    leaves = dict(env)
    for name, fn in nodes:
        env[name] = fn(env)
    out = env[nodes[-1][0]]
    if out.requires_grad:
        out.backward()
    grads = {n: (t.grad.item() if t.grad is not None else 0.0) for n, t in leaves.items()}
    return out.item(), grads, env


def corpus(rng):
    cases = []
    while len(cases) < 60:
        names = ["x", "y", "z", "w"][: rng.randint(1, 4)]
        inputs = {n: round(rng.uniform(-3, 3), 2) for n in names}
        if rng.random() < 0.5:
            text, fn = tree(rng, names, rng.randint(2, 4))
            case = {"inputs": inputs, "expression": text}
            nodes = [("f", fn)]
        else:
            graph, nodes, known = {}, [], list(names)
            for k in range(rng.randint(2, 5)):
                text, fn = tree(rng, known + known[len(names) :] * 2, rng.randint(1, 3))
                name = f"g{k}"
                graph[name] = text
                nodes.append((name, fn))
                known.append(name)
            case = {"inputs": inputs, "graph": graph}
        texts = [case["expression"]] if "expression" in case else list(case["graph"].values())
        known = set(inputs) | set(case.get("graph", {}))
        if any(not known & set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", t)) for t in texts):
            continue  # a node of constants alone: the loader asks for a formula of names
        TIES.clear()
        value, grads, _ = run(inputs, nodes)
        if TIES:
            continue
        if any(abs(g) > 1e6 for g in grads.values()):
            continue
        case["value"], case["gradients"] = value, grads
        cases.append(case)
    return cases


def training():
    runs = []
    for spec in (
        {
            "expression": "(1 - x) ** 2 + 10 * (y - x * x) ** 2",
            "inputs": {"x": -1.0, "y": 1.5},
            "learning_rate": 0.01,
            "steps": 25,
            "ascent": False,
        },
        {
            "expression": "exp(-(x * x + y * y)) + 0.5 * x",
            "inputs": {"x": 0.3, "y": -0.4},
            "learning_rate": 0.2,
            "steps": 10,
            "ascent": True,
        },
    ):
        x = {n: torch.tensor(v, requires_grad=True) for n, v in spec["inputs"].items()}
        optimizer = torch.optim.SGD(
            list(x.values()), lr=spec["learning_rate"], maximize=spec["ascent"]
        )
        f = make(spec["expression"])
        history = []
        for _ in range(spec["steps"]):
            optimizer.zero_grad()
            value = f(x["x"], x["y"])
            history.append(value.item())
            value.backward()
            optimizer.step()
        history.append(f(x["x"], x["y"]).item())
        runs.append(
            {**spec, "value_history": history, "final": {n: t.item() for n, t in x.items()}}
        )
    return runs


def make(expression):
    if expression.startswith("(1 - x)"):
        return lambda x, y: (1 - x) ** 2 + 10 * (y - x * x) ** 2
    return lambda x, y: torch.exp(-(x * x + y * y)) + 0.5 * x


if __name__ == "__main__":
    rng = random.Random(16)
    data = {
        "source": "tests/data/make_graph_corpus.py, torch "
        + torch.__version__
        + ", float64, seed 16",
        "cases": corpus(rng),
        "training": training(),
    }
    json.dump(data, sys.stdout, indent=1)
    sys.stdout.write("\n")
