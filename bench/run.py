"""Benchmarks of backprop, each figure beside its reference measured in the same run.

    python bench/run.py [--repeat N] [--quick]

Prints medians over repeated runs:

* start-up: a whole ``backprop solve ex1 --format json`` process against a bare
  ``python -c "import numpy, yaml, typer, rich.console"`` (goal: at most 1.1×);
* training: a 784-128-10 network, 32 samples, 50 steps, JSON out, against
  ``bench/reference.py``, a minimal NumPy script doing the same loading, steps and
  JSON (goal: at most 0.8× its wall time and 1.3× its peak memory, the maximum
  resident set size of the whole process as ``/usr/bin/time`` reports it);
* rendering: the human formats of that problem (goal: under 1 s each, output bounded);
* new kinds: a batch-norm network, a conv2d network on 28×28 images, an LSTM over 100
  steps and a 200-node computational graph, each against a minimal reference of the
  same work (`new_kinds`; goal: at most 1.5×), the same work again in this process
  without the start-up of either (load, solve and JSON against the reference's ``main``,
  both on one BLAS thread), and their rendering in every format (under 1 s each);
* scaling: solve and render time as the width and the depth grow.

Wall-clock figures on a shared machine are noisy; the medians and the ratios
against a reference run in the same moment are what to read. The package is
byte-compiled first, as ``pip install`` does: an editable install run with
PYTHONDONTWRITEBYTECODE set would otherwise recompile every module on each run,
while the reference's libraries load their compiled bytecode.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import importlib
import io
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# The library measured in this process runs as the command runs it: one BLAS thread
# (backprop's default). The reference runs with NumPy's defaults, unless asked below.
DEFAULT_ENV = dict(os.environ)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from new_kinds import KINDS  # noqa: E402

HERE = Path(__file__).parent
PYTHON = sys.executable
BACKPROP = str(Path(PYTHON).parent / "backprop")


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


SPREAD: list[str] = []
"""The quartiles of each paired ratio, printed after the table: the noise of the figures."""


def paired(
    ours: Callable[[], object], reference: Callable[[], object], repeat: int, name: str = ""
) -> tuple[float, float, float]:
    """Medians of ``ours``, of ``reference`` and of their ratio, the two run in turn.

    Running them alternately exposes both to the same moments of a shared machine's
    load, so the ratio of each pair is steadier than the ratio of two medians. The
    quartiles of the ratios go to `SPREAD`.
    """
    pairs = []
    for i in range(repeat):
        first, second = (ours, reference) if i % 2 == 0 else (reference, ours)
        a, b = median_seconds(first, 1), median_seconds(second, 1)
        pairs.append((a, b) if i % 2 == 0 else (b, a))
    ratios = [a / b for a, b in pairs]
    ratio = statistics.median(ratios)
    if len(ratios) >= 4:
        low, _, high = statistics.quantiles(ratios, n=4)
        SPREAD.append(
            f"{name}: ratios {min(ratios):.2f}–{max(ratios):.2f}, quartiles {low:.2f}–{high:.2f}"
        )
    return statistics.median(a for a, _ in pairs), statistics.median(b for _, b in pairs), ratio


def run(command: list[str], env: dict[str, str] | None = None) -> Callable[[], object]:
    def action() -> object:
        return subprocess.run(
            command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
        )

    return action


def wall_and_peak(command: list[str]) -> tuple[float, int]:
    """Wall seconds and maximum resident set size (bytes) of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command)
    return seconds, usage.ru_maxrss * 1024  # kilobytes on Linux


def peak_memory(command: list[str], repeat: int) -> int:
    """The median peak resident set size of ``repeat`` runs, in bytes."""
    return int(statistics.median(wall_and_peak(command)[1] for _ in range(repeat)))


def write_training_problem(
    path: Path,
    width: int = 784,
    hidden: int = 128,
    classes: int = 10,
    samples: int = 32,
    steps: int = 50,
) -> None:
    rng = np.random.default_rng(0)
    lines = ["samples:"]
    for n in range(samples):
        pixels = ", ".join(f"{v:.3f}" for v in rng.random(width))
        lines.append(f"  - {{input: [{pixels}], target: {n % classes}}}")
    lines += [
        "layers:",
        f"  - {{units: {hidden}, init: {{scheme: he_normal, seed: 1}}, activation: relu}}",
        f"  - {{units: {classes}, init: {{scheme: he_normal, seed: 2}}, activation: softmax}}",
        "loss: cross_entropy",
        "learning_rate: 0.1",
        f"steps: {steps}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def row(
    name: str, ours: float, reference: float | None, goal: str = "", ratio_of: float | None = None
) -> str:
    value = ratio_of if ratio_of is not None else ours / reference if reference else None
    ratio = f"{value:5.2f}×" if value is not None else "      "
    ref = f"{reference * 1000:9.1f} ms" if reference else " " * 12
    return f"{name:<44} {ours * 1000:9.1f} ms {ref} {ratio}  {goal}"


