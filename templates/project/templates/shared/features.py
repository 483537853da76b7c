import numpy as np
import pandas as pd

RAW_COLUMNS = [
    "mean radius", "mean texture", "mean perimeter", "mean area", "mean smoothness",
    "mean compactness", "mean concavity", "mean concave points", "mean symmetry", "mean fractal dimension",
    "radius error", "texture error", "perimeter error", "area error", "smoothness error",
    "compactness error", "concavity error", "concave points error", "symmetry error", "fractal dimension error",
    "worst radius", "worst texture", "worst perimeter", "worst area", "worst smoothness",
    "worst compactness", "worst concavity", "worst concave points", "worst symmetry", "worst fractal dimension",
]
DERIVED_COLUMNS = ["radius growth", "log mean area", "log worst area"]


def build_features(raw: pd.DataFrame) -> pd.DataFrame:
    """Model inputs from raw measurements: the 30 raw columns plus 3 derived ones.

    Pure and deterministic: the input is not modified, extra columns (such as the target) are ignored,
    and the same rows always give the same features, in training and in serving alike.
    """
    missing = [column for column in RAW_COLUMNS if column not in raw.columns]
    if missing:
        raise ValueError(f"missing raw columns: {', '.join(missing)}")
    features = raw[RAW_COLUMNS].astype("float64")
    features = features.assign(**{
        "radius growth": features["worst radius"] - features["mean radius"],
        "log mean area": np.log1p(features["mean area"].clip(lower=0)),
        "log worst area": np.log1p(features["worst area"].clip(lower=0)),
    })
    return features[RAW_COLUMNS + DERIVED_COLUMNS]
