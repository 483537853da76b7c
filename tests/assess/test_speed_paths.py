"""The fast paths of `collect` keep their results: libyaml and pure-Python YAML both guarded, YAML parsed
only where a rule reads it, Python parsed only when it holds every name of some pattern."""

from __future__ import annotations

import pytest
import yaml

from mlops_level.assess.facts import repository, safeyaml
from mlops_level.assess.facts.repository import collect, could_matter

from .conftest import init_repo

LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if getattr(yaml, "__with_libyaml__", False) else [])


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        refs = ",".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


@pytest.fixture(params=LOADERS, ids=lambda c: c.__name__)
def loader(request, monkeypatch):
    monkeypatch.setattr(safeyaml, "LOADER", request.param)
    return request.param


def test_libyaml_is_used_when_installed():
    if getattr(yaml, "__with_libyaml__", False):
        assert safeyaml.LOADER is yaml.CSafeLoader
    else:  # pragma: no cover - PyYAML built without libyaml
        assert safeyaml.LOADER is yaml.SafeLoader


def test_both_loaders_refuse_an_alias_bomb(loader):
    with pytest.raises(safeyaml.YamlRefused, match="alias bomb"):
        safeyaml.load_all(billion_laughs())


def test_both_loaders_refuse_a_bomb_in_a_later_document(loader):
    with pytest.raises(safeyaml.YamlRefused, match="alias bomb"):
        safeyaml.load_all("ok: 1\n---\n" + billion_laughs())


def test_both_loaders_read_the_same_documents(loader):
    text = "on:\n  push:\nbase: &b {x: 1}\nderived:\n  <<: *b\n  y: [1, 2]\n---\n- 2026-01-01\n"
    docs = safeyaml.load_all(text)
    assert docs[0] == {True: {"push": None}, "base": {"x": 1}, "derived": {"x": 1, "y": [1, 2]}}
    assert len(docs) == 2
    assert safeyaml.load_all(billion_laughs(4))  # 10,000 nodes: below the cap


def test_both_loaders_refuse_unsafe_tags_and_bad_syntax(loader):
    with pytest.raises(safeyaml.YamlRefused, match="malformed YAML"):
        safeyaml.load("!!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(safeyaml.YamlRefused, match="malformed YAML at line 2"):
        safeyaml.load("a: [1\nb: 2\n")


def test_a_bomb_in_a_manifest_is_a_warning_with_either_loader(tmp_path, loader):
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "bomb.yaml").write_text("kind: Deployment\n" + billion_laughs())
    facts = collect(init_repo(tmp_path))
    assert "deploy/bomb.yaml" not in facts.yaml
    assert any(w.startswith("deploy/bomb.yaml:") and "alias bomb" in w for w in facts.warnings)


def test_yaml_is_parsed_only_where_a_rule_reads_it(tmp_path):
    files = {
        "configs/exp.yaml": "model:\n  depth: 8\nseed: 1\n",  # no rule reads hyperparameters
        "configs/bad.yaml": "a: [1\n",  # malformed, but never parsed: no warning
        "deploy/scorer.yaml": "apiVersion: v1\nkind: Service\n",  # a manifest: read by its keys
        "ops/build.yaml": "substitutions: {}\n",  # named by a CI step below
        "conf/escaped.yaml": '"k\\x69nd": Workflow\n',  # an escaped key is parsed to be safe
        "dvc.yaml": "x: 1\n",  # read by its path
        ".github/workflows/ci.yml": "on: push\njobs: {b: {runs-on: x, steps: [{run: gcloud builds submit "
        "--config ops/build.yaml .}]}}\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    facts = collect(init_repo(tmp_path))
    assert set(facts.yaml) == {
        ".github/workflows/ci.yml",
        "conf/escaped.yaml",
        "deploy/scorer.yaml",
        "dvc.yaml",
        "ops/build.yaml",
    }
    assert set(files) <= set(facts.texts)  # every YAML file is still read as text
    assert not any("configs/bad.yaml" in w for w in facts.warnings)
    assert list(facts.yaml) == sorted(facts.yaml)  # path order, as before


def test_a_yaml_file_named_by_a_nox_session_is_parsed(tmp_path):
    (tmp_path / "noxfile.py").write_text(
        "import nox\n\n@nox.session\ndef build(session):\n"
        "    session.run('gcloud', 'builds', 'submit', '--config', 'cb/deploy.yaml')\n"
    )
    (tmp_path / "cb").mkdir()
    (tmp_path / "cb" / "deploy.yaml").write_text("substitutions: {}\n")
    assert "cb/deploy.yaml" in collect(init_repo(tmp_path)).yaml


def test_refused_yaml_warnings_keep_the_path_order(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "pipeline.yaml").write_text("kind: Workflow\nx: [1\n")
    (tmp_path / "b.py").write_bytes(b"\xff\xfe = 1\n")  # a warning between the two YAML files
    (tmp_path / "c.yaml").write_text("kind: Workflow\ny: [1\n")
    warnings = [w for w in collect(init_repo(tmp_path)).warnings if w.startswith(("a/", "b.py", "c.yaml"))]
    assert [w.split(":")[0].split(" ")[0] for w in warnings] == ["a/pipeline.yaml", "b.py", "c.yaml"]


def test_every_name_of_a_dotted_pattern_is_needed():
    assert not could_matter("def load(folder):\n    return list(sorted(folder))\n")
    assert could_matter("from google.cloud import aiplatform\naiplatform.Model.list()\n")
    assert could_matter("import mlflow\n")  # `mlflow.*` needs only the module
    assert could_matter("x.list_model_packages()\n")  # `.list_model_packages`: any receiver


def test_files_read_by_name_are_always_parsed(tmp_path):
    shop = tmp_path / "src" / "shop"
    shop.mkdir(parents=True)
    (shop / "pipeline_registry.py").write_text("def register_pipelines():\n    return {}\n")
    (tmp_path / "setup.py").write_text("entry = {'console_scripts': ['x = shop.cli:main']}\n")
    (tmp_path / "src" / "shop" / "util.py").write_text("def helper():\n    return 1\n")
    facts = collect(init_repo(tmp_path))
    assert facts.sources["src/shop/pipeline_registry.py"].facts is not None
    assert facts.sources["setup.py"].facts is not None
    assert facts.sources["src/shop/util.py"].facts is None


def test_the_trigger_index_is_built_from_the_pattern_tables():
    index = repository._trigger_index()
    assert index["mlflow"] == (frozenset(),)
    assert frozenset({"google", "cloud", "aiplatform", "Model"}) in index["list"]
    assert repository._triggers() == frozenset(index)
