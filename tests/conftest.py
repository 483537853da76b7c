"""Repository-wide pytest configuration."""

import shutil
import tempfile
from pathlib import Path

import pytest

# Fixture repositories are data to be assessed, not tests of this project.
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(scope="session")
def _cache_home():
    """A folder of its own, outside pytest's temporary tree (some tests assert nothing appears there)."""
    home = Path(tempfile.mkdtemp(prefix="mlops-level-test-cache-"))
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(autouse=True)
def _private_cache(_cache_home, monkeypatch):
    """The facts cache of every test lives in a temporary folder, never in the real home."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(_cache_home))
