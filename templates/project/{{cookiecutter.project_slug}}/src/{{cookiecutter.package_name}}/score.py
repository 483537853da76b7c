"""Batch scoring: predictions from whichever version the registry calls `champion`.

The gate moves the alias, so a newly promoted model serves the next batch without anyone copying a model file.
The model carries its feature code: it is given the raw rows, as the service gives them.
"""

from __future__ import annotations

import pandas as pd

from .config import Settings
from .features import RAW_COLUMNS
from .registry import load_champion


def score(settings: Settings, raw: pd.DataFrame) -> pd.DataFrame:
    """`raw` with the champion's prediction, the probability of that class and the model version that made them."""
    missing = [column for column in RAW_COLUMNS if column not in raw.columns]
    if missing:
        raise ValueError(f"missing raw columns: {', '.join(missing)}")
    try:  # the model's signature takes doubles: a CSV column of whole numbers reads as integers
        rows = raw[RAW_COLUMNS].astype("float64")
    except (TypeError, ValueError) as error:
        raise ValueError(f"the raw columns must hold numbers: {error}") from None
    champion = load_champion(settings)  # other registry errors raise
    if champion is None:
        raise LookupError(f"model {settings.model_name!r} has no champion yet: run the pipeline first")
    scored = champion.model.predict(rows)
    return raw.assign(
        prediction=scored["label"].to_numpy(),
        probability=scored["probability"].to_numpy(),
        model_version=str(champion.version),
    )
