"""The worst legal file of each size cap, measured in every format and command.

    python bench/caps.py [--only NAME,…] [--modes MODE,…] [--timeout S] [--keep DIR]

The promise (README, "Size caps"): any input the caps admit finishes in under
10 s and under 1 GB, in every format, with ``--check``, in ``check`` and
``validate``; a file beyond a cap is refused in under 2 s. Each case here is
built from the caps in ``backprop_cli/load/caps.py`` (so it follows them when
they change) as the file that pushes that cap to its limit while passing all
the others, and one just beyond it. Every run is a whole ``backprop`` process,
measured as ``/usr/bin/time`` does: wall time and the maximum resident set
size. A run over the timeout is killed and shown as ``> T s``.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from backprop_cli.load import caps

BACKPROP = str(Path(sys.executable).parent / "backprop")
SECONDS, MEMORY = 10.0, 2**30
"""The promise: under 10 s and 1 GiB."""


@dataclass
class Case:
    name: str
    cap: str
    """What the case pushes to its limit, as the README's caps table names it."""
    text: Callable[[], str]
    """The worst legal problem file."""
    extra: list[str] = field(default_factory=list)
    """Further arguments of ``solve`` (``--max-rows``…)."""
    files: int = 1
    """How many times the file is given to ``solve``."""
    answers: Callable[[], str] | None = None
    """An answers file for ``check`` (the largest one the caps admit)."""


def numbers(count: int, value: str = "0.5") -> str:
    return "[" + ", ".join([value] * count) + "]"


def network(hidden: list[int], activation: str = "tanh", out: str = "sigmoid") -> str:
    layers = "".join(
        f"  - {{units: {w}, init: {{scheme: he_normal, seed: {i}}}, activation: {activation}}}\n"
        for i, w in enumerate(hidden)
    )
    return f"layers:\n{layers}  - {{units: 1, init: {{scheme: zeros}}, activation: {out}}}\n"


def batch(samples: int, width: int) -> str:
    """``samples`` copies of one sample, written once and aliased."""
    first = f"  - &s {{input: {numbers(width)}, target: 1}}\n"
    return "samples:\n" + first + "  - *s\n" * (samples - 1)


def widest(inputs: int, extra_layers: int = 0) -> int:
    """Units of one hidden layer that bring the network to the parameter cap."""
    return (caps.MAX_PARAMETERS - 2) // (inputs + 2)


def parameters() -> str:
    inputs = 1_000
    return (
        f"input: {numbers(inputs)}\ntarget: 1\n"
        + network([widest(inputs)])
        + "loss: bce\nlearning_rate: 0.1\n"
    )


def deep() -> str:
    width = 1
    while (caps.MAX_LAYERS - 1) * (width + 1) * (width + 2) <= caps.MAX_PARAMETERS:
        width += 1
    width -= 1
    return (
        f"input: {numbers(width)}\ntarget: 1\n"
        + network([width] * (caps.MAX_LAYERS - 1))
        + "loss: bce\nlearning_rate: 0.1\n"
    )


