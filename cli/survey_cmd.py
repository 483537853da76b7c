"""`mlops-level survey`: rate many repositories at once; a thin adapter over `mlops_level.assess.survey`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from mlops_level.errors import EXIT_BELOW_THRESHOLD, UserError
from mlops_level.output import emit, exists

FORMATS = ("table", "csv", "json", "html")
COMPARE_LIMIT = 64 * 1024 * 1024  # a survey JSON of thousands of repositories stays far below

SURVEY_HELP = """Rate many repositories on the MLOps maturity model in parallel; compare with an older survey.

Each PATH_OR_URL is what `mlops-level assess` takes (a directory or a git URL). A repository that cannot be \
rated (not found, clone refused, timed out) gets a row with its reason and the others go on.

Examples:

\b
  mlops-level survey ./churn ./fraud https://github.com/org/recsys
  mlops-level survey --from repos.txt --jobs 8 --format html -o survey.html --reports reports/
  mlops-level survey --from repos.txt --format json -o 2026-q2.json --compare 2026-q1.json
  mlops-level survey --from repos.txt --fail-under 1

Exit codes: 0 survey produced; 1 a repository is below --fail-under (or could not be rated); 2 bad input."""


def survey(
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[PATH_OR_URL]...",
            help="Directories or git URLs to rate, e.g. `./churn git@github.com:org/fraud.git`.",
            show_default=False,
        ),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            metavar="FILE",
            dir_okay=False,
            help="Read targets from FILE, one per line; blank lines and lines starting with # are ignored. "
            "Example: --from repos.txt.",
        ),
    ] = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="table (terminal), csv (one row per repository), json (versioned, readable by --compare) or "
            "html (dashboard: level distribution, heat map, sortable table). Example: --format html.",
        ),
    ] = "table",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            dir_okay=False,
            help="Write the survey to FILE instead of standard output; refuses to replace an existing file "
            "unless --force. Example: -o survey.html.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Allow -o and --reports to replace existing files. Example: --force."),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            metavar="N",
            help="Rate at most N repositories at a time, each in its own process (default: the number of "
            "cores). Example: --jobs 4.",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            min=1,
            metavar="SECONDS",
            help="Give up on a repository (clone included) after SECONDS; it gets a 'timed out' row. "
            "Example: --timeout 120.",
        ),
    ] = 300.0,
    reports: Annotated[
        Path | None,
        typer.Option(
            "--reports",
            metavar="DIR",
            file_okay=False,
            help="Also write each repository's HTML report into DIR (created if needed), linked from the "
            "dashboard. Example: --reports reports/.",
        ),
    ] = None,
    compare_with: Annotated[
        Path | None,
        typer.Option(
            "--compare",
            metavar="OLD.json",
            dir_okay=False,
            help="A previous `survey --format json`: show which repositories moved up or down and which "
            "checks changed (matched by target). Example: --compare 2026-q1.json.",
        ),
    ] = None,
    fail_under: Annotated[
        int | None,
        typer.Option(
            "--fail-under",
            min=0,
            max=2,
            metavar="N",
            help="Exit with code 1 when any repository is below level N (0-2) or could not be rated. "
            "Example: --fail-under 1.",
        ),
    ] = None,
) -> None:
    if output_format not in FORMATS:
        raise UserError(f"unknown format {output_format!r}; choose from {', '.join(FORMATS)}")
    names = _targets(targets or [], from_file)
    if output is not None and exists(output) and not force:
        raise UserError(f"{output} already exists; choose another file or pass --force to replace it")
    from mlops_level.assess.survey import SurveyError, compare, report_file_names, survey_from_dict

    report_paths = []
    if reports is not None:
        if reports.exists() and not reports.is_dir():
            raise UserError(f"--reports {reports}: is not a directory")
        report_paths = [reports / name for name in report_file_names(names)]
        existing = [path for path in report_paths if path.exists()]
        if existing and not force:
            raise UserError(f"{existing[0]} already exists; choose another --reports folder or pass --force")
    old = None
    if compare_with is not None:
        try:
            old = survey_from_dict(_read_json(compare_with))
        except SurveyError as exc:
            raise UserError(f"--compare {compare_with}: {exc}") from None
    result, pages = _run(names, jobs, timeout, reports)
    links = _write_reports(result, pages, report_paths, output)
    if old is not None:
        result.comparison = compare(old, result)
    emit(_render(result, output_format, links, output), output, force, noun="survey")
    if fail_under is not None:
        below = [row for row in result.rows if not row.ok or row.level < fail_under]
        if below:
            typer.echo(
                f"mlops-level: {len(below)} of {len(result.rows)} repositories below --fail-under "
                f"{fail_under} or not rated (first: {_shown(below[0].target)})",
                err=True,
            )
            raise typer.Exit(EXIT_BELOW_THRESHOLD)


def _targets(arguments: list[str], from_file: Path | None) -> list[str]:
    from mlops_level.assess.survey import parse_targets
    from mlops_level.userfiles import read_text

    names = list(arguments)
    if from_file is not None:
        names += parse_targets(read_text(from_file, "target list"))
    names = list(dict.fromkeys(name for name in names if name.strip()))
    if not names:
        raise UserError("no repositories to survey: give PATH_OR_URL arguments or --from FILE")
    return names


def _read_json(path: Path) -> object:
    import json

    from mlops_level.userfiles import read_text

    try:
        return json.loads(read_text(path, "survey JSON", limit=COMPARE_LIMIT))
    except json.JSONDecodeError as exc:
        raise UserError(f"--compare {path}: not JSON ({exc.msg} at line {exc.lineno})") from None


def _run(names: list[str], jobs: int | None, timeout: float, reports: Path | None):
    from mlops_level.assess.survey import survey as run_survey
    from mlops_level.errors import sigterm_raises

    if not sys.stderr.isatty():
        with sigterm_raises():
            return run_survey(names, jobs=jobs, timeout=timeout, reports_dir=reports)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from mlops_level.assess.report.escape import term_text

    columns = (
        TextColumn("surveying", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}", markup=False),
    )
    with sigterm_raises(), Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("survey", total=len(names), last="")

        def done(row) -> None:
            mark = "✔" if row.ok else "✘"
            progress.update(task, advance=1, last=term_text(f"{mark} {row.target}")[:60])

        return run_survey(names, jobs=jobs, timeout=timeout, reports_dir=reports, on_done=done)


def _write_reports(result, pages: list[str], paths: list[Path], output: Path | None) -> list[str]:
    """Write each rated repository's HTML report; returns each row's link relative to the dashboard."""
    if not paths:
        return [""] * len(result.rows)
    from mlops_level.assess.report.escape import url_path

    try:
        paths[0].parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {paths[0].parent}: {exc.strerror or exc}") from None
    start = (output.parent if output is not None else Path.cwd()).resolve()
    links = []
    for row, text, path in zip(result.rows, pages, paths, strict=True):
        if not row.ok:
            links.append("")
            continue
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
        row.report = str(path)
        links.append(url_path(os.path.relpath(path.resolve(), start).replace(os.sep, "/")))
    return links


def _render(result, output_format: str, links: list[str], output: Path | None) -> str:
    from mlops_level.assess.survey import render

    if output_format == "json":
        return render.render_json(result)
    if output_format == "csv":
        return render.render_csv(result)
    if output_format == "html":
        from mlops_level.assess.survey.dashboard import render_dashboard

        return render_dashboard(result, links)
    return render.render_table(result, color=output is None and sys.stdout.isatty())


def _shown(text: str) -> str:
    from mlops_level.assess.report.escape import term_text

    return term_text(text)


def register(app: typer.Typer) -> None:
    """Add this module's command to the root app."""
    app.command("survey", help=SURVEY_HELP)(survey)
