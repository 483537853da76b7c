"""ML tests of the model and the pipeline's steps: convergence, overfitting a tiny sample, no NaN,
the artifacts each step produces, and the steps integrated end to end into a temporary registry."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss

from {{ cookiecutter.package_name }} import evaluate, ingest, registry, train, validation
from {{ cookiecutter.package_name }}.data import TARGET
from {{ cookiecutter.package_name }}.features import build_features
from {{ cookiecutter.package_name }}.model import build_model


@pytest.fixture
def raw(settings):
    ingest.ingest(settings)
    return ingest.load_raw(settings)


def test_training_converges_and_the_loss_goes_down(raw, settings):
    features, target = build_features(raw), raw[TARGET]
    losses = []
    for iterations in (1, 3, 10, 100):
        model = build_model(random_state=settings.seed).set_params(classify__max_iter=iterations)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # expected for the tiny budgets
            model.fit(features, target)
        losses.append(log_loss(target, model.predict_proba(features)))
    assert losses == sorted(losses, reverse=True) and losses[-1] < losses[0] / 2, losses
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # the real training run must converge
        fitted = train.train(raw, settings.seed).pipeline
    assert fitted[-1].n_iter_[0] < fitted[-1].max_iter


def test_the_model_can_overfit_a_tiny_sample(raw, settings):
    tiny = raw.groupby(TARGET).head(10)
    model = build_model(C=1e4, random_state=settings.seed).fit(build_features(tiny), tiny[TARGET])
    assert (model.predict(build_features(tiny)) == tiny[TARGET]).all()


def test_no_nan_anywhere_from_features_to_probabilities(raw, settings):
    features = build_features(raw)
    assert np.isfinite(features.to_numpy()).all()
    model = train.train(raw, settings.seed)
    probabilities = model.pipeline.predict_proba(features)
    assert np.isfinite(probabilities).all()
    assert np.allclose(probabilities.sum(axis=1), 1.0) and ((probabilities >= 0) & (probabilities <= 1)).all()
    metrics = evaluate.evaluate(model, ingest.load_holdout(settings))
    assert all(np.isfinite(value) for value in metrics.values()), metrics


def test_each_step_produces_its_artifacts_and_the_steps_integrate(raw, settings, tmp_path):
    # ingest: the raw data and the frozen holdout, versioned by content
    assert settings.raw_file.stat().st_size > 0 and settings.holdout_file.stat().st_size > 0
    versions = ingest.version(settings)
    assert versions["data_version"] == ingest.file_md5(settings.raw_file)
    # validate -> train -> evaluate
    holdout = validation.validate(ingest.load_holdout(settings))
    model = train.train(validation.validate(raw), settings.seed)
    metrics = evaluate.evaluate(model, holdout)
    assert {"accuracy", "f1", "roc_auc"} <= set(metrics) and metrics["accuracy"] >= settings.accuracy_threshold
    # gate -> register: a run with its lineage, a model version with its files
    decision = registry.decide(evaluate.correct(model, holdout), None, settings.accuracy_threshold,
                               settings.min_improvement, settings.seed)
    shift = validation.shift_report(raw, holdout, settings.shift_p_value)
    version = registry.record(settings, model, raw, metrics, decision, None, versions, shift)
    client = MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.tracking_uri)
    model_version = client.get_model_version(settings.model_name, version)
    run = client.get_run(model_version.run_id)
    assert run.data.tags["data_version"] == versions["data_version"]
    assert run.data.metrics["holdout_accuracy"] == pytest.approx(metrics["accuracy"])
    files = {item.path for item in client.list_artifacts(run.info.run_id)}
    assert {"data_shift_report.json", "model_card.md"} <= files
    report = json.loads(Path(client.download_artifacts(run.info.run_id, "data_shift_report.json", str(tmp_path)))
                        .read_text(encoding="utf-8"))
    assert set(report["features"]) == set(raw.columns.drop(TARGET))
    # the registered champion, loaded as MLflow's pyfunc, scores raw rows exactly like the model the steps trained
    champion = registry.load_champion(settings)
    assert str(champion.version) == version
    raw_rows = holdout.drop(columns=[TARGET])
    pd.testing.assert_frame_equal(champion.model.predict(raw_rows), model.predict(raw_rows))
    signature = champion.model.metadata.get_input_schema()
    assert signature.input_names() == list(raw_rows.columns)  # the raw measurements, not the engineered features
    assert champion.model.metadata.saved_input_example_info is not None
