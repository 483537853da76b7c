"""Train/serve skew: the served model computes its inputs with the very feature code training used."""

from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from level2_helpers import gate_and_register

from {{ cookiecutter.package_name }} import features, raw_model, registry, serve, train
from {{ cookiecutter.package_name }}.features import RAW_COLUMNS, build_features


def test_the_registered_model_carries_the_training_feature_code(settings):
    version, _ = gate_and_register(settings)
    folder = Path(registry.client(settings).download_artifacts(
        registry.client(settings).get_model_version(settings.model_name, version).run_id, "model",
        str(Path(settings.data_dir) / "model"),
    ))
    bundled = folder / "code" / registry.BUNDLE
    for module in (features, raw_model):
        source = Path(module.__file__)
        assert (bundled / source.name).read_bytes() == source.read_bytes(), f"{source.name} differs from training's"


def test_serving_answers_what_the_training_path_computes(settings):
    gate_and_register(settings)
    raw = pd.read_csv(settings.holdout_file).sample(20, random_state=0)
    with TestClient(serve.app) as client:
        # the rows travel as JSON, exactly as a caller would send them
        response = client.post("/predict", json={"rows": raw[RAW_COLUMNS].to_dict(orient="records")})
    assert response.status_code == 200
    # the training path: the same rows through build_features into the freshly trained pipeline
    pipeline = train.train(pd.read_csv(settings.raw_file), settings.seed).pipeline
    trained = build_features(raw)
    expected = pipeline.predict(trained).tolist()
    answered = response.json()["predictions"]
    assert [p["label"] for p in answered] == expected
    expected_probability = pipeline.predict_proba(trained).max(axis=1)
    assert [p["probability"] for p in answered] == pytest.approx(list(expected_probability), abs=1e-12)
