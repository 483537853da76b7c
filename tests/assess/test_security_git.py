"""Issue 10, item 1: nothing from a scanned repository's git metadata runs, and a `.git` entry leading
outside the scanned folder is refused.

Each hostile repository points some git setting at a script that creates a sentinel file; a control test
shows that plain git really runs it, then `assess` (API and CLI, `--base` included) must never create it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_level.assess import run
from mlops_level.assess.facts import safegit
from mlops_level.assess.facts.gitinfo import _sane, read_git
from mlops_level.assess.facts.repository import collect

TRAIN = (
    "import mlflow\n\n\ndef train():\n    with mlflow.start_run():\n        mlflow.log_metric('acc', 1.0)\n"
)
CLEAN_ENV = {
    "PATH": os.environ.get("PATH", os.defpath),
    "HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
}


def git(repo: Path, *args: str, env: dict | None = None) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env or CLEAN_ENV
    ).stdout


class Hostile:
    """A committed repository at `root` and a script that touches `sentinel` when anything runs it."""

    def __init__(self, base: Path, files: dict[str, str] | None = None) -> None:
        base.mkdir(parents=True, exist_ok=True)
        self.base = base
        self.sentinel = base / "SENTINEL"
        self.script = base / "evil.sh"
        self.script.write_text(f"#!/bin/sh\ntouch '{self.sentinel}'\ncat\n")
        self.script.chmod(0o755)
        self.root = base / "repo"
        self.root.mkdir()
        git(self.root, "init", "-q", "-b", "main")
        for rel, text in {"train.py": TRAIN, "README.md": "# model\n", **(files or {})}.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", "one")

    def config(self, *pairs: tuple[str, str]) -> Hostile:
        for key, value in pairs:
            git(self.root, "config", key, value)
        return self

    def touch_work_tree(self) -> None:
        """Make tracked files stat-dirty (and racily clean): git would re-read them through the filters."""
        for rel in ("train.py", "README.md"):
            (self.root / rel).write_text((self.root / rel).read_text())
        os.utime(self.root / "README.md", (2_000_000_000, 2_000_000_000))

    def hooks(self) -> None:
        hooks = self.root / ".git" / "hooks"
        hooks.mkdir(exist_ok=True)
        for name in (
            "post-checkout",
            "post-index-change",
            "reference-transaction",
            "pre-commit",
            "fsmonitor-watchman",
        ):
            target = hooks / name
            target.write_text(self.script.read_text())
            target.chmod(0o755)


def _assess_everywhere(hostile: Hostile) -> None:
    """API, collect and the CLI (with --base), none of which may run the script."""
    report = run(hostile.root)
    assert report.repo["git"] is True and report.repo["commit"]
    collect(hostile.root)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlops_level",
            "assess",
            str(hostile.root),
            "--base",
            "HEAD",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["repo"]["git"] is True
    assert not hostile.sentinel.exists()


VECTORS = {
    "fsmonitor": lambda h: [("core.fsmonitor", str(h.script))],
    "filter": lambda h: [
        ("filter.evil.clean", str(h.script)),
        ("filter.evil.smudge", str(h.script)),
        ("filter.evil.required", "true"),
    ],
    "filter-process": lambda h: [("filter.evil.process", str(h.script))],
    "textconv-and-external-diff": lambda h: [
        ("diff.evil.textconv", str(h.script)),
        ("diff.external", str(h.script)),
    ],
    "pager-editor-askpass": lambda h: [
        ("core.pager", str(h.script)),
        ("pager.status", str(h.script)),
        ("core.editor", str(h.script)),
        ("core.askPass", str(h.script)),
        ("credential.helper", f"!{h.script}"),
        ("core.sshCommand", str(h.script)),
    ],
    "hooks-path": lambda h: [("core.hooksPath", str(h.base / "hooks"))],
}


@pytest.mark.parametrize("vector", sorted(VECTORS))
def test_repository_configuration_never_runs(tmp_path, vector):
    hostile = Hostile(tmp_path, {".gitattributes": "* filter=evil diff=evil\n"})
    hostile.config(*VECTORS[vector](hostile))
    if vector == "hooks-path":
        (tmp_path / "hooks").mkdir()
        for name in ("post-checkout", "post-index-change", "reference-transaction"):
            (tmp_path / "hooks" / name).write_text(hostile.script.read_text())
            (tmp_path / "hooks" / name).chmod(0o755)
    hostile.hooks()
    hostile.touch_work_tree()
    _assess_everywhere(hostile)


def test_control_plain_git_does_run_these_settings(tmp_path):
    """The sentinels are real: git itself runs the fsmonitor and the clean filter of this repository."""
    hostile = Hostile(tmp_path, {".gitattributes": "* filter=evil\n"})
    hostile.config(("core.fsmonitor", str(hostile.script)))
    git(hostile.root, "status", "--porcelain")
    assert hostile.sentinel.exists()
    hostile.sentinel.unlink()
    hostile.config(("core.fsmonitor", "false"), ("filter.evil.clean", str(hostile.script)))
    hostile.touch_work_tree()
    git(hostile.root, "diff")
    assert hostile.sentinel.exists()


def test_caller_environment_cannot_bring_settings_in(tmp_path, monkeypatch):
    """The caller's GIT_CONFIG_PARAMETERS, GIT_DIR, GIT_EXTERNAL_DIFF or global config are not inherited."""
    hostile = Hostile(tmp_path, {".gitattributes": "* filter=evil\n"})
    other = Hostile(tmp_path / "other")
    (tmp_path / "global").write_text(
        f'[core]\n\tfsmonitor = {hostile.script}\n[filter "evil"]\n\tclean = {hostile.script}\n'
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "global"))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", f"'core.fsmonitor={hostile.script}'")
    monkeypatch.setenv("GIT_DIR", str(other.root / ".git"))
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", str(hostile.script))
    hostile.touch_work_tree()
    facts = read_git(hostile.root)
    assert facts.is_repo and facts.top == hostile.root.resolve()
    assert facts.commit == git(hostile.root, "rev-parse", "HEAD").strip()
    assert not hostile.sentinel.exists()


