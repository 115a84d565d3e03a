"""Writing problems: `new` starter files and `generate`d exercises with answer keys."""
