"""Lineage: every run records the commit and whether the tree was dirty; a clean tree can be required to register."""

import dataclasses
import subprocess

import pytest

from {{ cookiecutter.package_name }} import registry

GIT = ["git", "-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "commit.gpgsign=false"]


@pytest.fixture
def repo(tmp_path):
    subprocess.run([*GIT, "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "code.py").write_text("x = 1\n")
    subprocess.run([*GIT, "add", "code.py"], cwd=tmp_path, check=True)
    subprocess.run([*GIT, "commit", "-qm", "first"], cwd=tmp_path, check=True)
    return tmp_path


def test_the_commit_and_the_dirty_flag_are_recorded(repo):
    tags = registry.lineage_tags(repo)
    assert len(tags["git_commit"]) == 40 and tags["git_dirty"] == "false"
    (repo / "code.py").write_text("x = 2\n")
    assert registry.lineage_tags(repo)["git_dirty"] == "true"


def test_outside_git_the_lineage_says_so(tmp_path):
    assert registry.lineage_tags(tmp_path)["git_dirty"].startswith("unknown")


def test_a_clean_tree_is_required_where_configured(settings, repo):
    strict = dataclasses.replace(settings, require_clean_tree=True)
    registry.check_clean_tree(strict, repo)  # clean: no error
    registry.check_clean_tree(settings, repo)
    (repo / "new.py").write_text("y = 1\n")  # an untracked file is a change too
    with pytest.raises(registry.DirtyTree, match="^refusing to register a model from uncommitted changes"):
        registry.check_clean_tree(strict, repo)
    registry.check_clean_tree(settings, repo)  # not required (dev, a laptop): recorded, not refused
