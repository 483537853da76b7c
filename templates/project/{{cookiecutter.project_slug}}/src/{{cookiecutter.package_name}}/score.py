"""Batch scoring: predictions from whichever version the registry calls `champion`, with the training features.

The gate moves the alias, so a newly promoted model serves the next batch without anyone copying a model file.
"""

from __future__ import annotations

import mlflow.sklearn
import pandas as pd

from .config import Settings
from .features import build_features
from .registry import CHAMPION, alias_version, client


def score(settings: Settings, raw: pd.DataFrame) -> pd.DataFrame:
    """`raw` with the champion's prediction, its probability of class 1 and the model version that made them."""
    champion = alias_version(client(settings), settings.model_name, CHAMPION)  # other registry errors raise
    if champion is None:
        raise LookupError(f"model {settings.model_name!r} has no champion yet: run the pipeline first")
    model = mlflow.sklearn.load_model(f"models:/{settings.model_name}/{champion.version}")
    features = build_features(raw)
    return raw.assign(
        prediction=model.predict(features),
        probability=model.predict_proba(features)[:, 1],
        model_version=str(champion.version),
    )
