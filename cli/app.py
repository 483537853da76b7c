"""The root Typer app: global options, command registration and the one place errors become exit codes.

Command modules import only typer at module level; heavy imports happen inside the commands so that
`mlops-level --help` stays fast.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mlops_level import __version__
from mlops_level.errors import UserError

app = typer.Typer(
    name="mlops-level",
    help=(
        "Rate an ML repository on Google Cloud's MLOps maturity model (Level 0 manual, Level 1 pipeline "
        "automation, Level 2 CI/CD automation) and scaffold projects for a chosen level.\n\n"
        "Examples:\n\n"
        "  mlops-level assess ./my-repo\n\n"
        "  mlops-level new --level 1 --name churn-model --no-input\n\n"
        "Exit codes: 0 success; 1 a threshold was not met (--fail-under, failing verification); 2 bad input."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"mlops-level {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", "-V", callback=_version_callback, is_eager=True, help="Print the version and exit."
        ),
    ] = None,
) -> None:
    """Rate ML repositories on the MLOps maturity model, and scaffold projects that really run."""


def _register() -> None:
    from mlops_level import assess_cmd, checklist_cmd, new_cmd

    assess_cmd.register(app)
    checklist_cmd.register(app)
    new_cmd.register(app)


_register()


def main() -> None:
    """Console-script entry point: a user error becomes one line on stderr and its exit code."""
    try:
        app()
    except UserError as exc:
        typer.echo(f"mlops-level: error: {exc}", err=True)
        sys.exit(exc.exit_code)
