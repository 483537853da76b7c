"""The rubric: one module per family of checks, registered by ID."""
