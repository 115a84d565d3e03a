"""How the recurrent layers' symbols are written: the states hₜ and cₜ, the gates, the
gates' blocks of weights (W_ii, W_hf, … as PyTorch names them) and their δ.

The bases are apart from the network's own (``hstate``, not ``h``; ``gate_z``, not
``z``), so that the GRU's update gate zₜ is never read as a layer's z.
"""

from __future__ import annotations

GATES = ("i", "f", "g", "o", "r", "z", "n")
_PAIRS = (*(f"{side}{gate}" for side in "ih" for gate in GATES), "ih", "hh")

TEXT: dict[str, str] = {
    "hstate": "h",
    "cstate": "c",
    "preact": "a",
    "delta_a": "δ",
    **{f"gate_{g}": g for g in GATES},
    **{f"delta_{g}": f"δ_{g}" for g in (*GATES, "ih", "hh")},
}
"""Unicode text (the weights' names, W_ih, b_hf, are written as they are)."""

LATEX: dict[str, str] = {
    "hstate": "h",
    "cstate": "c",
    "preact": "a",
    "delta_a": r"\delta",
    **{f"gate_{g}": g for g in GATES},
    **{f"delta_{g}": rf"{{\delta_{{{g}}}}}" for g in (*GATES, "ih", "hh")},
    **{f"W_{pair}": f"{{W_{{{pair}}}}}" for pair in _PAIRS},
    **{f"b_{pair}": f"{{b_{{{pair}}}}}" for pair in _PAIRS},
}
LATEX_BOLD: dict[str, str] = {
    "delta_a": r"\boldsymbol{\delta}",
    **{f"delta_{g}": rf"{{\boldsymbol{{\delta}}_{{{g}}}}}" for g in (*GATES, "ih", "hh")},
    **{f"W_{pair}": rf"{{\mathbf{{W}}_{{{pair}}}}}" for pair in _PAIRS},
    **{f"b_{pair}": rf"{{\mathbf{{b}}_{{{pair}}}}}" for pair in _PAIRS},
}
