"""`mlops-level assess` and `mlops-level checks` (being built: see issue 2)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
