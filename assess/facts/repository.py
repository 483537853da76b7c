"""Every fact the checks use, collected once: the only module of `assess` that reads the repository.

`collect(root)` reads git facts (`gitinfo`), then the repository's settings files (`config`, first because
their `exclude` shapes the inventory), lists the files (see `inventory`), and reads and parses what can
matter: Python modules and notebook code cells with `ast`, YAML safely, TOML, Dockerfiles, Makefiles,
requirements, CI configurations of every provider. Nothing is imported or executed. Problems with single
files (unreadable, binary, too large, not UTF-8, bad syntax, malformed YAML) become warnings and the rest is
still assessed.

A Python file is parsed only when it is a test or when a cheap word scan finds every name that some pattern in
`patterns` needs (`mlflow` and `start_run` for `mlflow.start_run`, the module of `mlflow.*`): a file without
those words cannot produce evidence, so skipping it is exact.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import posixpath
import re
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mlops_level.assess.detect import patterns
from mlops_level.assess.facts import cache, ciconfig, config, inventory, pathindex, revtree
from mlops_level.assess.facts.gitinfo import GitFacts, read_git
from mlops_level.assess.facts.pysource import PyFacts, notebook_cells, parse_notebook, parse_python

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

MAX_SOURCE_BYTES = 1024 * 1024
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_NOTEBOOK_CODE = 2_000_000  # characters of code cells parsed per notebook (outputs are never parsed)
TEST_DIRS = frozenset({"tests", "test", "testing", "unit_tests", "integration_tests"})
EXAMPLE_DIRS = frozenset(
    {
        "docs",
        "doc",
        "examples",
        "example",
        "tutorials",
        "tutorial",
        "sandbox",
        "scratch",
        "notebooks",
        "notebook",
        "benchmarks",
        "demo",
        "demos",
        "playground",
        "research",
    }
)
TEXT_NAMES = re.compile(
    r"(^|/)(Dockerfile[^/]*|[^/]*\.[Dd]ockerfile|Containerfile[^/]*|Makefile|[^/]*\.mk|justfile|Justfile|"
    r"Jenkinsfile|Procfile|MLproject|requirements[^/]*\.(txt|in)|constraints[^/]*\.txt|[^/]*\.sh|"
    r"\.gitattributes|\.gitignore|\.dvc/config|[^/]*\.dvc|setup\.cfg|tox\.ini|pytest\.ini|[^/]*\.tf|"
    r"\.dvcignore|[^/]*\.pbtxt)$"
)
# Python files some rule reads for their name rather than for a pattern (Kedro's registry, setup.py's entry
# points, nox sessions): always parsed, like tests
READ_BY_NAME = frozenset({"pipeline_registry.py", "setup.py", "noxfile.py"})
YAML_FILE = re.compile(r"\.ya?ml$")
# YAML is parsed only where some rule reads it (see `_yaml_matters`): by its path (CI files, dvc.yaml,
# Databricks bundles, conda environments ...), by a key some rule looks for anywhere, or by its name being
# mentioned in another file (reusable workflows, Azure templates, GitLab includes, Cloud Build configs)
_YAML_PATHS = re.compile(
    "|".join(
        re.sub(r"(?<!\[)\^", r"^(?:\\.\\./)*", r) for values in patterns.CI_FILES.values() for r in values
    )
    + r"|^(?:\.\./)*\.github/|(^|/)(dvc|prefect|databricks|bundle|bentofile|environment|action)\.ya?ml$"
    + r"|(^|/)resources/.+\.ya?ml$|(^|/)pipelines/[^/]+/metadata\.ya?ml$"
)
_YAML_KEYS = re.compile(
    r"\b(kind|apiVersion|environments|recipe|pipelineSpec|pipelineInfo|resources|jobs|steps|stages|"
    r"CodePipeline)\b|\\"  # a backslash: an escaped key ("k\x69nd") is parsed to be safe
)
_YAML_NAME = re.compile(r"[\w.-]+\.ya?ml\b")
_BULK_SUFFIXES = (
    *patterns.DATA_SUFFIXES,
    *patterns.MODEL_BINARY_SUFFIXES,
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".log",
    ".bin",
    ".pdf",
    ".wav",
    ".mp3",
    ".mp4",
    ".xml",
)
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.M)  # PEP 263 declaration


# the last result of each `paths_matching` query in this process, with the paths it was computed from: a
# base revision listing the same paths as the work tree (`--base`) reuses it
_LAST_MATCHES: dict[tuple, tuple[list[str], list[str]]] = {}


@dataclass
class Source:
    """One Python module or notebook. `role`: prod, test, notebook or example (docs, examples, sandboxes)."""

    path: str
    role: str
    loc: int
    facts: PyFacts | None = None
    module: str | None = None  # dotted name when importable (`src/` dropped)


@dataclass
class Facts:
    root: Path
    git: GitFacts
    files: dict[
        str, int
    ]  # every inventoried path -> size; paths from the git top outside the root start with ../
    sources: dict[str, Source] = field(default_factory=dict)
    yaml: dict[str, list] = field(default_factory=dict)
    toml: dict[str, dict] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    pipelines: list[ciconfig.Pipeline] = field(default_factory=list)
    make_targets: dict[str, list[str]] = field(default_factory=dict)
    local_modules: set[str] = field(default_factory=set)
    settings: config.Settings = field(default_factory=config.Settings)  # the repository's [tool.mlops-level]
    warnings: list[str] = field(default_factory=list)
    cache: dict = field(default_factory=dict)  # memoised pure queries (see `match`), never facts themselves

    # pure queries ------------------------------------------------------------------------------------------
    def paths_matching(self, *regexes: str) -> list[str]:
        """Inventoried paths matching any of the regexes. Data and media files (csv, parquet, images ...) are
        never returned: no path rule looks for them, and they are most of a large repository."""
        key = ("paths",) + regexes
        if key not in self.cache:
            if "named" not in self.cache:
                named = [p for p in self.files if not p.lower().endswith(_BULK_SUFFIXES)]
                self.cache["named"] = pathindex.PathIndex(named)
            index = self.cache["named"]
            last = _LAST_MATCHES.get(key)
            if last is not None and last[0] == index.paths:  # the paths of the last assessment (`--base`)
                self.cache[key] = last[1]
            else:
                self.cache[key] = index.matching(regexes)
                _LAST_MATCHES[key] = (index.paths, self.cache[key])
        return list(self.cache[key])

    def by_role(self, *roles: str) -> list[Source]:
        return [s for s in self.sources.values() if s.role in roles and s.facts is not None]

    def module_path(self, dotted: str) -> str | None:
        """The source file of a dotted module name (`pkg.train` -> `src/pkg/train.py`), if it is local."""
        if "modules" not in self.cache:
            modules: dict[str, str] = {}
            for source in self.sources.values():
                if source.module:
                    name = source.module.removesuffix(".__init__").removesuffix(".__main__")
                    if name not in modules or source.module.endswith(".__main__"):  # `python -m pkg`
                        modules[name] = source.path
            self.cache["modules"] = modules
        return self.cache["modules"].get(dotted)


# --- collection -
@functools.cache
def _trigger_index() -> dict[str, tuple[frozenset[str], ...]]:
    """What a source must contain to matter, built from the pattern tables on first use (not at import:
    `checks` and the renderers import this module without reading any source).

    Maps a trigger word (the last name a match needs: `mlflow.start_run` -> start_run, `mlflow.*` -> mlflow)
    to the other names the same pattern needs (`{"mlflow"}`); an empty set means the word alone suffices.
    Exact: a resolved name is spelled from the file's own identifiers (imports, attribute chains), so a name
    equal to `google.cloud.aiplatform.Model.list` needs every one of those words somewhere in the file."""
    needs: dict[str, set[frozenset[str]]] = {}
    single = set(patterns.GATE_EXTRA_WORDS) | set(patterns.SEED_KWARGS) | set(patterns.SCHEDULE_KWARGS)
    single |= set(patterns.REGISTRY_KWARGS) | {"__main__", "psi", "drift", "predict"}
    for word in single:
        needs.setdefault(word, set()).add(frozenset())

    def add(item) -> None:
        if isinstance(item, dict):
            for value in item.values():
                add(value if isinstance(value, tuple | dict) else (value,))
        elif isinstance(item, tuple):
            for value in item:
                if isinstance(value, str) and re.fullmatch(r"[\w.*()\[\]]+", value):
                    segments = [x.rstrip("()[]") for x in value.split(".") if x.rstrip("()[]*")]
                    if segments:
                        others = frozenset(x for x in segments[:-1] if _IDENTIFIER.fullmatch(x))
                        needs.setdefault(segments[-1], set()).add(others)

    for name in dir(patterns):
        if name.isupper() and name not in patterns.FILE_TABLES:
            add(getattr(patterns, name))
    needs.pop("", None)
    return {word: (frozenset(),) if frozenset() in sets else tuple(sets) for word, sets in needs.items()}


@functools.cache
def _triggers() -> frozenset[str]:
    """Every trigger word (a file holding none of them cannot produce evidence)."""
    return frozenset(_trigger_index())


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def could_matter(text: str) -> bool:
    """Whether a source contains every name of some pattern (set tests: faster than one big regex)."""
    return _matters(set(_IDENTIFIER.findall(text)))


def _matters(words: set[str]) -> bool:
    index = _trigger_index()
    for word in words & _triggers():  # two sets: the smaller one is walked
        for others in index[word]:
            if others <= words:
                return True
    return False


def role_of(path: str) -> str:
    parts = path.split("/")
    name = parts[-1]
    if path.endswith(".ipynb"):
        return "notebook"
    folders = {p.lower() for p in parts[:-1]}
    if folders & TEST_DIRS or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return "test"
    if folders & EXAMPLE_DIRS or path.startswith("../"):
        return "example"
    return "prod"


def _module_name(path: str) -> str | None:
    if not path.endswith(".py") or path.startswith("../"):
        return None
    parts = path[:-3].split("/")
    if parts[0] in ("src", "lib") and len(parts) > 1:
        parts = parts[1:]
    if not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


@dataclass
class _Seen:
    """What one `collect` of a work tree read, by git blob id: the bytes, and what each Python module or
    notebook gave (whether it can matter, its facts or parse error). A base revision read right after it
    (`assess --base`) reuses them for every unchanged blob instead of fetching and parsing it again."""

    blobs: dict[str, bytes] = field(default_factory=dict)
    python: dict[str, tuple] = field(default_factory=dict)  # blob -> (matters, parsed, facts, error)
    notebooks: dict[str, tuple] = field(default_factory=dict)  # blob -> (cells or error, (facts, dropped))
    yaml: dict[str, list | str] = field(default_factory=dict)  # blob -> documents, or why they were refused
    root: Path | None = None  # the folder that collect read, and its git facts
    git: GitFacts | None = None


_memory: list[_Seen] = []  # while `remembered()` is active: what the last work-tree `collect` read


@contextlib.contextmanager
def remembered() -> Iterator[None]:
    """Keep what each work-tree `collect` inside reads, for the revision `collect`s that follow (`--base`)."""
    _memory.append(_Seen())
    try:
        yield
    finally:
        _memory.pop()


def read_exactly(root: Path, commit: str) -> bool:
    """Whether the last work-tree `collect` inside `remembered()` read exactly the files of `commit`: it read
    the top of a work tree whose HEAD is `commit`, with nothing staged or modified and no untracked file
    listed. Then an assessment of `commit` would find the same facts (`--base HEAD` on a clean checkout)."""
    seen = _memory[-1] if _memory else None
    git = seen.git if seen is not None else None
    return (
        git is not None
        and git.top is not None
        and seen.root == git.top.resolve() == Path(root).resolve()
        and git.commit == commit
        and git.dirty is False
        and git.tracked is not None
        and git.listed is not None
        and len(git.listed) == len(git.tracked)  # the listing is the tracked files and no untracked one
    )


_READ_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
)


def _read_at_most(path: str, limit: int) -> bytes | None:
    """Up to `limit` bytes of the regular file `path`, or None when it is not one (a symlink, a FIFO ...).

    Never follows a final symlink nor blocks on a FIFO. A file is read in one call when it fits (one byte more
    than its size is asked for, so that a file that grew is read on).
    """
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW: the file is a symlink
            return None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        chunks, total = [], 0
        while total < limit:
            left = info.st_size - total + 1 if total <= info.st_size else 1 << 20  # it grew: read on
            asked = min(limit - total, 1 << 20, left)
            chunk = os.read(fd, asked)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if len(chunk) < asked and total >= info.st_size:  # short of what was asked, at its size: the end
                break
        return b"".join(chunks)
    finally:
        os.close(fd)


class _Reader:
    """Reads files for `collect`, turning every problem into a warning."""

    def __init__(self, root: Path, warnings: list[str], revision: revtree.FolderView | None = None) -> None:
        self.root = root
        self.warnings = warnings
        self.revision = revision  # a past revision (`--base`): files come from git's objects, not the disk
        self.mentioned: set[str] = set()  # YAML file names named by sources that are not kept as text
        self.cache: cache.FactsCache | None = None  # parsed facts of blobs already seen (see `cache`)
        self.seen: _Seen | None = None  # filled (work tree) or read (revision) while `remembered()` is active
        if _memory:
            if revision is None:
                _memory[-1] = _Seen()
            self.seen = _memory[-1]
        self.blob = ""  # the blob id of the bytes last returned, when known (revisions, remembered runs)

    def bytes(self, rel: str, size: int, limit: int = MAX_SOURCE_BYTES) -> bytes | None:
        if size > limit:
            self.warnings.append(
                f"skipped {rel}: {size / 1048576:.1f} MB is over the {limit // 1048576} MB limit"
            )
            return None
        self.blob = ""
        if self.revision is not None:
            return self._revision_bytes(rel, limit)
        path = f"{self.root}/{rel}" if not rel.startswith("../") else str((self.root / rel).resolve())
        try:
            data = _read_at_most(path, limit + 1)
        except OSError as exc:
            self.warnings.append(f"could not read {rel}: {exc.strerror or exc.__class__.__name__}")
            return None
        if data is None:
            self.warnings.append(f"skipped {rel}: not a regular file")
            return None
        if len(data) > limit:
            self.warnings.append(f"skipped {rel}: over the {limit // 1048576} MB limit")
            return None
        if self.seen is not None:
            self.blob = cache.blob_id(data)
            self.seen.blobs[self.blob] = data
        return data

    def blob_of(self, data: bytes) -> str:
        """The blob id of `data`, the bytes last returned by `bytes`."""
        return self.blob or cache.blob_id(data)

    def _revision_bytes(self, rel: str, limit: int) -> bytes | None:
        assert self.revision is not None
        found = self.revision.kind(rel)
        if found is None or found[0] != "file":
            self.warnings.append(f"skipped {rel}: not a regular file")
            return None
        blob = self.revision.blob(rel)
        data = self.seen.blobs.get(blob) if self.seen is not None else None
        if data is None:
            data = self.revision.read(rel)
        self.blob = blob if data is not None else ""
        if data is None:
            self.warnings.append(f"could not read {rel}: its blob is not in the repository")
            return None
        if len(data) > limit:
            self.warnings.append(f"skipped {rel}: over the {limit // 1048576} MB limit")
            return None
        return data

    def size(self, rel: str) -> int | None:
        """The size of `rel` when it is a regular file (never a symlink), else None."""
        if self.revision is not None:
            found = self.revision.kind(rel)
            return found[1] if found is not None and found[0] == "file" else None
        try:
            info = (self.root / rel).lstat()
        except OSError:
            return None
        return info.st_size if stat.S_ISREG(info.st_mode) else None

    def text(self, rel: str, size: int) -> str | None:
        data = self.bytes(rel, size)
        if data is None:
            return None
        if b"\0" in data[:8192]:
            self.warnings.append(f"skipped {rel}: binary content")
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.warnings.append(f"{rel} is not valid UTF-8: read with replacement characters")
            return data.decode("utf-8", "replace")


def collect(
    root: Path,
    *,
    git_root: Path | None = None,
    git: GitFacts | None = None,
    tree: revtree.RevisionTree | None = None,
) -> Facts:
    """Read everything the checks need from `root` (plus CI files at `git_root` when root is a sub-folder).

    With `tree` (a past revision, whose facts are `git`), the files are `root`'s at that revision, read from
    git's objects: nothing is read from the disk, and `git.listed` must be given.
    """
    root = root.resolve()
    git = git if git is not None else read_git(root)
    if git_root is None and git.top is not None:
        git_root = git.top
    warnings = list(git.warnings)
    revision = None
    if tree is not None:
        top = (git_root or root).resolve()
        revision = revtree.FolderView(tree, root.relative_to(top).as_posix() if root != top else "")
    reader = _Reader(root, warnings, revision)
    reader.cache = cache.open_cache()
    # the settings files come first: their `exclude` decides what the inventory holds
    settings_files = _read_settings_files(reader)
    settings = config.read_settings({rel: doc for rel, (_, doc) in settings_files.items() if doc is not None})
    warnings += settings.warnings
    leave_out = inventory.LeaveOut(settings.exclude_spec, settings.source, settings.skip_templates)
    if git.listed is not None:
        listing = inventory.from_listing(root, git.listed, leave_out, revision)
    else:
        listing = inventory.walk(root, leave_out)
    warnings += listing.warnings
    facts = Facts(root=root, git=git, files=listing.files, settings=settings, warnings=warnings)
    if reader.seen is not None and revision is None:
        reader.seen.root, reader.seen.git = root, git
    for rel, (text, doc) in settings_files.items():
        if rel in facts.files:  # already read: kept as facts, never read twice
            facts.texts[rel] = text
            if doc is not None:
                facts.toml[rel] = doc
    if git_root is not None and git_root.resolve() != root:
        _add_top_level_ci(facts, git_root.resolve(), reader)
    to_read = [(rel, size) for rel, size in sorted(facts.files.items()) if _read_here(rel, settings_files)]
    if revision is not None:
        known = reader.seen.blobs if reader.seen is not None else {}
        revision.expect(
            [
                rel
                for rel, size in to_read
                if size <= (MAX_NOTEBOOK_BYTES if rel.endswith(".ipynb") else MAX_SOURCE_BYTES)
                and revision.blob(rel) not in known
            ]
        )
    pending_yaml: list[tuple[int, str, str, str]] = []  # (warning position, path, text, blob), parsed later
    for rel, size in to_read:  # data, models and media are inventoried (sizes, names) but never read
        if rel.endswith(".py"):
            _read_python(facts, reader, rel, size)
        elif rel.endswith(".ipynb"):
            _read_notebook(facts, reader, rel, size)
        elif YAML_FILE.search(rel):
            text = reader.text(rel, size)
            if text is not None:
                facts.texts[rel] = text
                pending_yaml.append((len(facts.warnings), rel, text, reader.blob))
        elif rel.endswith(".toml"):
            _read_toml(facts, reader, rel, size)
        if TEXT_NAMES.search(rel) and rel not in facts.texts:
            text = reader.text(rel, size)
            if text is not None:
                facts.texts[rel] = text
    _parse_yaml(facts, pending_yaml, reader.mentioned, reader)
    if reader.cache is not None:
        reader.cache.close()  # the new entries, in one transaction
    facts.local_modules = {
        s.module.split(".")[0] for s in facts.sources.values() if s.module and s.role == "prod"
    }
    facts.make_targets = _make_targets(facts.texts)
    facts.pipelines = _pipelines(facts)
    return facts


def _read_here(rel: str, settings_files: dict) -> bool:
    """Whether the reading loop of `collect` reads `rel` (settings files were read before it)."""
    if rel.lower().endswith(_BULK_SUFFIXES) or rel in settings_files:
        return False
    return rel.endswith((".py", ".ipynb", ".toml")) or bool(YAML_FILE.search(rel) or TEXT_NAMES.search(rel))


def _add_top_level_ci(facts: Facts, top: Path, reader: _Reader) -> None:
    """In a monorepo sub-folder, the repository's CI files, dependency bots and top .gitignore count too."""
    regexes = [re.compile(r) for values in patterns.CI_FILES.values() for r in values]
    regexes += [re.compile(r) for r in (*patterns.DEPENDENCY_BOT_FILES, r"^\.gitignore$")]
    for rel in sorted(facts.git.tracked or ()):
        if any(r.search(rel) for r in regexes):
            from_root = posixpath.relpath((top / rel).as_posix(), facts.root.as_posix())
            size = reader.size(from_root)
            if size is not None:
                facts.files[from_root] = size


