"""Stage 1: problem files → a validated, immutable `Problem` (files, safe YAML, fields, caps, overrides, schema)."""
