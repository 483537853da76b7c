"""Fixtures for the template tests: bake a project per level, list its files, and a persistent env cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlops_level.scaffold import render
from mlops_level.scaffold.provenance import CONFIG_DIR_ENV


@pytest.fixture(scope="session", autouse=True)
def signing_key_folder(tmp_path_factory):
    """Projects are signed with a key of the tests' own, never the user's (inherited by subprocesses)."""
    folder = tmp_path_factory.mktemp("mlops-level-config")
    previous = os.environ.get(CONFIG_DIR_ENV)
    os.environ[CONFIG_DIR_ENV] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop(CONFIG_DIR_ENV, None)
    else:
        os.environ[CONFIG_DIR_ENV] = previous


@pytest.fixture
def bake(tmp_path):
    """bake(level, **answers) -> the rendered project, under this test's tmp_path."""

    def _bake(level: int = 0, **answers) -> Path:
        return render({"level": level, **answers}, tmp_path / f"level{level}")

    return _bake


@pytest.fixture(scope="session")
def baked(tmp_path_factory):
    """baked(level) -> the default-answers project, rendered once per session: treat it as read-only."""
    projects: dict[int, Path] = {}

    def _baked(level: int = 0) -> Path:
        if level not in projects:
            projects[level] = render({"level": level}, tmp_path_factory.mktemp(f"baked-level{level}"))
        return projects[level]

    return _baked


@pytest.fixture
def file_set():
    """file_set(project) -> the POSIX paths of every file in the project, dotfiles included."""

    def _file_set(project: Path) -> set[str]:
        return {path.relative_to(project).as_posix() for path in project.rglob("*") if path.is_file()}

    return _file_set


@pytest.fixture(scope="session")
def env_cache() -> Path:
    """One persistent folder of reusable virtual environments, so repeated runs of the slow tests are warm.

    Under pytest-xdist each worker has its own (envs/gw0, envs/gw1, ...): a test that runs commands in its
    project's environment after verify returned must not see another worker's verify re-point that
    environment's editable install at another project (verify's lock only covers verify itself)."""
    folder = Path(
        os.environ.get("MLOPS_LEVEL_TEST_ENV_CACHE", Path.home() / ".cache" / "mlops-level-tests" / "envs")
    )
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        folder = folder / worker
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def cli(monkeypatch, capsys):
    """cli(*args) -> (exit code, stdout, stderr) of the console entry point, in process: the one error
    handler (one line on stderr, the exit code) included."""
    import sys

    from mlops_level.app import main

    def _cli(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["mlops-level", *args])
        with pytest.raises(SystemExit) as exit_info:
            main()
        out, err = capsys.readouterr()
        code = exit_info.value.code
        return (0 if code is None else code), out, err

    return _cli
