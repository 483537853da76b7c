"""Model validation: the gate's rule on the holdout's evidence, and a worse model (a dummy classifier) kept out of
production."""

import numpy as np
import pytest
from mlflow.tracking import MlflowClient
from sklearn.dummy import DummyClassifier

from {{ cookiecutter.package_name }} import evidence, ingest, registry
from {{ cookiecutter.package_name }}.data import TARGET
from {{ cookiecutter.package_name }}.evaluate import correct, evaluate
from {{ cookiecutter.package_name }}.features import build_features
from {{ cookiecutter.package_name }}.raw_model import RawModel
from {{ cookiecutter.package_name }}.score import score
from {{ cookiecutter.package_name }}.train import train
from {{ cookiecutter.package_name }}.validation import shift_report

ROWS = 200


def _rows(wrong: int, first_wrong: int = 0) -> np.ndarray:
    """ROWS booleans, `correct` except for `wrong` rows starting at `first_wrong`."""
    rows = np.ones(ROWS, dtype=bool)
    rows[first_wrong:first_wrong + wrong] = False
    return rows


def _decide(candidate, champion, threshold=0.9, min_improvement=0.0):
    return registry.decide(candidate, champion, threshold, min_improvement, seed=42)


def test_without_a_champion_the_threshold_decides_and_the_interval_is_reported():
    passed = _decide(_rows(wrong=10), None)  # accuracy 0.95
    assert passed.promote and passed.rows == ROWS and passed.paired is None
    assert passed.candidate == 0.95 and passed.candidate_interval.low < 0.95 < passed.candidate_interval.high
    assert "on 200 holdout rows" in passed.reason and "no champion yet" in passed.reason
    failed = _decide(_rows(wrong=30), None)  # accuracy 0.85
    assert not failed.promote and "below the threshold" in failed.reason


def test_the_candidate_must_be_shown_better_on_the_same_rows():
    champion = _rows(wrong=12)  # 0.94
    assert _decide(champion.copy(), champion).promote  # the same predictions: the difference is exactly 0
    # fixes 8 of the champion's mistakes and makes none: shown better
    better = _decide(_rows(wrong=4), champion)
    assert better.promote and better.paired.interval.low >= 0
    assert (better.paired.candidate_only, better.paired.champion_only) == (8, 0) and better.paired.mcnemar_p < 0.01
    # one more row right overall, but by swapping mistakes (fixes 3, breaks 2): not shown better
    swapped = _decide(_rows(wrong=11, first_wrong=3), champion)
    assert swapped.candidate > swapped.champion and not swapped.promote
    assert swapped.paired.interval.low < 0 < swapped.paired.interval.high and "not shown better" in swapped.reason
    # worse: rejected
    assert not _decide(_rows(wrong=20), champion).promote


def test_a_margin_needs_its_lower_bound_and_the_decision_is_seeded():
    champion = _rows(wrong=12)
    candidate = _rows(wrong=4)  # +0.04; its paired interval's lower end is about +0.015
    assert _decide(candidate, champion, min_improvement=0.01).promote
    assert not _decide(candidate, champion, min_improvement=0.03).promote
    assert _decide(candidate, champion) == _decide(candidate, champion)  # same seed, same interval


def test_a_margin_below_one_holdout_row_is_refused():
    with pytest.raises(evidence.UnresolvableMargin, match=r"below one holdout row.*1/200 = 0\.0050"):
        _decide(_rows(wrong=4), _rows(wrong=12), min_improvement=0.004)
    evidence.check_margin(0.005, 200)  # exactly one row
    evidence.check_margin(0.0, 143)  # "at least as good": always resolvable
    with pytest.raises(evidence.UnresolvableMargin, match="1/143"):
        evidence.check_margin(0.005, 143)  # the old 143-row holdout could not show prod's margin


def test_the_paired_interval_resamples_rows_together():
    candidate, champion = _rows(wrong=4), _rows(wrong=12)
    paired = evidence.paired(candidate, champion, seed=1)
    assert paired.difference == pytest.approx(0.04)
    assert 0 < paired.interval.low < 0.04 < paired.interval.high <= 0.08
    with pytest.raises(ValueError, match="same rows"):
        evidence.paired(candidate, champion[:-1], seed=1)


def _register(settings, model, raw, holdout):
    champion = registry.load_champion(settings)
    metrics = evaluate(model, holdout)
    decision = registry.decide(correct(model, holdout), correct(champion.model, holdout) if champion else None,
                               settings.accuracy_threshold, settings.min_improvement, settings.seed)
    lineage = ingest.version(settings)
    return registry.record(settings, model, raw, metrics, decision, champion, lineage,
                           shift_report(raw, holdout, settings.shift_p_value))


def test_a_dummy_classifier_is_registered_as_challenger_and_the_champion_stays(settings, raw, tmp_path):
    holdout = ingest.load_holdout(settings)
    assert _register(settings, train(raw, settings.seed), raw, holdout) == "1"
    dummy = RawModel(DummyClassifier(strategy="most_frequent").fit(build_features(raw), raw[TARGET]))
    assert _register(settings, dummy, raw, holdout) == "2"

    client = MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.tracking_uri)
    model = client.get_registered_model(settings.model_name)
    aliases = {name: str(version) for name, version in model.aliases.items()}
    assert aliases == {"champion": "1", "challenger": "2"}
    rejected = client.get_run(client.get_model_version(settings.model_name, "2").run_id)
    assert rejected.data.tags["decision"] == "rejected"
    assert rejected.data.tags["previous_champion_version"] == "1"
    assert rejected.data.metrics["holdout_accuracy"] < settings.accuracy_threshold
    assert rejected.data.metrics["gate_holdout_rows"] == len(holdout)
    assert rejected.data.metrics["gate_difference_high"] < 0  # clearly worse than the champion
    card = client.download_artifacts(rejected.info.run_id, "model_card.md", str(tmp_path))
    text = open(card, encoding="utf-8").read()
    assert f"n = {len(holdout)} rows" in text and "Paired on the same rows" in text
    assert "**Decision: rejected.**" in text

    scored = score(settings, holdout.drop(columns=[TARGET]))  # batch scoring uses the champion, not the newest
    assert set(scored["model_version"]) == {"1"}
    assert (scored["prediction"] == holdout[TARGET]).mean() >= settings.accuracy_threshold
    assert ((scored["probability"] >= 0.5) & (scored["probability"] <= 1)).all()  # the predicted class's
    with pytest.raises(ValueError, match="missing raw columns: mean radius"):
        score(settings, holdout.drop(columns=["mean radius"]))


def test_the_pipeline_refuses_an_unresolvable_margin_before_training(settings, raw, monkeypatch, capsys):
    from {{ cookiecutter.package_name }} import __main__ as cli

    monkeypatch.setenv("MIN_IMPROVEMENT", "0.001")
    assert cli.main(["pipeline", "--force"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("pipeline: error: min_improvement (MIN_IMPROVEMENT) 0.001 is below one holdout row")
    assert error.count("\n") == 1  # one line, no traceback
    assert registry.load_champion(settings) is None  # nothing trained, nothing registered
