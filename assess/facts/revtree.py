"""A past revision read straight from git's object store, for `assess --base REF`: nothing is written to disk.

`RevisionTree.read(repo, commit)` lists the revision once (`git ls-tree -r -z -l --full-tree`: paths, modes,
blob ids and sizes) and `collect` takes its inventory from that listing; the bytes of the files it reads come
from `git cat-file --batch` streams, in batches of at most BATCH_BYTES, only for the files it reads and within
its size limits. The facts cache is keyed by blob id, so an unchanged blob's facts are reused.

The listing is checked as the work-tree scan checks a work tree: a path with an empty, `.`, `..` or `.git`
segment is dropped (counted in a warning); a path below a symlink or a file, or a second entry for the same
path (which a crafted tree can hold), is dropped and reported; symlinks are never followed (their targets are
resolved inside the listing only, to report those that dangle, loop or leave the assessed folder);
submodules are reported and skipped. Every git command runs through `safegit`: git reads raw objects (no
filter driver, textconv, attributes or hooks), and the user's work tree, index, refs and config are never
written.
"""

from __future__ import annotations

import posixpath
import re
from typing import NamedTuple

from mlops_level.assess.facts import safegit

BATCH_BYTES = 64 * 1024 * 1024  # blob bytes fetched per `git cat-file --batch`
MAX_LINK_BYTES = 4096  # a symlink's target (PATH_MAX); a longer "link" is reported as dangling
MAX_LINK_HOPS = 40  # as the kernel's limit on symlinks followed while resolving one path
REGULAR = "file"
LINK = "link"
SUBMODULE = "submodule"
OTHER = "other"
_OUTSIDE = "points outside the repository"
_DANGLING = "dangling or looping link"


class ReadError(Exception):
    """git could not list the revision or hand over its blobs; the message is one line."""


class Entry(NamedTuple):
    """One tree entry: `kind` is REGULAR, LINK, SUBMODULE or OTHER; `size` in bytes (blobs)."""

    kind: str
    blob: str
    size: int


