"""The opt-in Feast feature store of Level 2 (`--feature-store feast`): only that variant gets it, with its
own lock, still rated exactly Level 2; slow: the variant for real, online features equal to offline ones."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess

import pytest
import yaml
from typer.testing import CliRunner

from mlops_level.app import app
from mlops_level.errors import UserError
from mlops_level.scaffold import render, verify
from mlops_level.scaffold.answers import resolve
from mlops_level.scaffold.environment import TELEMETRY_OFF
from mlops_level.scaffold.generate import leftovers
from mlops_level.scaffold.manifest import excluded, parse_line
from mlops_level.scaffold.template import template_root

FEAST_FILES = {
    "feature_repo/definitions.py",
    "feature_repo/feature_store.yaml",
    "src/breast_cancer_classifier/feature_serving.py",
    "src/breast_cancer_classifier/feature_store.py",
    "tests/test_feature_store.py",
}
LOCKS = template_root() / "templates" / "locks"
# What Feast itself constrains in the default Level 2 lock: pandas < 3 and an older prometheus-client; tzdata
# loses its platform marker (pandas 2 always needs it). Everything else keeps the default lock's version.
FEAST_CONSTRAINED = {"pandas", "prometheus-client", "tzdata"}
REGENERATE = (
    "regenerate templates/project/templates/locks/level2-feast.lock from level2.lock's versions: render "
    "a project with --level 2 --feature-store feast, then in it: "
    "sed -n '3,$p' <level2.lock> > /tmp/feast.lock && "
    "uv pip compile pyproject.toml --extra test --universal --python-version 3.11 --no-header --no-annotate "
    "-o /tmp/feast.lock, and put level2.lock's two header lines above the result"
)


@pytest.fixture(scope="module")
def feast_project(tmp_path_factory):
    return render({"level": 2, "feature_store": "feast"}, tmp_path_factory.mktemp("level2-feast"))


def offline(command: list[str]) -> list[str]:
    """`command` in a network namespace with only loopback (as in test_level2_verify)."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        pytest.fail("proving offline runs needs root, unshare and ip (util-linux, iproute2)")
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "offline", *command]


def pins(text: str) -> dict[str, str]:
    """`name==version ; marker` lines of a lock, by package name."""
    found = (re.match(r"^([A-Za-z0-9._-]+)==(\S+)(.*)$", line) for line in text.splitlines())
    return {match.group(1).lower(): match.group(2) + match.group(3) for match in found if match}


def test_the_default_level2_project_has_no_feast_file_or_dependency(baked, file_set):
    project = baked(2)
    assert not file_set(project) & FEAST_FILES
    for name in (
        "pyproject.toml",
        "requirements.lock",
        "src/breast_cancer_classifier/pipeline.py",
        "src/breast_cancer_classifier/train.py",
    ):
        assert "feast" not in (project / name).read_text(encoding="utf-8").lower(), name
    assert "--feature-store feast" in (project / "README.md").read_text(encoding="utf-8")


def test_the_feast_variant_adds_exactly_the_feature_store_files(feast_project, baked, file_set):
    assert file_set(feast_project) == file_set(baked(2)) | FEAST_FILES
    assert '"feast>=0.67"' in (feast_project / "pyproject.toml").read_text(encoding="utf-8")
    pinned = pins((feast_project / "requirements.lock").read_text(encoding="utf-8"))
    assert pinned["feast"].startswith("0.67") and pinned["pandas"].startswith("2.")


def test_the_feast_variant_renders_clean_and_parses(feast_project):
    assert leftovers(feast_project) == []
    for path in feast_project.rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    declared = yaml.safe_load((feast_project / "feature_repo" / "feature_store.yaml").read_text())
    assert declared["project"] == "breast_cancer_classifier"


def test_the_feast_lock_is_the_level2_lock_plus_what_feast_needs():
    default = pins((LOCKS / "level2.lock").read_text(encoding="utf-8"))
    feast = pins((LOCKS / "level2-feast.lock").read_text(encoding="utf-8"))
    assert not set(default) - set(feast), REGENERATE
    changed = {name for name in default if default[name] != feast[name]}
    assert changed <= FEAST_CONSTRAINED, f"{sorted(changed - FEAST_CONSTRAINED)} differ: {REGENERATE}"


def test_the_pipeline_trains_from_the_store_and_serving_reads_it_online(feast_project):
    package = feast_project / "src" / "breast_cancer_classifier"
    pipeline = (package / "pipeline.py").read_text(encoding="utf-8")
    assert "feature_store.publish" in pipeline and "feature_store.training_frame" in pipeline
    assert "build_features" not in pipeline
    store = (package / "feature_store.py").read_text(encoding="utf-8")
    assert "get_historical_features" in store and "materialize_incremental" in store
    assert "get_online_features" in store
    assert '@router.post("/predict/by-id")' in (package / "feature_serving.py").read_text(encoding="utf-8")
    config = (feast_project / "feature_repo" / "feature_store.yaml").read_text(encoding="utf-8")
    assert "provider: local" in config and "type: sqlite" in config and "type: file" in config
    assert "--feature-store feast" in (feast_project / "README.md").read_text(encoding="utf-8")


def test_assess_rates_the_feast_project_exactly_level2(feast_project):
    from mlops_level.assess import assess_directory

    report = assess_directory(feast_project)
    assert report.rating.level == 2, [(c.spec.id, c.status.value) for c in report.checks]


