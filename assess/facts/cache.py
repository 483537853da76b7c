"""A content-addressed cache of per-file facts, so that re-runs and `--base` parse each blob once.

An entry holds the facts `pysource` read from one file's bytes, keyed by git's blob id of those bytes (the
sha1 of `blob <size>\\0<bytes>`, computed here from what `collect` actually read, so a modified work-tree
file never borrows the facts of its committed version), the tool version and a fingerprint of the parsing
code. Entries live in one SQLite file under `$XDG_CACHE_HOME/mlops-level` (default `~/.cache/mlops-level`):
each row is a key and a JSON text. One file rather than a file per entry because creating thousands of small
files costs more than parsing them; a run's new entries are written in one transaction when it ends. The
cache is bounded (`MAX_BYTES`; the oldest entries go first).

Only data is stored: JSON text, never pickle, nothing executed or imported. Every entry is checked before use:
its size, its JSON shape (`decode_facts` rebuilds the dataclasses field by field and refuses any other type),
a sha256 of its payload (a damaged row is ignored and removed), its key (a row copied under another key is
ignored), and its facts against the file it is used for (`consistent`): every name, string and gate word it
claims must be spelled in that file, and every line must exist. A poisoned entry can therefore only ever
describe the one blob whose id it is filed under, and only with words that blob holds. A damaged database
file is a miss, then replaced.

Turned off by `assess --no-cache` (`disabled()`), or by the environment variable MLOPS_LEVEL_NO_CACHE=1.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

from mlops_level.assess.facts.pysource import Call, Decorated, Gate, PyFacts

ENV_DISABLE = "MLOPS_LEVEL_NO_CACHE"
SCHEMA = 1
DATABASE = f"facts-v{SCHEMA}.sqlite3"
MAX_BYTES = 200 * 1024 * 1024  # the sum of the entries kept
MAX_ENTRY_BYTES = 8 * 1024 * 1024  # one entry; larger ones are not trusted (nor written)
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_switched_off = False


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """No cache for the assessments run inside (`assess --no-cache`)."""
    global _switched_off
    before, _switched_off = _switched_off, True
    try:
        yield
    finally:
        _switched_off = before


def folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "mlops-level"


def blob_id(data: bytes) -> str:
    """git's object id of a blob holding `data` (what `git ls-files -s` and `git ls-tree` print)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@functools.cache
def _fingerprint() -> str:
    """The tool version and the bytes of the code that produces the facts: an editable install whose parser
    changed never reads entries written by the previous parser."""
    from mlops_level import __version__
    from mlops_level.assess.facts import pysource

    digest = hashlib.sha256(f"{__version__}\0{SCHEMA}\0".encode())
    for module in (pysource.__file__, __file__):
        try:
            digest.update(Path(module).read_bytes())
        except (OSError, TypeError):
            digest.update(b"?")
    return digest.hexdigest()


