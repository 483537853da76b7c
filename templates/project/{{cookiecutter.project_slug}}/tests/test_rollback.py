"""Rollback: the previous champion kept by the gate becomes the champion again."""

import dataclasses

import pytest
from level2_helpers import gate_and_register, prepared
from sklearn.dummy import DummyClassifier

from {{ cookiecutter.package_name }} import registry, rollback


@pytest.fixture
def settings(settings):
    """The conftest's isolated settings, with a threshold low enough for a weak first champion."""
    return dataclasses.replace(prepared(settings), accuracy_threshold=0.5)


def aliases(settings):
    model = registry.client(settings).get_registered_model(settings.model_name)
    return {alias: str(version) for alias, version in model.aliases.items()}


def test_rollback_restores_the_previous_champion(settings):
    weak, _ = gate_and_register(settings, DummyClassifier(strategy="most_frequent"))
    strong, decision = gate_and_register(settings)
    assert decision.promote
    assert aliases(settings) == {"champion": strong, "previous-champion": weak}

    result = rollback.rollback(settings)

    assert (result.restored, result.demoted) == (weak, strong)
    assert aliases(settings) == {"champion": weak, "rolled-back": strong}
    client = registry.client(settings)
    assert client.get_model_version(settings.model_name, weak).tags["rollback"].startswith("restored by rollback")
    with pytest.raises(LookupError, match="no 'previous-champion'"):
        rollback.rollback(settings)  # one step back only, until the next promotion


def test_rollback_without_a_previous_champion_fails_cleanly(settings, capsys):
    gate_and_register(settings)
    assert rollback.main() == 1  # main() reads the same isolated settings from the environment
    assert "no 'previous-champion' version" in capsys.readouterr().err
