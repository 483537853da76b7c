"""The file inventory: which files of the assessed tree count, without following symlinks or reading contents.

Inside git the list is the tracked files (`git ls-files --cached`) plus the untracked ones that no
.gitignore (from the git top down) or info/exclude ignores (`untracked`); outside git the tree is walked
and each folder's `.gitignore` is applied (`walk`). Patterns are matched by `ignorespec`, in linear time (a
hostile pattern cannot hang the assessment). Either way virtualenvs, node_modules, site-packages, build and
cache folders are skipped, symlinks are never followed (those leaving the root or looping are reported),
and only regular files are kept.

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
from typing import Protocol

from mlops_level.assess.facts.ignorespec import IgnoreSpec

MAX_IGNORE_FILE_BYTES = 1024 * 1024

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

    exclude: IgnoreSpec | None = None  # the `exclude` patterns
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


def from_listing(
    root: Path, listed: list[str], leave_out: LeaveOut | None = None, files: Files | None = None
) -> Inventory:
    """Inventory from git's list of paths relative to `root` (virtualenvs, found by pyvenv.cfg, dropped);
    `files` tells what each path is (default: the work tree, by lstat)."""
    files = files if files is not None else DiskFiles(root)
    leave_out = leave_out if leave_out is not None else LeaveOut()
    inventory = Inventory()
    venvs: list[str] = []
    markers = [rel.rpartition("/") for rel in listed if rel.rpartition("/")[2] in TEMPLATE_MARKERS]
    leave_out.note_templates([folder for folder, _, _ in markers])
    skipped_folders: dict[str, bool] = {}  # folder -> skipped_dir, decided once per folder
    regular_size = files.regular_size
    for rel in listed:
        folder, _, name = rel.rpartition("/")
        skip = skipped_folders.get(folder)
        if skip is None:
            skip = skipped_folders[folder] = skipped_dir((*folder.split("/"), name), tracked=True)
        if skip or leave_out.skips(rel):
            continue
        if name == "pyvenv.cfg" and folder:
            venvs.append(folder + "/")
            continue
        size = regular_size(rel)  # the common case: a regular file, one lookup
        if size is not None:
            inventory.files[rel] = size
        else:
            _add(files, rel, inventory)
    if venvs:
        prefixes = tuple(venvs)
        inventory.files = {p: s for p, s in inventory.files.items() if not p.startswith(prefixes)}
    inventory.warnings[:0] = leave_out.report()
    return inventory


def walk(root: Path, leave_out: LeaveOut | None = None) -> Inventory:
    """Inventory of a directory outside git, honouring every .gitignore met on the way down."""
    leave_out = leave_out if leave_out is not None else LeaveOut()
    inventory = Inventory()
    disk = DiskFiles(root)
    specs: list[tuple[str, IgnoreSpec]] = []  # (folder prefix, spec) of each .gitignore seen
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
            spec = read_ignore_file(
                folder / ".gitignore", f"{rel_dir}/.gitignore".lstrip("/"), inventory.warnings
            )
            if spec is not None:
                specs.append((rel_dir + "/" if rel_dir else "", spec))
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if entry.name in SKIP_DIRS or entry.name.endswith(".egg-info") or rel in SKIP_PATHS:
                    continue
                if not ignored(specs, rel + "/") and not leave_out.skips(rel, folder=True):
                    stack.append(rel)
            elif not ignored(specs, rel) and not leave_out.skips(rel):
                _add(disk, rel, inventory)
    inventory.warnings[:0] = leave_out.report()
    return inventory


def untracked(
    top: Path, sub: str, tracked: set[str], info_exclude: Path | None, warnings: list[str]
) -> list[str]:
    """The untracked files under `top/sub` that git would not ignore (paths relative to `top/sub`).

    git's `ls-files --others --exclude-standard`, computed here: every .gitignore from `top` down (symlinked
    ones are not followed, as git does not) and `info_exclude`, with linear-time matching. `tracked`: the
    tracked paths relative to `top/sub`, left out. Folders holding a `.git` (nested repositories) are listed
    as `folder/`, as git lists them; virtualenvs and the SKIP_DIRS folders are not entered.
    """
    specs: list[tuple[str, IgnoreSpec]] = []  # (folder prefix from top, spec), lowest precedence first
    if info_exclude is not None and os.path.lexists(info_exclude):
        spec = read_ignore_file(info_exclude, ".git/info/exclude", warnings)
        if spec is not None:
            specs.append(("", spec))
    parts = sub.split("/") if sub else []
    for depth in range(len(parts) + 1):
        here = "/".join(parts[:depth])
        if depth and ignored(specs, here + "/"):
            return []  # the assessed folder itself is ignored: git lists nothing untracked in it
        if depth < len(parts):
            spec = read_ignore_file(top / here / ".gitignore", f"{here}/.gitignore".lstrip("/"), warnings)
            if spec is not None:
                specs.append((f"{here}/" if here else "", spec))
    base = f"{sub}/" if sub else ""
    root = f"{top}/{sub}" if sub else str(top)
    found: list[str] = []
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        folder = f"{root}/{rel_dir}" if rel_dir else root
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=_name)  # sorted: warnings come in the same order every run
        except OSError as exc:
            warnings.append(f"could not list {rel_dir or '.'}: {exc.strerror or exc}")
            continue
        names = {e.name for e in entries}
        if rel_dir and ("pyvenv.cfg" in names or "conda-meta" in names):
            continue
        if rel_dir and ".git" in names:
            if rel_dir not in tracked:
                found.append(rel_dir + "/")
            continue
        if ".gitignore" in names:
            label = f"{base}{rel_dir}/.gitignore".replace("//", "/").lstrip("/")
            spec = read_ignore_file(Path(folder, ".gitignore"), label, warnings)
            if spec is not None:
                specs.append((f"{base}{rel_dir}/" if rel_dir else base, spec))
        prefix = f"{rel_dir}/" if rel_dir else ""
        for entry in entries:
            name = entry.name
            rel = prefix + name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if name in SKIP_DIRS or name.endswith(".egg-info") or rel in SKIP_PATHS:
                        continue  # .git is one of the SKIP_DIRS
                    if not ignored(specs, f"{base}{rel}/"):
                        stack.append(rel)
                    continue
                if rel in tracked or name == ".git":
                    continue
                if not (entry.is_file(follow_symlinks=False) or entry.is_symlink()):
                    continue  # a FIFO, a socket ...
            except OSError:
                continue
            if not ignored(specs, base + rel):
                found.append(rel)
    return found


def _name(entry: os.DirEntry) -> str:
    return entry.name


def read_ignore_file(path: Path, label: str, warnings: list[str]) -> IgnoreSpec | None:
    """The patterns of a .gitignore-style file: not followed when a symlink, and never over 1 MB."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            return None
        if info.st_size > MAX_IGNORE_FILE_BYTES:
            warnings.append(f"{label} is over {MAX_IGNORE_FILE_BYTES // 1048576} MB: not applied")
            return None
        with open(path, "rb") as handle:
            text = handle.read(MAX_IGNORE_FILE_BYTES).decode("utf-8", "replace")
        spec = IgnoreSpec.from_lines(text.splitlines())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        warnings.append(f"could not read {label}: {getattr(exc, 'strerror', None) or exc}")
        return None
    warnings.extend(f"{label}: {problem}" for problem in spec.problems)
    return spec


