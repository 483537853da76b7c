"""Contract tests of the prediction service, with FastAPI's test client against a temporary registry: what it
answers, what it refuses (and counts, by reason), what it logs, and the README's example against the real server."""

import json
import logging
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import uvicorn
from fastapi.testclient import TestClient
from level2_helpers import gate_and_register, prepared
from prometheus_client import generate_latest
from sklearn.model_selection import train_test_split

from {{ cookiecutter.package_name }} import prediction_log, registry, serve, validation
from {{ cookiecutter.package_name }}.data import TARGET, load_dataset
from {{ cookiecutter.package_name }}.features import RAW_COLUMNS
from {{ cookiecutter.package_name }}.ingest import HOLDOUT_FRACTION

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture
def settings(settings):
    return prepared(settings)


@pytest.fixture
def champion(settings):
    """The registered champion's version (trained, gated and registered once for the test)."""
    version, decision = gate_and_register(settings)
    assert decision.promote
    return version


def raw_rows(settings, count=3):
    return pd.read_csv(settings.holdout_file).head(count)[RAW_COLUMNS].to_dict(orient="records")


def sample(text: str, name: str) -> float:
    """The value of one Prometheus sample in the /metrics text (0 before it is first counted)."""
    line = next((line for line in text.splitlines() if line.startswith(name + " ")), name + " 0")
    return float(line.rsplit(" ", 1)[1])


def rejected(text: str) -> dict[str, float]:
    """rejected_requests_total by reason."""
    found = re.findall(r'^rejected_requests_total\{reason="([a-z_]+)"\} (\S+)$', text, re.M)
    return {reason: float(value) for reason, value in found}


def test_health_and_predict_answer_with_the_champion(settings, champion):
    with TestClient(serve.app) as client:
        health = client.get("/health")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "model": settings.model_name, "version": champion}
        response = client.post("/predict", json={"rows": raw_rows(settings)})
    assert response.status_code == 200
    body = response.json()
    assert (body["model"], body["version"]) == (settings.model_name, champion)
    assert len(body["predictions"]) == 3
    for prediction in body["predictions"]:
        assert prediction["label"] in (0, 1)
        assert prediction["name"] == ("malignant", "benign")[prediction["label"]]
        assert 0.5 <= prediction["probability"] <= 1.0


def test_the_champion_scores_raw_rows_through_its_contract(settings, champion):
    model = registry.load_champion(settings).model
    raw = pd.read_csv(settings.holdout_file).head(7)[RAW_COLUMNS]
    scored = model.predict(raw)
    assert list(scored.columns) == ["label", "probability"] and len(scored) == 7
    assert scored["label"].isin([0, 1]).all() and scored["probability"].between(0.5, 1.0).all()


def test_request_ids_are_echoed_or_generated(settings, champion):
    with TestClient(serve.app) as client:
        given = client.post("/predict", json={"rows": raw_rows(settings, 1)}, headers={"X-Request-ID": "abc-123"})
        generated = client.post("/predict", json={"rows": raw_rows(settings, 1)})
        refused = client.post("/predict", json={"rows": []}, headers={"X-Request-ID": "bad id\nforged log line"})
    assert given.headers["X-Request-ID"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["X-Request-ID"])
    assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["X-Request-ID"])  # an unsafe id is replaced, not echoed


def test_accepted_rows_go_to_the_artifact_store_with_model_version_and_request_id(settings, champion):
    with TestClient(serve.app) as client:
        client.post("/predict", json={"rows": raw_rows(settings, 2)}, headers={"X-Request-ID": "first"})
        client.post("/predict", json={"rows": raw_rows(settings, 3)}, headers={"X-Request-ID": "second"})
        client.post("/predict", json={"rows": [raw_rows(settings, 1)[0] | {"mean radius": -1000.0}]})
    # uploaded in one batch when the service stopped: not one upload per request, and no refused row
    logged = prediction_log.read(settings, max_rows=100)
    assert len(logged) == 5
    assert list(logged.columns[:len(RAW_COLUMNS)]) == RAW_COLUMNS
    assert set(logged["model_version"].astype(str)) == {champion}
    assert logged["request_id"].tolist().count("first") == 2 and logged["request_id"].tolist().count("second") == 3
    assert logged["label"].isin([0, 1]).all() and logged["probability"].between(0.5, 1.0).all()
    runs = registry.client(settings).search_runs(
        [registry.client(settings).get_experiment_by_name(prediction_log.experiment_name(settings)).experiment_id])
    assert len(runs) == 1 and len(registry.client(settings).list_artifacts(runs[0].info.run_id, "predictions")) == 1


