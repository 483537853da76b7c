"""`mlops-level new` (generate a project for a maturity level) and `mlops-level verify` (run it for real)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from mlops_level.errors import EXIT_BELOW_THRESHOLD, UserError

ENV_CACHE_HELP = (
    "Reuse virtual environments under this folder, one per distinct set of requirements (keyed on a hash), "
    "instead of a fresh one each time. Also read from MLOPS_LEVEL_ENV_CACHE. "
    "Example: --env-cache ~/.cache/mlops-envs"
)
INSTALLER_HELP = (
    "Which installer builds the environment: auto (uv when available), uv or pip. Example: --installer pip"
)
OFFLINE_HELP = "Install only from uv's package cache, never the network (needs uv). Example: --offline"
EnvCacheOption = Annotated[Path | None, typer.Option("--env-cache", show_default=False, help=ENV_CACHE_HELP)]
InstallerOption = Annotated[str, typer.Option("--installer", help=INSTALLER_HELP)]
OfflineOption = Annotated[bool, typer.Option("--offline", help=OFFLINE_HELP)]


def _answers(
    level: int | None,
    name: str | None,
    config: Path | None,
    overrides: list[str],
    no_input: bool,
    feature_store: str | None = None,
) -> dict:
    from mlops_level.scaffold.answers import load_config, parse_set, resolve

    answers: dict = {}
    if config is not None:
        answers.update(load_config(config))
    answers.update(parse_set(overrides))
    if level is not None:
        if level not in (0, 1, 2):
            raise UserError(f"--level must be 0, 1 or 2, not {level}")
        answers["level"] = str(level)
    if name is not None:
        answers["project_name"] = name
    if feature_store is not None:
        answers["feature_store"] = feature_store
    if not no_input and sys.stdin.isatty() and sys.stdout.isatty():
        from mlops_level.scaffold.prompts import ask_missing

        resolve(answers)  # refuse bad --config/--set answers before asking any question

        answers = ask_missing(answers)
    return answers


def _print_created(project: Path) -> None:
    from rich.console import Console
    from rich.tree import Tree

    from mlops_level.scaffold.declaration import load
    from mlops_level.scaffold.generate import read_answers

    console = Console()
    context = read_answers(project)
    tree = Tree(f"[bold]{project.name}/[/]")
    branches = {project: tree}
    for path in sorted(project.rglob("*")):
        label = f"{path.name}/" if path.is_dir() else path.name
        branches[path] = branches[path.parent].add(label)
    console.print(f"Created a Level {context['level']} project in [bold]{project}[/]:")
    console.print(tree)
    try:
        relative = project.relative_to(Path.cwd())
    except ValueError:
        relative = project
    console.print("\nNext:")
    for command in [
        f"cd {relative}",
        *load(project).next_commands,
        "mlops-level verify .   # check it really runs",
    ]:
        console.print(f"  {command}", markup=False, highlight=False, soft_wrap=True)


def _check_installer(installer: str) -> None:
    if installer not in ("auto", "uv", "pip"):
        raise UserError(f"--installer must be auto, uv or pip, not {installer!r}")


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _show_plan(console, found) -> None:
    from mlops_level.scaffold.escape import printable

    def line(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    line(f"{printable(str(found.project))} {printable(found.origin.reason)}.")
    line("verify would run these commands from it, in a new virtual environment:")
    for name, value in sorted(found.declared.env.items()):
        line(f"  env  {printable(name)}={printable(value)}")
    for number, (name, command) in enumerate(found.commands, start=1):
        line(f"  {number}. {printable(name)}")
        line("     $ " + printable(command, keep_newlines=True).replace("\n", "\n       "))


def _confirmer(console, yes: bool):
    """The trust decision for a folder mlops-level did not generate here: --yes, a prompt, or no."""

    def confirm(found) -> bool:
        _show_plan(console, found)
        if yes:
            return True
        if not _interactive():
            return False
        import questionary

        try:
            return bool(questionary.confirm("Run these commands?", default=False).unsafe_ask())
        except KeyboardInterrupt:
            raise UserError("cancelled: nothing was run", exit_code=130) from None

    return confirm


def _run_verify(
    project: Path | str,
    env_cache: Path | None,
    installer: str,
    offline: bool,
    yes: bool = False,
) -> bool:
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from mlops_level.scaffold.escape import printable
    from mlops_level.scaffold.verification import FAILED, PASSED, REUSED, SKIPPED, verify

    console = Console()
    marks = {PASSED: "[green]passed[/]", FAILED: "[red]FAILED[/]", REUSED: "[cyan]reused[/]"}
    status = console.status("")

    def started(name: str, command: str) -> None:
        status.stop()
        shown = printable(command, keep_newlines=True).replace("\n", "\n    ")
        console.print(f"  $ {shown}", markup=False, highlight=False, soft_wrap=True, style="dim")
        status.update(f"{printable(name)} ...")
        status.start()

    def finished(result) -> None:
        status.stop()
        mark = marks.get(result.status, "[dim]skipped[/]")
        console.print(f"{mark:<20} ", end="")
        console.print(printable(result.name), markup=False, highlight=False, end="")
        console.print(f" [dim]({result.seconds:.1f} s)[/]")
        if result.status == SKIPPED and result.output:  # a step not run on purpose: why
            reason = f"    not run: {printable(result.output)}"
            console.print(reason, markup=False, highlight=False, style="dim", soft_wrap=True)

    console.print(f"Verifying {printable(str(project))} in a fresh environment ...", markup=False)
    try:
        report = verify(
            project,
            env_cache=env_cache,
            installer=installer,
            offline=offline,
            on_start=started,
            on_result=finished,
            confirm=_confirmer(console, yes),
        )
    finally:
        status.stop()
    level, seconds = printable(report.level), report.seconds
    title = Text(f"Level {level} project, installer {report.installer}, {seconds:.1f} s in all")
    table = Table(title=title, title_justify="left")
    table.add_column("step")
    table.add_column("result")
    table.add_column("seconds", justify="right")
    for step in report.steps:
        table.add_row(
            Text(printable(step.name)), marks.get(step.status, "[dim]skipped[/]"), f"{step.seconds:.1f}"
        )
    console.print(table)
    failed = report.failed_step
    if failed is not None:
        console.print(
            Panel(
                Text(printable(failed.tail(), keep_newlines=True)),
                title=Text(f"last lines of: {printable(failed.name)}"),
                border_style="red",
            ),
            markup=False,
            highlight=False,
        )
        console.print("[red]Verification failed[/] at step ", end="")
        console.print(repr(printable(failed.name)) + ".", markup=False, highlight=False)
        return False
    console.print("[green]Verification passed:[/] the project installs and its own checks pass.")
    return True


def _dry_run(project: str) -> None:
    from rich.console import Console

    from mlops_level.scaffold.verification import plan

    _show_plan(Console(), plan(project))


def _env_cache(value: Path | None) -> Path | None:
    if value is not None:
        return value
    from_env = os.environ.get("MLOPS_LEVEL_ENV_CACHE")
    return Path(from_env).expanduser() if from_env else None


def new(
    level: Annotated[
        int | None,
        typer.Option(
            "--level",
            "-l",
            show_default=False,
            help="Maturity level: 0 notebooks and a pickle, 1 automated training pipeline, 2 CI/CD/CT. "
            "Example: --level 1",
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            "-n",
            show_default=False,
            help="Project name; it gives the folder slug and the package name. Example: --name 'churn model'",
        ),
    ] = None,
    output_dir: Annotated[
        Path,
        typer.Option(
            "--output-dir", "-o", help="Folder to create the project in. Example: --output-dir ~/projects"
        ),
    ] = Path("."),
    no_input: Annotated[
        bool,
        typer.Option(
            "--no-input", help="Never prompt: use defaults for anything not given. Example: --no-input"
        ),
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            show_default=False,
            help="YAML or JSON file of answers. Example: --config answers.yaml "
            "(holding 'project_name: churn')",
        ),
    ] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            "-s",
            show_default=False,
            help="Set one answer, repeatable; wins over --config. Example: --set author='Ada Lovelace'",
        ),
    ] = None,
    feature_store: Annotated[
        str | None,
        typer.Option(
            "--feature-store",
            show_default=False,
            help="Level 2: 'shared' (default) computes features with the shared module in training and "
            "serving; 'feast' defines them in a local Feast store (SQLite online, parquet offline), "
            "materialised by the pipeline and served by entity id. Example: --feature-store feast",
        ),
    ] = None,
    run_verify: Annotated[
        bool,
        typer.Option(
            "--verify", help="Run `mlops-level verify` on the new project right away. Example: --verify"
        ),
    ] = False,
    env_cache: EnvCacheOption = None,
    installer: InstallerOption = "auto",
    offline: OfflineOption = False,
) -> None:
    """Create a project for an MLOps maturity level from the bundled template; it never overwrites anything.

    Examples:

    \b
      mlops-level new                                   (asks questions on a terminal)
      mlops-level new --level 0 --name 'tumour classifier' --no-input
      mlops-level new --config answers.yaml --set level=1 --output-dir ~/projects --verify
      mlops-level new --level 2 --feature-store feast --no-input
    """
    from mlops_level.scaffold.generate import render

    _check_installer(installer)
    answers = _answers(level, name, config, overrides or [], no_input, feature_store)
    project = render(answers, output_dir)
    _print_created(project)
    # just generated by this very command: trusted even when no signing key could be stored
    if run_verify and not _run_verify(project, _env_cache(env_cache), installer, offline, yes=True):
        raise typer.Exit(EXIT_BELOW_THRESHOLD)


def verify_command(
    path: Annotated[
        str, typer.Argument(help="The generated project to check. Example: mlops-level verify ./churn-model")
    ] = ".",
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            "-y",
            help="Run the declared commands of a folder mlops-level did not generate here, without asking. "
            "Example: --yes",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Show the commands verify would run, and run nothing. Example: --dry-run"
        ),
    ] = False,
    env_cache: EnvCacheOption = None,
    installer: InstallerOption = "auto",
    offline: OfflineOption = False,
) -> None:
    """Check that a generated project really runs, in a fresh virtual environment.

    Installs its requirements (uv when available, else venv + pip) and runs the checks it declares in
    .mlops-level.toml (Level 0: its tests, which execute the notebooks), with telemetry turned off.
    Each command is shown before it runs.

    Trust: the declared commands run unasked only in a project `mlops-level new` generated on this
    machine, unchanged since. For any other folder they are listed first and run only after --yes or a
    yes at the prompt (on a terminal); without either, nothing runs (exit 2). A URL is never cloned.
    See docs/security.md.

    Exit codes: 0 every step passed; 1 a step failed (its output's last lines are shown); 2 bad input or
    not confirmed; 143 ended by SIGTERM (the environment is removed, the running step's processes ended).

    Examples:

    \b
      mlops-level verify ./tumour-classifier
      mlops-level verify ./cloned-project --dry-run      (show what it would run)
      mlops-level verify ./cloned-project --yes          (after reading its .mlops-level.toml)
      MLOPS_LEVEL_ENV_CACHE=~/.cache/mlops-envs mlops-level verify .
      mlops-level verify . --offline          (no network: packages from uv's cache)
    """
    from mlops_level.scaffold.verification import refuse_url

    _check_installer(installer)
    refuse_url(path)
    if dry_run:
        _dry_run(path)
        return
    if not _run_verify(path, _env_cache(env_cache), installer, offline, yes=yes):
        raise typer.Exit(EXIT_BELOW_THRESHOLD)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("new")(new)
    app.command("verify")(verify_command)
