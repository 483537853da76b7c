"""Materialising a base revision from git objects, without touching the user's work tree or index."""

import os
from pathlib import Path

import pytest

from mlops_level.assess.review.gitrev import checkout_revision
from mlops_level.errors import UserError

from .gitrepo import commit, git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    commit(root, {"ml/train.py": "print('v1')\n", "ml/run.sh": "#!/bin/sh\n", "README.md": "v1\n"}, "one")
    os.chmod(root / "ml/run.sh", 0o755)
    os.symlink("train.py", root / "ml/link.py")
    commit(root, {"ml/train.py": "print('v2')\n", "ml/new.py": "x = 1\n"}, "two", remove=("README.md",))
    (root / "ml/train.py").write_text("print('edited, not committed')\n")
    (root / "untracked.txt").write_text("not tracked\n")
    git(root, "add", "ml/train.py")  # a staged change: the index must stay exactly like this
    return root


def _tree(top: Path) -> dict[str, str]:
    return {
        p.relative_to(top).as_posix(): ("-> " + os.readlink(p) if p.is_symlink() else p.read_text())
        for p in sorted(top.rglob("*"))
        if ".git" not in p.relative_to(top).parts and not p.is_dir()
    }


def test_base_revision_holds_exactly_the_tracked_files(repo):
    first = git(repo, "rev-parse", "HEAD~1")
    with checkout_revision(repo, "HEAD~1") as revision:
        assert revision.commit == first and revision.root == revision.top
        assert _tree(revision.top) == {
            "README.md": "v1\n",
            "ml/run.sh": "#!/bin/sh\n",
            "ml/train.py": "print('v1')\n",
        }
        assert not os.access(revision.top / "ml/run.sh", os.X_OK)  # made executable only in the 2nd commit
        assert git(revision.top, "rev-parse", "HEAD") == first
        assert git(revision.top, "ls-files").split() == ["README.md", "ml/run.sh", "ml/train.py"]
        assert git(revision.top, "status", "--porcelain") == ""
    assert not revision.top.exists()


def test_symlinks_and_modes_are_kept_and_sub_folders_map(repo):
    with checkout_revision(repo / "ml", "HEAD") as revision:
        assert revision.root == revision.top / "ml"
        assert os.readlink(revision.root / "link.py") == "train.py"
        assert os.access(revision.root / "run.sh", os.X_OK)
        assert (revision.root / "train.py").read_text() == "print('v2')\n"


def test_user_work_tree_index_and_refs_are_untouched(repo):
    before = (
        git(repo, "status", "--porcelain"),
        git(repo, "stash", "list"),
        git(repo, "for-each-ref"),
        (repo / ".git/index").read_bytes(),
        _tree(repo),
    )
    with checkout_revision(repo, "HEAD~1"):
        pass
    after = (
        git(repo, "status", "--porcelain"),
        git(repo, "stash", "list"),
        git(repo, "for-each-ref"),
        (repo / ".git/index").read_bytes(),
        _tree(repo),
    )
    assert after == before


@pytest.mark.parametrize("ref", ["no-such-branch", "HEAD~5", "0123456789abcdef0123456789abcdef01234567"])
def test_missing_revision_is_a_clear_error(repo, ref):
    with pytest.raises(UserError, match=f"base revision '{ref}' not found"):
        with checkout_revision(repo, ref):
            pass


@pytest.mark.parametrize("ref", ["--output=/tmp/x", "", "  "])
def test_option_like_or_empty_refs_are_refused(repo, ref):
    with pytest.raises(UserError, match="invalid base revision"):
        with checkout_revision(repo, ref):
            pass


def test_shallow_clone_without_the_base_commit_says_so(repo, tmp_path):
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{repo}", str(clone))
    with pytest.raises(UserError, match="shallow clone and the base commit is not in it"):
        with checkout_revision(clone, "HEAD~1"):
            pass


def test_shallow_clone_with_the_base_commit_works(repo, tmp_path):
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=2", f"file://{repo}", str(clone))
    with checkout_revision(clone, "HEAD~1") as revision:
        assert (revision.top / "README.md").read_text() == "v1\n"
        assert (revision.top / ".git/shallow").exists()
        assert git(revision.top, "rev-list", "--count", "HEAD") == "1"


def test_not_a_git_repository(tmp_path):
    with pytest.raises(UserError, match="not inside one"):
        with checkout_revision(tmp_path, "HEAD"):
            pass