def test_the_prediction_log_uploads_in_batches_from_a_background_thread(settings, monkeypatch):
    class Recording:
        def __init__(self):
            self.batches, self.closed = [], False

        def write(self, frame):
            self.batches.append(len(frame))

        def close(self):
            self.closed = True

    store = Recording()
    log = prediction_log.PredictionLog(store, batch_rows=4, flush_seconds=3600).start()
    row = pd.DataFrame(raw_rows(settings, 1))
    for _ in range(3):
        log.append(row)
    assert store.batches == []  # below the batch size and before the interval: nothing uploaded yet
    log.append(row)  # the fourth row fills a batch: the thread uploads it
    for _ in range(100):
        if store.batches:
            break
        time.sleep(0.02)
    assert store.batches == [4]
    log.append(row)
    log.close()
    assert store.batches == [4, 1] and store.closed


def test_a_failing_store_keeps_rows_within_a_cap_and_counts_the_dropped(settings):
    class Down:
        def write(self, frame):
            raise ConnectionError("store unreachable")

        def close(self):
            pass

    counted = {}

    def count(outcome, rows):
        counted[outcome] = counted.get(outcome, 0) + rows

    log = prediction_log.PredictionLog(Down(), batch_rows=1, flush_seconds=3600, on_rows=count)
    row = pd.DataFrame(raw_rows(settings, 1))
    for _ in range(prediction_log.MAX_PENDING_BATCHES + 5):
        log.append(row)
        log.flush()
    assert counted == {"dropped": 5}
    log.close()
    assert counted == {"dropped": prediction_log.MAX_PENDING_BATCHES + 5}


ROW_CASES = {
    # name: (what replaces the first row's "mean radius", expected reason)
    "negative": (-1000.0, "out_of_range"),
    "huge": (1e300, "out_of_range"),
    "boolean": (True, "schema"),
    "string": ("big", "schema"),
    "null": (None, "schema"),
}


