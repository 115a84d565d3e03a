"""Size caps, checked before anything big is allocated.

They keep any file from making the tool allocate gigabytes or run for hours,
while admitting teaching-size work. The README lists them; keep it in step.
"""

from __future__ import annotations

MAX_FILE_BYTES = 32 * 1024 * 1024
"""A problem or answers file (32 MiB: a million weights written out fit with room to spare)."""

MAX_YAML_VALUES = 5_000_000
"""Values in one YAML document, counting every use of an alias as a full copy."""

MAX_DEPTH = 32
"""Nesting depth of lists and mappings in a YAML document (a weight matrix needs 5)."""

MAX_LAYERS = 1_000
MAX_WIDTH = 100_000
"""Units of one layer, and values of one input or target."""

MAX_PARAMETERS = 5_000_000
"""Weights and biases of the whole network."""

MAX_SAMPLES = 100_000
MAX_ACTIVATIONS = 20_000_000
"""Samples × (input width + the width of every layer): the values one forward pass holds."""

MAX_STEPS = 100_000
MAX_WORK = 100_000_000_000
"""Steps × samples × parameters: multiply-adds of the whole training run (about a minute)."""

MAX_VARIANTS = 100
