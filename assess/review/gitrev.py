"""Materialise a past revision of a repository from its git objects, for `assess --base REF`.

The revision is written into a fresh temporary folder holding a git repository of our own that borrows the
user's object store through `objects/info/alternates`: its HEAD is the base commit and its index holds exactly
the entries of that commit. The files are written here, not by `git checkout-index`, exactly as the
work-tree scan reads a work tree: every path is checked (no `.`, `..` or `.git` segment), written below the
temporary folder through directory file descriptors opened with O_NOFOLLOW (a path beyond a symlink, or a
duplicate entry, is skipped and reported, never followed), blobs are written raw (no filter driver, no
attributes, no hooks), symlinks are recorded as symlinks and never followed, submodules are empty folders.
Blobs larger than anything `collect` reads are written as sparse files of their size. Every git command runs
through `safegit`; the user's work tree, index, refs and config are never written, and nothing is written
outside the temporary folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mlops_level.assess.facts import safegit
from mlops_level.assess.facts.gitinfo import MAX_HISTORY, GitFacts
from mlops_level.assess.model import Report
from mlops_level.assess.review.delta import Delta, compare
from mlops_level.errors import UserError

SPARSE_OVER = 32 * 1024 * 1024  # larger than every read limit of `collect`: the bytes are never read
BATCH_BYTES = 64 * 1024 * 1024  # blob bytes fetched per `git cat-file --batch`
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


@dataclass(frozen=True)
class Revision:
    """A materialised revision: `root` is the assessed folder inside `top`, the temporary work tree."""

    ref: str
    commit: str
    top: Path
    root: Path
    git: GitFacts = field(
        default_factory=GitFacts
    )  # the revision's git facts, read from the user's repository


@contextlib.contextmanager
def checkout_revision(path: Path, ref: str) -> Iterator[Revision]:
    """Yield the revision `ref` of the git repository holding `path`, written to a temporary directory.

    `path` may be a sub-folder of the work tree; the yielded `root` is the same sub-folder at `ref` (an empty
    folder, with a warning, when it was a symlink or a file at `ref`). The temporary directory is removed on
    exit.
    """
    path = Path(path).resolve()
    source = _open(path)
    top = source.location.top
    sub = path.relative_to(top).as_posix() if path != top else ""
    commit = _resolve(source, ref)
    workdir = Path(tempfile.mkdtemp(prefix="mlops-level-base-")).resolve()
    try:
        tree = workdir / "tree"
        tree.mkdir()
        facts = _materialise(source, commit, tree)
        top_at_base, root = tree, _sub_folder(tree, sub)
        if root is None:  # a symlink or a file at the base: never followed, assessed as the empty folder
            top_at_base = root = workdir / "absent"
            root.mkdir()
            facts.warnings.append(f"{sub} is not a folder at {ref}: the base is assessed as an empty folder")
            facts.top, facts.tracked, facts.listed = root, set(), []
        else:
            prefix = f"{sub}/" if sub else ""
            facts.listed = sorted(p[len(prefix) :] for p in facts.tracked or () if p.startswith(prefix))
        yield Revision(ref=ref, commit=commit, top=top_at_base, root=root, git=facts)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


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


def _materialise(source: safegit.Repository, commit: str, tree: Path) -> GitFacts:
    """Write `commit` into `tree` (a git repository of our own borrowing the objects); its git facts."""
    facts = GitFacts(is_repo=True, top=tree, has_commits=True, commit=commit, detached=True, dirty=False)
    try:
        listing = source.run("ls-tree", "-r", "-z", "-l", "--full-tree", commit)
        facts.history = int(
            source.run("rev-list", "--count", f"--max-count={MAX_HISTORY}", commit).strip() or 0
        )
    except safegit.GitError as exc:
        raise UserError(f"--base cannot read revision {commit[:12]}: {exc}") from None
    entries = []
    unsafe = 0
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, sha, size = meta.split()
        rel = raw_path.decode("utf-8", "surrogateescape")
        if not _safe_path(rel):
            unsafe += 1
            continue
        entries.append((mode.decode(), kind.decode(), sha.decode(), int(size) if size.isdigit() else 0, rel))
    if unsafe:
        facts.warnings.append(
            f"{unsafe} path(s) at the base revision are not written: `.`, `..` or `.git` segments"
        )
    written = _write_tree(source, entries, tree, facts.warnings)
    facts.tracked = written
    shallow = source.location.common_dir / "shallow"
    facts.shallow = shallow.exists()
    if facts.shallow:
        facts.warnings.append("shallow clone: the history length is a lower bound")
    _init_repository(source, commit, tree, facts.warnings)
    return facts


def _safe_path(rel: str) -> bool:
    parts = rel.split("/")
    return not rel.startswith("/") and all(p not in ("", ".", "..") and p.lower() != ".git" for p in parts)


def _write_tree(source: safegit.Repository, entries: list, tree: Path, warnings: list[str]) -> set[str]:
    """Write the entries below `tree` without following any link; the paths written."""
    batches: list[list[tuple]] = [[]]
    batch_bytes = 0
    for entry in entries:
        batches[-1].append(entry)
        if entry[1] == "blob" and entry[3] <= SPARSE_OVER:
            batch_bytes += entry[3]
            if batch_bytes >= BATCH_BYTES:
                batches.append([])
                batch_bytes = 0
    written: set[str] = set()
    skipped: list[str] = []
    root_fd = os.open(tree, _DIR_FLAGS)
    try:
        for batch in batches:
            small = [sha for _, kind, sha, size, _ in batch if kind == "blob" and size <= SPARSE_OVER]
            contents = _cat_blobs(source, small)
            for entry in batch:
                if _write_entry(root_fd, entry, contents.get(entry[2])):
                    written.add(entry[4])
                else:
                    skipped.append(entry[4])
    finally:
        os.close(root_fd)
    if skipped:
        shown = ", ".join(skipped[:3]) + (f" and {len(skipped) - 3} more" if len(skipped) > 3 else "")
        warnings.append(
            f"not written at the base revision (beyond a symlink, a duplicate or an invalid entry): {shown}"
        )
    return written


def _cat_blobs(source: safegit.Repository, shas: list[str]) -> dict[str, bytes]:
    if not shas:
        return {}
    try:
        out = source.run("cat-file", "--batch", stdin=("\n".join(shas) + "\n").encode("ascii"))
    except safegit.GitError as exc:
        raise UserError(f"--base cannot read the base revision's files: {exc}") from None
    contents: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        header_end = out.index(b"\n", pos)
        header = out[pos:header_end].split()
        if len(header) < 3 or header[1] != b"blob":
            pos = header_end + 1
            continue
        size = int(header[2])
        start = header_end + 1
        contents[header[0].decode("ascii")] = out[start : start + size]
        pos = start + size + 1
    return contents


def _write_entry(root_fd: int, entry: tuple, data: bytes | None) -> bool:
    """Write one tree entry below `root_fd`, never following a link; False when it cannot be (reported)."""
    mode, kind, _sha, size, rel = entry
    *folders, name = rel.split("/")
    fd = root_fd
    try:
        for folder in folders:
            try:
                next_fd = os.open(folder, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                os.mkdir(folder, 0o755, dir_fd=fd)
                next_fd = os.open(folder, _DIR_FLAGS, dir_fd=fd)
            if fd != root_fd:
                os.close(fd)
            fd = next_fd
        if kind == "commit":  # a submodule: an empty folder, as a checkout without --recurse-submodules
            os.mkdir(name, 0o755, dir_fd=fd)
        elif mode == "120000":
            if data is None or b"\0" in data:
                return False
            os.symlink(os.fsdecode(data), name, dir_fd=fd)
        elif kind == "blob":
            handle = os.open(name, _FILE_FLAGS, 0o755 if mode == "100755" else 0o644, dir_fd=fd)
            try:
                if data is None:
                    os.ftruncate(handle, size)  # sparse: larger than anything collect reads
                else:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(handle, view) :]
            finally:
                os.close(handle)
        else:
            return False
    except OSError:
        return False
    finally:
        if fd != root_fd:
            os.close(fd)
    return True


def _init_repository(source: safegit.Repository, commit: str, tree: Path, warnings: list[str]) -> None:
    """Make `tree` a git repository whose HEAD is `commit` and whose index holds its entries (no checkout)."""
    try:
        target = safegit.init(tree)
        gitdir = target.location.git_dir
        (gitdir / "objects" / "info").mkdir(parents=True, exist_ok=True)
        objects = source.location.common_dir / "objects"
        (gitdir / "objects" / "info" / "alternates").write_text(f"{objects}\n", encoding="utf-8")
        shallow = source.location.common_dir / "shallow"
        if shallow.exists():
            shutil.copyfile(shallow, gitdir / "shallow")
        (gitdir / "HEAD").write_text(f"{commit}\n", encoding="ascii")
    except (safegit.GitError, OSError) as exc:
        raise UserError(f"--base could not prepare the base revision: {exc}") from None
    try:  # the index is for people inspecting the folder: the facts come from the tree listing
        target.run("read-tree", commit)
    except safegit.GitError as exc:
        warnings.append(f"the base revision's index was not built ({exc})")


def _sub_folder(tree: Path, sub: str) -> Path | None:
    """`tree/sub` when every segment is a real folder (created when missing), None when one is not."""
    folder = tree
    for part in sub.split("/") if sub else []:
        folder = folder / part
        try:
            info = os.lstat(folder)
        except FileNotFoundError:
            folder.mkdir()
            continue
        if not stat.S_ISDIR(info.st_mode):
            return None
    return folder


def assess_revision(path: Path, ref: str) -> tuple[Report, str]:
    """Assess `path` as it was at `ref`: the report and the commit ID it was made from.

    A folder that did not exist yet at `ref`, or held nothing, is assessed as the empty folder it was, so a
    pull request that creates the ML project still gets a delta.
    """
    from mlops_level.assess.api import build_report
    from mlops_level.assess.facts.repository import collect

    with checkout_revision(path, ref) as revision:
        facts = collect(revision.root, git_root=revision.top, git=revision.git)
        return build_report(facts), revision.commit


def compare_with_base(path: str | Path, ref: str, head: Report) -> Delta:
    """The change from revision `ref` of the local checkout at `path` to its assessment `head`."""
    from mlops_level.assess.facts.target import is_url

    if is_url(str(path)):
        raise UserError("--base needs a local checkout, not a URL: clone it, then assess the folder")
    base, commit = assess_revision(Path(path), ref)
    return compare(base, head, base_ref=ref, base_commit=commit)
