"""The registered model: raw measurements in, the class and its probability out.

MLflow stores this module with features.py as a package of their own (`registry.BUNDLE`, logged as the model's
`code_paths`), so `mlflow.pyfunc.load_model("models:/...")` scores raw rows where this project is not installed:
scikit-learn, pandas and skops are all it needs. Evaluation and the gate score the freshly trained pipeline
through the same class, so the object that was evaluated is the one that is registered.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .features import build_features

PIPELINE_FILE, TRUSTED_TYPES_FILE = "pipeline.skops", "trusted_types.json"


class RawModel:
    """A fitted scikit-learn pipeline behind the feature function.

    `predict(raw rows)` returns one row per input row: `label` (int), the predicted class, and `probability`
    (float), the probability of that class.
    """

    def __init__(self, pipeline):
        self.pipeline = pipeline

    def predict(self, raw: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        probabilities = self.pipeline.predict_proba(build_features(raw))  # one pass: the class is the most probable
        best = probabilities.argmax(axis=1)
        return pd.DataFrame({
            "label": self.pipeline.classes_[best].astype("int64"),
            "probability": probabilities[np.arange(len(best)), best].astype("float64"),
        })

    def get_raw_model(self) -> RawModel:
        """MLflow's `PyFuncModel.get_raw_model()`: this object, scored without the signature check (serving's
        request contract is stricter and has already run)."""
        return self


def save(pipeline, folder: Path) -> None:
    """Write the fitted pipeline in skops' format (no pickle), with the types it holds, trusted on load."""
    import skops.io

    folder.mkdir(parents=True, exist_ok=True)
    skops.io.dump(pipeline, folder / PIPELINE_FILE)
    trusted = skops.io.get_untrusted_types(file=folder / PIPELINE_FILE)
    (folder / TRUSTED_TYPES_FILE).write_text(json.dumps(trusted), encoding="utf-8")


def _load_pyfunc(data_path: str) -> RawModel:
    """MLflow's `loader_module` entry point: the model from the folder `save` wrote."""
    import skops.io

    folder = Path(data_path)
    trusted = json.loads((folder / TRUSTED_TYPES_FILE).read_text(encoding="utf-8"))
    return RawModel(skops.io.load(folder / PIPELINE_FILE, trusted=trusted))
