"""Evaluate step: a fitted model's metrics on the frozen holdout, the same rows for every candidate and the champion."""

from __future__ import annotations

import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from .data import TARGET
from .features import build_features

SLICE_COLUMN = "mean radius"
SLICE_NAMES = ("small", "medium", "large")  # tumour-size terciles of the holdout


def evaluate(model, holdout: pd.DataFrame) -> dict[str, float]:
    """Accuracy, F1 and ROC AUC, plus the accuracy on each tumour-size slice (good on average is not enough)."""
    features, truth = build_features(holdout), holdout[TARGET]
    predicted = pd.Series(model.predict(features), index=holdout.index)
    metrics = {"accuracy": accuracy_score(truth, predicted), "f1": f1_score(truth, predicted)}
    if hasattr(model, "predict_proba"):
        metrics["roc_auc"] = roc_auc_score(truth, model.predict_proba(features)[:, 1])
    slices = pd.qcut(holdout[SLICE_COLUMN], q=len(SLICE_NAMES), labels=SLICE_NAMES)
    for name, rows in truth.groupby(slices, observed=True):
        metrics[f"accuracy_{name}_tumours"] = accuracy_score(rows, predicted[rows.index])
    return {name: float(value) for name, value in metrics.items()}