def ignored(specs: list[tuple[str, IgnoreSpec]], rel: str) -> bool:
    """Whether the specs (folder prefix, spec), lowest precedence first, ignore `rel` (a folder ends in /)."""
    result = False
    for prefix, spec in specs:
        if rel.startswith(prefix):
            decision = spec.check_file(rel[len(prefix) :]).include
            if decision is not None:
                result = decision
    return result


class Files(Protocol):
    """What a listed path is: `kind` gives ("file" | "link" | "folder" | "other", size), or None when it is
    missing; `link_problem` why a symlink is worth reporting, or None."""

    def kind(self, rel: str) -> tuple[str, int] | None: ...

    def regular_size(self, rel: str) -> int | None:
        """The size of `rel` when it is a regular file, else None (`kind` then says what it is)."""

    def link_problem(self, rel: str) -> str | None: ...


class DiskFiles:
    """The files of a work tree (or a folder outside git), by lstat: symlinks are never followed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._prefix = f"{root}/"

    def regular_size(self, rel: str) -> int | None:
        try:
            info = os.lstat(self._prefix + rel)
        except OSError:
            return None
        return info.st_size if stat.S_ISREG(info.st_mode) else None

    def kind(self, rel: str) -> tuple[str, int] | None:
        try:
            info = os.lstat(f"{self.root}/{rel}")
        except OSError:
            return None  # listed by git but deleted from the work tree
        if stat.S_ISLNK(info.st_mode):
            return "link", 0
        if stat.S_ISREG(info.st_mode):
            return "file", info.st_size
        return ("folder" if stat.S_ISDIR(info.st_mode) else "other"), 0

    def link_problem(self, rel: str) -> str | None:
        return symlink_problem(self.root, self.root / rel)


def _add(files: Files, rel: str, inventory: Inventory) -> None:
    found = files.kind(rel)
    if found is None:
        return
    kind, size = found
    if kind == "link":
        problem = files.link_problem(rel)
        if problem:
            inventory.warnings.append(f"symlink not followed: {rel} ({problem})")
    elif kind == "file":
        inventory.files[rel] = size
    elif kind == "folder":  # git lists a submodule as one entry
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
