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
{%- if cookiecutter.feature_store == "feast" %}


def fit_features(training: pd.DataFrame, seed: int) -> RawModel:
    """Fit on features read from the feature store (feature_store.training_frame): the feature columns and TARGET.

    The result scores raw rows like `train`'s: the store holds `build_features`' columns, so both are the same."""
    return RawModel(build_model(random_state=seed).fit(training.drop(columns=TARGET), training[TARGET]))
{%- endif %}
