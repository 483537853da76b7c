"""Slow: the model a Level 2 project registers scores raw rows where the project is not installed.

The project trains and registers through its own step functions, in its own environment; then a fresh
environment with only MLflow, the model's declared requirements (scikit-learn, pandas, numpy, skops) and the
SQLite registry's driver, at the versions of the project's lock, loads `models:/<name>@champion` and scores
raw rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_level.scaffold.environment import TELEMETRY_OFF, find_uv

pytestmark = pytest.mark.slow

PACKAGE = "breast_cancer_classifier"
MODEL = "breast-cancer-classifier"
# the registry's SQLite store needs sqlalchemy and alembic, which mlflow-skinny leaves out
SCORING_PACKAGES = ("mlflow-skinny", "sqlalchemy", "alembic")

TRAIN = r"""
from PKG import config, evaluate, ingest, registry, train, validation

settings = config.load()
ingest.ingest(settings)
raw = validation.validate(ingest.load_raw(settings))
holdout = validation.validate(ingest.load_holdout(settings))
model = train.train(raw, settings.seed)
decision = registry.decide(evaluate.correct(model, holdout), None, settings.accuracy_threshold,
                           settings.min_improvement, settings.seed)
lineage = {"data_version": ingest.file_md5(settings.raw_file),
           "holdout_version": ingest.file_md5(settings.holdout_file)}
registry.record(settings, model, raw, evaluate.evaluate(model, holdout), decision, None, lineage,
                validation.shift_report(raw, holdout, settings.shift_p_value))
model.predict(holdout.drop(columns=["target"])).to_json("expected.json", orient="split")
"""

SCORE = r"""
import importlib.util, json, sys
import mlflow.pyfunc
import pandas as pd

assert importlib.util.find_spec("PKG") is None, "the project package is importable"
mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_registry_uri(sys.argv[1])
model = mlflow.pyfunc.load_model("models:/MODEL@champion")
holdout = pd.read_csv(sys.argv[2])
scored = model.predict(holdout.drop(columns=["target"]))  # raw rows, straight from the CSV
print(json.dumps({
    "columns": list(scored.columns),
    "dtypes": [str(dtype) for dtype in scored.dtypes],
    "scored": json.loads(scored.to_json(orient="split")),
    "inputs": model.metadata.get_input_schema().input_names(),
    "example": model.metadata.saved_input_example_info is not None,
    "project_importable_after_load": importlib.util.find_spec("PKG") is not None,
}))
"""


def _install(uv: str, python: Path, arguments: list[str], cwd: Path) -> None:
    """uv pip install from uv's cache when it has everything, from the index otherwise."""
    command = [uv, "pip", "install", "--quiet", "--python", str(python), *arguments]
    offline = subprocess.run([*command[:3], "--offline", *command[3:]], cwd=cwd, capture_output=True)
    if offline.returncode == 0:
        return
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]


def _venv(uv: str, folder: Path) -> Path:
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(folder)], check=True)
    return folder / "bin" / "python"


def test_the_registered_pyfunc_scores_raw_rows_without_the_project(bake, tmp_path):
    uv = find_uv()
    if uv is None:
        pytest.fail("this test builds two environments with uv (pip install uv)")
    project = bake(2)
    env = {
        **os.environ,
        **TELEMETRY_OFF,
        "UV_PYTHON_DOWNLOADS": "never",
        "DATA_DIR": str(tmp_path / "data"),
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "MLFLOW_ARTIFACT_LOCATION": (tmp_path / "mlartifacts").as_uri(),
    }
    env.pop("MLOPS_ENV", None)

    trainer = _venv(uv, tmp_path / "project-env")
    _install(uv, trainer, ["-r", "requirements.lock", "-e", "."], project)
    done = subprocess.run(
        [str(trainer), "-c", TRAIN.replace("PKG", PACKAGE)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    expected = json.loads((project / "expected.json").read_text(encoding="utf-8"))

    # the scoring environment: MLflow and the model's own requirements, pinned by the project's lock
    artifacts = tmp_path / "mlartifacts"
    declared = next(artifacts.rglob("requirements.txt")).read_text(encoding="utf-8").split()
    wanted = tmp_path / "scoring-requirements.txt"
    model_requirements = [line for line in declared if not line.startswith("mlflow")]
    wanted.write_text("\n".join([*SCORING_PACKAGES, *model_requirements]))
    scorer = _venv(uv, tmp_path / "scoring-env")
    _install(uv, scorer, ["-r", str(wanted), "-c", str(project / "requirements.lock")], project)
    freeze = subprocess.run(
        [uv, "pip", "freeze", "--python", str(scorer)], capture_output=True, text=True, check=True
    ).stdout.lower()
    installed = {line.split("==")[0] for line in freeze.splitlines() if "==" in line}
    assert {"mlflow-skinny", "scikit-learn", "pandas", "skops"} <= installed, installed
    assert not {MODEL, "prefect", "dvc", "pandera"} & installed, installed  # none of the project's stack

    holdout = tmp_path / "data" / "holdout" / "holdout.csv"
    done = subprocess.run(
        [
            str(scorer),
            "-c",
            SCORE.replace("PKG", PACKAGE).replace("MODEL", MODEL),
            env["MLFLOW_TRACKING_URI"],
            str(holdout),
        ],
        cwd=tmp_path,
        env={**env, "VIRTUAL_ENV": str(tmp_path / "scoring-env")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["columns"] == ["label", "probability"] and result["dtypes"] == ["int64", "float64"]
    assert result["scored"]["data"] == expected["data"]  # what the project's own trained model answers
    header = holdout.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert result["inputs"] == [column for column in header if column != "target"]  # the raw measurements
    assert result["example"]
    assert not result["project_importable_after_load"]  # the model brings its own code, not the project
