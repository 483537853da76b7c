"""Train step: fit the model on the features of the raw training data."""

from __future__ import annotations

import pandas as pd
from sklearn.pipeline import Pipeline

from .data import TARGET
from .features import build_features
from .model import build_model


def train(frame: pd.DataFrame, seed: int) -> Pipeline:
    return build_model(random_state=seed).fit(build_features(frame), frame[TARGET])
{%- if cookiecutter.feature_store == "feast" %}


def fit_features(training: pd.DataFrame, seed: int) -> Pipeline:
    """Fit on features read from the feature store (feature_store.training_frame): the feature columns and TARGET."""
    return build_model(random_state=seed).fit(training.drop(columns=TARGET), training[TARGET])
{%- endif %}
