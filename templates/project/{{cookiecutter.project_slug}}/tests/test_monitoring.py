"""Drift monitoring: PSI and KS per feature, the verdict, and the retraining trigger."""

import numpy as np
import pandas as pd
import pytest
from level2_helpers import prepared

from {{ cookiecutter.package_name }} import monitoring, pipeline
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


def test_cli_retrains_only_past_the_threshold(settings, monkeypatch, capsys):
    runs = []
    monkeypatch.setattr(pipeline, "training_pipeline", lambda **kwargs: runs.append(kwargs))
    recent = settings.data_dir / "recent.csv"
    pd.read_csv(settings.holdout_file)[RAW_COLUMNS].to_csv(recent, index=False)
    assert monitoring.main(["--recent", str(recent), "--retrain"]) == 0
    assert runs == [] and "No drift" in capsys.readouterr().out
    shifted(pd.read_csv(recent), ["mean area"]).to_csv(recent, index=False)
    assert monitoring.main(["--recent", str(recent), "--retrain"]) == 0
    assert runs == [{}] and "running the training pipeline" in capsys.readouterr().out


def test_cli_reports_missing_or_bad_recent_data(settings, capsys):
    assert monitoring.main([]) == 0  # a fresh deployment: no request logged yet, nothing to compare
    assert "No recent data yet" in capsys.readouterr().out
    assert monitoring.main(["--recent", str(settings.data_dir / "nothing.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = settings.data_dir / "bad.csv"
    pd.DataFrame({"mean radius": [1.0]}).to_csv(bad, index=False)
    assert monitoring.main(["--recent", str(bad)]) == 2
    assert "missing raw columns" in capsys.readouterr().err