class FactsCache:
    """One cache database, opened on first use. Every failure to read or write is silent: the cache is only
    ever a shortcut. `put` collects entries in memory; `flush` writes them in one transaction and bounds the
    database."""

    def __init__(self, root: Path, max_bytes: int = MAX_BYTES) -> None:
        self.root = root
        self.path = root / DATABASE
        self.max_bytes = max_bytes
        self.pending: dict[str, str] = {}  # key -> entry text, written by `flush`
        self.written = 0  # bytes written by `flush`
        self._db = None
        self._broken = False

    def _connect(self):
        if self._db is None and not self._broken:
            import sqlite3  # ~5 ms, only for repositories with something to parse

            try:
                self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
                self._db = self._open(sqlite3)
            except sqlite3.OperationalError:  # locked by another process, unwritable ...: no cache this run
                pass
            except sqlite3.DatabaseError:  # not a database, or damaged: replaced by an empty one
                with contextlib.suppress(OSError, sqlite3.Error):
                    self.path.unlink()
                    self._db = self._open(sqlite3)
            except (OSError, sqlite3.Error):
                pass
            self._broken = self._db is None
        return self._db

    def _open(self, sqlite3):
        db = sqlite3.connect(self.path, timeout=2, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS entries "
                "(key TEXT PRIMARY KEY, body TEXT NOT NULL, size INTEGER NOT NULL, stamp REAL NOT NULL)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS by_stamp ON entries (stamp)")
            db.execute("SELECT count(*) FROM entries").fetchone()  # a damaged file fails here
        except BaseException:
            db.close()
            raise
        return db

    def _key(self, kind: str, blob: str) -> str:
        return hashlib.sha256(f"{_fingerprint()}\0{kind}\0{blob}".encode()).hexdigest()

    def get(self, kind: str, blob: str) -> dict | None:
        """The payload filed under (kind, blob), or None when absent, unreadable, damaged or mislabelled."""
        key = self._key(kind, blob)
        if key in self.pending:
            return _checked(self.pending[key].encode("utf-8"), key, kind, blob)
        db = self._connect()
        if db is None:
            return None
        try:
            row = db.execute("SELECT body FROM entries WHERE key = ?", (key,)).fetchone()
        except Exception:  # sqlite3.Error, or a damaged file found late
            return None
        if row is None:
            return None
        body = row[0]
        raw = body.encode("utf-8", "replace") if isinstance(body, str) else b""
        payload = _checked(raw, key, kind, blob)
        if payload is None:  # damaged or foreign: removed, so that `put` replaces it
            self.discard(kind, blob)
        return payload

    def discard(self, kind: str, blob: str) -> None:
        """Remove an entry found unsound (facts that do not fit the file), so that `put` can replace it."""
        key = self._key(kind, blob)
        self.pending.pop(key, None)
        db = self._connect()
        if db is not None:
            with contextlib.suppress(Exception):
                db.execute("DELETE FROM entries WHERE key = ?", (key,))

    def put(self, kind: str, blob: str, payload: dict) -> None:
        key = self._key(kind, blob)
        entry = {
            "schema": SCHEMA,
            "key": key,
            "kind": kind,
            "blob": blob,
            "sha256": _digest(payload),
            "payload": payload,
        }
        # ASCII JSON: strings from undecodable bytes (lone surrogates) are written as escapes and read back
        text = json.dumps(entry, separators=(",", ":"))
        if len(text) <= MAX_ENTRY_BYTES:
            self.pending[key] = text

    def flush(self) -> None:
        """Write the pending entries in one transaction, then bound the database."""
        if not self.pending:
            return
        db = self._connect()
        rows = [(key, text, len(text), time.time()) for key, text in self.pending.items()]
        self.pending = {}
        if db is None:
            return
        try:
            with contextlib.closing(db.cursor()) as cursor:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.executemany(
                    "INSERT OR REPLACE INTO entries (key, body, size, stamp) VALUES (?, ?, ?, ?)", rows
                )
                cursor.execute("COMMIT")
        except Exception:  # locked by another process for too long, full disk ...: the entries are lost
            with contextlib.suppress(Exception):
                db.execute("ROLLBACK")
            return
        self.written += sum(r[2] for r in rows)
        self.prune()

    def prune(self) -> int:
        """Remove the oldest entries until they add up to at most 90 % of the cap (when over it); returns
        how many were removed."""
        db = self._connect()
        if db is None:
            return 0
        try:
            total = db.execute("SELECT coalesce(sum(size), 0) FROM entries").fetchone()[0]
            if total <= self.max_bytes:
                return 0
            removed = 0
            for key, size in db.execute("SELECT key, size FROM entries ORDER BY stamp, key").fetchall():
                if total <= self.max_bytes * 9 // 10:
                    break
                db.execute("DELETE FROM entries WHERE key = ?", (key,))
                total -= size
                removed += 1
            return removed
        except Exception:
            return 0

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            with contextlib.suppress(Exception):
                self._db.close()
            self._db = None


def open_cache() -> FactsCache | None:
    """The user's cache, or None when it is turned off."""
    if _switched_off or os.environ.get(ENV_DISABLE, "").strip() not in ("", "0"):
        return None
    return FactsCache(folder())


def _checked(raw: bytes, key: str, kind: str, blob: str) -> dict | None:
    """The payload of an entry's bytes when they are a sound entry for exactly (key, kind, blob)."""
    if len(raw) > MAX_ENTRY_BYTES:
        return None
    try:
        entry = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or set(entry) != {"schema", "key", "kind", "blob", "sha256", "payload"}:
        return None
    payload = entry["payload"]
    if (
        entry["schema"] != SCHEMA
        or entry["key"] != key
        or entry["kind"] != kind
        or entry["blob"] != blob
        or not isinstance(payload, dict)
        or entry["sha256"] != _digest(payload)
    ):
        return None
    return payload