def test_config_includes_are_refused(tmp_path):
    hostile = Hostile(tmp_path)
    (tmp_path / "included").write_text(f"[core]\n\tfsmonitor = {hostile.script}\n")
    hostile.config(("include.path", str(tmp_path / "included")))
    facts = read_git(hostile.root)
    assert not facts.is_repo
    assert any("includes other files (include.path)" in w for w in facts.warnings)
    report = run(hostile.root)
    assert report.repo["git"] is False
    assert not hostile.sentinel.exists()


def test_conditional_includes_are_refused(tmp_path):
    hostile = Hostile(tmp_path)
    (tmp_path / "included").write_text(f"[core]\n\tfsmonitor = {hostile.script}\n")
    hostile.config((f"includeIf.gitdir:{hostile.root}/.path", str(tmp_path / "included")))
    assert any("includeif" in w for w in read_git(hostile.root).warnings)
    run(hostile.root)
    assert not hostile.sentinel.exists()


def test_gitfile_pointing_at_another_repository_is_refused(tmp_path):
    """A `.git` file borrowing another repository's config and history: no git facts are read from there."""
    victim = Hostile(tmp_path / "victim", {"secret/train.py": TRAIN})
    victim.config(("core.fsmonitor", str(victim.script)))
    scanned = tmp_path / "scanned"
    scanned.mkdir()
    (scanned / "app.py").write_text("print('hello')\n")
    (scanned / ".git").write_text(f"gitdir: {victim.root / '.git'}\n")
    facts = read_git(scanned)
    assert not facts.is_repo and facts.commit is None and facts.tracked is None
    assert any("outside the scanned folder" in w for w in facts.warnings)
    report = run(scanned)
    assert report.repo["git"] is False and report.repo["history"] == 0
    files = collect(scanned).files
    assert "app.py" in files and "secret/train.py" not in files
    assert not victim.sentinel.exists()


@pytest.mark.parametrize("pointer", ["relative", "symlink"])
def test_other_ways_out_of_the_folder_are_refused(tmp_path, pointer):
    victim = Hostile(tmp_path / "victim")
    victim.config(("core.fsmonitor", str(victim.script)))
    scanned = tmp_path / "scanned"
    scanned.mkdir()
    (scanned / "app.py").write_text("print('hello')\n")
    if pointer == "relative":
        (scanned / ".git").write_text("gitdir: ../victim/repo/.git\n")
    else:
        os.symlink(victim.root / ".git", scanned / ".git")
    facts = read_git(scanned)
    assert not facts.is_repo and any("outside the scanned folder" in w for w in facts.warnings)
    run(scanned)
    assert not victim.sentinel.exists()


def test_commondir_and_alternates_leading_outside_are_refused(tmp_path):
    victim = Hostile(tmp_path / "victim")
    hostile = Hostile(tmp_path / "mine")
    (hostile.root / ".git" / "commondir").write_text(str(victim.root / ".git") + "\n")
    assert "commondir" in safegit.discover(hostile.root).refused
    (hostile.root / ".git" / "commondir").unlink()
    alternates = hostile.root / ".git" / "objects" / "info" / "alternates"
    alternates.write_text(str(victim.root / ".git" / "objects") + "\n")
    assert "borrows objects" in safegit.discover(hostile.root).refused
    assert not read_git(hostile.root).is_repo


