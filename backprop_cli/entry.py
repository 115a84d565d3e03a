"""The ``backprop`` program: the command line, imported inside the Ctrl-C guard.

Importing Typer, Rich and the commands takes tens of milliseconds; a Ctrl-C
then would otherwise print a traceback. This module imports nothing at the
top, so the guard is in place before any of that starts.
"""


def main() -> None:
    import sys

    try:
        from backprop_cli.cli import main as run

        run()
    except KeyboardInterrupt:
        try:
            sys.stderr.write("backprop: interrupted\n")
            sys.stderr.flush()
        except (AttributeError, OSError, ValueError):
            pass
        sys.exit(130)
