"""Online serving from the feature store: `POST /predict/by-id` scores tumours already known by their id.

The features come from Feast's SQLite online store (what the pipeline materialised), the model is the champion the
service loaded (`app.state.serving`), so a client sends ids, not measurements. serve.py includes this router.
"""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, HTTPException, Request
from feast import FeatureStore
from pydantic import BaseModel, Field, StrictInt

from .config import Settings
from .data import TARGET_NAMES
from .feature_store import ENTITY_KEY, MissingFeatures, online_features, open_store

MAX_IDS = 1000

router = APIRouter()


class ByIdRequest(BaseModel):
    ids: list[StrictInt] = Field(min_length=1, max_length=MAX_IDS,
                                 description=f"{ENTITY_KEY} values: row numbers of data/raw")


class ByIdPrediction(BaseModel):
    id: int
    label: int
    name: str
    probability: float


class ByIdResponse(BaseModel):
    model: str
    version: str
    predictions: list[ByIdPrediction]


@cache
def _store(settings: Settings) -> FeatureStore:
    """One open store per settings (opening one reads the registry)."""
    return open_store(settings)


@router.post("/predict/by-id")
def predict_by_id(request: ByIdRequest, http: Request) -> ByIdResponse:
    state = http.app.state.serving
    model = state.get("model")
    if model is None:
        raise HTTPException(status_code=503, detail=state.get("error") or "the model is not loaded")
    settings = state["settings"]
    try:
        features = online_features(_store(settings), request.ids)
    except MissingFeatures as error:
        raise HTTPException(status_code=404, detail=str(error)) from None
    labels = model.predict(features)
    probabilities = model.predict_proba(features).max(axis=1)
    predictions = [ByIdPrediction(id=entity, label=int(label), name=TARGET_NAMES[int(label)], probability=float(p))
                   for entity, label, p in zip(request.ids, labels, probabilities, strict=True)]
    return ByIdResponse(model=settings.model_name, version=state["version"], predictions=predictions)
