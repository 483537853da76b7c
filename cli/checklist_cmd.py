"""`mlops-level checklist`: the review checklist for a target level, blank or ticked from an assessment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

HELP = (
    "Print the MLOps review checklist for a target level, in Markdown.\n\n"
    "Without PATH, the blank checklist (what a pull-request template holds). With PATH, the repository is "
    "assessed and each item is ticked from the result, with evidence links and the fix for what is missing. "
    "Levels are cumulative: the Level 2 checklist also lists the foundation and Level 1 checks, then the "
    "reviewer's questions that no file can answer.\n\n"
    "Examples:\n\n"
    "  mlops-level checklist --level 2 > .github/pull_request_template.md\n\n"
    "  mlops-level checklist ./my-repo   (ticked, toward the next level up)\n\n"
    "Exit codes: 0 checklist printed; 2 bad input."
)


def register(app: typer.Typer) -> None:
    """Add the `checklist` command to the root app."""

    @app.command("checklist", help=HELP)
    def checklist(
        path: Annotated[
            str | None,
            typer.Argument(
                metavar="PATH",
                show_default=False,
                help="Repository to assess (directory or git URL); leave out for the blank checklist.",
            ),
        ] = None,
        level: Annotated[
            int | None,
            typer.Option(
                "--level",
                "-l",
                help="Target level, 1 or 2. Default: the next level up (Level 1 when blank).",
                show_default=False,
            ),
        ] = None,
        output: Annotated[
            Path | None,
            typer.Option(
                "--output",
                "-o",
                dir_okay=False,
                show_default=False,
                help="Write the checklist to this file instead of standard output; refuses to replace an "
                "existing file unless --force.",
            ),
        ] = None,
        force: Annotated[bool, typer.Option("--force", help="Allow -o to replace an existing file.")] = False,
    ) -> None:
        from mlops_level.assess.review.checklist import checklist_markdown, default_target
        from mlops_level.errors import UserError

        if level is not None and level not in (1, 2):
            raise UserError(f"--level must be 1 or 2 (Level 0 has nothing to check), not {level}")
        if output is not None and output.exists() and not force:
            raise UserError(f"{output} already exists; choose another file or pass --force to replace it")
        report = None
        if path is not None:
            from mlops_level.assess import AssessError, run

            try:
                report = run(path)
            except AssessError as exc:
                raise UserError(str(exc)) from None
        text = checklist_markdown(level or default_target(report), report)
        if output is None:
            typer.echo(text, nl=False)
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
