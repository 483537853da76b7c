"""Train/serve skew: the same raw rows must give identical model inputs in training and in serving."""

import dataclasses

import pandas as pd
from fastapi.testclient import TestClient
from level2_helpers import gate_and_register

from {{ cookiecutter.package_name }} import registry, serve, train
from {{ cookiecutter.package_name }}.features import RAW_COLUMNS, build_features


class RecordingEstimator:
    """Wraps the champion's fitted estimator and keeps the feature frames the service's model hands to it."""

    def __init__(self, estimator):
        self.estimator, self.classes_, self.seen = estimator, estimator.classes_, []

    def predict_proba(self, features):
        self.seen.append(features)
        return self.estimator.predict_proba(features)


def test_serving_computes_exactly_the_training_features(settings):
    gate_and_register(settings)
    raw = pd.read_csv(settings.holdout_file).sample(20, random_state=0)
    with TestClient(serve.app) as client:
        serving = serve.app.state.serving
        recorder = RecordingEstimator(serving.model.estimator)
        serve.app.state.serving = dataclasses.replace(serving, model=registry.RawInputModel(recorder))
        # the rows travel as JSON, exactly as a caller would send them
        response = client.post("/predict", json={"rows": raw[RAW_COLUMNS].to_dict(orient="records")})
    assert response.status_code == 200
    served = recorder.seen[0]
    trained = build_features(raw).reset_index(drop=True)
    pd.testing.assert_frame_equal(served, trained, check_exact=True)
    # and the served predictions are the ones the training-path model gives on those features
    model = train.train(pd.read_csv(settings.raw_file), settings.seed)
    assert [p["label"] for p in response.json()["predictions"]] == model.predict(trained).tolist()
