"""Git facts, read with gitpython: where the work tree starts, its state, its history and what is tracked."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

MAX_HISTORY = 10_000


@dataclass
class GitFacts:
    is_repo: bool = False
    top: Path | None = None
    bare: bool = False
    has_commits: bool = False
    commit: str | None = None
    branch: str | None = None
    detached: bool = False
    shallow: bool = False
    dirty: bool | None = None
    history: int = 0  # commits reachable from HEAD, capped at MAX_HISTORY
    tracked: set[str] | None = None  # POSIX paths relative to `top`
    listed: list[str] | None = None  # tracked + untracked-not-ignored under the assessed root, relative to it
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "git": self.is_repo,
            "commit": self.commit,
            "branch": self.branch,
            "dirty": self.dirty,
            "detached": self.detached,
            "shallow": self.shallow,
            "history": self.history,
            "has_commits": self.has_commits,
        }


class BareRepository(Exception):
    """The path is a bare repository: there is no work tree to read."""


NOT_GIT = "not a git repository: the git checks fail and files are read from disk"


def read_git(root: Path) -> GitFacts:
    """Git facts for `root` (a directory inside a work tree, or not in git at all)."""
    if not _may_be_in_git(root):
        return GitFacts(warnings=[NOT_GIT])  # without importing gitpython (~60 ms) for nothing
    import git  # gitpython: imported here so the CLI starts fast

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return GitFacts(warnings=[NOT_GIT])
    except git.GitError as exc:
        return GitFacts(warnings=[f"git could not read the repository: {_first_line(exc)}"])
    with repo:
        if repo.bare:
            raise BareRepository(str(root))
        facts = GitFacts(is_repo=True, top=Path(repo.working_tree_dir).resolve())
        try:
            _fill(repo, root, facts)
        except git.GitError as exc:
            facts.warnings.append(f"git could not list the files: {_first_line(exc)}")
    return facts


def _fill(repo, root: Path, facts: GitFacts) -> None:
    facts.shallow = (Path(repo.git_dir) / "shallow").exists()
    facts.detached = repo.head.is_detached
    facts.has_commits = repo.head.is_valid()
    if not facts.detached:
        facts.branch = repo.head.reference.name
    if facts.has_commits:
        facts.commit = repo.head.commit.hexsha
        facts.history = int(repo.git.rev_list("--count", f"--max-count={MAX_HISTORY}", "HEAD"))
        facts.dirty = repo.is_dirty(untracked_files=False)
    else:
        facts.warnings.append("the git repository has no commits yet: files are read from the work tree")
    if facts.shallow:
        facts.warnings.append("shallow clone: the history length is a lower bound")
    if facts.detached and facts.commit:
        facts.warnings.append(f"detached HEAD at {facts.commit[:12]}")
    import git

    tracked = repo.git.ls_files("-z", "--full-name")
    facts.tracked = {p for p in tracked.split("\0") if p}
    listed = git.Git(str(root)).ls_files("-z", "--cached", "--others", "--exclude-standard")
    facts.listed = sorted({p for p in listed.split("\0") if p})


def _may_be_in_git(root: Path) -> bool:
    """False only when gitpython's search (from `root` up to `/`) cannot find a repository: no folder on the
    way holds a `.git` entry (work tree, worktree, submodule) or a `HEAD` entry (a bare repository)."""
    root = root.absolute()
    return any(
        os.path.lexists(folder / ".git") or os.path.lexists(folder / "HEAD")
        for folder in (root, *root.parents)
    )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