@pytest.mark.parametrize("level", ["0", "1"])
def test_feast_below_level2_is_refused(level):
    with pytest.raises(
        UserError, match=f"feature_store is available from level 2; this project is level {level}"
    ):
        resolve({"level": level, "feature_store": "feast"})


def test_the_cli_option_sets_the_answer_and_refuses_bad_values(tmp_path):
    runner = CliRunner()
    made = runner.invoke(
        app, ["new", "--no-input", "-l", "2", "--feature-store", "feast", "-o", str(tmp_path)]
    )
    assert made.exit_code == 0, made.output
    answers = json.loads((tmp_path / "breast-cancer-classifier" / ".cruft.json").read_text())
    assert answers["context"]["cookiecutter"]["feature_store"] == "feast"
    for args, message in (
        (["-l", "1", "--feature-store", "feast"], "feature_store is available from level 2"),
        (["-l", "2", "--feature-store", "redis"], "feature_store must be one of shared, feast, not 'redis'"),
    ):
        refused = runner.invoke(app, ["new", "--no-input", *args, "-o", str(tmp_path / "x")])
        assert isinstance(refused.exception, UserError) and message in str(refused.exception)
        assert not (tmp_path / "x").exists()


def test_the_level2_prompts_offer_the_feature_store_and_lower_levels_skip_it(monkeypatch):
    from mlops_level.scaffold import prompts

    asked = {}

    class Answer:
        def __init__(self, value):
            self.value = value

        def unsafe_ask(self):
            return self.value

    def select(message, choices):
        asked[message] = [choice.value for choice in choices]
        return Answer(choices[-1].value)

    monkeypatch.setattr("questionary.select", select)
    answers = prompts.ask_missing(
        {"level": "2", "project_name": "a", "description": "d", "author": "x", "python_version": "3.11"}
    )
    assert asked == {"Feature store (Level 2)": ["shared", "feast"]} and answers["feature_store"] == "feast"
    asked.clear()
    assert "feature_store" not in prompts.ask_missing(
        {"level": "1", "project_name": "a", "description": "d", "author": "x", "python_version": "3.11"}
    )
    assert asked == {}


def test_a_manifest_rule_can_require_an_answer():
    rule = parse_line("2+ feature_store=feast /feature_repo/", "t:1")
    assert rule.answer == ("feature_store", "feast") and rule.pattern == "/feature_repo/"
    paths = ["feature_repo/definitions.py", "README.md"]
    assert excluded(paths, 2, [rule], {"feature_store": "feast"}) == []
    assert excluded(paths, 2, [rule], {"feature_store": "shared"}) == ["feature_repo/definitions.py"]
    assert excluded(paths, 1, [rule], {"feature_store": "feast"}) == ["feature_repo/definitions.py"]


# Run with the project's Python from the project folder: the pipeline has run; compares the store's views.
CONSISTENCY = r"""
import json
import numpy as np
from breast_cancer_classifier import config, feature_store, ingest
from breast_cancer_classifier.features import build_features

settings = config.load()
raw = ingest.load_raw(settings)
ids = [0, 1, len(raw) // 2, len(raw) - 1]
store = feature_store.open_store(settings)
online = feature_store.online_features(store, ids)
offline = feature_store.training_frame(settings, raw).loc[ids, feature_store.FEATURE_COLUMNS]
shared = build_features(raw).loc[ids]
print("RESULT " + json.dumps({
    "online_equals_offline": bool(np.array_equal(online.to_numpy(), offline.to_numpy())),
    "offline_equals_shared": bool(np.array_equal(offline.to_numpy(), shared.to_numpy())),
    "rows": int(len(raw)),
}))
"""


@pytest.mark.slow
def test_the_feast_variant_runs_its_ci_and_serves_online_what_it_trained_on(
    feast_project, env_cache, tmp_path
):
    report = verify(feast_project, env_cache=env_cache)
    assert report.passed, report.summary()
    passed = {step.name for step in report.steps if step.status == "passed"}
    assert any(name.endswith("make unit-test") for name in passed), passed  # tests/test_feature_store.py too
    assert any(name.endswith("make e2e") for name in passed), passed
    env = {
        **os.environ,
        **TELEMETRY_OFF,
        "VIRTUAL_ENV": str(report.environment),
        "PATH": f"{report.environment / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "DATA_DIR": str(tmp_path / "data"),
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "MLFLOW_ARTIFACT_LOCATION": (tmp_path / "mlartifacts").as_uri(),
        "PREFECT_HOME": str(
            feast_project / ".prefect"
        ),  # the project-local Prefect home, migrated by the replay
    }
    env.pop("MLOPS_ENV", None)
    python = str(report.environment / "bin" / "python")
    for step in (
        ["-m", "breast_cancer_classifier", "ingest"],
        ["-m", "breast_cancer_classifier", "pipeline"],
        ["-c", CONSISTENCY],
    ):
        done = subprocess.run(
            offline([python, *step]), cwd=feast_project, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout.rsplit("RESULT ", 1)[1])
    assert result == {"online_equals_offline": True, "offline_equals_shared": True, "rows": result["rows"]}
    training_rows = len((tmp_path / "data" / "raw" / "breast_cancer.csv").read_text().splitlines()) - 1
    assert result["rows"] == training_rows > 300  # every training row, checked (the holdout is kept apart)
    assert (tmp_path / "data" / "feature_store" / "online.db").is_file()
