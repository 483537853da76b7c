"""Git facts: where the work tree starts, its state, its history and what is tracked.

Every git command runs through `safegit` (hardened: nothing from the scanned repository's configuration,
attributes or hooks runs, and a `.git` entry leading outside the scanned folder is refused). git lists the
tracked files (`ls-files --cached`, which matches no pattern); the untracked files that are not ignored are
found by `inventory.untracked`, whose gitignore matcher runs in linear time (git's own matcher backtracks
exponentially on some patterns, which a hostile `.gitignore` could use to hang the assessment).
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from mlops_level.assess.facts import safegit

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
REFUSED = "git metadata not read: {reason}; the git checks fail and files are read from disk"


def read_git(root: Path) -> GitFacts:
    """Git facts for `root` (a directory inside a work tree, or not in git at all)."""
    found = safegit.discover(root)
    if found.bare is not None:
        raise BareRepository(str(root))
    if found.refused is not None:
        return GitFacts(warnings=[REFUSED.format(reason=found.refused)])
    if found.location is None:
        return GitFacts(warnings=[NOT_GIT])
    try:
        repo = safegit.Repository(found.location)
    except safegit.Refused as exc:
        return GitFacts(warnings=[REFUSED.format(reason=exc)])
    except safegit.GitError as exc:
        return GitFacts(warnings=[f"git could not read the repository: {exc}"])
    facts = GitFacts(is_repo=True, top=found.location.top)
    try:
        _fill(repo, Path(root).resolve(), facts)
    except safegit.GitError as exc:
        facts.warnings.append(f"git could not list the files: {exc}")
        facts.tracked = facts.listed = None
    return facts


# Every command `_fill` needs, started side by side (none depends on another's answer); the ones that need a
# commit fail harmlessly in a repository without one, and are then not read.
_COMMANDS = {
    "shallow": ("rev-parse", "--is-shallow-repository"),
    "ref": ("symbolic-ref", "--quiet", "HEAD"),
    "commit": ("rev-parse", "--verify", "--quiet", "HEAD^{commit}"),
    "history": ("rev-list", "--count", f"--max-count={MAX_HISTORY}", "HEAD"),
    # dirty: the index or the work tree differs from HEAD (plumbing only: no textconv, no external diff)
    "staged": ("diff-index", "--cached", "--quiet", "--no-ext-diff", "--no-textconv", "HEAD"),
    "changed": ("diff-files", "--quiet", "--no-ext-diff", "--no-textconv"),
    "tracked": ("ls-files", "-z", "--cached", "--full-name"),
}


def _fill(repo: safegit.Repository, root: Path, facts: GitFacts) -> None:
    with contextlib.ExitStack() as stack:
        running = {name: stack.enter_context(repo.start(*args)) for name, args in _COMMANDS.items()}
        done: dict[str, tuple[int, bytes, bytes] | safegit.GitError] = {}
        for name, process in running.items():
            try:
                done[name] = process.result()
            except safegit.GitError as exc:
                done[name] = exc
    _read_state(done, facts)
    code, out, err = _answer(done, "tracked")
    if code != 0:
        raise safegit.GitError(f"git ls-files failed: {safegit.first_line(err) or f'exit status {code}'}")
    facts.tracked, dropped = _sane(
        facts.top, (p for p in out.decode("utf-8", "surrogateescape").split("\0") if p)
    )
    if dropped:
        facts.warnings.append(
            f"{dropped} path(s) in the git index are not read: they leave the work tree, name `.git`, or lie "
            "beyond a symlink"
        )
    facts.listed = _listed(repo.location, root, facts.tracked, facts.warnings)


def _answer(done: dict, name: str) -> tuple[int, bytes, bytes]:
    """The (exit status, output, errors) of one of the `_COMMANDS`; its GitError (a timeout) is raised."""
    found = done[name]
    if isinstance(found, safegit.GitError):
        raise found
    return found


def _read_state(done: dict, facts: GitFacts) -> None:
    """Branch, commit, history, shallowness and dirtiness from the answers of the `_COMMANDS`."""
    code, out, _ = _answer(done, "shallow")
    facts.shallow = code == 0 and out.strip() == b"true"
    code, out, _ = _answer(done, "ref")
    ref = out.decode("utf-8", "replace").strip()
    facts.detached = code != 0
    if ref:
        facts.branch = ref.removeprefix("refs/heads/")
    code, out, _ = _answer(done, "commit")
    facts.has_commits = code == 0 and bool(out.strip())
    if facts.has_commits:
        facts.commit = out.decode("ascii", "replace").strip()
        code, out, err = _answer(done, "history")
        if code != 0:
            raise safegit.GitError(f"git rev-list failed: {safegit.first_line(err)}")
        facts.history = int(out.strip() or 0)
        facts.dirty = _dirty(done, facts)
    else:
        facts.warnings.append("the git repository has no commits yet: files are read from the work tree")
    if facts.shallow:
        facts.warnings.append("shallow clone: the history length is a lower bound")
    if facts.detached and facts.commit:
        facts.warnings.append(f"detached HEAD at {facts.commit[:12]}")


def _dirty(done: dict, facts: GitFacts) -> bool | None:
    """Whether the index or the work tree differs from HEAD."""
    if _answer(done, "staged")[0] == 1:
        return True
    changed = done["changed"]
    if isinstance(changed, safegit.GitError):
        facts.warnings.append(
            f"git could not compare the work tree with the index ({changed}): dirty is unknown"
        )
        return None
    return changed[0] == 1


def _sane(top: Path | None, paths) -> tuple[set[str], int]:
    """The index paths that are safe to read below `top`: relative, no `.`/`..`/`.git` segment, and no
    leading folder that is a symlink (or not a folder) in the work tree. Also how many are not."""
    kept: set[str] = set()
    dropped = 0
    folders: dict[str, bool] = {}  # folder -> it and every folder above it are real folders
    for path in paths:
        if not safegit.safe_path(path):
            dropped += 1
            continue
        folder = path.rpartition("/")[0]
        if top is not None and folder and not _real_folders(top, folder, folders):
            dropped += 1
            continue
        kept.add(path)
    return kept, dropped


def _real_folders(top: Path, folder: str, known: dict[str, bool]) -> bool:
    """Whether `folder` and each folder above it are real folders below `top` (decided once per folder)."""
    pending = []
    while folder and folder not in known:
        pending.append(folder)
        folder = folder.rpartition("/")[0]
    found = known.get(folder, True) if folder else True
    for here in reversed(pending):  # from the top down
        found = found and _real_folder(top, here, {})
        known[here] = found
    return found


def _real_folder(top: Path, rel: str, cache: dict[str, bool]) -> bool:
    """Whether `top/rel` is a real folder (a missing one counts: its files are simply not in the tree)."""
    if rel not in cache:
        try:
            cache[rel] = stat.S_ISDIR(os.lstat(f"{top}/{rel}").st_mode)
        except OSError:
            cache[rel] = True  # deleted from the work tree: nothing is read there
    return cache[rel]


def _listed(location: safegit.Location, root: Path, tracked: set[str], warnings: list[str]) -> list[str]:
    """Tracked files under `root` plus untracked ones that .gitignore (and info/exclude) do not ignore."""
    from mlops_level.assess.facts import inventory

    sub = root.relative_to(location.top).as_posix() if root != location.top else ""
    prefix = f"{sub}/" if sub else ""
    under = {p[len(prefix) :] for p in tracked if p.startswith(prefix)} if prefix else tracked
    untracked = inventory.untracked(
        location.top, sub, under, location.common_dir / "info" / "exclude", warnings
    )
    return sorted(under | set(untracked))
