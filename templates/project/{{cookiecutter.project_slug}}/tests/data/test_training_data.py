"""Data tests: the project's own training data and frozen holdout satisfy the data contract.

`make data-test` writes the data first if needed (`python -m <package> ingest`), then runs these
against the project's data folder (DATA_DIR), not a temporary copy: this is the data the next run trains on.
"""

import pytest

from {{ cookiecutter.package_name }} import config, ingest, validation
from {{ cookiecutter.package_name }}.data import TARGET
from {{ cookiecutter.package_name }}.features import RAW_COLUMNS


@pytest.fixture(scope="module")
def settings():
    settings = config.load()
    if not settings.raw_file.exists() or not settings.holdout_file.exists():
        pytest.fail(f"no data in {settings.data_dir}: run `make init` (or `make data-test`)")
    return settings


@pytest.mark.parametrize("part", ["raw", "holdout"])
def test_the_data_satisfies_the_schema(settings, part):
    frame = ingest.load_raw(settings) if part == "raw" else ingest.load_holdout(settings)
    validation.validate(frame)  # raises DataValidationError listing every broken rule
    assert list(frame.columns) == [*RAW_COLUMNS, TARGET]


def test_there_is_enough_of_each_class_to_train_and_evaluate(settings):
    for frame in (ingest.load_raw(settings), ingest.load_holdout(settings)):
        counts = frame[TARGET].value_counts()
        assert set(counts.index) == {0, 1}
        assert counts.min() >= 30, counts.to_dict()


def test_the_holdout_is_frozen_and_apart_from_the_training_data(settings):
    raw, holdout = ingest.load_raw(settings), ingest.load_holdout(settings)
    assert len(holdout) >= 100
    overlap = raw.merge(holdout, how="inner", on=[*RAW_COLUMNS, TARGET])
    assert overlap.empty, f"{len(overlap)} holdout rows are also training rows"
