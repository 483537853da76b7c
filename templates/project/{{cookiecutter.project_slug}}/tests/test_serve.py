"""Contract tests of the prediction service, with FastAPI's test client against a temporary registry."""

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from level2_helpers import gate_and_register, prepared

from {{ cookiecutter.package_name }} import serve
from {{ cookiecutter.package_name }}.features import RAW_COLUMNS


@pytest.fixture
def settings(settings):
    return prepared(settings)


def raw_rows(settings, count=3):
    return pd.read_csv(settings.holdout_file).head(count)[RAW_COLUMNS].to_dict(orient="records")


def test_health_and_predict_answer_with_the_champion(settings):
    version, decision = gate_and_register(settings)
    assert decision.promote
    with TestClient(serve.app) as client:
        health = client.get("/health")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "model": settings.model_name, "version": version}
        response = client.post("/predict", json={"rows": raw_rows(settings)})
    assert response.status_code == 200
    body = response.json()
    assert (body["model"], body["version"]) == (settings.model_name, version)
    assert len(body["predictions"]) == 3
    for prediction in body["predictions"]:
        assert prediction["label"] in (0, 1)
        assert prediction["name"] in ("malignant", "benign")
        assert 0.5 <= prediction["probability"] <= 1.0


def test_requests_are_logged_for_drift_monitoring(settings):
    gate_and_register(settings)
    with TestClient(serve.app) as client:
        client.post("/predict", json={"rows": raw_rows(settings, 2)})
        client.post("/predict", json={"rows": raw_rows(settings, 3)})
    logged = pd.read_csv(settings.request_log)
    assert list(logged.columns) == RAW_COLUMNS
    assert len(logged) == 5


def test_bad_rows_are_rejected_with_422(settings):
    gate_and_register(settings)
    row = raw_rows(settings, 1)[0]
    with TestClient(serve.app) as client:
        missing = client.post("/predict", json={"rows": [{"mean radius": 14.0}]})
        unknown = client.post("/predict", json={"rows": [row | {"shoe size": 42.0}]})
        empty = client.post("/predict", json={"rows": []})
        not_numbers = client.post("/predict", json={"rows": [row | {"mean radius": "big"}]})
    assert missing.status_code == 422 and "missing raw columns" in missing.json()["detail"]
    assert unknown.status_code == 422 and "shoe size" in unknown.json()["detail"]
    assert empty.status_code == 422
    assert not_numbers.status_code == 422


def test_without_a_champion_the_service_says_so_with_503(settings):
    with TestClient(serve.app) as client:
        health = client.get("/health")
        predict = client.post("/predict", json={"rows": raw_rows(settings, 1)})
    assert health.status_code == 503 and "no champion" in health.json()["detail"]
    assert predict.status_code == 503



def sample(text: str, name: str) -> float:
    """The value of one Prometheus sample in the /metrics text (0 before it is first counted)."""
    line = next((line for line in text.splitlines() if line.startswith(name + " ")), name + " 0")
    return float(line.rsplit(" ", 1)[1])


def test_metrics_count_predictions_refusals_and_latency(settings):
    gate_and_register(settings)
    names = ['predictions_total{name="malignant"}', 'predictions_total{name="benign"}',
             'rejected_requests_total{status="422"}', "predict_latency_seconds_count"]
    with TestClient(serve.app) as client:
        before = client.get("/metrics/").text
        client.post("/predict", json={"rows": raw_rows(settings, 4)})
        client.post("/predict", json={"rows": [{"mean radius": 14.0}]})
        after = client.get("/metrics/").text
    malignant, benign, refused, timed = (sample(after, name) - sample(before, name) for name in names)
    assert (malignant + benign, refused, timed) == (4, 1, 1)
