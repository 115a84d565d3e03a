"""The command line's edge: every failure becomes one line on stderr and an exit status;
the options every command shares (--version, --color).

- A `BackpropError` (a bad file, a bad output target): its message, exit 2.
- A usage error (an unknown option, ``-o`` naming a folder, a bad number):
  ``backprop solve: Invalid value for '--output' …`` on one line, not a box,
  with where to find help; exit 2.
- Ctrl-C: ``backprop: interrupted``, exit 130 (as a shell reports SIGINT).
- A reader that stops reading (``| head``): quiet, exit 0.
"""

from __future__ import annotations

import copy
import errno
import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer.core import TyperGroup
from typer.main import get_command_name

from backprop_cli.errors import BackpropError, one_line, printed
from backprop_cli.streams import (
    CLOSED,
    OutputClosed,
    spell_what_cannot_be_encoded,
    write_error,
    write_line,
)

INTERRUPTED = "backprop: interrupted"
INTERRUPTED_STATUS = 130
MAX_MESSAGE = 300
"""Characters of a usage message shown; the middle of a longer one (a 5,000-digit
number echoed back) is elided."""

F = TypeVar("F", bound=Callable[..., Any])

COLOR_OPTION = typer.Option(
    "--color",
    metavar="WHEN",
    help="Colour: auto (on a terminal, unless NO_COLOR or TERM=dumb), always "
    "(also through a pipe: | less -R), never.",
    case_sensitive=False,
)
"""``--color auto|always|never`` of solve and check."""


def _show_version(value: bool) -> None:
    if value:
        from backprop_cli import __version__

        write_line(f"backprop {__version__}")
        raise typer.Exit()


VERSION_OPTION = typer.Option(
    "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
)


def handles_errors(command: F) -> F:
    """Turn a `BackpropError`, Ctrl-C or a closed pipe into its message and exit status."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except BackpropError as error:
            write_error(
                printed(error)
            )  # one line (a value echoed back may hold a newline), and a caret line under a formula
            raise typer.Exit(error.exit_code) from None
        except OutputClosed:
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            raise typer.Exit(INTERRUPTED_STATUS) from None  # said by OneLineErrors.main

    return wrapper  # type: ignore[return-value]


def _elided(text: str) -> str:
    if len(text) <= MAX_MESSAGE:
        return text
    half = MAX_MESSAGE // 2
    return f"{text[:half]} … {text[-half:]}"


def usage_line(error: ClickException) -> str:
    """``backprop solve: MESSAGE (see backprop solve --help)``."""
    ctx = getattr(error, "ctx", None)
    command = ctx.command_path if ctx is not None else "backprop"
    message = _elided(one_line(" ".join(error.format_message().split())))
    return f"{command}: {message} (see {command} --help)"


class OneLineErrors(TyperGroup):
    """Typer's group, with usage errors written as one line instead of a boxed panel."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        spell_what_cannot_be_encoded()
        try:
            result = super().main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )
        except NoArgsIsHelpError as error:  # the help is already shown
            if not standalone_mode:
                raise
            sys.exit(error.exit_code)
        except ClickException as error:
            if not standalone_mode:
                raise
            write_error(usage_line(error))
            sys.exit(error.exit_code)
        except BackpropError as error:  # from an eager option such as --version
            if not standalone_mode:
                raise
            write_error(str(error))
            sys.exit(error.exit_code)
        except OSError as error:  # Typer writing the help (``--help > /dev/full``)
            if not standalone_mode:
                raise
            if error.errno == errno.EPIPE:
                sys.exit(0)
            write_error(f"cannot write the output to standard output: {error.strerror}")
            sys.exit(2)
        except typer.Abort:
            if not standalone_mode:
                raise
            write_error("backprop: aborted")
            sys.exit(1)
        if sys.stdout is None and result in (0, None):  # the help, written to nowhere
            write_error(CLOSED)
            result = 2
        if result == INTERRUPTED_STATUS:  # Ctrl-C, in a command or while Typer parsed
            write_error(INTERRUPTED)
        if standalone_mode:
            sys.exit(result if isinstance(result, int) else 0)
        return result


def only_the_command_named(app: typer.Typer, args: list[str]) -> typer.Typer:
    """The app, holding only the command ``args`` name first, when they name one.

    Before it parses anything, Typer turns every command's signature into Click options,
    reading each annotation (a fifth of ``solve ex1``'s own time). A command's run, its
    help and its usage errors need only that command; the group's help, ``--version`` and
    a mistyped command (did you mean …?) see them all.
    """
    if not args or args[0].startswith("-"):
        return app
    named = [
        command
        for command in app.registered_commands
        if (command.name or get_command_name(getattr(command.callback, "__name__", ""))) == args[0]
    ]
    if not named:
        return app
    one = copy.copy(app)
    one.registered_commands = named
    return one
