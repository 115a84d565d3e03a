"""The command line on a terminal: colour, TERM=dumb, --version, usage errors, output names, Ctrl-C."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from backprop_cli.load import sources
from backprop_cli.render import pdf
from tests.test_streams import backprop, environment


def on_a_terminal(*args: str, env: dict[str, str] | None = None) -> str:
    """What ``backprop ARGS`` writes to a pseudo-terminal 100 columns wide."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "backprop_cli", *args],
        env=environment({"COLUMNS": "100", **(env or {})}),
        stdout=follower,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode("utf-8")


def test_a_terminal_gets_colour_and_boxes() -> None:
    text = on_a_terminal("solve", "ex1")
    assert "\x1b[" in text and "┏" in text


def test_no_color_keeps_the_boxes_without_colour() -> None:
    text = on_a_terminal("solve", "ex1", env={"NO_COLOR": "1"})
    assert "\x1b[" not in text and "┏" in text


def test_a_dumb_terminal_gets_plain_text() -> None:
    text = on_a_terminal("solve", "ex1", env={"TERM": "dumb"})
    assert "\x1b[" not in text and "┏" not in text
    assert text.startswith("Exercise 1: Matrix-based backpropagation\r\n=====")


def test_color_never_on_a_terminal() -> None:
    text = on_a_terminal("solve", "ex1", "--color", "never")
    assert "\x1b[" not in text and "┏" in text


def test_color_always_through_a_pipe(run: Any) -> None:
    result = run("solve", "ex1", "--color", "always")
    assert "\x1b[1m" in result.stdout and "┏" in result.stdout
    assert "\x1b[" in run("check", "ex1", "-a", "-", "--color", "always", input=ANSWERS).stdout


ANSWERS = "answers: {output: 0.6817}\n"


def test_version(run: Any) -> None:
    result = run("--version")
    assert result.exit_code == 0 and result.stdout == "backprop 0.1.0\n"


