"""Evaluate step: a fitted model's metrics on the frozen holdout, the same rows for every candidate and the champion."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from .data import TARGET
from .features import RAW_COLUMNS, build_features

SLICE_COLUMN = "mean radius"
SLICE_NAMES = ("small", "medium", "large")  # tumour-size terciles of the holdout


def _predictions(model, holdout: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Labels and P(class 1): from a fitted estimator on the features, or from a model with the champion's raw-input
    contract (`predict(raw)` -> "label" and the predicted class's "probability")."""
    if hasattr(model, "predict_proba"):
        features = build_features(holdout)
        return np.asarray(model.predict(features)), model.predict_proba(features)[:, 1]
    scored = model.predict(holdout[RAW_COLUMNS])
    labels, probability = scored["label"].to_numpy(), scored["probability"].to_numpy()
    return labels, np.where(labels == 1, probability, 1.0 - probability)


def evaluate(model, holdout: pd.DataFrame) -> dict[str, float]:
    """Accuracy, F1 and ROC AUC, plus the accuracy on each tumour-size slice (good on average is not enough)."""
    truth = holdout[TARGET]
    labels, positive = _predictions(model, holdout)
    predicted = pd.Series(labels, index=holdout.index)
    metrics = {"accuracy": accuracy_score(truth, predicted), "f1": f1_score(truth, predicted),
               "roc_auc": roc_auc_score(truth, positive)}
    slices = pd.qcut(holdout[SLICE_COLUMN], q=len(SLICE_NAMES), labels=SLICE_NAMES)
    for name, rows in truth.groupby(slices, observed=True):
        metrics[f"accuracy_{name}_tumours"] = accuracy_score(rows, predicted[rows.index])
    return {name: float(value) for name, value in metrics.items()}
