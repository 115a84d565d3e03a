"""Stage 2: a `Problem` → a `Solution` (the engine, the gradient check, the insights)."""