def test_shell_completion_is_offered(run: Any) -> None:
    assert "--install-completion" in run("--help").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("solve", "ex1", "-o", "."),
            "backprop solve: Invalid value for '--output' / '-o': File '.' is a directory. "
            "(see backprop solve --help)",
        ),
        (
            ("solve", "ex1", "--precision", "0"),
            "backprop solve: Invalid value for '--precision' / '-p': 0 is not in the range "
            "1<=x<=17. (see backprop solve --help)",
        ),
        (("lint",), "backprop: No such command 'lint'. Did you mean 'list'? (see backprop --help)"),
    ],
)
def test_usage_errors_are_one_line(run: Any, args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == message + "\n"


def test_a_huge_number_in_a_usage_error_is_elided(run: Any) -> None:
    result = run("generate", "--seed", "7" * 5000, "-o", "x")
    assert result.exit_code == 2
    assert len(result.stderr) < 400 and " … " in result.stderr
    assert result.stderr.startswith("backprop generate: Invalid value for '--seed' / '-s': '777")


def test_output_to_a_write_only_file(run: Any, tmp_path: Path, monkeypatch: Any) -> None:
    out = tmp_path / "w.txt"
    out.write_text("", encoding="utf-8")
    out.chmod(0o200)
    real_access = os.access
    monkeypatch.setattr(  # the tests may run as root, who may read anything
        os, "access", lambda p, mode, **kw: mode != os.R_OK and real_access(p, mode, **kw)
    )
    result = run("solve", "ex1", "-o", str(out))
    assert result.exit_code == 0 and result.stderr == ""
    out.chmod(0o600)
    assert out.read_text(encoding="utf-8").startswith("Exercise 1")


@pytest.mark.parametrize(
    ("name", "start"),
    [("a.markdown", "# Exercise 1"), ("a.htm", "<!DOCTYPE html>"), ("a.text", "Exercise 1")],
)
def test_common_spellings_of_extensions(run: Any, tmp_path: Path, name: str, start: str) -> None:
    assert run("solve", "ex1", "-o", str(tmp_path / name)).exit_code == 0
    assert (tmp_path / name).read_text(encoding="utf-8").startswith(start)


def test_an_unknown_extension_is_refused_unless_a_format_is_given(run: Any, tmp_path: Path) -> None:
    out = tmp_path / "a.yaml"
    result = run("solve", "ex1", "-o", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert result.stderr == (
        f"{out}: cannot tell the format from the file name (the extension '.yaml'): use one of "
        ".json, .txt, .text, .md, .markdown, .tex, .latex, .pdf, .html, .htm, .svg, .dot, .gv, "
        "or give --format\n"
    )
    assert run("solve", "ex1", "-o", str(out), "-f", "json").exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("{")


@pytest.mark.skipif(pdf.shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_pdf_output(run: Any, tmp_path: Path) -> None:
    out = tmp_path / "ex1.pdf"
    result = run("solve", "ex1", "-o", str(out))
    assert result.exit_code == 0 and result.stderr == ""
    assert out.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in tmp_path.iterdir()] == ["ex1.pdf"]


def test_pdf_without_pdflatex_says_how_to_get_it(
    run: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run("solve", "ex1", "-o", str(tmp_path / "ex1.pdf"))
    assert result.exit_code == 2
    assert result.stderr == pdf.NO_PDFLATEX + "\n"
    assert "apt install texlive-latex-recommended" in pdf.NO_PDFLATEX


def test_an_empty_file_name(run: Any) -> None:
    result = run("solve", "")
    assert result.exit_code == 2
    assert result.stderr == "'': expected a file name, got an empty argument\n"


def test_a_file_name_too_long_for_the_system(run: Any) -> None:
    name = "a" * 300
    result = run("solve", name)
    assert result.exit_code == 2
    assert result.stderr == f"{name}: cannot read the file: File name too long\n"


def test_a_folder_one_may_not_search(run: Any, monkeypatch: Any) -> None:
    def refuse(self: Path) -> bool:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(sources.Path, "exists", refuse)
    result = run("solve", "locked/p.yaml")
    assert result.exit_code == 2
    assert result.stderr == "locked/p.yaml: cannot read the file: Permission denied\n"


def test_generate_with_a_seed_too_long_for_a_file_name(run: Any, tmp_path: Path) -> None:
    result = run("generate", "--seed", "7" * 4200, "-o", str(tmp_path / "g"))
    assert result.exit_code == 2
    assert result.stderr == f"cannot write into {tmp_path / 'g'}: File name too long\n"


def test_new_keeps_a_dangling_symbolic_link(run: Any, tmp_path: Path) -> None:
    link = tmp_path / "p.yaml"
    link.symlink_to(tmp_path / "elsewhere.yaml")
    result = run("new", str(link))
    assert result.exit_code == 2
    assert result.stderr == (
        f"{link} is a symbolic link (to a missing file); use --force to overwrite it\n"
    )
    assert not (tmp_path / "elsewhere.yaml").exists()


INTERRUPT_AFTER = """
import atexit, os, signal, sys
sys.argv = ["backprop", "solve", "ex1", "-f", "json"]
from backprop_cli.entry import main
signal.signal(signal.SIGALRM, lambda *_: os.kill(os.getpid(), signal.SIGINT))
signal.setitimer(signal.ITIMER_REAL, {delay})
atexit.register(signal.setitimer, signal.ITIMER_REAL, 0)  # a run done first: no alarm at exit
main()
"""


@pytest.mark.parametrize("delay", [0.001, 0.01, 0.03, 0.08, 0.2])
def test_ctrl_c_while_starting_is_one_line_and_exit_130(delay: float) -> None:
    # Ctrl-C at moments of the first 200 ms after the entry point starts, while
    # Typer, Rich, NumPy and the commands are imported, and then while solving.
    result = subprocess.run(
        [sys.executable, "-c", INTERRUPT_AFTER.format(delay=delay)],
        env=environment(),
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert (result.returncode, result.stderr) in [(130, b"backprop: interrupted\n"), (0, b"")]


def test_solve_help_at_80_columns_keeps_examples_whole() -> None:
    result = backprop("solve", "--help", env={"COLUMNS": "80"})
    lines = [line.rstrip() for line in result.stdout.decode().splitlines()]
    assert max(len(line) for line in lines) <= 80
    assert "   backprop solve ex3 --set input=2            # what if x = 2?" in lines
    assert "   backprop solve ex1 --round-intermediate 4   # as a hand-worked key" in lines
    assert not re.search("…\\s*│", result.stdout.decode())  # no option text cut off


def test_set_is_said_at_the_top_and_variants_compare_with_the_problem_as_solved(
    run: Any,
) -> None:
    lines = run("solve", "ex3", "--set", "input=2", "-f", "plain").stdout.splitlines()
    assert lines[3] == (
        "Solved with --set input=2 (the description and notes below are the file's own)."
    )
    start = lines.index("x = 2 instead of 3:")
    assert lines[start + 1] == "  quantity     as solved  this variant"
    assert lines[start + 3] == "  input (set)  2          2             same"
    plain = run("solve", "ex3", "-f", "plain").stdout.splitlines()
    assert "Solved with" not in plain[3]
    assert plain[plain.index("x = 2 instead of 3:") + 1].startswith("  quantity     original")


def test_a_message_echoing_a_newline_is_still_one_line(run: Any) -> None:
    result = run("solve", "ex1", "--set", "input=[1,\n2")
    assert result.exit_code == 2
    assert result.stderr == (
        "--set input=[1,\\n2: expected VALUE to be YAML, got an error: "
        "did not find expected ',' or ']' (column 1)\n"
    )
