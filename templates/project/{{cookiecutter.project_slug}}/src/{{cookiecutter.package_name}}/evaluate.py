"""Evaluate step: a fitted model's metrics on the frozen holdout, the same rows for every candidate and the champion."""

from __future__ import annotations

import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from .data import TARGET
from .features import build_features


def evaluate(model, holdout: pd.DataFrame) -> dict[str, float]:
    features, truth = build_features(holdout), holdout[TARGET]
    predicted = model.predict(features)
    metrics = {"accuracy": accuracy_score(truth, predicted), "f1": f1_score(truth, predicted)}
    if hasattr(model, "predict_proba"):
        metrics["roc_auc"] = roc_auc_score(truth, model.predict_proba(features)[:, 1])
    return {name: float(value) for name, value in metrics.items()}