def _read_python(facts: Facts, reader: _Reader, rel: str, size: int) -> None:
    data = reader.bytes(rel, size)
    if data is None:
        return
    if b"\0" in data[:8192]:
        facts.warnings.append(f"skipped {rel}: binary content in a .py file")
        return
    role = role_of(rel)
    source = Source(rel, role, data.count(b"\n") + 1, module=_module_name(rel))
    facts.sources[rel] = source
    try:
        text = data.decode("utf-8")
        source_input: str | bytes = data
    except UnicodeDecodeError:
        text = data.decode("utf-8", "replace")
        source_input = data if _CODING.search(b"\n".join(data.splitlines()[:2])) else text
        if source_input is text:
            facts.warnings.append(f"{rel} is not valid UTF-8: read with replacement characters")
    name = rel.rsplit("/", 1)[-1]
    if name == "noxfile.py":  # its sessions can run `gcloud builds submit --config x.yaml`
        reader.mentioned.update(x.rsplit("/", 1)[-1] for x in _YAML_NAME.findall(text))
    seen = reader.seen
    blob = reader.blob_of(data) if seen is not None else ""  # with only the cache: once it is needed
    needed = role == "test" or name in READ_BY_NAME
    known = seen.python.get(blob) if seen is not None and reader.revision is not None else None
    if known is not None and not (needed or known[0]):
        return  # no name any pattern needs: never parsed
    if known is not None and known[1]:
        _, _, source.facts, error = known
        if error:
            facts.warnings.append(f"could not parse {rel}{error}")
        return
    words = set(_IDENTIFIER.findall(text))
    matters = _matters(words)
    if not (needed or matters):
        if seen is not None and reader.revision is None:
            seen.python[blob] = (False, False, None, "")
        return
    if not blob and reader.cache is not None:
        blob = reader.blob_of(data)
    parsed, error = _python_facts(reader, source_input, text, words, blob)
    if seen is not None and reader.revision is None:
        seen.python[blob] = (matters, True, parsed, error)
    source.facts = parsed
    if error:
        facts.warnings.append(f"could not parse {rel}{error}")


