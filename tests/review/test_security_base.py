"""Issue 10, item 5: `--base REV` materialises the base as the work-tree scan reads a work tree: symlinks are
recorded and never followed, nothing is written outside the temporary folder, outside files are never read.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from mlops_level.assess.facts.repository import collect
from mlops_level.assess.review.gitrev import assess_revision, checkout_revision

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
    with checkout_revision(repo / "ml", base) as revision:
        assert revision.root.is_dir() and not revision.root.is_symlink()
        assert list(revision.root.iterdir()) == []
        assert any("not a folder" in w for w in revision.git.warnings)
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
    with checkout_revision(repo, base) as revision:
        assert os.readlink(revision.root / "vendor") == str(outside / "src")
        facts = collect(revision.root, git_root=revision.top, git=revision.git)
        assert "vendor/track.py" not in facts.files and not any(p.startswith("parent/") for p in facts.files)
        assert facts.settings.source is None  # the symlinked pyproject.toml was not read
        assert any("symlink not followed: vendor" in w for w in facts.warnings)
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
    with checkout_revision(repo, crafted) as revision:
        assert (revision.top / "train.py").read_text() == TRACKING
        assert os.readlink(revision.top / "a") == str(target)
        assert not (revision.top.parent / "escape.py").exists()
        assert "fsmonitor" not in (revision.top / ".git" / "config").read_text()
        warnings = " ".join(revision.git.warnings)
        assert "`.`, `..` or `.git`" in warnings and "beyond a symlink" in warnings
    assert list(target.iterdir()) == []
    assert _snapshot(tmp_path) == before
    result = run_cli("assess", str(repo), "--base", crafted, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert list(target.iterdir()) == [] and _snapshot(tmp_path) == before


def test_large_blobs_are_sparse_and_modes_kept(tmp_path, monkeypatch):
    from mlops_level.assess.review import gitrev

    repo = tmp_path / "repo"
    commit(repo, {**PROJECT, "weights/model.bin": "x" * 5000, "run.sh": "#!/bin/sh\n"}, "project")
    os.chmod(repo / "run.sh", 0o755)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "exec")
    monkeypatch.setattr(gitrev, "SPARSE_OVER", 1000)
    with checkout_revision(repo, "HEAD") as revision:
        model = revision.top / "weights/model.bin"
        assert model.stat().st_size == 5000 and model.read_bytes() == b"\0" * 5000  # size kept, never read
        assert os.access(revision.top / "run.sh", os.X_OK)
        assert revision.git.tracked >= {"weights/model.bin", "run.sh", "src/churn/train.py"}
