"""The service follows `@champion`: a moved alias is served without a restart; a failed reload keeps the old model."""

import dataclasses
from types import SimpleNamespace

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from level2_helpers import gate_and_register, prepared
from sklearn.dummy import DummyClassifier

from {{ cookiecutter.package_name }} import champion_watch, config, registry, rollback, serve
from {{ cookiecutter.package_name }}.features import RAW_COLUMNS


@pytest.fixture
def settings(settings, monkeypatch):
    """Isolated settings, a bar low enough for a weak first champion, and no polling thread (tests poll by hand)."""
    monkeypatch.setenv("CHAMPION_POLL_SECONDS", "0")
    monkeypatch.setenv("ACCURACY_THRESHOLD", "0.5")
    return dataclasses.replace(prepared(settings), accuracy_threshold=0.5)


def weak_then_strong(settings) -> tuple[str, str]:
    """Version 1, a most-frequent-class guess, then version 2, the real model: champion 2, previous-champion 1."""
    weak, _ = gate_and_register(settings, DummyClassifier(strategy="most_frequent"))
    strong, decision = gate_and_register(settings)
    assert decision.promote and strong != weak
    return weak, strong


def served_version(client: TestClient) -> str:
    return client.get("/health").json()["version"]


def test_a_moved_champion_is_served_without_a_restart(settings):
    first, second = weak_then_strong(settings)
    with TestClient(serve.app) as client:
        watch = champion_watch.ChampionWatch(serve.app, settings, interval=0, load=serve.load_serving)
        assert served_version(client) == second and not watch.check()  # unchanged: nothing reloaded
        rollback.rollback(settings)
        assert watch.check() and served_version(client) == first
        rows = pd.read_csv(settings.holdout_file).head(2)[RAW_COLUMNS].to_dict(orient="records")
        assert client.post("/predict", json={"rows": rows}).json()["version"] == first


def test_a_failed_reload_keeps_serving_the_loaded_model(settings, monkeypatch):
    first, second = weak_then_strong(settings)
    with TestClient(serve.app) as client:
        watch = champion_watch.ChampionWatch(serve.app, settings, interval=0, load=serve.load_serving)
        rollback.rollback(settings)

        def broken(_settings):
            raise OSError("artifact store unreachable")

        monkeypatch.setattr(registry, "load_champion", broken)
        assert not watch.check()
        assert served_version(client) == second and "artifact store unreachable" in watch.reload_error


def test_polling_thread_reloads_by_itself_and_stops(settings):
    first, second = weak_then_strong(settings)
    app = SimpleNamespace(state=SimpleNamespace(serving=SimpleNamespace(version=second)))
    rollback.rollback(settings)
    watch = champion_watch.start(app, dataclasses.replace(settings, champion_poll_seconds=0.05), serve.load_serving)
    try:
        for _ in range(200):
            if app.state.serving.version == first:
                break
            watch._stopped.wait(0.05)
        assert app.state.serving.version == first
    finally:
        watch.stop()
    assert not watch._thread.is_alive()


def test_zero_turns_polling_off(settings):
    watch = champion_watch.start(SimpleNamespace(), config.load(), serve.load_serving)
    assert not watch._thread.is_alive()
    watch.stop()
