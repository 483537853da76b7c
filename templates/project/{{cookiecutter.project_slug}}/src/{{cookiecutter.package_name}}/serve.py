"""Online serving: a FastAPI app answering with the registry's champion model.

Run it with `uvicorn {{ cookiecutter.package_name }}.serve:app` (or `make serve`). At start-up it loads `models:/<name>@champion`
from `MLFLOW_TRACKING_URI`; every request's raw rows go through the same `build_features` as training,
and are appended to the request log that drift monitoring reads.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

import pandas as pd
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from . import config, registry
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
    yield


app = FastAPI(title="{{ cookiecutter.package_name }} prediction service", lifespan=lifespan)
app.state.serving = {}


def _ready() -> dict[str, Any]:
    state = app.state.serving
    if state.get("model") is None:
        raise HTTPException(status_code=503, detail=state.get("error") or "the model is not loaded")
    return state


@app.get("/health")
def health() -> dict[str, str]:
    state = _ready()
    return {"status": "ok", "model": state["settings"].model_name, "version": state["version"]}


@app.post("/predict")
def predict(request: PredictRequest) -> PredictResponse:
    state = _ready()
    raw = pd.DataFrame(request.rows)
    unknown = sorted(set(raw.columns) - set(RAW_COLUMNS))
    if unknown:
        raise HTTPException(status_code=422, detail=f"unknown columns: {', '.join(unknown)}")
    try:
        features = build_features(raw)
    except ValueError as error:
        raise HTTPException(status_code=422, detail=str(error)) from error
    model = state["model"]
    labels = model.predict(features)
    probabilities = model.predict_proba(features).max(axis=1)
    _log_requests(state["settings"].request_log, raw)
    return PredictResponse(
        model=state["settings"].model_name,
        version=state["version"],
        predictions=[Prediction(label=int(label), name=TARGET_NAMES[int(label)], probability=float(p))
                     for label, p in zip(labels, probabilities, strict=True)],
    )


def _log_requests(path, raw: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw[RAW_COLUMNS].to_csv(path, mode="a", header=not path.exists(), index=False)
