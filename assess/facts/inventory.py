"""The file inventory: which files of the assessed tree count, without following symlinks or reading contents.

Inside git the list comes from `git ls-files --cached --others --exclude-standard` (every .gitignore, the
global excludes and info/exclude honoured by git itself); outside git the tree is walked and each folder's
`.gitignore` is applied with pathspec. Either way virtualenvs, node_modules, site-packages, build and cache
folders are skipped, symlinks are never followed (those leaving the root or looping are reported), and only
regular files are kept.

The repository's settings can leave more out (`LeaveOut`): paths matching its `exclude` patterns, and by
default cookiecutter/copier template sources (a path segment holding `{{`, or a sub-folder holding a
`cookiecutter.json` or `copier.yml`), which are the code of projects
the repository generates, not its own. Both are counted and reported, never dropped silently.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "virtualenv",
        ".virtualenv",
        "node_modules",
        "conda-meta",
        "site-packages",
        "dist-packages",
        "__pycache__",
        "build",
        "dist",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".ipynb_checkpoints",
        ".eggs",
        ".cache",
        ".gradle",
        "htmlcov",
        "mlruns",
        "mlartifacts",
        ".terraform",
        ".idea",
        ".vscode",
        ".conda",
        "conda-env",
        ".pixi",
    }
)
SKIP_PATHS = frozenset({".dvc/cache", ".dvc/tmp"})
TEMPLATE_MARKERS = frozenset({"cookiecutter.json", "copier.yml", "copier.yaml"})


@dataclass
class Inventory:
    files: dict[str, int] = field(default_factory=dict)  # POSIX path relative to the root -> size in bytes
    warnings: list[str] = field(default_factory=list)


@dataclass
class LeaveOut:
    """What the settings leave out of the inventory, and the tally reported once it is built."""

    exclude: pathspec.GitIgnoreSpec | None = None  # the `exclude` patterns
    source: str | None = None  # the settings file, named in the messages
    templates: bool = True  # skip template sources
    template_roots: tuple[str, ...] = ()  # sub-folders holding a TEMPLATE_MARKERS file, with a trailing /
    excluded_files: int = 0
    excluded_folders: int = 0  # pruned whole while walking a tree outside git
    matched: set[int] = field(default_factory=set)  # indexes of the `exclude` patterns that decided a path
    template_files: dict[str, int] = field(default_factory=dict)  # template source root -> files skipped

    def skips(self, rel: str, folder: bool = False) -> bool:
        """Whether `rel` (a file, or a folder when `folder`) is left out; counts it when it is."""
        top = self._template_top(rel) if self.templates else None
        if top is not None:
            if folder:
                return False  # walked, so that the files below it are counted
            self.template_files[top] = self.template_files.get(top, 0) + 1
            return True
        if self.exclude is None:
            return False
        result = self.exclude.check_file(rel + "/" if folder else rel)
        if result.index is not None:
            self.matched.add(result.index)
        if not result.include:
            return False
        if folder:
            self.excluded_folders += 1
        else:
            self.excluded_files += 1
        return True

    def note_templates(self, folders: list[str]) -> None:
        """Record template roots: the folders (not the assessed root itself) holding a marker file."""
        if self.templates:
            self.template_roots = tuple(sorted({*self.template_roots, *(f"{f}/" for f in folders if f)}))

    def _template_top(self, rel: str) -> str | None:
        if self.template_roots and rel.startswith(self.template_roots):
            return next(top for top in self.template_roots if rel.startswith(top))
        if "{{" not in rel:
            return None
        parts = rel.split("/")
        first = next(i for i, part in enumerate(parts) if "{{" in part)
        return "/".join(parts[: first + 1]) + ("/" if first < len(parts) - 1 else "")

    def report(self) -> list[str]:
        """One warning per kind of path left out (with counts), and one per `exclude` pattern that matched
        nothing (a likely typo)."""
        warnings = []
        if self.exclude is not None:
            counts = [(self.excluded_files, "file"), (self.excluded_folders, "folder")]
            what = " and ".join(_plural(count, noun) for count, noun in counts if count)
            if what:
                warnings.append(f"excluded {what} matching `exclude` in {self.source}")
            for index, pattern in enumerate(self.exclude.patterns):
                if pattern.include is not None and index not in self.matched:
                    warnings.append(f"{self.source}: `exclude` pattern {pattern.pattern!r} matches nothing")
        if self.template_files:
            tops = sorted(self.template_files)
            named = ", ".join(tops[:3]) + (f" and {len(tops) - 3} more" if len(tops) > 3 else "")
            files = _plural(sum(self.template_files.values()), "file")
            warnings.append(
                f"skipped {files} of template sources ({named}): "
                "cookiecutter/copier templates (a path segment with `{{`, or a folder with cookiecutter.json "
                "or copier.yml) are the code of generated projects, not this repository's own "
                "(`skip-templates = false` in [tool.mlops-level] assesses them)"
            )
        return warnings


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# folder names that hold build output when untracked, but source when committed (`build/cloudbuild.yaml`)
TRACKED_SOURCE_DIRS = frozenset({"build", "dist"})


def skipped_dir(parts: tuple[str, ...], tracked: bool = False) -> bool:
    """True when a path lies in a folder the assessment never reads (venvs, caches, builds ...); a folder
    named `build` or `dist` is read when git tracks it."""
    folders = parts[:-1]
    skip = SKIP_DIRS - TRACKED_SOURCE_DIRS if tracked else SKIP_DIRS
    if not skip.isdisjoint(folders) or any(part.endswith(".egg-info") for part in folders):
        return True
    return len(folders) >= 2 and f"{folders[0]}/{folders[1]}" in SKIP_PATHS


def from_listing(root: Path, listed: list[str], leave_out: LeaveOut | None = None) -> Inventory:
    """Inventory from git's list of paths relative to `root` (virtualenvs, found by pyvenv.cfg, dropped)."""
    leave_out = leave_out if leave_out is not None else LeaveOut()
    inventory = Inventory()
    venvs: list[str] = []
    markers = [rel.rpartition("/") for rel in listed if rel.rpartition("/")[2] in TEMPLATE_MARKERS]
    leave_out.note_templates([folder for folder, _, _ in markers])
    for rel in listed:
        parts = tuple(rel.split("/"))
        if skipped_dir(parts, tracked=True) or leave_out.skips(rel):
            continue
        if parts[-1] == "pyvenv.cfg" and len(parts) > 1:
            venvs.append("/".join(parts[:-1]) + "/")
            continue
        _add(root, rel, inventory)
    if venvs:
        prefixes = tuple(venvs)
        inventory.files = {p: s for p, s in inventory.files.items() if not p.startswith(prefixes)}
    inventory.warnings[:0] = leave_out.report()
    return inventory


