"""Size caps, checked before anything big is allocated.

They keep any file from making the tool allocate gigabytes or run for more
than a few seconds, while admitting teaching-size work (a million parameters,
ten thousand samples, ten thousand steps; not all at once). Each cap was set
by measuring its worst legal file (``bench/caps.py``): under 10 s and 1 GB on a
shared 2-core machine, in every format. The README lists them; keep it in step.

The caps on sizes (`MAX_ACTIVATIONS`, `MAX_PARAMETERS`, `MAX_WORK`,
`MAX_LAYER_STEPS`) hold for everything one command solves together: a problem
and all its variants, and all the FILE arguments of one ``solve``.
"""

from __future__ import annotations

MAX_FILE_BYTES = 32 * 1024 * 1024
"""A problem or answers file (32 MiB: a million weights written out fit with room to spare)."""

MAX_YAML_VALUES = 500_000
"""Values in one YAML document, counting every use of an alias as a full copy."""

MAX_DEPTH = 32
"""Nesting depth of lists and mappings in a YAML document (a weight matrix needs 5)."""

MAX_LAYERS = 50
MAX_WIDTH = 100_000
"""Units of one layer, and values of one input or target."""

MAX_PARAMETERS = 5_000_000
"""Weights and biases of the whole network."""

MAX_SAMPLES = 10_000
"""Samples of one problem, and of a problem and its variants (or all files) together."""
MAX_ACTIVATIONS = 2_000_000
"""Samples × (input width + the width of every layer, + the cells of a pooling layer's
windows, which overlap when the stride is less than the size): the values one forward pass
holds."""

MAX_STEPS = 100_000
MAX_WORK = 1_000_000_000
"""Steps × max(samples, 8) × parameters: the multiply-adds of the training run.

A step over one sample streams every weight through memory as a product over
eight samples does, hence the 8."""

MAX_LAYER_STEPS = 20_000
"""Steps × layers: each layer of each step has a fixed cost of its own."""

MAX_VARIANTS = 100

MAX_FILES = 100
"""FILE arguments of one ``solve`` or ``validate``."""

MAX_TEXT = 100_000
"""Characters of the title, description, tasks and notes of one problem together."""

MAX_ROWS = 12
"""The largest ``--max-rows``: rows, columns and sum terms shown before the middle is elided."""

MAX_UNFOLDED = 20_000_000
"""Values a convolution layer's forward pass unfolds into windows: samples × input channels ×
output positions × kernel cells (160 MB of float64)."""
MAX_CONV_PRODUCTS = 20_000_000
"""Multiply-adds of one convolution layer's forward pass: the windows × output channels."""

MAX_LAYERS_SOLVED = 200
"""Layers of a problem and its variants, and of all the files of one ``solve``, together:
each is derived and written out on its own."""
