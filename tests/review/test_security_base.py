"""Issue 10, item 5 (and issue 13): `--base REV` reads the base from git's objects as the work-tree scan reads
a work tree: symlinks are recorded and never followed, nothing is written anywhere, outside files are never
read, crafted trees (duplicates, `..`, `.git`, paths below a symlink) are refused path by path.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from mlops_level.assess.facts.repository import collect
from mlops_level.assess.review.gitrev import assess_revision, read_revision

from .gitrepo import ENV, PROJECT, commit, git, run_cli

TRACKING = (
    "import mlflow\n\n\ndef train():\n    with mlflow.start_run():\n        mlflow.log_metric('acc', 1)\n"
)


def _snapshot(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "track.py").write_text(TRACKING)
    (folder / "pyproject.toml").write_text('[tool.mlops-level]\nignore = { ML301 = "from outside" }\n')
    return folder


def _base_with_links(repo: Path, links: dict[str, str]) -> str:
    """A base commit holding `links` (path -> target), then a head commit replacing them by real files."""
    commit(repo, PROJECT, "project")
    for rel, target in links.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, repo / rel)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "links")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "rm", "-q", *links)
    commit(repo, {f"{rel}/train.py": TRACKING for rel in links}, "real folders")
    return base


def test_assessed_folder_that_was_a_symlink_out_creates_nothing_outside(tmp_path, outside):
    repo = tmp_path / "repo"
    base = _base_with_links(repo, {"ml": str(outside / "newdir"), "up": "../.."})
    before = _snapshot(tmp_path.parent)
    for sub in ("ml", "up"):
        result = run_cli("assess", str(repo / sub), "--base", base, "--format", "json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["delta"]["base_commit"] == base
    assert not (outside / "newdir").exists()
    assert _snapshot(tmp_path.parent) == before


def test_sub_folder_symlinked_at_base_is_assessed_as_empty(tmp_path, outside):
    repo = tmp_path / "repo"
    base = _base_with_links(repo, {"ml": str(outside / "src")})
    revision = read_revision(repo / "ml", base)
    assert revision.git.listed == [] and revision.git.tracked == set()
    assert any("not a folder" in w for w in revision.git.warnings)
    facts = collect(revision.root, git_root=revision.top, git=revision.git, tree=revision.tree)
    assert facts.files == {} and facts.sources == {}
    report, _ = assess_revision(repo / "ml", base)
    assert report.result("ML301").status.value != "pass"


def test_symlinked_files_and_folders_at_base_are_recorded_not_followed(tmp_path, outside):
    repo = tmp_path / "repo"
    base = _base_with_links(
        repo,
        {
            "vendor": str(outside / "src"),
            "pyproject.toml": str(outside / "pyproject.toml"),
            "parent": "../..",
        },
    )
    revision = read_revision(repo, base)
    assert revision.tree.entries["vendor"].kind == "link"
    facts = collect(revision.root, git_root=revision.top, git=revision.git, tree=revision.tree)
    assert "vendor/track.py" not in facts.files and not any(p.startswith("parent/") for p in facts.files)
    assert facts.settings.source is None  # the symlinked pyproject.toml was not read
    shown = " ".join(facts.warnings)
    assert "symlink not followed: vendor (points outside the repository)" in shown
    assert "symlink not followed: parent (points outside the repository)" in shown
    report, _ = assess_revision(repo, base)
    assert report.result("ML301").status.value == "fail"  # the outside tracking code never counted


def _crafted_commit(repo: Path, entries: list[tuple[str, str, str]]) -> str:
    """A commit whose root tree holds exactly `entries` (mode, name, object id): duplicates, `..` and `.git`
    included, which `git add` refuses but a hostile repository can hold."""
    body = b"".join(f"{mode} {name}".encode() + b"\0" + bytes.fromhex(oid) for mode, name, oid in entries)
    tree = (
        subprocess.run(
            ["git", "-C", str(repo), "hash-object", "-t", "tree", "--literally", "-w", "--stdin"],
            input=body,
            capture_output=True,
            check=True,
            env=ENV,
        )
        .stdout.decode()
        .strip()
    )
    return git(repo, "commit-tree", tree, "-m", "crafted")


def _blob(repo: Path, data: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "hash-object", "-w", "--stdin"],
        input=data,
        capture_output=True,
        text=True,
        env=ENV,
    ).stdout.strip()


def _subtree(repo: Path, name: str, blob: str) -> str:
    body = f"100644 {name}".encode() + b"\0" + bytes.fromhex(blob)
    return (
        subprocess.run(
            ["git", "-C", str(repo), "hash-object", "-t", "tree", "--literally", "-w", "--stdin"],
            input=body,
            capture_output=True,
            check=True,
            env=ENV,
        )
        .stdout.decode()
        .strip()
    )


def test_crafted_trees_cannot_write_through_a_link_or_outside(tmp_path, outside):
    repo = tmp_path / "repo"
    commit(repo, PROJECT, "project")
    target = outside / "empty"
    target.mkdir()
    code = _blob(repo, TRACKING)
    link = _blob(repo, str(target))
    up = _blob(repo, "../../..")
    hooks = _subtree(repo, "config", _blob(repo, "[core]\n\tfsmonitor = touch /tmp/pwned\n"))
    crafted = _crafted_commit(
        repo,
        [
            ("120000", "a", link),  # a symlink out of the tree ...
            ("40000", "a", _subtree(repo, "x.py", code)),  # ... and a folder of the same name
            ("120000", "b", up),
            ("40000", "b", _subtree(repo, "y.py", code)),
            ("40000", "..", _subtree(repo, "escape.py", code)),
            ("40000", ".git", hooks),
            ("100644", "train.py", code),
        ],
    )
    before = _snapshot(tmp_path)
    revision = read_revision(repo, crafted)
    assert set(revision.tree.entries) == {"a", "b", "train.py"}  # `..`, `.git` and paths below links dropped
    warnings = " ".join(revision.git.warnings)
    assert "2 path(s)" in warnings and "`.`, `..` or `.git`" in warnings
    assert "beyond a symlink" in warnings and "a/x.py" in warnings and "b/y.py" in warnings
    facts = collect(revision.root, git_root=revision.top, git=revision.git, tree=revision.tree)
    assert sorted(facts.files) == ["train.py"] and facts.sources["train.py"].facts is not None
    assert list(target.iterdir()) == []
    assert _snapshot(tmp_path) == before
    result = run_cli("assess", str(repo), "--base", crafted, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert list(target.iterdir()) == [] and _snapshot(tmp_path) == before


def test_large_blobs_are_never_fetched_and_keep_their_size(tmp_path, monkeypatch):
    from mlops_level.assess.facts import revtree

    repo = tmp_path / "repo"
    commit(repo, {**PROJECT, "weights/model.bin": "x" * 5000, "src/big.py": "x = 1\n" * 200_000}, "project")
    fetched: list[str] = []
    real = revtree.RevisionTree._cat
    monkeypatch.setattr(
        revtree.RevisionTree, "_cat", lambda self, blobs: fetched.extend(blobs) or real(self, blobs)
    )
    revision = read_revision(repo, "HEAD")
    facts = collect(revision.root, git_root=revision.top, git=revision.git, tree=revision.tree)
    assert facts.files["weights/model.bin"] == 5000 and facts.files["src/big.py"] == 1_200_000
    big, model = (revision.tree.entries[p].blob for p in ("src/big.py", "weights/model.bin"))
    assert big not in fetched and model not in fetched  # over the limit, or never read: not fetched
    assert any("skipped src/big.py" in w for w in facts.warnings)
    assert revision.tree.entries["src/churn/train.py"].blob in fetched


def test_links_inside_the_tree_are_resolved_in_the_listing(tmp_path):
    repo = tmp_path / "repo"
    commit(repo, {**PROJECT, "ml/real.py": TRACKING}, "project")
    for name, target in {
        "ml/inside.py": "real.py",
        "ml/chain.py": "inside.py",
        "ml/loop_a": "loop_b",
        "ml/loop_b": "loop_a",
        "ml/dangling.py": "missing.py",
        "ml/up.py": "../src/churn/train.py",
        "ml/through_file": "real.py/x",
    }.items():
        os.symlink(target, repo / name)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "links")
    revision = read_revision(repo / "ml", "HEAD")
    facts = collect(revision.root, git_root=revision.top, git=revision.git, tree=revision.tree)
    assert sorted(p for p in facts.files if not p.startswith("../")) == ["real.py"]
    shown = [w for w in facts.warnings if w.startswith("symlink not followed")]
    assert sorted(shown) == [
        "symlink not followed: dangling.py (dangling or looping link)",
        "symlink not followed: loop_a (symlink loop)",
        "symlink not followed: loop_b (symlink loop)",
        "symlink not followed: through_file (dangling or looping link)",
        "symlink not followed: up.py (points outside the repository)",
    ]


def test_nothing_is_written_while_the_base_is_read(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    commit(repo, PROJECT, "project")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    before = _snapshot(tmp_path)
    result = run_cli("assess", str(repo), "--base", "HEAD", "--format", "json", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert _snapshot(tmp_path) == before and list(scratch.iterdir()) == []