def walk(root: Path, leave_out: LeaveOut | None = None) -> Inventory:
    """Inventory of a directory outside git, honouring every .gitignore met on the way down."""
    leave_out = leave_out if leave_out is not None else LeaveOut()
    inventory = Inventory()
    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []  # (folder prefix, spec) of each .gitignore seen
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        folder = root / rel_dir if rel_dir else root
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            inventory.warnings.append(f"could not list {rel_dir or '.'}: {exc.strerror or exc}")
            continue
        names = {e.name for e in entries}
        if rel_dir and ("pyvenv.cfg" in names or "conda-meta" in names):
            continue
        if not TEMPLATE_MARKERS.isdisjoint(names):
            leave_out.note_templates([rel_dir])
        if ".gitignore" in names:
            import pathspec  # only when there is a .gitignore to apply

            try:
                lines = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
                specs.append((rel_dir + "/" if rel_dir else "", pathspec.GitIgnoreSpec.from_lines(lines)))
            except (OSError, ValueError) as exc:
                inventory.warnings.append(f"could not read {rel_dir}/.gitignore: {exc}")
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if entry.name in SKIP_DIRS or entry.name.endswith(".egg-info") or rel in SKIP_PATHS:
                    continue
                if not _ignored(specs, rel + "/") and not leave_out.skips(rel, folder=True):
                    stack.append(rel)
            elif not _ignored(specs, rel) and not leave_out.skips(rel):
                _add(root, rel, inventory)
    inventory.warnings[:0] = leave_out.report()
    return inventory


def _ignored(specs: list, rel: str) -> bool:
    ignored = False
    for prefix, spec in specs:
        if rel.startswith(prefix):
            result = spec.check_file(rel[len(prefix) :])
            if result.include is not None:
                ignored = result.include
    return ignored


def _add(root: Path, rel: str, inventory: Inventory) -> None:
    try:
        info = os.lstat(f"{root}/{rel}")
    except OSError:
        return  # listed by git but deleted from the work tree
    if stat.S_ISLNK(info.st_mode):
        problem = symlink_problem(root, root / rel)
        if problem:
            inventory.warnings.append(f"symlink not followed: {rel} ({problem})")
        return
    if stat.S_ISREG(info.st_mode):
        inventory.files[rel] = info.st_size
    elif stat.S_ISDIR(info.st_mode):  # git lists a submodule as one entry
        inventory.warnings.append(f"skipped {rel}: a git submodule, assess it on its own")
    else:
        inventory.warnings.append(f"skipped {rel}: not a regular file")


def symlink_problem(root: Path, link: Path) -> str | None:
    """Why a symlink is worth reporting (it loops, dangles or leaves the root), else None."""
    try:
        target = link.resolve(strict=True)
    except RuntimeError:
        return "symlink loop"
    except OSError:
        return "dangling or looping link"
    try:
        target.relative_to(root)
    except ValueError:
        return "points outside the repository"
    return None