def _python_facts(
    reader: _Reader, source_input: str | bytes, text: str, words: set[str], blob: str
) -> tuple[PyFacts | None, str]:
    """A module's facts (from the cache when it holds them for this blob, else parsed), or the end of the
    warning saying why it could not be parsed."""
    store = reader.cache
    if store is not None:
        payload = store.get("python", blob)
        if payload is not None:
            cached = cache.decode_facts(payload.get("facts"), text.splitlines())
            if cached is not None and cache.consistent(cached, words | _unescaped_words(text)):
                return cached, ""
            store.discard("python", blob)
    try:
        parsed = parse_python(source_input)
    except SyntaxError as exc:
        return None, f" (line {exc.lineno}: {exc.msg}; not valid Python 3)"
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, f": {exc.__class__.__name__}"
    if store is not None:
        store.put("python", blob, {"facts": cache.encode_facts(parsed)})
    return parsed, ""


_ESCAPE = re.compile(r"\\\w")


def _unescaped_words(text: str) -> set[str]:
    """Identifiers of a source once `\\n`, `\\t` ... are blanked (a string "\\nfoo" holds foo, not nfoo)."""
    return set(_IDENTIFIER.findall(_ESCAPE.sub(" ", text))) if "\\" in text else set()


def _read_notebook(facts: Facts, reader: _Reader, rel: str, size: int) -> None:
    data = reader.bytes(rel, size, MAX_NOTEBOOK_BYTES)
    if data is None:
        return
    seen = reader.seen
    blob = reader.blob_of(data) if seen is not None or reader.cache is not None else ""
    known = seen.notebooks.get(blob) if seen is not None and reader.revision is not None else None
    if known is not None:
        cells, result = known
    else:
        try:
            cells, result = notebook_cells(data), None
        except ValueError as exc:
            cells, result = str(exc), None
    if seen is not None and reader.revision is None:
        seen.notebooks[blob] = (cells, None)
    if isinstance(cells, str):
        facts.warnings.append(f"invalid notebook {rel}: {cells}")
        return
    all_cells, cells = cells, _within_budget(facts, rel, cells)
    code = "\n".join(cells)
    source = Source(rel, "notebook", code.count("\n") + 1 if code.strip() else 0)
    facts.sources[rel] = source
    if result is None:
        words = set(_IDENTIFIER.findall(code))
        result = _notebook_facts(reader, blob, cells, words) if _matters(words) else ()
        if seen is not None and reader.revision is None:
            seen.notebooks[blob] = (all_cells, result)
    if isinstance(result, str):
        facts.warnings.append(f"could not parse the code cells of {rel}: {result}")
    elif result:
        source.facts, dropped = result
        if dropped:
            facts.warnings.append(f"{rel}: {dropped} code cell(s) are not valid Python 3 and were left out")


