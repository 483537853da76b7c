"""Drift monitoring: PSI and KS per feature, the verdict, and the retraining trigger."""

import numpy as np
import pandas as pd
import pytest
from level2_helpers import prepared

from {{ cookiecutter.package_name }} import ingest, monitoring, pipeline, prediction_log, registry
from {{ cookiecutter.package_name }}.features import RAW_COLUMNS


def test_psi_is_zero_for_identical_samples_and_large_for_a_shift():
    rng = np.random.default_rng(0)
    reference = rng.normal(0.0, 1.0, 2000)
    assert monitoring.psi(reference, reference) == pytest.approx(0.0, abs=1e-12)
    assert monitoring.psi(reference, rng.normal(0.0, 1.0, 2000)) < 0.05
    assert monitoring.psi(reference, rng.normal(1.5, 1.0, 2000)) > 1.0


def test_psi_handles_a_constant_reference():
    assert monitoring.psi(np.zeros(50), np.zeros(10)) == pytest.approx(0.0, abs=1e-12)
    assert monitoring.psi(np.zeros(50), np.ones(10)) > 1.0


@pytest.fixture
def settings(settings):
    return prepared(settings)


def shifted(frame: pd.DataFrame, columns, factor=1.6) -> pd.DataFrame:
    return frame.assign(**{column: frame[column] * factor for column in columns})


def test_report_flags_only_the_drifted_features(settings):
    reference, recent = pd.read_csv(settings.raw_file), pd.read_csv(settings.holdout_file)
    calm = monitoring.drift_report(reference, recent, settings.drift_threshold)
    assert not calm.detected
    drifted = monitoring.drift_report(reference, shifted(recent, ["mean texture", "worst smoothness"]),
                                      settings.drift_threshold)
    assert drifted.detected
    assert {item.feature for item in drifted.drifted} == {"mean texture", "worst smoothness"}
    assert all(item.ks_p_value < 0.001 for item in drifted.drifted)
    assert "**Drift detected** in 2 of" in drifted.to_markdown()


def test_cli_retrains_only_past_the_threshold_and_on_new_data(settings, monkeypatch, capsys):
    runs = []
    outcome = {"status": "promoted", "version": "2", "reason": "better"}
    monkeypatch.setattr(pipeline, "training_pipeline", lambda **kwargs: runs.append(kwargs) or outcome)
    recent = settings.data_dir / "recent.csv"
    pd.read_csv(settings.holdout_file)[RAW_COLUMNS].to_csv(recent, index=False)
    assert monitoring.main(["--recent", str(recent), "--retrain"]) == 0
    assert runs == [] and "No drift" in capsys.readouterr().out
    shifted(pd.read_csv(recent), ["mean area"]).to_csv(recent, index=False)
    monkeypatch.setattr(registry, "last_trained_data_version", lambda settings: "an older version")
    assert monitoring.main(["--recent", str(recent), "--retrain"]) == 0
    assert runs == [{}] and "running the training pipeline" in capsys.readouterr().out
    outcome["status"] = "rejected"
    assert monitoring.main(["--recent", str(recent), "--retrain"]) == 1  # drift still served: fail loudly
    assert "rejected by the gate" in capsys.readouterr().out


def test_drift_without_new_data_fails_loudly_instead_of_retraining_nothing(settings, monkeypatch, capsys):
    runs = []
    monkeypatch.setattr(pipeline, "training_pipeline", lambda **kwargs: runs.append(kwargs))
    monkeypatch.setattr(registry, "last_trained_data_version", lambda settings: ingest.file_md5(settings.raw_file))
    recent = settings.data_dir / "recent.csv"
    shifted(pd.read_csv(settings.holdout_file)[RAW_COLUMNS], ["mean area"]).to_csv(recent, index=False)
    assert monitoring.main(["--recent", str(recent), "--retrain"]) == 1
    assert runs == [] and "no new labelled data" in capsys.readouterr().out


def test_by_default_the_monitor_reads_the_prediction_log_in_the_artifact_store(settings, monkeypatch, capsys):
    monkeypatch.setattr(pipeline, "training_pipeline", lambda **kwargs: {"status": "promoted", "version": "2"})
    monkeypatch.setattr(registry, "last_trained_data_version", lambda settings: "an older version")
    holdout = pd.read_csv(settings.holdout_file)[RAW_COLUMNS]
    store = prediction_log.ArtifactStore(settings)  # what a serving process writes, in two batches
    store.write(holdout.head(60).assign(model_version="1", request_id="a", label=1, probability=0.9))
    store.write(shifted(holdout.tail(60), ["mean area"]).assign(model_version="2", request_id="b", label=0,
                                                                probability=0.8))
    store.close()
    recent = prediction_log.read(settings, max_rows=1000)
    assert len(recent) == 120 and recent["model_version"].astype(str).tolist()[:60] == ["2"] * 60  # newest first
    assert len(prediction_log.read(settings, max_rows=50)) == 50
    assert monitoring.main(["--retrain"]) == 0
    out = capsys.readouterr().out
    assert "**Drift detected**" in out and "120 recent rows" in out and "running the training pipeline" in out


def test_cli_reports_missing_or_bad_recent_data(settings, capsys):
    assert monitoring.main([]) == 1  # no prediction logged: nothing to compare is a failure, not a silent success
    out = capsys.readouterr().out
    assert "No recent data to monitor" in out and prediction_log.experiment_name(settings) in out
    assert monitoring.main(["--recent", str(settings.data_dir / "nothing.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = settings.data_dir / "bad.csv"
    pd.DataFrame({"mean radius": [1.0]}).to_csv(bad, index=False)
    assert monitoring.main(["--recent", str(bad)]) == 2
    assert "missing raw columns" in capsys.readouterr().err
