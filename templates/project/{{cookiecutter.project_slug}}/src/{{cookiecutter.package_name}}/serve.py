"""Online serving: a FastAPI app answering with the registry's champion model, strict about what it accepts.

Run it with `make serve`, or:
    uvicorn {{ cookiecutter.package_name }}.serve:app
At start-up it loads `models:/<name>@champion` from `MLFLOW_TRACKING_URI`, with the input ranges learned when that
version was trained. A request is refused before scoring when it is too large (413: `max_request_bytes`,
`max_request_rows`), not JSON numbers (422: strings, booleans, NaN, Infinity), or off the training contract
(422: unknown or missing columns, values outside the model's input range), naming the columns. Accepted rows are
scored by the champion's raw model (`champion.model.get_raw_model().predict(raw)`: the pyfunc's model of raw rows,
carrying the same `build_features` as training, without MLflow's signature check, which the stricter request
contract has already done) and appended, with the model version and the request id, to the
prediction log in the artifact store that drift monitoring reads. Each answer and refusal is one JSON log line;
`/metrics` exports predictions, refusals by reason, latency and the prediction log's rows for Prometheus.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
import uuid
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Annotated, Any

import mlflow
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from mlflow.exceptions import MlflowException
from prometheus_client import CollectorRegistry, Counter, Histogram, make_asgi_app
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, ValidationError, create_model

from . import champion_watch, config, prediction_log, registry, validation
from .data import TARGET_NAMES
{%- if cookiecutter.feature_store == "feast" %}
from .feature_serving import router as feature_router
{%- endif %}

REQUEST_ID = "X-Request-ID"
_REQUEST_ID_FORMAT = re.compile(r"[A-Za-z0-9._:-]{1,128}")  # a caller's id is echoed and logged only if it is sane
Measurement = Annotated[StrictFloat, Field(allow_inf_nan=False)]  # a JSON number: not a string, bool, NaN or inf


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the record's `fields` (extra={"fields": {...}})."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _json_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


LOG = _json_logger(__name__)
_json_logger(prediction_log.__name__)


def request_model(max_rows: int) -> type[BaseModel]:
    """The request body: {"rows": [...]}, 1 to `max_rows` mappings of column name to a finite JSON number."""
    return create_model(
        "PredictRequest", __config__=ConfigDict(extra="forbid"),
        rows=(list[dict[str, Measurement]],
              Field(min_length=1, max_length=max_rows, description="raw measurements, one mapping per row")),
    )


class Prediction(BaseModel):
    label: int
    name: str
    probability: float


class PredictResponse(BaseModel):
    model: str
    version: str
    predictions: list[Prediction]


@dataclasses.dataclass(frozen=True)
class Serving:
    """Everything one request needs, swapped as a whole (`app.state.serving = load_serving(settings)`)."""

    settings: config.Settings
    model: Any  # the champion's raw model: predict(raw frame of RAW_COLUMNS) -> frame with "label" and "probability"
    version: str | None
    schema: validation.RequestSchema
    request_model: type[BaseModel]
    error: str | None = None


def load_serving(settings: config.Settings) -> Serving:
    """The champion, its request contract (its training input ranges) and the request model, or why there is none."""
    champion = registry.load_champion(settings)
    request = request_model(settings.max_request_rows)
    if champion is None:
        return Serving(settings, None, None, validation.RequestSchema.build(), request,
                       f"no {registry.CHAMPION} for model {settings.model_name!r} in {settings.tracking_uri}: "
                       "run the pipeline first")
    return Serving(settings, champion.model.get_raw_model(), str(champion.version),
                   validation.RequestSchema.build(_input_ranges(champion)), request)


def _input_ranges(champion: registry.Champion) -> dict[str, list[float]] | None:
    try:
        return mlflow.artifacts.load_dict(f"runs:/{champion.run_id}/{validation.INPUT_RANGES_FILE}")
    except (MlflowException, OSError) as error:  # a version trained before the ranges were logged
        LOG.warning("no input ranges logged with the champion: the training schema's ranges apply", extra={"fields": {
            "event": "input_ranges_missing", "model_version": str(champion.version), "error": str(error)}})
        return None


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = config.load()
    app.state.serving = load_serving(settings)
    app.state.prediction_log = prediction_log.PredictionLog(
        prediction_log.ArtifactStore(settings), settings.prediction_log_rows, settings.prediction_log_seconds,
        on_rows=lambda outcome, count: LOGGED_ROWS.labels(outcome=outcome).inc(count),
    ).start()
    LOG.info("serving", extra={"fields": {"event": "startup", "model": settings.model_name,
                                          "model_version": app.state.serving.version}})
    watch = champion_watch.start(app, settings, load_serving)  # follows @champion moves: the roll
    try:
        yield
    finally:
        watch.stop()
        app.state.prediction_log.close()


app = FastAPI(title=f"{__package__} prediction service", lifespan=lifespan)
{%- if cookiecutter.feature_store == "feast" %}
app.include_router(feature_router)  # POST /predict/by-id: features from the online store (Feast)
{%- endif %}

METRICS = CollectorRegistry()
PREDICTIONS = Counter("predictions", "Rows predicted, by predicted class", ["name"], registry=METRICS)
REJECTED = Counter("rejected_requests", "Prediction requests refused, by reason", ["reason"], registry=METRICS)
LATENCY = Histogram("predict_latency_seconds", "Time to answer a prediction request", registry=METRICS)
LOGGED_ROWS = Counter("prediction_log_rows", "Predicted rows of the prediction log, by outcome (written, dropped)",
                      ["outcome"], registry=METRICS)
app.mount("/metrics", make_asgi_app(registry=METRICS))


class Rejection(Exception):
    """A refused request: its HTTP status, the metric's reason, a one-line detail and the offending columns."""

    def __init__(self, status: int, reason: str, detail: str, columns: list[str] | None = None):
        super().__init__(detail)
        self.status, self.reason, self.detail, self.columns = status, reason, detail, columns or []


