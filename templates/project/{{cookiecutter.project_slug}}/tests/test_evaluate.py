from sklearn.dummy import DummyClassifier

from {{ cookiecutter.package_name }} import ingest
from {{ cookiecutter.package_name }}.data import TARGET
from {{ cookiecutter.package_name }}.evaluate import SLICE_NAMES, evaluate
from {{ cookiecutter.package_name }}.features import build_features
from {{ cookiecutter.package_name }}.train import train


def test_the_trained_model_is_good_overall_and_on_every_slice(settings, raw):
    metrics = evaluate(train(raw, settings.seed), ingest.load_holdout(settings))
    assert metrics["accuracy"] >= settings.accuracy_threshold
    assert 0.5 < metrics["f1"] <= 1.0 and 0.5 < metrics["roc_auc"] <= 1.0
    for name in SLICE_NAMES:
        assert metrics[f"accuracy_{name}_tumours"] >= 0.8


def test_a_dummy_model_scores_worse(settings, raw):
    dummy = DummyClassifier(strategy="most_frequent").fit(build_features(raw), raw[TARGET])
    metrics = evaluate(dummy, ingest.load_holdout(settings))
    assert metrics["accuracy"] < settings.accuracy_threshold
    assert metrics["roc_auc"] == 0.5
