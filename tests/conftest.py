"""Repository-wide pytest configuration."""

import shutil
import tempfile
from pathlib import Path

import pytest

# Fixture repositories are data to be assessed, not tests of this project.
collect_ignore_glob = ["fixtures/*"]


def pytest_collection_modifyitems(items):
    """Under `-n auto --dist loadgroup` (the README's test command) the slow tests of one file run on one
    worker, in order: they share module-scoped generated projects and cached environments, which another
    worker would build again or wait for. Fast tests and other files are spread over the workers."""
    for item in items:
        if item.get_closest_marker("slow") and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


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
