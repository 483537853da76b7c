"""Registry errors are errors: only MLflow's "not found" means "no champion yet"; the gate's promotion is a
check-and-set on the champion alias."""

import pytest
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import TEMPORARILY_UNAVAILABLE
from sklearn.dummy import DummyClassifier

from {{ cookiecutter.package_name }} import __main__ as cli
from {{ cookiecutter.package_name }} import ingest, registry
from {{ cookiecutter.package_name }}.data import TARGET
from {{ cookiecutter.package_name }}.evaluate import correct, evaluate
from {{ cookiecutter.package_name }}.features import build_features
from {{ cookiecutter.package_name }}.raw_model import RawModel
from {{ cookiecutter.package_name }}.train import train
from {{ cookiecutter.package_name }}.validation import shift_report


def _gate_and_record(settings, raw, model, champion):
    """The gate and the register step, with the champion the gate read passed in (it may be stale)."""
    holdout = ingest.load_holdout(settings)
    metrics = evaluate(model, holdout)
    decision = registry.decide(correct(model, holdout), None, 0.5, settings.min_improvement, settings.seed)
    return registry.record(settings, model, raw, metrics, decision, champion,
                           ingest.version(settings), shift_report(raw, holdout, settings.shift_p_value))


def test_no_model_and_no_alias_mean_no_champion(settings, raw):
    assert registry.load_champion(settings) is None  # no registered model at all
    dummy = RawModel(DummyClassifier(strategy="most_frequent").fit(build_features(raw), raw[TARGET]))
    _gate_and_record(settings, raw, dummy, None)
    client = registry.client(settings)
    assert registry.alias_version(client, settings.model_name, "no-such-alias") is None  # model, no alias
    assert str(registry.alias_version(client, settings.model_name, registry.CHAMPION).version) == "1"


def test_any_other_registry_error_fails_instead_of_meaning_no_champion(settings, monkeypatch):
    def unavailable(self, name, alias):
        raise MlflowException("503 Service Unavailable", error_code=TEMPORARILY_UNAVAILABLE)

    monkeypatch.setattr(registry.MlflowClient, "get_model_version_by_alias", unavailable)
    with pytest.raises(MlflowException, match="503"):
        registry.load_champion(settings)


def test_status_exits_non_zero_on_a_corrupted_tracking_database(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not an SQLite database\n" * 64)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{broken}")
    assert cli.main(["status"]) == 1
    assert "error: the model registry failed" in capsys.readouterr().err


def test_promotion_is_refused_when_the_champion_moved_after_the_gate_read_it(settings, raw):
    model = train(raw, settings.seed)
    assert _gate_and_record(settings, raw, model, None) == "1"  # champion 1
    with pytest.raises(registry.ChampionChanged, match="version 1 now"):
        _gate_and_record(settings, raw, model, None)  # the gate read "no champion": stale by now
    client = registry.client(settings)
    assert str(registry.alias_version(client, settings.model_name, registry.CHAMPION).version) == "1"
    assert client.get_model_version(settings.model_name, "2").tags["decision"] == "refused"
