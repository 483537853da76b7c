"""Online serving: a FastAPI app answering with the registry's champion model.

Run it with `make serve`, or:
    uvicorn {{ cookiecutter.package_name }}.serve:app
At start-up it loads `models:/<name>@champion` from `MLFLOW_TRACKING_URI`; every request's raw rows go through
the same `build_features` as training, and are appended to the request log that drift monitoring reads.
`/metrics` exports request counts, errors and latency for Prometheus.
"""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from typing import Any

import pandas as pd
from fastapi import FastAPI, HTTPException
from prometheus_client import CollectorRegistry, Counter, Histogram, make_asgi_app
from pydantic import BaseModel, Field

from . import champion_watch, config, registry
from .data import TARGET_NAMES
from .features import RAW_COLUMNS, build_features


class PredictRequest(BaseModel):
    rows: list[dict[str, float]] = Field(min_length=1, description="raw measurements, one mapping per row")


class Prediction(BaseModel):
    label: int
    name: str
    probability: float


class PredictResponse(BaseModel):
    model: str
    version: str
    predictions: list[Prediction]


def _load_champion(state: dict[str, Any]) -> None:
    settings = config.load()
    champion = registry.load_champion(settings)
    state.update(settings=settings, model=champion and champion.model, version=champion and str(champion.version),
                 error=None if champion else f"no {registry.CHAMPION} for model {settings.model_name!r} in "
                                             f"{settings.tracking_uri}: run the pipeline first")


@asynccontextmanager
async def lifespan(app: FastAPI):
    _load_champion(app.state.serving)
    watch = champion_watch.start(app.state.serving, app.state.serving["settings"])  # follows @champion moves
    yield
    watch.stop()


app = FastAPI(title=f"{__package__} prediction service", lifespan=lifespan)
app.state.serving = {}


METRICS = CollectorRegistry()
PREDICTIONS = Counter("predictions", "Rows predicted, by predicted class", ["name"], registry=METRICS)
REJECTED = Counter("rejected_requests", "Prediction requests refused, by HTTP status", ["status"], registry=METRICS)
LATENCY = Histogram("predict_latency_seconds", "Time to answer a prediction request", registry=METRICS)
app.mount("/metrics", make_asgi_app(registry=METRICS))


def _ready() -> dict[str, Any]:
    state = app.state.serving
    if state.get("model") is None:
        raise HTTPException(status_code=503, detail=state.get("error") or "the model is not loaded")
    return state


def _refuse(status: int, detail: str) -> HTTPException:
    REJECTED.labels(status=str(status)).inc()
    return HTTPException(status_code=status, detail=detail)


@app.get("/health")
def health() -> dict[str, str]:
    state = _ready()
    return {"status": "ok", "model": state["settings"].model_name, "version": state["version"]}


@app.post("/predict")
def predict(request: PredictRequest) -> PredictResponse:
    started = time.perf_counter()
    try:
        state = _ready()
    except HTTPException as error:
        raise _refuse(error.status_code, error.detail) from None
    raw = pd.DataFrame(request.rows)
    unknown = sorted(set(raw.columns) - set(RAW_COLUMNS))
    if unknown:
        raise _refuse(422, f"unknown columns: {', '.join(unknown)}")
    try:
        features = build_features(raw)
    except ValueError as error:
        raise _refuse(422, str(error)) from error
    model = state["model"]
    labels = model.predict(features)
    probabilities = model.predict_proba(features).max(axis=1)
    _log_requests(state["settings"].request_log, raw)
    predictions = [Prediction(label=int(label), name=TARGET_NAMES[int(label)], probability=float(p))
                   for label, p in zip(labels, probabilities, strict=True)]
    for prediction in predictions:
        PREDICTIONS.labels(name=prediction.name).inc()
    LATENCY.observe(time.perf_counter() - started)
    return PredictResponse(model=state["settings"].model_name, version=state["version"], predictions=predictions)


def _log_requests(path, raw: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw[RAW_COLUMNS].to_csv(path, mode="a", header=not path.exists(), index=False)
