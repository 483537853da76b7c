import pytest

from {{ cookiecutter.package_name }}.validation import DataValidationError, shift_report, validate


def test_the_ingested_data_passes(raw):
    assert validate(raw) is not None


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda frame: frame.drop(columns=["mean texture"]), "mean texture"),
        (lambda frame: frame.assign(patient_name="x"), "patient_name"),
        (lambda frame: frame.assign(**{"mean radius": -1.0}), "mean radius"),
        (lambda frame: frame.assign(target=7), "target"),
        (lambda frame: frame.assign(**{"worst area": None}), "worst area"),
    ],
    ids=["missing column", "unexpected column", "out of range", "unknown label", "nulls"],
)
def test_a_schema_violation_is_refused_with_the_column_named(raw, corrupt, message):
    with pytest.raises(DataValidationError, match=message):
        validate(corrupt(raw.copy()))


def test_no_shift_is_reported_for_the_same_distribution(raw):
    assert shift_report(raw, raw, p_value=0.01)["shifted_features"] == []


def test_a_shifted_feature_is_reported_not_refused(raw):
    shifted = raw.assign(**{"mean radius": raw["mean radius"] * 1.5})
    validate(shifted)
    report = shift_report(shifted, raw, p_value=0.01)
    assert report["shifted_features"] == ["mean radius"]
    assert report["features"]["mean radius"]["ks_statistic"] == report["max_ks_statistic"]