class RevisionTree:
    """The files of one revision (paths from the repository top), and their bytes on demand."""

    def __init__(self, repo: safegit.Repository, entries: dict[str, Entry], warnings: list[str]) -> None:
        self.repo = repo
        self.entries = entries
        self.warnings = warnings  # problems found in the listing, reported with the revision's git facts
        self._folders: set[str] | None = None
        self._queue: list[str] = []  # the paths `collect` will read, in its order (see `expect`)
        self._position: dict[str, int] = {}
        self._loaded: dict[str, bytes | None] = {}
        self._links: dict[str, bytes | None] | None = None

    @classmethod
    def read(cls, repo: safegit.Repository, commit: str) -> RevisionTree:
        try:
            listing = repo.run("ls-tree", "-r", "-z", "-l", "--full-tree", commit)
        except safegit.GitError as exc:
            raise ReadError(f"cannot read revision {commit[:12]}: {exc}") from None
        text = listing.decode("utf-8", "surrogateescape")
        entries: dict[str, Entry] = {}
        folders: set[str] = {""}  # folders met so far: every path below one of them has been checked
        unsafe = 0
        dropped: list[str] = []
        new_entry = tuple.__new__  # Entry(...) without its Python-level __new__: 20,000 times per listing
        for mode, kind, blob, size, rel in _RECORD.findall(text):
            if not safegit.safe_path(rel):
                unsafe += 1
                continue
            parent = rel.rpartition("/")[0]
            if (
                rel in entries
                or rel in folders
                or (parent not in folders and not _new_folder(parent, entries, folders))
            ):
                dropped.append(rel)
                continue
            kind = _MODES.get((mode, kind)) or _kind(mode, kind)
            entries[rel] = new_entry(Entry, (kind, blob, int(size) if size != "-" else 0))
        warnings: list[str] = []
        if unsafe:
            warnings.append(
                f"{unsafe} path(s) at the base revision are not read: `.`, `..` or `.git` segments"
            )
        if dropped:
            shown = ", ".join(dropped[:3]) + (f" and {len(dropped) - 3} more" if len(dropped) > 3 else "")
            warnings.append(
                f"not read at the base revision (beyond a symlink, a duplicate or an invalid entry): {shown}"
            )
        tree = cls(repo, entries, warnings)
        tree._folders = folders
        return tree

    # --- structure ------------------------------------------------------------------------------------
    def is_folder(self, rel: str) -> bool:
        """Whether `rel` (from the top; "" is the top) is a folder of the revision."""
        return rel == "" or rel in self._all_folders()

    def blocked(self, rel: str) -> bool:
        """Whether a segment of the folder `rel` is a file, symlink or submodule at this revision."""
        return any(p in self.entries for p in (*_parents(rel), rel) if p)

    def _all_folders(self) -> set[str]:
        if self._folders is None:
            self._folders = {p for rel in self.entries for p in _parents(rel)}
        return self._folders

    def link_problem(self, rel: str, inside: str) -> str | None:
        """Why the symlink `rel` is worth reporting (it loops, dangles or leaves the folder `inside`), else
        None; resolved in the listing, as the kernel would in a checkout, without ever following it."""
        pending = rel.split("/")  # segments still to walk, from the top
        resolved: list[str] = []
        hops = 0
        while pending:
            part = pending.pop(0)
            if part in ("", "."):
                continue
            if part == "..":
                if not resolved:
                    return _OUTSIDE
                resolved.pop()
                continue
            here = "/".join([*resolved, part])
            entry = self.entries.get(here)
            if entry is not None and entry.kind == LINK:
                hops += 1
                if hops > MAX_LINK_HOPS:
                    return "symlink loop"
                target = self._link_target(here)
                if target is None:
                    return _DANGLING
                if target.startswith("/"):
                    return _OUTSIDE
                pending[:0] = target.split("/")
                continue
            if entry is None:
                if not self.is_folder(here):
                    return _DANGLING
            elif any(x not in ("", ".") for x in pending):
                return _DANGLING  # a file or a submodule used as a folder
            resolved.append(part)
        final = "/".join(resolved)
        if inside and final != inside and not final.startswith(inside + "/"):
            return _OUTSIDE
        return None

    def _link_target(self, rel: str) -> str | None:
        if self._links is None:  # every link's target, in one `git cat-file` (links are small)
            links = [p for p, e in self.entries.items() if e.kind == LINK and e.size <= MAX_LINK_BYTES]
            self._links = dict(zip(links, self._cat([self.entries[p].blob for p in links]), strict=True))
        data = self._links.get(rel)
        if data is None or b"\0" in data:
            return None
        return data.decode("utf-8", "surrogateescape")

    # --- bytes ----------------------------------------------------------------------------------------
    def expect(self, paths: list[str]) -> None:
        """The paths about to be read, in order: they are fetched in batches of at most BATCH_BYTES."""
        self._queue = [p for p in paths if p in self.entries]
        self._position = {p: i for i, p in enumerate(self._queue)}
        self._loaded = {}

    def blob_bytes(self, rel: str) -> bytes | None:
        """The bytes of the file at `rel`, or None when it is not a file here or git has not got it."""
        entry = self.entries.get(rel)
        if entry is None or entry.kind != REGULAR:
            return None
        if rel not in self._loaded:
            start = self._position.get(rel)
            batch = [rel] if start is None else self._batch(start)
            self._loaded = dict(zip(batch, self._cat([self.entries[p].blob for p in batch]), strict=True))
        return self._loaded.get(rel)

    def _batch(self, start: int) -> list[str]:
        batch, total = [], 0
        for rel in self._queue[start:]:
            if batch and total + self.entries[rel].size > BATCH_BYTES:
                break
            batch.append(rel)
            total += self.entries[rel].size
        return batch

    def _cat(self, blobs: list[str]) -> list[bytes | None]:
        """The bytes of `blobs` in order (None for one git has not got), from one `git cat-file --batch`."""
        try:
            out = self.repo.run("cat-file", "--batch", stdin=("\n".join(blobs) + "\n").encode("ascii"))
        except safegit.GitError as exc:
            raise ReadError(f"cannot read the base revision's files: {exc}") from None
        found: list[bytes | None] = []
        pos = 0
        while pos < len(out) and len(found) < len(blobs):
            header_end = out.index(b"\n", pos)
            header = out[pos:header_end].split()
            if len(header) < 3 or header[1] != b"blob":  # `<id> missing`, or not a blob after all
                found.append(None)
                pos = header_end + 1
                continue
            size = int(header[2])
            start = header_end + 1
            found.append(out[start : start + size])
            pos = start + size + 1
        return found + [None] * (len(blobs) - len(found))