def startup(repeat: int) -> list[str]:
    ours, bare, ratio = paired(
        run([BACKPROP, "solve", "ex1", "--format", "json"]),
        run([PYTHON, "-c", "import numpy, yaml, typer, rich.console"]),
        repeat,
        "start-up",
    )
    return [row("start-up: backprop solve ex1 --format json", ours, bare, "goal ≤ 1.1×", ratio)]


def training(repeat: int, problem: Path) -> list[str]:
    from backprop_cli import load, solve
    from backprop_cli.render import Format, RenderOptions, render

    ours_command = [BACKPROP, "solve", str(problem), "--format", "json"]
    reference_command = [PYTHON, str(HERE / "reference.py"), str(problem)]
    ours, reference, ratio = paired(
        run(ours_command), run(reference_command, DEFAULT_ENV), repeat, "training"
    )
    one = {**DEFAULT_ENV, "OPENBLAS_NUM_THREADS": "1"}
    ours_1, reference_1, ratio_1 = paired(
        run(ours_command), run(reference_command, one), repeat, "training, reference on 1 thread"
    )
    ours_peak = peak_memory(ours_command, min(repeat, 5))
    reference_peak = peak_memory(reference_command, min(repeat, 5))
    ours_size = len(
        subprocess.run(
            [BACKPROP, "solve", str(problem), "-f", "json"], check=True, capture_output=True
        ).stdout
    )
    reference_size = len(
        subprocess.run(
            [PYTHON, str(HERE / "reference.py"), str(problem)], check=True, capture_output=True
        ).stdout
    )
    loaded = load(str(problem))
    solution = solve(loaded)
    parts = [
        ("  of which: load the problem", lambda: load(str(problem))),
        ("  of which: solve (50 steps, derivation, insights)", lambda: solve(loaded)),
        (
            f"  of which: JSON ({ours_size / 1e6:.1f} MB; reference {reference_size / 1e6:.1f} MB)",
            lambda: render(Format.JSON, [solution], RenderOptions()),
        ),
    ]
    lines = [
        row("training: 784-128-10, 32 samples, 50 steps", ours, reference, "goal ≤ 0.8×", ratio),
        f"{'  peak memory (max RSS)':<44} {ours_peak / 2**20:9.1f} MB {reference_peak / 2**20:9.1f} MB "
        f"{ours_peak / reference_peak:5.2f}×  goal ≤ 1.3×",
        row("  the reference also on one BLAS thread", ours_1, reference_1, "", ratio_1),
    ]
    lines += [row(name, median_seconds(action, repeat), None) for name, action in parts]
    return lines


def rendering(repeat: int, problem: Path) -> list[str]:
    from backprop_cli import load, solve
    from backprop_cli.render import Format, RenderOptions, render

    solution = solve(load(str(problem)))
    lines = []
    for fmt in Format:
        if fmt == Format.JSON:
            continue
        options = RenderOptions(width=100, color=fmt == Format.RICH)
        seconds = median_seconds(
            lambda fmt=fmt, options=options: render(fmt, [solution], options), repeat
        )
        size = len(render(fmt, [solution], options))
        lines.append(
            row(f"render {fmt.value} ({size:,} characters)", seconds, None, "goal < 1000 ms")
        )
    return lines


