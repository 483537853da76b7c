"""The dev/staging/prod configurations load, differ where they must, and agree with prefect.yaml."""

import dataclasses
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }} import config, evidence, ingest

ROOT = Path(__file__).resolve().parents[1]


def load(env, monkeypatch):
    for name in config.ENV_VARS.values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLOPS_ENV", env)
    return config.load(ROOT)


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_every_environment_loads(env, monkeypatch):
    settings = load(env, monkeypatch)
    assert settings.experiment_name.endswith(f"-{env}")
    assert settings.tracking_uri.startswith("sqlite:///")
    assert 0 < settings.drift_threshold < 1


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_the_shipped_margin_is_resolvable_on_the_shipped_holdout(env, monkeypatch, tmp_path):
    settings = dataclasses.replace(load(env, monkeypatch), data_dir=tmp_path / "data")
    ingest.ingest(settings)  # the sample data, split as `make init` splits it
    evidence.check_margin(settings.min_improvement, len(ingest.load_holdout(settings)))


def test_staging_candidates_meet_the_production_gate(monkeypatch):
    dev, staging, prod = (load(env, monkeypatch) for env in ("dev", "staging", "prod"))
    assert staging.model_name == prod.model_name != dev.model_name
    assert (staging.accuracy_threshold, staging.min_improvement) == (prod.accuracy_threshold, prod.min_improvement)
    assert prod.min_improvement > 0
    # only the approved production job (`make promote`) moves @champion: staging and prod gates stage a candidate
    assert (dev.promotion, staging.promotion, prod.promotion) == ("champion", "candidate", "candidate")


def test_prefect_yaml_matches_the_configs(monkeypatch):
    project = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    deployments = {item["name"]: item for item in project["deployments"]}
    for env in ("staging", "prod"):
        settings, deployment = load(env, monkeypatch), deployments[f"training-{env}"]
        assert deployment["schedules"] == [{"cron": settings.schedule_cron}]
        assert deployment["work_pool"]["name"] == settings.work_pool
        assert deployment["work_pool"]["job_variables"]["env"]["MLOPS_ENV"] == env
    assert load("prod", monkeypatch).work_pool_type == "kubernetes"
