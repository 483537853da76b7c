"""Fixture repositories for the assess tests: copied to a temp dir, dotfiles restored, committed with git.

Fixture trees store `.gitignore`/`.gitattributes` as `gitignore`/`gitattributes` so they cannot affect this
repository, and nested `.git` folders cannot be committed, so the git repositories are created here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "assess"
DOTFILES = {"gitignore": ".gitignore", "gitattributes": ".gitattributes"}
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Fixture",
    "GIT_AUTHOR_EMAIL": "fixture@example.com",
    "GIT_COMMITTER_NAME": "Fixture",
    "GIT_COMMITTER_EMAIL": "fixture@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True, capture_output=True, text=True
    )
    return result.stdout


def init_repo(path: Path, commit: bool = True) -> Path:
    git(path, "init", "-q", "-b", "main")
    if commit:
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "fixture")
    return path


def copy_fixture(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(FIXTURES / name, target)
    for path in sorted(target.rglob("*"), reverse=True):
        if path.name in DOTFILES:
            path.rename(path.with_name(DOTFILES[path.name]))
    return target


@pytest.fixture
def fixture_repo(tmp_path):
    """fixture_repo(name, git=True) -> path of a committed copy of tests/fixtures/assess/<name>."""

    def make(name: str, *, with_git: bool = True) -> Path:
        root = copy_fixture(name, tmp_path)
        return init_repo(root) if with_git else root

    return make
