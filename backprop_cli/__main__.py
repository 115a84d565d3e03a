"""``python -m backprop_cli``: the same as the ``backprop`` command."""

from backprop_cli.cli import main

main()
