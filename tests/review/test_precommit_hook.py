"""The pre-commit hook: a valid manifest whose entry fails below the configured minimum level."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from .gitrepo import PROJECT, TESTS, commit

ROOT = Path(__file__).resolve().parents[2]


def _hook() -> dict:
    clientlib = pytest.importorskip("pre_commit.clientlib", reason="pre-commit is in the test extra")
    (hook,) = clientlib.load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    return hook


def test_manifest_is_valid_for_pre_commit():
    hook = _hook()
    assert (hook["id"], hook["language"], hook["pass_filenames"], hook["always_run"]) == (
        "mlops-level",
        "python",
        False,
        True,
    )


def _run_hook(repo: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the entry as pre-commit does (entry + args, from the repository root, no file names)."""
    entry = shlex.split(_hook()["entry"])
    assert entry[0] == "mlops-level"
    return subprocess.run(
        [sys.executable, "-m", "mlops_level", *entry[1:], *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_hook_fails_below_the_minimum_and_passes_at_it(tmp_path):
    repo = tmp_path / "repo"
    commit(repo, {**PROJECT, **TESTS}, "level 0 project")
    assert _run_hook(repo).returncode == 1  # default minimum: Level 1
    assert _run_hook(repo, "--fail-under", "0").returncode == 0


@pytest.mark.slow
def test_pre_commit_installs_and_runs_the_hook(source_copy, tmp_path):
    """pre-commit itself builds the hook's environment from this repository and runs it (needs PyPI)."""
    pytest.importorskip("pre_commit", reason="pre-commit is in the test extra")
    project = tmp_path / "project"
    commit(project, {**PROJECT, **TESTS}, "level 0 project")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(source_copy), "mlops-level", "--all-files"]
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "level 0 is below --fail-under 1" in result.stdout