class FolderView:
    """The assessed folder `sub` of a revision, with paths relative to it (`../x` reaches above it, as the
    top-level CI files of a monorepo sub-folder do): what `inventory` and `collect` read."""

    _KINDS = {REGULAR: "file", LINK: "link", SUBMODULE: "folder", OTHER: "other"}

    def __init__(self, tree: RevisionTree, sub: str) -> None:
        self.tree = tree
        self.sub = sub
        prefix = f"{sub}/" if sub else ""
        self._below = (
            {rel[len(prefix) :]: entry for rel, entry in tree.entries.items() if rel.startswith(prefix)}
            if sub
            else tree.entries
        )

    def entry(self, rel: str) -> tuple[str, Entry | None]:
        """The path from the top of `rel`, and its entry (None when absent or above the top)."""
        entry = self._below.get(rel)
        if entry is not None:
            return (f"{self.sub}/{rel}" if self.sub else rel), entry
        path = join(self.sub, rel)
        return (path or "", self.tree.entries.get(path) if path is not None else None)

    def kind(self, rel: str) -> tuple[str, int] | None:
        _, entry = self.entry(rel)
        return None if entry is None else (self._KINDS[entry.kind], entry.size)

    def regular_size(self, rel: str) -> int | None:
        entry = self._below.get(rel)
        return entry.size if entry is not None and entry.kind == REGULAR else None

    def link_problem(self, rel: str) -> str | None:
        path, _ = self.entry(rel)
        return self.tree.link_problem(path, self.sub)

    def blob(self, rel: str) -> str:
        """The blob id of `rel` ("" when it has no entry)."""
        _, entry = self.entry(rel)
        return entry.blob if entry is not None else ""

    def read(self, rel: str) -> bytes | None:
        path, entry = self.entry(rel)
        return self.tree.blob_bytes(path) if entry is not None and entry.kind == REGULAR else None

    def expect(self, rels: list[str]) -> None:
        self.tree.expect([p for p in (join(self.sub, rel) for rel in rels) if p is not None])


_RECORD = re.compile(r"(\d+) (\w+) ([0-9a-f]+) +(-|\d+)\t([^\0]*)\0")
_MODES = {("100644", "blob"): REGULAR, ("100755", "blob"): REGULAR, ("120000", "blob"): LINK}


def _new_folder(folder: str, entries: dict[str, Entry], folders: set[str]) -> bool:
    """Record `folder` and its parents as folders; False when one of them is already a file, link or
    submodule (a path below it is never read)."""
    missing = []
    while folder not in folders:
        if folder in entries:
            return False
        missing.append(folder)
        folder = folder.rpartition("/")[0]
    folders.update(missing)
    return True


def _parents(rel: str) -> list[str]:
    parts = rel.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _kind(mode: str, kind: str) -> str:
    if kind == "commit":
        return SUBMODULE
    if kind != "blob":
        return OTHER
    return LINK if mode == "120000" else REGULAR


def join(sub: str, rel: str) -> str | None:
    """The path from the top of `rel` (relative to the assessed folder `sub`, maybe `../x`), None above it."""
    path = posixpath.normpath(posixpath.join(sub, rel)) if sub else posixpath.normpath(rel)
    return None if path.startswith("../") or path == ".." or path.startswith("/") else path
