"""Committed copies of the assess fixture repositories, for surveys."""

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
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
NAMES = ("l0_notebooks", "l1_prefect_mlflow_dvc", "l2_prefect_full")


def committed_copy(name: str, dest: Path, as_name: str | None = None) -> Path:
    target = dest / (as_name or name)
    shutil.copytree(FIXTURES / name, target)
    for path in sorted(target.rglob("*"), reverse=True):
        if path.name in DOTFILES:
            path.rename(path.with_name(DOTFILES[path.name]))
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "fixture"]):
        subprocess.run(["git", *args], cwd=target, env=env, check=True, capture_output=True)
    return target


@pytest.fixture(scope="session")
def three_repos(tmp_path_factory) -> list[Path]:
    """Level 0, Level 1 and Level 2 repositories (committed copies of the assess fixtures)."""
    base = tmp_path_factory.mktemp("repos")
    return [committed_copy(name, base) for name in NAMES]