def test_gitfile_inside_the_folder_still_works(tmp_path):
    """A `.git` file pointing inside the scanned folder (a relocated git dir) is a normal repository."""
    hostile = Hostile(tmp_path)
    os.rename(hostile.root / ".git", hostile.root / ".gitdir-moved")
    (hostile.root / ".git").write_text("gitdir: .gitdir-moved\n")
    facts = read_git(hostile.root)
    assert facts.is_repo and facts.commit and "train.py" in facts.tracked


def test_core_worktree_cannot_point_the_listing_elsewhere(tmp_path):
    hostile = Hostile(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "leak.py").write_text(TRAIN)
    hostile.config(("core.worktree", str(elsewhere)))
    facts = collect(hostile.root)
    assert facts.git.top == hostile.root.resolve()
    assert "leak.py" not in facts.files and "train.py" in facts.files


def test_index_entries_beyond_a_symlink_or_outside_are_not_read(tmp_path):
    """An index listing `d/secret.py` while `d` is now a symlink out of the tree: never followed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(TRAIN)
    hostile = Hostile(tmp_path, {"d/secret.py": "x = 1\n"})
    (hostile.root / "d" / "secret.py").unlink()
    (hostile.root / "d").rmdir()
    os.symlink(outside, hostile.root / "d")
    facts = collect(hostile.root)
    assert "d/secret.py" not in facts.files and "d/secret.py" not in (facts.git.tracked or set())
    assert any("beyond a symlink" in w for w in facts.warnings)
    assert "d/secret.py" not in facts.sources


def test_clone_of_a_hostile_repository_runs_nothing(tmp_path, monkeypatch):
    """file:// clone: the source's config and the caller's global config (an LFS-like smudge filter)."""
    hostile = Hostile(tmp_path, {".gitattributes": "* filter=evil\n"})
    hostile.config(
        ("core.fsmonitor", str(hostile.script)),
        ("uploadpack.packObjectsHook", str(hostile.script)),
        ("filter.evil.smudge", str(hostile.script)),
    )
    hostile.hooks()
    (tmp_path / "global").write_text(f'[filter "evil"]\n\tsmudge = {hostile.script}\n\trequired = true\n')
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "global"))
    report = run(f"file://{hostile.root}")
    assert report.repo["git"] is True and report.repo["url"] == f"file://{hostile.root}"
    assert not hostile.sentinel.exists()


def test_every_git_process_gets_the_hardened_environment():
    env = safegit.environment(
        safegit.Location(Path("/r"), Path("/r/.git"), Path("/r/.git")), [("filter", "lfs")]
    )
    settings = {
        env[f"GIT_CONFIG_KEY_{i}"]: env[f"GIT_CONFIG_VALUE_{i}"] for i in range(int(env["GIT_CONFIG_COUNT"]))
    }
    assert settings["core.fsmonitor"] == "false" and settings["core.hooksPath"] == os.devnull
    assert settings["credential.helper"] == "" and settings["protocol.ext.allow"] == "never"
    assert settings["filter.lfs.smudge"] == settings["filter.lfs.process"] == ""
    assert settings["filter.lfs.required"] == "false"
    assert env["GIT_CONFIG_NOSYSTEM"] == "1" and env["GIT_CONFIG_GLOBAL"] == os.devnull
    assert env["GIT_TERMINAL_PROMPT"] == "0" and env["GIT_DIR"] == "/r/.git" and env["GIT_WORK_TREE"] == "/r"
    assert not {"GIT_CONFIG_PARAMETERS", "GIT_EXTERNAL_DIFF", "GIT_SSH_COMMAND"} & set(env)


def test_git_processes_started_side_by_side_never_outlive_their_block(tmp_path):
    """`Repository.start` leaves git running so that independent commands overlap; a process whose result is
    never read (an error elsewhere) is killed with its group when the block is left, and one that passes its
    timeout is stopped with a one-line error."""
    repo = safegit.init(tmp_path / "r")
    env = safegit.environment(repo.location)
    hang = ("-c", "alias.hang=!sleep 30", "hang")  # our own repository: a shell alias that waits
    with safegit.Running(hang, env, repo.location.top, 60) as waiting:
        process = waiting.process
        assert process is not None and process.poll() is None
    assert process.wait(timeout=10) == -9
    started = time.monotonic()
    with safegit.Running(hang, env, repo.location.top, 0.5) as slow:
        with pytest.raises(safegit.GitError, match=r"^git -c took longer than 0 s and was stopped$"):
            slow.result()
    assert time.monotonic() - started < 10


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "/", ".", "..", "git", "GIT", "x.y", "é"]), max_size=7).map("".join))
def test_the_quick_safe_path_test_agrees_with_the_segment_regex(path):
    assert safegit.safe_path(path) == (safegit._UNSAFE.search(path) is None)
    assert (path in _sane(None, [path])[0]) == safegit.safe_path(path)
