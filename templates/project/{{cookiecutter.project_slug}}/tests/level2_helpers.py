"""Helpers for the Level 2 tests: a ready registry, and one pass of the training pipeline through its plain step
functions (the same ones the Prefect flow wraps), without an orchestrator, to let the gate decide."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from mlflow.tracking import MlflowClient

from {{ cookiecutter.package_name }} import config, evaluate, ingest, registry, train, validation
from {{ cookiecutter.package_name }}.features import build_features
from {{ cookiecutter.package_name }}.raw_model import RawModel


@cache
def _migrated_database() -> Path:
    """An empty MLflow database with its schema created, once per test session (creating one takes seconds)."""
    folder = Path(tempfile.mkdtemp(prefix="mlflow-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    MlflowClient(tracking_uri=f"sqlite:///{folder / 'mlflow.db'}").search_experiments()
    return folder / "mlflow.db"


def prepared(settings: config.Settings) -> config.Settings:
    """Write the data and give the settings' SQLite store a ready schema (a copy of the session's migrated one)."""
    ingest.ingest(settings)
    database = Path(settings.tracking_uri.removeprefix("sqlite:///"))
    if settings.tracking_uri.startswith("sqlite:///") and not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_migrated_database(), database)
    return settings


def gate_and_register(settings: config.Settings, model=None) -> tuple[str, registry.Decision]:
    """Train (or fit the scikit-learn `model`), evaluate on the frozen holdout, gate against the champion, register."""
    prepared(settings)
    raw = validation.validate(ingest.load_raw(settings))
    holdout = validation.validate(ingest.load_holdout(settings))
    if model is None:
        model = train.train(raw, settings.seed)
    else:
        model = RawModel(model.fit(build_features(raw), raw["target"]))
    metrics = evaluate.evaluate(model, holdout)
    champion = registry.load_champion(settings)
    decision = registry.decide(evaluate.correct(model, holdout),
                               evaluate.correct(champion.model, holdout) if champion else None,
                               settings.accuracy_threshold, settings.min_improvement, settings.seed)
    shift = validation.shift_report(raw, holdout, settings.shift_p_value)
    lineage = {"data_version": ingest.file_md5(settings.raw_file),
               "holdout_version": ingest.file_md5(settings.holdout_file)}
    version = registry.record(settings, model, raw, metrics, decision, champion, lineage, shift)
    return version, decision
