"""Every test gets its own data folder and MLflow store, so tests never touch the project's own state; tests that
run flows share one temporary Prefect server per session."""

from __future__ import annotations

import os

import pytest

from {{ cookiecutter.package_name }} import config, ingest


@pytest.fixture
def settings(tmp_path, monkeypatch) -> config.Settings:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("MLFLOW_ARTIFACT_LOCATION", (tmp_path / "mlartifacts").as_uri())
    monkeypatch.delenv("MLOPS_ENV", raising=False)
    return config.load()


@pytest.fixture
def raw(settings):
    """The raw training data, written by the ingest step."""
    ingest.ingest(settings)
    return ingest.load_raw(settings)


@pytest.fixture(scope="session")
def prefect_server():
    """A temporary Prefect server and database for the whole session (it takes seconds to start), or the
    throwaway one named by TEST_PREFECT_API_URL (`mlops-level verify` starts one for all its steps)."""
    shared = os.environ.get("TEST_PREFECT_API_URL")
    if shared:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: shared}):
            yield
        return
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
