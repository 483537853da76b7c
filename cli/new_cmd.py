"""`mlops-level new` and `mlops-level verify` (being built: see issue 3)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
