"""The Feast feature store: published from data/raw, read back point in time for training, looked up online by id,
always the shared `build_features` values; and the `/predict/by-id` endpoint that serves from it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }} import feature_serving, feature_store, train
from {{ cookiecutter.package_name }}.data import TARGET
from {{ cookiecutter.package_name }}.features import build_features


@pytest.fixture
def published(settings, raw):
    feature_store.publish(settings, raw)
    return feature_store.open_store(settings)


def test_the_source_is_a_history_that_appends_only_new_or_changed_rows(raw):
    first = datetime(2030, 1, 1, tzinfo=timezone.utc)
    before = feature_store.source_frame(raw.head(10), None, first)
    changed = raw.head(12).copy()
    changed.loc[3, "mean radius"] += 1.0
    after = feature_store.source_frame(changed, before, first + timedelta(days=1))
    pd.testing.assert_frame_equal(after.head(10), before)
    assert after[feature_store.ENTITY_KEY].tolist()[10:] == [3, 10, 11]
    assert set(after[feature_store.TIMESTAMP].tail(3)) == {pd.Timestamp(first + timedelta(days=1))}
    latest = after.drop_duplicates(feature_store.ENTITY_KEY, keep="last").sort_values(feature_store.ENTITY_KEY)
    np.testing.assert_array_equal(latest[feature_store.FEATURE_COLUMNS].to_numpy(), build_features(changed).to_numpy())


def test_training_reads_back_exactly_the_shared_features(settings, raw, published):
    training = feature_store.training_frame(settings, raw)
    pd.testing.assert_frame_equal(training[feature_store.FEATURE_COLUMNS], build_features(raw))
    assert training[TARGET].tolist() == raw[TARGET].tolist()


def test_online_features_equal_the_offline_ones(settings, raw, published):
    ids = [0, 7, len(raw) - 1]
    online = feature_store.online_features(published, ids)
    offline = feature_store.training_frame(settings, raw).loc[ids, feature_store.FEATURE_COLUMNS]
    np.testing.assert_array_equal(online.to_numpy(), offline.to_numpy())


def test_historical_reads_are_point_in_time_and_online_serves_the_latest(settings, raw):
    first, second = datetime(2030, 1, 1, tzinfo=timezone.utc), datetime(2030, 2, 1, tzinfo=timezone.utc)
    feature_store.publish(settings, raw, now=first)
    changed = raw.copy()
    changed.loc[3, "mean radius"] += 1.0
    assert feature_store.publish(settings, changed, now=second)["changed"] == 1
    store = feature_store.open_store(settings)
    asked = pd.DataFrame({feature_store.ENTITY_KEY: [3, 3],
                          feature_store.TIMESTAMP: [first + timedelta(days=14), second + timedelta(days=14)]})
    seen = store.get_historical_features(entity_df=asked, features=["tumour_features:mean radius"]).to_df()
    seen = seen.sort_values(feature_store.TIMESTAMP)["mean radius"].tolist()
    assert seen == [raw.loc[3, "mean radius"], changed.loc[3, "mean radius"]]
    assert feature_store.online_features(store, [3])["mean radius"].tolist() == [changed.loc[3, "mean radius"]]


def test_republishing_unchanged_data_changes_nothing(settings, raw, published):
    assert feature_store.publish(settings, raw) == {"rows": len(raw), "changed": 0}


def test_unknown_ids_are_named(raw, published):
    with pytest.raises(feature_store.MissingFeatures, match=f"tumour_id {len(raw) + 5}$"):
        feature_store.online_features(published, [0, len(raw) + 5])


@pytest.fixture
def service(settings, raw, published):
    model = train.fit_features(feature_store.training_frame(settings, raw), settings.seed)
    app = FastAPI()
    app.include_router(feature_serving.router)
    app.state.serving = SimpleNamespace(settings=settings, model=model, version="1", error=None)
    feature_serving._store.cache_clear()
    return TestClient(app), model


def test_predict_by_id_scores_the_stored_features_with_the_champion(raw, service):
    http, model = service
    answer = http.post("/predict/by-id", json={"ids": [2, 5]})
    assert answer.status_code == 200, answer.text
    expected = model.predict(raw.iloc[[2, 5]])["label"].tolist()
    assert [p["label"] for p in answer.json()["predictions"]] == expected
    assert [p["id"] for p in answer.json()["predictions"]] == [2, 5]
    assert answer.json()["version"] == "1"


def test_predict_by_id_refuses_unknown_ids_bad_bodies_and_a_missing_model(raw, service):
    http, _ = service
    assert http.post("/predict/by-id", json={"ids": [len(raw)]}).status_code == 404
    assert http.post("/predict/by-id", json={"ids": []}).status_code == 422
    assert http.post("/predict/by-id", json={"ids": ["one"]}).status_code == 422
    assert http.post("/predict/by-id", json={"ids": [True]}).status_code == 422
    http.app.state.serving.model = None
    assert http.post("/predict/by-id", json={"ids": [0]}).status_code == 503
