"""The content-addressed facts cache: hits, misses, eviction, corruption, poisoning, --no-cache."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_level.app import app
from mlops_level.assess import report_to_dict, run
from mlops_level.assess.facts import cache
from mlops_level.assess.facts.pysource import parse_python
from mlops_level.assess.facts.repository import collect

from .conftest import git, init_repo

TRAIN = (
    "import mlflow\n\n\ndef train():\n    with mlflow.start_run():\n        mlflow.log_metric('f1', 0.9)\n"
)
PLAIN = "import os\n\n\ndef helper(run):\n    return os.path.join('a', 'b')\n"


def db_path(home: Path) -> Path:
    return home / "mlops-level" / cache.DATABASE


def entries(home: Path) -> dict[str, str]:
    """key -> entry text of every row of the cache under `home`."""
    if not db_path(home).exists():
        return {}
    with sqlite3.connect(db_path(home)) as db:
        return dict(db.execute("SELECT key, body FROM entries").fetchall())


def key_of(data: bytes, kind: str = "python") -> str:
    return cache.FactsCache(Path("/unused"))._key(kind, cache.blob_id(data))


def read_entry(home: Path, key: str) -> dict:
    return json.loads(entries(home)[key])


def write_entry(home: Path, key: str, body: str | bytes) -> None:
    with sqlite3.connect(db_path(home)) as db:
        db.execute("UPDATE entries SET body = ? WHERE key = ?", (body, key))


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "train.py").write_text(TRAIN)
    (root / "src" / "util.py").write_text(PLAIN + "import mlflow\nmlflow.log_param('x', 1)\n")
    return init_repo(root)


def test_blob_id_is_gits(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"hello\n")
    init_repo(tmp_path)
    assert cache.blob_id(b"hello\n") == git(tmp_path, "rev-parse", "HEAD:a.txt").strip()


def test_the_default_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.folder() == tmp_path / "mlops-level"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    assert cache.folder() == Path.home() / ".cache" / "mlops-level"


def test_tests_never_use_the_real_home():
    assert not str(cache.folder()).startswith(str(Path.home() / ".cache"))


def test_miss_then_hit_with_identical_facts(repo, cache_home):
    first = collect(repo)
    assert len(entries(cache_home)) == 2  # one entry per parsed file
    with sqlite3.connect(db_path(cache_home)) as db:
        stamps = db.execute("SELECT key, stamp FROM entries").fetchall()
    second = collect(repo)
    with sqlite3.connect(db_path(cache_home)) as db:
        assert db.execute("SELECT key, stamp FROM entries").fetchall() == stamps  # read, not rewritten
    assert second.sources == first.sources


def test_a_hit_never_parses(repo, cache_home, monkeypatch):
    collect(repo)

    def refuse(_source):
        raise AssertionError("parsed although cached")

    monkeypatch.setattr("mlops_level.assess.facts.repository.parse_python", refuse)
    assert collect(repo).sources["src/train.py"].facts.calls


def test_a_modified_work_tree_file_does_not_borrow_the_committed_facts(repo, cache_home):
    collect(repo)
    (repo / "src" / "train.py").write_text(TRAIN.replace("log_metric", "log_params"))
    calls = {c.name for c in collect(repo).sources["src/train.py"].facts.calls}
    assert "mlflow.log_params" in calls and "mlflow.log_metric" not in calls


def test_env_var_and_context_turn_it_off(repo, cache_home, monkeypatch):
    with cache.disabled():
        collect(repo)
    assert entries(cache_home) == {}
    monkeypatch.setenv(cache.ENV_DISABLE, "1")
    collect(repo)
    assert entries(cache_home) == {}
    monkeypatch.setenv(cache.ENV_DISABLE, "0")
    collect(repo)
    assert len(entries(cache_home)) == 2


def test_no_cache_option(repo, cache_home):
    result = CliRunner().invoke(app, ["assess", str(repo), "-f", "json", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert entries(cache_home) == {}
    result = CliRunner().invoke(app, ["assess", str(repo), "-f", "json"])
    assert result.exit_code == 0 and len(entries(cache_home)) == 2


def _tamper(change):
    def damage(text: str) -> str:
        entry = json.loads(text)
        change(entry)
        return json.dumps(entry)

    return damage


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: t[:40],  # truncated
        lambda t: "not json",
        lambda t: "[]",
        lambda t: b"\xff\xfe" * 10,  # a BLOB where a JSON text belongs
        _tamper(lambda e: e.update(schema=99)),
        # the payload changed, its sha256 did not
        _tamper(lambda e: e["payload"]["facts"].update(calls="oops")),
        _tamper(lambda e: e.update(extra=1)),
        _tamper(lambda e: e.update(key="0" * 64)),
        lambda t: " " * (cache.MAX_ENTRY_BYTES + 10),
    ],
)
def test_damaged_entries_are_ignored_and_replaced(repo, cache_home, damage):
    expected = collect(repo).sources
    for key, body in entries(cache_home).items():
        write_entry(cache_home, key, damage(body))
    assert collect(repo).sources == expected
    assert all(json.loads(b)["kind"] == "python" for b in entries(cache_home).values())  # rewritten
    assert collect(repo).sources == expected


def test_a_damaged_database_file_is_a_miss_then_replaced(repo, cache_home):
    expected = collect(repo).sources
    db_path(cache_home).write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        db_path(cache_home).with_name(cache.DATABASE + suffix).unlink(missing_ok=True)
    assert collect(repo).sources == expected
    assert len(entries(cache_home)) == 2


def _poison(home: Path, key: str, calls: list) -> None:
    """Rewrite an entry the way an attacker who can write the cache would: a valid shape and digest."""
    entry = read_entry(home, key)
    entry["payload"]["facts"]["calls"] = calls
    entry["sha256"] = cache._digest(entry["payload"])
    write_entry(home, key, json.dumps(entry))


def test_a_poisoned_entry_claiming_mlflow_for_a_file_without_it_is_rejected(tmp_path, cache_home):
    root = tmp_path / "repo"
    root.mkdir()
    # a test file is always parsed: its entry exists although it uses nothing
    (root / "tests").mkdir()
    (root / "tests" / "test_plain.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    init_repo(root)
    before = report_to_dict(run(root))
    key = key_of((root / "tests" / "test_plain.py").read_bytes())
    assert key in entries(cache_home)
    _poison(cache_home, key, [["mlflow.start_run", 1, [], []], ["mlflow.log_metric", 2, [], ["f1"]]])
    facts = collect(root)
    assert not any(c.name.startswith("mlflow") for c in facts.sources["tests/test_plain.py"].facts.calls)
    assert report_to_dict(run(root))["checks"] == before["checks"]
    assert "mlflow" not in entries(cache_home)[key]  # the unsound entry was replaced by the real facts


def test_a_poisoned_entry_is_confined_to_its_own_blob(repo, cache_home):
    """An entry is only ever used for the one blob whose id it is filed under, and only with the words that
    blob holds: util.py (which does use mlflow) can be told a different mlflow story, train.py cannot."""
    collect(repo)
    util = key_of((repo / "src" / "util.py").read_bytes())
    _poison(cache_home, util, [["mlflow.log_param", 6, [], []], ["os.path.join", 5, [], []]])
    facts = collect(repo)
    assert {c.name for c in facts.sources["src/util.py"].facts.calls} == {"mlflow.log_param", "os.path.join"}
    train = parse_python(TRAIN.encode())
    assert facts.sources["src/train.py"].facts.calls == train.calls
    # a line that does not exist, or a name spelled with words the file lacks, is refused
    _poison(cache_home, util, [["mlflow.log_param", 999, [], []]])
    assert 999 not in {c.line for c in collect(repo).sources["src/util.py"].facts.calls}
    collect(repo)  # the refused entry was replaced: poison it again
    _poison(cache_home, util, [["sagemaker.Model.register", 6, [], []]])
    names = {c.name for c in collect(repo).sources["src/util.py"].facts.calls}
    assert "sagemaker.Model.register" not in names and "mlflow.log_param" in names


def test_an_entry_copied_under_another_key_is_ignored(repo, cache_home):
    collect(repo)
    train = key_of((repo / "src" / "train.py").read_bytes())
    util = key_of((repo / "src" / "util.py").read_bytes())
    write_entry(cache_home, util, entries(cache_home)[train])  # a sound entry, but for another blob
    assert collect(repo).sources["src/util.py"].facts == parse_python((repo / "src" / "util.py").read_bytes())


def test_decode_refuses_other_types():
    good = cache.encode_facts(parse_python(TRAIN.encode()))
    assert cache.decode_facts(good, []) is not None
    for field, bad in (
        ("calls", [["x", "1", [], []]]),
        ("calls", [["x", True, [], []]]),
        ("calls", [["x", -1, [], []]]),
        ("imports", [["x"]]),
        ("gates", [[1, [], "yes", [], []]]),
        ("has_main_guard", 1),
        ("strings", {"a": 1}),
    ):
        assert cache.decode_facts({**good, field: bad}, []) is None, field
    assert cache.decode_facts({**good, "__class__": "os.system"}, []) is None
    assert cache.decode_facts("facts", []) is None


def test_eviction_removes_the_oldest_beyond_the_cap(tmp_path, monkeypatch):
    store = cache.FactsCache(tmp_path / "c", max_bytes=20_000)
    for index in range(40):
        monkeypatch.setattr(cache.time, "time", lambda index=index: 1_000_000.0 + index)
        store.put("python", f"{index:040x}", {"facts": {"pad": "x" * 900}})
        store.flush()  # each flush prunes: the cap is never exceeded for long
    kept = [i for i in range(40) if store.get("python", f"{i:040x}") is not None]
    assert kept and kept == list(range(40 - len(kept), 40))  # the newest survive
    with sqlite3.connect(tmp_path / "c" / cache.DATABASE) as db:
        assert db.execute("SELECT sum(size) FROM entries").fetchone()[0] <= 20_000
    assert store.prune() == 0
    store.close()


def test_entries_wait_for_one_transaction(tmp_path):
    store = cache.FactsCache(tmp_path / "c")
    store.put("python", "0" * 40, {"facts": {}})
    assert store.get("python", "0" * 40) == {"facts": {}}  # pending entries are seen by their writer
    assert not (tmp_path / "c" / cache.DATABASE).exists()
    store.close()
    assert cache.FactsCache(tmp_path / "c").get("python", "0" * 40) == {"facts": {}}


def test_an_unwritable_cache_is_only_a_miss(repo, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where the folder should be
    assert collect(repo).sources["src/train.py"].facts.calls


@pytest.mark.parametrize("name", ["l1_prefect_mlflow_dvc", "l2_kfp_vertex", "l2_prefect_full", "monorepo"])
def test_reports_are_identical_with_and_without_cache(fixture_repo, cache_home, name):
    root = fixture_repo(name)
    with cache.disabled():
        plain = report_to_dict(run(root))
    cold = report_to_dict(run(root))
    warm = report_to_dict(run(root))
    assert entries(cache_home)
    assert plain == cold == warm


def test_notebooks_are_cached_and_checked(tmp_path, cache_home):
    root = tmp_path / "nb"
    root.mkdir()
    cells = [
        {"cell_type": "code", "source": ["import mlflow\n", "mlflow.log_metric('a', 1)\n"], "metadata": {}},
        {"cell_type": "code", "source": ["def broken(:\n"], "metadata": {}},
    ]
    (root / "explore.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4}))
    init_repo(root)
    first = collect(root)
    assert any("1 code cell(s) are not valid" in w for w in first.warnings)
    key = key_of((root / "explore.ipynb").read_bytes(), "notebook")
    assert key in entries(cache_home)
    second = collect(root)
    assert second.sources == first.sources and second.warnings == first.warnings
    entry = read_entry(cache_home, key)
    entry["payload"]["lines"] = ["import sagemaker"]
    entry["sha256"] = cache._digest(entry["payload"])
    write_entry(cache_home, key, json.dumps(entry))
    assert collect(root).sources == first.sources


def test_strings_that_are_not_valid_unicode_are_cached(tmp_path, cache_home):
    """A source may spell a lone surrogate (`"\\udcff"`): its facts are cached and read back."""
    root = tmp_path / "odd"
    (root / "src").mkdir(parents=True)
    (root / "src" / "train.py").write_text(TRAIN + 'LABEL = f("\\udcff")\nmlflow.set_tag("k", "\\udcff")\n')
    init_repo(root)
    cold = collect(root)
    assert len(entries(cache_home)) == 1
    warm = collect(root)
    assert warm.sources == cold.sources
    assert ("\udcff", 8) in [(v, line) for v, line in warm.sources["src/train.py"].facts.strings]
