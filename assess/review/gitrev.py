"""Read a past revision of a repository from its git objects, for `assess --base REF`.

Nothing is written: the revision's tree listing and the blobs `collect` reads come from the user's object
store through `safegit` (see `facts.revtree`, which checks every path and never follows a symlink), and its
git facts (commit, history, shallowness) from the same repository. The user's work tree, index, refs and
config are never written, and nothing of the repository's configuration, filters or hooks runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlops_level.assess.facts import revtree, safegit
from mlops_level.assess.facts.gitinfo import MAX_HISTORY, GitFacts
from mlops_level.assess.model import Report
from mlops_level.assess.review.delta import Delta, compare
from mlops_level.errors import UserError


@dataclass(frozen=True)
class Revision:
    """A revision to assess: `root` is the assessed folder in the work tree (a name only: nothing is read from
    it), `sub` the same folder from the repository top, `tree` the revision's files."""

    ref: str
    commit: str
    top: Path
    root: Path
    sub: str
    tree: revtree.RevisionTree
    git: GitFacts


def read_revision(path: Path, ref: str, commit: str | None = None) -> Revision:
    """The revision `ref` of the git repository holding `path` (which may be a sub-folder of the work tree);
    `commit`: the commit `ref` names, when the caller has resolved it already.

    When the sub-folder was a symlink or a file at `ref`, it is assessed as an empty folder, with a warning.
    """
    path = Path(path).resolve()
    source = _open(path)
    top = source.location.top
    sub = path.relative_to(top).as_posix() if path != top else ""
    commit = commit or _resolve(source, ref)
    try:
        tree = revtree.RevisionTree.read(source, commit)
        history = source.run("rev-list", "--count", f"--max-count={MAX_HISTORY}", commit).strip()
    except (revtree.ReadError, safegit.GitError) as exc:
        raise UserError(f"--base {exc}" if isinstance(exc, revtree.ReadError) else f"--base: {exc}") from None
    facts = GitFacts(is_repo=True, top=top, has_commits=True, commit=commit, detached=True, dirty=False)
    facts.history = int(history or 0)
    facts.warnings.extend(tree.warnings)
    facts.shallow = (source.location.common_dir / "shallow").exists()
    if facts.shallow:
        facts.warnings.append("shallow clone: the history length is a lower bound")
    facts.tracked = set(tree.entries)
    if sub and tree.blocked(sub):  # a symlink or a file at the base: never followed, assessed as empty
        facts.warnings.append(f"{sub} is not a folder at {ref}: the base is assessed as an empty folder")
        facts.tracked, facts.listed = set(), []
    else:
        prefix = f"{sub}/" if sub else ""
        below = (
            facts.tracked if not sub else (p[len(prefix) :] for p in facts.tracked if p.startswith(prefix))
        )
        facts.listed = sorted(below)
    return Revision(ref=ref, commit=commit, top=top, root=path, sub=sub, tree=tree, git=facts)


def _open(path: Path) -> safegit.Repository:
    found = safegit.discover(path)
    if found.bare is not None:
        raise UserError(f"--base needs a work tree, and {path} is in a bare repository")
    if found.refused is not None:
        raise UserError(f"--base cannot read the git repository: {found.refused}")
    if found.location is None:
        raise UserError(f"--base needs a git repository, and {path} is not inside one")
    try:
        return safegit.Repository(found.location)
    except safegit.GitError as exc:
        raise UserError(f"--base cannot read the git repository: {exc}") from None


def _resolve(repo: safegit.Repository, ref: str) -> str:
    """The full commit ID that `ref` names, or a UserError saying why it cannot be found."""
    if not ref.strip() or ref.startswith("-") or "\0" in ref or "\n" in ref:
        raise UserError(f"invalid base revision {ref!r}")
    code, out, _ = repo.run_status(
        "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
    )
    if code == 0 and out.strip():
        return out.decode("ascii", "replace").strip()
    hint = ""
    if (repo.location.common_dir / "shallow").exists():
        hint = (
            " (this is a shallow clone and the base commit is not in it: fetch it, e.g. "
            "`git fetch --depth=1 origin <base-sha>`, or check out with `fetch-depth: 0`)"
        )
    raise UserError(f"base revision {ref!r} not found in {repo.location.top}{hint}")


def assess_revision(path: Path, ref: str, commit: str | None = None) -> tuple[Report, str]:
    """Assess `path` as it was at `ref` (the commit it names, when known): the report and the commit ID.

    A folder that did not exist yet at `ref`, or held nothing, is assessed as the empty folder it was, so a
    pull request that creates the ML project still gets a delta.
    """
    from mlops_level.assess.api import build_report
    from mlops_level.assess.facts.repository import collect

    revision = read_revision(path, ref, commit)
    try:
        facts = collect(revision.root, git_root=revision.top, git=revision.git, tree=revision.tree)
    except revtree.ReadError as exc:
        raise UserError(f"--base {exc}") from None
    return build_report(facts), revision.commit


def compare_with_base(path: str | Path, ref: str, head: Report) -> Delta:
    """The change from revision `ref` of the local checkout at `path` to its assessment `head`."""
    from mlops_level.assess.facts.target import is_url

    if is_url(str(path)):
        raise UserError("--base needs a local checkout, not a URL: clone it, then assess the folder")
    from mlops_level.assess.facts.repository import read_exactly

    commit = _resolve(_open(Path(path).resolve()), ref)
    if read_exactly(Path(path), commit):  # the base is what was just assessed: its report is the head's
        return compare(head, head, base_ref=ref, base_commit=commit)
    base, _ = assess_revision(Path(path), ref, commit)
    return compare(base, head, base_ref=ref, base_commit=commit)
