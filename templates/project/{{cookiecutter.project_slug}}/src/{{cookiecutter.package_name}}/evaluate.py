"""Evaluate step: a model's metrics on the frozen holdout, the same rows for every candidate and the champion.

A model here is anything with `predict(raw rows)` -> `label`, `probability` (the predicted class's): the trained
pipeline behind the features (raw_model.RawModel) or the registered champion loaded from MLflow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from .data import TARGET
from .features import RAW_COLUMNS

SLICE_COLUMN = "mean radius"
SLICE_NAMES = ("small", "medium", "large")  # tumour-size terciles of the holdout


def predictions(model, holdout: pd.DataFrame) -> pd.DataFrame:
    """The model's `label` and `probability` for each holdout row, indexed like the holdout."""
    scored = model.predict(holdout[RAW_COLUMNS])
    return pd.DataFrame({"label": np.asarray(scored["label"], dtype="int64"),
                         "probability": np.asarray(scored["probability"], dtype="float64")}, index=holdout.index)


def correct(model, holdout: pd.DataFrame) -> np.ndarray:
    """One boolean per holdout row, in order: did the model predict its label? (what the gate compares)"""
    return (predictions(model, holdout)["label"] == holdout[TARGET]).to_numpy()


def evaluate(model, holdout: pd.DataFrame) -> dict[str, float]:
    """Accuracy, F1 and ROC AUC, plus the accuracy on each tumour-size slice (good on average is not enough)."""
    scored, truth = predictions(model, holdout), holdout[TARGET]
    predicted = scored["label"]
    benign = scored["probability"].where(predicted == 1, 1 - scored["probability"])  # probability of class 1
    metrics = {"accuracy": accuracy_score(truth, predicted), "f1": f1_score(truth, predicted),
               "roc_auc": roc_auc_score(truth, benign)}
    slices = pd.qcut(holdout[SLICE_COLUMN], q=len(SLICE_NAMES), labels=SLICE_NAMES)
    for name, rows in truth.groupby(slices, observed=True):
        metrics[f"accuracy_{name}_tumours"] = accuracy_score(rows, predicted[rows.index])
    return {name: float(value) for name, value in metrics.items()}
