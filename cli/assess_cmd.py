"""`mlops-level assess` and `mlops-level checks`: thin adapters over `mlops_level.assess`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mlops_level.errors import EXIT_BELOW_THRESHOLD, UserError
from mlops_level.output import emit, exists, write_stdout

ASSESS_HELP = """Rate a repository on Google's MLOps maturity model (Level 0, 1 or 2) with evidence.

PATH is a directory (default: the current one; for a sub-folder of a monorepo the CI files at the git root \
count too) or a git URL (https://, ssh://, git@host:path or file://), cloned shallowly into a temporary \
folder. Nothing from the repository is imported or executed.

Examples:

\b
  mlops-level assess
  mlops-level assess ./my-repo --verbose
  mlops-level assess https://github.com/org/repo --format json -o report.json
  mlops-level assess . --format markdown > comment.md
  mlops-level assess . --fail-under 1
  mlops-level assess . --base origin/main --fail-on-regression --format markdown
  mlops-level assess . --format sarif -o mlops-level.sarif

Exit codes: 0 report produced; 1 below --fail-under, or a regression (--fail-on-regression); 2 bad input.

Ignore a check with a reason in the scanned repository's pyproject.toml: [tool.mlops-level] \
ignore = { ML203 = "scheduled in the Vertex AI console" } (or in a .mlops-level.toml)."""


def assess(
    path: Annotated[
        str,
        typer.Argument(
            help="Directory or git URL to assess, e.g. `.`, `services/churn`, `git@github.com:org/repo.git`."
        ),
    ] = ".",
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="Report format: text (terminal, coloured on a TTY), json (versioned object), markdown "
            "(PR comment: level, change, checklist), sarif (SARIF 2.1.0 for code scanning), badge "
            "(shields.io endpoint JSON) or html (one self-contained page with charts, for people). "
            "Example: --format html -o report.html.",
        ),
    ] = "text",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            dir_okay=False,
            help="Write the report to FILE instead of standard output; refuses to replace an existing file "
            "unless --force. Example: -o mlops-report.md.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Allow -o to replace an existing file. Example: -o report.json --force."
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Show every piece of evidence and every warning. Example: assess . -v."
        ),
    ] = False,
    fail_under: Annotated[
        int | None,
        typer.Option(
            "--fail-under",
            min=0,
            max=2,
            metavar="N",
            help="Exit with code 1 when the level is below N (0-2), for CI gates. Example: --fail-under 1.",
        ),
    ] = None,
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            metavar="REF",
            help="Also assess the git revision REF (read from the git objects; the work tree and index are "
            "not touched) and report the change: level before -> after, checks gained and lost. "
            "Example: --base origin/main.",
        ),
    ] = None,
    fail_on_regression: Annotated[
        bool,
        typer.Option(
            "--fail-on-regression",
            help="With --base: exit with code 1 when the level drops or a required check that passed at REF "
            "no longer does. Example: --base HEAD~1 --fail-on-regression.",
        ),
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Parse every file afresh: neither read nor write the facts cache (~/.cache/mlops-level, "
            "or $XDG_CACHE_HOME/mlops-level; MLOPS_LEVEL_NO_CACHE=1 does the same). Example: --no-cache.",
        ),
    ] = False,
    list_checks: Annotated[
        bool,
        typer.Option(
            "--list-checks",
            help="Print the rubric (every check) and exit; same as `mlops-level checks`. "
            "Example: assess --list-checks.",
        ),
    ] = False,
) -> None:
    if list_checks:
        _print_checks(output_format)
        return
    from mlops_level.assess import AssessError, run
    from mlops_level.assess.report.render import RENDERERS

    if output_format not in RENDERERS:
        raise UserError(f"unknown format {output_format!r}; choose from {', '.join(RENDERERS)}")
    if output is not None and exists(output) and not force:
        raise UserError(f"{output} already exists; choose another file or pass --force to replace it")
    if fail_on_regression and base is None:
        raise UserError("--fail-on-regression needs --base REF (the revision to compare with)")
    import contextlib

    from mlops_level.assess.facts import cache, repository

    try:
        with (
            cache.disabled() if no_cache else contextlib.nullcontext(),
            repository.remembered() if base is not None else contextlib.nullcontext(),
        ):
            report = run(path)
            delta = None
            if base is not None:
                from mlops_level.assess.review.gitrev import compare_with_base

                delta = compare_with_base(path, base, report)
    except AssessError as exc:
        raise UserError(str(exc)) from None
    to_terminal = output is None and sys.stdout.isatty()
    if output_format == "text" and to_terminal:
        from mlops_level.assess.report.text import render_text

        text = render_text(report, verbose, color=True)
    else:
        text = RENDERERS[output_format](report, verbose)
    if delta is not None:
        from mlops_level.assess.report.delta import render_with_delta

        text = render_with_delta(output_format, text, report, delta, verbose)
    emit(text, output, force)
    if fail_under is not None and report.rating.level < fail_under:
        typer.echo(f"mlops-level: level {report.rating.level} is below --fail-under {fail_under}", err=True)
        raise typer.Exit(EXIT_BELOW_THRESHOLD)
    if fail_on_regression and delta is not None and delta.regression:
        typer.echo(f"mlops-level: regression against {base}: {delta.regression_reason}", err=True)
        raise typer.Exit(EXIT_BELOW_THRESHOLD)


CHECKS_HELP = """Print the rubric: every check with its ID, level, weight and what counts as evidence.

Examples:

\b
  mlops-level checks
  mlops-level checks --format markdown > RUBRIC.md
  mlops-level checks --format json"""


def checks(
    output_format: Annotated[
        str,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help="text, markdown or json. Example: --format markdown."
        ),
    ] = "text",
) -> None:
    _print_checks(output_format)


def _print_checks(output_format: str) -> None:
    from mlops_level.assess.report.rubric import RUBRIC_FORMATS

    if output_format not in RUBRIC_FORMATS:
        raise UserError(
            f"unknown format {output_format!r} for the rubric; choose from {', '.join(RUBRIC_FORMATS)}"
        )
    write_stdout(RUBRIC_FORMATS[output_format]())


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("assess", help=ASSESS_HELP)(assess)
    app.command("checks", help=CHECKS_HELP)(checks)
