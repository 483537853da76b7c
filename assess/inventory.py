"""The file inventory: which files of the assessed tree count, without following symlinks or reading contents.

Inside git the list comes from `git ls-files --cached --others --exclude-standard` (every .gitignore, the
global excludes and info/exclude honoured by git itself); outside git the tree is walked and each folder's
`.gitignore` is applied with pathspec. Either way virtualenvs, node_modules, site-packages, build and cache
folders are skipped, symlinks are never followed (those leaving the root or looping are reported), and only
regular files are kept.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass
class Inventory:
    files: dict[str, int] = field(default_factory=dict)  # POSIX path relative to the root -> size in bytes
    warnings: list[str] = field(default_factory=list)


def skipped_dir(parts: tuple[str, ...]) -> bool:
    """True when a path lies in a folder the assessment never reads (venvs, caches, builds ...)."""
    folders = parts[:-1]
    if not SKIP_DIRS.isdisjoint(folders) or any(part.endswith(".egg-info") for part in folders):
        return True
    return len(folders) >= 2 and f"{folders[0]}/{folders[1]}" in SKIP_PATHS


def from_listing(root: Path, listed: list[str]) -> Inventory:
    """Inventory from git's list of paths relative to `root` (virtualenvs, found by pyvenv.cfg, dropped)."""
    inventory = Inventory()
    venvs: list[str] = []
    for rel in listed:
        parts = tuple(rel.split("/"))
        if skipped_dir(parts):
            continue
        if parts[-1] == "pyvenv.cfg" and len(parts) > 1:
            venvs.append("/".join(parts[:-1]) + "/")
            continue
        _add(root, rel, inventory)
    if venvs:
        prefixes = tuple(venvs)
        inventory.files = {p: s for p, s in inventory.files.items() if not p.startswith(prefixes)}
    return inventory


def walk(root: Path) -> Inventory:
    """Inventory of a directory outside git, honouring every .gitignore met on the way down."""
    import pathspec

    inventory = Inventory()
    specs: list[tuple[str, pathspec.PathSpec]] = []  # (folder prefix, spec) of the .gitignore files seen
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
        if ".gitignore" in names:
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
                if not _ignored(specs, rel + "/"):
                    stack.append(rel)
            elif not _ignored(specs, rel):
                _add(root, rel, inventory)
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