@app.get("/health")
def health(request: Request) -> Any:
    serving = request.app.state.serving
    if serving.model is None:
        return JSONResponse({"detail": serving.error}, status_code=503)
    return {"status": "ok", "model": serving.settings.model_name, "version": serving.version}


_BODY_SCHEMA = request_model(config.Settings.max_request_rows).model_json_schema()  # for /docs


@app.post("/predict", response_model=PredictResponse, openapi_extra={"requestBody": {
    "required": True, "content": {"application/json": {"schema": _BODY_SCHEMA}}}})
async def predict(request: Request) -> JSONResponse:
    started = time.perf_counter()
    request_id = _request_id(request)
    serving: Serving = request.app.state.serving
    try:
        if serving.model is None:
            raise Rejection(503, "not_ready", serving.error or "the model is not loaded")
        body = await _body(request, serving.settings.max_request_bytes)
        rows = _rows(body, serving.request_model)
        try:
            raw = serving.schema.accept(rows)
        except validation.RequestRejected as error:
            raise Rejection(422, error.reason, str(error), error.columns) from None
    except Rejection as rejection:
        return _refuse(rejection, request_id)
    try:
        scored = serving.model.predict(raw)
    except Exception:
        LOG.exception("scoring failed", extra={"fields": {"event": "error", "request_id": request_id,
                                                          "model_version": serving.version}})
        return _refuse(Rejection(500, "model_error", "the model failed to score these rows"), request_id)
    labels, probabilities = scored["label"].astype(int).tolist(), scored["probability"].astype(float).tolist()
    request.app.state.prediction_log.append(
        raw, model_version=serving.version, request_id=request_id,
        logged_at=datetime.now(timezone.utc).isoformat(), label=labels, probability=probabilities)
    names = [TARGET_NAMES[label] for label in labels]
    for name in names:
        PREDICTIONS.labels(name=name).inc()
    elapsed = time.perf_counter() - started
    LATENCY.observe(elapsed)
    LOG.info("prediction", extra={"fields": {
        "event": "prediction", "request_id": request_id, "model": serving.settings.model_name,
        "model_version": serving.version, "rows": len(labels), "labels": labels,
        "latency_ms": round(elapsed * 1000, 2)}})
    return JSONResponse(
        {"model": serving.settings.model_name, "version": serving.version,
         "predictions": [{"label": label, "name": name, "probability": probability}
                         for label, name, probability in zip(labels, names, probabilities, strict=True)]},
        headers={REQUEST_ID: request_id},
    )


def _request_id(request: Request) -> str:
    given = request.headers.get(REQUEST_ID, "")
    return given if _REQUEST_ID_FORMAT.fullmatch(given) else uuid.uuid4().hex


async def _body(request: Request, limit: int) -> bytes:
    """The body, refused (413) when its Content-Length or its actual size passes `limit` bytes, before parsing."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise Rejection(415, "content_type", f"send the rows as application/json, not {media_type or 'no type'}")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Rejection(413, "too_large", f"the body is {declared} bytes; the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Rejection(413, "too_large", f"the body passes the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _rows(body: bytes, model: type[BaseModel]) -> list[dict[str, float]]:
    """The rows of a strictly parsed body; refusals name the row and column (413 past `max_request_rows`)."""
    try:
        return model.model_validate_json(body).rows
    except ValidationError as error:
        problems = error.errors(include_url=False)
    if any(problem["type"] == "too_long" and problem["loc"] == ("rows",) for problem in problems):
        raise Rejection(413, "too_many_rows", next(p["msg"] for p in problems if p["type"] == "too_long"))
    if any(problem["type"] == "json_invalid" for problem in problems):
        raise Rejection(422, "invalid_json", problems[0]["msg"])
    columns = sorted({str(problem["loc"][2]) for problem in problems if len(problem["loc"]) == 3})
    shown = "; ".join(f"{_where(problem['loc'])}: {problem['msg']}" for problem in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    raise Rejection(422, "schema", shown + more, columns)


def _where(location: tuple) -> str:
    if len(location) == 3:
        return f"row {location[1]}, column {location[2]!r}"
    return ".".join(str(part) for part in location) or "body"


def _refuse(rejection: Rejection, request_id: str) -> JSONResponse:
    REJECTED.labels(reason=rejection.reason).inc()
    LOG.info("rejected", extra={"fields": {"event": "rejected", "request_id": request_id, "status": rejection.status,
                                           "reason": rejection.reason, "columns": rejection.columns}})
    return JSONResponse({"detail": rejection.detail, "reason": rejection.reason, "columns": rejection.columns},
                        status_code=rejection.status, headers={REQUEST_ID: request_id})