def _notebook_facts(
    reader: _Reader, blob: str, cells: list[str], words: set[str]
) -> tuple[PyFacts, int] | str:
    """A notebook's facts and dropped-cell count (from the cache when sound), or why they cannot be read."""
    store = reader.cache
    if store is not None:
        payload = store.get("notebook", blob)
        cached = _cached_notebook(payload, words, len(cells))
        if cached is not None:
            return cached
        if payload is not None:
            store.discard("notebook", blob)
    try:
        parsed, dropped = parse_notebook(cells)
    except (ValueError, RecursionError, MemoryError) as exc:
        return exc.__class__.__name__
    if store is not None:
        payload = {"facts": cache.encode_facts(parsed), "lines": parsed.lines, "dropped": dropped}
        store.put("notebook", blob, payload)
    return parsed, dropped


def _cached_notebook(payload: dict | None, words: set[str], cells: int) -> tuple[PyFacts, int] | None:
    """A notebook's facts and dropped-cell count from a cache entry, when it is sound for this notebook."""
    if payload is None or set(payload) != {"facts", "lines", "dropped"}:
        return None
    lines, dropped = payload["lines"], payload["dropped"]
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        return None
    if not isinstance(dropped, int) or isinstance(dropped, bool) or not 0 <= dropped <= cells:
        return None
    facts = cache.decode_facts(payload["facts"], lines)
    if facts is None or not all(set(_IDENTIFIER.findall(x)) <= words for x in lines):
        return None
    return (facts, dropped) if cache.consistent(facts, words) else None


