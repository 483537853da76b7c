"""The CD evaluation step: the newest candidate against the production champion, as the gate decided."""

import dataclasses

import pytest
from level2_helpers import gate_and_register, prepared
from sklearn.dummy import DummyClassifier

from {{ cookiecutter.package_name }} import promotion, registry


@pytest.fixture
def settings(settings):
    return prepared(settings)


def test_a_promoted_candidate_passes_and_a_rejected_one_stops_cd(settings, capsys):
    gate_and_register(settings)
    assert promotion.main([]) == 0
    first = capsys.readouterr().out
    assert "**Decision: promoted.**" in first and "Holdout: 200 rows" in first and "Paired" not in first

    gate_and_register(settings, DummyClassifier(strategy="most_frequent"))
    result = promotion.evaluation(settings)
    assert (result.candidate, result.champion, result.decision) == ("2", "1", "rejected")
    assert result.candidate_metric < result.champion_metric
    assert promotion.main([]) == 1
    second = capsys.readouterr().out
    assert "**Decision: rejected.**" in second and "Paired with the champion: difference -" in second
    assert "McNemar p = " in second
    assert promotion.main(["--report-only"]) == 0


def test_nothing_registered_is_an_error(settings, capsys):
    assert promotion.main([]) == 1
    assert "no version of model" in capsys.readouterr().err


def _aliases(settings):
    model = registry.client(settings).get_registered_model(settings.model_name)
    return {alias: str(version) for alias, version in model.aliases.items()}


def test_staging_writes_a_candidate_and_only_promote_moves_the_champion(settings, capsys):
    staging = dataclasses.replace(settings, promotion="candidate", accuracy_threshold=0.5)
    gate_and_register(staging, DummyClassifier(strategy="most_frequent"))
    assert _aliases(staging) == {"candidate": "1"}  # serving's @champion is untouched by staging
    assert registry.promote(staging) == ("1", None)
    assert _aliases(staging) == {"champion": "1"}

    version, decision = gate_and_register(staging)
    assert decision.promote and _aliases(staging) == {"champion": "1", "candidate": version}
    assert "Staged as `@candidate`" in promotion.evaluation(staging).to_markdown()
    assert registry.promote(staging) == (version, "1")
    assert _aliases(staging) == {"champion": version, "previous-champion": "1"}
    with pytest.raises(LookupError, match="no 'candidate' version"):
        registry.promote(staging)


def test_promote_refuses_when_the_champion_moved_since_the_gate(settings):
    staging = dataclasses.replace(settings, promotion="candidate", accuracy_threshold=0.5)
    gate_and_register(staging, DummyClassifier(strategy="most_frequent"))  # candidate 1, gated against none
    gate_and_register(settings)  # meanwhile a direct promotion: champion 2
    with pytest.raises(registry.ChampionChanged, match="version 2 now"):
        registry.promote(staging)
    assert _aliases(staging)["champion"] == "2"
