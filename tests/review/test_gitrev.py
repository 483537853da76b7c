"""Reading a base revision from git objects, without writing anything or touching the user's work tree."""

import os
from pathlib import Path

import pytest

from mlops_level.assess.facts.repository import collect
from mlops_level.assess.review.gitrev import assess_revision, read_revision
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


def _facts(path: Path, ref: str):
    revision = read_revision(path, ref)
    return revision, collect(revision.root, git_root=revision.top, git=revision.git, tree=revision.tree)


def test_base_revision_holds_exactly_the_tracked_files(repo):
    first = git(repo, "rev-parse", "HEAD~1")
    revision, facts = _facts(repo, "HEAD~1")
    assert revision.commit == first and revision.git.commit == first and revision.root == repo.resolve()
    assert sorted(facts.files) == ["README.md", "ml/run.sh", "ml/train.py"]
    assert facts.files["README.md"] == 3 and facts.texts["ml/run.sh"] == "#!/bin/sh\n"
    assert facts.sources["ml/train.py"].loc == 2  # the committed bytes, not the work tree's edit
    assert revision.git.history == 1 and not revision.git.shallow


def test_symlinks_are_recorded_and_sub_folders_map(repo):
    revision, facts = _facts(repo / "ml", "HEAD")
    assert revision.sub == "ml" and revision.tree.entries["ml/link.py"].kind == "link"
    assert sorted(facts.files) == ["new.py", "run.sh", "train.py"]  # the link is never followed
    assert revision.git.listed == ["link.py", "new.py", "run.sh", "train.py"]
    assert not any("link.py" in w for w in facts.warnings)  # it points inside the folder: nothing to report


def test_committed_bytes_are_assessed_not_the_work_tree(repo):
    (repo / "ml/train.py").write_text("import mlflow\nmlflow.start_run()\n")
    _, facts = _facts(repo / "ml", "HEAD")
    assert facts.sources["train.py"].loc == 2
    assert "mlflow" not in str(facts.sources["train.py"].facts)


def test_user_work_tree_index_and_refs_are_untouched(repo, tmp_path):
    def state():
        files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
        return (
            git(repo, "status", "--porcelain"),
            git(repo, "for-each-ref"),
            (repo / ".git/index").read_bytes(),
            files,
        )

    before = state()
    assess_revision(repo, "HEAD~1")
    assert state() == before


@pytest.mark.parametrize("ref", ["no-such-branch", "HEAD~5", "0123456789abcdef0123456789abcdef01234567"])
def test_missing_revision_is_a_clear_error(repo, ref):
    with pytest.raises(UserError, match=f"base revision '{ref}' not found"):
        read_revision(repo, ref)


@pytest.mark.parametrize("ref", ["--output=/tmp/x", "", "  "])
def test_option_like_or_empty_refs_are_refused(repo, ref):
    with pytest.raises(UserError, match="invalid base revision"):
        read_revision(repo, ref)


def test_shallow_clone_without_the_base_commit_says_so(repo, tmp_path):
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{repo}", str(clone))
    with pytest.raises(UserError, match="shallow clone and the base commit is not in it"):
        read_revision(clone, "HEAD~1")


def test_shallow_clone_with_the_base_commit_works(repo, tmp_path):
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=2", f"file://{repo}", str(clone))
    revision, facts = _facts(clone, "HEAD~1")
    assert "README.md" in facts.files and facts.texts["ml/run.sh"] == "#!/bin/sh\n"
    assert revision.git.shallow and any("shallow clone" in w for w in revision.git.warnings)


def test_not_a_git_repository(tmp_path):
    with pytest.raises(UserError, match="not inside one"):
        read_revision(tmp_path, "HEAD")


def _clean_project(tmp_path: Path) -> Path:
    root = tmp_path / "clean"
    commit(root, {"train.py": "import mlflow\nmlflow.start_run()\n", "ml/x.py": "x = 1\n"}, "one")
    return root


def _delta_without_reading_the_base(root: Path, monkeypatch, path: Path | None = None):
    from mlops_level.assess import run
    from mlops_level.assess.facts.repository import remembered
    from mlops_level.assess.review import gitrev

    def refused(*_):
        raise AssertionError("the base was read")

    monkeypatch.setattr(gitrev, "assess_revision", refused)
    with remembered():
        head = run(path or root)
        return gitrev.compare_with_base(path or root, "HEAD", head)


def test_base_head_of_a_clean_checkout_is_the_head_itself(tmp_path, monkeypatch):
    root = _clean_project(tmp_path)
    delta = _delta_without_reading_the_base(root, monkeypatch)
    assert delta.base_commit == git(root, "rev-parse", "HEAD") and not delta.changed and not delta.regression


@pytest.mark.parametrize(
    "change",
    [
        lambda root: (root / "train.py").write_text("print('edited')\n"),  # modified
        lambda root: (root / "new.py").write_text("import mlflow\n"),  # untracked
        lambda root: git(root, "rm", "-q", "--cached", "ml/x.py"),  # staged
    ],
)
def test_any_difference_from_head_reads_the_base(tmp_path, monkeypatch, change):
    root = _clean_project(tmp_path)
    change(root)
    with pytest.raises(AssertionError, match="the base was read"):
        _delta_without_reading_the_base(root, monkeypatch)


def test_a_sub_folder_always_reads_the_base(tmp_path, monkeypatch):
    root = _clean_project(tmp_path)
    with pytest.raises(AssertionError, match="the base was read"):
        _delta_without_reading_the_base(root, monkeypatch, root / "ml")