def _within_budget(facts: Facts, rel: str, cells: list[str]) -> list[str]:
    """The code cells up to the per-notebook budget of code (MAX_NOTEBOOK_CODE characters); the rest is cut
    with a warning naming the notebook, so one huge notebook cannot stall the assessment."""
    total = 0
    for index, cell in enumerate(cells):
        total += len(cell)
        if total > MAX_NOTEBOOK_CODE:
            facts.warnings.append(
                f"{rel}: code cells cut after {index} of {len(cells)} (over the "
                f"{MAX_NOTEBOOK_CODE // 1_000_000} MB per-notebook budget)"
            )
            return cells[:index]
    return cells


def _parse_yaml(
    facts: Facts, pending: list[tuple[int, str, str, str]], mentioned: set[str], reader: _Reader
) -> None:
    """Parse the YAML files some rule can read, in path order; a refused file's warning goes where it would
    have been had it been parsed while reading."""
    if not pending:
        return
    from mlops_level.assess.facts import (
        safeyaml,  # PyYAML (~20 ms to import) only for repositories that have YAML
    )

    for text in facts.texts.values():
        mentioned.update(name.rsplit("/", 1)[-1] for name in _YAML_NAME.findall(text))
    refused: list[tuple[int, str]] = []
    seen = reader.seen
    for position, rel, text, blob in pending:
        if not _yaml_matters(rel, text, mentioned):
            continue
        known = seen.yaml.get(blob) if seen is not None and blob else None
        if known is None:
            try:
                known = safeyaml.load_all(text)
            except safeyaml.YamlRefused as exc:
                known = str(exc)
            if seen is not None and blob and reader.revision is None:
                seen.yaml[blob] = known  # documents are only read by the checks, never changed
        if isinstance(known, str):
            refused.append((position, f"{rel}: {known}"))
        else:
            facts.yaml[rel] = known
    for position, message in reversed(refused):
        facts.warnings.insert(position, message)


