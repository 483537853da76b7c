"""Render the bundled template into a new project, atomically: all of it appears at the target, or nothing.

The project is baked in a staging folder next to the target (same filesystem), checked, and renamed into
place; any failure, Ctrl-C included, removes the staging folder and leaves the target untouched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mlops_level import __version__
from mlops_level.errors import UserError, sigterm_raises
from mlops_level.userfiles import read_text

from . import answers as answers_mod
from . import declaration
from .manifest import Rule, excluded, load_rules
from .provenance import SIGNATURE, sign
from .source import running as running_source
from .template import template_root

ANSWERS_FILE = ".cruft.json"
# Byte-code (pip compiles package data at install) and tool caches that may sit in the installed template.
_NOT_TEMPLATE = (
    "__pycache__",
    "*.pyc",
    "*.pyo",
    ".ruff_cache",
    ".pytest_cache",
    ".mypy_cache",
    ".ipynb_checkpoints",
)
_LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%")  # GitHub Actions' ${{ }} is meant to survive


def render(answers: Mapping[str, Any], output_dir: Path) -> Path:
    """Create `output_dir/<project_slug>` from the answers (validated, defaults filled); return its path."""
    context = answers_mod.resolve(answers)
    output_dir = Path(output_dir).absolute()
    target = output_dir / context["project_slug"]
    with sigterm_raises():  # a SIGTERM cleans up like Ctrl-C: the staging folder goes, nothing is left
        _refuse_existing(target)
        return _render(context, output_dir, target)


def _render(context: dict[str, str], output_dir: Path, target: Path) -> Path:
    created = _make_dirs(output_dir)
    staging: Path | None = None
    try:
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{context['project_slug']}.", dir=output_dir))
            project = _bake(context, staging, target)
            _refuse_existing(target)
            if target.is_dir():
                target.rmdir()  # an empty folder the user made for the project
            os.rename(project, target)
        except OSError as exc:  # unwritable folder, full disk, a target created meanwhile
            raise UserError(f"could not write the project in {output_dir}: {exc.strerror or exc}") from exc
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        for folder in reversed(created):
            _rmdir_if_empty(folder)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return target


def _refuse_existing(target: Path) -> None:
    try:
        _check_target(target)
    except OSError as exc:  # a parent folder that cannot be read or searched, a path too long
        raise UserError(f"cannot use {target}: {exc.strerror or exc}") from None


def _check_target(target: Path) -> None:
    if target.is_dir() and any(target.iterdir()):
        raise UserError(f"{target} already exists and is not empty; choose another --name or --output-dir")
    if target.exists() and not target.is_dir():
        raise UserError(f"{target} already exists and is not a folder; choose another --name or --output-dir")


def _make_dirs(folder: Path) -> list[Path]:
    """Create the folder and its missing parents; return those created, outermost first."""
    try:
        missing = [path for path in (folder, *folder.parents) if not path.exists()]
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create output folder {folder}: {exc.strerror or exc}") from exc
    return list(reversed(missing))


def _rmdir_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (someone else wrote there) or already gone: leave it


def _bake(context: dict[str, str], staging: Path, target: Path) -> Path:
    from cookiecutter.environment import StrictEnvironment
    from cookiecutter.generate import generate_context, generate_files
    from cookiecutter.prompt import prompt_for_config

    source = template_root()
    template = staging / "template"
    shutil.copytree(source, template, ignore=shutil.ignore_patterns(*_NOT_TEMPLATE))
    cookiecutter_context = generate_context(str(template / "cookiecutter.json"), extra_context=context)
    values = prompt_for_config(cookiecutter_context, no_input=True)
    values["_template"] = str(source)
    values["_mlops_level_version"] = __version__
    source = running_source()  # recorded, so that generated CI installs exactly this mlops-level, from there
    values["_mlops_level_requirement"] = source.requirement
    values["_mlops_level_source"] = source.description
    names = StrictEnvironment(context={"cookiecutter": values})
    prune(
        _project_tree(template),
        int(context["level"]),
        load_rules(template),
        answers=context,
        rendered_path=lambda path: names.from_string(path).render(cookiecutter=values),
    )
    project = Path(
        generate_files(
            repo_dir=str(template),
            context={"cookiecutter": values},
            output_dir=str(staging / "out"),
            accept_hooks=False,
        )
    )
    problems = leftovers(project)
    if problems:
        raise RuntimeError(f"template bug, the rendered project is not clean: {'; '.join(problems)}")
    _write_review_template(project, int(context["level"]))
    values[SIGNATURE] = sign(project, declaration.load(project), location=target)
    _write_answers(project, values)
    return project


PR_TEMPLATE = ".github/pull_request_template.md"
_PR_INTRO = """## What this change does

<!-- The problem, the change, and how you checked it (metrics before/after for model changes). -->

## MLOps review

CI writes `mlops-level assess --format markdown` into the job summary; tick what this change keeps true.

"""


def _write_review_template(project: Path, level: int) -> None:
    """From Level 2 on, the pull-request template holds the review checklist, from its one source."""
    if level < 2:
        return
    from mlops_level.assess.review.checklist import checklist_markdown

    path = project / PR_TEMPLATE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_PR_INTRO + checklist_markdown(2, heading="##"), encoding="utf-8")


def _project_tree(template: Path) -> Path:
    """The `{{cookiecutter.project_slug}}` folder of a cookiecutter template."""
    return next(path for path in template.iterdir() if path.is_dir() and "{{" in path.name)


def prune(
    tree: Path,
    level: int,
    rules: list[Rule],
    answers: Mapping[str, str] | None = None,
    rendered_path: Callable[[str], str] = str,
) -> None:
    """Delete the files the manifest leaves out for this level and these answers, then the folders left empty.

    Runs on the template's project tree before rendering (so left-out files are never rendered); rules
    match the path each file will have once rendered, given by `rendered_path`.
    """
    files = {rendered_path(p.relative_to(tree).as_posix()): p for p in tree.rglob("*") if p.is_file()}
    for relative in excluded(sorted(files), level, rules, answers):
        files[relative].unlink()
    folders = [path for path in tree.rglob("*") if path.is_dir()]
    for folder in sorted(folders, key=lambda path: len(path.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def leftovers(project: Path) -> list[str]:
    """Problems in a rendered project: byte-code, or Jinja syntax that survived rendering."""
    problems = []
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project).as_posix()
        if path.name == "__pycache__" or path.suffix in (".pyc", ".pyo"):
            problems.append(f"{relative} is byte-code")
        elif path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # binary files cannot hold Jinja
            if _LEFTOVER.search(text):
                problems.append(f"{relative} holds unrendered Jinja")
    return problems


def _write_answers(project: Path, values: Mapping[str, Any]) -> None:
    """`.cruft.json`, in cruft's format, so `cruft diff`/`cruft update` can work from it later."""
    record = {
        "template": values["_template"],
        "commit": None,
        "checkout": None,
        "context": {"cookiecutter": dict(values)},
        "directory": None,
        "skip": [],
    }
    (project / ANSWERS_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def read_answers(project: Path) -> dict[str, Any]:
    """The cookiecutter answers saved in a generated project."""
    path = Path(project) / ANSWERS_FILE
    try:
        record = json.loads(read_text(path, ANSWERS_FILE))
        return dict(record["context"]["cookiecutter"])
    except (UserError, ValueError, RecursionError, KeyError, TypeError) as exc:
        raise UserError(
            f"{path} is missing or unreadable; is {project} a project made by mlops-level new?"
        ) from exc
