import numpy as np
import pytest

from {{ cookiecutter.package_name }}.data import TARGET, load_dataset
from {{ cookiecutter.package_name }}.features import DERIVED_COLUMNS, RAW_COLUMNS, build_features


def test_features_are_the_raw_and_derived_columns_without_nan():
    features = build_features(load_dataset())
    assert list(features.columns) == RAW_COLUMNS + DERIVED_COLUMNS
    assert TARGET not in features
    assert np.isfinite(features.to_numpy()).all()


def test_features_are_deterministic_and_leave_the_input_alone():
    frame = load_dataset()
    before = frame.copy()
    assert build_features(frame).equals(build_features(frame))
    assert frame.equals(before)


def test_a_missing_raw_column_is_refused():
    with pytest.raises(ValueError, match="mean radius"):
        build_features(load_dataset().drop(columns=["mean radius"]))