def _yaml_matters(rel: str, text: str, mentioned: set[str]) -> bool:
    """Whether a rule can read this YAML file: by its path, by a key it holds, or because another file names
    it. A file failing all three holds nothing any rule in `detect` or `checks` looks at."""
    return (
        rel.rsplit("/", 1)[-1] in mentioned
        or _YAML_PATHS.search(rel) is not None
        or _YAML_KEYS.search(text) is not None
    )


def _read_toml(facts: Facts, reader: _Reader, rel: str, size: int) -> None:
    text = reader.text(rel, size)
    if text is None:
        return
    facts.texts[rel] = text
    doc = _parse_toml(rel, text, facts.warnings)
    if doc is not None:
        facts.toml[rel] = doc


def _parse_toml(rel: str, text: str, warnings: list[str]) -> dict | None:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        warnings.append(f"{rel}: malformed TOML ({exc})")
        return None


def _read_settings_files(reader: _Reader) -> dict[str, tuple[str, dict | None]]:
    """The settings files at the root (see `config`): path -> (text, parsed document or None)."""
    found: dict[str, tuple[str, dict | None]] = {}
    for rel in config.FILES:
        size = reader.size(rel)
        if size is not None:
            text = reader.text(rel, size)
            if text is not None:
                found[rel] = (text, _parse_toml(rel, text, reader.warnings))
    return found


