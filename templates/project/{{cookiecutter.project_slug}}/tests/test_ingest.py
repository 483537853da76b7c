from {{ cookiecutter.package_name }} import ingest
from {{ cookiecutter.package_name }}.validation import validate


def test_ingest_writes_raw_data_and_a_frozen_holdout_once(settings):
    assert ingest.ingest(settings) is True
    holdout = settings.holdout_file.read_bytes()
    assert ingest.ingest(settings) is False
    assert settings.holdout_file.read_bytes() == holdout
    assert len(ingest.load_raw(settings)) + len(ingest.load_holdout(settings)) == 569


def test_a_new_batch_is_valid_and_changes_the_data_version_only(settings, raw):
    before = ingest.version(settings)
    rows = ingest.simulate_batch(settings, seed=3, rows=50)
    after = ingest.version(settings)
    assert rows == len(raw) + 50
    assert after["data_version"] != before["data_version"]
    assert after["holdout_version"] == before["holdout_version"]
    validate(ingest.load_raw(settings))


def test_the_data_version_is_the_md5_dvc_records(settings, raw):
    pointer = settings.raw_file.with_name(settings.raw_file.name + ".dvc")
    pointer.write_text(f"outs:\n- md5: {ingest.file_md5(settings.raw_file)}\n  hash: md5\n  path: breast_cancer.csv\n")
    assert ingest.dvc_tracked_md5(settings.raw_file) == ingest.version(settings)["data_version"]
