"""The CD evaluation step: the newest candidate against the production champion, as the gate decided."""

import pytest
from level2_helpers import gate_and_register, prepared
from sklearn.dummy import DummyClassifier

from {{ cookiecutter.package_name }} import promotion


@pytest.fixture
def settings(settings):
    return prepared(settings)


def test_a_promoted_candidate_passes_and_a_rejected_one_stops_cd(settings, capsys):
    gate_and_register(settings)
    assert promotion.main([]) == 0
    assert "**Decision: promoted.**" in capsys.readouterr().out

    gate_and_register(settings, DummyClassifier(strategy="most_frequent"))
    result = promotion.evaluation(settings)
    assert (result.candidate, result.champion, result.decision) == ("2", "1", "rejected")
    assert result.candidate_metric < result.champion_metric
    assert promotion.main([]) == 1
    assert "**Decision: rejected.**" in capsys.readouterr().out
    assert promotion.main(["--report-only"]) == 0


def test_nothing_registered_is_an_error(settings, capsys):
    assert promotion.main([]) == 1
    assert "no version of model" in capsys.readouterr().err