@pytest.mark.parametrize("case", sorted(ROW_CASES))
def test_impossible_values_are_refused_naming_the_column(settings, champion, case):
    value, reason = ROW_CASES[case]
    rows = raw_rows(settings, 2)
    rows[1]["mean radius"] = value
    with TestClient(serve.app) as client:
        response = client.post("/predict", json={"rows": rows})
    assert response.status_code == 422, response.text
    assert response.json()["reason"] == reason
    assert response.json()["columns"] == ["mean radius"] and "mean radius" in response.json()["detail"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_refused(settings, champion, literal):
    row = raw_rows(settings, 1)[0]
    fields = ", ".join(f"{json.dumps(name)}: {literal if name == 'worst area' else json.dumps(value)}"
                       for name, value in row.items())
    body = '{"rows": [{' + fields + "}]}"  # what json.dumps would never write, but a client can send
    with TestClient(serve.app) as client:
        response = client.post("/predict", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["reason"] == "schema" and response.json()["columns"] == ["worst area"]


def test_columns_must_be_exactly_the_raw_measurements(settings, champion):
    row = raw_rows(settings, 1)[0]
    without = {name: value for name, value in row.items() if name != "mean area"}
    with TestClient(serve.app) as client:
        missing = client.post("/predict", json={"rows": [{"mean radius": 14.0}]})
        one_missing = client.post("/predict", json={"rows": [row, without]})
        unknown = client.post("/predict", json={"rows": [row | {"shoe size": 42.0}]})
    assert missing.status_code == 422 and missing.json()["reason"] == "missing_column"
    assert set(missing.json()["columns"]) == set(RAW_COLUMNS) - {"mean radius"}
    assert one_missing.status_code == 422 and one_missing.json()["columns"] == ["mean area"]
    assert unknown.status_code == 422 and unknown.json()["reason"] == "unknown_column"
    assert unknown.json()["columns"] == ["shoe size"] and "shoe size" in unknown.json()["detail"]


def test_the_service_enforces_the_input_ranges_learned_in_training(settings, champion):
    client_ = registry.client(settings)
    run_id = registry.load_champion(settings).run_id
    ranges = json.loads(Path(client_.download_artifacts(run_id, validation.INPUT_RANGES_FILE, str(settings.data_dir)))
                        .read_text())
    assert set(ranges) == set(RAW_COLUMNS)
    training = pd.read_csv(settings.raw_file)
    declared = validation.SCHEMA.columns["mean radius"].checks[0].statistics["max_value"]
    low, high = ranges["mean radius"]
    assert low <= training["mean radius"].min() and training["mean radius"].max() < high < declared
    row = raw_rows(settings, 1)[0]
    with TestClient(serve.app) as client:
        inside = client.post("/predict", json={"rows": [row | {"mean radius": high}]})
        beyond = client.post("/predict", json={"rows": [row | {"mean radius": (high + declared) / 2}]})
    assert inside.status_code == 200  # the training schema would accept both: the model's own range refuses one
    assert beyond.status_code == 422 and beyond.json()["reason"] == "out_of_range"


@pytest.mark.parametrize("seed", range(10))
def test_unseen_rows_of_the_training_distribution_are_scored_not_refused(seed):
    """The learned input ranges refuse unit errors, not patients: for any split of the reference data, every
    holdout row lies within the ranges learned from its training rows (heavy-tailed columns included)."""
    frame = load_dataset()
    train, holdout = train_test_split(frame, test_size=HOLDOUT_FRACTION, random_state=seed, stratify=frame[TARGET])
    schema = validation.RequestSchema.build(validation.input_ranges(train))
    accepted = schema.accept(holdout[RAW_COLUMNS].to_dict(orient="records"))
    assert len(accepted) == len(holdout)


def test_the_fast_path_accepts_only_what_the_pandera_schema_accepts(settings):
    training = pd.read_csv(settings.raw_file)
    schema = validation.RequestSchema.build(validation.input_ranges(training))
    rng = np.random.default_rng(0)
    base = training[RAW_COLUMNS]  # inside the learned ranges by construction: only the changed value can be out
    for trial in range(200):
        frame = base.sample(3, random_state=trial).reset_index(drop=True)
        column = RAW_COLUMNS[trial % len(RAW_COLUMNS)]
        frame.loc[trial % 3, column] *= rng.choice([1.0, 1.5, 3.0, -1.0])
        try:
            schema.schema.validate(frame, lazy=True)
            valid = True
        except validation.SchemaErrors:
            valid = False
        try:
            accepted = schema.accept(frame.to_dict(orient="records"))
        except validation.RequestRejected as error:
            assert not valid and column in error.columns
        else:
            assert valid
            pd.testing.assert_frame_equal(accepted, frame)


@pytest.mark.parametrize(
    ("body", "reason"),
    [('{"rows": [', "invalid_json"), ('{"rows": []}', "schema"), ('{"rows": [{}], "id": 1}', "schema"),
     ('[{"mean radius": 1}]', "schema"), ('{"rows": {"mean radius": 1}}', "schema")],
)
def test_malformed_bodies_are_refused_with_422(settings, champion, body, reason):
    with TestClient(serve.app) as client:
        response = client.post("/predict", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["reason"] == reason


def test_body_and_row_limits_answer_413_before_parsing(settings, champion, monkeypatch):
    monkeypatch.setenv("MAX_REQUEST_ROWS", "5")
    monkeypatch.setenv("MAX_REQUEST_BYTES", "20000")
    row = raw_rows(settings, 1)[0]
    huge = json.dumps({"rows": [row] * 20_000}).encode()  # the 16 MB body of 20,000 rows
    with TestClient(serve.app) as client:
        too_many = client.post("/predict", json={"rows": [row] * 6})
        five = client.post("/predict", json={"rows": [row] * 5})
        declared = client.post("/predict", content=huge, headers={"content-type": "application/json"})
        # no Content-Length (chunked): the actual size is counted while reading
        streamed = client.post("/predict", content=iter([huge[i:i + 65536] for i in range(0, len(huge), 65536)]),
                               headers={"content-type": "application/json"})
        form = client.post("/predict", data={"rows": "1"})
        metrics = client.get("/metrics/").text
    assert five.status_code == 200
    assert too_many.status_code == 413 and too_many.json()["reason"] == "too_many_rows"
    assert declared.status_code == 413 and declared.json()["reason"] == "too_large"
    assert streamed.status_code == 413 and streamed.json()["reason"] == "too_large"
    assert form.status_code == 415 and form.json()["reason"] == "content_type"
    assert "too_large" in rejected(metrics)
    assert len(prediction_log.read(settings, max_rows=100_000)) == 5  # only the accepted rows were logged


def test_six_rejections_read_six_by_reason(settings, champion):
    row = raw_rows(settings, 1)[0]
    with TestClient(serve.app) as client:
        before = rejected(client.get("/metrics/").text)
        bodies = [{"rows": [row | {"mean radius": -1000.0}]}, {"rows": [row | {"mean radius": 1e300}]},
                  {"rows": [row | {"mean radius": True}]}, {"rows": [{"mean radius": 14.0}]},
                  {"rows": [row | {"shoe size": 42.0}]}, {"rows": []}]
        statuses = [client.post("/predict", json=body).status_code for body in bodies]
        after = rejected(client.get("/metrics/").text)
    assert statuses == [422] * 6
    delta = {reason: after[reason] - before.get(reason, 0.0) for reason in after if after[reason] != before.get(reason)}
    assert delta == {"out_of_range": 2, "schema": 2, "missing_column": 1, "unknown_column": 1}
    assert sum(delta.values()) == 6


def test_without_a_champion_the_service_says_so_with_503(settings):
    with TestClient(serve.app) as client:
        before = rejected(client.get("/metrics/").text).get("not_ready", 0.0)
        health = client.get("/health")
        predict = client.post("/predict", json={"rows": raw_rows(settings, 1)})
        after = rejected(client.get("/metrics/").text)["not_ready"]
    assert health.status_code == 503 and "no champion" in health.json()["detail"]
    assert predict.status_code == 503 and predict.json()["reason"] == "not_ready"
    assert after - before == 1


def test_metrics_count_predictions_refusals_and_latency(settings, champion):
    names = ['predictions_total{name="malignant"}', 'predictions_total{name="benign"}',
             'rejected_requests_total{reason="missing_column"}', "predict_latency_seconds_count",
             'prediction_log_rows_total{outcome="written"}']
    with TestClient(serve.app) as client:
        before = client.get("/metrics/").text
        client.post("/predict", json={"rows": raw_rows(settings, 4)})
        client.post("/predict", json={"rows": [{"mean radius": 14.0}]})
    after = generate_latest(serve.METRICS).decode()  # the service has stopped: its batch is written
    malignant, benign, refused, timed, logged = (sample(after, name) - sample(before, name) for name in names)
    assert (malignant + benign, refused, timed, logged) == (4, 1, 1, 4)


class Captured(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(json.loads(serve.JsonFormatter().format(record)))


def test_each_prediction_and_refusal_is_one_json_log_line(settings, champion):
    captured = Captured()
    serve.LOG.addHandler(captured)
    try:
        with TestClient(serve.app) as client:
            client.post("/predict", json={"rows": raw_rows(settings, 2)}, headers={"X-Request-ID": "req-7"})
            client.post("/predict", json={"rows": []}, headers={"X-Request-ID": "req-8"})
    finally:
        serve.LOG.removeHandler(captured)
    events = {line["event"]: line for line in captured.lines if line.get("request_id")}
    prediction, refusal = events["prediction"], events["rejected"]
    assert (prediction["request_id"], prediction["model_version"], prediction["rows"]) == ("req-7", champion, 2)
    assert prediction["model"] == settings.model_name and prediction["latency_ms"] >= 0
    assert (refusal["request_id"], refusal["status"], refusal["reason"]) == ("req-8", 422, "schema")
    assert {"time", "level", "logger", "message"} <= set(prediction)


def readme_serving_commands() -> list[str]:
    """The curl commands of the README's serving block, continuation lines joined, as typed."""
    text = README.read_text(encoding="utf-8")
    block = next(block for block in re.findall(r"```bash\n(.*?)```", text, re.S) if "curl " in block)
    return [command for command in block.replace("\\\n", " ").splitlines() if command.startswith("curl ")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_curl_commands_work_as_typed_against_the_real_server(settings, champion):
    commands = readme_serving_commands()
    assert len(commands) == 2 and "/predict" in commands[1]
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(serve.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        answers = []
        for command in commands:
            typed = command.replace("localhost:8000", f"127.0.0.1:{port}") + " -w '\\n%{http_code}'"
            done = subprocess.run(["bash", "-c", typed], capture_output=True, text=True, timeout=30)
            body, status = done.stdout.rsplit("\n", 1)
            answers.append((status, json.loads(body)))
    finally:
        server.should_exit = True
        thread.join(30)
    (health_status, health), (predict_status, predicted) = answers
    assert (health_status, health["version"]) == ("200", champion)
    assert predict_status == "200", predicted
    assert predicted["version"] == champion and len(predicted["predictions"]) == 1
