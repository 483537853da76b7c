"""The Level 1 project: its exact files, what they hold, and (slow) that continuous training really runs."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_level.app import app
from mlops_level.scaffold import verify

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

PACKAGE = "src/breast_cancer_classifier"
LEVEL1_FILES = {
    ".cruft.json",
    ".dockerignore",
    ".dvc/.gitignore",
    ".dvc/config",
    ".dvcignore",
    ".gitignore",
    ".mlops-level.toml",
    ".pre-commit-config.yaml",
    "Dockerfile",
    "MODEL_CARD.md",
    "Makefile",
    "README.md",
    "notebooks/01-exploration.ipynb",
    "pyproject.toml",
    "requirements.lock",
    "requirements-runtime.lock",
    "scripts/check_registry.py",
    *(
        f"{PACKAGE}/{module}.py"
        for module in (
            "__init__",
            "__main__",
            "card",
            "config",
            "data",
            "evaluate",
            "evidence",
            "features",
            "ingest",
            "logs",
            "model",
            "pipeline",
            "raw_model",
            "registry",
            "score",
            "train",
            "validation",
        )
    ),
    "tests/conftest.py",
    "tests/test_evaluate.py",
    "tests/test_features.py",
    "tests/test_gate.py",
    "tests/test_registry_errors.py",
    "tests/test_lineage.py",
    "tests/test_logs.py",
    "tests/test_ingest.py",
    "tests/test_pipeline.py",
    "tests/test_settings.py",
    "tests/test_validation.py",
}
TELEMETRY_OFF = {
    "DO_NOT_TRACK": "true",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DVC_NO_ANALYTICS": "1",
}

# Run with the generated project's own interpreter (mlflow is not a dependency of mlops-level): the registry's
# state read back through MLflow's API, as JSON.
REGISTRY_PROBE = """
import json, os
from mlflow.tracking import MlflowClient
client = MlflowClient()
name = os.environ["MODEL_NAME"]
experiment = client.get_experiment_by_name(os.environ["EXPERIMENT"])
runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])
print(json.dumps({
    "aliases": {alias: str(version) for alias, version in client.get_registered_model(name).aliases.items()},
    "versions": sorted(str(v.version) for v in client.search_model_versions(f"name = '{name}'")),
    "runs": [{"tags": run.data.tags, "metrics": run.data.metrics, "params": run.data.params} for run in runs],
}))
"""


def test_exact_file_set(baked, file_set):
    assert file_set(baked(1)) == LEVEL1_FILES


def test_no_ci_cd_workflows_and_no_level0_handoff(baked):
    project = baked(1)
    for absent in (".github", "predict.py", "notebooks/02-train.ipynb", "requirements.txt", "models"):
        assert not (project / absent).exists()


def test_one_module_per_step_and_only_the_pipeline_imports_prefect(baked):
    package = baked(1) / PACKAGE
    importers = {
        path.name
        for path in package.glob("*.py")
        if re.search(r"^\s*(from|import) prefect", path.read_text(), re.M)
    }
    assert importers == {"pipeline.py"}
    pipeline = (package / "pipeline.py").read_text()
    for step in (
        "ingest.ingest",
        "ingest.version",
        "validation.validate",
        "train.train",
        "evaluate.evaluate",
        "registry.decide",
        "registry.record",
    ):
        assert f"_task({step}," in pipeline
    assert "to_deployment(" in pipeline and "cron=" in pipeline


def test_shared_code_is_included_not_copied(baked):
    package = baked(1) / PACKAGE
    assert "def build_features(" in (package / "features.py").read_text()
    shared = {"build_features", "build_model", "load_dataset"}
    for module in ("train.py", "evaluate.py", "validation.py", "ingest.py", "registry.py", "pipeline.py"):
        assert not shared & set(re.findall(r"^def (\w+)\(", (package / module).read_text(), re.M))


def test_telemetry_is_off_in_the_makefile_package_and_dvc_config(baked):
    project = baked(1)
    makefile = (project / "Makefile").read_text()
    init = (project / PACKAGE / "__init__.py").read_text()
    for name, value in TELEMETRY_OFF.items():
        assert f"export {name} ?= {value}" in makefile
        assert f'"{name}": "{value}"' in init
    assert "export PREFECT_HOME ?= $(CURDIR)/.prefect" in makefile
    dvc_config = (project / ".dvc/config").read_text()
    assert "analytics = false" in dvc_config and "check_update = false" in dvc_config
    # the dev remote lives outside every clone (under the user's cache folder), not in a gitignored sibling
    assert "remote = dev" in dvc_config and "url = ~/.cache/breast-cancer-classifier/dvc-remote" in dvc_config


def test_makefile_has_the_level1_targets(baked):
    targets = set(re.findall(r"^([a-z-]+):", (baked(1) / "Makefile").read_text(), re.M))
    assert {"setup", "test", "pipeline", "schedule", "ui", "new-data", "status", "lock"} <= targets


def test_lock_pins_every_package_and_a_working_prefect(baked):
    lines = [
        line
        for line in (baked(1) / "requirements.lock").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert all("==" in line for line in lines)
    pins = dict(line.split(" ;")[0].split("==") for line in lines)
    assert tuple(int(part) for part in pins["prefect"].split(".")[:3]) >= (3, 9, 1)
    assert {"mlflow-skinny", "sqlalchemy", "alembic", "skops", "dvc", "pandera", "scikit-learn"} <= set(pins)
    dependencies = tomllib.loads((baked(1) / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "prefect>=3.9.1" in dependencies


def test_verify_declares_three_pipeline_runs_with_registry_checks(baked):
    declared = tomllib.loads((baked(1) / ".mlops-level.toml").read_text())["verify"]
    runs = [step["run"] for step in declared["steps"]]
    assert runs.count(["make", "pipeline"]) == 3
    assert [run[-1] for run in runs if run[:2] == ["python", "scripts/check_registry.py"]] == ["1", "2", "2"]
    assert declared["env"]["MLFLOW_TRACKING_URI"].startswith("sqlite:///.verify/")


def test_readme_walks_to_a_champion_and_names_level2(baked):
    readme = (baked(1) / "README.md").read_text()
    for phrase in (
        "make setup",
        "make pipeline",
        "make new-data",
        "make schedule",
        "make ui",
        "champion",
        "challenger",
        "What Level 2 would add",
    ):
        assert phrase in readme
    assert "Known pain points" not in readme


def test_assess_rates_the_level1_project_exactly_level1(baked):
    result = CliRunner().invoke(app, ["assess", str(baked(1)), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["level"] == 1


def _probe(python, project, env_overrides) -> dict:
    env = {**os.environ, **TELEMETRY_OFF, **env_overrides}
    done = subprocess.run(
        [str(python), "-c", REGISTRY_PROBE],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.slow
def test_verify_trains_gates_and_skips_for_real(bake, env_cache):
    project = bake(1)
    report = verify(project, env_cache=env_cache)
    assert report.passed, report.summary()
    # only the dependency audit is listed and not run: it needs PyPI's vulnerability service
    assert [step.name for step in report.steps if step.status == "skipped"] == [
        step.name for step in report.steps if step.name.startswith("make audit")
    ]
    assert {step.name.split(":")[0] for step in report.steps if step.status == "passed"} >= {
        "make lint",
        "make typecheck",
        "make test",
    }
    run_3 = next(step for step in report.steps if step.name.startswith("make pipeline: run 3"))
    assert '"status": "skipped"' in run_3.output  # unchanged data, nothing trained

    python = report.environment / "bin" / "python"
    store = {
        "MLFLOW_TRACKING_URI": f"sqlite:///{project / '.verify' / 'mlflow.db'}",
        "MODEL_NAME": "breast-cancer-classifier",
        "EXPERIMENT": "breast-cancer-classifier-training",
    }
    state = _probe(python, project, store)
    assert state["versions"] == ["1", "2"]
    first, second = (run["tags"] for run in state["runs"])
    assert (first["decision"], first["previous_champion_version"]) == ("promoted", "none")
    assert second["previous_champion_version"] == "1"
    if second["decision"] == "promoted":
        assert state["aliases"] == {"champion": "2", "previous-champion": "1"}
    else:
        assert (second["decision"], state["aliases"]) == ("rejected", {"champion": "1", "challenger": "2"})

    raw = project / "data" / "raw" / "breast_cancer.csv"
    md5 = hashlib.md5(raw.read_bytes()).hexdigest()
    assert second["data_version"] == md5 != first["data_version"]
    assert f"md5: {md5}" in (project / "data" / "raw" / "breast_cancer.csv.dvc").read_text()
    # the dev remote is outside the clone, under the user's cache folder (not a gitignored sibling)
    remote = Path.home() / ".cache" / "breast-cancer-classifier" / "dvc-remote"
    assert (remote / "files" / "md5" / md5[:2] / md5[2:]).is_file()
    assert not (project / "dvc-remote").exists()
    for run in state["runs"]:
        assert run["tags"]["pipeline_version"] == "0.1.0" and run["tags"]["git_commit"]
        assert run["tags"]["git_dirty"] in ("true", "false")
        assert run["metrics"]["holdout_accuracy"] > 0.5 and "classify__C" in run["params"]
    first_metrics, second_metrics = (run["metrics"] for run in state["runs"])
    assert second_metrics["champion_holdout_accuracy"] == first_metrics["holdout_accuracy"]

    wrong = subprocess.run(
        [str(python), "scripts/check_registry.py", "3"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **TELEMETRY_OFF, **store},
    )
    assert wrong.returncode == 1 and "expected 3 model version(s), found 2" in wrong.stderr

    # DVC for real: the pipeline refuses missing data; `make init` pulls exactly the tracked rows, never
    # regenerates
    make_env = {
        **os.environ,
        **TELEMETRY_OFF,
        **store,
        "VIRTUAL_ENV": str(report.environment),
        "PATH": f"{report.environment / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }
    raw.unlink()
    refused = subprocess.run(["make", "pipeline"], cwd=project, env=make_env, capture_output=True, text=True)
    assert refused.returncode != 0 and "is missing: run `make init`" in refused.stderr
    subprocess.run(["make", "init"], cwd=project, env=make_env, capture_output=True, text=True, check=True)
    assert hashlib.md5(raw.read_bytes()).hexdigest() == md5

    result = CliRunner().invoke(app, ["assess", str(project), "--format", "json"])
    assert json.loads(result.stdout)["level"] == 1
