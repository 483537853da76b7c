"""The Prefect flow end to end, on a temporary Prefect server and a temporary MLflow store."""

import pytest
from mlflow.tracking import MlflowClient

from {{ cookiecutter.package_name }} import ingest, pipeline
from {{ cookiecutter.package_name }}.validation import DataValidationError


def _client(settings):
    return MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.tracking_uri)


def _aliases(client, settings):
    return {name: str(version) for name, version in client.get_registered_model(settings.model_name).aliases.items()}


def test_the_steps_compose_without_an_orchestrator(settings):
    """task.fn() is the plain step function: fast, no Prefect server."""
    pipeline.ingest_task.fn(settings)
    raw = pipeline.validate_task.fn(pipeline.load_task.fn(settings))
    holdout = pipeline.load_holdout_task.fn(settings)
    metrics = pipeline.evaluate_task.fn(pipeline.train_task.fn(raw, settings.seed), holdout)
    assert metrics["accuracy"] >= settings.accuracy_threshold


def test_the_schedule_is_a_cron_deployment_of_the_same_flow(settings):
    deployment = pipeline.deployment(settings)
    assert deployment.flow_name == pipeline.training_pipeline.name
    assert [schedule.schedule.cron for schedule in deployment.schedules] == [settings.schedule_cron]


def test_train_then_skip_unchanged_data_then_retrain_on_new_data(prefect_server, settings):
    ingest.ingest(settings)  # the pipeline never writes data itself (`make init` does)
    first = pipeline.training_pipeline()
    assert (first["status"], first["version"]) == ("promoted", "1")
    assert pipeline.training_pipeline()["status"] == "skipped"
    ingest.simulate_batch(settings, seed=5)
    second = pipeline.training_pipeline()
    assert second["status"] in ("promoted", "rejected")
    assert second["data_version"] != first["data_version"]

    client = _client(settings)
    aliases = _aliases(client, settings)
    if second["status"] == "promoted":
        assert aliases == {"champion": "2", "previous-champion": "1"}
    else:
        assert aliases == {"champion": "1", "challenger": "2"}
    run = client.get_run(client.get_model_version(settings.model_name, "2").run_id)
    assert run.data.tags["data_version"] == ingest.file_md5(settings.raw_file)
    assert run.data.tags["previous_champion_version"] == "1"
    assert run.data.tags["pipeline_version"] and run.data.tags["git_commit"] and run.data.tags["git_dirty"]
    assert run.data.metrics["champion_holdout_accuracy"] == pytest.approx(first["accuracy"])


def test_corrupt_data_stops_the_pipeline_and_leaves_the_registry_untouched(prefect_server, settings, raw):
    raw.assign(**{"mean radius": -5.0}).to_csv(settings.raw_file, index=False)
    with pytest.raises(DataValidationError, match="mean radius"):
        pipeline.training_pipeline()
    client = _client(settings)
    assert client.search_model_versions(f"name = '{settings.model_name}'") == []
    assert client.search_runs([pipeline.registry.experiment_id(settings)]) == []
