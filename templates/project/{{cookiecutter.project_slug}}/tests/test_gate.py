"""Model validation: the gate's rule, and a worse model (a dummy classifier) kept out of production."""

from mlflow.tracking import MlflowClient
from sklearn.dummy import DummyClassifier

from {{ cookiecutter.package_name }} import ingest, registry
from {{ cookiecutter.package_name }}.data import TARGET
from {{ cookiecutter.package_name }}.evaluate import evaluate
from {{ cookiecutter.package_name }}.features import build_features
from {{ cookiecutter.package_name }}.score import score
from {{ cookiecutter.package_name }}.train import train
from {{ cookiecutter.package_name }}.validation import shift_report


def test_the_gate_needs_the_threshold_and_the_champion_plus_margin():
    assert registry.decide(0.95, None, threshold=0.9, min_improvement=0.0).promote
    assert not registry.decide(0.85, None, threshold=0.9, min_improvement=0.0).promote
    assert registry.decide(0.95, 0.95, threshold=0.9, min_improvement=0.0).promote
    assert not registry.decide(0.95, 0.96, threshold=0.9, min_improvement=0.0).promote
    assert not registry.decide(0.96, 0.95, threshold=0.9, min_improvement=0.02).promote
    assert "below the threshold" in registry.decide(0.5, 0.9, threshold=0.9, min_improvement=0.0).reason


def _register(settings, model, raw, holdout):
    champion = registry.load_champion(settings)
    metrics = evaluate(model, holdout)
    champion_metric = evaluate(champion.model, holdout)["accuracy"] if champion else None
    decision = registry.decide(metrics["accuracy"], champion_metric, settings.accuracy_threshold,
                               settings.min_improvement)
    lineage = ingest.version(settings)
    return registry.record(settings, model, build_features(raw), metrics, decision, champion, lineage,
                           shift_report(raw, holdout, settings.shift_p_value))


def test_a_dummy_classifier_is_registered_as_challenger_and_the_champion_stays(settings, raw):
    holdout = ingest.load_holdout(settings)
    assert _register(settings, train(raw, settings.seed), raw, holdout) == "1"
    dummy = DummyClassifier(strategy="most_frequent").fit(build_features(raw), raw[TARGET])
    assert _register(settings, dummy, raw, holdout) == "2"

    client = MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.tracking_uri)
    model = client.get_registered_model(settings.model_name)
    aliases = {name: str(version) for name, version in model.aliases.items()}
    assert aliases == {"champion": "1", "challenger": "2"}
    rejected = client.get_run(client.get_model_version(settings.model_name, "2").run_id)
    assert rejected.data.tags["decision"] == "rejected"
    assert rejected.data.tags["previous_champion_version"] == "1"
    assert rejected.data.metrics["holdout_accuracy"] < settings.accuracy_threshold

    scored = score(settings, holdout.drop(columns=[TARGET]))  # batch scoring uses the champion, not the newest
    assert set(scored["model_version"]) == {"1"}
    assert (scored["prediction"] == holdout[TARGET]).mean() >= settings.accuracy_threshold
