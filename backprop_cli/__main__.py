"""``python -m backprop_cli``: the same as the ``backprop`` command."""

from backprop_cli.entry import main

main()