def new_kinds(repeat: int, folder: Path) -> list[str]:
    """Each kind of `new_kinds.KINDS` against its reference, and its rendering."""
    from backprop_cli import load, solve
    from backprop_cli.render import Format, RenderOptions, render

    lines = []
    for name, file, write, reference in KINDS:
        problem = folder / file
        write(problem)
        ours, theirs, ratio = paired(
            run([BACKPROP, "solve", str(problem), "--format", "json"]),
            run([PYTHON, str(HERE / reference), str(problem)], DEFAULT_ENV),
            repeat,
            name,
        )
        lines.append(row(name, ours, theirs, "goal ≤ 1.5×", ratio))
        lines.append(without_startup(problem, reference, repeat, name))
        solution = solve(load(str(problem)))
        for fmt in Format:
            if fmt == Format.JSON:
                continue
            options = RenderOptions(width=100, color=fmt == Format.RICH)
            seconds = median_seconds(
                lambda fmt=fmt, options=options, s=solution: render(fmt, [s], options), repeat
            )
            size = len(render(fmt, [solution], options))
            lines.append(
                row(f"  render {fmt.value} ({size:,} characters)", seconds, None, "goal < 1000 ms")
            )
    return lines


def without_startup(problem: Path, reference: str, repeat: int, name: str) -> str:
    """Load, solve and JSON in this process against the reference's ``main`` (its output to
    a string), each run once first so that neither pays for its imports."""
    from backprop_cli import load, solve
    from backprop_cli.render import Format, RenderOptions, render

    module = importlib.import_module(Path(reference).stem)

    def ours() -> object:
        return render(Format.JSON, [solve(load(str(problem)))], RenderOptions())

    def theirs() -> object:
        with contextlib.redirect_stdout(io.StringIO()) as out:
            module.main(str(problem))
        return out

    ours()
    theirs()
    mine, reference_seconds, ratio = paired(ours, theirs, repeat, f"{name}, without start-up")
    return row("  without start-up", mine, reference_seconds, "", ratio)


def scaling(repeat: int, folder: Path) -> list[str]:
    from backprop_cli import load, solve
    from backprop_cli.render import Format, RenderOptions, render

    lines = [
        f"{'network':<26} {'parameters':>11} {'solve':>10} {'plain':>10} {'json':>10} {'solve µs/1k params':>19}"
    ]
    shapes = [[16] * 2, [64] * 2, [256] * 2, [1024] * 2] + [[64] * depth for depth in (1, 4, 8, 16)]
    for hidden in shapes:
        path = folder / f"scale-{len(hidden)}-{hidden[0]}.yaml"
        layers = "\n".join(
            f"  - {{units: {w}, init: {{scheme: he_normal, seed: {i}}}, activation: tanh}}"
            for i, w in enumerate(hidden)
        )
        inputs = ", ".join("0.5" for _ in range(32))
        path.write_text(
            f"samples:\n  - {{input: [{inputs}], target: 1}}\n  - {{input: [{inputs}], target: 0}}\n"
            f"layers:\n{layers}\n  - {{units: 1, init: {{scheme: zeros}}, activation: sigmoid}}\n"
            "loss: bce\nlearning_rate: 0.1\n",
            encoding="utf-8",
        )
        problem = load(str(path))
        solution = solve(problem)
        solve_s = median_seconds(lambda problem=problem: solve(problem), repeat)
        plain_s = median_seconds(
            lambda s=solution: render(Format.PLAIN, [s], RenderOptions()), repeat
        )
        json_s = median_seconds(
            lambda s=solution: render(Format.JSON, [s], RenderOptions()), repeat
        )
        name = (
            f"32-{'-'.join(map(str, hidden))}-1" if len(hidden) <= 4 else f"32-64×{len(hidden)}-1"
        )
        per_k = solve_s * 1e6 / (problem.parameters / 1000)
        lines.append(
            f"{name:<26} {problem.parameters:>11,} {solve_s * 1000:>8.1f}ms {plain_s * 1000:>8.1f}ms "
            f"{json_s * 1000:>8.1f}ms {per_k:>19.1f}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--repeat", type=int, default=9, help="runs per figure (the median is shown)"
    )
    parser.add_argument("--quick", action="store_true", help="fewer runs, for a smoke test")
    args = parser.parse_args()
    repeat = 3 if args.quick else args.repeat
    import backprop_cli

    compileall.compile_dir(str(Path(backprop_cli.__file__).parent), quiet=1)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; NumPy {np.__version__}; median of {repeat} runs"
    )
    print(f"{'figure':<44} {'ours':>12} {'reference':>12} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        problem = folder / "train.yaml"
        write_training_problem(problem)
        for line in startup(repeat) + training(repeat, problem) + rendering(repeat, problem):
            print(line)
        for line in new_kinds(repeat, folder):
            print(line)
        for line in SPREAD:
            print(line)
        print()
        for line in scaling(repeat, folder):
            print(line)


if __name__ == "__main__":
    main()
