from sklearn.dummy import DummyClassifier

from {{ cookiecutter.package_name }} import ingest
from {{ cookiecutter.package_name }}.data import TARGET
from {{ cookiecutter.package_name }}.evaluate import SLICE_NAMES, correct, evaluate
from {{ cookiecutter.package_name }}.features import build_features
from {{ cookiecutter.package_name }}.raw_model import RawModel
from {{ cookiecutter.package_name }}.train import train


def test_the_trained_model_is_good_overall_and_on_every_slice(settings, raw):
    metrics = evaluate(train(raw, settings.seed), ingest.load_holdout(settings))
    assert metrics["accuracy"] >= settings.accuracy_threshold
    assert 0.5 < metrics["f1"] <= 1.0 and 0.5 < metrics["roc_auc"] <= 1.0
    for name in SLICE_NAMES:
        assert metrics[f"accuracy_{name}_tumours"] >= 0.8


def test_a_dummy_model_scores_worse(settings, raw):
    dummy = RawModel(DummyClassifier(strategy="most_frequent").fit(build_features(raw), raw[TARGET]))
    metrics = evaluate(dummy, ingest.load_holdout(settings))
    assert metrics["accuracy"] < settings.accuracy_threshold
    assert metrics["roc_auc"] == 0.5


def test_the_holdout_is_large_enough_for_one_row_to_be_half_a_percent(settings):
    ingest.ingest(settings)
    assert len(ingest.load_holdout(settings)) >= 200  # accuracy moves in steps of 1/200 = 0.005 at most


def test_the_gate_scores_each_holdout_row_and_the_metrics_agree(settings, raw):
    holdout = ingest.load_holdout(settings)
    model = train(raw, settings.seed)
    rows = correct(model, holdout)
    assert rows.dtype == bool and rows.shape == (len(holdout),)
    assert rows.mean() == evaluate(model, holdout)["accuracy"]
    scored = model.predict(holdout.drop(columns=[TARGET]))  # raw rows in: the target is not needed
    assert list(scored.columns) == ["label", "probability"] and scored["label"].dtype == "int64"
    assert (scored["probability"] >= 0.5).all() and (scored["probability"] <= 1).all()