_TARGET = re.compile(r"^([A-Za-z0-9_.\-/ ]+?)\s*:(?!=)[^\n]*$")


def _make_targets(texts: dict[str, str]) -> dict[str, list[str]]:
    """Makefile (and justfile) targets -> their recipe lines (prerequisites as `make <target>` lines), so that
    `make train` in CI can be followed."""
    targets: dict[str, list[str]] = {}
    for path, text in texts.items():
        name = path.rsplit("/", 1)[-1]
        if name not in ("Makefile", "justfile", "Justfile") and not name.endswith(".mk"):
            continue
        current: list[str] | None = None
        for line in text.splitlines():
            match = _TARGET.match(line)
            if match and not line.startswith(("\t", " ")):
                prerequisites = line.split(":", 1)[1].split("#", 1)[0].replace("|", " ").split()
                current = [f"make {p}" for p in prerequisites if re.fullmatch(r"[\w.\-/]+", p)]
                for target in match.group(1).split():
                    targets.setdefault(target, current)
            elif current is not None and line.startswith(("\t", "    ")) and line.strip():
                current.append(line.strip().lstrip("@-"))
            elif not line.strip() or line.startswith("#"):
                continue
            else:
                current = None
    return targets


def _template_loader(facts: Facts, rel: str):
    """Loads `- template: name.yml` references of an Azure pipeline, relative to its folder (or the root)."""

    def load(name: str):
        for candidate in (posixpath.join(posixpath.dirname(rel), name), name.lstrip("/")):
            docs = facts.yaml.get(posixpath.normpath(candidate))
            if docs:
                return docs[0]
        return None

    return load


