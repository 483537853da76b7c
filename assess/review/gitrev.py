"""Materialise a past revision of a repository from its git objects, for `assess --base REF`.

The revision is written into a fresh temporary git repository that borrows the user's object store through
`objects/info/alternates`: its HEAD is the base commit, its index holds exactly the files tracked at that
commit, and its work tree holds their bytes as stored in git. The user's work tree, index, refs and config are
never written. Blobs are written raw (no filter drivers, no hooks), so nothing from the repository runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mlops_level.assess.model import Report
from mlops_level.assess.review.delta import Delta, compare
from mlops_level.errors import UserError


@dataclass(frozen=True)
class Revision:
    """A materialised revision: `root` is the assessed folder inside `top`, the temporary work tree."""

    ref: str
    commit: str
    top: Path
    root: Path


@contextlib.contextmanager
def checkout_revision(path: Path, ref: str) -> Iterator[Revision]:
    """Yield the revision `ref` of the git repository holding `path`, written to a temporary directory.

    `path` may be a sub-folder of the work tree; the yielded `root` is the same sub-folder at `ref`.
    The temporary directory is removed on exit.
    """
    import git  # gitpython: imported here so the CLI starts fast

    path = Path(path).resolve()
    try:
        source = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise UserError(f"--base needs a git repository, and {path} is not inside one") from None
    with source:
        if source.bare or source.working_tree_dir is None:
            raise UserError(f"--base needs a work tree, and {path} is in a bare repository")
        top = Path(source.working_tree_dir).resolve()
        sub = path.relative_to(top)
        commit = _resolve(source, ref)
        workdir = Path(tempfile.mkdtemp(prefix="mlops-level-base-"))
        try:
            _materialise(source, commit, workdir)
            yield Revision(ref=ref, commit=commit, top=workdir, root=workdir / sub)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def _resolve(repo, ref: str) -> str:
    """The full commit ID that `ref` names, or a UserError saying why it cannot be found."""
    import git

    if not ref.strip() or ref.startswith("-"):
        raise UserError(f"invalid base revision {ref!r}")
    try:
        return repo.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}").strip()  # ref: no leading "-"
    except git.GitCommandError:
        pass
    hint = ""
    if (Path(repo.common_dir) / "shallow").exists():
        hint = (
            " (this is a shallow clone and the base commit is not in it: fetch it, e.g. "
            "`git fetch --depth=1 origin <base-sha>`, or check out with `fetch-depth: 0`)"
        )
    raise UserError(f"base revision {ref!r} not found in {repo.working_tree_dir}{hint}")


def _materialise(source, commit: str, workdir: Path) -> None:
    """Create a git repository in `workdir` whose HEAD, index and files are those of `commit`."""
    import git

    git.Git(str(workdir)).init("--quiet", "--template=")  # an empty template: no hooks copied in
    with git.Repo(workdir) as target:
        gitdir = Path(target.git_dir)
        objects = Path(source.common_dir).resolve() / "objects"
        (gitdir / "objects" / "info").mkdir(parents=True, exist_ok=True)
        (gitdir / "objects" / "info" / "alternates").write_text(f"{objects}\n", encoding="utf-8")
        shallow = Path(source.common_dir) / "shallow"
        if shallow.exists():
            shutil.copyfile(shallow, gitdir / "shallow")
        (gitdir / "HEAD").write_text(f"{commit}\n", encoding="ascii")
        # Without the global and system configuration no filter driver (LFS smudge ...) is defined, so
        # checkout-index writes each blob as stored; it runs no hooks and refuses paths outside the tree.
        # (GIT_CONFIG_GLOBAL needs git 2.32; older versions find no ~/.gitconfig in the empty HOME.)
        with target.git.custom_environment(
            GIT_CONFIG_GLOBAL=os.devnull,
            GIT_CONFIG_NOSYSTEM="1",
            HOME=str(gitdir),
            XDG_CONFIG_HOME=str(gitdir),
        ):
            target.git.read_tree(commit)
            target.git.checkout_index("--all", "--force", "-u")


def assess_revision(path: Path, ref: str) -> tuple[Report, str]:
    """Assess `path` as it was at `ref`: the report and the commit ID it was made from.

    A folder that did not exist yet at `ref`, or held nothing, is assessed as the empty folder it was, so a
    pull request that creates the ML project still gets a delta.
    """
    from mlops_level.assess.api import build_report
    from mlops_level.assess.facts.repository import collect

    with checkout_revision(path, ref) as revision:
        revision.root.mkdir(parents=True, exist_ok=True)
        return build_report(collect(revision.root, git_root=revision.top)), revision.commit


def compare_with_base(path: str | Path, ref: str, head: Report) -> Delta:
    """The change from revision `ref` of the local checkout at `path` to its assessment `head`."""
    from mlops_level.assess.facts.target import is_url

    if is_url(str(path)):
        raise UserError("--base needs a local checkout, not a URL: clone it, then assess the folder")
    base, commit = assess_revision(Path(path), ref)
    return compare(base, head, base_ref=ref, base_commit=commit)
