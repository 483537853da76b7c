"""Train step: fit the model on the features of the raw training data."""

from __future__ import annotations

import pandas as pd

from .data import TARGET
from .features import build_features
from .model import build_model
from .raw_model import RawModel


def train(frame: pd.DataFrame, seed: int) -> RawModel:
    """The fitted pipeline behind the feature function: it scores raw rows, as the registered model does."""
    return RawModel(build_model(random_state=seed).fit(build_features(frame), frame[TARGET]))