def _pipelines(facts: Facts) -> list[ciconfig.Pipeline]:
    """Every CI configuration, read into `ciconfig`'s shapes. A file whose shape no provider accepts (`steps:
    5`, `on: [[push]]`) becomes a warning and an invalid pipeline with no jobs: it never stops the
    assessment."""
    found = []
    seen: set[str] = set()
    for provider, regexes in patterns.CI_FILES.items():
        for rel in facts.paths_matching(*(r.replace("^", "^(?:\\.\\./)*") for r in regexes)):
            if rel in seen:  # a file matching two providers' names is read as the first
                continue
            seen.add(rel)
            text = facts.texts.get(rel, "")
            try:
                found.append(_pipeline(facts, provider, rel, text))
            except (TypeError, AttributeError, ValueError, KeyError, RecursionError) as exc:
                facts.warnings.append(
                    f"{rel}: not a {provider} configuration of a shape this tool reads "
                    f"({exc.__class__.__name__}); its jobs are not counted"
                )
                found.append(ciconfig.Pipeline(rel, provider, text=text, invalid="unexpected shape"))
    for rel, docs in facts.yaml.items():  # CI configurations recognised by their shape, wherever they live
        provider = _ci_shape(docs[0] if docs else None)
        if provider and rel not in seen and not rel.startswith((".github/", "../")):
            try:
                found.append(_pipeline(facts, provider, rel, facts.texts.get(rel, "")))
            except (TypeError, AttributeError, ValueError, KeyError, RecursionError):
                continue  # only a guess from the shape: nothing to report
    return found


_BUILDER = re.compile(r"(^|/)(gcr\.io|[\w-]+-docker\.pkg\.dev|cloud-builders)(/|$)")
_AZURE_STEP_KEYS = frozenset({"script", "bash", "task", "template", "powershell", "pwsh", "checkout"})


def _ci_shape(doc) -> str | None:
    """ "Cloud Build" or "Azure Pipelines" when a YAML document has that provider's shape (Cloud Build
    configs and Azure pipelines may have any name and folder), else None."""
    if not isinstance(doc, dict) or "apiVersion" in doc or "kind" in doc:
        return None
    steps = doc.get("steps")
    if (
        isinstance(steps, list)
        and steps
        and all(isinstance(x, dict) and isinstance(x.get("name"), str) for x in steps)
    ):
        if any(_BUILDER.search(x["name"]) for x in steps) and any(
            "args" in x or "entrypoint" in x for x in steps
        ):
            return "Cloud Build"
    if {"pool", "trigger", "pr"} & doc.keys():
        items = [x for key in ("stages", "jobs", "steps") if isinstance(doc.get(key), list) for x in doc[key]]
        keys = {k for x in items if isinstance(x, dict) for k in x}
        if keys & (_AZURE_STEP_KEYS | {"stage", "job", "deployment"}):
            return "Azure Pipelines"
    return None


def _with_local_includes(facts: Facts, doc):
    """A GitLab CI document with the jobs of its `include: local:` files (and plain string includes of
    repository paths) merged in; the including file wins on a name clash."""
    if not isinstance(doc, dict):
        return doc
    includes = doc.get("include")
    items = includes if isinstance(includes, list) else [includes]
    merged: dict = {}
    for item in items:
        path = item.get("local") if isinstance(item, dict) else item if isinstance(item, str) else None
        if not isinstance(path, str) or "://" in path or "*" in path:
            continue
        docs = facts.yaml.get(posixpath.normpath(path.lstrip("/")))
        if docs and isinstance(docs[0], dict):
            merged.update(docs[0])
    return {**merged, **doc} if merged else doc


def _pipeline(facts: Facts, provider: str, rel: str, text: str) -> ciconfig.Pipeline:
    if provider == "Jenkins":
        return ciconfig.jenkins(rel, text)
    docs = facts.yaml.get(rel) or [None]
    doc = docs[0] if len(docs) == 1 else {k: v for d in docs if isinstance(d, dict) for k, v in d.items()}
    if provider == "GitHub Actions":
        return ciconfig.github(rel, doc, text)
    if provider == "GitLab CI":
        return ciconfig.gitlab(rel, _with_local_includes(facts, doc), text)
    if provider == "Azure Pipelines":
        return ciconfig.azure(rel, doc, text, _template_loader(facts, rel))
    return ciconfig.generic(rel, provider, doc, text)
