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


def test_the_pipeline_refuses_missing_data_or_data_unlike_its_pointer(settings):
    import pytest

    from {{ cookiecutter.package_name }} import __main__ as cli

    with pytest.raises(ingest.DataError, match="is missing: run `make init`"):
        ingest.tracked_versions(settings)
    assert cli.main(["pipeline"]) == 1  # a one-line refusal, before any orchestrator starts
    ingest.ingest(settings)
    assert ingest.tracked_versions(settings)["data_version"] == ingest.file_md5(settings.raw_file)
    ingest.pointer(settings.raw_file).write_text("outs:\n- md5: 0123456789abcdef0123456789abcdef\n  path: x.csv\n")
    with pytest.raises(ingest.DataError, match="records 0123456789abcdef0123456789abcdef"):
        ingest.tracked_versions(settings)


def test_init_pulls_the_tracked_data_and_never_regenerates_it(tmp_path, monkeypatch):
    """A fresh clone of a DVC repository: `make init` restores exactly the tracked rows from the remote."""
    import subprocess
    import sys

    from {{ cookiecutter.package_name }} import config

    repo, remote = tmp_path / "clone", tmp_path / "remote"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=repo, check=True)
    monkeypatch.setenv("DATA_DIR", str(repo / "data"))
    monkeypatch.setenv("DVC_REMOTE", str(remote))
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    monkeypatch.delenv("MLOPS_ENV", raising=False)
    settings = config.load(repo)
    assert ingest.ingest(settings) is True  # nothing tracked: the sample data is written...
    ingest.version(settings)  # ...then tracked and pushed
    ingest.simulate_batch(settings, seed=4, rows=57)
    tracked = ingest.version(settings)  # the new batch: added and pushed
    settings.raw_file.unlink()
    settings.holdout_file.unlink()
    assert ingest.ingest(settings) is False  # pulled, not regenerated
    assert ingest.tracked_versions(settings) == tracked
