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
from .features import RAW_COLUMNS

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
    serving = http.app.state.serving  # serve.Serving, swapped whole when the champion moves
    if serving.model is None:
        raise HTTPException(status_code=503, detail=serving.error or "the model is not loaded")
    try:
        features = online_features(_store(serving.settings), request.ids)
    except MissingFeatures as error:
        raise HTTPException(status_code=404, detail=str(error)) from None
    # the champion scores raw rows and carries the feature code: the stored measurements are its input
    scored = serving.model.predict(features[RAW_COLUMNS].astype("float64"))
    labels, probabilities = scored["label"].astype(int).tolist(), scored["probability"].astype(float).tolist()
    predictions = [ByIdPrediction(id=entity, label=label, name=TARGET_NAMES[label], probability=p)
                   for entity, label, p in zip(request.ids, labels, probabilities, strict=True)]
    return ByIdResponse(model=serving.settings.model_name, version=serving.version, predictions=predictions)