def _digest(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


# --- PyFacts <-> JSON -
def encode_facts(facts: PyFacts) -> dict:
    """Every field of `PyFacts` but `lines` (rebuilt from the file itself on use)."""
    return {
        "imports": [[name, line] for name, line in facts.imports],
        "relative_imports": [[name, line] for name, line in facts.relative_imports],
        "calls": [[c.name, c.line, sorted(c.kwargs), list(c.strings)] for c in facts.calls],
        "decorated": [
            [d.decorator, d.function, d.line, list(d.strings), sorted(d.kwargs)] for d in facts.decorated
        ],
        "bases": [[base, name, line] for base, name, line in facts.bases],
        "functions": [[name, line] for name, line in facts.functions],
        "strings": [[text, line] for text, line in facts.strings],
        "gates": [[g.line, sorted(g.words), g.blocks, list(g.calls), list(g.assigns)] for g in facts.gates],
        "has_main_guard": facts.has_main_guard,
    }


class _Bad(ValueError):
    pass


def _str(value) -> str:
    if not isinstance(value, str):
        raise _Bad
    return value


def _int(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Bad
    return value


def _strs(value) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _Bad
    return tuple(_str(x) for x in value)


def _rows(value, width: int) -> list[list]:
    if not isinstance(value, list) or not all(isinstance(r, list) and len(r) == width for r in value):
        raise _Bad
    return value


_FIELDS = frozenset(
    {
        "imports",
        "relative_imports",
        "calls",
        "decorated",
        "bases",
        "functions",
        "strings",
        "gates",
        "has_main_guard",
    }
)


def decode_facts(data, lines: list[str]) -> PyFacts | None:
    """`PyFacts` from `encode_facts`' JSON, or None for anything of another shape or type."""
    if not isinstance(data, dict) or set(data) != _FIELDS or not isinstance(data["has_main_guard"], bool):
        return None
    try:
        blocks = [r[2] for r in _rows(data["gates"], 5)]
        if not all(isinstance(b, bool) for b in blocks):
            return None
        return PyFacts(
            imports=[(_str(n), _int(x)) for n, x in _rows(data["imports"], 2)],
            relative_imports=[(_str(n), _int(x)) for n, x in _rows(data["relative_imports"], 2)],
            calls=[
                Call(_str(n), _int(x), frozenset(_strs(k)), _strs(s))
                for n, x, k, s in _rows(data["calls"], 4)
            ],
            decorated=[
                Decorated(_str(d), _str(f), _int(x), _strs(s), frozenset(_strs(k)))
                for d, f, x, s, k in _rows(data["decorated"], 5)
            ],
            bases=[(_str(b), _str(n), _int(x)) for b, n, x in _rows(data["bases"], 3)],
            functions=[(_str(n), _int(x)) for n, x in _rows(data["functions"], 2)],
            strings=[(_str(s), _int(x)) for s, x in _rows(data["strings"], 2)],
            gates=[
                Gate(_int(x), frozenset(_strs(w)), b, _strs(c), _strs(a))
                for x, w, b, c, a in _rows(data["gates"], 5)
            ],
            has_main_guard=data["has_main_guard"],
            lines=lines,
        )
    except _Bad:
        return None


def consistent(facts: PyFacts, words: set[str]) -> bool:
    """Whether facts could have been read from a file holding these identifiers: every name, string and
    gate word is spelled with them, and every line number is a line of the file. Facts read by `pysource`
    always are (names are spelled from the file's identifiers, strings from its literals); an entry that
    claims anything else was not written by this tool for this file."""
    lower = {w.lower() for w in words}
    last = len(facts.lines) + 1

    def spelled(text: str, vocabulary: set[str]) -> bool:
        return all(token in vocabulary for token in _IDENTIFIER.findall(text))

    names = [n for n, _ in facts.imports + facts.relative_imports + facts.functions]
    names += [c.name for c in facts.calls] + [k for c in facts.calls for k in c.kwargs]
    names += [d.decorator for d in facts.decorated] + [d.function for d in facts.decorated]
    names += [k for d in facts.decorated for k in d.kwargs]
    names += [x for b in facts.bases for x in b[:2]]
    names += [c for g in facts.gates for c in (*g.calls, *g.assigns)]
    texts = [s for s, _ in facts.strings] + [s for c in facts.calls for s in c.strings]
    texts += [s for d in facts.decorated for s in d.strings]
    lines = [x for _, x in facts.imports + facts.relative_imports + facts.functions + facts.strings]
    lines += [c.line for c in facts.calls] + [d.line for d in facts.decorated] + [b[2] for b in facts.bases]
    lines += [g.line for g in facts.gates]
    return (
        all(spelled(n, words) for n in names)
        and all(spelled(s, words) for s in texts)
        and all(spelled(w, lower) for g in facts.gates for w in g.words)
        and all(0 < x <= last for x in lines)
    )