def activations(share: int = 1) -> str:
    """The most samples, each as wide as the forward-pass cap then allows (``share``: the
    problem takes 1/share of the caps, its variants the rest)."""
    # A file of MAX_YAML_VALUES values holds about that many / (inputs + 3) samples.
    inputs = 2
    values = caps.MAX_ACTIVATIONS // share
    samples = min(caps.MAX_SAMPLES // share, caps.MAX_YAML_VALUES // (inputs + 3), values // 8)
    hidden = max(1, values // samples - inputs - 1)
    return batch(samples, inputs) + network([hidden]) + "loss: bce\nlearning_rate: 0.1\n"


def work() -> str:
    """One sample, the most steps the work cap allows of the widest network that fits."""
    inputs = 1_000
    hidden = widest(inputs)
    params = (inputs + 2) * hidden + 1
    steps = max(1, min(caps.MAX_STEPS, caps.MAX_LAYER_STEPS // 2, caps.MAX_WORK // (8 * params)))
    return (
        f"input: {numbers(inputs)}\ntarget: 1\n"
        + network([hidden])
        + f"loss: bce\nlearning_rate: 0.01\nsteps: {steps}\n"
    )


def work_batch() -> str:
    """The work cap spent on a batch: many samples, fewer steps."""
    inputs, samples = 100, 1_000
    hidden = max(1, min(widest(inputs), caps.MAX_ACTIVATIONS // samples - inputs - 1))
    params = (inputs + 2) * hidden + 1
    steps = max(
        1, min(caps.MAX_STEPS, caps.MAX_LAYER_STEPS // 2, caps.MAX_WORK // (samples * params))
    )
    return (
        batch(samples, inputs)
        + network([hidden])
        + f"loss: bce\nlearning_rate: 0.01\nsteps: {steps}\n"
    )


def steps_deep() -> str:
    """The deepest network for the most steps: the fixed cost of a layer, repeated."""
    layers = caps.MAX_LAYERS - 1
    steps = max(1, min(caps.MAX_STEPS, caps.MAX_LAYER_STEPS // (layers + 1)))
    return (
        "input: [0.5, 0.5]\ntarget: 1\n"
        + network([2] * layers)
        + f"loss: bce\nlearning_rate: 0.01\nsteps: {steps}\n"
    )


def many_steps() -> str:
    """The most steps: a small network trained for as long as the caps allow."""
    steps = max(1, min(caps.MAX_STEPS, caps.MAX_LAYER_STEPS // 2))
    return (
        "input: [0.5, 0.5]\ntarget: 1\n"
        + network([4])
        + f"loss: bce\nlearning_rate: 0.01\nsteps: {steps}\n"
    )


def variants() -> str:
    """The most variants, each re-solving a problem that takes its share of the caps."""
    count = min(caps.MAX_VARIANTS, caps.MAX_LAYERS_SOLVED // 2 - 1)  # two layers each
    items = "".join(
        f"  - {{name: v{i}, set: {{learning_rate: {0.1 + i / 1000}}}}}\n" for i in range(count)
    )
    return activations(count + 1) + "variants:\n" + items


def yaml_values() -> str:
    """Weights written out: the most values the file may hold."""
    inputs = min(caps.MAX_WIDTH, 100_000)
    rows = max(1, min(caps.MAX_PARAMETERS, caps.MAX_YAML_VALUES - inputs - 10) // (inputs + 1))
    row = numbers(inputs, "0.1")
    weights = "[" + ", ".join([row] * rows) + "]"
    return (
        f"input: {numbers(inputs)}\ntarget: {numbers(rows, '0.5')}\n"
        f"layers:\n  - {{weights: {weights}, activation: sigmoid}}\nloss: mse\n"
    )


def texts() -> str:
    """Tasks up to the text cap, and a title that is nearly all of it."""
    task = "Compute the output of the network and its loss."
    count = min(caps.MAX_YAML_VALUES, caps.MAX_TEXT // (2 * len(task)))
    title = "t" * (caps.MAX_TEXT - count * len(task) - 1)
    return (
        f"title: {title}\ntasks:\n  - &t {task}\n"
        + "  - *t\n" * (count - 1)
        + "input: [1, 2]\ntarget: 1\nlayers:\n  - {weights: [0.5, 0.6], activation: sigmoid}\n"
        "loss: mse\n"
    )


ANSWERED_INPUTS = 1_000
ANSWERED_ROWS = caps.MAX_YAML_VALUES // (ANSWERED_INPUTS + 1) - 1
"""The widest first layer whose ∂L/∂W1 an answers file can hold under the YAML value cap."""


def answered() -> str:
    return (
        f"input: {numbers(ANSWERED_INPUTS)}\ntarget: 1\n"
        + network([ANSWERED_ROWS])
        + "loss: bce\nlearning_rate: 0.1\n"
    )


def answers_for_parameters() -> str:
    """∂L/∂W1 in full, as large as the YAML value cap admits."""
    rows = ANSWERED_ROWS
    row = numbers(ANSWERED_INPUTS, "0.01")
    return "answers:\n  dW1: [" + ", ".join([row] * rows) + "]\n"


CASES = [
    Case("parameters", "parameters of the whole network", parameters),
    Case("deep", "layers", deep),
    Case("deep-rows", "layers, with --max-rows", deep, extra=["--max-rows", str(caps.MAX_ROWS)]),
    Case("activations", "samples × (input width + all layer widths)", activations),
    Case("work", "steps × max(samples, 8) × parameters", work),
    Case("work-batch", "steps × max(samples, 8) × parameters", work_batch),
    Case("steps-deep", "steps × layers", steps_deep),
    Case("steps", "steps", many_steps),
    Case("variants", "variants", variants),
    Case("yaml-values", "YAML values", yaml_values),
    Case("texts", "texts", texts),
    Case("max-rows", "--max-rows", parameters, extra=["--max-rows", str(caps.MAX_ROWS)]),
    Case("files", "FILE arguments", activations, files=caps.MAX_FILES),
    Case("answers", "answers file", answered, answers=answers_for_parameters),
]

MODES = ["validate", "json", "plain", "markdown", "latex", "html", "svg", "check", "grade"]


def command(case: Case, mode: str, problem: Path, answers: Path | None) -> list[str] | None:
    files = [str(problem)] * case.files
    if mode == "validate":
        return [BACKPROP, "validate", *files]
    if mode == "check":
        return [BACKPROP, "solve", *files, "--format", "json", "--check", *case.extra]
    if mode == "grade":
        if answers is None:
            return None
        return [BACKPROP, "check", str(problem), "--answers", str(answers), "--format", "plain"]
    return [BACKPROP, "solve", *files, "--format", mode, *case.extra]


def measure(argv: list[str], timeout: float) -> tuple[float, int, int | None]:
    """Wall seconds, peak RSS in bytes and exit status (None: killed at the timeout)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            return (
                time.perf_counter() - start,
                usage.ru_maxrss * 1024,
                os.waitstatus_to_exitcode(status),
            )
        if time.perf_counter() - start > timeout:
            os.killpg(process.pid, signal.SIGKILL)
            _, status, usage = os.wait4(process.pid, 0)
            return time.perf_counter() - start, usage.ru_maxrss * 1024, None
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help="comma-separated case names")
    parser.add_argument("--modes", help=f"comma-separated, of {','.join(MODES)}")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    modes = args.modes.split(",") if args.modes else MODES
    folder = args.keep or Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{'case':<12} {'mode':<9} {'file':>9} {'wall':>9} {'peak':>9} {'exit':>4}  verdict")
    worst: dict[str, tuple[float, int]] = {}
    for case in CASES:
        if only and case.name not in only:
            continue
        problem = folder / f"{case.name}.yaml"
        problem.write_text(case.text(), encoding="utf-8")
        answers = None
        if case.answers is not None:
            answers = folder / f"{case.name}-answers.yaml"
            answers.write_text(case.answers(), encoding="utf-8")
        size = problem.stat().st_size
        for mode in modes:
            argv = command(case, mode, problem, answers)
            if argv is None:
                continue
            seconds, peak, status = measure(argv, args.timeout)
            over = seconds > SECONDS or peak > MEMORY
            shown = f"> {args.timeout:.0f} s" if status is None else f"{seconds:7.2f} s"
            verdict = "OVER" if over or status is None else "ok"
            print(
                f"{case.name:<12} {mode:<9} {size / 2**20:7.1f}MB {shown:>9} "
                f"{peak / 2**20:7.0f}MB {'-' if status is None else status:>4}  {verdict}",
                flush=True,
            )
            old = worst.get(case.name, (0.0, 0))
            worst[case.name] = (max(old[0], seconds), max(old[1], peak))
    print()
    print("worst of each case:")
    for name, (seconds, peak) in worst.items():
        print(f"  {name:<12} {seconds:6.2f} s {peak / 2**20:7.0f} MB")
    if args.keep is None:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
