"""The command runs NumPy's BLAS on one thread unless the environment says otherwise.

Measured on the shared 2-core machine: with two threads, each small product could
stall for a whole scheduler slice (60 ms for a 32×784 by 784×128 product that
takes 0.1 ms), and training took 1.3× the reference script instead of 0.6×.
"""

from __future__ import annotations

import pytest


def test_the_command_uses_one_blas_thread_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import sys

    from backprop_cli.cli import main

    for value, expected in ((None, "1"), ("2", "2")):
        if value is None:
            monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
        else:
            monkeypatch.setenv("OPENBLAS_NUM_THREADS", value)
        monkeypatch.setattr(sys, "argv", ["backprop", "list"])
        with pytest.raises(SystemExit):
            main()
        assert os.environ["OPENBLAS_NUM_THREADS"] == expected
